"""`confine._within` compares paths as text: it must answer as `real == root or root in real.parents` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.sources.confine import _within

CASES = [
    ("/a/b/c", "/a/b"),
    ("/a/bc", "/a/b"),
    ("/a/b", "/a/b"),
    ("/x", "/"),
    ("/", "/"),
    ("/a", "/a/b"),
    ("/proc/1", "/proc"),
    ("/procx", "/proc"),
    ("/a/b/c", "a/b"),
    ("/a/b/c", "/a/b/c/d"),
]


@pytest.mark.parametrize(("real", "root"), CASES)
def test_within_is_the_parents_relation(real: str, root: str) -> None:
    expected = Path(real) == Path(root) or Path(root) in Path(real).parents
    assert _within(Path(real), [Path("/elsewhere"), Path(root)]) == expected
