"""docs/iam-semantics.md §7: every authorization edge case, with its expected answer.

Account A owns bucket `bkt`; B is another account. Each test names its case number.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest_types import Engine  # type: ignore[import-not-found]  # noqa: F401 - replaced below

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
CAROL = f"arn:aws:iam::{A}:user/carol"
BOB = f"arn:aws:iam::{B}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/AppRole"
SESSION = f"arn:aws:sts::{A}:assumed-role/AppRole/s1"
OBJECT = "arn:aws:s3:::bkt/key"
OBJECTS = "arn:aws:s3:::bkt/*"
KEY = f"arn:aws:kms:eu-central-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def allow(action: Any, resource: Any = OBJECTS, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = OBJECTS, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}
