from __future__ import annotations

import pytest

from linter.presign.lifetime import CredentialSource, credential_lifetime, describe_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"), [("1800", 1800), ("30m", 1800), ("12h", 43200), ("7d", 604800), (" 45s ", 45), ("2H", 7200)]
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1.5h", "-5", "0", "10w"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_describe_duration() -> None:
    assert [describe_duration(s) for s in (1800, 3600, 604800, 61)] == ["30m", "1h", "7d", "61s"]


@pytest.mark.parametrize(
    ("source", "max_session", "seconds", "uncertain"),
    [
        (CredentialSource.USER_KEYS, None, 604800, False),
        (CredentialSource.ASSUME_ROLE, None, 3600, False),
        (CredentialSource.ASSUME_ROLE, 43200, 43200, False),
        (CredentialSource.ROLE_CHAINING, 43200, 3600, False),
        (CredentialSource.INSTANCE_PROFILE, None, 21600, False),
        (CredentialSource.SESSION_TOKEN, None, 129600, False),
        (CredentialSource.LAMBDA, None, 3600, True),
    ],
)
def test_credential_lifetimes(source: CredentialSource, max_session: int | None, seconds: int, uncertain: bool) -> None:
    lifetime = credential_lifetime(source, max_session)
    assert (lifetime.seconds, lifetime.uncertain) == (seconds, uncertain)
