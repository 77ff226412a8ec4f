from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from linter.record import Record


@dataclass(repr=False, eq=False)
class Node(Record):
    name: str
    children: list[Node] = field(default_factory=list)
    weight: float = 1.0


@dataclass(slots=True, repr=False, eq=False)
class Point(Record):
    x: int
    y: int = 0


@dataclass(slots=True, repr=False, eq=False)
class Labelled(Point):
    label: str = ""


def test_a_record_shows_and_compares_like_a_dataclass() -> None:
    assert (
        repr(Node("a", [Node("b")])) == "Node(name='a', children=[Node(name='b', children=[], weight=1.0)], weight=1.0)"
    )
    assert repr(Labelled(1, 2, "p")) == "Labelled(x=1, y=2, label='p')"
    assert Node("a") == Node("a") and Node("a") != Node("b")
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    # Another class is never equal, even a subclass with the same fields so far (as @dataclass compares).
    assert Point(1, 2) != Labelled(1, 2) and Labelled(1, 2) != Point(1, 2)
    assert Point(1) != (1, 0)
    assert replace(Labelled(1, 2, "p"), y=3) == Labelled(1, 3, "p")


def test_equality_compares_fields_as_a_tuple_does() -> None:
    # A tuple compares items by identity first: the same NaN object is equal to itself, two NaNs are not.
    nan = float("nan")
    assert Node("a", weight=nan) == Node("a", weight=nan)
    assert Node("a", weight=float("nan")) != Node("a", weight=float("nan"))


def test_a_record_is_mutable_and_not_hashable() -> None:
    point = Point(1)
    point.y = 5
    assert point == Point(1, 5)
    with pytest.raises(TypeError):
        hash(point)


def test_a_record_that_contains_itself_shows_without_recursing() -> None:
    node = Node("loop")
    node.children.append(node)
    assert repr(node) == "Node(name='loop', children=[...], weight=1.0)"
