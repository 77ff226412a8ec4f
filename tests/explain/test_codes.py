"""The stable codes of `explain-url`'s problems and `explain-error`'s errors (issue 15): one per kind, declared once,
documented in the README word for word."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linter.explain.codes import (
    CAUSE_CODES,
    POLICY_CAUSES,
    S3_CODES,
    SHARED_CODES,
    URL_CODES,
    ErrorCode,
    ProblemCode,
    error_code,
    problem_cause,
    problem_code,
)
from linter.explain.error import _BY_CODE, parse_error
from linter.explain.url import UrlProblemKind, parse_url, url_problems
from linter.presign.causes import KIND_STATUSES, CauseKind
from linter.presign.problem import Cause, Problem, ProblemKind, Status

README = Path(__file__).resolve().parents[2] / "README.md"
AT = datetime(2026, 11, 27, 10, 5, tzinfo=UTC)
KEY = "AKIAIOSFODNN7EXAMPLE"


def sigv4(host: str = "b.s3.us-east-1.amazonaws.com", expires: str = "1800", scheme: str = "https") -> str:
    return (
        f"{scheme}://{host}/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={KEY}%2F20261127%2Fus-east-1%2Fs3"
        f"%2Faws4_request&X-Amz-Date=20261127T100000Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=abc"
    )


def problem(kind: ProblemKind, status: Status) -> Problem:
    return Problem(status, Cause(kind), "words")


def test_every_url_problem_kind_has_its_own_code() -> None:
    assert set(URL_CODES) == set(UrlProblemKind)
    codes = [code for kind, code in URL_CODES.items()]
    assert len(codes) == len(set(codes))


def test_every_cause_kind_is_a_policy_answer_or_has_a_code_and_not_both() -> None:
    assert POLICY_CAUSES.isdisjoint(CAUSE_CODES)
    assert POLICY_CAUSES | CAUSE_CODES.keys() == set(CauseKind)


def test_a_policy_answer_is_a_denial_or_an_uncertainty_never_a_caveat() -> None:
    for kind in POLICY_CAUSES:
        assert Status.WORKS not in KIND_STATUSES[kind], kind
        for status in KIND_STATUSES[kind]:
            expected = ProblemCode.POLICY_DENIES if status is Status.FAILS else ProblemCode.POLICY_UNCERTAIN
            assert (problem_code(problem(kind, status)), problem_cause(problem(kind, status))) == (expected, kind.value)


def test_two_kinds_share_a_code_only_where_declared() -> None:
    by_code: dict[ProblemCode, list[ProblemKind]] = {}
    for url_kind, code in URL_CODES.items():
        by_code.setdefault(code, []).append(url_kind)
    for cause_kind, code in CAUSE_CODES.items():
        by_code.setdefault(code, []).append(cause_kind)
    # A UrlProblemKind equals a CauseKind of the same value: compare them with their class.
    shared = {code: [_named(kind) for kind in kinds] for code, kinds in by_code.items() if len(kinds) > 1}
    assert shared == {code: [_named(kind) for kind in kinds] for code, kinds in SHARED_CODES.items()}
    # The two policy codes are reached only through a cause, which names the door.
    assert not {ProblemCode.POLICY_DENIES, ProblemCode.POLICY_UNCERTAIN} & by_code.keys()


def _named(kind: ProblemKind) -> tuple[str, str]:
    return type(kind).__name__, kind.value


def test_every_code_is_reached() -> None:
    reached = set(URL_CODES.values()) | set(CAUSE_CODES.values())
    assert set(ProblemCode) - reached == {ProblemCode.POLICY_DENIES, ProblemCode.POLICY_UNCERTAIN}


def test_a_url_kind_and_a_cause_kind_of_the_same_value_keep_their_own_codes() -> None:
    # UrlProblemKind.REGION == CauseKind.REGION == "region": the class decides, so the pre-flight's uncertain region
    # is not told as the URL's own mismatch by accident of a shared table.
    assert UrlProblemKind.REGION == CauseKind.REGION
    assert problem_code(problem(CauseKind.REGION, Status.UNCERTAIN)) is ProblemCode.REGION_MISMATCH
    assert problem_cause(problem(CauseKind.REGION, Status.UNCERTAIN)) == "region"
    assert problem_cause(problem(UrlProblemKind.REGION, Status.FAILS)) is None


@pytest.mark.parametrize(
    ("url", "at", "codes"),
    [
        (sigv4(), AT, []),
        (sigv4(), datetime(2026, 11, 27, 12, 0, tzinfo=UTC), ["expired"]),
        (sigv4(expires="604801"), AT, ["expires-too-long"]),
        (sigv4(expires="-5"), AT, ["expires-negative"]),
        (sigv4(host="b.s3.eu-central-1.amazonaws.com"), AT, ["region-mismatch"]),
        (sigv4(scheme="http"), AT, ["http-not-https"]),
        (sigv4(), datetime(2026, 11, 27, 9, 0, tzinfo=UTC), ["not-yet-valid"]),
        (sigv4().replace(KEY, "ASIAJEXAMPLEXEG2JICEA"), AT, ["temporary-credentials"]),
        (sigv4().replace("SignedHeaders=host", "SignedHeaders=content-type%3Bhost"), AT, ["signed-headers"]),
        (f"https://b.s3.amazonaws.com/k?AWSAccessKeyId={KEY}&Expires=1795774800&Signature=x", AT, ["sigv2"]),
    ],
)
def test_the_codes_of_what_the_url_alone_decides(url: str, at: datetime, codes: list[str]) -> None:
    assert [problem_code(p) for p in url_problems(parse_url(url), at)] == codes


def test_error_codes_are_s3s_in_kebab_case() -> None:
    assert set(S3_CODES) == {"AccessDenied", *_BY_CODE}
    for s3_code, code in S3_CODES.items():
        assert code == re.sub(r"(?<!^)(?=[A-Z])", "-", s3_code).lower()
    assert set(ErrorCode) - set(S3_CODES.values()) == {ErrorCode.REQUEST_EXPIRED, ErrorCode.OTHER}


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("AccessDenied", "Access Denied", ErrorCode.ACCESS_DENIED),
        ("AccessDenied", "Request has expired", ErrorCode.REQUEST_EXPIRED),
        ("ExpiredToken", "The provided token has expired.", ErrorCode.EXPIRED_TOKEN),
        ("NoSuchKey", "The specified key does not exist.", ErrorCode.NO_SUCH_KEY),
        ("SlowDown", "Please reduce your request rate.", ErrorCode.OTHER),
    ],
)
def test_error_code(code: str, message: str, expected: ErrorCode) -> None:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    assert error_code(parse_error(body)) is expected


def _readme_codes(heading: str) -> list[str]:
    """The codes of the README's table whose header row starts with `heading`, in order."""
    section = README.read_text().split("## Debugging a link that fails", 1)[1].split("\n## ", 1)[0]
    table = section.split(f"| {heading} |", 1)[1].split("\n\n", 1)[0]
    rows = table.splitlines()[2:]  # the header's end and the separator row
    found = [re.fullmatch(r"\| `([a-z0-9-]+)` \| [^|]+ \|", row) for row in rows]
    assert all(found), rows
    return [match[1] for match in found if match]


def test_the_readme_documents_every_problem_code_and_no_other() -> None:
    assert _readme_codes("`explain-url` code") == [code.value for code in ProblemCode]


def test_the_readme_documents_every_error_code_and_no_other() -> None:
    assert _readme_codes("`explain-error` code") == [code.value for code in ErrorCode]
