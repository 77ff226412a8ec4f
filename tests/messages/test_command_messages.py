"""What `presign`, `explain-url` and `explain-error` tell a person, pinned word for word.

For this product the message (which policy, which statement, what to change) is the answer, so every verdict's
words are snapshots: `snapshots/<case>.txt` holds the command line, the exit code and the whole output. After an
intended change of wording, rewrite them with `make snapshots` and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linter.atomic import write_file
from linter.cli import main

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).parent / "snapshots"

SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
LONG_TERM = "AKIAIOSFODNN7EXAMPLE"
TEMPORARY = "ASIAJEXAMPLEXEG2JICEA"
SIGNED_AT = "20261127T100000Z"
SOON_AFTER = "2026-11-27T10:05:00Z"


def sigv4(
    host: str = "presign-demo.s3.us-east-1.amazonaws.com",
    *,
    key: str = LONG_TERM,
    region: str = "us-east-1",
    expires: int = 1800,
    token: bool = False,
    scheme: str = "https",
    signed_headers: str = "host",
    path: str = "/cat.jpg",
) -> str:
    query = (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={key}%2F{SIGNED_AT[:8]}%2F{region}%2Fs3%2Faws4_request"
        f"&X-Amz-Date={SIGNED_AT}&X-Amz-Expires={expires}&X-Amz-SignedHeaders={signed_headers}"
    )
    if token:
        query += f"&X-Amz-Security-Token={TOKEN}"
    return f"{scheme}://{host}{path}?{query}&X-Amz-Signature={SIGNATURE}"


SIGV2 = f"https://presign-demo.s3.amazonaws.com/cat.jpg?AWSAccessKeyId={LONG_TERM}&Expires=1795774800&Signature=abc%3D"
PRINCIPAL = "arn:aws:iam::123456789012:user/user-two"


def denied(why: str, action: str = "s3:GetObject") -> str:
    resource = "arn:aws:s3:::presign-demo/cat.jpg"
    message = f'User: {PRINCIPAL} is not authorized to perform: {action} on resource: "{resource}" {why}'
    return f"<Error><Code>AccessDenied</Code><Message>{message}</Message><RequestId>R1</RequestId></Error>"


def denied_to(principal: str, resource: str, why: str) -> str:
    message = f'User: {principal} is not authorized to perform: s3:GetObject on resource: "{resource}" {why}'
    return f"<Error><Code>AccessDenied</Code><Message>{message}</Message><RequestId>R1</RequestId></Error>"


def s3_error(code: str, message: str) -> str:
    return f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>R1</RequestId></Error>"


DEMO = ["--signer", "aws_iam_user.user_two", "--bucket", "aws_s3_bucket.demo", "--key", "cat.jpg", "--expires", "30m"]

CASES: dict[str, list[str]] = {
    # presign: every example's promised URL
    "presign-user-two": ["presign", "examples/presign-demo", *DEMO],
    "presign-user-two-fixed": ["presign", "examples/presign-demo-fixed", *DEMO],
    "presign-user-two-json": ["presign", "examples/presign-demo", *DEMO, "--format", "json"],
    "presign-user-two-eight-days": ["presign", "examples/presign-demo-fixed", *DEMO[:-1], "8d"],
    "presign-user-two-wrong-region": ["presign", "examples/presign-demo-fixed", *DEMO, "--region", "eu-west-1"],
    "presign-user-two-assumed-role": ["presign", "examples/presign-demo-fixed", *DEMO, "--credentials", "assume-role"],
    # explain-url: what the URL alone decides
    "explain-url-works": ["explain-url", sigv4(), "--at", SOON_AFTER],
    "explain-url-expired": ["explain-url", sigv4(), "--at", "2026-11-27T12:30:00Z"],
    "explain-url-over-seven-days": ["explain-url", sigv4(expires=604801), "--at", SOON_AFTER],
    "explain-url-wrong-region": [
        "explain-url",
        sigv4("presign-demo.s3.eu-central-1.amazonaws.com"),
        "--at",
        SOON_AFTER,
    ],
    "explain-url-session-token": [
        "explain-url",
        sigv4(key=TEMPORARY, token=True, expires=604800),
        "--at",
        SOON_AFTER,
    ],
    "explain-url-http": ["explain-url", sigv4(scheme="http"), "--at", SOON_AFTER],
    "explain-url-clock": ["explain-url", sigv4(), "--at", "2026-11-27T09:00:00Z"],
    "explain-url-signed-headers": ["explain-url", sigv4(signed_headers="content-type%3Bhost"), "--at", SOON_AFTER],
    "explain-url-sigv2": ["explain-url", SIGV2, "--at", SOON_AFTER],
    "explain-url-json": ["explain-url", sigv4(), "--at", "2026-11-27T12:30:00Z", "--format", "json"],
    "explain-url-negative-expires": ["explain-url", sigv4(expires=-5), "--at", SOON_AFTER],
    # explain-url against the inputs: the seed
    "explain-url-user-two": [
        "explain-url",
        sigv4(),
        "examples/presign-demo",
        "--signer",
        "user-two",
        "--at",
        SOON_AFTER,
    ],
    "explain-url-user-two-json": [
        "explain-url",
        sigv4(),
        "examples/presign-demo",
        "--signer",
        "user-two",
        "--at",
        SOON_AFTER,
        "--format",
        "json",
    ],
    # explain-url's policy-uncertain and network-bound codes, on the rules' fixture folders
    "explain-url-policy-uncertain": [
        "explain-url",
        sigv4("acme-catalog-images.s3.us-east-1.amazonaws.com"),
        "rules/presign/fixtures/IPS002/bad/boundary-defined-elsewhere",
        "--signer",
        "aws_iam_user.reader",
        "--at",
        SOON_AFTER,
    ],
    "explain-url-network-bound": [
        "explain-url",
        sigv4("acme-uploads.s3.us-east-1.amazonaws.com", expires=900, path="/incoming/a.txt"),
        "rules/presign/fixtures/IPS003/bad/source-ip-undeclared",
        "--signer",
        "aws_iam_user.uploader",
        "--method",
        "PUT",
        "--at",
        SOON_AFTER,
    ],
    "explain-url-user-two-fixed": [
        "explain-url",
        sigv4(),
        "examples/presign-demo-fixed",
        "--signer",
        "user-two",
        "--at",
        SOON_AFTER,
    ],
    # explain-error: each policy type an AccessDenied names, S3's other codes, and the old bare message
    "explain-error-identity": [
        "explain-error",
        denied("because no identity-based policy allows the s3:GetObject action"),
    ],
    "explain-error-bucket-deny": ["explain-error", denied("with an explicit deny in a resource-based policy")],
    "explain-error-no-bucket-grant": [
        "explain-error",
        denied("because no resource-based policy allows the s3:GetObject action"),
    ],
    "explain-error-scp": ["explain-error", denied("with an explicit deny in a service control policy")],
    "explain-error-rcp": ["explain-error", denied("with an explicit deny in a resource control policy")],
    "explain-error-boundary": [
        "explain-error",
        denied("because no permissions boundary allows the s3:GetObject action"),
    ],
    "explain-error-session-policy": [
        "explain-error",
        denied("because no session policy allows the s3:GetObject action"),
    ],
    "explain-error-vpc-endpoint": [
        "explain-error",
        denied("because no VPC endpoint policy allows the s3:GetObject action"),
    ],
    "explain-error-kms": [
        "explain-error",
        denied("because no identity-based policy allows the kms:Decrypt action", action="kms:Decrypt"),
    ],
    "explain-error-bare": ["explain-error", s3_error("AccessDenied", "Access Denied")],
    "explain-error-expired": ["explain-error", s3_error("AccessDenied", "Request has expired")],
    "explain-error-signature": [
        "explain-error",
        s3_error(
            "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        ),
    ],
    "explain-error-expired-token": ["explain-error", s3_error("ExpiredToken", "The provided token has expired.")],
    "explain-error-region": [
        "explain-error",
        s3_error(
            "AuthorizationQueryParametersError",
            "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
        ),
    ],
    "explain-error-acl": [
        "explain-error",
        s3_error("AccessControlListNotSupported", "The bucket does not allow ACLs"),
    ],
    "explain-error-json": [
        "explain-error",
        denied("because no identity-based policy allows the s3:GetObject action"),
        "--format",
        "json",
    ],
    # explain-error: every code, and the fields AWS's newer messages name
    "explain-error-no-such-key": ["explain-error", s3_error("NoSuchKey", "The specified key does not exist.")],
    "explain-error-no-such-bucket": ["explain-error", s3_error("NoSuchBucket", "The specified bucket does not exist")],
    "explain-error-invalid-access-key-id": [
        "explain-error",
        s3_error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
    ],
    "explain-error-permanent-redirect": [
        "explain-error",
        s3_error(
            "PermanentRedirect",
            "The bucket you are attempting to access must be addressed using the specified endpoint.",
        ),
    ],
    "explain-error-invalid-object-state": [
        "explain-error",
        s3_error("InvalidObjectState", "The operation is not valid for the object's storage class"),
    ],
    "explain-error-other": [
        "explain-error",
        s3_error("SlowDown", "Please reduce your request rate."),
        "--format",
        "json",
    ],
    "explain-error-explicit-deny-arn": [
        "explain-error",
        denied_to(
            "arn:aws:iam::123456789012:user/two",
            "arn:aws:s3:::bucket/cat.jpg",
            "with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/DenyAll",
        ),
        "--format",
        "json",
    ],
    "explain-error-scp-capitalised": [
        "explain-error",
        denied_to(
            "arn:aws:sts::123456789012:assumed-role/app/session-1",
            "arn:aws:s3:::bucket/cat.jpg",
            "due to an explicit deny in a Service Control Policy",
        ),
    ],
    "explain-error-hostile": [
        "explain-error",
        denied_to(
            # Control characters as XML character references: S3's body may carry them, the command line cannot.
            "arn:aws:iam::123456789012:user/two&#x202e;",
            "arn:aws:s3:::bucket/&#10;::error::x User: arn:aws:iam::999999999999:user/evil is not authorized to "
            'perform: s3:*"x',
            "because no identity-based policy allows the s3:GetObject action",
        ),
    ],
    # explain-error BODY PATH: the seed's user two, found in the inputs, and an old body that names nobody
    "explain-error-path-user-two": [
        "explain-error",
        denied("because no identity-based policy allows the s3:GetObject action"),
        "examples/presign-demo",
        "--account",
        "123456789012",
    ],
    "explain-error-path-user-two-json": [
        "explain-error",
        denied("because no identity-based policy allows the s3:GetObject action"),
        "examples/presign-demo",
        "--account",
        "123456789012",
        "--format",
        "json",
    ],
    "explain-error-path-fixed": [
        "explain-error",
        denied("because no identity-based policy allows the s3:GetObject action"),
        "examples/presign-demo-fixed",
        "--signer",
        "aws_iam_user.user_two",
    ],
    "explain-error-path-bare": ["explain-error", s3_error("AccessDenied", "Access Denied"), "examples/presign-demo"],
}


def _transcript(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main([*argv, "--no-cache"] if argv[0] == "presign" else argv)
    captured = capsys.readouterr()
    shown = " ".join(argv).replace(SIGNATURE, "SIGNATURE")
    return f"$ iam-preflight {shown}\nexit {code}\n{captured.out}" + (
        f"stderr:\n{captured.err}" if captured.err else ""
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_command_messages(case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    found = _transcript(CASES[case], capsys)
    path = SNAPSHOTS / f"{case}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        write_file(path, found)
    assert path.exists(), f"no snapshot {path.name}; create it with `make snapshots`"
    assert found == path.read_text()


def test_every_snapshot_has_its_case() -> None:
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.txt")) == sorted(CASES)
