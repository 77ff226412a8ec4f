"""The dispatcher and what every writer promises: pure, deterministic, one trailing newline, no heavy imports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

import linter
from linter.check import CheckResult
from linter.report import FORMATS, render

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "txt", "junit": "xml"}
Report = Callable[..., str]


def test_formats_are_the_documented_five() -> None:
    assert FORMATS == ("text", "json", "sarif", "github", "junit")


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_matches_snapshot(
    fmt: str, case: tuple[str, CheckResult], report: Report, snapshot: Callable[[str, str], None]
) -> None:
    name, result = case
    snapshot(f"{name}-{fmt}.{EXTENSIONS[fmt]}", report(fmt, result))


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_ends_with_exactly_one_newline(fmt: str, case: tuple[str, CheckResult], report: Report) -> None:
    output = report(fmt, case[1])
    assert output.endswith("\n")
    assert not output.endswith("\n\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_order_inside_the_result_does_not_matter(fmt: str, full: CheckResult, report: Report) -> None:
    forward = report(fmt, full)
    full.findings.reverse()
    full.errors.reverse()
    full.files_checked.reverse()
    full.skipped.reverse()
    full.rules = list(reversed(full.rules))
    assert report(fmt, full) == forward


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_leaves_the_result_untouched(fmt: str, full: CheckResult, report: Report) -> None:
    before = repr(full)
    report(fmt, full)
    assert repr(full) == before


def test_tool_version_defaults_to_the_package_version() -> None:
    assert f'"version": "{linter.__version__}"' in render("sarif", CheckResult())


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(
        ValueError, match=r"unknown output format 'xml' \(choose from text, json, sarif, github, junit\)"
    ):
        render("xml", CheckResult())


def test_writers_import_nothing_heavy() -> None:
    # Start-up time matters for a pre-commit hook: importing rich alone costs ~160 ms.
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


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_report_in_pieces_joins_to_the_report_and_json_is_written_as_it_is_encoded(
    fmt: str, case: tuple[str, CheckResult], report: Report
) -> None:
    # The CLI writes JSON and SARIF piece by piece (`render_chunks`): the pieces must be the report, byte for byte,
    # and the document must never be dumped whole (the findings' dicts are built as the encoder reaches them).
    from linter.report import render_chunks
    from linter.report.json_report import report_dict
    from linter.report.sarif import sarif_log

    chunks = list(render_chunks(fmt, case[1], tool_version="9.9.9-test"))
    assert "".join(chunks) == report(fmt, case[1])
    if fmt in ("json", "sarif") and case[1].findings:
        assert len(chunks) > 20
        document = report_dict(case[1], "9.9.9-test") if fmt == "json" else sarif_log(case[1], "9.9.9-test")
        assert type(document["findings"] if fmt == "json" else document["runs"][0]["results"]) is list
