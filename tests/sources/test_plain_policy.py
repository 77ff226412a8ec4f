"""`plain_policy` builds the model `build_policy` builds, positions included, or leaves the document to it; the spans
found from a JSON pointer (`PointerSpans`) are those `parse` gives."""

from __future__ import annotations

import json
import pickle
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_documents import documents, plain_documents

from linter.model import Location, Policy, PolicyKind
from linter.sources.jsonpos import (
    JArray,
    JNode,
    JObject,
    JsonSyntaxError,
    KeySpans,
    MemberItemSpans,
    PointerSpans,
    Span,
    parse,
)
from linter.sources.policy_document import build_policy, file_locator, plain_document, plain_policy, read_policy

PROPERTY = settings(max_examples=400, derandomize=True, deadline=None)


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
@given(documents(), st.sampled_from([None, PolicyKind.IDENTITY, PolicyKind.RESOURCE]))
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
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "arn:aws:iam::111111111111:root"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": "aws:SecureTransport"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": "true"}}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": ["*", 1]}}]}',
        '{"Statement": [{"Effect": ["Allow"], "Action": "*"}]}',
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
@given(documents())
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


@PROPERTY
@given(st.one_of(documents(), plain_documents(), plain_documents()), st.randoms(use_true_random=False))
def test_a_plain_documents_statement_spans_are_the_pointers_ones(text: str, random: Random) -> None:
    """`MemberItemSpans`, which finds where a plain policy's Statement starts from what was read: the statements and
    their elements, in any order of asking."""
    document = plain_document(text, "p.json")
    if document is None:
        return
    pointers = [document.pointer(index) for index in range(len(document.elements))]
    pointers += [f"{pointer}/Effect" for pointer in pointers]  # every plain statement has one
    random.shuffle(pointers)
    reference = PointerSpans(text.removeprefix("\ufeff"))
    fast = MemberItemSpans(
        text.removeprefix("\ufeff"), "Statement", list(json.loads(text.removeprefix("\ufeff"))).index("Statement")
    )
    for pointer in pointers:
        assert fast.span_of(pointer) == reference.span_of(pointer)
    for index in range(len(document.elements)):
        location = document.location(index)
        span = reference.span_of(document.pointer(index))
        assert (location.line, location.column, location.end_line, location.end_column) == (
            span.line,
            span.column,
            span.end_line,
            span.end_column,
        )


def test_member_item_spans_leave_other_pointers_to_pointer_spans() -> None:
    text = (
        '{"Id": "x:y", "Version": "2012-10-17",\n "Statement": [ {"Effect": "Deny", "Action": "*"} ,\n\t{"Sid": "{["}]}'
    )
    fast, reference = MemberItemSpans(text, "Statement", 2), PointerSpans(text)
    for pointer in ("/Statement/1", "/Statement/0", "/Statement", "/Statement/1/Sid", "/Id", ""):
        assert fast.span_of(pointer) == reference.span_of(pointer)
    assert fast.span_of("/Statement/1") == Span(3, 2, 3, 15)
    for missing in ("/Statement/2", "/StatementX"):
        with pytest.raises(KeyError):
            fast.span_of(missing)
    empty = MemberItemSpans('{"Statement": [ ]}', "Statement", 0)
    for _ in range(2):  # asked again, the same answer
        with pytest.raises(KeyError):
            empty.span_of("/Statement/0")
