"""`plain_policy` builds the model `build_policy` builds, positions included, or leaves the document to it; the spans
found from a JSON pointer (`PointerSpans`) are those `parse` gives."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.model import Location, Policy, PolicyKind
from linter.sources.jsonpos import JArray, JNode, JObject, JsonSyntaxError, KeySpans, PointerSpans, parse
from linter.sources.policy_document import build_policy, file_locator, plain_policy, read_policy

PROPERTY = settings(max_examples=400, derandomize=True, deadline=None)


class _Members(list[tuple[str, object]]):
    """An object's members in order, a key perhaps repeated."""


_SPACE = st.sampled_from(["", "", " ", "\n", "\t", "\r\n  ", " \n "])
_WORDS = st.sampled_from(
    ["s3:GetObject", "*", "arn:aws:s3:::b/*", "Allow", "Deny", "2012-10-17", "a b", "é\u2028x", ""]
)
_STRINGS = st.one_of(_WORDS, _WORDS, _WORDS, st.text(max_size=5))
_EFFECTS = st.sampled_from(["Allow", "Deny"])
_KEY_NAMES = st.sampled_from(["aws:SourceIp", "aws:PrincipalTag/team", "a~b", "~1/", "s3:prefix", "é", "k k"])
# Mostly what a plain document holds, sometimes what it cannot (a number, null, an object).
_CONDITION_VALUES = st.one_of(
    _STRINGS,
    _STRINGS,
    st.booleans(),
    st.booleans(),
    st.integers(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_CONDITIONS = st.lists(
    st.tuples(
        st.sampled_from(["StringEquals", "Bool", "IpAddress", "ForAnyValue:StringLike", "Null"]),
        st.lists(
            st.tuples(_KEY_NAMES, st.one_of(_CONDITION_VALUES, st.lists(_CONDITION_VALUES, max_size=3))),
            max_size=3,
        ).map(_Members),
    ),
    max_size=3,
).map(_Members)
_TEXTS = st.one_of(_STRINGS, _STRINGS, st.lists(_STRINGS, max_size=3), st.lists(_STRINGS, max_size=3), st.integers())
_PRINCIPALS = st.one_of(
    st.just("*"),
    st.just("arn:aws:iam::111111111111:root"),
    st.lists(
        st.tuples(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Other"]), _TEXTS), max_size=3
    ).map(_Members),
)
_ELEMENTS = {
    "Sid": _STRINGS,
    "Effect": st.one_of(
        st.sampled_from(["Allow", "Deny"]), st.sampled_from(["Allow", "Deny"]), _STRINGS, st.integers()
    ),
    "Action": _TEXTS,
    "NotAction": _TEXTS,
    "Resource": _TEXTS,
    "NotResource": _TEXTS,
    "Principal": _PRINCIPALS,
    "NotPrincipal": _PRINCIPALS,
    "Condition": st.one_of(_CONDITIONS, _CONDITIONS, _CONDITIONS, _STRINGS),
}


@st.composite
def _statement(draw: st.DrawFn) -> _Members:
    # Effect and one of Action or NotAction usually, so that most statements are plain.
    names = ["Effect", draw(st.sampled_from(["Action", "NotAction"]))] if draw(st.integers(0, 4)) else []
    names += draw(st.lists(st.sampled_from(sorted(_ELEMENTS)), max_size=4))
    if draw(st.integers(0, 9)) == 0:
        names.append("Other")  # not a statement element
    if draw(st.integers(0, 9)):
        names = list(dict.fromkeys(names))  # usually no repeated element
    return _Members((name, draw(_ELEMENTS.get(name, _STRINGS))) for name in draw(st.permutations(names)))


_PLAIN_VALUES = st.one_of(_WORDS, st.booleans(), st.lists(st.one_of(_WORDS, st.booleans()), max_size=2))
_PLAIN_ELEMENTS = {
    "Sid": _WORDS,
    "Resource": st.one_of(_WORDS, st.lists(_WORDS, max_size=3)),
    "NotResource": st.one_of(_WORDS, st.lists(_WORDS, max_size=3)),
    "Principal": st.one_of(
        st.just("*"),
        st.lists(
            st.tuples(st.sampled_from(["AWS", "Service"]), st.one_of(_WORDS, st.lists(_WORDS, max_size=2))),
            max_size=2,
            unique_by=lambda member: member[0],
        ).map(_Members),
    ),
    "Condition": st.lists(
        st.tuples(
            st.sampled_from(["StringEquals", "Bool", "ForAnyValue:StringLike"]),
            st.lists(st.tuples(_KEY_NAMES, _PLAIN_VALUES), max_size=2, unique_by=lambda member: member[0]).map(
                _Members
            ),
        ),
        max_size=2,
        unique_by=lambda member: member[0],
    ).map(_Members),
}


@st.composite
def _plain_statement(draw: st.DrawFn) -> _Members:
    """A statement `plainly_valid` accepts, without numbers: the documents `plain_policy` takes are made of these."""
    names = ["Effect", draw(st.sampled_from(["Action", "NotAction"]))]
    names += draw(st.sets(st.sampled_from(["Sid", "Resource", "Principal", "Condition"])))
    elements = {"Effect": st.sampled_from(["Allow", "Deny"]), "Action": _TEXTS, "NotAction": _TEXTS}
    values = {**_PLAIN_ELEMENTS, **elements, "Action": _PLAIN_ELEMENTS["Resource"]}
    values["NotAction"] = values["Action"]
    return _Members((name, draw(values[name])) for name in draw(st.permutations(names)))


@st.composite
def _documents(draw: st.DrawFn) -> str:
    statement = st.one_of(_statement(), _plain_statement(), _plain_statement(), _plain_statement())
    statements = st.lists(statement, max_size=3)
    members = [("Version", draw(st.sampled_from(["2012-10-17", "2008-10-17"])))] if draw(st.booleans()) else []
    if draw(st.integers(0, 9)) == 0:
        members = [("Version", 1)]
    members.append(("Statement", draw(st.one_of(statements, statements, statement, st.integers(0, 0)))))
    if draw(st.integers(0, 5)) == 0:
        members.append(("Id", draw(_STRINGS)))
    if draw(st.integers(0, 8)) == 0:
        members.append(("Statement", draw(statements)))

    def write(value: object) -> str:
        space = draw(_SPACE)
        if isinstance(value, _Members):
            written = [f"{draw(_SPACE)}{json.dumps(k)}{draw(_SPACE)}:{write(v)}" for k, v in value]
            return f"{space}{{{','.join(written)}{draw(_SPACE)}}}"
        if isinstance(value, list):
            return f"{space}[{','.join(write(item) for item in value)}{draw(_SPACE)}]"
        return f"{space}{json.dumps(value, ensure_ascii=draw(st.integers(0, 4)) == 0)}"

    text = write(_Members(members)) + draw(_SPACE)
    return ("\ufeff" if draw(st.integers(0, 9)) == 0 else "") + text


def _eager(text: str, kind: PolicyKind | None) -> Policy:
    return build_policy(parse(text), "p.json", file_locator("p.json"), kind)


def _locations(value: object) -> list[Location]:
    """Every location in a model, in order (equal models have equal ones; this says which differs)."""
    if isinstance(value, Location):
        return [value]
    if isinstance(value, list):
        return [loc for item in value for loc in _locations(item)]
    fields = getattr(value, "__dataclass_fields__", None)
    return [loc for name in fields or () for loc in _locations(getattr(value, name))]


@PROPERTY
@given(_documents(), st.sampled_from([None, PolicyKind.IDENTITY, PolicyKind.RESOURCE]))
def test_plain_policy_is_the_model_build_policy_makes(text: str, kind: PolicyKind | None) -> None:
    plain = plain_policy(text, "p.json", kind)
    eager = _eager(text, kind)
    if plain is not None:
        assert [(loc.json_path, loc.line, loc.column, loc.end_line, loc.end_column) for loc in _locations(plain)] == [
            (loc.json_path, loc.line, loc.column, loc.end_line, loc.end_column) for loc in _locations(eager)
        ]
        assert plain == eager
    assert read_policy(text, "p.json", kind) == eager


def test_the_usual_policy_is_plain() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "A",
                    "Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::111111111111:root"], "Service": "s3.amazonaws.com"},
                    "Action": ["s3:GetObject"],
                    "Resource": "arn:aws:s3:::b/*",
                    "Condition": {"Bool": {"aws:SecureTransport": False}, "StringLike": {"s3:prefix": ["a/", "b/"]}},
                },
                {"Effect": "Deny", "Principal": "*", "NotAction": "s3:*", "NotResource": []},
            ],
        },
        indent=2,
    )
    plain = plain_policy(text, "p.json")
    assert plain is not None
    assert plain == _eager(text, None)
    assert plain.kind is PolicyKind.RESOURCE and plain.kind_inferred
    assert pickle.loads(pickle.dumps(plain)) == plain


@pytest.mark.parametrize(
    "text",
    [
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Effect": "Deny"}]}',  # repeated key
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"NumericLessThan": {"k": 1}}}]}',  # number
        '{"Statement": [{"Effect": "Allow", "Action": "\\u002a"}]}',  # an escape
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": 3}]}',  # not plainly valid
        '{"Version": "2012-10-17"}',  # no Statement
        "[]",
        '{"Statement": []} x',  # not JSON
    ],
)
def test_what_plain_policy_leaves_to_build_policy(text: str) -> None:
    assert plain_policy(text, "p.json") is None


def test_read_policy_fails_as_parse_fails() -> None:
    with pytest.raises(JsonSyntaxError) as error:
        read_policy('{"Statement": [}', "p.json")
    assert (error.value.line, error.value.column) == (1, 16)


def _pointers(node: JNode, pointer: str = "") -> list[tuple[str, JNode, object]]:
    """(pointer, node, key span or None) for every node of a tree without repeated keys."""
    found: list[tuple[str, JNode, object]] = [(pointer, node, None)]
    if isinstance(node, JObject):
        for member in node.members:
            child = f"{pointer}/{member.key.replace('~', '~0').replace('/', '~1')}"
            found += [(child, member.value, member.key_span), *_pointers(member.value, child)[1:]]
    elif isinstance(node, JArray):
        for index, item in enumerate(node.items):
            found += _pointers(item, f"{pointer}/{index}")
    return found


@PROPERTY
@given(_documents())
def test_spans_by_pointer_are_the_parsed_ones(text: str) -> None:
    text = text.removeprefix("\ufeff")
    root = parse(text)
    nodes = _pointers(root)
    if len({pointer for pointer, _, _ in nodes}) < len(nodes):
        return  # a repeated key: a pointer names two nodes
    spans = PointerSpans(text)
    keys = KeySpans(spans)
    for pointer, node, key_span in reversed(nodes):  # any order: here the deepest last node first
        span = spans.span_of(pointer)
        assert (span.line, span.column, span.end_line, span.end_column) == (
            node.span.line,
            node.span.column,
            node.span.end_line,
            node.span.end_column,
        )
        if key_span is not None:
            found = keys.span_of(pointer)
            assert (found.line, found.column, found.end_line, found.end_column) == (
                key_span.line,  # type: ignore[attr-defined]
                key_span.column,  # type: ignore[attr-defined]
                key_span.end_line,  # type: ignore[attr-defined]
                key_span.end_column,  # type: ignore[attr-defined]
            )
