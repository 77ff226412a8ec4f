"""The base of the mutable dataclasses `check` imports: one `__repr__` and one `__eq__` for all of them.

`@dataclass` writes each class's `__init__`, `__repr__` and `__eq__` as source text and compiles it when the module
is imported, ~0.4M instructions per method on Python 3.11: for the 24 mutable dataclasses on the `check` path,
`__repr__` and `__eq__` alone were 24M instructions, 2.6% of checking a small module. Those classes are declared
`@dataclass(repr=False, eq=False)` on this base instead and behave as before: the repr lists the fields, two
instances of the same class are equal when their fields are, and an instance is not hashable (Python drops
`__hash__` from a class that defines `__eq__`, as `@dataclass` does for a mutable class).
"""

from __future__ import annotations

from dataclasses import fields
from reprlib import recursive_repr


class Record:
    __slots__ = ()

    @recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{field.name}={getattr(self, field.name)!r}" for field in fields(self) if field.repr)  # type: ignore[arg-type]
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(other)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable, as a mutable dataclass


def _compared(record: object) -> tuple[object, ...]:
    """The fields equality compares, in order (a tuple, as `@dataclass` compares them)."""
    return tuple(getattr(record, field.name) for field in fields(record) if field.compare)  # type: ignore[arg-type]
