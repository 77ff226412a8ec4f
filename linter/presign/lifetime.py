"""How long a pre-signed URL can live: X-Amz-Expires and the signer's credentials (iam-semantics.md §4).

A URL is valid until the earliest of X-Amz-Date + X-Amz-Expires, the expiry of the credentials that signed it,
and any s3:signatureAge limit a policy imposes (the last is decided by the engine, as a condition).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

from linter.lazy_re import lazy_compile

MAX_EXPIRES = 604_800  # 7 days: S3 rejects more with 400 AuthorizationQueryParametersError
DEFAULT_ROLE_SESSION = 3_600
ROLE_CHAINING_LIMIT = 3_600
INSTANCE_PROFILE_LIMIT = 6 * 3_600
SESSION_TOKEN_LIMIT = 36 * 3_600

_DURATION = lazy_compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400}


def parse_duration(text: str) -> int:
    """`1800`, `30m`, `12h`, `7d` -> seconds. Raises ValueError with a message a user can act on."""
    match = _DURATION.match(str(text))
    if match is None:
        raise ValueError(f"invalid duration {text!r}: use seconds (1800) or a number with s, m, h or d (30m, 12h, 7d)")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: must be at least 1 second")
    return seconds


def describe_duration(seconds: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class CredentialSource(StrEnum):
    """How the signer got the credentials it signs with; each has its own lifetime."""

    USER_KEYS = "user-keys"  # IAM user access keys: no expiry of their own
    SESSION_TOKEN = "session-token"  # sts:GetSessionToken / GetFederationToken with long-term keys
    ASSUME_ROLE = "assume-role"  # sts:AssumeRole: up to the role's max_session_duration
    ROLE_CHAINING = "role-chaining"  # a role session assuming another role: 1 hour at most
    INSTANCE_PROFILE = "instance-profile"  # EC2 instance profile credentials
    LAMBDA = "lambda"  # a Lambda execution role: AWS does not document the lifetime
    SERVICE = "service"  # another service's role (ECS tasks, CodeBuild ...): need not follow max_session_duration


class Lifetime(NamedTuple):
    """The longest a URL signed with these credentials can work; `uncertain` when AWS does not document it."""

    seconds: int
    explanation: str
    uncertain: bool = False


def credential_lifetime(source: CredentialSource, max_session_duration: int | None = None) -> Lifetime:
    if source is CredentialSource.USER_KEYS:
        return Lifetime(MAX_EXPIRES, "IAM user access keys do not expire; the URL is capped at 7 days")
    if source is CredentialSource.SESSION_TOKEN:
        return Lifetime(SESSION_TOKEN_LIMIT, "temporary credentials from long-term keys last at most 36 hours")
    if source is CredentialSource.ROLE_CHAINING:
        return Lifetime(ROLE_CHAINING_LIMIT, "role chaining limits a session to 1 hour")
    if source is CredentialSource.INSTANCE_PROFILE:
        return Lifetime(INSTANCE_PROFILE_LIMIT, "instance profile credentials last at most 6 hours")
    # Services hand their roles' credentials out and refresh them on their own schedule, whatever the role's
    # max_session_duration says: only the 1-hour default is assumed, and anything longer is uncertain.
    if source is CredentialSource.LAMBDA:
        return Lifetime(
            DEFAULT_ROLE_SESSION,
            "a Lambda execution role's credential lifetime is not documented by AWS",
            uncertain=True,
        )
    if source is CredentialSource.SERVICE:
        return Lifetime(
            DEFAULT_ROLE_SESSION,
            "credentials a service hands its role's tasks need not follow the role's max_session_duration, and "
            "their lifetime is not documented for pre-signed URLs",
            uncertain=True,
        )
    limit = max_session_duration or DEFAULT_ROLE_SESSION
    setting = "max_session_duration" if max_session_duration else "the default max_session_duration"
    return Lifetime(limit, f"a role session lasts at most {describe_duration(limit)} ({setting})")
