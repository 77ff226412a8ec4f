"""Issue 11, point 2: every string from the inputs is escaped for the channel it goes to.

Written as the author of a hostile pull request would write it: policy values, Terraform labels, file names, a URL
and an S3 error body that try to print a line a CI runner obeys (GitHub Actions reads `::command::` and the legacy
`##[command]` after leading whitespace, Azure Pipelines `##vso[`), drive the terminal (ESC, the one-byte CSI 0x9b,
OSC 8 links, BEL, NUL, backspace) or read other than written (line and paragraph separators, bidi overrides). Every
format of `check`, `presign`, `explain-url` and `explain-error`, and the CLI's error lines, run over them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from linter.check import CheckResult
from linter.cli import main
from linter.findings import Finding, RelatedLocation, Severity
from linter.model import InputError, Location
from linter.report import FORMATS, render
from linter.report.text import BOLD, CYAN, DIM, RED, RESET, UNDERLINE, YELLOW
from linter.safe_text import escape_controls, for_terminal, json_text, workflow_command_data
from rules.actions.malformed_arn import MalformedArn

# What must never reach a terminal or a CI log raw, written out here rather than imported so that this file checks
# the module: C0 but the line feed, DEL, C1, the line/paragraph separators, bidi controls, the byte order mark.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
CI_COMMAND = re.compile(r"^\s*(::|##\[|##vso\[)", re.IGNORECASE)
OWN_COMMAND = re.compile(r"::(error|warning|notice) file=[^\n]*")

# Magenta (35) and a cleared screen are codes the text format never writes itself: one in the output is a leak.
HOSTILE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "x\n::error::sid",
            "Effect": "Allow",
            "Action": "s3:GetObjec\n::error::act",
            "Resource": "*\n::error::pwned",
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "x\r\n::add-mask::y\n##[error]legacy\n##vso[task.setvariable variable=X]z\u2028::error::u\u2029"
            "\x85\x1b[35m\x1b]8;;https://e.example\x07\x9b35m\x7f\x00\x08\u202e\u2066\ufeff",
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals\n::error::k": {"aws:username": "\n  ::error::cv"}},
        },
    ],
}
HOSTILE_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "\n::error::principal\x1b[35m"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ],
}
HOSTILE_TERRAFORM = r"""resource "aws_iam_policy" "evil\n::error::label\u001b[2J\u202e" {
  name   = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "\n::warning::sid"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "*\n::error::tf\u2028"
    }]
  })
}
"""
NAMED_FILE = "::error::x\x1b[35m.json"  # a file name starts a line in the text format (its header)
BROKEN_FILES = ("##[error]bad\u2028.json", "##vso[task.setvariable variable=X]1.json")  # ...and an error line


def assert_safe(output: str, *, own_commands: bool = False) -> None:
    """No raw control character and no line a CI runner obeys, but the `github` format's own annotations."""
    assert RAW.findall(output) == []
    commands = [line for line in output.split("\n") if CI_COMMAND.match(line)]
    if own_commands:
        assert [line for line in commands if not OWN_COMMAND.fullmatch(line)] == []
    else:
        assert commands == []


@pytest.fixture
def hostile_tree(in_tmp: Path) -> Path:
    (in_tmp / "evil.json").write_text(json.dumps(HOSTILE_POLICY))
    (in_tmp / NAMED_FILE).write_text(json.dumps(HOSTILE_BUCKET_POLICY))
    for name in BROKEN_FILES:
        (in_tmp / name).write_text('{"Version": "2012-10-17",\n')
    (in_tmp / "infra").mkdir()
    (in_tmp / "infra" / "main.tf").write_text(HOSTILE_TERRAFORM)
    return in_tmp


def _check(fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["check", ".", "--format", fmt]) == 2  # the broken files are input errors
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


# --- the escapers themselves ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("*\n::error::pwned", "*\\n::error::pwned"),
        ("x\r\n::add-mask::y", "x\\r\\n::add-mask::y"),
        ("\n##[error]pwned", "\\n##[error]pwned"),
        ("\u2028::error::x", "\\u2028::error::x"),
        ("::error::x.json", "\\x3a:error::x.json"),
        ("  ##[error]x", "  \\x23#[error]x"),
        ("##VSO[task.complete]x", "\\x23#VSO[task.complete]x"),
        ("\u00a0\u3000::notice::x", "\u00a0\u3000\\x3a:notice::x"),  # the runner trims Unicode spaces too
        (
            "\x1b[31m\x1b]8;;https://e.example\x07link\x1b]8;;\x07",
            "\\x1b[31m\\x1b]8;;https://e.example\\x07link\\x1b]8;;\\x07",
        ),
        ("\x9b31m\x85\x7f\x00\x08\t", "\\x9b31m\\x85\\x7f\\x00\\x08\\t"),
        ("a\u202eb\u2066c\u2069d\u200fe\ufefff\u2029", "a\\u202eb\\u2066c\\u2069d\\u200fe\\ufefff\\u2029"),
        ("\ud800 \ufffe", "\\ud800 \\ufffe"),
        ("é ✓ … arn:aws:s3:::b/* :: ##[", "é ✓ … arn:aws:s3:::b/* :: ##["),  # only a line's start is a command
    ],
)
def test_for_terminal_shows_every_hostile_character_escaped(hostile: str, shown: str) -> None:
    assert for_terminal(hostile) == shown


def test_escape_controls_leaves_a_command_in_the_middle_of_a_line_alone() -> None:
    # Only text that starts a line goes through for_terminal; mid-line, `::` is just text.
    assert escape_controls("::error::x\n") == "::error::x\\n"


def test_workflow_command_data_leaves_only_the_runners_own_escapes() -> None:
    assert workflow_command_data("100%\r\n::error::x\x1b[2J\u2028") == "100%25%0D%0A::error::x\\x1b[2J\\u2028"


def test_json_text_escapes_what_json_dumps_leaves_raw_and_stays_readable() -> None:
    document = {"key": "\x7f\x9b\u2028\u202e\ud800 \x1b\n … ✓"}
    text = json_text(document)
    assert text == '{\n  "key": "\\u007f\\u009b\\u2028\\u202e\\ud800 \\u001b\\n … ✓"\n}'
    assert json.loads(text) == document


# --- every writer, whatever a message holds --------------------------------------------------------------------

RAW_MESSAGE = "Resource '*'\n::error::pwned\r\n##[error]x\u2028##vso[task.complete]y\x1b[35m\x9b\u202e\x7f\x00"


def _raw_result() -> CheckResult:
    """A message, address, JSON path, related location and input error holding raw hostile text, as a future rule
    or loader might write them: the writers must not rely on rules quoting values with repr()."""
    loc = Location(file=NAMED_FILE, line=3, column=5, json_path="/Statement/0/Resource\n::error::p", address="a.b\n::x")
    related = RelatedLocation(message="\n::error::related", loc=Location(file="\n::error::rel.json", line=1, column=1))
    finding = Finding(
        rule_id=MalformedArn.id,
        rule_name=MalformedArn.name,
        severity=Severity.ERROR,
        message=RAW_MESSAGE,
        loc=loc,
        related=(related,),
    )
    error = InputError(message="bad\n::error::e\x1b[2J", loc=Location(file="::warning::broken\u2028.json"))
    return CheckResult(findings=[finding], errors=[error], files_checked=[NAMED_FILE], rules=[MalformedArn])


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_writer_lets_raw_hostile_text_through(fmt: str) -> None:
    assert_safe(render(fmt, _raw_result()), own_commands=fmt == "github")


def test_text_writer_shows_raw_hostile_text_escaped_on_its_lines() -> None:
    assert render("text", _raw_result()).splitlines()[:7] == [
        "\\x3a:warning::broken\\u2028.json:1:1: error: bad\\n::error::e\\x1b[2J",
        "",
        "\\x3a:error::x\\x1b[35m.json",
        "  3:5  error    IPA003  Resource '*'\\n::error::pwned\\r\\n##[error]x\\u2028##vso[task.complete]y"
        "\\x1b[35m\\x9b\\u202e\\x7f\\x00  [malformed-arn]",
        "    at a.b\\n::x",
        "    ↳ \\n::error::rel.json:1:1 \\n::error::related",
        "",
    ]


def test_github_writer_keeps_each_annotation_on_one_line() -> None:
    assert render("github", _raw_result()).splitlines() == [
        "::error file=%3A%3Awarning%3A%3Abroken\\u2028.json,line=1,col=1::bad\\n::error::e\\x1b[2J",
        "::error file=%3A%3Aerror%3A%3Ax\\x1b[35m.json,line=3,col=5,title=IPA003 malformed-arn"
        "::Resource '*'\\n::error::pwned\\r\\n##[error]x\\u2028##vso[task.complete]y\\x1b[35m\\x9b\\u202e\\x7f\\x00"
        "%0Aat a.b\\n::x%0A↳ \\n::error::rel.json:1:1 \\n::error::related",
        "1 finding (1 error, 0 warnings, 0 info) in 1 file; 1 input error.",
    ]


def test_junit_writer_escapes_values_and_starts_every_text_line_with_a_label() -> None:
    output = render("junit", _raw_result())
    root = ET.fromstring(output.encode("utf-8"))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == (
        "Resource '*'\\n::error::pwned\\r\\n##[error]x\\u2028##vso[task.complete]y\\x1b[35m\\x9b\\u202e\\x7f\\x00"
    )
    assert (failure.text or "").splitlines()[:6] == [
        "Rule: IPA003 malformed-arn",
        "File: ::error::x\\x1b[35m.json:3:5",
        "Address: a.b\\n::x",
        "JSON path: /Statement/0/Resource\\n::error::p",
        "Message: Resource '*'\\n::error::pwned\\r\\n##[error]x\\u2028##vso[task.complete]y\\x1b[35m\\x9b\\u202e"
        "\\x7f\\x00",
        "Related: \\n::error::rel.json:1:1 \\n::error::related",
    ]
    error = root.find("testsuite/testcase/error")
    assert error is not None
    assert error.text == "\\x3a:warning::broken\\u2028.json:1:1: bad\\n::error::e\\x1b[2J"


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_writers_escape_and_lose_nothing(fmt: str) -> None:
    output = render(fmt, _raw_result())
    assert (
        "'*'\\n::error::pwned\\r\\n##[error]x\\u2028##vso[task.complete]y\\u001b[35m\\u009b\\u202e\\u007f\\u0000"
        in output
    )
    document = json.loads(output)
    if fmt == "json":
        assert document["findings"][0]["message"] == RAW_MESSAGE
    else:
        assert document["runs"][0]["results"][0]["message"]["text"] == f"{RAW_MESSAGE} (see [\n::error::related](1))"


# --- the real CLI over hostile files ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_over_hostile_inputs_prints_no_ci_command_and_no_raw_control(
    fmt: str, hostile_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_safe(_check(fmt, capsys), own_commands=fmt == "github")


def test_check_text_shows_hostile_names_escaped(hostile_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _check("text", capsys).splitlines()
    assert lines[:3] == [
        "\\x23#[error]bad\\u2028.json:2:1: error: invalid JSON: unexpected end of input: expected '}'",
        "\\x23#vso[task.setvariable variable=X]1.json:2:1: error: invalid JSON: unexpected end of input: expected '}'",
        "",
    ]
    assert lines[3:5] == [
        "\\x3a:error::x\\x1b[35m.json",
        "  1:82  error    IPG012  statement 0: Principal AWS '\\n::error::principal\\x1b[35m' is neither *, a 12-digit "
        "account id nor an IAM principal ARN  [malformed-principal]",
    ]
    assert "    at aws_iam_policy.evil\\n::error::label\\x1b[2J\\u202e" in lines


def test_check_json_and_sarif_escape_per_json(hostile_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = _check("json", capsys)
    assert '"file": "::error::x\\u001b[35m.json"' in output
    assert '"file": "##[error]bad\\u2028.json"' in output
    assert '"json_path": "/Statement/2/Condition/StringEquals\\n::error::k"' in output
    report = json.loads(output)
    assert [e["location"]["file"] for e in report["errors"]] == list(BROKEN_FILES)
    sarif = _check("sarif", capsys)
    assert '"uri": "%23%23%5Berror%5Dbad%E2%80%A8.json"' in sarif
    assert '"jsonPath": "/Statement/2/Condition/StringEquals\\n::error::k"' in sarif


def test_check_github_annotations(hostile_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _check("github", capsys).splitlines()
    assert lines[:3] == [
        "::error file=##[error]bad\\u2028.json,line=2,col=1::invalid JSON: unexpected end of input: expected '}'",
        "::error file=##vso[task.setvariable variable=X]1.json,line=2,col=1"
        "::invalid JSON: unexpected end of input: expected '}'",
        "::error file=%3A%3Aerror%3A%3Ax\\x1b[35m.json,line=1,endLine=1,col=82,endColumn=114,"
        "title=IPG012 malformed-principal::statement 0: Principal AWS '\\n::error::principal\\x1b[35m' is neither *, "
        "a 12-digit account id nor an IAM principal ARN",
    ]
    assert lines[-1] == "9 findings (8 errors, 1 warning, 0 info) in 3 files; 2 input errors."


def test_check_junit_text_lines_start_with_a_label(hostile_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ET.fromstring(_check("junit", capsys).encode("utf-8"))
    names = [suite.get("name") for suite in root.findall("testsuite")]
    assert names == [
        "##[error]bad\\u2028.json",
        "##vso[task.setvariable variable=X]1.json",
        "::error::x\\x1b[35m.json",
        "evil.json",
        "infra/main.tf",
    ]
    error = root.find("testsuite/testcase/error")
    assert error is not None
    assert error.text == "\\x23#[error]bad\\u2028.json:2:1: invalid JSON: unexpected end of input: expected '}'"
    condition = root.find("testsuite[@name='evil.json']/testcase[last()]/failure")
    assert condition is not None
    assert "JSON path: /Statement/2/Condition/StringEquals\\n::error::k" in (condition.text or "").splitlines()


def test_console_script_colours_only_with_its_own_codes(hostile_tree: Path) -> None:
    script = Path(sys.executable).with_name("iam-preflight")
    assert script.is_file()
    completed = subprocess.run(
        [str(script), "check", ".", "--color", "always"], capture_output=True, cwd=hostile_tree, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr == b""
    output = completed.stdout.decode("utf-8")
    assert "\x1b[35m" not in output
    for code in (RESET, BOLD, DIM, UNDERLINE, RED, YELLOW, CYAN):
        output = output.replace(code, "")
    assert_safe(output)
    assert output.splitlines()[3] == "\\x3a:error::x\\x1b[35m.json"


# --- presign, explain-url, explain-error ----------------------------------------------------------------------

PRESIGN_TERRAFORM = r"""
resource "aws_s3_bucket" "demo" {
  bucket = "presign-demo\n::error::bucket\u001b[2J\u202e"
}

resource "aws_iam_user" "reader" {
  name = "reader"
}

resource "aws_iam_user_policy" "reader" {
  name   = "list"
  user   = aws_iam_user.reader.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:ListBucket"], Resource = "*" }]
  })
}
"""
PRESIGN = ["presign", ".", "--signer", "aws_iam_user.reader", "--bucket", "aws_s3_bucket.demo"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_presign_over_a_hostile_bucket_name(fmt: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "main.tf").write_text(PRESIGN_TERRAFORM)
    assert main([*PRESIGN, "--key", "k\n::error::key", "--format", fmt, "--color", "never"]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    assert_safe(captured.out, own_commands=fmt == "github")
    if fmt == "text":
        # The finding's message names the bucket as the Terraform wrote it: raw, unlike a rule's repr()-quoted value.
        assert captured.out.splitlines()[:4] == [
            "✗ URL fails: aws_iam_user.reader → presign-demo\\n::error::bucket\\x1b[2J\\u202e/k\\n::error::key "
            "(GET, 1h)",
            "",
            "main.tf",
            "  13:23  error    IPS001  aws_iam_user.reader can sign URLs for presign-demo\\n::error::bucket"
            "\\x1b[2J\\u202e/k\\n::error::key (GET), but every one returns 403 AccessDenied: no identity-based "
            "policy allows s3:GetObject (its policy aws_iam_user_policy.reader.policy at main.tf:13:23 allows only "
            "s3:ListBucket). "
            "Fix: allow s3:GetObject on arn:aws:s3:::presign-demo\\n::error::bucket\\x1b[2J\\u202e/*.  "
            "[presign-url-denied]",
        ]
    if fmt == "json":
        presign = json.loads(captured.out)["presign"]
        assert presign["key"] == "k\n::error::key"
        assert '"key": "k\\n::error::key"' in captured.out


SIGNED = (
    "https://presign-demo.s3.us-east-1.amazonaws.com/k%0A%3A%3Aerror%3A%3Akey%1B%5B2J%E2%80%A8%C2%9B"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261127%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261127T100000Z&X-Amz-Expires=1800&X-Amz-SignedHeaders=host%0A%3A%3Aerror%3A%3Ah"
    "&versionId=v%0A%3A%3Aerror%3A%3Av&X-Amz-Signature=5d672d79c15b"
)


def test_explain_url_text_shows_the_decoded_key_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-url", SIGNED, "--at", "2026-11-27T10:05:00Z"]) == 0
    output = capsys.readouterr().out
    assert_safe(output)
    lines = output.splitlines()
    assert lines[0] == "✓ nothing in the URL stops it: presign-demo/k\\n::error::key\\x1b[2J\\u2028\\x9b"
    assert lines[6] == "  version    v\\n::error::v (needs s3:GetObjectVersion)"


def test_explain_url_json_escapes_what_it_decodes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-url", SIGNED, "--at", "2026-11-27T10:05:00Z", "--format", "json"]) == 0
    output = capsys.readouterr().out
    assert_safe(output)
    assert '"key": "k\\n::error::key\\u001b[2J\\u2028\\u009b"' in output
    assert json.loads(output)["signed_headers"] == ["host\n::error::h"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_explain_error_over_a_hostile_error_body(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        "<Error><Code>AccessDenied&#10;::error::c</Code><Message>x&#10;::error::m\x1b[2J&#x202e;.</Message>"
        "<RequestId>r&#10;::warning::id</RequestId></Error>"
    )
    assert main(["explain-error", body, "--format", fmt]) == 0
    output = capsys.readouterr().out
    assert_safe(output)
    if fmt == "text":
        assert output.splitlines()[:2] == [
            "AccessDenied\\n::error::c: x\\n::error::m\\x1b[2J\\u202e.",
            "  RequestId: r\\n::warning::id",
        ]
    else:
        assert '"message": "x\\n::error::m\\u001b[2J\\u202e."' in output


# --- the CLI's own error lines --------------------------------------------------------------------------------


def test_a_config_key_in_an_error_line_is_escaped(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / ".iam-preflight.toml").write_text('[kinds]\n"x\\n::error::k\\u001b[2J" = "bogus"\n')
    (in_tmp / "p.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    assert main(["check", "p.json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"iam-preflight: error: {in_tmp / '.iam-preflight.toml'}: kinds.x\\n::error::k\\x1b[2J: Input should be "
        "'identity', 'resource', 'trust', 'scp', 'rcp' or 'key'\n"
    )


def test_a_file_name_in_an_error_line_is_escaped(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "\n::error::s\x1b[2J\u2028.json"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "iam-preflight: error: \\n::error::s\\x1b[2J\\u2028.json: cannot read: No such file or directory\n"
    )
    assert_safe(captured.err)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lone_surrogate_in_a_policy_is_reported_in_every_format(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON may spell a lone surrogate (`"\\ud800"`), which UTF-8 cannot encode: the fingerprint once crashed on it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Sid": "\\udfff", "Effect": "Allow", "Action": "s3:*", '
        '"Resource": "\\ud800"}]}'
    )
    assert main(["check", "p.json", "--format", fmt]) == 1
    captured = capsys.readouterr()
    assert "internal error" not in captured.err
    assert "\ud800" not in captured.out
