"""The terminal format: grouping, alignment, colour only on request, and inputs that cannot drive the terminal."""

from __future__ import annotations

import re
from collections.abc import Callable

from linter.check import CheckResult
from linter.model import InputError, Location

Report = Callable[..., str]
Single = Callable[..., CheckResult]


def test_colour_snapshot(full: CheckResult, report: Report, snapshot: Callable[[str, str], None]) -> None:
    snapshot("full-text-color.txt", report("text", full, color=True))


def test_no_escape_codes_without_colour(full: CheckResult, report: Report) -> None:
    assert "\x1b" not in report("text", full)


def test_colour_changes_nothing_but_escape_codes(full: CheckResult, report: Report) -> None:
    coloured = report("text", full, color=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == report("text", full)


def test_one_of_everything_is_singular(single: Single, report: Report) -> None:
    result = single("m", Location(file="a.json"))
    result.errors.append(InputError(message="bad", loc=Location(file="b.json")))
    result.skipped.append(("c.json", "not a policy"))
    result.suppressed = 1
    result.baselined = 1
    assert report("text", result).splitlines()[-1] == (
        "1 finding (0 errors, 1 warning, 0 info) in 1 file; 1 input error, 1 suppressed, 1 baselined, "
        "1 non-policy file skipped."
    )


def test_clean_run_says_so(report: Report) -> None:
    assert report("text", CheckResult(files_checked=["a.json", "b.json"])) == "No findings in 2 files.\n"


def test_skipped_files_are_counted_not_listed(report: Report) -> None:
    output = report("text", CheckResult(files_checked=["a.json"], skipped=[("package.json", "not a policy")]))
    assert output == "No findings in 1 file; 1 non-policy file skipped.\n"


def test_control_characters_from_inputs_are_shown_escaped(single: Single, report: Report) -> None:
    # A policy can put any character into a message, e.g. an unknown action written as "\u001b[2J".
    output = report("text", single("unknown action \x1b[2J\x9b31m", Location(file="evil\x07.json")))
    assert not {"\x1b", "\x9b", "\x07"} & set(output)
    assert "unknown action \\x1b[2J\\x9b31m" in output
    assert output.startswith("evil\\x07.json\n")


def test_a_line_break_in_a_message_is_shown_not_written(single: Single, report: Report) -> None:
    # No rule writes a multi-line message: a break comes from an input and could otherwise forge a finding line.
    message = "first line\n  9:9  info     IPG999  forged\r\n::error::x"
    output = report("text", single(message, Location(file="a.json", line=2, column=3)))
    assert output.splitlines()[1:3] == [
        "  2:3  warning  IPG999  first line\\n  9:9  info     IPG999  forged\\r\\n::error::x  [fake-duplicate-key]",
        "",
    ]


def test_a_file_name_that_starts_a_line_cannot_start_a_ci_command(single: Single, report: Report) -> None:
    result = single("m", Location(file="::error::x.json", line=2, column=3))
    result.errors.append(InputError(message="bad", loc=Location(file="  ##[error]y.json")))
    result.errors.append(InputError(message="bad", loc=Location(file="##vso[task.setvariable]z.json")))
    assert report("text", result).splitlines()[:5] == [
        "  \\x23#[error]y.json:1:1: error: bad",
        "\\x23#vso[task.setvariable]z.json:1:1: error: bad",
        "",
        "\\x3a:error::x.json",
        "  2:3  warning  IPG999  m  [fake-duplicate-key]",
    ]


def test_positions_align_within_a_file(single: Single, report: Report) -> None:
    result = single("short", Location(file="a.json", line=2, column=3))
    result.findings.append(result.findings[0].model_copy(update={"loc": Location(file="a.json", line=120, column=14)}))
    assert report("text", result).splitlines()[1:3] == [
        "  2:3     warning  IPG999  short  [fake-duplicate-key]",
        "  120:14  warning  IPG999  short  [fake-duplicate-key]",
    ]
