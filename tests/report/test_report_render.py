"""The dispatcher and what every writer promises: pure, deterministic, one trailing newline, no heavy imports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from report_cases import CASES, TOOL_VERSION, full_result

from linter.check import CheckResult
from linter.report import FORMATS, render

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "txt", "junit": "xml"}


def test_formats_are_the_documented_five() -> None:
    assert FORMATS == ("text", "json", "sarif", "github", "junit")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_output_matches_snapshot(
    fmt: str, case: str, snapshot: Callable[[str, str], None]
) -> None:
    snapshot(f"{case}-{fmt}.{EXTENSIONS[fmt]}", render(fmt, CASES[case](), tool_version=TOOL_VERSION))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_output_ends_with_exactly_one_newline(fmt: str, case: str) -> None:
    output = render(fmt, CASES[case](), tool_version=TOOL_VERSION)
    assert output.endswith("\n")
    assert not output.endswith("\n\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_order_of_findings_and_errors_in_the_result_does_not_matter(fmt: str) -> None:
    forward = full_result()
    backward = full_result()
    backward.findings.reverse()
    backward.errors.reverse()
    backward.files_checked.reverse()
    backward.rules = list(reversed(backward.rules))
    assert render(fmt, forward, tool_version=TOOL_VERSION) == render(fmt, backward, tool_version=TOOL_VERSION)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_leaves_the_result_untouched(fmt: str) -> None:
    result = full_result()
    before = repr(result)
    render(fmt, result, tool_version=TOOL_VERSION)
    assert repr(result) == before


def test_tool_version_defaults_to_the_package_version() -> None:
    import linter

    assert f'"version": "{linter.__version__}"' in render("sarif", CheckResult())


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml' \\(choose from text, json, sarif, github, junit\\)"):
        render("xml", CheckResult())


def test_writers_import_no_rich() -> None:
    # Start-up time matters for a pre-commit hook: rich alone costs ~160 ms.
    code = (
        "import sys\n"
        "from linter.check import CheckResult\n"
        "before = set(sys.modules)\n"
        "from linter.report import FORMATS, render\n"
        "for fmt in FORMATS: render(fmt, CheckResult(), color=True)\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in {'rich', 'pygments', 'typer'}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
