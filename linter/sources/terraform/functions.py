"""The Terraform functions and operators that policies are built with; any other function is reported as unknown.

Each function follows Terraform's semantics on known values and keeps unknown parts unknown: `concat` of a known
and an unknown list is unknown, `coalesce("", var.x)` is unknown, `try(var.x, "a")` is unknown when var.x is merely
unknown (Terraform's `try` only catches errors), and chooses "a" only when var.x is an error.

`FUNCTIONS` declares each function's signature as Terraform does (its parameters' names and types, and a variadic
last one): a call with too few or too many arguments is refused before anything is evaluated, with Terraform's own
message, as an input error at the call (Terraform refuses such a configuration). A known argument a string or
number parameter cannot take (a list, an object, null, a non-numeric string for a number) is Terraform's error too,
in its words, as an error value: try() and can() catch it, as Terraform's do. Parameters of other types are checked
by the implementations themselves.

The evaluator is handed in (`interface.ExpressionEvaluator`), never imported: `evaluate.py` imports this module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from linter.lazy_re import lazy_compile
from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, JsonSyntaxError, parse
from linter.sources.jsonpos import to_python as json_value
from linter.sources.terraform.interface import Call, ExpressionEvaluator, Scope
from linter.sources.terraform.limits import (
    MAX_CHARS,
    MAX_ELEMENTS,
    MAX_PATTERN_LENGTH,
    REGEX_MEMORY,
    TOO_LONG,
    TOO_MANY,
    limit_of,
    walk_cost,
)
from linter.sources.terraform.templates import file_value, template_value
from linter.sources.terraform.values import (
    ListVal,
    ObjVal,
    Scalar,
    TfSpan,
    Unknown,
    Val,
    encoded,
    from_jnode,
    is_known,
    number_of,
    pinned,
    placeholder,
    split_exprs,
    text_of,
    to_python,
    unknowns,
    whole,
)

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Binary, CallExpr

Function = Callable[[Call, list[Val]], Val]


class Param(NamedTuple):
    """A parameter of a Terraform function: its name (what Terraform's "Missing value for" quotes) and its type."""

    name: str
    type: str  # Terraform's type constraint: string, number, bool, list, map or any


class Signature(NamedTuple):
    """How many arguments a function takes and of which types: `params` in order, then any number of `more`."""

    params: tuple[Param, ...]
    more: Param | None = None  # the variadic parameter, if any

    @property
    def min_args(self) -> int:
        return len(self.params)

    @property
    def max_args(self) -> int | None:
        """None: any number (variadic)."""
        return None if self.more is not None else len(self.params)

    def refusal(self, name: str, count: int) -> str | None:
        """Terraform's own error (HCL's summary; detail) for a call with `count` arguments, or None if it takes them."""
        if count < self.min_args:
            at_least = " at least" if self.more is not None else ""
            return (
                f'Not enough function arguments; Function "{name}" expects{at_least} {self.min_args} argument(s). '
                f'Missing value for "{self.params[count].name}".'
            )
        if self.max_args is not None and count > self.max_args:
            return f'Too many function arguments; Function "{name}" expects only {self.max_args} argument(s).'
        return None

    def type_refusal(self, args: list[Val]) -> str | None:
        """Terraform's error for the first known argument its string or number parameter cannot take (cty converts
        a number or bool to a string and a numeric string to a number; nothing converts a list, an object or null),
        or None. Unknown arguments, and parameters of other types, are left to the implementation."""
        for index, value in enumerate(args):
            param = self.params[index] if index < len(self.params) else self.more
            if (
                param is None
                or param.type not in ("string", "number")
                or not isinstance(value, (Scalar, ListVal, ObjVal))
            ):
                continue
            problem = _unconvertible(value, param.type)
            if problem is not None:
                return f'Invalid value for "{param.name}" parameter: {problem}'
        return None


def _unconvertible(value: Scalar | ListVal | ObjVal, kind: str) -> str | None:
    """Why cty cannot convert a known value to `kind` (string or number), in its words; None when it can."""
    if not isinstance(value, Scalar):
        return f"{kind} required"
    if value.value is None and value.unresolved is None:
        return "argument must not be null"
    if kind == "number":
        if isinstance(value.value, bool):
            return "number required"
        if isinstance(value.value, str) and value.unresolved is None and not _NUMBER.fullmatch(value.value):
            return "a number is required"
    return None


class Spec(NamedTuple):
    """A function this evaluator implements: the implementation and Terraform's signature for it."""

    function: Function
    signature: Signature


def _spec(function: Function, *params: str, more: str | None = None) -> Spec:
    """A table entry; each parameter is written "name type"."""

    def param(text: str) -> Param:
        name, kind = text.split()
        return Param(name, kind)

    return Spec(function, Signature(tuple(map(param, params)), param(more) if more is not None else None))


def call(ev: ExpressionEvaluator, node: CallExpr, scope: Scope) -> Val:
    """A function call: unknown for a function not implemented here; an input error, as Terraform refuses the
    configuration, for a call with the wrong number of arguments."""
    name = node["name"].split("::")[-1] if node["name"].startswith("core::") else node["name"]
    context = Call(ev, scope, scope.span(node["span"]), node["text"], name)
    spec = FUNCTIONS.get(name)
    if spec is None:
        return context.unknown(f"function {node['name']}() is not evaluated")
    if not node["expand"]:  # without `...` the count is known before any argument is evaluated (Terraform checks first)
        refused = _wrong_arity(context, spec, len(node["args"]))
        if refused is not None:
            return refused
    args = [ev.eval(arg, scope) for arg in node["args"]]
    if node["expand"] and args:  # f(a, list...) spreads the last argument
        last = args.pop()
        if not isinstance(last, ListVal):
            return context.depends(last) or context.unknown("`...` needs a list", error=True)
        args.extend(last.items)
        refused = _wrong_arity(context, spec, len(args))
        if refused is not None:
            return refused
    wrong_type = spec.signature.type_refusal(args)
    if wrong_type is not None:  # an error value, as Terraform's: try() and can() catch it
        return context.unknown(f"Terraform refuses this call: {wrong_type}", error=True)
    cost = _cost(name, args)
    if not ev.budget.spend(cost):
        return context.limited(str(ev.budget.spent))
    try:
        result = spec.function(context, args)
    except (IndexError, TypeError, ValueError, ArithmeticError) as error:
        # Values no implementation here expects (substr("a", 1.5, 1), lookup() with two defaults): Terraform refuses
        # such a call, so its value is an error, not a failure of the whole resource.
        return context.unknown(f"{name}() cannot take these arguments ({type(error).__name__})", error=True)
    # What it built beyond what its arguments paid for (range(1024) in a loop builds a thousand elements a turn):
    # the functions refuse to build one value past the limits, and this stops a loop of them.
    built = result.chars if isinstance(result, Scalar) and result.chars > 1 else 0
    if (result.size > cost or built) and not ev.budget.spend(max(0, result.size - cost), chars=built):
        return context.limited(str(ev.budget.spent))
    return result


def _wrong_arity(c: Call, spec: Spec, count: int) -> Unknown | None:
    """For a call with a number of arguments the function does not take: the input error Terraform reports, at the
    call, and the call's value (an error)."""
    refusal = spec.signature.refusal(c.name, count)
    if refusal is None:
        return None
    c.ev.config_error(refusal, c.span)
    return c.unknown(f"{c.name}() is called with {count} argument(s): Terraform refuses the call", error=True)


# Functions whose work does not grow with their arguments, and those that walk every element of them (the others
# go through the top level of each argument: concat, merge, keys...).
_CONSTANT_TIME = frozenset(
    {
        *("lookup", "element", "length", "one", "startswith", "endswith", "substr", "abs", "ceil"),
        *("floor", "tolist", "tomap", "tostring", "tonumber", "tobool", "sensitive", "nonsensitive"),
    }
)
_WHOLE_VALUES = frozenset(
    {
        *("jsonencode", "distinct", "toset", "contains", "sort", "format", "formatlist", "flatten", "coalesce"),
        *("alltrue", "anytrue", "zipmap"),
        *("try", "can"),  # they look for an error anywhere in their arguments (`failed`)
    }
)


def _cost(name: str, args: list[Val]) -> int:
    """Steps a call takes from the evaluation budget, before it runs."""
    if name in _CONSTANT_TIME:
        return 1
    if name in _WHOLE_VALUES:
        return sum(map(walk_cost, args))
    return sum(len(a.items) if isinstance(a, ListVal) else len(a.members) if isinstance(a, ObjVal) else 1 for a in args)


def _items(c: Call, value: Val) -> list[Val] | Unknown:
    if isinstance(value, ListVal):
        return value.items
    if isinstance(value, Scalar) and value.value is None:
        return []
    return c.depends(value) or c.unknown("expected a list", error=True)


def _known_text(c: Call, value: Val) -> str | Unknown:
    text = text_of(value)
    if text is None or not is_known(value):
        return c.depends(value) or c.unknown(f"depends on {', '.join(unknowns(value)) or 'a non-string'}")
    return text


def _known_pair(c: Call, args: list[Val]) -> tuple[str, str] | Unknown:
    """The first two arguments as known strings, or the first that is not one."""
    first, second = _known_text(c, args[0]), _known_text(c, args[1])
    if isinstance(first, Unknown):
        return first
    if isinstance(second, Unknown):
        return second
    return first, second


def _string_fn(transform: Callable[..., str], extra: int = 0) -> Function:
    """A function of known strings (lower, replace, trimprefix...)."""

    def function(c: Call, args: list[Val]) -> Val:
        texts = [_known_text(c, a) for a in args[: 1 + extra]]
        for text in texts:
            if isinstance(text, Unknown):
                return text
        return c.string(transform(*texts))

    return function


# --- encoding and files ---------------------------------------------------------------------------------------------


def _jsonencode(c: Call, args: list[Val]) -> Val:
    found = c.depends(args[0])
    if found is not None:
        return found
    # The text holds the value's strings and at least a character of punctuation per element: refused before it is
    # built when that alone is too long (escapes can still make it longer: checked once built)
    refused = c.too_long(args[0].chars + args[0].size)
    if refused is not None:
        return refused
    result = encoded(args[0], c.span)
    return c.too_long(len(str(result.value))) or result


def _jsondecode(c: Call, args: list[Val]) -> Val:
    value = args[0]
    # Parsing and converting take a few microseconds a character (a step each); a text that long could hold more
    # elements than a value may, and is refused before it is read.
    if value.chars > 2 * MAX_ELEMENTS:
        return c.limited(
            f"its value could have more than {MAX_ELEMENTS:,} elements (a text of {value.chars:,} characters)"
        )
    if not c.ev.budget.spend(value.chars):
        return c.limited(str(c.ev.budget.spent))
    if isinstance(value, Scalar) and value.doc is not None:
        return from_jnode(value.doc)
    text = _known_text(c, value)
    if isinstance(text, Unknown):
        return text
    try:
        return from_jnode(pinned(parse(text), c.span))
    except JsonSyntaxError as error:
        return c.unknown(f"jsondecode: invalid JSON ({error.message})", error=True)


def _path(c: Call, value: Val) -> tuple[Path, str] | Unknown:
    """The file a file function names, and the path as written (what a refusal quotes)."""
    text = _known_text(c, value)
    if isinstance(text, Unknown):
        return text
    path = Path(text)
    # Terraform resolves relative paths against the directory it runs in: the root module.
    return (path if path.is_absolute() else c.scope.inst.root().module.folder / path), text


def _file(c: Call, args: list[Val]) -> Val:
    named = _path(c, args[0])
    return named if isinstance(named, Unknown) else file_value(c, *named)


def _templatefile(c: Call, args: list[Val]) -> Val:
    named = _path(c, args[0])
    if isinstance(named, Unknown):
        return named
    names = args[1] if len(args) > 1 else ObjVal(c.span)
    if not isinstance(names, ObjVal):
        return c.depends(names) or c.unknown("templatefile() variables must be an object", error=True)
    return template_value(c, *named, names)


# --- strings --------------------------------------------------------------------------------------------------------

# Flags, width, precision, verb. A width never starts with 0 (that is a flag): with `\d*` there, "%" and a long run
# of zeros without a verb would backtrack in quadratic time.
_VERB = lazy_compile(r"%(?:%|([-+ #0]*)([1-9]\d*)?(?:\.(\d+))?([sdvqtfeg]))")


def _format(c: Call, args: list[Val]) -> Val:
    pattern = _known_text(c, args[0])
    if isinstance(pattern, Unknown):
        return pattern
    parts: list[str | Val] = []
    remaining = list(args[1:])
    position = 0
    length = 0  # of the known text so far: a width is checked before anything is padded to it
    for match in _VERB.finditer(pattern):
        if not c.ev.budget.spend(1):  # a verb a step ("%%" a million times is a million verbs)
            return c.limited(str(c.ev.budget.spent))
        parts.append(pattern[position : match.start()])
        length += match.start() - position
        position = match.end()
        if match[0] == "%%":
            parts.append("%")
            continue
        if not remaining:
            return c.unknown("format: too few arguments", error=True)
        value = remaining.pop(0)
        flags, width, precision, verb = match[1], match[2], match[3], match[4]
        if flags or width or precision:
            if len(width or "") > 7 or len(precision or "") > 7:  # ten million characters: past the limit already
                return c.limited(TOO_LONG)
            padded = _padded(c, value, match[0], verb, max(int(width or 0), int(precision or 0)) + length)
            if isinstance(padded, Unknown):
                return padded
            parts.append(padded)
        elif verb == "q" and isinstance(value, Scalar) and is_known(value):
            parts.append(json.dumps(text_of(value)))
        elif isinstance(value, (ListVal, ObjVal)) and is_known(value):
            parts.append(json.dumps(to_python(value)))
        else:
            parts.append(value)
        length += len(parts[-1]) if isinstance(parts[-1], str) else parts[-1].chars
        if length > MAX_CHARS:
            return c.limited(TOO_LONG)
    parts.append(pattern[position:])
    return c.ev.render(parts, c.span, c.text)


def _padded(c: Call, value: Val, verb_text: str, verb: str, length: int) -> str | Val:
    """One verb with flags, a width or a precision (`%05d`, `%-10s`, `%.2f`), as Go's fmt writes it; an unknown
    value stays its placeholder. `length`: the text so far with this width, refused before it is padded to."""
    if length > MAX_CHARS:
        return c.limited(TOO_LONG)
    if not is_known(value):
        return value
    number = number_of(value)
    if verb == "d":
        integer = whole(number)
        if integer is None:
            return c.unknown(f"format: {verb_text} needs a whole number", error=True)
        return verb_text % integer
    if verb in "feg":
        if number is None:
            return c.unknown(f"format: {verb_text} needs a number", error=True)
        return verb_text % float(number)
    text = text_of(value) if isinstance(value, Scalar) else json.dumps(to_python(value))
    return (verb_text[:-1] + "s") % (json.dumps(text) if verb == "q" else text or "")


def _formatlist(c: Call, args: list[Val]) -> Val:
    lists = [a for a in args[1:] if isinstance(a, ListVal)]
    if any(isinstance(a, Unknown) for a in args):
        return c.depends(*args) or c.unknown("unknown argument")
    length = len(lists[0].items) if lists else 1
    if any(len(each.items) != length for each in lists):
        return c.unknown("formatlist: lists of different lengths", error=True)
    rows = []
    chars = 0
    for index in range(length):
        row = [a.items[index] if isinstance(a, ListVal) else a for a in args[1:]]
        rows.append(_format(c, [args[0], *row]))
        chars += rows[-1].chars
        if chars > MAX_CHARS:
            return c.limited(TOO_LONG)
    return ListVal(c.span, items=rows)


def _join(c: Call, args: list[Val]) -> Val:
    separator = _known_text(c, args[0])
    if isinstance(separator, Unknown):
        return separator
    parts: list[str | Val] = []
    for value in args[1:]:
        items = _items(c, value)
        if isinstance(items, Unknown):
            return items
        for item in items:
            if parts:
                parts.append(separator)
            parts.append(item)
    return c.ev.render(parts, c.span, c.text)


def _split(c: Call, args: list[Val]) -> Val:
    pair = _known_pair(c, args)
    if isinstance(pair, Unknown):
        return pair
    separator, text = pair
    count = text.count(separator) + 1 if separator else len(text)
    if count > MAX_ELEMENTS:
        return c.limited(TOO_MANY)
    # Go's strings.Split with an empty separator splits the text into its characters
    pieces = (text.split(separator) if separator else list(text)) if text else []
    return ListVal(c.span, items=[c.string(p) for p in pieces])


def _replace(c: Call, text: str, old: str, new: str) -> str | Unknown:
    """replace() on known strings: Go's strings.Replace, or regexp's ReplaceAllString for a /pattern/."""
    if _is_pattern(old):
        return _regex_replace(c, text, old[1:-1], new)
    return c.too_long(len(text) + text.count(old) * (len(new) - len(old))) or text.replace(old, new)


def _replace_call(c: Call, args: list[Val]) -> Val:
    texts = [_known_text(c, a) for a in args[:3]]
    for text in texts:
        if isinstance(text, Unknown):
            return text
    result = _replace(c, *texts)  # type: ignore[arg-type]  # all three are str here
    return c.string(result) if isinstance(result, str) else result


def _replace_in_document(c: Call, args: list[Val]) -> Val:
    """replace(), keeping the positioned tree of a JSON string when the replacement only rewrote string contents.

    Modules put placeholders in a policy document and replace them in its `.json` (`"_S3_BUCKET_ARN_/*"`): the
    policy's findings still point at their statements, not at the attribute holding the result. When the document
    or the replacement is partly unknown (a bucket named after a random_pet), the replacement is made string by
    string (`_replaced_per_string`): only the strings holding the placeholder become unknown, the rest of the
    document stays exact.
    """
    source = args[0]
    old = text_of(args[1]) if is_known(args[1]) else None
    partly_unknown = (isinstance(source, Scalar) and source.unresolved is not None) or not is_known(args[2])
    if isinstance(source, Scalar) and source.doc is not None and old and not _is_pattern(old) and partly_unknown:
        return _replaced_per_string(c, source, old, args[2]) or _replace_call(c, args)
    result = _replace_call(c, args)
    if not isinstance(source, Scalar) or source.doc is None or source.unresolved is not None:
        return result
    new = text_of(args[2])
    if not isinstance(result, Scalar) or old is None or new is None:
        return result
    length = 0

    def rewritten(text: str) -> str:
        nonlocal length
        done = _replace(c, text, old, new)
        length += len(done) if isinstance(done, str) else MAX_CHARS
        if isinstance(done, Unknown) or length > MAX_CHARS:  # per string, a pattern can match more than in the whole
            raise _Overflow
        return done

    try:
        doc = _replaced_strings(source.doc, rewritten)
        same = json.loads(str(result.value)) == json_value(doc)
    except (ValueError, _Overflow):
        same = False
    return replace(result, doc=doc) if same else result


def _replaced_per_string(c: Call, source: Scalar, old: str, new: Val) -> Scalar | None:
    """replace() on the JSON text of a document, done inside each of its strings, when that is exactly the same;
    None when it may not be (the caller then leaves the result unknown).

    Why it is exact: `old` holds no quote, backslash or control character, so an occurrence of it in the JSON text
    never crosses a string's quotes nor an escape sequence; and the occurrences counted in the text (outside the
    placeholders of unknown parts) must be exactly those counted in the strings and keys, so none lies in a number,
    a literal, the punctuation or the indentation. Replacing in the text is then replacing in each string. A
    string's unknown parts are unknown at apply too: the replacement is made in its known text only, and the string
    stays unknown. An unknown replacement makes the strings holding `old` unknown; a key cannot become unknown, so
    a key holding `old` then gives None."""
    doc = source.doc
    if doc is None or '"' in old or "\\" in old or not old.isprintable():
        return None
    text = str(source.value)
    found = sum(piece.count(old) for piece, held in _pieces(text, source.unresolved, escaped=True) if not held)
    if found != _count_in_strings(doc, old):
        return None
    if found == 0:  # nothing to replace: the document, whatever the replacement turns out to be
        return replace(source, span=c.span)
    new_text = text_of(new) if is_known(new) else None
    if new_text is None and (_key_holds(doc, old) or not isinstance(new, (Unknown, Scalar))):
        return None
    shown = new_text if new_text is not None else _shown(new)
    if c.too_long(len(text) + found * max(0, len(shown) - len(old))):
        return None
    added = unknowns(new) if new_text is None else []

    def mark(node: JNode) -> JNode:
        if isinstance(node, JScalar):
            if not isinstance(node.value, str) or old not in node.value:
                return node
            value = _replace_outside(node.value, node.unresolved, old, shown)
            if value == node.value:  # `old` is only inside the placeholder of an unknown part
                return node
            exprs = [*(split_exprs(node.unresolved) if node.unresolved else []), *added]
            return JScalar(value, node.span, ", ".join(dict.fromkeys(exprs)) or None)
        if isinstance(node, JArray):
            return JArray([mark(item) for item in node.items], node.span)

        def member(m: JMember) -> JMember:
            key = m.key.replace(old, new_text) if new_text is not None else m.key
            return JMember(key, m.key_span, mark(m.value))

        return JObject([member(m) for m in node.members], node.span, [member(m) for m in node.duplicates])

    if isinstance(new, Unknown):
        c.ev.reasons.setdefault(new.expr, new.reason)
    escaped_new = json.dumps(shown)[1:-1]  # as the replacement reads inside the JSON text
    value = "".join(
        piece if held else piece.replace(old, escaped_new)
        for piece, held in _pieces(text, source.unresolved, escaped=True)
    )
    exprs = [*(split_exprs(source.unresolved) if source.unresolved else []), *added]
    return Scalar(c.span, value=value, unresolved=", ".join(dict.fromkeys(exprs)) or None, doc=mark(doc))


def _shown(value: Val) -> str:
    """How an unknown replacement reads inside the strings it goes into: its placeholder, or for a string with
    unknown parts its text (placeholders included)."""
    return (
        placeholder(value.expr) if isinstance(value, Unknown) else str(value.value) if isinstance(value, Scalar) else ""
    )


def _pieces(text: str, unresolved: str | None, escaped: bool = False) -> list[tuple[str, bool]]:
    """`text` cut into its known pieces and the placeholders of its unknown parts (True), as written in a string,
    or as they read inside JSON text (`escaped`)."""
    if not unresolved:
        return [(text, False)]
    holders = {placeholder(expr) for expr in split_exprs(unresolved)}
    if escaped:
        holders = {json.dumps(holder)[1:-1] for holder in holders}
    pieces: list[tuple[str, bool]] = []
    position = 0
    while True:
        found = [(at, holder) for holder in holders if (at := text.find(holder, position)) >= 0]
        if not found:
            break
        at, holder = min(found, key=lambda pair: (pair[0], -len(pair[1])))
        pieces.append((text[position:at], False))
        pieces.append((holder, True))
        position = at + len(holder)
    pieces.append((text[position:], False))
    return pieces


def _replace_outside(text: str, unresolved: str | None, old: str, new: str) -> str:
    """`text` with `old` replaced by `new` outside the placeholders of its unknown parts."""
    return "".join(piece if held else piece.replace(old, new) for piece, held in _pieces(text, unresolved))


def _count_in_strings(node: JNode, old: str) -> int:
    """Occurrences of `old` in the document's strings (outside their unknown parts) and keys."""
    if isinstance(node, JScalar):
        if not isinstance(node.value, str):
            return 0
        return sum(piece.count(old) for piece, held in _pieces(node.value, node.unresolved) if not held)
    if isinstance(node, JArray):
        return sum(_count_in_strings(item, old) for item in node.items)
    return sum(m.key.count(old) + _count_in_strings(m.value, old) for m in (*node.members, *node.duplicates))


class _Overflow(Exception):
    """Rewriting a document's strings one by one would pass the length limit: keep only the rewritten text."""


# --- regular expressions --------------------------------------------------------------------------------------------


def _regex(c: Call, pattern: str) -> Any:
    """`pattern` compiled as Terraform compiles it, with Go's regexp syntax, which is RE2's: matching takes time
    linear in the text (Python's `re` backtracks, exponentially on `(a+)+$`). A pattern RE2 rejects (a backreference,
    lookaround) is an error, as in Terraform. Returns a `re2` pattern or an Unknown.

    google-re2 is imported here: most configurations have no regular expression."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return c.limited(f"its regular expression is longer than {MAX_PATTERN_LENGTH:,} characters")
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.log_errors = False  # RE2 would print the rejected pattern on stderr
    options.max_mem = REGEX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        why = error.args[0] if error.args else "rejected"
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        return c.unknown(f"invalid regular expression: {why} (Terraform's regular expressions are RE2's)", error=True)


def _matches(c: Call, compiled: Any, text: str) -> list[Any] | Unknown:
    """Go's FindAll: successive non-overlapping matches, an empty match right after a match left out. Each search
    is paid for from the budget with the text it may scan."""
    found: list[Any] = []
    previous_end = -1
    for match in compiled.finditer(text):
        if not c.ev.budget.spend(1 + (len(text) - match.start()) // 256):
            return c.limited(str(c.ev.budget.spent))
        if match.start() == match.end() == previous_end:
            continue
        previous_end = match.end()
        found.append(match)
        if len(found) > MAX_ELEMENTS:
            return c.limited(TOO_MANY)
    return found


def _regex_replace(c: Call, text: str, pattern: str, template: str) -> str | Unknown:
    """Go's Regexp.ReplaceAllString: `$1`, `${1}`, `$name`, `${name}` in the replacement are groups, `$$` is `$`."""
    compiled = _regex(c, pattern)
    if isinstance(compiled, Unknown):
        return compiled
    matches = _matches(c, compiled, text)
    if isinstance(matches, Unknown):
        return matches
    pieces = _template(template, compiled.groups, compiled.groupindex)
    if not c.ev.budget.spend(len(matches) * len(pieces)):
        return c.limited(str(c.ev.budget.spent))
    out: list[str] = []
    length, position = 0, 0
    for match in matches:
        piece = text[position : match.start()]
        piece += "".join(part if isinstance(part, str) else match.group(part) or "" for part in pieces)
        length += len(piece)
        if length > MAX_CHARS:
            return c.limited(TOO_LONG)
        out.append(piece)
        position = match.end()
    out.append(text[position:])
    return c.too_long(length + len(text) - position) or "".join(out)


def _regex_function(every: bool) -> Function:
    """regex() (the first match, an error without one) and regexall() (a list of every match). A match is the
    matched text without capture groups, a list of the groups' texts with unnamed groups, an object with named ones;
    a group that took no part in the match is null."""

    def function(c: Call, args: list[Val]) -> Val:
        pair = _known_pair(c, args)
        if isinstance(pair, Unknown):
            return pair
        pattern, text = pair
        compiled = _regex(c, pattern)
        if isinstance(compiled, Unknown):
            return compiled
        names = {index: name for name, index in compiled.groupindex.items()}
        if names and len(names) != compiled.groups:
            return c.unknown("a pattern with both named and unnamed capture groups", error=True)
        matches = _matches(c, compiled, text) if every else _first_match(c, compiled, text)
        if isinstance(matches, Unknown):
            return matches
        values = [_match_value(c, match, compiled.groups, names) for match in matches]
        if every:
            return ListVal(c.span, items=values)
        return values[0] if values else c.unknown("the pattern did not match any part of the string", error=True)

    return function


def _first_match(c: Call, compiled: Any, text: str) -> list[Any] | Unknown:
    if not c.ev.budget.spend(1 + len(text) // 256):
        return c.limited(str(c.ev.budget.spent))
    match = compiled.search(text)
    return [match] if match is not None else []


def _match_value(c: Call, match: Any, groups: int, names: dict[int, str]) -> Val:
    if not groups:
        return c.string(match.group(0))
    texts: list[Val] = [Scalar(c.span, value=match.group(index)) for index in range(1, groups + 1)]
    if not names:
        return ListVal(c.span, items=texts)
    return ObjVal(c.span, members={names[index + 1]: (c.span, text) for index, text in enumerate(texts)})


_GROUP_NAME = lazy_compile(r"\{(\w+)\}|(\w+)")


def _template(template: str, groups: int, names: dict[str, int]) -> list[str | int]:
    """A replacement template read with Go's regexp.Expand rules, once for every match: text, and group numbers.

    A name is the longest run of letters, digits and underscores after `$`, or a name in braces; one of digits only
    is a group number; a group the pattern does not have is empty; `$$` is `$`, and a `$` not followed by a name
    stays as it is."""
    pieces: list[str | int] = []
    position = 0
    while (dollar := template.find("$", position)) >= 0:
        pieces.append(template[position:dollar])
        name = _GROUP_NAME.match(template, dollar + 1)
        if template.startswith("$", dollar + 1) or name is None:
            pieces.append("$")
            position = dollar + (2 if template.startswith("$", dollar + 1) else 1)
            continue
        position = name.end()
        key = name[1] or name[2]
        whole_number = key.isascii() and key.isdigit() and len(key) < 10 and (key == "0" or key[0] != "0")
        group = int(key) if whole_number else names.get(key)
        if group is not None and group <= groups:
            pieces.append(group)
    pieces.append(template[position:])
    return [piece for piece in pieces if piece != ""]


def _is_pattern(old: str) -> bool:
    """replace()'s second argument in slashes is a regular expression."""
    return len(old) > 1 and old.startswith("/") and old.endswith("/")


def _key_holds(node: JNode, old: str) -> bool:
    if isinstance(node, JScalar):
        return False
    if isinstance(node, JArray):
        return any(_key_holds(item, old) for item in node.items)
    return any(old in m.key or _key_holds(m.value, old) for m in (*node.members, *node.duplicates))


def _replaced_strings(node: JNode, transform: Callable[[str], str]) -> JNode:
    if isinstance(node, JScalar):
        value = transform(node.value) if isinstance(node.value, str) and node.unresolved is None else node.value
        return JScalar(value, node.span, node.unresolved)
    if isinstance(node, JArray):
        return JArray([_replaced_strings(item, transform) for item in node.items], node.span)

    def member(m: JMember) -> JMember:
        return JMember(transform(m.key), m.key_span, _replaced_strings(m.value, transform))

    return JObject([member(m) for m in node.members], node.span, [member(m) for m in node.duplicates])


def _substr(text: str, offset: str, length: str) -> str:
    start, size = int(offset), int(length)
    start = start if start >= 0 else len(text) + start
    return text[start:] if size == -1 else text[start : start + size]


# --- collections ----------------------------------------------------------------------------------------------------


def _concat(c: Call, args: list[Val]) -> Val:
    items: list[Val] = []
    for value in args:
        found = _items(c, value)
        if isinstance(found, Unknown):
            return found
        items.extend(found)
        if len(items) > MAX_ELEMENTS:  # before doubling a list 63 times builds anything
            return c.limited(TOO_MANY)
    return ListVal(c.span, items=items)


def _flatten(c: Call, args: list[Val]) -> Val:
    def flat(value: Val) -> list[Val] | Unknown:
        found = _items(c, value)
        if isinstance(found, Unknown):
            return found
        out: list[Val] = []
        for item in found:
            if isinstance(item, ListVal):
                inner = flat(item)
                if isinstance(inner, Unknown):
                    return inner
                out.extend(inner)
            elif isinstance(item, Unknown):
                return c.depends(item) or item
            else:
                out.append(item)
        return out

    result = flat(args[0])
    return result if isinstance(result, Unknown) else ListVal(c.span, items=result)


def _distinct(c: Call, args: list[Val]) -> Val:
    found = _items(c, args[0])
    if isinstance(found, Unknown):
        return found
    seen: set[str] = set()
    items = []
    for item in found:
        key = json.dumps(to_python(item), sort_keys=True)
        if key not in seen or not is_known(item):
            seen.add(key)
            items.append(item)
    return ListVal(c.span, items=items)


def _toset(c: Call, args: list[Val]) -> Val:
    """A list or tuple becomes a set: one element type, no repeats; sets of strings iterate in lexical order in
    Terraform (count.index / for_each order follows it). Null stays null; a map, object or scalar is an error.
    https://developer.hashicorp.com/terraform/language/functions/toset"""
    value = args[0]
    if isinstance(value, Unknown) or _is_null(value):
        return value
    if not isinstance(value, ListVal):
        return _conversion_error(c, value, "set")
    items = _unified(c, value.items, "set")
    if isinstance(items, Unknown):
        return items
    distinct = _distinct(c, [ListVal(value.span, value.ref, items=items)])
    if isinstance(distinct, ListVal) and all(is_known(i) and isinstance(i, Scalar) for i in distinct.items):
        distinct.items.sort(key=lambda item: str(to_python(item)))
    return distinct


def _compact(c: Call, args: list[Val]) -> Val:
    found = _items(c, args[0])
    if isinstance(found, Unknown):
        return found
    if any(isinstance(item, Unknown) for item in found):
        return c.depends(*found) or c.unknown("unknown item")
    kept = [item for item in found if not (isinstance(item, Scalar) and item.value in ("", None))]
    return ListVal(c.span, items=kept)


def _merge(c: Call, args: list[Val]) -> Val:
    members: dict[str, tuple[TfSpan, Val]] = {}
    for value in args:
        if isinstance(value, Scalar) and value.value is None:
            continue
        if not isinstance(value, ObjVal):
            return c.depends(value) or c.unknown("merge() takes objects", error=True)
        members.update(value.members)
    return ObjVal(c.span, members=members)


def _lookup(c: Call, args: list[Val]) -> Val:
    mapping, key = args[0], _known_text(c, args[1])
    if isinstance(key, Unknown):
        return key
    if not isinstance(mapping, ObjVal):
        return c.depends(mapping) or c.unknown("lookup() takes a map", error=True)
    found = mapping.get(key)
    if found is not None:
        return found
    return args[2] if len(args) > 2 else c.unknown(f"lookup: no key {key!r}", error=True)


def _element(c: Call, args: list[Val]) -> Val:
    found, index = _items(c, args[0]), number_of(args[1]) if is_known(args[1]) else None
    if isinstance(found, Unknown):
        return found
    if index is None:
        return c.depends(args[1]) or c.unknown(f"depends on {', '.join(unknowns(args[1]))}")
    return found[int(index) % len(found)] if found else c.unknown("element() of an empty list", error=True)


def _length(c: Call, args: list[Val]) -> Val:
    value = args[0]
    if isinstance(value, ListVal):
        return Scalar(c.span, value=len(value.items))
    if isinstance(value, ObjVal):
        return Scalar(c.span, value=len(value.members))
    text = _known_text(c, value)
    return text if isinstance(text, Unknown) else Scalar(c.span, value=len(text))


def _keys(c: Call, args: list[Val]) -> Val:
    if not isinstance(args[0], ObjVal):
        return c.depends(args[0]) or c.unknown("keys() takes a map", error=True)
    return ListVal(c.span, items=[Scalar(span, value=key) for key, (span, _) in sorted(args[0].members.items())])


def _values(c: Call, args: list[Val]) -> Val:
    if not isinstance(args[0], ObjVal):
        return c.depends(args[0]) or c.unknown("values() takes a map", error=True)
    return ListVal(c.span, items=[value for _, (_, value) in sorted(args[0].members.items())])


def _contains(c: Call, args: list[Val]) -> Val:
    found = _items(c, args[0])
    if isinstance(found, Unknown):
        return found
    if not is_known(args[1]):
        return c.depends(args[1]) or c.unknown(f"depends on {', '.join(unknowns(args[1]))}")
    wanted = to_python(args[1])
    if any(is_known(item) and to_python(item) == wanted for item in found):
        return Scalar(c.span, value=True)
    if all(is_known(item) for item in found):
        return Scalar(c.span, value=False)
    return c.unknown("some items are unknown")


def _coalesce(c: Call, args: list[Val]) -> Val:
    """The first argument that is neither null nor "" (Terraform unifies the arguments' types first: coalesce(1, "a")
    is "1"); an error when every one is. An unknown argument met before that makes the result unknown, as cty's
    coalesce says; a string with unknown parts but known text of its own is not "" and is the result, partly known.
    https://developer.hashicorp.com/terraform/language/functions/coalesce"""
    as_text = any(_is_text(value) for value in args)
    for value in args:
        if isinstance(value, Unknown):
            return c.depends(value) or value
        if isinstance(value, Scalar) and value.unresolved is not None:
            if not _known_text_part(value):  # "${x}" alone may turn out "" or null
                return c.unknown(f"depends on {', '.join(unknowns(value))}")
            return value
        if isinstance(value, Scalar) and value.value in (None, ""):
            continue
        if as_text and isinstance(value, Scalar) and not isinstance(value.value, str):
            return c.string(text_of(value) or "")
        return value
    return c.unknown("coalesce: no argument is non-null and non-empty", error=True)


def _is_text(value: Val) -> bool:
    return isinstance(value, Scalar) and (isinstance(value.value, str) or value.unresolved is not None)


def _known_text_part(value: Scalar) -> str:
    """The text of a partly unknown string outside its unknown parts (their placeholders removed)."""
    text = str(value.value)
    for expr in split_exprs(value.unresolved or ""):
        text = text.replace(placeholder(expr), "")
    return text


def _coalescelist(c: Call, args: list[Val]) -> Val:
    """The first non-empty list; an error when every one is empty, or for null. A list whose length is unknown met
    before that makes the result unknown.
    https://developer.hashicorp.com/terraform/language/functions/coalescelist"""
    for value in args:
        if isinstance(value, Scalar) and value.value is None and value.unresolved is None:
            return c.unknown("coalescelist: an argument is null", error=True)
        found = _items(c, value)
        if isinstance(found, Unknown):
            return found
        if found:
            return value
    return c.unknown("coalescelist: every argument is an empty list", error=True)


def _one(c: Call, args: list[Val]) -> Val:
    """null for an empty list, its element for a one-element list, an error for more (and for null).
    https://developer.hashicorp.com/terraform/language/functions/one"""
    if isinstance(args[0], Scalar) and args[0].value is None and args[0].unresolved is None:
        return c.unknown("one() of null", error=True)
    found = _items(c, args[0])
    if isinstance(found, Unknown):
        return found
    if len(found) > 1:
        return c.unknown("one() of a list with more than one item", error=True)
    return found[0] if found else Scalar(c.span)


def failed(value: Val) -> Unknown | None:
    """The error a value holds, anywhere in it: Terraform fails the whole expression on an error inside a list or
    an object, so try() and can() see the whole argument as failed."""
    if isinstance(value, Unknown):
        return value if value.error else None
    if isinstance(value, ListVal):
        return next((found for item in value.items if (found := failed(item)) is not None), None)
    if isinstance(value, ObjVal):
        return next((found for _, member in value.members.values() if (found := failed(member)) is not None), None)
    return None


def _try(c: Call, args: list[Val]) -> Val:
    """The first argument that evaluates without an error; an error when none does.

    Terraform's try() returns unknown for an argument that refers to anything not wholly known
    (hcl's tryfunc, `dependsOnUnknowns`), and learns at apply what that argument is. An error here comes only from
    what is known (a missing attribute of a known object, tostring() of an object): it is the error Terraform meets
    at apply whatever the unknown parts turn out to be, so the fallback chosen here is the value applied. An
    argument that is merely unknown is not an error: try() of it is unknown.
    https://developer.hashicorp.com/terraform/language/functions/try"""
    for value in args:
        if failed(value) is not None:
            continue
        return value
    return c.unknown("every argument of try() failed", error=True)


def _can(c: Call, args: list[Val]) -> Val:
    """Whether the argument evaluates without an error (see `_try` on what is known of that).
    https://developer.hashicorp.com/terraform/language/functions/can"""
    value = args[0]
    if failed(value) is not None:
        return Scalar(c.span, value=False)
    if isinstance(value, Unknown):
        return c.depends(value) or value
    return Scalar(c.span, value=True)


def _identity(c: Call, args: list[Val]) -> Val:
    return args[0]


# --- type conversions: what converts and what is an error, as Terraform's (cty's) conversions say ------------------


def _is_null(value: Val) -> bool:
    return isinstance(value, Scalar) and value.value is None and value.unresolved is None


def _conversion_error(c: Call, value: Val, target: str) -> Unknown:
    kind = (
        "a list or tuple" if isinstance(value, ListVal) else "an object or map" if isinstance(value, ObjVal) else None
    )
    kind = kind or ("a bool" if isinstance(value, Scalar) and isinstance(value.value, bool) else "this value")
    return c.unknown(f"{c.name}(): cannot convert {kind} to {target}", error=True)


def _tostring(c: Call, args: list[Val]) -> Val:
    """Strings stay, numbers and bools become their text, null stays null; a list or an object is an error.
    https://developer.hashicorp.com/terraform/language/functions/tostring"""
    value = args[0]
    if isinstance(value, Unknown) or _is_null(value):
        return value
    if isinstance(value, Scalar):
        if isinstance(value.value, str) or value.unresolved is not None:
            return value
        return c.string(text_of(value) or "")
    return _conversion_error(c, value, "string")


# What cty's ParseNumberVal reads (Go's big.Float syntax, base 10): "+5", ".5", "1.", "1e3"; not " 5", "0x10", "1_0"
_NUMBER = lazy_compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _tonumber(c: Call, args: list[Val]) -> Val:
    """Numbers stay, a string holding a number becomes it, null stays null; other strings, bools, lists and objects
    are errors. https://developer.hashicorp.com/terraform/language/functions/tonumber"""
    value = args[0]
    if isinstance(value, Unknown) or _is_null(value):
        return value
    if not isinstance(value, Scalar) or isinstance(value.value, bool):
        return _conversion_error(c, value, "number")
    if value.unresolved is not None:
        return c.depends(value) or c.unknown(f"depends on {', '.join(unknowns(value))}")
    if isinstance(value.value, str) and not _NUMBER.fullmatch(value.value):
        return c.unknown(f"tonumber(): {value.value[:40]!r} is not a number", error=True)
    number = number_of(value)
    if number is None:  # a number Python cannot hold: known to Terraform, not here
        return c.unknown("tonumber(): a number beyond what is evaluated here")
    return Scalar(c.span, value=number)


def _tobool(c: Call, args: list[Val]) -> Val:
    """Bools stay, "true" and "false" become bools, null stays null; anything else is an error.
    https://developer.hashicorp.com/terraform/language/functions/tobool"""
    value = args[0]
    if isinstance(value, Unknown) or _is_null(value):
        return value
    if isinstance(value, Scalar) and value.unresolved is not None:
        return c.depends(value) or c.unknown(f"depends on {', '.join(unknowns(value))}")
    if isinstance(value, Scalar) and isinstance(value.value, bool):
        return value
    if isinstance(value, Scalar) and value.value in ("true", "false"):
        return Scalar(c.span, value=value.value == "true")
    return _conversion_error(c, value, "bool")


def _unified(c: Call, items: list[Val], target: str) -> list[Val] | Unknown:
    """Elements converted to one type, as a list or map needs: strings, numbers and bools mixed with a string all
    become strings (["a", 1] -> ["a", "1"]); numbers and bools without a string, or scalars mixed with lists or
    objects, are an error. Lists and objects are kept as they are (their own unification is not checked here)."""
    scalars = [item for item in items if isinstance(item, Scalar) and not _is_null(item)]
    if not scalars:
        return items
    if len(scalars) + sum(isinstance(i, Unknown) or _is_null(i) for i in items) != len(items):
        return c.unknown(f"{c.name}(): its elements have no common type", error=True)
    kinds = {"string" if _is_text(item) else type(item.value).__name__ for item in scalars}
    if kinds <= {"int", "float"} or len(kinds) == 1:
        return items
    if "string" not in kinds:
        if any(isinstance(item, Unknown) for item in items):  # an unknown element may be the string they unify to
            return c.depends(*items) or c.unknown("an element is unknown")
        return c.unknown(f"{c.name}(): cannot convert a number and a bool to one {target} element type", error=True)
    return [
        c.string(text_of(item) or "")
        if isinstance(item, Scalar) and not _is_text(item) and not _is_null(item)
        else item
        for item in items
    ]


def _tolist(c: Call, args: list[Val]) -> Val:
    """A list or tuple becomes a list of one element type; null stays null; a map, object or scalar is an error.
    https://developer.hashicorp.com/terraform/language/functions/tolist"""
    value = args[0]
    if isinstance(value, Unknown) or _is_null(value):
        return value
    if not isinstance(value, ListVal):
        return _conversion_error(c, value, "list")
    items = _unified(c, value.items, "list")
    return items if isinstance(items, Unknown) else ListVal(value.span, value.ref, items=items)


def _tomap(c: Call, args: list[Val]) -> Val:
    """An object or map becomes a map of one element type; null stays null; a list or scalar is an error.
    https://developer.hashicorp.com/terraform/language/functions/tomap"""
    value = args[0]
    if isinstance(value, Unknown) or _is_null(value):
        return value
    if not isinstance(value, ObjVal):
        return _conversion_error(c, value, "map")
    spans = [key_span for key_span, _ in value.members.values()]
    items = _unified(c, [member for _, member in value.members.values()], "map")
    if isinstance(items, Unknown):
        return items
    members = {key: (key_span, item) for key, key_span, item in zip(value.members, spans, items, strict=True)}
    return ObjVal(value.span, value.ref, members=members)


def _numbers(reducer: Callable[..., float]) -> Function:
    def function(c: Call, args: list[Val]) -> Val:
        numbers = [number_of(a) if is_known(a) else None for a in args]
        if any(n is None for n in numbers):
            return c.depends(*args) or c.unknown("needs known numbers")
        return Scalar(c.span, value=reducer(*numbers))

    return function


def _range(c: Call, args: list[Val]) -> Val:
    numbers = [number_of(a) if is_known(a) else None for a in args]
    if any(n is None for n in numbers):
        return c.depends(*args) or c.unknown("range() needs known numbers")
    given = [n for n in numbers if n is not None]
    if not 1 <= len(given) <= 3 or not all(math.isfinite(n) for n in given):
        return c.unknown("range() takes one, two or three finite numbers", error=True)
    start, end = (0, given[0]) if len(given) == 1 else (given[0], given[1])
    step = given[2] if len(given) == 3 else (-1 if end < start else 1)
    if step == 0 or (step > 0 and end < start) or (step < 0 and end > start):
        return c.unknown("range(): the step must lead from the start to the end", error=True)
    # Terraform's own limit (cty's RangeFunc): it refuses to make a longer list, so a longer range is an error
    if (end - start) / step > 1024:
        return c.unknown("range(): more than 1024 values were generated", error=True)
    values: list[int | float] = []
    value = start
    while value < end if step > 0 else value > end:
        values.append(value)
        value = start + len(values) * step  # not a running sum: 0.1 steps would drift
    return ListVal(c.span, items=[Scalar(c.span, value=v) for v in values])


def _zipmap(c: Call, args: list[Val]) -> Val:
    keys, values = _items(c, args[0]), _items(c, args[1])
    if isinstance(keys, Unknown):
        return keys
    if isinstance(values, Unknown):
        return values
    members: dict[str, tuple[TfSpan, Val]] = {}
    for key, value in zip(keys, values, strict=False):
        text = _known_text(c, key)
        if isinstance(text, Unknown):
            return text
        members[text] = (key.span, value)
    return ObjVal(c.span, members=members)


def _reverse(c: Call, args: list[Val]) -> Val:
    found = _items(c, args[0])
    return found if isinstance(found, Unknown) else ListVal(c.span, items=found[::-1])


def _sort(c: Call, args: list[Val]) -> Val:
    found = _items(c, args[0])
    if isinstance(found, Unknown):
        return found
    if not all(is_known(item) for item in found):
        return c.unknown("sort() of unknown items")
    return ListVal(c.span, items=sorted(found, key=lambda item: str(to_python(item))))


def _slice(c: Call, args: list[Val]) -> Val:
    found = _items(c, args[0])
    bounds = [number_of(a) if is_known(a) else None for a in args[1:3]]
    if isinstance(found, Unknown):
        return found
    if any(b is None for b in bounds):
        return c.depends(*args[1:3]) or c.unknown("slice() needs known bounds")
    start, end = (int(b) for b in bounds if b is not None)
    return ListVal(c.span, items=found[start:end])


def _bool_fold(all_of: bool) -> Function:
    def function(c: Call, args: list[Val]) -> Val:
        found = _items(c, args[0])
        if isinstance(found, Unknown):
            return found
        values = [to_python(item) if is_known(item) else None for item in found]
        decided = [v in (True, "true") for v in values if v is not None]
        if all_of and not all(decided):
            return Scalar(c.span, value=False)
        if not all_of and any(decided):
            return Scalar(c.span, value=True)
        if None in values:
            return c.unknown("some items are unknown")
        return Scalar(c.span, value=all_of)

    return function


def _starts_or_ends(starts: bool) -> Function:
    def function(c: Call, args: list[Val]) -> Val:
        pair = _known_pair(c, args)
        if isinstance(pair, Unknown):
            return pair
        text, fix = pair
        return Scalar(c.span, value=text.startswith(fix) if starts else text.endswith(fix))

    return function


FUNCTIONS: dict[str, Spec] = {
    "jsonencode": _spec(_jsonencode, "val any"),
    "jsondecode": _spec(_jsondecode, "str string"),
    "file": _spec(_file, "path string"),
    "templatefile": _spec(_templatefile, "path string", "vars any"),
    "format": _spec(_format, "format string", more="args any"),
    "formatlist": _spec(_formatlist, "format string", more="args any"),
    "join": _spec(_join, "separator string", more="lists list"),
    "split": _spec(_split, "separator string", "str string"),
    "lower": _spec(_string_fn(str.lower), "str string"),
    "upper": _spec(_string_fn(str.upper), "str string"),
    "title": _spec(_string_fn(str.title), "str string"),
    "trimspace": _spec(_string_fn(str.strip), "str string"),
    "chomp": _spec(_string_fn(lambda s: s.rstrip("\r\n")), "str string"),
    "trim": _spec(_string_fn(lambda s, chars: s.strip(chars), 1), "str string", "cutset string"),
    "trimprefix": _spec(_string_fn(lambda s, prefix: s.removeprefix(prefix), 1), "str string", "prefix string"),
    "trimsuffix": _spec(_string_fn(lambda s, suffix: s.removesuffix(suffix), 1), "str string", "suffix string"),
    "replace": _spec(_replace_in_document, "str string", "substr string", "replace string"),
    "regex": _spec(_regex_function(every=False), "pattern string", "string string"),
    "regexall": _spec(_regex_function(every=True), "pattern string", "string string"),
    "substr": _spec(_string_fn(_substr, 2), "str string", "offset number", "length number"),
    "startswith": _spec(_starts_or_ends(True), "str string", "prefix string"),
    "endswith": _spec(_starts_or_ends(False), "str string", "suffix string"),
    "concat": _spec(_concat, more="seqs list"),
    "flatten": _spec(_flatten, "list list"),
    "distinct": _spec(_distinct, "list list"),
    "compact": _spec(_compact, "list list"),
    "merge": _spec(_merge, more="maps map"),
    "lookup": _spec(_lookup, "inputMap map", "key string", more="default any"),
    "element": _spec(_element, "list list", "index number"),
    "length": _spec(_length, "value any"),
    "keys": _spec(_keys, "inputMap map"),
    "values": _spec(_values, "values map"),
    "contains": _spec(_contains, "list list", "value any"),
    "coalesce": _spec(_coalesce, more="vals any"),
    "coalescelist": _spec(_coalescelist, more="vals list"),
    "one": _spec(_one, "list list"),
    "try": _spec(_try, more="expressions any"),
    "can": _spec(_can, "expression any"),
    "tolist": _spec(_tolist, "v any"),
    "tomap": _spec(_tomap, "v any"),
    "toset": _spec(_toset, "v any"),
    "tostring": _spec(_tostring, "v any"),
    "tonumber": _spec(_tonumber, "v any"),
    "tobool": _spec(_tobool, "v any"),
    "sensitive": _spec(_identity, "value any"),
    "nonsensitive": _spec(_identity, "value any"),
    "max": _spec(_numbers(max), more="numbers number"),
    "min": _spec(_numbers(min), more="numbers number"),
    "abs": _spec(_numbers(abs), "num number"),
    "ceil": _spec(_numbers(math.ceil), "num number"),
    "floor": _spec(_numbers(math.floor), "num number"),
    "range": _spec(_range, more="params number"),
    "zipmap": _spec(_zipmap, "keys list", "values list"),
    "reverse": _spec(_reverse, "list list"),
    "sort": _spec(_sort, "list list"),
    "slice": _spec(_slice, "list list", "start_index number", "end_index number"),
    "alltrue": _spec(_bool_fold(True), "list list"),
    "anytrue": _spec(_bool_fold(False), "list list"),
}


# --- operators ------------------------------------------------------------------------------------------------------


def binary(ev: ExpressionEvaluator, node: Binary, scope: Scope) -> Val:
    operator = node["operator"]
    span = scope.span(node["span"])
    left = ev.eval(node["left"], scope)
    if operator in ("&&", "||"):
        return _logical(ev, node, scope, left, span)
    right = ev.eval(node["right"], scope)
    if not ev.budget.spend(walk_cost(left) + walk_cost(right)):  # == compares whole values
        return ev.limited(node["text"], span, str(ev.budget.spent))
    if operator in ("==", "!=") and (_null_and_not_null(left, right) or _null_and_not_null(right, left)):
        # A list or object is not null, whatever unknown elements it holds, nor is a string with unknown parts (a
        # template: HCL refines its unknown result as not null), so comparing either with null is known, as cty's
        # Equals decides it (`var.x != null ? var.x : {}` over a map holding an unknown ARN)
        return Scalar(span, value=operator == "!=")
    if not (is_known(left) and is_known(right)):
        missing = unknowns(left) + unknowns(right)
        return limit_of(left, right) or ev.unknown(
            node["text"], span, f"depends on {', '.join(dict.fromkeys(missing))}"
        )
    if operator in ("==", "!="):
        equal = _comparable(to_python(left)) == _comparable(to_python(right))
        return Scalar(span, value=equal if operator == "==" else not equal)
    a, b = number_of(left), number_of(right)
    if a is None or b is None:
        return ev.unknown(node["text"], span, f"{operator} needs numbers", error=True)
    try:
        result = _ARITHMETIC[operator](a, b)
    except (ZeroDivisionError, KeyError):
        return ev.unknown(node["text"], span, f"cannot compute {operator}", error=True)
    return Scalar(span, value=result)


def _null_and_not_null(null: Val, other: Val) -> bool:
    """`null` is a known null and `other` is known not to be one (though it may hold unknown parts)."""
    if not (isinstance(null, Scalar) and null.value is None and null.unresolved is None):
        return False
    return isinstance(other, (ListVal, ObjVal)) or (isinstance(other, Scalar) and other.value is not None)


def _comparable(value: object) -> object:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


_ARITHMETIC: dict[str, Callable[[float, float], float | bool]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _logical(ev: ExpressionEvaluator, node: Binary, scope: Scope, left: Val, span: TfSpan) -> Val:
    """Kleene logic: `false && unknown` is false, `true || unknown` is true, anything else unknown is unknown."""
    deciding = node["operator"] == "||"
    left_bool = _bool(left)
    if left_bool is deciding:
        return Scalar(span, value=deciding)
    right = ev.eval(node["right"], scope)
    right_bool = _bool(right)
    if right_bool is deciding:
        return Scalar(span, value=deciding)
    if left_bool is None or right_bool is None:
        missing = unknowns(left) + unknowns(right)
        return ev.unknown(node["text"], span, f"depends on {', '.join(dict.fromkeys(missing)) or 'a non-boolean'}")
    return Scalar(span, value=not deciding)


def _bool(value: Val) -> bool | None:
    if isinstance(value, Scalar) and value.unresolved is None and isinstance(value.value, bool):
        return value.value
    return None
