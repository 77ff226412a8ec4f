from __future__ import annotations

import re

import pytest

from linter import lazy_re
from linter.lazy_re import lazy_compile


def test_a_lazy_pattern_compiles_on_first_use_and_then_answers_as_the_compiled_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[tuple[str, int]] = []
    real_compile = re.compile

    def counting_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append((pattern, flags))
        return real_compile(pattern, flags)

    monkeypatch.setattr(lazy_re.re, "compile", counting_compile)
    word = lazy_compile(r"(?P<word>[a-z]+)", re.IGNORECASE)
    assert compiled == []
    found = word.match("Hello world")
    assert found is not None and found.group("word") == "Hello"
    assert compiled == [(r"(?P<word>[a-z]+)", re.IGNORECASE)]
    assert word.sub("_", "ab 12 cd") == "_ 12 _"
    assert word.fullmatch("abc") is not None and word.search("12 x") is not None
    assert [m.group() for m in word.finditer("a1b")] == ["a", "b"]
    assert word.findall("a1b") == ["a", "b"] and word.split("a1b") == ["", "a", "1", "b", ""]  # a group is kept
    assert (word.pattern, word.flags & re.IGNORECASE, word.groups, dict(word.groupindex)) == (
        r"(?P<word>[a-z]+)",
        re.IGNORECASE,
        1,
        {"word": 1},
    )
    assert len(compiled) == 1  # compiled once, whatever is asked afterwards


def test_a_lazy_pattern_has_no_other_attributes_and_shows_its_source() -> None:
    digits = lazy_compile(r"\d+")
    with pytest.raises(AttributeError):
        digits.nonexistent  # type: ignore[attr-defined]  # noqa: B018
    assert repr(digits) == r"lazy_compile('\\d+', 0)"
    assert digits.match("42") is not None


def test_an_invalid_pattern_fails_where_it_is_used() -> None:
    broken = lazy_compile(r"(unclosed")
    with pytest.raises(re.error):
        broken.match("x")
