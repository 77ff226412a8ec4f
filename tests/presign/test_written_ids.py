"""Account ids and regions found in an inventory's text: exactly-12-digit runs, and region names not inside a
longer name (what the lookbehind patterns they replace found, faster)."""

from __future__ import annotations

import pytest

from linter.presign.readings import written_accounts, written_regions


@pytest.mark.parametrize(
    ("text", "accounts"),
    [
        ("arn:aws:iam::123456789012:root", ["123456789012"]),
        ("1234567890123 and 12345678901", []),  # 13 and 11 digits: not account ids
        ('"123456789012","210987654321"', ["123456789012", "210987654321"]),
        ("٣23456789012", []),  # digits of other scripts are not ASCII digits
    ],
)
def test_written_accounts(text: str, accounts: list[str]) -> None:
    assert written_accounts(text) == accounts


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("arn:aws:kms:eu-west-1:111122223333:key/k", ["eu-west-1"]),
        ("us-gov-west-1 eu-west-12", ["us-gov-west-1", "eu-west-12"]),
        ("xeu-west-1 eu-west-123 eu-west-1a", []),  # inside a longer name, or followed by more of one
        ("eu-west-1", ["eu-west-1"]),  # at the very start
        ("-eu-west-1 ap-southeast-2", ["ap-southeast-2"]),
    ],
)
def test_written_regions(text: str, regions: list[str]) -> None:
    assert written_regions(text) == regions
