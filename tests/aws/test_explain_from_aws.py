"""`explain-url --from-aws` and `explain-error --from-aws` (issue 14): the failing link or S3's AccessDenied answered
from what is deployed.

Against moto (tests/aws/test_deployed.py's fixture and demo): fake credentials, region us-east-1, no real account.
The URLs are built by hand with a fixed X-Amz-Date and read at a fixed `--at`; their signatures are never checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from linter.aws import from_aws
from linter.aws.deployed import AwsClients
from linter.cli import main
from tests.aws.test_deployed import ACCOUNT, READ, USER_TWO, Refusing, aws, make_demo

__all__ = ["aws"]  # the moto fixture, used by name

LIST_FILE = f"{USER_TWO}#inline/list-buckets-and-contents"
AT = "2026-11-27T10:05:00Z"
SIGNATURE = "f" * 64
TEMPORARY = "ASIAQEXAMPLE7TEMPKEY"


def url_for(key_id: str, path: str = "/cat.jpg") -> str:
    return (
        f"https://presign-demo.s3.us-east-1.amazonaws.com{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={key_id}%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T100000Z"
        f"&X-Amz-Expires=1800&X-Amz-SignedHeaders=host&X-Amz-Signature={SIGNATURE}"
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--color", "never"] if argv[0] == "check" else list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def demo(aws: AwsClients) -> Iterator[AwsClients]:
    make_demo(aws)
    yield aws


@pytest.fixture
def user_two_key(demo: AwsClients) -> str:
    key_id = str(demo.iam.create_access_key(UserName="user-two")["AccessKey"]["AccessKeyId"])
    assert key_id.startswith("AKIA")
    return key_id


def _shown(key_id: str) -> str:
    return f"{key_id[:4]}…{key_id[-4:]}"


def test_explain_url_from_aws_finds_the_signer_by_its_key_and_names_the_deployed_policy(
    user_two_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "explain-url", url_for(user_two_key), "--from-aws", "--at", AT, "--format", "json")
    assert (code, err) == (1, "")
    report = json.loads(out)
    assert report["status"] == "fails"
    [problem] = report["problems"]
    assert problem["status"] == "fails"
    assert USER_TWO in problem["message"] and LIST_FILE in problem["message"]
    assert problem["location"] == f"{LIST_FILE}:1:1"
    assert user_two_key not in out and _shown(user_two_key) in out  # the key id masked, as without --from-aws


def test_explain_url_from_aws_text_says_it_fails_and_why(user_two_key: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain-url", url_for(user_two_key), "--from-aws", "--at", AT)
    assert (code, err) == (1, "")
    assert LIST_FILE in out and user_two_key not in out and SIGNATURE not in out


def test_explain_url_from_aws_for_the_fixed_user_works(
    demo: AwsClients, user_two_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    code, out, err = run(capsys, "explain-url", url_for(user_two_key), "--from-aws", "--at", AT, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["problems"] == []


def test_a_user_with_a_path_is_found_by_its_own_arn(demo: AwsClients, capsys: pytest.CaptureFixture[str]) -> None:
    demo.iam.create_user(UserName="reporter", Path="/team/")
    demo.iam.put_user_policy(UserName="reporter", PolicyName="read", PolicyDocument=json.dumps(READ))
    key_id = str(demo.iam.create_access_key(UserName="reporter")["AccessKey"]["AccessKeyId"])
    code, out, err = run(capsys, "explain-url", url_for(key_id), "--from-aws", "--at", AT, "--format", "json")
    assert (code, err) == (0, "")  # arn:aws:iam::ACCOUNT:user/team/reporter, path included (iam:GetUser)
    assert json.loads(out)["problems"] == []


def test_a_signer_given_overrides_the_key_lookup(
    demo: AwsClients, user_two_key: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = demo._replace(iam=Refusing(demo.iam, "get_access_key_last_used"))
    monkeypatch.setattr(from_aws, "aws_clients", lambda settings: refusing)
    argv = ["explain-url", url_for(user_two_key), "--from-aws", "--signer", USER_TWO, "--at", AT, "--format", "json"]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (1, "")
    [problem] = json.loads(out)["problems"]
    assert problem["location"] == f"{LIST_FILE}:1:1"


def test_a_temporary_key_without_a_signer_names_its_account_and_asks_for_one(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "explain-url", url_for(TEMPORARY), "--from-aws", "--at", AT)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert f"account {ACCOUNT}" in line and "--signer ARN or --principal-arn ARN" in line
    assert TEMPORARY not in err and _shown(TEMPORARY) in line


def test_a_temporary_key_with_the_principal_arn_is_checked_as_that_principal(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["explain-url", url_for(TEMPORARY), "--from-aws", "--principal-arn", USER_TWO, "--at", AT]
    code, out, err = run(capsys, *argv, "--format", "json")
    assert (code, err) == (1, "")  # user two's deployed policies, read because the ARN was named
    # Two problems: the session's own end (a temporary key), and the deployed policy that denies.
    problems = json.loads(out)["problems"]
    assert [p["location"] for p in problems][-1] == f"{LIST_FILE}:1:1"


@pytest.mark.parametrize(
    ("key", "operation", "client", "permission"),
    [
        ("user_two_key", "get_access_key_last_used", "iam", "iam:GetAccessKeyLastUsed"),
        (None, "get_access_key_info", "sts", "sts:GetAccessKeyInfo"),
    ],
)
def test_a_refused_key_lookup_is_one_line_naming_the_permission(
    request: pytest.FixtureRequest,
    demo: AwsClients,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str | None,
    operation: str,
    client: str,
    permission: str,
) -> None:
    key_id = str(request.getfixturevalue(key)) if key else TEMPORARY
    refusing = demo._replace(**{client: Refusing(getattr(demo, client), operation)})
    monkeypatch.setattr(from_aws, "aws_clients", lambda settings: refusing)
    code, out, err = run(capsys, "explain-url", url_for(key_id), "--from-aws", "--at", AT)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert f"lack {permission} (AccessDenied)" in line and key_id not in line


def test_a_key_of_no_user_of_the_account_is_one_line(demo: AwsClients, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain-url", url_for("AKIAQEXAMPLE7NOTHERE"), "--from-aws", "--at", AT)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert "NoSuchEntity" in line and "--signer ARN" in line and "AKIAQEXAMPLE7NOTHERE" not in line


def _access_denied(principal: str, action: str = "s3:GetObject", key: str = "cat.jpg") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
        f"<Message>User: {principal} is not authorized to perform: {action} on resource: "
        f'"arn:aws:s3:::presign-demo/{key}" because no identity-based policy allows the {action} action</Message>'
        "<RequestId>R1</RequestId></Error>"
    )


def test_explain_error_from_aws_adds_the_deployed_cause(demo: AwsClients, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain-error", _access_denied(USER_TWO), "--from-aws", "--format", "json")
    assert (code, err) == (0, "")
    first, second = json.loads(out)["causes"]
    assert first["cause"].startswith("deployed: ") and LIST_FILE in first["cause"] and USER_TWO in first["cause"]
    assert (
        second["cause"] == f"no identity policy of {USER_TWO} allows s3:GetObject on arn:aws:s3:::presign-demo/cat.jpg"
    )


def test_explain_error_from_aws_when_the_deployed_policies_allow_now(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    code, out, _ = run(capsys, "explain-error", _access_denied(USER_TWO), "--from-aws")
    assert code == 0
    assert "read now, allow s3:GetObject" in out


def test_explain_error_from_aws_without_a_principal_says_what_it_cannot_tell(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    code, out, err = run(capsys, "explain-error", body, "--from-aws", "--format", "json")
    assert (code, err) == (0, "")
    first = json.loads(out)["causes"][0]["cause"]
    assert first.startswith("--from-aws could not tell whose request it was")


def test_aws_options_go_with_from_aws(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain-error", "<Error><Code>AccessDenied</Code></Error>", "--aws-region", "eu-west-1")
    assert code == 2 and "--aws-profile and --aws-region go with" in err


def test_the_readme_names_the_key_lookups() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"`{from_aws.KEY_USER_PERMISSION}`" in readme and f"`{from_aws.KEY_ACCOUNT_PERMISSION}`" in readme


def test_a_terraform_signer_is_looked_up_in_path_beside_the_deployed_bucket(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_path = Path(__file__).resolve().parents[2] / "examples" / "presign-demo"
    argv = ["explain-url", url_for(TEMPORARY), str(demo_path), "--signer", "aws_iam_user.user_two", "--from-aws"]
    code, out, err = run(capsys, *argv, "--at", AT, "--format", "json")
    assert (code, err) == (1, "")
    located = [p["location"] for p in json.loads(out)["problems"] if p["location"]]
    assert located and all("main.tf" in where for where in located)
