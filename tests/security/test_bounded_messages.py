"""No input decides how long a line of output is: a value quoted in a message is shown bounded (`safe_text.bounded`).

An Effect of 140 KB, a Terraform expression of 50 KB or a label of 100 KB, quoted whole, made report lines of that
size (a JSON report of 860 KB from one 9 KB file, in the CLI fuzz run). Each is written here as a hostile pull request
would write it, and every format is read back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main
from linter.findings import Finding, RelatedLocation, Severity
from linter.model import InputError, Location
from linter.report import FORMATS
from linter.safe_text import MESSAGE_LIMIT, bounded

# The longest line a format writes for one bounded message and one bounded address, with its own words and a few
# escapes around them: what matters is that it does not grow with the input (100,000 characters here).
LONGEST_LINE = 4 * MESSAGE_LIMIT
HUGE = 100_000


def test_a_short_message_is_left_as_it_is() -> None:
    message = "m" * MESSAGE_LIMIT
    assert bounded(message) is message


def test_a_long_message_keeps_its_start_and_end_and_counts_what_it_leaves_out() -> None:
    message = "S" * 1200 + "m" * 5000 + "E" * 600
    assert bounded(message) == "S" * 1200 + " ...[5,000 characters left out]... " + "E" * 600


def test_findings_related_locations_and_input_errors_are_bounded_when_made() -> None:
    loc = Location(file="p.json", line=1, column=1)
    long = "x" * HUGE
    finding = Finding(
        rule_id="IPG006",
        rule_name="n",
        severity=Severity.ERROR,
        message=f"Effect '{long}' must be 'Allow' or 'Deny'",
        loc=loc,
        related=(RelatedLocation(message=long, loc=loc),),
        subject=long,
    )
    assert finding.message == bounded(f"Effect '{long}' must be 'Allow' or 'Deny'")
    assert finding.message.endswith("x' must be 'Allow' or 'Deny'")
    assert finding.related[0].message == bounded(long)
    # The subject is only hashed into the fingerprint, never shown: two long values stay two findings.
    assert finding.subject == long
    assert InputError(message=long, loc=loc).message == bounded(long)


def _policy_with_a_long_effect(folder: Path) -> None:
    statement = {"Effect": "Allow" + "x" * HUGE, "Action": "s3:GetObject", "Resource": "*"}
    (folder / "p.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_bounds_a_long_policy_value_in_every_format(
    fmt: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy_with_a_long_effect(in_tmp)
    assert main(["check", "p.json", "--format", fmt, "--color", "never"]) == 1
    output = capsys.readouterr().out
    assert max(len(line) for line in output.splitlines()) < LONGEST_LINE
    assert "characters left out]..." in output
    assert "x" * MESSAGE_LIMIT not in output


def test_the_text_report_says_what_the_rule_says_around_the_long_value(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy_with_a_long_effect(in_tmp)
    assert main(["check", "p.json", "--select", "IPG006", "--color", "never"]) == 1
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "IPG006" in line]
    message = "statement 0: Effect '" + "Allow" + "x" * HUGE + "' is not valid; write 'Allow' or 'Deny'"
    assert line == f"  1:52  error    IPG006  {bounded(message)}  [invalid-effect]"


TERRAFORM_LABEL = "p" * HUGE
TERRAFORM = f"""
resource "aws_iam_policy" "{TERRAFORM_LABEL}" {{
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObjec", Resource = lookup(var.m, "{"k" * HUGE}") }}]
  }})
}}

variable "m" {{}}
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_bounds_a_long_terraform_label_and_expression_in_every_format(
    fmt: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "main.tf").write_text(TERRAFORM)
    assert main(["check", ".", "--format", fmt, "--color", "never"]) == 1
    output = capsys.readouterr().out
    assert "IPA001" in output  # the unknown action, at the resource with the long label
    assert "IPN001" in output  # the expression that cannot be resolved
    assert max(len(line) for line in output.splitlines()) < LONGEST_LINE
    assert "k" * MESSAGE_LIMIT not in output
    assert "p" * MESSAGE_LIMIT not in output
    if fmt == "json":
        (finding,) = [f for f in json.loads(output)["findings"] if f["rule_id"] == "IPA001"]
        assert finding["location"]["address"] == bounded(f"aws_iam_policy.{TERRAFORM_LABEL}")


PRESIGN_TERRAFORM = f"""
resource "aws_iam_user" "u" {{
  name = "u"
}}

resource "aws_s3_bucket" "b" {{
  bucket = lookup(var.m, "{"k" * HUGE}")
}}

variable "m" {{}}
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_presign_bounds_a_long_bucket_expression(fmt: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "main.tf").write_text(PRESIGN_TERRAFORM)
    command = ["presign", ".", "--signer", "aws_iam_user.u", "--bucket", "aws_s3_bucket.b", "--key", "k" * HUGE]
    assert main([*command, "--format", fmt, "--color", "never"]) == 1
    output = capsys.readouterr().out
    assert "characters left out]..." in output
    assert max(len(line) for line in output.splitlines()) < LONGEST_LINE
    if fmt == "text":
        assert output.startswith("? URL uncertain (cannot be decided offline): aws_iam_user.u → ")
    else:
        assert json.loads(output)["presign"]["key"] == bounded("k" * HUGE)


def test_simulate_bounds_an_error_line_quoting_a_long_value(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    action = "s3" + "x" * HUGE
    (in_tmp / "requests.jsonl").write_text(json.dumps({"ActionNames": [action]}) + "\n")
    assert main(["simulate", "--jsonl", "requests.jsonl"]) == 2
    (line,) = capsys.readouterr().out.splitlines()
    message = f"ActionNames: {action!r} must be service:Action without wildcards"
    assert json.loads(line) == {"Error": {"Line": 1, "Message": bounded(message)}}
