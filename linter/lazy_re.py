"""Module-level regular expressions, compiled the first time they are used.

Python's `re` parses and compiles a pattern in pure Python: ~0.6M instructions each. The 44 patterns the modules
on the `check` path compiled at import cost 26M instructions, 3% of checking a small module, and a run uses about
half of them (a Terraform module never needs the JSON scanner's, a policy without principals never needs the
principal checks'). `lazy_compile` returns a stand-in that compiles on first use and then holds the compiled
pattern's methods itself, so later calls cost what calls on a compiled pattern cost.

It stands in for method calls and the `pattern`/`flags`/`groups`/`groupindex` attributes only: pass
`re.compile(...)` where a real `re.Pattern` object is needed (isinstance checks, `re.sub(pattern, ...)`).
"""

from __future__ import annotations

import re
from typing import Any, cast

# What a stand-in copies from its compiled pattern on first use.
_FORWARDED = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "scanner")
_ATTRIBUTES = ("pattern", "flags", "groups", "groupindex")


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        # Called only for names the instance does not hold yet, i.e. before the first use.
        if name.startswith("__") or name not in _FORWARDED + _ATTRIBUTES:
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for attribute in _FORWARDED + _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        pattern, flags = self._source
        return f"lazy_compile({pattern!r}, {flags!r})"
