"""ARN text: the six segments, the partitions, account ids. Shared by the ARN rules and the principal rules."""

from __future__ import annotations

from typing import NamedTuple

from linter.lazy_re import lazy_compile

# Every partition AWS documents (ARN reference, "partition"); compared case-insensitively.
PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"})
ACCOUNT_ID = lazy_compile(r"[0-9]{12}")


class Arn(NamedTuple):
    partition: str
    service: str
    region: str
    account: str
    resource: str


def split_arn(value: str) -> Arn | None:
    """The segments of `arn:partition:service:region:account:resource`, or None when the text is not that shape."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0].lower() != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def is_pattern(text: str) -> bool:
    """Text with a wildcard or a policy variable: its final value is not written here, so it is not judged."""
    return "*" in text or "?" in text or "${" in text
