"""`record` and `fast_record`: the house `@dataclass`, cheap to declare. Every dataclass of the package is one.

On Python 3.11 `@dataclass` writes each method it generates as source text and compiles it when the class is
declared: ~470 µs for a `frozen=True, slots=True` class (`__setattr__`/`__delattr__` ~200 µs, `__eq__` and `__hash__`
~100 µs, `__repr__`, `__init__`), ~15 ms of checking a small Terraform module. Both decorators take dataclass's
arguments (but `order`, `unsafe_hash`, `weakref_slot`) and make the same class, with dataclass's fields, `fields()`,
`replace()`, `asdict()`, `is_dataclass()`, `__match_args__`, slots, docstring and pydantic support, but compile
at most one method:

- `__repr__`, `__eq__`, `__hash__` and a frozen class's `__setattr__`/`__delattr__` are closures over the class's
  fields, made without compiling anything, and behave as dataclass's: the same repr text (a recursion shown as
  `...`), equal to the same class only, comparing the fields as a tuple; a frozen class hashed as that tuple (the
  same value as dataclass's), a mutable one unhashable; `FrozenInstanceError`; a method the class body defines
  kept. A slotted frozen class pickles as dataclass's does.
- `__init__`: `fast_record` compiles dataclass's own (for a frozen class, the text dataclass writes for it, with
  `object.__setattr__`): as fast to call, for the classes built in loops (the policy model, Terraform values,
  spans, findings). `record` compiles nothing: its `__init__` is a closure over the fields with the same
  parameters, signature, defaults, `__post_init__` and errors, ~3x slower to call (~1 µs): for a class a run makes
  at most a few hundred of.

mypy checks a record class, and every call of its constructor, as the `@dataclass` it is declared as (both names are
`dataclass` under TYPE_CHECKING). `__dataclass_params__` says what dataclass itself was asked for (`repr`, `eq` and
`frozen` false): a frozen record and a frozen `@dataclass` cannot inherit from each other (dataclass refuses).
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["fast_record", "interpreted", "record"]

if TYPE_CHECKING:
    # What mypy checks record classes (and their callers) as.
    from dataclasses import dataclass as fast_record
    from dataclasses import dataclass as record
else:

    def record(cls: type | None = None, /, **options: bool) -> Any:
        """`@dataclass(...)`, same arguments and behaviour, compiling nothing: `__init__` is a closure over the fields
        (~3x slower to call than dataclass's). For a class a run makes a few hundred instances of at most."""
        return _decorate(cls, options, compiled=False)

    def fast_record(cls: type | None = None, /, **options: bool) -> Any:
        """`@dataclass(...)`, same arguments and behaviour, compiling dataclass's `__init__` only (~200 µs for the
        class, as fast to call as a dataclass's). For a class built in loops."""
        return _decorate(cls, options, compiled=True)


_C = TypeVar("_C", bound=type)


def interpreted(cls: _C) -> _C:
    """Does nothing: above `@record`/`@fast_record` in a module mypyc compiles, keeps the class a Python class. mypyc
    reads both decorators as dataclass's (what mypy sees) and would build a native class, which a record decorator
    cannot finish (it sets its methods on the class it returns, a new one when slotted); a class decorator mypyc does
    not know leaves the class to the interpreter, decorators and all."""
    return cls


_OPTIONS = {"init", "repr", "eq", "frozen", "match_args", "kw_only", "slots"}


def _decorate(cls: type | None, options: dict[str, bool], *, compiled: bool) -> Any:
    unknown = set(options) - _OPTIONS
    if unknown:  # order, unsafe_hash, weakref_slot: not needed by any record so far
        raise TypeError(f"record() does not take {', '.join(sorted(unknown))}")

    def build(cls: type) -> type:
        return _build(cls, compiled=compiled, **options)

    return build if cls is None else build(cls)


def _build(
    cls: type,
    *,
    compiled: bool,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    frozen: bool = False,
    match_args: bool = True,
    kw_only: bool = False,
    slots: bool = False,
) -> type:
    for name in ("__setattr__", "__delattr__") if frozen else ():
        if name in cls.__dict__:  # as dataclass refuses
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    # A frozen class's __init__ must set its fields with object.__setattr__, as dataclass's frozen one does: dataclass
    # writes it only along with compiling the frozen __setattr__ and __delattr__, so it is written here (below).
    # (Python 3.13 changed dataclass's helper: there, dataclass compiles them itself.)
    own_frozen = frozen and sys.version_info < (3, 13)
    own_init = init and (own_frozen or not compiled)
    # dataclass writes a class without a docstring one: its name and `__init__`'s signature, which costs ~100 µs
    # (inspect.signature) at declaration; the same text, made when it is first read.
    doc = _Doc() if not cls.__dict__.get("__doc__") else None
    if doc is not None:
        cls.__doc__ = doc  # type: ignore[assignment]
    made: Any = dataclass(
        cls,
        init=init and not own_init,
        repr=False,
        eq=False,
        frozen=frozen and not own_frozen,
        match_args=match_args,
        kw_only=kw_only,
        slots=slots,
    )
    if own_init:
        _set(made, "__init__", _frozen_init(made, slots) if compiled else _generic_init(made, frozen=frozen))
    found = fields(made)
    own = made.__dict__
    if repr:
        _set(made, "__repr__", _repr_fn(tuple(each.name for each in found if each.repr)))
    if eq:
        compared = _tuple_getter(tuple(each.name for each in found if each.compare))
        _set(made, "__eq__", _eq_fn(compared))
        # dataclass's rule (without unsafe_hash): a class body's own __hash__ stays; Python sets __hash__ to None in
        # a class whose body defines __eq__, which counts as no __hash__ of its own.
        explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in cls.__dict__)
        if not explicit_hash:
            if frozen:
                hashed = tuple(each.name for each in found if (each.compare if each.hash is None else each.hash))
                made.__hash__ = _hash_fn(_tuple_getter(hashed))
            else:
                made.__hash__ = None
    if own_frozen:
        for fn in _frozen_fns(made, frozenset(each.name for each in found)):
            setattr(made, fn.__name__, fn)
        if slots and "__getstate__" not in cls.__dict__:  # as dataclass pickles a slotted frozen class
            made.__getstate__ = _getstate
            made.__setstate__ = _setstate
    if doc is not None:
        doc.ready = True
    made_type: type = made
    return made_type


class _Doc:
    """A class's docstring as dataclass writes it (`Name(field: type, ...)`), made when read."""

    ready = False  # while dataclass builds the class: a docstring, so that dataclass writes none

    def __get__(self, instance: object, owner: type) -> str:
        if not self.ready:
            return "..."
        try:
            signature = str(inspect.signature(owner)).replace(" -> None", "")
        except (TypeError, ValueError):  # pragma: no cover - as dataclass
            signature = ""
        text = owner.__name__ + signature
        if owner.__dict__.get("__doc__") is self:
            type.__setattr__(owner, "__doc__", text)
        return text


def _generic_init(cls: type, *, frozen: bool) -> Callable[..., None]:
    """dataclass's `__init__`, as a closure over the fields instead of compiled text: the same parameters (fields
    in order, keyword-only ones after) and signature, defaults and default factories (also of fields not in
    `__init__`), `__post_init__`, and errors worded as Python's."""
    every = cls.__dataclass_fields__  # type: ignore[attr-defined]
    if any(each._field_type is dataclasses._FIELD_INITVAR for each in every.values()):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__qualname__}: an InitVar needs fast_record (a compiled __init__)")
    found = fields(cls)
    spec = tuple((each.name, each.init, each.default, each.default_factory) for each in found)
    positional = tuple(each.name for each in found if each.init and not each.kw_only)
    keyword = tuple(each.name for each in found if each.init and each.kw_only)
    accepted = frozenset(positional + keyword)
    post_init = hasattr(cls, "__post_init__")
    put = object.__setattr__ if frozen else setattr
    qualname = f"{cls.__qualname__}.__init__"
    required = frozenset(
        each.name for each in found if each.init and each.default is MISSING and each.default_factory is MISSING
    )

    def __init__(self: object, *args: object, **values: object) -> None:
        if args:
            if len(args) > len(positional):
                _too_many(qualname, positional, keyword, required, len(args), values)
            for name, value in zip(positional, args, strict=False):
                if name in values:
                    raise TypeError(f"{qualname}() got multiple values for argument '{name}'")
                values[name] = value
        if not required <= values.keys() <= accepted:
            _refuse(qualname, positional, keyword, found, values)
        for name, in_init, default, factory in spec:
            if in_init and name in values:
                put(self, name, values[name])
            elif factory is not MISSING:
                put(self, name, factory())
            elif default is not MISSING:
                put(self, name, default)
        if post_init:
            self.__post_init__()  # type: ignore[attr-defined]

    __init__.__signature__ = _signature(every, positional, keyword)  # type: ignore[attr-defined]
    return __init__


def _signature(every: dict[str, Any], positional: tuple[str, ...], keyword: tuple[str, ...]) -> inspect.Signature:
    """The signature of dataclass's `__init__` (defaults as there: a default factory shows as `<factory>`)."""
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for names, kind in (
        (positional, inspect.Parameter.POSITIONAL_OR_KEYWORD),
        (keyword, inspect.Parameter.KEYWORD_ONLY),
    ):
        for name in names:
            each = every[name]
            default = each.default
            if each.default_factory is not MISSING:
                default = dataclasses._HAS_DEFAULT_FACTORY  # type: ignore[attr-defined]
            elif default is MISSING:
                default = inspect.Parameter.empty
            parameters.append(inspect.Parameter(name, kind, default=default, annotation=each.type))
    return inspect.Signature(parameters, return_annotation=None)


def _too_many(
    qualname: str,
    positional: tuple[str, ...],
    keyword: tuple[str, ...],
    required: frozenset[str],
    given: int,
    values: dict[str, object],
) -> None:
    """Raise Python's error for too many positional arguments (`self` counted, as Python counts it)."""
    most = len(positional) + 1
    least = 1 + sum(1 for name in positional if name in required)
    takes = (
        f"{most} positional argument{'s' if most > 1 else ''}"
        if least == most
        else f"from {least} to {most} positional arguments"
    )
    also = sum(1 for name in keyword if name in values)
    if also:
        were = (
            f"{given + 1} positional arguments (and {also} keyword-only argument{'s' if also > 1 else ''}) were given"
        )
    else:
        were = f"{given + 1} were given"
    raise TypeError(f"{qualname}() takes {takes} but {were}")


def _refuse(
    qualname: str, positional: tuple[str, ...], keyword: tuple[str, ...], found: Any, values: dict[str, object]
) -> None:
    """Raise what Python raises for these arguments to dataclass's `__init__` (unexpected, then missing)."""
    accepted = set(positional) | set(keyword)
    for name in values:
        if name not in accepted:
            raise TypeError(f"{qualname}() got an unexpected keyword argument '{name}'")
    required = {
        each.name for each in found if each.init and each.default is MISSING and each.default_factory is MISSING
    }
    for names, kind in ((positional, "positional"), (keyword, "keyword-only")):
        lacking = [repr(name) for name in names if name in required and name not in values]
        if lacking:
            listed = (
                lacking[0]
                if len(lacking) == 1
                else ", ".join(lacking[:-1]) + ("," if len(lacking) > 2 else "") + f" and {lacking[-1]}"
            )
            plural = "s" if len(lacking) > 1 else ""
            raise TypeError(f"{qualname}() missing {len(lacking)} required {kind} argument{plural}: {listed}")


def _set(cls: type, name: str, fn: Callable[..., Any]) -> None:
    """Add a method the class body did not define itself (dataclass keeps the body's own)."""
    if name in cls.__dict__:
        return
    fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    setattr(cls, name, fn)


def _frozen_init(cls: type, slots: bool) -> Callable[..., None]:
    """dataclass's own `__init__` of a frozen class: the same text, compiled once, as fast to call."""
    every = cls.__dataclass_fields__  # type: ignore[attr-defined]
    in_init = [each for each in every.values() if each._field_type in (dataclasses._FIELD, dataclasses._FIELD_INITVAR)]  # type: ignore[attr-defined]
    positional, keyword = dataclasses._fields_in_init_order(in_init)  # type: ignore[attr-defined]
    module = sys.modules.get(cls.__module__)
    self_name = "__dataclass_self__" if "self" in every else "self"
    fn: Callable[..., None] = dataclasses._init_fn(  # type: ignore[attr-defined]
        in_init,
        positional,
        keyword,
        True,  # frozen: fields set with object.__setattr__
        hasattr(cls, "__post_init__"),
        self_name,
        module.__dict__ if module is not None else {},
        slots,
    )
    return fn


def _tuple_getter(names: tuple[str, ...]) -> Callable[[object], tuple[object, ...]]:
    """The named attributes of an object as a tuple (attrgetter returns a single attribute bare)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _repr_fn(names: tuple[str, ...]) -> Callable[[object], str]:
    @recursive_repr()
    def __repr__(self: object) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq_fn(compared: Callable[[object], tuple[object, ...]]) -> Callable[[object, object], bool]:
    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    return __eq__


def _hash_fn(hashed: Callable[[object], tuple[object, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(hashed(self))

    return __hash__


def _frozen_fns(cls: Any, names: frozenset[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    """dataclass's frozen `__setattr__` and `__delattr__`: every attribute of the class itself is read-only, and the
    fields of a subclass that is no frozen dataclass."""

    def __setattr__(self: object, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    for fn in (__setattr__, __delattr__):
        fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    return __setattr__, __delattr__


def _getstate(self: object) -> list[object]:
    return [getattr(self, each.name) for each in fields(self)]  # type: ignore[arg-type]


def _setstate(self: object, state: list[object]) -> None:
    for each, value in zip(fields(self), state, strict=False):  # type: ignore[arg-type]
        object.__setattr__(self, each.name, value)
