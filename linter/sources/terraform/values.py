"""Terraform values with positions, and the conversions between them and positioned JSON (`jsonpos` nodes).

Every value remembers where it was written (`TfSpan`: a jsonpos Span plus the file), so a policy built from
`jsonencode({...})`, a heredoc or a policy_document points at the real line of each element. A value that cannot be
known before apply is `Unknown` and carries the expression that produced it; a string with unknown parts is a
`Scalar` whose `unresolved` names those parts. Nothing here ever guesses a value.
"""

from __future__ import annotations

import json
import math
from dataclasses import field, replace
from functools import lru_cache
from typing import Any

from linter.record import fast_record
from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, Span


@fast_record(slots=True)
class TfSpan(Span):
    file: str = ""

    @classmethod
    def of(cls, raw: list[Any], file: str) -> TfSpan:
        """An IR span in `file`, unless the span names its own file (a node merged in from an override file)."""
        return cls(raw[0], raw[1], raw[2], raw[3], raw[4] if len(raw) > 4 else file)


@fast_record(slots=True)
class Val:
    span: TfSpan
    ref: str | None = None  # the address of the resource this value names (joins an attachment to its role, etc.)

    # How many elements the value holds, how deeply they nest and how many characters its strings hold, counted as
    # if shared parts were copies: the evaluator's limits (`evaluate.Budget`) must see `[local.x, local.x]` double
    # at every level, as every walk over the value (jsonencode, comparisons, the policy built from it) will. A list
    # or an object counts them once, when it is built.
    @property
    def size(self) -> int:
        return 1

    @property
    def depth(self) -> int:
        return 0

    @property
    def chars(self) -> int:
        return 0


@fast_record(slots=True)
class Scalar(Val):
    value: str | int | float | bool | None = None
    unresolved: str | None = None  # a string with unknown parts: the expressions that could not be resolved
    doc: JNode | None = None  # a JSON string built by jsonencode/heredoc/file/policy_document: its positioned tree
    doc_error: tuple[str, TfSpan] | None = None  # why a heredoc/file that looks like JSON did not parse, and where

    @property
    def chars(self) -> int:
        return len(self.value) if isinstance(self.value, str) else 1


@fast_record(slots=True)
class ListVal(Val):
    items: list[Val] = field(default_factory=list)
    size: int = field(default=1, init=False, repr=False, compare=False)
    depth: int = field(default=1, init=False, repr=False, compare=False)
    chars: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.size, self.depth, self.chars = _measure(self.items, 0)


@fast_record(slots=True)
class ObjVal(Val):
    members: dict[str, tuple[TfSpan, Val]] = field(default_factory=dict)
    size: int = field(default=1, init=False, repr=False, compare=False)
    depth: int = field(default=1, init=False, repr=False, compare=False)
    chars: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        members = self.members
        self.size, self.depth, self.chars = _measure([member for _, member in members.values()], sum(map(len, members)))

    def get(self, key: str) -> Val | None:
        found = self.members.get(key)
        return found[1] if found else None


@fast_record(slots=True)
class Unknown(Val):
    expr: str = ""
    reason: str = ""
    error: bool = False  # an evaluation error (missing attribute, bad index) rather than a value known only at apply
    limit: bool = False  # an evaluation limit stopped it: `expr` is where, and what depends on it keeps saying so


def _measure(items: list[Val], chars: int) -> tuple[int, int, int]:
    """(size, depth, chars) of a list or an object holding these items (`chars`: those of its keys)."""
    size, depth = 1, 0
    for item in items:
        if type(item) is Scalar:  # most elements: counted without three property calls
            size += 1
            chars += len(item.value) if type(item.value) is str else 1
        else:
            size += item.size
            chars += item.chars
            depth = max(depth, item.depth)
    return size, depth + 1, chars


# The same unknown is read again and again, one expression at a time (an unknown policy's every element, each
# instance of a `count`), and a written expression can be long: a 70 KB one read 1,270 times peaked at 380 MB. A few
# recent ones are kept: what the cache itself holds stays a few copies of the input.
@lru_cache(maxsize=8)
def placeholder(expr: str) -> str:
    """How an unknown part reads inside a string: its expression, as it was written (one string for each recent one)."""
    return "${" + expr + "}"


def is_known(value: Val) -> bool:
    """True when nothing in the value is unknown."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, Scalar):
        return value.unresolved is None
    if isinstance(value, ListVal):
        return all(is_known(item) for item in value.items)
    if isinstance(value, ObjVal):
        return all(is_known(v) for _, v in value.members.values())
    return True


def split_exprs(unresolved: str) -> list[str]:
    """The expressions an `unresolved` text names: they are joined with ", ", which expressions hold too
    (`lookup(var.m, "k")`, `coalesce(var.a, "*")`, `"${join(", ", var.x)}"`). The text is read as HCL reads it: a
    ", " splits only outside brackets and outside quoted strings, a string's `${...}` being an expression again (its
    own brackets and strings count). A note then quotes a whole expression, never a fragment such as `"*")`."""
    if ", " not in unresolved:
        return [unresolved]
    found: list[str] = []
    start = 0
    # What each open string or interpolation is: True for a quoted string, False for a `${` inside one; brackets
    # opened at the top level or inside an interpolation are counted in `depth`, saved when a string opens.
    in_string: list[bool] = []
    depths: list[int] = []
    depth = 0
    index, length = 0, len(unresolved)
    while index < length:
        char = unresolved[index]
        if in_string and in_string[-1]:  # inside a quoted string
            if char == "\\":
                index += 2
                continue
            if char == '"':
                in_string.pop()
                depth = depths.pop()
            elif char in "$%" and unresolved.startswith("{", index + 1):
                in_string.append(False)
                depths.append(depth)
                depth = 0
                index += 2
                continue
        elif char == '"':
            in_string.append(True)
            depths.append(depth)
            depth = 0
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0 and in_string:  # the `}` closing an interpolation: back in its string
                in_string.pop()
                depth = depths.pop()
            else:
                depth -= 1
        elif char == "," and not in_string and depth <= 0 and unresolved.startswith(" ", index + 1):
            found.append(unresolved[start:index])
            start = index + 2
            index += 2
            continue
        index += 1
    found.append(unresolved[start:])
    return found


def unknowns(value: Val) -> list[str]:
    """The expressions that make a value (partly) unknown, in order, without repeats."""
    found: list[str] = []
    if isinstance(value, Unknown):
        found.append(value.expr)
    elif isinstance(value, Scalar) and value.unresolved is not None:
        found.extend(split_exprs(value.unresolved))
    elif isinstance(value, ListVal):
        for item in value.items:
            found.extend(unknowns(item))
    elif isinstance(value, ObjVal):
        for _, member in value.members.values():
            found.extend(unknowns(member))
    return list(dict.fromkeys(found))


def to_python(value: Val) -> Any:
    """Plain Python data; unknown parts read as their placeholders (only for comparisons and messages)."""
    if isinstance(value, Unknown):
        return placeholder(value.expr)
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, ListVal):
        return [to_python(item) for item in value.items]
    if isinstance(value, ObjVal):
        return {key: to_python(v) for key, (_, v) in value.members.items()}
    return None


def number_of(value: Val) -> int | float | None:
    """A known number, or a string Terraform would convert to one (tfvars often quote numbers). None as well for a
    number Python cannot hold (more digits than `int` converts, beyond float range): it is not known here."""
    if not isinstance(value, Scalar) or isinstance(value.value, bool):
        return None
    number: object = value.value
    if isinstance(number, str):
        try:
            number = int(number)
        except ValueError:  # not an integer, or one of more than 4,300 digits
            try:
                number = float(number)
            except ValueError:
                return None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return number if isinstance(number, (int, float)) else None


def whole(number: int | float | None) -> int | None:
    """A number as an integer when it is a whole one (not 1.5, infinity or NaN)."""
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return number


def text_of(value: Val) -> str | None:
    """A scalar as Terraform converts it to a string (numbers without a trailing .0, bools lowercase)."""
    if not isinstance(value, Scalar) or value.value is None:
        return None
    raw = value.value
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    try:
        return str(raw)
    except ValueError:  # an integer of more digits than Python writes out (4,300): not known here
        return None


def anchored(value: Val, span: TfSpan) -> Val:
    """The value as seen where it is referenced: every element located at the reference.

    A policy that says `Action = local.read_actions` reports its findings on that line, where a suppression comment
    would go, not on the local's definition. The positioned tree of a JSON string (`doc`) keeps its own positions:
    a policy document referenced by `.json` is still located in the document.
    """
    if isinstance(value, ListVal):
        return ListVal(span, value.ref, [anchored(item, span) for item in value.items])
    if isinstance(value, ObjVal):
        return ObjVal(span, value.ref, {k: (span, anchored(v, span)) for k, (_, v) in value.members.items()})
    # As `replace` does, without its look at the fields (a tenth of the time)
    if type(value) is Scalar:
        return Scalar(span, value.ref, value.value, value.unresolved, value.doc, value.doc_error)
    if type(value) is Unknown:
        return Unknown(span, value.ref, value.expr, value.reason, value.error, value.limit)
    return replace(value, span=span)


# --- values <-> positioned JSON -------------------------------------------------------------------------------------


def to_jnode(value: Val) -> JNode:
    """What jsonencode() produces, as positioned nodes; unknown values become unresolved string scalars."""
    if isinstance(value, Unknown):
        return JScalar(placeholder(value.expr), value.span, unresolved=value.expr)
    if isinstance(value, Scalar):
        return JScalar(value.value, value.span, unresolved=value.unresolved)
    if isinstance(value, ListVal):
        return JArray([to_jnode(item) for item in value.items], value.span)
    assert isinstance(value, ObjVal)
    members = [JMember(key, key_span, to_jnode(member)) for key, (key_span, member) in value.members.items()]
    return JObject(members, value.span)


def from_jnode(node: JNode) -> Val:
    """jsondecode(): positioned JSON back to values, keeping each element's position."""
    span = node.span if isinstance(node.span, TfSpan) else TfSpan(*_raw(node.span), "")
    if isinstance(node, JScalar):
        return Scalar(span, value=node.value, unresolved=node.unresolved)
    if isinstance(node, JArray):
        return ListVal(span, items=[from_jnode(item) for item in node.items])
    members: dict[str, tuple[TfSpan, Val]] = {}
    for member in node.members:
        key_span = member.key_span if isinstance(member.key_span, TfSpan) else span
        members[member.key] = (key_span, from_jnode(member.value))
    return ObjVal(span, members=members)


def _raw(span: Span) -> tuple[int, int, int, int]:
    return span.line, span.column, span.end_line, span.end_column


def respan(node: JNode, file: str, line_offset: int = 0, first_line_column_offset: int = 0) -> JNode:
    """Positions from parsing a piece of a file -> positions in that file (with the file attached)."""

    def move(span: Span) -> TfSpan:
        column = span.column + (first_line_column_offset if span.line == 1 else 0)
        end_column = span.end_column + (first_line_column_offset if span.end_line == 1 else 0)
        return TfSpan(span.line + line_offset, column, span.end_line + line_offset, end_column, file)

    return _map_spans(node, move)


def pinned(node: JNode, span: TfSpan) -> JNode:
    """Every node at one place: JSON that was written inside an HCL string has no finer positions to offer."""
    return _map_spans(node, lambda _: span)


def _map_spans(node: JNode, move: Any) -> JNode:
    if isinstance(node, JScalar):
        return JScalar(node.value, move(node.span), node.unresolved)
    if isinstance(node, JArray):
        return JArray([_map_spans(item, move) for item in node.items], move(node.span))
    members = [JMember(m.key, move(m.key_span), _map_spans(m.value, move)) for m in node.members]
    duplicates = [JMember(m.key, move(m.key_span), _map_spans(m.value, move)) for m in node.duplicates]
    return JObject(members, move(node.span), duplicates)


def json_text(value: Val) -> str:
    """jsonencode()'s string (Terraform sorts object keys); unknown parts read as placeholders."""
    return json.dumps(to_python(value), separators=(",", ":"), sort_keys=True)


def encoded(value: Val, span: TfSpan) -> Scalar:
    """jsonencode(value): the string, with its positioned tree kept for policy building."""
    missing = unknowns(value)
    return Scalar(span, value=json_text(value), unresolved=", ".join(missing) or None, doc=to_jnode(value))
