"""The terminal format: grouping, alignment, colour only on request, and inputs that cannot drive the terminal."""

from __future__ import annotations

from collections.abc import Callable

from report_cases import FakeDuplicateKey, full_result, one_finding

from linter.check import CheckResult
from linter.model import InputError, Location
from linter.report import render


def test_colour_snapshot(snapshot: Callable[[str, str], None]) -> None:
    snapshot("full-text-color.txt", render("text", full_result(), color=True))


def test_no_escape_codes_without_colour() -> None:
    assert "\x1b" not in render("text", full_result())


def test_colour_does_not_change_the_text() -> None:
    import re

    plain = render("text", full_result())
    assert re.sub(r"\x1b\[[0-9;]*m", "", render("text", full_result(), color=True)) == plain


def test_one_of_everything_is_singular() -> None:
    result = one_finding("m", Location(file="a.json"))
    result.errors.append(InputError(message="bad", loc=Location(file="b.json")))
    result.skipped.append(("c.json", "not a policy"))
    result.suppressed = 1
    result.baselined = 1
    assert render("text", result).splitlines()[-1] == (
        "1 finding (0 errors, 1 warning, 0 info) in 1 file; 1 input error, 1 suppressed, 1 baselined, "
        "1 non-policy file skipped."
    )


def test_clean_run_says_so() -> None:
    assert render("text", CheckResult(files_checked=["a.json"])) == "No findings in 1 file.\n"


def test_skipped_files_are_counted_not_listed() -> None:
    output = render("text", CheckResult(files_checked=["a.json"], skipped=[("package.json", "not a policy")]))
    assert output == "No findings in 1 file; 1 non-policy file skipped.\n"


def test_control_characters_from_inputs_are_shown_escaped() -> None:
    # A policy can put any character in a message (an unknown action named "\u001b[2J" for instance).
    result = one_finding("unknown action \x1b[2J\x9b31m", Location(file="evil\x07.json"))
    output = render("text", result)
    assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output
    assert "unknown action \\x1b[2J\\x9b31m" in output
    assert output.startswith("evil\\x07.json\n")


def test_multi_line_message_stays_inside_its_file_group() -> None:
    result = one_finding("first line\nsecond line", Location(file="a.json", line=2, column=3))
    assert render("text", result).splitlines()[1:3] == [
        "  2:3  warning  IPG999  first line",
        "    second line  [fake-duplicate-key]",
    ]


def test_positions_align_within_a_file() -> None:
    result = one_finding("short", Location(file="a.json", line=2, column=3))
    result.findings.append(result.findings[0].model_copy(update={"loc": Location(file="a.json", line=120, column=14)}))
    lines = render("text", result).splitlines()
    assert lines[1].index("warning") == lines[2].index("warning")
    assert FakeDuplicateKey.id in lines[1]
