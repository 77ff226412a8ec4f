"""`explain-error`: S3's error for a pre-signed URL, read back as a cause, a fix and the check that prevents it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main
from linter.explain.error import ErrorParseError, causes, parse_error

PRINCIPAL = "arn:aws:iam::123456789012:user/user-two"


def denied(why: str, action: str = "s3:GetObject", resource: str = "arn:aws:s3:::presign-demo/cat.jpg") -> str:
    message = f'User: {PRINCIPAL} is not authorized to perform: {action} on resource: "{resource}" {why}'
    return f"<Error><Code>AccessDenied</Code><Message>{message}</Message><RequestId>R1</RequestId></Error>"


@pytest.mark.parametrize(
    ("why", "summary"),
    [
        (
            "because no identity-based policy allows the s3:GetObject action",
            f"no identity policy of {PRINCIPAL} allows s3:GetObject on arn:aws:s3:::presign-demo/cat.jpg",
        ),
        ("with an explicit deny in a resource-based policy", f"the bucket policy denies s3:GetObject for {PRINCIPAL}"),
        (
            "because no resource-based policy allows the s3:GetObject action",
            f"the bucket policy does not grant s3:GetObject to {PRINCIPAL}, which a request from another account needs",
        ),
        ("with an explicit deny in a service control policy", "a service control policy denies s3:GetObject"),
        (
            "with an explicit deny in a resource control policy",
            "a resource control policy denies s3:GetObject on arn:aws:s3:::presign-demo/cat.jpg",
        ),
        (
            "because no permissions boundary allows the s3:GetObject action",
            f"the permissions boundary of {PRINCIPAL} does not allow s3:GetObject",
        ),
        (
            "because no session policy allows the s3:GetObject action",
            f"the session policy {PRINCIPAL} was assumed with does not allow s3:GetObject",
        ),
        (
            "because no VPC endpoint policy allows the s3:GetObject action",
            "the VPC endpoint's policy does not allow s3:GetObject on arn:aws:s3:::presign-demo/cat.jpg",
        ),
    ],
)
def test_the_policy_type_an_access_denied_names(why: str, summary: str) -> None:
    [cause] = causes(parse_error(denied(why)))
    assert cause.summary == summary
    assert cause.prevention.startswith(
        f"iam-preflight presign PATH --signer {PRINCIPAL} --bucket presign-demo --key cat.jpg"
    )


def test_kms_denial_points_at_the_key_policy() -> None:
    error = parse_error(
        denied(
            "with an explicit deny in a resource-based policy",
            "kms:Decrypt",
            "arn:aws:kms:eu-west-1:123456789012:key/k",
        )
    )
    assert causes(error)[0].summary == f"the key policy denies kms:Decrypt for {PRINCIPAL}"


def test_expired_with_its_times() -> None:
    body = (
        "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>1800</X-Amz-Expires>"
        "<Expires>2026-11-27T10:30:00Z</Expires><ServerTime>2026-11-27T12:30:00Z</ServerTime></Error>"
    )
    error = parse_error(body)
    assert error.fields == {
        "Expires": "2026-11-27T10:30:00Z",
        "ServerTime": "2026-11-27T12:30:00Z",
        "X-Amz-Expires": "1800",
    }
    assert causes(error)[0].summary == (
        "the URL has expired: X-Amz-Date + X-Amz-Expires is past (Expires 2026-11-27T10:30:00Z, ServerTime "
        "2026-11-27T12:30:00Z)"
    )


def test_signature_mismatch_echoes_nothing_signed(capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the "
        "signature you provided.</Message><AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId>"
        "<StringToSign>AWS4-HMAC-SHA256\n20261127T100000Z</StringToSign><SignatureProvided>5d672d79c15b</SignatureProvided>"
        "<CanonicalRequest>GET /cat.jpg</CanonicalRequest></Error>"
    )
    for fmt in ("text", "json"):
        assert main(["explain-error", body, "--format", fmt]) == 0
        out = capsys.readouterr().out
        for secret in ("AKIAIOSFODNN7EXAMPLE", "5d672d79c15b", "StringToSign", "CanonicalRequest", "20261127T100000Z"):
            assert secret not in out
        assert "AKIA…MPLE" in out


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "An error occurred (ExpiredToken) when calling the GetObject operation: The provided token has expired.",
            "ExpiredToken",
        ),
        ("botocore: AuthorizationQueryParametersError ...", "AuthorizationQueryParametersError"),
        (
            f'User: {PRINCIPAL} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k"',
            "AccessDenied",
        ),
    ],
)
def test_sdk_lines_and_bare_messages(text: str, code: str) -> None:
    assert parse_error(text).code == code


def test_plain_access_denied_lists_the_candidates() -> None:
    [cause] = causes(
        parse_error("An error occurred (AccessDenied) when calling the GetObject operation: Access Denied")
    )
    assert cause.summary.startswith("S3 does not say which policy denied")


def test_no_error_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ErrorParseError):
        parse_error("it broke")
    assert main(["explain-error", "it broke"]) == 2
    assert capsys.readouterr().err == (
        "iam-preflight: error: no S3 error found: paste the XML body (<Error><Code>…) or the SDK's error line\n"
    )


def test_reads_a_file_or_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = denied("because no identity-based policy allows the s3:GetObject action")
    (tmp_path / "body.xml").write_text(body)
    assert main(["explain-error", str(tmp_path / "body.xml"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "access-denied"
    monkeypatch.setattr("sys.stdin", io.StringIO(body))
    assert main(["explain-error", "-"]) == 0
    assert capsys.readouterr().out.startswith(f"AccessDenied: User: {PRINCIPAL} is not authorized")


# --- explain-error BODY PATH: the request the error names, found in the inputs ---------------------------------------

ROOT = Path(__file__).resolve().parents[2]
DEMO = "examples/presign-demo"
DEMO_FIXED = DEMO + "-fixed"
IDENTITY = "because no identity-based policy allows the s3:GetObject action"


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locations are shown relative to the working directory, as a user runs the command in their project."""
    monkeypatch.chdir(ROOT)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["explain-error", *argv, "--format", "json", "--no-cache"]) == 0
    return json.loads(capsys.readouterr().out)


def test_user_two_is_traced_to_its_resource_and_the_missing_grant(capsys: pytest.CaptureFixture[str]) -> None:
    document = _json(capsys, denied(IDENTITY), DEMO, "--account", "123456789012")
    assert document["signer"] == {
        "address": "aws_iam_user.user_two",
        "location": f"{DEMO}/main.tf:17:1",
        "principal": PRINCIPAL,
    }
    first, from_the_message = document["causes"]
    assert first["problem"]["code"] == "policy-denies"
    assert first["problem"]["cause"] == "identity"
    assert first["problem"]["location"] == f"{DEMO}/main.tf:24:23"
    assert first["fix"] == "allow s3:GetObject on arn:aws:s3:::presign-demo/*"
    assert from_the_message["problem"] is None


def test_signer_overrides_the_principal_of_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    document = _json(capsys, denied(IDENTITY), DEMO, "--signer", "aws_iam_user.user_two")
    assert document["signer"] == {
        "address": "aws_iam_user.user_two",
        "location": f"{DEMO}/main.tf:17:1",
        "principal": None,
    }


def test_when_path_allows_it_says_what_path_does_not_hold(capsys: pytest.CaptureFixture[str]) -> None:
    document = _json(capsys, denied(IDENTITY), DEMO_FIXED, "--signer", "aws_iam_user.user_two")
    first = document["causes"][0]
    assert first["cause"].startswith(
        "the policies in PATH allow aws_iam_user.user_two s3:GetObject on presign-demo/cat.jpg:"
    )


def test_a_message_that_names_no_principal_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    document = _json(capsys, body, DEMO)
    assert document["signer"] is None
    assert document["causes"][0]["cause"] == (
        "PATH cannot be checked against this error: the message names no principal, action or object (S3 names them "
        'only to callers of the bucket owner\'s account or organization; older messages say only "Access Denied")'
    )
    document = _json(capsys, body, DEMO, "--signer", "aws_iam_user.user_two")
    assert document["causes"][0]["cause"].startswith(
        "PATH cannot be checked against this error: the message names no action or object"
    )


def test_a_request_no_url_for_an_object_makes_is_not_checked(capsys: pytest.CaptureFixture[str]) -> None:
    body = denied(IDENTITY.replace("s3:GetObject", "s3:ListBucket"), "s3:ListBucket", "arn:aws:s3:::presign-demo")
    document = _json(capsys, body, DEMO, "--account", "123456789012")
    assert document["causes"][0]["cause"].startswith(
        "the pre-flight cannot be run for s3:ListBucket on arn:aws:s3:::presign-demo:"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [denied(IDENTITY), DEMO],
            f"iam-preflight: error: '{PRINCIPAL}' may be aws_iam_user.user_two, defined here: name it by its "
            "address, or say which account this configuration deploys to (--account, account = in the config)\n",
        ),
        (
            [denied(IDENTITY), "--signer", "aws_iam_user.user_two"],
            "iam-preflight: error: --signer goes with PATH or --from-aws: it names the principal to look up there\n",
        ),
    ],
)
def test_input_errors_exit_2_in_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-error", *argv, "--no-cache"]) == 2
    assert capsys.readouterr().err == message


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        (
            "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            "PATH was not checked: S3 answers AccessDenied apart from the policies (the URL expired)",
        ),
        (
            "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
            "</Message></Error>",
            "PATH was not checked: S3 answers SignatureDoesNotMatch apart from the policies",
        ),
    ],
)
def test_an_error_no_policy_decides_is_not_checked_against_path(
    body: str, summary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _json(capsys, body, DEMO)
    assert document["causes"][0]["cause"] == summary
    assert document["signer"] is None
