"""`parse_lazily` gives the tree `parse` gives, positions included, and fails as `parse` fails."""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.sources.jsonpos import JArray, JNode, JObject, JsonSyntaxError, parse, parse_lazily
from linter.sources.policy_document import build_policy, file_locator

PROPERTY = settings(max_examples=300, derandomize=True, deadline=None)


class _Raw(str):
    """Number text written as it is."""


class _Members(list[tuple[str, object]]):
    """An object's members, duplicates kept."""


_SPACE = st.text(alphabet=" \t\r\n", max_size=3)
_KEYS = st.sampled_from(["a", "a", "Statement", "é", "~/", "\\", '"', "\ud800", "", "\n"])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e400", "-0", "0.5E-3", "9" * 5000]).map(_Raw),
    st.text(max_size=6),
)


_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(st.tuples(_KEYS, children), max_size=4).map(_Members),
    ),
    max_leaves=25,
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """JSON text of a generated value, with white space drawn between every token, sometimes a BOM before it."""

    def write(value: object) -> str:
        space = draw(_SPACE)
        if isinstance(value, _Members):
            members = [f"{draw(_SPACE)}{json.dumps(k)}{draw(_SPACE)}:{draw(_SPACE)}{write(v)}" for k, v in value]
            return f"{space}{{{','.join(members)}{draw(_SPACE)}}}"
        if isinstance(value, list):
            return f"{space}[{','.join(write(item) for item in value)}{draw(_SPACE)}]"
        if isinstance(value, _Raw):
            return f"{space}{value}"
        return f"{space}{json.dumps(value, ensure_ascii=draw(st.booleans()))}"

    text = write(draw(_VALUES)) + draw(_SPACE)
    return ("\ufeff" if draw(st.booleans()) else "") + text


def flat(node: JNode) -> list[object]:
    """Every node, key and duplicate in document order with its span and value."""
    span = node.span
    out: list[object] = [type(node).__name__, span.line, span.column, span.end_line, span.end_column]
    if isinstance(node, JObject):
        for member in node.members:
            key = member.key_span
            out += ["key", member.key, key.line, key.column, key.end_line, key.end_column, *flat(member.value)]
        out += ["duplicates", [(m.key, m.key_span.line, m.key_span.column) for m in node.duplicates]]
    elif isinstance(node, JArray):
        for item in node.items:
            out += flat(item)
    else:
        out += [repr(node.value), type(node.value).__name__]
    return out


def outcome(read: object, text: str) -> object:
    try:
        return flat(read(text))  # type: ignore[operator]
    except JsonSyntaxError as error:
        return ("error", error.message, error.line, error.column)


@PROPERTY
@given(documents())
def test_lazy_positions_are_the_eager_ones(text: str) -> None:
    assert outcome(parse_lazily, text) == outcome(parse, text)


@PROPERTY
@given(documents(), st.integers(min_value=0), st.sampled_from(["", ",", "]", "}", '"', "x", "NaN", "\x01", "\\", ":"]))
def test_broken_documents_fail_as_parse_fails(text: str, where: int, insert: str) -> None:
    at = where % (len(text) + 1)
    broken = text[:at] + insert + text[at + 1 :]
    assert outcome(parse_lazily, broken) == outcome(parse, broken)


def test_read_in_any_order() -> None:
    """A position read first deep inside gives what reading the whole tree in order gives."""
    text = '{"Statement": [\n  {"Effect": "Allow"},\n  {"Action": ["s3:*", "x"]}\n]}'
    lazy = parse_lazily(text)
    assert isinstance(lazy, JObject)
    statements = lazy.members[0].value
    assert isinstance(statements, JArray)
    last = statements.items[1]
    assert isinstance(last, JObject)
    action = last.members[0].value
    assert isinstance(action, JArray)
    assert (action.items[1].span.line, action.items[1].span.column, action.items[1].span.end_column) == (3, 23, 26)
    assert flat(lazy) == flat(parse(text))


@pytest.mark.parametrize(
    "text",
    ["[" * 200 + "]" * 200, "[" * 201 + "]" * 201, "[" * 202 + "]" * 202, "[" * 5000 + "]" * 5000, "{}" + " " * 3],
)
def test_limits_as_parse(text: str) -> None:
    assert outcome(parse_lazily, text) == outcome(parse, text)


def test_a_lazy_location_is_the_eager_one() -> None:
    """Equal, same hash, same fields through `replace`, `asdict` and pickling: positions are read when compared."""
    text = '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}\n}'
    lazy = build_policy(parse_lazily(text), "p.json", file_locator("p.json"))
    eager = build_policy(parse(text), "p.json", file_locator("p.json"))
    assert lazy.statements[0].loc.short() == "p.json:3:16"  # read first: nothing else resolved it
    assert lazy == eager
    assert hash(lazy.statements[0].loc) == hash(eager.statements[0].loc)
    assert replace(lazy.loc, json_path="/Id") == replace(eager.loc, json_path="/Id")
    assert asdict(lazy) == asdict(eager)
    assert pickle.loads(pickle.dumps(lazy)) == eager
