"""The stable, machine-readable codes of `explain-url`'s problems and `explain-error`'s errors (issue 15).

A script reads `code` instead of a message: messages are for people and change with their wording, a code never
changes once released. Each set is closed (an enum) and written here once; README's tables ("Debugging a link that
fails") list the same codes, and tests/explain/test_codes.py fails when a problem kind or an error has none, when
two kinds share one they were not declared to share, or when the README and an enum differ.

A problem's code says what stops the URL; for the pre-flight's policy doors (identity, bucket, boundary, SCP, RCP,
KMS, endpoint, ACL...) it says only whether a policy denies it (`policy-denies`) or may (`policy-uncertain`), and
the problem's `cause` (the pre-flight's `CauseKind` value, which also starts the IPS findings' subjects) says which
door: a script branches on the code and reads the cause when it needs the door.
"""

from __future__ import annotations

from enum import StrEnum

from linter.explain.error import S3Error
from linter.explain.url import UrlProblemKind
from linter.presign.causes import CauseKind
from linter.presign.problem import Problem, Status


class ProblemCode(StrEnum):
    """What stops (or may stop) a pre-signed URL, as `explain-url` reports it."""

    EXPIRED = "expired"
    EXPIRES_TOO_LONG = "expires-too-long"
    EXPIRES_NEGATIVE = "expires-negative"
    NOT_YET_VALID = "not-yet-valid"
    TEMPORARY_CREDENTIALS = "temporary-credentials"
    CREDENTIAL_LIFETIME = "credential-lifetime"
    REGION_MISMATCH = "region-mismatch"
    HTTP_NOT_HTTPS = "http-not-https"
    SIGV2 = "sigv2"
    SIGNED_HEADERS = "signed-headers"
    ACCESS_POINT_NETWORK = "access-point-network"
    NETWORK_BOUND = "network-bound"
    POLICY_DENIES = "policy-denies"
    POLICY_UNCERTAIN = "policy-uncertain"


URL_CODES: dict[UrlProblemKind, ProblemCode] = {
    UrlProblemKind.EXPIRES: ProblemCode.EXPIRES_TOO_LONG,
    UrlProblemKind.NEGATIVE_EXPIRES: ProblemCode.EXPIRES_NEGATIVE,
    UrlProblemKind.REGION: ProblemCode.REGION_MISMATCH,
    UrlProblemKind.EXPIRED: ProblemCode.EXPIRED,
    UrlProblemKind.CLOCK: ProblemCode.NOT_YET_VALID,
    UrlProblemKind.SESSION: ProblemCode.TEMPORARY_CREDENTIALS,
    UrlProblemKind.SIGV2: ProblemCode.SIGV2,
    UrlProblemKind.TRANSPORT: ProblemCode.HTTP_NOT_HTTPS,
    UrlProblemKind.SIGNED_HEADERS: ProblemCode.SIGNED_HEADERS,
}

# The pre-flight's causes that are no policy's answer, each with its code. The pre-flight also checks X-Amz-Expires
# and the signing region, which the URL read back tells too: the same code, whichever found it.
CAUSE_CODES: dict[CauseKind, ProblemCode] = {
    CauseKind.EXPIRY_LIMIT: ProblemCode.EXPIRES_TOO_LONG,
    CauseKind.REGION: ProblemCode.REGION_MISMATCH,
    CauseKind.CREDENTIAL_LIFETIME: ProblemCode.CREDENTIAL_LIFETIME,
    CauseKind.CREDENTIAL_REFRESH: ProblemCode.TEMPORARY_CREDENTIALS,
    CauseKind.ACCESS_POINT_NETWORK: ProblemCode.ACCESS_POINT_NETWORK,
    CauseKind.NETWORK_BOUND: ProblemCode.NETWORK_BOUND,
}

# The causes that are a policy's answer (or the lack of one that decides): `policy-denies` when it fails the URL,
# `policy-uncertain` when it may; none is reported as a caveat of a working URL (causes.KIND_STATUSES). Listed, not
# computed as "the rest": a new cause needs a decision here (tests/explain/test_codes.py).
POLICY_CAUSES = frozenset(
    {
        CauseKind.UNKNOWN_BUCKET_NAME,
        CauseKind.UNKNOWN_BOUNDARY,
        CauseKind.IDENTITY_MISSING,
        CauseKind.EXPLICIT_DENY,
        CauseKind.BOUNDARY_MISSING,
        CauseKind.SCP_MISSING,
        CauseKind.RCP_MISSING,
        CauseKind.RESOURCE_POLICY_MISSING,
        CauseKind.UNDECIDED,
        CauseKind.UNREADABLE_POLICIES,
        CauseKind.SIGNATURE_AGE,
        CauseKind.BUCKET_BEHIND_ACCESS_POINT,
        CauseKind.EXTERNAL_BUCKET,
        CauseKind.ENDPOINT_POLICY,
        CauseKind.KMS,
        CauseKind.UNKNOWN_KMS_KEY,
        CauseKind.ACL,
        CauseKind.PUBLIC_ACL,
        CauseKind.OBJECT_WRITER,
        CauseKind.OTHER_ACCOUNT_SIGNER,
        CauseKind.READINGS_DISAGREE,
    }
)

# Codes two kinds share on purpose: the same fact found by the URL read back and by the pre-flight.
SHARED_CODES: dict[ProblemCode, tuple[UrlProblemKind, CauseKind]] = {
    ProblemCode.EXPIRES_TOO_LONG: (UrlProblemKind.EXPIRES, CauseKind.EXPIRY_LIMIT),
    ProblemCode.REGION_MISMATCH: (UrlProblemKind.REGION, CauseKind.REGION),
    ProblemCode.TEMPORARY_CREDENTIALS: (UrlProblemKind.SESSION, CauseKind.CREDENTIAL_REFRESH),
}


def problem_code(problem: Problem) -> ProblemCode:
    """The problem's code: by its kind, and for a policy's answer by whether it fails the URL or may.

    A `UrlProblemKind` and a `CauseKind` may have the same value (both have "region"), and a StrEnum member is equal
    to its value: the kind's class, not a shared table, says which producer it is from."""
    kind = problem.kind
    if isinstance(kind, UrlProblemKind):
        return URL_CODES[kind]
    if not isinstance(kind, CauseKind):
        raise TypeError(f"no code for a problem kind of {type(kind).__name__}")
    if kind in CAUSE_CODES:
        return CAUSE_CODES[kind]
    if kind not in POLICY_CAUSES:
        raise KeyError(f"no code for the pre-flight's cause {kind.value!r}")
    return ProblemCode.POLICY_DENIES if problem.status is Status.FAILS else ProblemCode.POLICY_UNCERTAIN


def problem_cause(problem: Problem) -> str | None:
    """The pre-flight's finer cause (`identity`, `deny`, `kms`...), None for what the URL read back tells."""
    return problem.kind.value if isinstance(problem.kind, CauseKind) else None


class ErrorCode(StrEnum):
    """What an S3 error `explain-error` reads means: S3's error code in kebab-case (`AccessDenied` ->
    `access-denied`), except that an AccessDenied whose message is "Request has expired" is `request-expired` (S3
    answers an expired URL with AccessDenied, and a script must tell the two apart). An S3 code this tool does not
    explain is `other`; the JSON's `s3_code` holds S3's code as sent."""

    ACCESS_DENIED = "access-denied"
    REQUEST_EXPIRED = "request-expired"
    SIGNATURE_DOES_NOT_MATCH = "signature-does-not-match"
    INVALID_ACCESS_KEY_ID = "invalid-access-key-id"
    EXPIRED_TOKEN = "expired-token"
    AUTHORIZATION_QUERY_PARAMETERS_ERROR = "authorization-query-parameters-error"
    NO_SUCH_KEY = "no-such-key"
    NO_SUCH_BUCKET = "no-such-bucket"
    PERMANENT_REDIRECT = "permanent-redirect"
    ACCESS_CONTROL_LIST_NOT_SUPPORTED = "access-control-list-not-supported"
    INVALID_OBJECT_STATE = "invalid-object-state"
    OTHER = "other"


# S3's codes that explain-error explains (linter/explain/error.py), each with its code.
S3_CODES: dict[str, ErrorCode] = {
    "AccessDenied": ErrorCode.ACCESS_DENIED,
    "SignatureDoesNotMatch": ErrorCode.SIGNATURE_DOES_NOT_MATCH,
    "InvalidAccessKeyId": ErrorCode.INVALID_ACCESS_KEY_ID,
    "ExpiredToken": ErrorCode.EXPIRED_TOKEN,
    "AuthorizationQueryParametersError": ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
    "NoSuchKey": ErrorCode.NO_SUCH_KEY,
    "NoSuchBucket": ErrorCode.NO_SUCH_BUCKET,
    "PermanentRedirect": ErrorCode.PERMANENT_REDIRECT,
    "AccessControlListNotSupported": ErrorCode.ACCESS_CONTROL_LIST_NOT_SUPPORTED,
    "InvalidObjectState": ErrorCode.INVALID_OBJECT_STATE,
}


def error_code(error: S3Error) -> ErrorCode:
    if error.request_expired:
        return ErrorCode.REQUEST_EXPIRED
    return S3_CODES.get(error.code, ErrorCode.OTHER)
