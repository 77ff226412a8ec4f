from __future__ import annotations

import json
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.sources.embedded_json import parse_embedded
from linter.sources.jsonpos import (
    JArray,
    JNode,
    JObject,
    JScalar,
    JsonSyntaxError,
    Span,
    parse,
    to_python,
)


def test_positions_of_keys_and_values() -> None:
    root = parse('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"}\n  ]\n}')
    assert isinstance(root, JObject)
    version = root.member("Version")
    assert version is not None
    assert (version.key_span.line, version.key_span.column) == (2, 3)
    assert (version.value.span.line, version.value.span.column) == (2, 14)
    statements = root.get("Statement")
    assert isinstance(statements, JArray)
    first = statements.items[0]
    assert isinstance(first, JObject)
    assert (first.span.line, first.span.column, first.span.end_line, first.span.end_column) == (4, 5, 4, 24)


def test_duplicate_keys_are_kept_and_last_wins() -> None:
    root = parse('{"a": 1, "b": 2, "a": 3}')
    assert isinstance(root, JObject)
    assert [m.key for m in root.duplicates] == ["a"]
    assert root.duplicates[0].key_span.column == 18
    assert to_python(root) == {"a": 3, "b": 2}


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"a": 1,}', "trailing comma before '}'", 1, 9),
        ('{"a": [1, 2,]}', "trailing comma before ']'", 1, 13),
        ('{\n  "a": 1\n  "b": 2\n}', "expected ',' or '}', found '\"'", 3, 3),
        ("{'a': 1}", 'expected a quoted key, found "\'"', 1, 2),
        ('{"a": tru}', "unexpected character 't': expected a value", 1, 7),
        ('{"a": "x', "unterminated string", 1, 7),
        ('{"a": 1} x', "unexpected content after the JSON value", 1, 10),
        ("", "empty document: expected a JSON value", 1, 1),
        ('{"a": "\\q"}', "invalid character or escape in string", 1, 8),
        ('{"a": 1', "unexpected end of input: expected ',' or '}'", 1, 8),
    ],
)
def test_errors_carry_line_and_column(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.line, caught.value.column) == (message, line, column)


def test_scalars_and_escapes() -> None:
    root = parse('[true, false, null, -1.5e3, 0, "a\\u00e9\\n"]')
    assert isinstance(root, JArray)
    assert [item.value for item in root.items if isinstance(item, JScalar)] == [True, False, None, -1500.0, 0, "aé\n"]


def test_byte_order_mark_is_ignored() -> None:
    assert to_python(parse('\ufeff{"a": 1}')) == {"a": 1}


def test_nesting_limit_is_an_error_not_a_crash() -> None:
    with pytest.raises(JsonSyntaxError, match="nesting too deep"):
        parse("[" * 1000 + "]" * 1000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_agrees_with_stdlib_json(value: object) -> None:
    text = json.dumps(value, indent=1)
    assert to_python(parse(text)) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_anything_but_syntax_errors(text: str) -> None:
    try:
        parse(text)
    except JsonSyntaxError as error:
        assert error.line >= 1 and error.column >= 1


# --- a document held in a string (AWS CLI outputs: `{"Policy": "{\"Version\": ...}"}`) ---------------------------


def _embedded(outer: str, key: str = "Policy") -> tuple[JNode, list[str]]:
    root = parse(outer)
    assert isinstance(root, JObject)
    string = root.get(key)
    assert isinstance(string, JScalar)
    return parse_embedded(outer, string), outer.lstrip("\ufeff").split("\n")  # lines as JSON counts them


def _written(lines: list[str], span: Span) -> str:
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


@pytest.mark.parametrize(
    ("outer", "k"),
    [
        # Each escape is one character of the document: \" \\ \n, a \u escape, a surrogate pair.
        ('{"Policy": "{\\"k\\": \\"a\\\\u00e9\\\\ud83d\\\\ude00\\\\n\\", \\"v\\": 1}"}', "a\u00e9\U0001f600\n"),
        ('{"Policy": "{\\"k\\": \\"\\u00e9\\ud83d\\ude00\\", \\"v\\": 1}"}', "\u00e9\U0001f600"),
        # URL-encoded, as IAM's API returns documents: é and 😀 are several %-escaped bytes each.
        ('{"Policy": "%7B%22k%22%3A%20%22%C3%A9%F0%9F%98%80%22%2C%20%22v%22%3A%201%7D"}', "\u00e9\U0001f600"),
        ('\ufeff{"Policy": "%7b%22k%22:%22%C3%A9%22, %22v%22:\\t1}"}', "\u00e9"),
        # Bytes that are no UTF-8 (a lone continuation byte, a sequence cut short): one U+FFFD each.
        ('{"Policy": "%7B%22k%22%3A%22%FF%C3%22%2C%22v%22%3A1%7D"}', "\ufffd\ufffd"),
    ],
)
def test_a_document_in_a_string_keeps_the_positions_of_the_file(outer: str, k: str) -> None:
    document, lines = _embedded(outer)
    assert isinstance(document, JObject)
    assert to_python(document) == {"k": k, "v": 1}
    value = document.member("v")
    assert value is not None and _written(lines, value.value.span) == "1"
    key = document.member("k")
    assert key is not None and _written(lines, key.key_span) in ('\\"k\\"', "%22k%22")
    # The document ends where the string closes, after its last character.
    assert lines[0][document.span.end_column - 1] == '"'


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=4), st.booleans(), st.booleans())
def test_every_string_of_an_embedded_document_points_at_its_spelling(
    document: dict[str, object], url_encoded: bool, ascii_only: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    if url_encoded:
        text = quote(text, safe="")
    outer = json.dumps({"Policy": text}, indent=1, ensure_ascii=ascii_only)
    parsed, lines = _embedded(outer)
    assert to_python(parsed) == document
    stack: list[JNode] = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, JScalar) and isinstance(node.value, str):
            # What the file writes there, unescaped as the outer string, then URL-decoded, is the JSON of the value.
            spelled = json.loads(f'"{_written(lines, node.span)}"')
            assert json.loads(unquote(spelled) if url_encoded else spelled) == node.value
        elif isinstance(node, JArray):
            stack.extend(node.items)
        elif isinstance(node, JObject):
            stack.extend(member.value for member in node.members)
