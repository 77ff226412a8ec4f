"""`explain-url`: a pre-signed URL read back, checked on its own and against the policies; never a secret shown."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linter.cli import main
from linter.explain.url import UrlError, parse_url, redact, url_problems

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
LONG_TERM = "AKIAIOSFODNN7EXAMPLE"
TEMPORARY = "ASIAJEXAMPLEXEG2JICEA"


def sigv4(
    host: str = "presign-demo.s3.us-east-1.amazonaws.com",
    path: str = "/cat.jpg",
    *,
    key: str = LONG_TERM,
    region: str = "us-east-1",
    date: str = "20261127T100000Z",
    expires: int = 1800,
    token: bool = False,
    scheme: str = "https",
) -> str:
    query = (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={key}%2F{date[:8]}%2F{region}%2Fs3%2Faws4_request"
        f"&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
    )
    if token:
        query += f"&X-Amz-Security-Token={TOKEN}"
    return f"{scheme}://{host}{path}?{query}&X-Amz-Signature={SIGNATURE}"


AT = datetime(2026, 11, 27, 10, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("host", "path", "where"),
    [
        ("presign-demo.s3.us-east-1.amazonaws.com", "/cat.jpg", ("presign-demo", None, "cat.jpg", "us-east-1")),
        ("presign-demo.s3.amazonaws.com", "/a/b.txt", ("presign-demo", None, "a/b.txt", None)),
        ("presign-demo.s3-eu-west-1.amazonaws.com", "/x", ("presign-demo", None, "x", "eu-west-1")),
        ("my.dotted.bucket.s3.eu-west-1.amazonaws.com", "/x", ("my.dotted.bucket", None, "x", "eu-west-1")),
        ("presign-demo.s3.dualstack.ap-south-1.amazonaws.com", "/x", ("presign-demo", None, "x", "ap-south-1")),
        (
            "s3.eu-central-1.amazonaws.com",
            "/presign-demo/dir/q3%20report.pdf",
            ("presign-demo", None, "dir/q3 report.pdf", "eu-central-1"),
        ),
        (
            "finance-123456789012.s3-accesspoint.eu-west-1.amazonaws.com",
            "/k.csv",
            (None, "finance", "k.csv", "eu-west-1"),
        ),
        ("downloads.example.com", "/k", (None, None, "k", None)),
    ],
)
def test_what_the_url_points_at(host: str, path: str, where: tuple[object, ...]) -> None:
    url = parse_url(sigv4(host, path))
    assert (url.bucket, url.access_point, url.key, url.host_region) == where


def test_sigv4_facts_keep_no_secret() -> None:
    url = parse_url(sigv4(key=TEMPORARY, token=True))
    assert (url.signature_version, url.signed_region, url.expires_seconds) == ("AWS4-HMAC-SHA256", "us-east-1", 1800)
    assert (url.access_key, url.key_kind, url.temporary) == (
        "ASIA…JICEA"[:4] + "…" + TEMPORARY[-4:],
        "temporary credentials from STS",
        True,
    )
    assert url.expires_at == datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
    assert SIGNATURE not in repr(url) and TOKEN not in repr(url) and TEMPORARY not in repr(url)


def test_sigv2() -> None:
    url = parse_url(
        f"https://presign-demo.s3.amazonaws.com/cat.jpg?AWSAccessKeyId={LONG_TERM}&Expires=1795860000&Signature=abc%3D"
    )
    assert (url.signature_version, url.access_key, url.signed_at) == ("AWS", "AKIA…MPLE", None)
    assert url.expires_at == datetime.fromtimestamp(1795860000, tz=UTC)
    assert [p.subject for p in url_problems(url, AT)] == ["sigv2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ftp://x/y", "not an http(s) URL"),
        ("https://presign-demo.s3.amazonaws.com/cat.jpg", "not a pre-signed URL: it has no X-Amz-Signature"),
        (sigv4().replace("X-Amz-Date=20261127T100000Z", "X-Amz-Date=yesterday"), "X-Amz-Date (YYYYMMDDTHHMMSSZ)"),
        (sigv4().replace("X-Amz-Credential=", "X-Amz-Cred="), "X-Amz-Credential is missing"),
    ],
)
def test_not_a_presigned_url(text: str, message: str) -> None:
    with pytest.raises(UrlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_url(text)


@pytest.mark.parametrize(
    ("url", "at", "subjects"),
    [
        (sigv4(), AT, []),
        (sigv4(), datetime(2026, 11, 27, 10, 30, tzinfo=UTC), ["expired"]),  # X-Amz-Date + X-Amz-Expires, exactly
        (sigv4(expires=604801), AT, ["expires"]),  # §7 case 44
        (sigv4(host="b.s3.eu-central-1.amazonaws.com"), AT, ["region"]),  # §7 case 46
        (sigv4(key=TEMPORARY, token=True, expires=604800), AT, ["session"]),  # §7 case 45: the session ends it
        (sigv4(scheme="http"), AT, ["transport"]),
        (sigv4(), datetime(2026, 11, 27, 9, 0, tzinfo=UTC), ["clock"]),
    ],
)
def test_what_the_url_alone_decides(url: str, at: datetime, subjects: list[str]) -> None:
    assert [p.subject for p in url_problems(parse_url(url), at)] == subjects


def test_signed_headers_must_be_sent() -> None:
    url = sigv4().replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=content-type%3Bhost")
    [problem] = url_problems(parse_url(url), AT)
    assert (problem.status.value, problem.subject) == ("works", "signed-headers")
    assert "content-type" in problem.message


def test_redact() -> None:
    shown = redact(sigv4(key=TEMPORARY, token=True))
    assert SIGNATURE not in shown and TOKEN not in shown and TEMPORARY not in shown
    assert "X-Amz-Signature=…" in shown and "X-Amz-Security-Token=…" in shown and "ASIA…ICEA" in shown


# --- the command -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_in_any_output(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = sigv4(key=TEMPORARY, token=True)
    main(["explain-url", url, "--at", "2026-11-27T12:00:00Z", "--format", fmt])
    captured = capsys.readouterr()
    for secret in (SIGNATURE, TOKEN, TEMPORARY):
        assert secret not in captured.out + captured.err


def test_reads_the_url_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(sigv4() + "\n"))
    assert main(["explain-url", "-", "--at", "2026-11-27T10:05:00Z", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["status"], document["bucket"], document["key"], document["policies_checked"]) == (
        "works",
        "presign-demo",
        "cat.jpg",
        False,
    )


def test_expired_url_exits_1_and_says_when(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-url", sigv4(), "--at", "2026-11-27T12:30:00Z"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("✗ URL fails: presign-demo/cat.jpg\n")
    assert "✗ the URL expired at 2026-11-27 10:30:00 UTC, 2h before 2026-11-27 12:30:00 UTC" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "soon"], "invalid time 'soon'"),
        (["--signer", "user-two"], "give both the inputs (PATH...) and --signer"),
        (["--format", "sarif"], "invalid format 'sarif'"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-url", sigv4(), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and SIGNATURE not in err


def test_against_the_console_demo(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """User two's URL: nothing in the URL is wrong, the policy is (the seed)."""
    code = main(
        ["explain-url", sigv4(), str(EXAMPLES / "presign-demo"), "--signer", "user-two", "--at", "2026-11-27T10:05:00Z"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "no identity-based policy allows s3:GetObject" in out
    fixed = ["explain-url", sigv4(), str(EXAMPLES / "presign-demo-fixed"), "--signer", "user-two"]
    assert main([*fixed, "--at", "2026-11-27T10:05:00Z"]) == 0
    assert capsys.readouterr().out.startswith("✓ URL works: presign-demo/cat.jpg\n")


def test_a_network_bound_url_fails_as_presign_says(capsys: pytest.CaptureFixture[str]) -> None:
    """The reports user's policy admits s3:GetObject only from 198.51.100.0/24 (IPS003's fixture): the URL works
    only from there, and explain-url exits 1 as presign and check do for it (IAM User Guide, aws:SourceIp)."""
    folder = Path(__file__).resolve().parents[2] / "rules/presign/fixtures/IPS003/bad/identity-source-ip-undeclared"
    url = sigv4("acme-monthly-reports.s3.us-east-1.amazonaws.com", "/monthly/may.pdf")
    args = ["explain-url", url, str(folder), "--signer", "aws_iam_user.reports", "--at", "2026-11-27T10:05:00Z"]
    assert main([*args, "--no-cache"]) == 1
    assert "work only when opened from 198.51.100.0/24" in capsys.readouterr().out
