"""Heredocs, file() and templatefile(): strings whose JSON keeps the positions of the file it was written in.

A heredoc policy is JSON with `${...}` interpolations. To locate every element, the JSON is parsed *before*
substitution, with each interpolation replaced by a private-use marker of the same width (so columns stay right),
quoted when it stands where a JSON value goes; the markers are then replaced by the evaluated values. An unknown
part inside a string keeps its `${expr}` text and marks the string unresolved.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from linter.lazy_re import lazy_compile
from linter.sources.confine import ReadRefused, active_roots, read_text, tree_root
from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, JsonSyntaxError, parse
from linter.sources.terraform.cache import MAX_FILE_BYTES, parse_files
from linter.sources.terraform.interface import Call, ExpressionEvaluator, Scope, iteration
from linter.sources.terraform.limits import MAX_VALUE_DEPTH, limit_of
from linter.sources.terraform.module import display_path, in_file
from linter.sources.terraform.values import (
    ObjVal,
    Scalar,
    TfSpan,
    Unknown,
    Val,
    is_known,
    pinned,
    placeholder,
    respan,
    text_of,
    to_jnode,
    unknowns,
)

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Expr, Heredoc, Span, TemplateIR

_OPEN, _CLOSE, _PAD = "\ue000", "\ue001", "\ue002"
_MARKER = lazy_compile(f"{_OPEN}(\\d+){_PAD}*{_CLOSE}")


def has_directives(parts: TemplateIR) -> bool:
    return any(isinstance(p, dict) and p["kind"] == "directive" for p in parts)


# --- %{ if } / %{ for } ---------------------------------------------------------------------------------------------

_IF = lazy_compile(r"if\s+(?P<cond>.+)", re.S)
_FOR = lazy_compile(r"for\s+(?P<a>\w+)(?:\s*,\s*(?P<b>\w+))?\s+in\s+(?P<coll>.+)", re.S)


class _Unsupported(Exception):
    """A directive this reader does not take apart: the template's value is unknown."""


def expand_directives(
    ev: ExpressionEvaluator, parts: TemplateIR, scope: Scope, span: TfSpan, expr: str
) -> list[str | Val] | Val:
    """A template's parts with its `%{ if }` / `%{ for }` directives carried out: literal text and evaluated values,
    ready to render. Unknown (never a guess) when a condition or a collection is, or a directive is not understood.
    Strip markers (`%{~`, `~}`) remove the whitespace beside them, as Terraform does."""

    tokens: list[Any] = list(parts)
    # Each directive's words are parsed here, at about 30 steps each (0.1 ms)
    if not ev.budget.spend(30 * sum(1 for part in parts if isinstance(part, dict) and part["kind"] == "directive")):
        return ev.limited(expr, span, str(ev.budget.spent))
    for index, part in enumerate(tokens):
        if not (isinstance(part, dict) and part["kind"] == "directive"):
            continue
        raw = part["text"][2:-1]
        if raw.startswith("~") and index > 0 and isinstance(tokens[index - 1], str):
            tokens[index - 1] = tokens[index - 1].rstrip()
        if raw.endswith("~") and index + 1 < len(tokens) and isinstance(tokens[index + 1], str):
            tokens[index + 1] = tokens[index + 1].lstrip()
        words = raw.strip("~").strip()
        found_if, found_for = _IF.fullmatch(words), _FOR.fullmatch(words)
        if found_if:
            tokens[index] = ("if", _interpolation("${" + found_if["cond"] + "}", part["span"]))
        elif found_for:
            names = (found_for["a"], found_for["b"])
            tokens[index] = ("for", names, _interpolation("${" + found_for["coll"] + "}", part["span"]))
        elif words in ("else", "endif", "endfor"):
            tokens[index] = (words,)
        else:
            return ev.unknown(expr, span, f"template directive {part['text']} is not understood")
    try:
        tree, _ = _tree(tokens, 0, (), MAX_VALUE_DEPTH)
    except _Unsupported as error:
        return ev.unknown(expr, span, f"template directives do not nest: {error}")
    out: list[str | Val] = []
    blocked = _run(ev, tree, scope, out)
    return blocked if blocked is not None else out


def _interpolation(raw: str, span: Span) -> Expr:
    """A directive's expression parsed, positioned at the directive; in the override file a merged block came from,
    when its span names one (`module.in_file`)."""
    from linter.sources.terraform.hcl import parse_interpolation  # lazy: the parser, only for directives

    expr = parse_interpolation(raw, span[:4])
    return expr if len(span) == 4 else in_file(expr, span[4])


def _tree(tokens: list[Any], index: int, stops: tuple[str, ...], room: int) -> tuple[list[Any], int]:
    """Nested nodes up to one of `stops` (returned as the index of that token), `room` more levels deep at most
    (each level is a Python call here and when the template runs)."""
    if room < 0:
        raise _Unsupported("directives nested too deeply")
    nodes: list[Any] = []
    while index < len(tokens):
        token = tokens[index]
        if isinstance(token, tuple) and token[0] in stops:
            return nodes, index
        if isinstance(token, tuple) and token[0] == "if":
            then, index = _tree(tokens, index + 1, ("else", "endif"), room - 1)
            otherwise: list[Any] = []
            if index < len(tokens) and tokens[index][0] == "else":
                otherwise, index = _tree(tokens, index + 1, ("endif",), room - 1)
            if index >= len(tokens):
                raise _Unsupported("an %{ if } without %{ endif }")
            nodes.append(("if", token[1], then, otherwise))
        elif isinstance(token, tuple) and token[0] == "for":
            body, index = _tree(tokens, index + 1, ("endfor",), room - 1)
            if index >= len(tokens):
                raise _Unsupported("a %{ for } without %{ endfor }")
            nodes.append(("for", token[1], token[2], body))
        elif isinstance(token, tuple):
            raise _Unsupported(f"%{{ {token[0]} }} without its opening directive")
        else:
            nodes.append(token)
        index += 1
    if stops:
        raise _Unsupported(f"no %{{ {stops[-1]} }}")
    return nodes, index


def _run(ev: ExpressionEvaluator, nodes: list[Any], scope: Scope, out: list[str | Val]) -> Val | None:
    """Append the nodes' output to `out`; an Unknown when a condition or collection cannot be resolved."""
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):  # an expression
            out.append(ev.eval(cast("Expr", node), scope))
        elif node[0] == "if":
            condition = ev.eval(node[1], scope)
            if not (
                isinstance(condition, Scalar) and condition.unresolved is None and isinstance(condition.value, bool)
            ):
                what = ", ".join(unknowns(condition)) or node[1].get("text", "a condition")
                return limit_of(condition) or ev.unknown(
                    node[1].get("text", "%{ if }"), condition.span, f"the %{{ if }} depends on {what}"
                )
            blocked = _run(ev, node[2] if condition.value else node[3], scope, out)
            if blocked is not None:
                return blocked
        else:
            (first, second), collection_node, body = node[1], node[2], node[3]
            collection = ev.eval(collection_node, scope)
            pairs = iteration(collection)
            if pairs is None:
                what = ", ".join(unknowns(collection)) or collection_node.get("text", "a collection")
                return limit_of(collection) or ev.unknown(
                    collection_node.get("text", "%{ for }"), collection.span, f"the %{{ for }} iterates over {what}"
                )
            for key, value in pairs:
                if not ev.budget.spend(1):
                    return ev.limited(collection_node.get("text", "%{ for }"), collection.span, str(ev.budget.spent))
                names = {first: value} if second is None else {first: key, second: value}
                blocked = _run(ev, body, scope.with_names(**names), out)
                if blocked is not None:
                    return blocked
    return None


def heredoc_value(ev: ExpressionEvaluator, node: Heredoc, scope: Scope) -> Val:
    parts = node["parts"]
    span = scope.span(node["span"])
    if has_directives(parts):
        # The structure may repeat or drop parts: the rendered text is positioned at the heredoc, not per element.
        expanded = expand_directives(ev, parts, scope, span, "heredoc")
        return expanded if not isinstance(expanded, list) else ev.render(_dedent(expanded, node["indent"]), span)
    values: list[str | Val] = [p if isinstance(p, str) else ev.eval(p, scope) for p in parts]
    rendered = ev.render(_dedent(values, node["indent"]), span, "heredoc")
    if isinstance(rendered, Scalar):
        if not ev.budget.spend(rendered.chars):  # parsing its JSON takes a few microseconds a character
            return ev.limited("heredoc", span, str(ev.budget.spent))
        _attach_json(
            rendered, parts, values, node["body_line"], span.file
        )  # an override file's heredoc is in that file
    return rendered


def file_value(c: Call, path: Path, written: str) -> Val:
    """file(): the text; a JSON file keeps its own positions (findings point into it)."""
    text = _read(c, path, written)
    if isinstance(text, Unknown):
        return text
    value = Scalar(c.span, value=text)
    if text.lstrip().startswith(("{", "[")):
        shown = display_path(path)
        try:
            value.doc = respan(parse(text), shown)
        except JsonSyntaxError as error:
            value.doc_error = (f"invalid JSON: {error.message}", TfSpan(error.line, error.column, 0, 0, shown))
    return value


def template_value(c: Call, path: Path, written: str, names: ObjVal) -> Val:
    """templatefile(): the template evaluated with only its variables in scope, positioned in the template file."""
    text = _read(c, path, written)
    if isinstance(text, Unknown):
        return text
    parsed = parse_files([path], kind="template")[path]
    if parsed.error is not None:
        return c.unknown(f"cannot parse template: {parsed.error[0]}", error=True)
    shown = display_path(path)
    scope = c.scope.inst.scope(shown)
    scope.names = {key: value for key, (_, value) in names.members.items()}
    parts = parsed.ir
    if has_directives(parts):
        expanded = expand_directives(c.ev, parts, scope, c.span, c.text)
        return expanded if not isinstance(expanded, list) else c.ev.render(expanded, c.span)
    values: list[str | Val] = [p if isinstance(p, str) else c.ev.eval(p, scope) for p in parts]
    rendered = c.ev.render(values, c.span, c.text)
    if isinstance(rendered, Scalar):
        if not c.ev.budget.spend(rendered.chars):  # parsing its JSON takes a few microseconds a character
            return c.limited(str(c.ev.budget.spent))
        _attach_json(rendered, parts, values, 1, shown)
    return rendered


def _read(c: Call, path: Path, written: str) -> str | Unknown:
    """The file's text, read only inside the checked tree. A refusal is a note naming the path as written, never
    its target or content; the file is then not counted as checked."""
    roots = active_roots() or (tree_root(c.scope.inst.root().module.folder),)
    try:
        text = read_text(path, MAX_FILE_BYTES, roots)
    except FileNotFoundError:
        return c.unknown(f"no such file {display_path(path)}", error=True)
    except ReadRefused as refusal:
        return c.unknown(f"{written!r} is {refusal.strerror}")
    except OSError as error:
        return c.unknown(f"cannot read {display_path(path)}: {error.strerror or error}", error=True)
    except UnicodeDecodeError as error:
        return c.unknown(f"cannot read {display_path(path)}: not UTF-8 text (byte {error.start})", error=True)
    c.ev.read_files.add(path)
    return text


def _dedent(values: list[str | Val], indent: int) -> list[str | Val]:
    """`<<-` removes the common indentation from the start of every line of literal text."""
    if not indent:
        return values
    result: list[str | Val] = []
    at_line_start = True
    for value in values:
        if not isinstance(value, str):
            result.append(value)
            at_line_start = False
            continue
        lines = value.split("\n")
        for index, line in enumerate(lines):
            if index > 0 or at_line_start:
                width = len(line) - len(line.lstrip(" \t"))
                lines[index] = line[min(width, indent) :]
        result.append("\n".join(lines))
        at_line_start = value.endswith("\n")
    return result


def _attach_json(rendered: Scalar, parts: TemplateIR, values: list[str | Val], line: int, file: str) -> None:
    """Give a rendered template that looks like JSON its positioned tree (or the reason it has none)."""
    text = rendered.value if isinstance(rendered.value, str) else ""
    if not text.lstrip().startswith(("{", "[")):
        return
    try:
        rendered.doc = _json_doc(parts, values, line, file)
    except JsonSyntaxError as error:
        rendered.doc_error = (f"invalid JSON: {error.message}", TfSpan(error.line, error.column, 0, 0, file))


def _json_doc(parts: TemplateIR, values: list[str | Val], line: int, file: str) -> JNode:
    text: list[str] = []
    in_string = False
    quoted: set[int] = set()
    for index, (part, value) in enumerate(zip(parts, values, strict=True)):
        if isinstance(part, str):
            text.append(part)
            in_string = _string_state(part, in_string)
            continue
        assert not isinstance(value, str)
        width = part.get("width", 0)
        if in_string:
            text.append(f"{_OPEN}{index}{_CLOSE}".replace(_CLOSE, _PAD * (width - len(str(index)) - 2) + _CLOSE))
        else:
            quoted.add(index)
            text.append(f'"{_OPEN}{index}' + _PAD * (width - len(str(index)) - 4) + f'{_CLOSE}"')
    try:
        root = parse("".join(text))
    except JsonSyntaxError as error:
        raise JsonSyntaxError(error.message, error.line + line - 1, error.column) from None
    return _substitute(respan(root, file, line - 1), values, quoted)


def _string_state(text: str, in_string: bool) -> bool:
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string and char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
    return in_string


def _substitute(node: JNode, values: list[str | Val], quoted: set[int]) -> JNode:
    if isinstance(node, JScalar):
        if not isinstance(node.value, str) or _OPEN not in node.value:
            return node
        whole = _MARKER.fullmatch(node.value)
        if whole and int(whole[1]) in quoted:
            value = values[int(whole[1])]
            assert not isinstance(value, str)
            return _inserted(value, node.span)
        text, missing = _fill(node.value, values)
        return JScalar(text, node.span, ", ".join(missing) or node.unresolved)
    if isinstance(node, JArray):
        return JArray([_substitute(item, values, quoted) for item in node.items], node.span)
    members = [JMember(_fill(m.key, values)[0], m.key_span, _substitute(m.value, values, quoted)) for m in node.members]
    duplicates = [
        JMember(_fill(m.key, values)[0], m.key_span, _substitute(m.value, values, quoted)) for m in node.duplicates
    ]
    return JObject(members, node.span, duplicates)


def _fill(text: str, values: list[str | Val]) -> tuple[str, list[str]]:
    """Markers inside a JSON string -> the values' text; unknown parts -> their placeholders."""
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        value = values[int(match[1])]
        assert not isinstance(value, str)
        missing.extend(unknowns(value))
        if isinstance(value, Unknown):
            return placeholder(value.expr)
        return text_of(value) or ""

    return _MARKER.sub(one, text), list(dict.fromkeys(missing))


def _inserted(value: Val, span: TfSpan | Any) -> JNode:
    """A value interpolated where JSON expects a value: `"Resource": ${jsonencode(var.arns)}`."""
    if isinstance(value, Scalar) and value.doc is not None:
        return value.doc
    if isinstance(value, Scalar) and isinstance(value.value, str) and is_known(value):
        try:
            return pinned(parse(value.value), span)
        except JsonSyntaxError:
            pass
    return to_jnode(value) if not isinstance(value, Scalar) else JScalar(value.value, span, value.unresolved)
