"""A strict JSON parser that keeps the line and column of every value and key.

The stdlib `json` module drops positions and silently keeps the last of duplicate keys; a linter needs both.
The grammar is RFC 8259 (what IAM accepts); errors carry the 1-based line and column where parsing stopped.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import NamedTuple

from linter.lazy_re import lazy_compile
from linter.record import fast_record


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@fast_record(slots=True)
class Span:
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


@fast_record(slots=True)
class JObject:
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
_WHITE_SPACE = " \t\n\r"
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
    if "\n" not in text:  # one line, as a policy passed as a JSON string usually is: no regex to run
        return [0]
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


# --- The same tree at C speed, its positions found only when read ------------------------------------------------


class _Pairs(list[tuple[str, object]]):
    """An object's members as `json.loads` reads them (`object_pairs_hook`): every key in order, duplicates kept."""

    __slots__ = ()


def _refuse_constant(name: str) -> object:
    raise ValueError(name)  # NaN, Infinity: not JSON; `parse` says where


_DECODER = json.JSONDecoder(
    object_pairs_hook=_Pairs, parse_int=json_number, parse_float=json_number, parse_constant=_refuse_constant
)
# The C scanner of a value and of a string (what `json.loads` runs), which typeshed does not describe: (value, end).
_scan_value: Callable[[str, int], tuple[object, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_scan_string: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
# The same scanner with no Python hook, to find where a value of a text `_DECODER` read ends: ~2x quicker. Numbers stay
# text (an integer past `int()`'s 4,300 digits would raise).
_skip_value: Callable[[str, int], tuple[object, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    parse_int=str, parse_float=str
).scan_once


class _Source:
    """The text of a document parsed lazily, and where its lines start (computed the first time a position is)."""

    __slots__ = ("_line_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None

    def where(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = line_starts_of(self.text)
        return line_and_column(self._line_starts, offset)

    def skip_ws(self, offset: int) -> int:
        match = _WS.match(self.text, offset)
        assert match is not None
        return match.end()


def _child_offsets(text: str, start: int) -> list[tuple[int, int, int, int]]:
    """(key start, key end, value start, value end) of every member or item (no key: -1, -1) of the object or array
    at `start` of a valid JSON text, in order."""
    is_object = text[start] == "{"
    closing = "}" if is_object else "]"
    children: list[tuple[int, int, int, int]] = []
    offset = _skip_space(text, start + 1)
    while text[offset] != closing:
        key_start = key_end = -1
        if is_object:
            key_start = offset
            offset = key_end = _scan_string(text, offset + 1)[1]
            offset = _skip_space(text, _skip_space(text, offset) + 1)  # past the colon
        end = _skip_value(text, offset)[1]
        children.append((key_start, key_end, offset, end))
        offset = _skip_space(text, end)
        if text[offset] == ",":
            offset = _skip_space(text, offset + 1)
    return children


def _skip_space(text: str, offset: int) -> int:
    """The offset past the white space at `offset` (the regex only where there is some: compact JSON has none)."""
    if text[offset] in _WHITE_SPACE:
        return _WS.match(text, offset).end()  # type: ignore[union-attr]
    return offset


class LazySpan(Span):
    """The span of a node of a document `parse_lazily` read, known by its place in its parent (`ordinal`: the index
    of the item or member, `~index` for a member's key), its line and column read from the text the first time any
    is asked for.

    The text is valid JSON by then, so the C scanner finds where each child of a container starts and ends; a
    container does that once for all its children. The values are those `parse` gives (a property test holds them
    equal on generated documents)."""

    # Span's fields, and the offsets found, are unset until read: reading one comes to `__getattr__`. Two slots are set
    # per node, as few as can be: a document has as many spans as values and keys.
    __slots__ = ("_at", "_children", "_ordinal", "_parent")
    _at: tuple[int, int]
    _children: list[tuple[int, int, int, int]]

    def __init__(self, parent: LazySpan | _Source, ordinal: int) -> None:
        self._parent = parent
        self._ordinal = ordinal

    def __getattr__(self, name: str) -> int:
        if name not in ("line", "column", "end_line", "end_column"):
            raise AttributeError(name)
        start, end = self._offsets()
        source = self._source()
        self.line, self.column = source.where(start)
        self.end_line, self.end_column = source.where(end)
        return int(getattr(self, name))

    def _source(self) -> _Source:
        node: LazySpan | _Source = self
        while isinstance(node, LazySpan):
            node = node._parent
        return node

    def _offsets(self) -> tuple[int, int]:
        try:
            return self._at
        except AttributeError:
            pass
        parent = self._parent
        if isinstance(parent, _Source):
            # The text is one JSON value between white space (`json` read it so): no need to read it again for its end.
            self._at = (parent.skip_ws(0), len(parent.text.rstrip(_WHITE_SPACE)))
        else:
            ordinal = self._ordinal
            key_start, key_end, start, end = parent._child_offsets()[ordinal if ordinal >= 0 else ~ordinal]
            self._at = (key_start, key_end) if ordinal < 0 else (start, end)
        return self._at

    def _child_offsets(self) -> list[tuple[int, int, int, int]]:
        """(key start, key end, value start, value end) of every member or item (no key: -1, -1), in order."""
        try:
            return self._children
        except AttributeError:
            pass
        self._children = _child_offsets(self._source().text, self._offsets()[0])
        return self._children


def parse_lazily(text: str) -> JNode:
    """`parse(text)`, at the C speed of the `json` module, with positions computed only when one is read (`LazySpan`).

    Any text `json` refuses, and any past `parse`'s limits, is parsed by `parse`, which raises the same error with the
    same position as always. A text long enough to hold more values than `parse` allows goes to `parse` outright."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) >= 2 * MAX_VALUES:  # fewer characters cannot spell MAX_VALUES values ("0," each)
        return Parser(text).parse_document()
    try:
        value = _DECODER.decode(text)
    except (ValueError, RecursionError):
        return Parser(text).parse_document()  # raises the error `parse` gives
    source = _Source(text)
    if type(value) is not _Pairs and type(value) is not list:
        return _new_tuple(JScalar, (value, LazySpan(source, 0), None))
    try:
        return _lazy_container(value, LazySpan(source, 0), 0)
    except _TooDeep:
        return Parser(text).parse_document()


class PointerSpans:
    """The spans of the nodes of a document, each found from its JSON pointer the first time a location asks for it
    (`model.Location.at` with this as its span): a policy built from what `json` read holds no span object per node,
    and a batch that reports one matched statement of a policy finds that statement's span alone.

    Only for a valid JSON text without repeated keys, where a pointer names one node. `KeySpans` of this gives the span
    of the key a pointer ends at, as `JMember.key_span`. The spans are those `parse` gives (a property test holds them
    equal). Holds the text and the offsets of the children of the containers a pointer went through."""

    __slots__ = ("_children", "_line_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._children: dict[str, _Children] = {}  # pointer -> its container's children, as far as read
        self._line_starts: list[int] | None = None

    def span_of(self, pointer: str) -> Span:
        return self.find(pointer, key=False)

    def find(self, pointer: str, *, key: bool) -> Span:
        if not pointer:
            start = _skip_space(self.text, 0)
            # One JSON value between white space (`json` read it so): its end needs no reading.
            end = len(self.text.rstrip(_WHITE_SPACE))
        else:
            children, index = self._place(pointer)
            start, end = children.key(index) if key else (children.start(index), children.end(index))
        if self._line_starts is None:
            self._line_starts = line_starts_of(self.text)
        return Span(*line_and_column(self._line_starts, start), *line_and_column(self._line_starts, end))

    def _place(self, pointer: str) -> tuple[_Children, int]:
        """The children of the container `pointer` is in, and its place among them."""
        parent, _, segment = pointer.rpartition("/")
        children = self._children.get(parent)
        if children is None:
            if parent:
                outer, index = self._place(parent)
                start = outer.start(index)
            else:
                start = _skip_space(self.text, 0)
            children = self._children[parent] = _Children(self.text, start)
        return children, children.index_of(segment)


class MemberItemSpans(PointerSpans):
    """`PointerSpans` of a text with no backslash whose root object's members before `key` all hold strings, as a
    plain policy's (Version, Id before Statement): where `key`'s value starts is found with `str.index` (each `"`
    opens or closes a string), not by reading the members before it, and the pointers under it go on from there as
    `PointerSpans` reads them. A property test holds the spans equal."""

    __slots__ = ("_before", "_key_pointer")

    def __init__(self, text: str, key: str, before: int) -> None:
        super().__init__(text)
        self._key_pointer = f"/{key}"
        self._before = before  # the members before `key`

    def span_of(self, pointer: str) -> Span:
        if (
            self._key_pointer not in self._children
            and pointer.startswith(self._key_pointer)
            and pointer[len(self._key_pointer) : len(self._key_pointer) + 1] == "/"
        ):
            self._children[self._key_pointer] = _Children(self.text, self._value_start())
        return super().span_of(pointer)

    def _value_start(self) -> int:
        text = self.text
        offset = _skip_space(text, 0) + 1  # past the root's "{"
        for _ in range(self._before):  # a key, then its string value
            offset = text.index('"', text.index('"', offset) + 1) + 1
            offset = text.index('"', text.index('"', text.index(":", offset) + 1) + 1) + 1
        offset = text.index('"', text.index('"', offset) + 1) + 1  # past `key`
        return _skip_space(text, text.index(":", offset) + 1)


class _Children:
    """The children of an object or array of a valid JSON text, read as far as asked: finding the third statement of a
    policy reads past the first two only, and the value before Statement is skipped, not the Statement after it."""

    __slots__ = ("_ends", "_is_object", "_keys", "_names", "_starts", "_text")

    def __init__(self, text: str, start: int) -> None:
        self._text = text
        self._is_object = text[start] == "{"
        self._keys: list[tuple[int, int]] = []  # (start, end) of each key begun; (-1, -1) in an array
        # The place of each key begun, by name (a valid text without repeated keys): a lookup is one dict read, not a
        # scan of every key before it (an object of 5,000 condition keys looked up once per finding).
        self._names: dict[str, int] = {}
        self._starts: list[int] = []  # where each child's value starts
        self._ends: list[int] = []  # where each value ends, for all children but perhaps the last begun
        offset = _skip_space(text, start + 1)
        if text[offset] not in "}]":
            self._begin(offset)

    def _begin(self, offset: int) -> None:
        text = self._text
        key_start = key_end = -1
        if self._is_object:
            key_start = offset
            name, key_end = _scan_string(text, offset + 1)
            self._names.setdefault(name, len(self._keys))
            offset = _skip_space(text, _skip_space(text, key_end) + 1)  # past the colon
        self._keys.append((key_start, key_end))
        self._starts.append(offset)

    def _next(self) -> bool:
        """Begin the child after the last begun; False when there is none."""
        last = len(self._starts) - 1
        if last < 0:
            return False
        offset = _skip_space(self._text, self.end(last))
        if self._text[offset] != ",":
            return False
        self._begin(_skip_space(self._text, offset + 1))
        return True

    def index_of(self, segment: str) -> int:
        """The place of the child a JSON pointer segment names (KeyError when there is none)."""
        if not self._is_object:
            index = int(segment)
            while len(self._starts) <= index:
                if not self._next():
                    raise KeyError(segment)
            return index
        name = segment.replace("~1", "/").replace("~0", "~")
        while name not in self._names:
            if not self._next():
                raise KeyError(segment)
        return self._names[name]

    def key(self, index: int) -> tuple[int, int]:
        return self._keys[index]

    def start(self, index: int) -> int:
        return self._starts[index]

    def end(self, index: int) -> int:
        if index == len(self._ends):  # the last child begun: its value is read now
            self._ends.append(_skip_value(self._text, self._starts[index])[1])
        return self._ends[index]


class KeySpans:
    """The span of the key a JSON pointer ends at, in the document of a `PointerSpans`."""

    __slots__ = ("_spans",)

    def __init__(self, spans: PointerSpans) -> None:
        self._spans = spans

    def span_of(self, pointer: str) -> Span:
        return self._spans.find(pointer, key=True)


Pairs = _Pairs  # what `decode` gives for an object: its (key, value) pairs in order, duplicates kept


def decode(text: str) -> object:
    """The value `json` reads from `text` (a BOM already removed), objects as `Pairs` and numbers as `json_number`
    reads them; raises ValueError or RecursionError where `parse_lazily` would go to `parse` for the error."""
    return _DECODER.decode(text)


class _TooDeep(Exception):
    pass


_new_tuple = tuple.__new__  # a NamedTuple without its Python-level __new__: called once per JSON value


def _lazy_container(value: list[object] | _Pairs, span: LazySpan, depth: int) -> JObject | JArray:
    """The node of an object or array `json` read, its children's spans placed under `span`."""
    if value and depth >= _MAX_DEPTH:
        raise _TooDeep  # its children are deeper than `parse` allows
    depth += 1
    if type(value) is _Pairs:
        members: list[JMember] = []
        for index, (key, item) in enumerate(value):
            kind = type(item)
            child = LazySpan(span, index)
            node = (
                _lazy_container(item, child, depth)  # type: ignore[arg-type]
                if kind is _Pairs or kind is list
                else _new_tuple(JScalar, (item, child, None))
            )
            members.append(_new_tuple(JMember, (key, LazySpan(span, ~index), node)))
        if not members:
            return JObject((), span)
        if len({member.key for member in members}) == len(members):
            return JObject(members, span)
        duplicates: list[JMember] = []  # every occurrence of a key after its first, as `parse` lists them
        seen: set[str] = set()
        for member in members:
            if member.key in seen:
                duplicates.append(member)
            seen.add(member.key)
        return JObject(members, span, duplicates)
    items: list[JNode] = []
    for index, item in enumerate(value):
        kind = type(item)
        child = LazySpan(span, index)
        items.append(
            _lazy_container(item, child, depth)  # type: ignore[arg-type]
            if kind is _Pairs or kind is list
            else _new_tuple(JScalar, (item, child, None))
        )
    return JArray(items, span)


def to_python(node: JNode) -> object:
    """Plain Python value of a node (last duplicate key wins, as in AWS)."""
    if isinstance(node, JScalar):
        # A number kept as text is still a number to the schema.
        return float(node.value) if isinstance(node.value, JsonNumber) else node.value
    if isinstance(node, JArray):
        return [to_python(item) for item in node.items]
    return {member.key: to_python(member.value) for member in node.members}
