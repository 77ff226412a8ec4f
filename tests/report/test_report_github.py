"""GitHub Actions annotations: one workflow command per finding, escaped as the runner parses them."""

from __future__ import annotations

from collections.abc import Callable

from linter.check import CheckResult
from linter.findings import RelatedLocation
from linter.model import InputError, Location
from linter.report import render
from linter.safe_text import workflow_command_data, workflow_command_property

Single = Callable[..., CheckResult]


def test_message_escapes_percent_and_line_breaks_as_the_runner_decodes_them() -> None:
    assert workflow_command_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"


def test_property_also_escapes_colon_and_comma() -> None:
    assert workflow_command_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"


def test_other_controls_are_shown_escaped_in_messages_and_properties() -> None:
    # The runner decodes only %25, %0D, %0A (and %3A, %2C in properties): anything else would reach the log raw.
    hostile = "a\x1b[31m\x9b\x7f\x00\u2028\u202eb"
    assert workflow_command_data(hostile) == "a\\x1b[31m\\x9b\\x7f\\x00\\u2028\\u202eb"
    assert workflow_command_property(hostile) == "a\\x1b[31m\\x9b\\x7f\\x00\\u2028\\u202eb"


def test_escaping_in_a_whole_annotation(single: Single) -> None:
    result = single(
        "grants 100% of s3:*, not just s3:GetObject",
        Location(file="dir,1/a:b%\n.json", line=3, column=5, end_line=3, end_column=9),
    )
    first = render("github", result).splitlines()[0]
    assert first == (
        "::warning file=dir%2C1/a%3Ab%25%0A.json,line=3,endLine=3,col=5,endColumn=9,title=IPG999 fake-duplicate-key"
        "::grants 100%25 of s3:*, not just s3:GetObject"
    )


def test_one_line_per_annotation_whose_lines_are_ours_alone(single: Single) -> None:
    # The annotation's lines are message, address and related locations; a break inside a value is shown escaped,
    # so a value cannot pose as an address or a related location.
    related = RelatedLocation(message="denies\r\nhere", loc=Location(file="b.json", line=7, column=2))
    result = single(
        "a\nat aws_iam_policy.innocent", Location(file="a.json", address="aws_iam_policy.x"), related=(related,)
    )
    lines = render("github", result).splitlines()
    assert lines == [
        "::warning file=a.json,line=1,col=1,title=IPG999 fake-duplicate-key"
        "::a\\nat aws_iam_policy.innocent%0Aat aws_iam_policy.x%0A↳ b.json:7:2 denies\\r\\nhere",
        "1 finding (0 errors, 1 warning, 0 info) in 1 file.",
    ]


def test_columns_are_left_out_of_a_multi_line_span(single: Single) -> None:
    result = single("m", Location(file="a.tf", line=12, column=3, end_line=18, end_column=4))
    assert render("github", result).startswith(
        "::warning file=a.tf,line=12,endLine=18,title=IPG999 fake-duplicate-key::m\n"
    )


def test_input_errors_and_summary() -> None:
    result = CheckResult(
        errors=[InputError(message="expected ',' at 4:1", loc=Location(file="bad.json", line=4, column=1))]
    )
    assert render("github", result) == (
        "::error file=bad.json,line=4,col=1::expected ',' at 4:1\nNo findings in 0 files; 1 input error.\n"
    )
