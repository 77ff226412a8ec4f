"""Exact snapshot comparison for the writer tests.

After an intended output change, rewrite every snapshot with `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/report`
and read the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def snapshot() -> Callable[[str, str], None]:
    """Compare output with `snapshots/<name>` exactly; rewrite it instead when UPDATE_SNAPSHOTS=1."""

    def check(name: str, actual: str) -> None:
        path = SNAPSHOTS / name
        if os.environ.get("UPDATE_SNAPSHOTS") == "1":
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        assert path.exists(), f"no snapshot {path}; create it with UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/report"
        assert actual == path.read_bytes().decode("utf-8")

    return check
