"""A strict JSON parser that keeps the line and column of every value and key.

The stdlib `json` module drops positions and silently keeps the last of duplicate keys; a linter needs both.
The grammar is RFC 8259 (what IAM accepts); errors carry the 1-based line and column where parsing stopped.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from linter.lazy_re import lazy_compile
from linter.record import Record


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True, repr=False, eq=False)
class Span(Record):
    line: int
    column: int
    end_line: int
    end_column: int


class JScalar(NamedTuple):
    value: str | int | float | bool | None
    span: Span
    # The source expression when the value is unknown (an unresolved Terraform reference); copied to Text.unresolved.
    unresolved: str | None = None


class JArray(NamedTuple):
    items: list[JNode]
    span: Span


class JMember(NamedTuple):
    key: str
    key_span: Span
    value: JNode


@dataclass(slots=True, repr=False, eq=False)
class JObject(Record):
    members: Sequence[JMember]
    span: Span
    duplicates: Sequence[JMember] = ()  # shared when empty: a large document holds many objects

    def get(self, key: str) -> JNode | None:
        """The value AWS would read for `key`: the last occurrence, as IAM's parser keeps it."""
        found: JNode | None = None
        for member in self.members:
            if member.key == key:
                found = member.value
        return found

    def member(self, key: str) -> JMember | None:
        found: JMember | None = None
        for member in self.members:
            if member.key == key:
                found = member
        return found


JNode = JScalar | JArray | JObject


class JsonNumber(str):
    """A number Python cannot hold exactly, kept as its text: an integer longer than `int()` converts (4,300 digits)
    or a literal beyond float range. IAM reads condition values as text, and `Decimal` compares the text as a number
    (AWS compares numerically), so nothing is lost; converting it would raise or turn it into `inf`."""

    __slots__ = ()


def is_string(value: object) -> bool:
    """A JSON string (a `JsonNumber` is a number that happens to be kept as text)."""
    return isinstance(value, str) and not isinstance(value, JsonNumber)


def json_number(raw: str) -> int | float | JsonNumber:
    """The value of a JSON number literal; as `json.loads(text, parse_int=json_number, parse_float=json_number)` it
    keeps a number Python cannot hold from raising (or becoming `inf`)."""
    if not any(c in raw for c in ".eE"):
        try:
            return int(raw)
        except ValueError:  # more digits than Python's int-string conversion limit
            return JsonNumber(raw)
    number = float(raw)
    return JsonNumber(raw) if math.isinf(number) else number


_WS = lazy_compile(r"[ \t\n\r]*")
_NUMBER = lazy_compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# Possessive: a backtracking `(?:...)*` keeps a mark per character it repeats (580 MB for a 4 MB string).
_STRING = lazy_compile(r'"(?:[^"\\\x00-\x1f]++|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*+"')
_MAX_DEPTH = 200
# A Terraform plan of 5 MB (the largest file read) holds about 450,000 values; the largest policy AWS accepts (32 KB)
# fewer than 20,000. Past this a document is neither, and the tree alone would take hundreds of megabytes.
MAX_VALUES = 1_000_000
_LITERALS: tuple[tuple[str, bool | None], ...] = (("true", True), ("false", False), ("null", None))


def line_starts_of(text: str) -> list[int]:
    """Offsets of line starts, to turn an offset into line/column by bisection."""
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def line_and_column(line_starts: list[int], offset: int) -> tuple[int, int]:
    index = bisect_right(line_starts, offset) - 1
    return index + 1, offset - line_starts[index] + 1


class Parser:
    """The parser `parse` runs; `embedded_json` derives one that places positions in an outer text (`where`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.values = 0
        self.line_starts = line_starts_of(text)

    def where(self, offset: int) -> tuple[int, int]:
        return line_and_column(self.line_starts, offset)

    def fail(self, message: str, offset: int | None = None) -> JsonSyntaxError:
        line, column = self.where(self.pos if offset is None else offset)
        return JsonSyntaxError(message, line, column)

    def span(self, start: int, end: int) -> Span:
        line, column = self.where(start)
        end_line, end_column = self.where(end)
        return Span(line, column, end_line, end_column)

    def skip_ws(self) -> None:
        match = _WS.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()

    def parse_document(self) -> JNode:
        self.skip_ws()
        if self.pos >= len(self.text):
            raise self.fail("empty document: expected a JSON value")
        node = self.parse_value(0)
        self.skip_ws()
        if self.pos < len(self.text):
            raise self.fail("unexpected content after the JSON value")
        return node

    def parse_value(self, depth: int) -> JNode:
        if depth > _MAX_DEPTH:
            raise self.fail("nesting too deep")
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.fail(f"more than {MAX_VALUES:,} values: too large for an IAM policy or a Terraform plan")
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of input: expected a value")
        char = self.text[self.pos]
        if char == "{":
            return self.parse_object(depth)
        if char == "[":
            return self.parse_array(depth)
        if char == '"':
            start = self.pos
            value = self.parse_string()
            return JScalar(value, self.span(start, self.pos))
        for literal, constant in _LITERALS:
            if self.text.startswith(literal, self.pos):
                start = self.pos
                self.pos += len(literal)
                return JScalar(constant, self.span(start, self.pos))
        match = _NUMBER.match(self.text, self.pos)
        if match and match.end() > self.pos:
            start = self.pos
            self.pos = match.end()
            return JScalar(json_number(match.group()), self.span(start, self.pos))
        if char == "'":
            raise self.fail("strings must use double quotes")
        raise self.fail(f"unexpected character {char!r}: expected a value")

    def parse_string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            end = self.text.find('"', self.pos + 1)
            if end < 0:
                raise self.fail("unterminated string")
            bad = re.search(r"[\x00-\x1f]|\\(?![\"\\/bfnrtu])", self.text[self.pos : end])
            offset = self.pos + (bad.start() if bad else 0)
            raise self.fail("invalid character or escape in string", offset)
        self.pos = match.end()
        raw = match.group()
        if "\\" not in raw:
            return raw[1:-1]
        decoded: str = json.loads(raw)
        return decoded

    def expect(self, char: str, what: str) -> None:
        self.skip_ws()
        if self.pos >= len(self.text):
            raise self.fail(f"unexpected end of input: expected {what}")
        if self.text[self.pos] != char:
            raise self.fail(f"expected {what}, found {self.text[self.pos]!r}")
        self.pos += 1

    def parse_object(self, depth: int) -> JObject:
        start = self.pos
        self.pos += 1
        members: list[JMember] = []
        duplicates: list[JMember] = []
        seen: set[str] = set()
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return JObject((), self.span(start, self.pos))
        while True:
            self.skip_ws()
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of input: expected '}'")
            if self.text[self.pos] != '"':
                if self.text[self.pos] == "}":
                    raise self.fail("trailing comma before '}'")
                raise self.fail(f"expected a quoted key, found {self.text[self.pos]!r}")
            key_start = self.pos
            key = self.parse_string()
            key_span = self.span(key_start, self.pos)
            self.expect(":", "':' after key")
            self.skip_ws()
            value = self.parse_value(depth + 1)
            member = JMember(key, key_span, value)
            if key in seen:
                duplicates.append(member)
            seen.add(key)
            members.append(member)
            self.skip_ws()
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of input: expected ',' or '}'")
            char = self.text[self.pos]
            self.pos += 1
            if char == "}":
                return JObject(members, self.span(start, self.pos), duplicates or ())
            if char != ",":
                raise self.fail(f"expected ',' or '}}', found {char!r}", self.pos - 1)

    def parse_array(self, depth: int) -> JArray:
        start = self.pos
        self.pos += 1
        items: list[JNode] = []
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return JArray(items, self.span(start, self.pos))
        while True:
            self.skip_ws()
            if self.text.startswith("]", self.pos):
                raise self.fail("trailing comma before ']'")
            items.append(self.parse_value(depth + 1))
            self.skip_ws()
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of input: expected ',' or ']'")
            char = self.text[self.pos]
            self.pos += 1
            if char == "]":
                return JArray(items, self.span(start, self.pos))
            if char != ",":
                raise self.fail(f"expected ',' or ']', found {char!r}", self.pos - 1)


def parse(text: str) -> JNode:
    """Parse JSON text into positioned nodes; raises JsonSyntaxError with line and column."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return Parser(text).parse_document()


def to_python(node: JNode) -> object:
    """Plain Python value of a node (last duplicate key wins, as in AWS)."""
    if isinstance(node, JScalar):
        # A number kept as text is still a number to the schema.
        return float(node.value) if isinstance(node.value, JsonNumber) else node.value
    if isinstance(node, JArray):
        return [to_python(item) for item in node.items]
    return {member.key: to_python(member.value) for member in node.members}
