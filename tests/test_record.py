"""`linter.record.record`: a class declared with it behaves as the same class declared with `@dataclass`."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, asdict, astuple, dataclass, field, fields, is_dataclass, replace
from typing import Any

import pytest

from linter.record import fast_record, record


@record
class Node:
    name: str
    children: list[Node] = field(default_factory=list)
    weight: float = 1.0


@record(slots=True)
class Point:
    x: int
    y: int = 0


@record(slots=True)
class Labelled(Point):
    label: str = ""


@record(frozen=True, slots=True, kw_only=True)
class Key:
    kind: str
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@record(frozen=True)
class Loose:  # frozen, not slotted: pickled and copied through its __dict__
    a: int
    b: tuple[int, ...] = field(default_factory=tuple)


@record(frozen=True, slots=True)
class Derived:
    a: int
    total: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", self.a * 2)


@record(frozen=True, slots=True, eq=False)
class Identity:
    a: int


@record(frozen=True, slots=True)
class OwnHash:
    a: int
    b: int

    def __hash__(self) -> int:
        return self.a


@record(frozen=True, slots=True)
class One:
    a: int


def test_a_record_shows_and_compares_like_a_dataclass() -> None:
    assert (
        repr(Node("a", [Node("b")])) == "Node(name='a', children=[Node(name='b', children=[], weight=1.0)], weight=1.0)"
    )
    assert repr(Labelled(1, 2, "p")) == "Labelled(x=1, y=2, label='p')"
    assert repr(Key(kind="k", parts=("a",), note="n")) == "Key(kind='k', parts=('a',))"  # repr=False is not shown
    assert Node("a") == Node("a") and Node("a") != Node("b")
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    # Another class is never equal, even a subclass with the same fields so far (as @dataclass compares).
    assert Point(1, 2) != Labelled(1, 2) and Labelled(1, 2) != Point(1, 2)
    assert Point(1) != (1, 0)
    assert replace(Labelled(1, 2, "p"), y=3) == Labelled(1, 3, "p")
    assert Key(kind="k", note="a") == Key(kind="k", note="b")  # compare=False is not compared


def test_equality_compares_fields_as_a_tuple_does() -> None:
    # A tuple compares items by identity first: the same NaN object is equal to itself, two NaNs are not.
    nan = float("nan")
    assert Node("a", weight=nan) == Node("a", weight=nan)
    assert Node("a", weight=float("nan")) != Node("a", weight=float("nan"))


def test_a_mutable_record_is_mutable_and_not_hashable() -> None:
    point = Point(1)
    point.y = 5
    assert point == Point(1, 5)
    with pytest.raises(TypeError):
        hash(point)


def test_a_record_that_contains_itself_shows_without_recursing() -> None:
    node = Node("loop")
    node.children.append(node)
    assert repr(node) == "Node(name='loop', children=[...], weight=1.0)"


def test_a_frozen_record_is_read_only_and_hashable_by_value() -> None:
    key = Key(kind="k", parts=("a", "b"))
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'kind'"):
        key.kind = "other"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError, match="cannot delete field 'kind'"):
        del key.kind
    with pytest.raises(FrozenInstanceError):
        Loose(1).c = 2  # type: ignore[attr-defined]
    assert hash(key) == hash(("k", ("a", "b")))  # dataclass's value: the compared fields as a tuple
    assert hash(One(3)) == hash((3,))
    assert {key: 1}[Key(kind="k", parts=("a", "b"), note="x")] == 1
    assert Derived(2).total == 4 and Derived(2) == Derived(2)
    assert hash(OwnHash(1, 2)) == 1  # a class body's own __hash__ stays
    assert Identity(1) != Identity(1) and hash(Identity(1)) != 0  # eq=False: identity, as object's


def test_the_constructor_is_dataclasss() -> None:
    with pytest.raises(TypeError, match=r"__init__\(\) missing 1 required keyword-only argument: 'kind'"):
        Key()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional"):
        Key("k")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        Point(1, nope=2)  # type: ignore[call-arg]
    first, second = Node("a"), Node("a")
    assert first.children is not second.children  # default_factory: a list each
    with pytest.raises(TypeError):
        Derived(1, 2)  # type: ignore[call-arg]  # init=False is no parameter


def test_dataclass_helpers_work_on_records() -> None:
    key = Key(kind="k", parts=("a",), note="n")
    assert is_dataclass(key) and is_dataclass(Key)
    assert [each.name for each in fields(Key)] == ["kind", "parts", "note"]
    assert [each.name for each in fields(Labelled)] == ["x", "y", "label"]
    assert asdict(key) == {"kind": "k", "parts": ("a",), "note": "n"}
    assert astuple(Labelled(1, 2, "p")) == (1, 2, "p")
    assert replace(key, parts=()) == Key(kind="k")
    assert Point.__match_args__ == ("x", "y")
    match Labelled(1, 2, "p"):
        case Labelled(1, 2, label):
            assert label == "p"
        case _:
            pytest.fail("no match")


@pytest.mark.parametrize(
    "value",
    [Key(kind="k", parts=("a",), note="n"), Loose(1, (2,)), Derived(3), Labelled(1, 2, "p"), Node("a", [Node("b")])],
    ids=repr,
)
def test_a_record_pickles_and_copies(value: Any) -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):  # 0 and 1 refuse a slotted dataclass without state
        back = pickle.loads(pickle.dumps(value, protocol))
        assert back == value and type(back) is type(value)
        assert [getattr(back, each.name) for each in fields(back)] == [
            getattr(value, each.name) for each in fields(value)
        ]
    assert copy.copy(value) == value and copy.deepcopy(value) == value


def test_pydantic_validates_and_dumps_a_record() -> None:
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Key)
    key = adapter.validate_python({"kind": "k", "parts": ["a", "b"]})
    assert key == Key(kind="k", parts=("a", "b")) and type(key) is Key
    assert adapter.dump_python(key) == {"kind": "k", "parts": ("a", "b"), "note": ""}
    assert adapter.validate_json(adapter.dump_json(key)) == key
    with pytest.raises(FrozenInstanceError):
        key.kind = "x"  # type: ignore[misc]
    mutable = TypeAdapter(Labelled).validate_python({"x": "1", "label": "p"})
    assert mutable == Labelled(1, 0, "p")


# The same classes declared with @dataclass, to compare with.
@dataclass
class DNode:
    name: str
    children: list[DNode] = field(default_factory=list)
    weight: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class DKey:
    kind: str
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@record
class RNode:
    name: str
    children: list[RNode] = field(default_factory=list)
    weight: float = 1.0


@record(frozen=True, slots=True, kw_only=True)
class RKey:
    kind: str
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@fast_record
class FNode:
    name: str
    children: list[FNode] = field(default_factory=list)
    weight: float = 1.0


@fast_record(frozen=True, slots=True, kw_only=True)
class FKey:
    kind: str
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class DMixed:
    a: int
    b: list[int] = field(default_factory=list)
    c: str = "x"
    d: int = field(default=0, init=False)
    e: str = field(default="e", kw_only=True)


@record(frozen=True)
class RMixed:
    a: int
    b: list[int] = field(default_factory=list)
    c: str = "x"
    d: int = field(default=0, init=False)
    e: str = field(default="e", kw_only=True)


@fast_record(frozen=True)
class FMixed:
    a: int
    b: list[int] = field(default_factory=list)
    c: str = "x"
    d: int = field(default=0, init=False)
    e: str = field(default="e", kw_only=True)


def _outcome(action: Any) -> object:
    try:
        return ("value", action())
    except Exception as error:  # the exception itself is what is compared
        return ("raised", type(error), str(error))


@pytest.mark.parametrize(
    ("made", "declared"),
    [(RNode, DNode), (RKey, DKey), (FNode, DNode), (FKey, DKey)],
    ids=["mutable", "frozen-slots-kw", "fast-mutable", "fast-frozen-slots-kw"],
)
def test_a_record_class_behaves_as_the_same_dataclass(made: Any, declared: Any) -> None:
    def same(action: Any) -> None:
        got, want = _outcome(lambda: action(made)), _outcome(lambda: action(declared))
        assert str(got).replace(made.__name__, "X") == str(want).replace(declared.__name__, "X")

    node = {"name": "n", "children": [], "weight": 2.0}
    key = {"kind": "k", "parts": ("a",), "note": "z"}
    values = node if made in (RNode, FNode) else key
    same(lambda cls: repr(cls(**values)))
    same(lambda cls: cls(**values) == cls(**values))
    same(lambda cls: cls(**values) == replace(cls(**values), **{next(iter(values)): "other"}))
    same(lambda cls: cls(**values) == object())
    same(lambda cls: hash(cls(**values)))
    same(lambda cls: cls.__hash__ is None)
    same(lambda cls: setattr(cls(**values), next(iter(values)), "x"))
    same(lambda cls: delattr(cls(**values), next(iter(values))))
    same(lambda cls: [(f.name, f.default, f.default_factory, f.kw_only, f.repr, f.compare) for f in fields(cls)])
    same(lambda cls: asdict(cls(**values)))
    same(lambda cls: pickle.loads(pickle.dumps(cls(**values))) == cls(**values))
    same(lambda cls: cls())
    same(lambda cls: cls(**values, extra=1))
    same(lambda cls: cls.__match_args__)
    same(lambda cls: hasattr(cls, "__slots__") and cls.__slots__)
    same(lambda cls: str(__import__("inspect").signature(cls)))


@pytest.mark.parametrize("made", [RMixed, FMixed], ids=["record", "fast_record"])
@pytest.mark.parametrize(
    "call",
    [
        lambda cls: cls(1),
        lambda cls: cls(1, [2], "y", e="f"),
        lambda cls: cls(a=3).d,
        lambda cls: cls(),
        lambda cls: cls(1, 2, 3, 4),
        lambda cls: cls(1, 2, 3, 4, e="x"),
        lambda cls: cls(1, a=2),
        lambda cls: cls(a=1, z=2),
        lambda cls: cls(a=1, d=2),
        lambda cls: cls.__doc__,
        lambda cls: str(__import__("inspect").signature(cls)),
    ],
)
def test_the_constructor_takes_and_refuses_what_dataclasss_does(made: Any, call: Any) -> None:
    got, want = _outcome(lambda: call(made)), _outcome(lambda: call(DMixed))
    assert str(got).replace(made.__name__, "X") == str(want).replace("DMixed", "X")
