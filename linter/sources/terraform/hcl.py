"""One .tf file -> a small positioned intermediate representation (IR) of plain lists and dicts (`ir.py`).

python-hcl2's serialised dict loses positions (`with_meta` is a no-op in 8.1.4) and keeps expressions as `${...}` text,
so the raw parse tree of python-hcl2's grammar is walked once here instead: the tree `lalr.py` builds from the
grammar's Lark cache (the same shape and positions as `hcl2.parses_to_tree` with `propagate_positions`), or Lark's
own when there is no usable cache. The IR is JSON-serialisable on purpose: it is what the parse cache stores, so an
unchanged file is never parsed again. Its node types, one `TypedDict` per kind, and what each field means are
`ir.py`'s; this module only builds them.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.lazy_re import lazy_compile
from linter.sources.jsonpos import JsonNumber, json_number
from linter.sources.terraform.cache_folder import cache_dir, hcl2_version, private_folder
from linter.sources.terraform.lalr import ParseError, Parser, cached_parser, options_text

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Attribute, Block, Expr, FileIR, Span, Step, TemplateIR

IGNORE_MARK = "iam-preflight:ignore"


class HclSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@cache
def _parser() -> Any:
    """python-hcl2's LALR parser: `lalr.Parser` from the grammar cache Lark wrote, else Lark itself.

    Lark writes `.lark_cache.bin` next to the grammar on first use; without it every process pays ~3.5 s to build
    the grammar. When site-packages is read-only we build the same parser with the cache in our own cache folder.
    Once either cache exists, `lalr` runs its tables without loading Lark (about 0.15 s less per process, and
    parsing is about three times faster).
    """
    own = _own_grammar_cache()
    return cached_parser(own, options_text(_lark_options(own)), None if own is None else own.parent) or _lark_parser()


def _own_grammar_cache() -> Path | None:
    """Where our Lark call caches the grammar when site-packages is read-only: the user's private folder, never the
    shared cache folder, because the file is unpickled (`cache_folder.private_folder`)."""
    folder = private_folder() if cache_dir() is not None else None
    return None if folder is None else folder / f"lark-hcl2-{hcl2_version()}.bin"


def _lark_options(cache: Path | None) -> dict[str, Any]:
    """Our Lark call's options when site-packages is read-only; `lalr` hashes them in this order to find its cache."""
    options: dict[str, Any] = {"parser": "lalr", "propagate_positions": True}
    if cache is not None:
        options["cache"] = str(cache)
    return options


def _lark_parser() -> Any:
    from hcl2 import parser as hcl2_parser

    default_cache = Path(hcl2_parser.PARSER_FILE)
    if default_cache.exists() or os.access(default_cache.parent, os.W_OK):
        return hcl2_parser.parser()
    from hcl2.postlexer import PostLexer
    from lark import Lark

    own = _own_grammar_cache()
    return Lark.open("hcl2.lark", rel_to=hcl2_parser.__file__, postlex=PostLexer(), **_lark_options(own))


def _tree(text: str) -> Any:
    """The parse tree of text; raises HclSyntaxError."""
    parser = _parser()
    if isinstance(parser, Parser):
        try:
            return parser.parse(text)
        except ParseError as error:
            raise HclSyntaxError(_syntax_message(error), max(error.line, 1), max(error.column, 1)) from None
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        return parser.parse(text)
    except UnexpectedInput as error:
        line, column = max(getattr(error, "line", 1), 1), max(getattr(error, "column", 1), 1)
        raise HclSyntaxError(_syntax_message(error), line, column) from None
    except LarkError as error:  # e.g. "Invalid Heredoc token" style failures raised while building the tree
        raise HclSyntaxError(f"cannot parse: {str(error).splitlines()[0][:160]}", 1, 1) from None


def parse_text(text: str) -> FileIR:
    """Parse HCL text into the IR; raises HclSyntaxError with a one-line message and the position."""
    tree = _tree(text + "\n")  # the grammar needs a final newline (lark issue 237), as hcl2 does
    converter = _Converter(text)
    blocks, attrs = converter.body(tree.children[0])
    suppressions = _suppressions(text, converter.comments, converter.targets)
    return {"blocks": blocks, "attrs": attrs, "suppressions": suppressions}


def _syntax_message(error: Any) -> str:
    """Lark lists every expected token over many lines; users need the one thing that was wrong.

    The contextual lexer often reports the rest of the line as one bogus token, so only its first word is shown.
    """
    token = getattr(error, "token", None)
    if token is not None:
        if token.type == "$END":
            return "syntax error: unexpected end of file (unclosed block or bracket?)"
        words = str(token).split()
        if not words:
            return "syntax error: unexpected end of line (missing value or closing quote?)"
        if words[0].startswith("<<"):
            return f"syntax error: heredoc {words[0]} is not closed"
        return f"syntax error: unexpected {words[0][:20]!r}"
    char = getattr(error, "char", None)
    if char is not None:
        return f"syntax error: unexpected character {char!r}"
    return "syntax error: " + str(error).splitlines()[0][:160]


# --- tree -> IR ----------------------------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = lazy_compile(r"\\(?:([nrt\"\\])|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")


def unescape(raw: str) -> str:
    """HCL quoted-string escapes, plus the template escapes `$${` and `%%{` (python-hcl2 keeps them, #336)."""
    if "\\" in raw:
        raw = _ESCAPE.sub(lambda m: _ESCAPES[m[1]] if m[1] else chr(int(m[2] or m[3], 16)), raw)
    return raw.replace("$${", "${").replace("%%{", "%{")


class _Converter:
    """Walks one Lark tree. `dl`/`dc` shift positions for expressions re-parsed out of heredoc bodies."""

    def __init__(self, text: str, dl: int = 0, dc: int = 0) -> None:
        self.text = text
        self.dl = dl
        self.dc = dc
        self.comments: list[tuple[int, int, str]] = []
        self.targets: list[tuple[int, int]] = []  # line ranges a suppression comment can cover

    def span(self, node: Any) -> Span:
        meta = node if getattr(node, "data", None) is None else node.meta  # a token carries its own position
        line, column, end_line, end_column = meta.line, meta.column, meta.end_line, meta.end_column
        return [
            line + self.dl,
            column + (self.dc if line == 1 else 0),
            end_line + self.dl,
            end_column + (self.dc if end_line == 1 else 0),
        ]

    def source(self, node: Any) -> str:
        meta = node if getattr(node, "data", None) is None else node.meta
        return " ".join(self.text[meta.start_pos : meta.end_pos].split())

    # -- structure --

    def body(self, body: Any) -> tuple[list[Block], list[Attribute]]:
        blocks: list[Block] = []
        attrs: list[Attribute] = []
        for child in body.children:
            kind = getattr(child, "data", None)
            if kind == "attribute":
                attrs.append(self.attribute(child))
            elif kind == "block":
                blocks.append(self.block(child))
            elif kind == "new_line_or_comment":
                self.collect_comments(child)
        return blocks, attrs

    def collect_comments(self, node: Any) -> None:
        for token in node.children:
            value = str(token).strip()
            if value.startswith(("#", "//", "/*")):
                self.comments.append((token.line + self.dl, token.column, value))

    def attribute(self, node: Any) -> Attribute:
        name_node, _eq, expr_node = node.children
        span = self.span(node)
        expr = self.expr(expr_node)
        if expr["kind"] == "heredoc":
            span[2:] = expr["span"][2:]
        self.targets.append((span[0], span[2]))
        return {"name": self.name_of(name_node), "span": span, "expr": expr}

    def block(self, node: Any) -> Block:
        labels: list[str] = []
        body: Any = None
        for child in node.children:
            kind = getattr(child, "data", None)
            if kind == "body":
                body = child
            elif kind == "string":
                labels.append("".join(unescape(str(part.children[0])) for part in child.children[1:-1]))
            elif kind in ("identifier", "keyword", "literal_value"):
                labels.append(self.name_of(child))
        span = self.span(node)
        self.targets.append((span[0], span[2]))
        blocks, attrs = self.body(body)
        return {"type": labels[0], "labels": labels[1:], "span": span, "attrs": attrs, "blocks": blocks}

    @staticmethod
    def name_of(node: Any) -> str:
        return str(node.children[0])

    # -- expressions --

    def expr(self, node: Any) -> Expr:
        kind = node.data
        handler = _HANDLERS.get(kind)
        if handler is None:
            return {"kind": "unsupported", "span": self.span(node), "text": self.source(node), "reason": kind}
        result: Expr = handler(self, node)
        return result

    def x_expr_term(self, node: Any) -> Expr:
        children = [c for c in node.children if getattr(c, "data", None) != "new_line_or_comment"]
        # Only a token can be "(": str() of a tree node would format its whole subtree.
        if len(children) == 3 and getattr(children[0], "data", None) is None and str(children[0]) == "(":
            inner = self.expr(children[1])
            return inner
        return self.expr(children[0])

    def x_int_lit(self, node: Any) -> Expr:
        return self._number(node)

    def x_float_lit(self, node: Any) -> Expr:
        return self._number(node)

    def _number(self, node: Any) -> Expr:
        value = json_number(str(node.children[0]))
        if isinstance(value, JsonNumber):  # more digits than Python converts, or beyond float: kept as its text
            return {"kind": "num", "value": str(value), "span": self.span(node)}
        return {"kind": "lit", "value": value, "span": self.span(node)}

    def x_literal_value(self, node: Any) -> Expr:
        value = {"true": True, "false": False, "null": None}[str(node.children[0])]
        return {"kind": "lit", "value": value, "span": self.span(node)}

    def x_identifier(self, node: Any) -> Expr:
        return {"kind": "name", "name": str(node.children[0]), "span": self.span(node), "text": str(node.children[0])}

    def x_keyword(self, node: Any) -> Expr:
        return self.x_identifier(node)

    def x_string(self, node: Any) -> Expr:
        parts: list[Any] = []
        for part in node.children[1:-1]:
            inner = part.children[0]
            if getattr(inner, "data", None) is not None:
                if inner.data == "interpolation":
                    parts.append(self.expr(inner.children[1]))
                else:
                    parts.append({"kind": "directive", "span": self.span(inner), "text": self.source(inner)})
            elif parts and isinstance(parts[-1], str):
                parts[-1] += unescape(str(inner))
            else:
                parts.append(unescape(str(inner)))
        span = self.span(node)
        if all(isinstance(p, str) for p in parts):
            return {"kind": "lit", "value": "".join(parts), "span": span}
        return {"kind": "tpl", "parts": parts, "span": span, "text": self.source(node)}

    def x_template_string(self, node: Any) -> Expr:
        raw = str(node.children[0])[2:-2]
        return {"kind": "lit", "value": unescape(raw), "span": self.span(node)}

    def x_heredoc_template(self, node: Any, trim: bool = False) -> Expr:
        token = node.children[0]
        raw = str(token)
        first_newline = raw.index("\n")
        body = raw[first_newline + 1 :]
        body = body[: body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
        start_line = token.line + 1 + self.dl
        parts = template_parts(body, start_line, 1)
        indent = _common_indent(body) if trim else 0
        span = self.span(node)
        if raw.endswith("\n"):  # the token swallows the newline after the closing marker: end on the marker line
            closing = raw.rstrip("\r\n").rsplit("\n", 1)[-1]
            span[2:] = [span[2] - 1, len(closing) + 1]
        return {"kind": "heredoc", "parts": parts, "span": span, "body_line": start_line, "indent": indent}

    def x_heredoc_template_trim(self, node: Any) -> Expr:
        return self.x_heredoc_template(node, trim=True)

    def x_tuple(self, node: Any) -> Expr:
        items = [self.expr(c) for c in node.children if getattr(c, "data", None) not in (None, "new_line_or_comment")]
        return {"kind": "list", "items": items, "span": self.span(node)}

    def x_object(self, node: Any) -> Expr:
        items: list[list[Any]] = []
        for child in node.children:
            kind = getattr(child, "data", None)
            if kind == "new_line_or_comment":
                self.collect_comments(child)
            elif kind == "object_elem":
                key_node, _sep, value_node = child.children
                key_expr = key_node.children[0]
                key = self.object_key(key_expr)
                span = self.span(child)
                self.targets.append((span[0], span[2]))
                items.append([key, self.expr(value_node)])
        return {"kind": "obj", "items": items, "span": self.span(node)}

    def object_key(self, node: Any) -> Expr:
        """A bare identifier key is its own name; a parenthesised or quoted key is an expression."""
        if node.data == "keyword":
            return {"kind": "lit", "value": self.name_of(node), "span": self.span(node)}
        children = [c for c in node.children if getattr(c, "data", None) != "new_line_or_comment"]
        if len(children) == 1 and getattr(children[0], "data", None) == "identifier":
            return {"kind": "lit", "value": self.name_of(children[0]), "span": self.span(node)}
        return self.expr(node)

    def x_function_call(self, node: Any) -> Expr:
        names = [str(c.children[0]) for c in node.children if getattr(c, "data", None) == "identifier"]
        args: list[Expr] = []
        expand = False
        for child in node.children:
            if getattr(child, "data", None) == "arguments":
                for arg in child.children:
                    if getattr(arg, "data", None) is not None:
                        if arg.data != "new_line_or_comment":
                            args.append(self.expr(arg))
                    elif str(arg) == "...":
                        expand = True
        return {
            "kind": "call",
            "name": "::".join(names),
            "args": args,
            "expand": expand,
            "span": self.span(node),
            "text": self.source(node),
        }

    def x_conditional(self, node: Any) -> Expr:
        exprs = [c for c in node.children if getattr(c, "data", None) not in (None, "new_line_or_comment")]
        cond, yes, no = (self.expr(e) for e in exprs)
        return {
            "kind": "cond",
            "condition": cond,
            "then": yes,
            "otherwise": no,
            "span": self.span(node),
            "text": self.source(node),
        }

    def x_binary_op(self, node: Any) -> Expr:
        left, term = node.children[0], node.children[1]
        operator = str(term.children[0].children[0]).strip()
        right = next(c for c in term.children[1:] if getattr(c, "data", None) != "new_line_or_comment")
        return {
            "kind": "bin",
            "operator": operator,
            "left": self.expr(left),
            "right": self.expr(right),
            "span": self.span(node),
            "text": self.source(node),
        }

    def x_unary_op(self, node: Any) -> Expr:
        operator, operand = node.children
        return {
            "kind": "un",
            "operator": str(operator),
            "operand": self.expr(operand),
            "span": self.span(node),
            "text": self.source(node),
        }

    def _traversal(self, node: Any, steps: list[Step]) -> Expr:
        base, *_ = node.children
        inner = self.expr(base)
        span = self.span(node)
        if inner["kind"] == "trav":
            return {
                "kind": "trav",
                "base": inner["base"],
                "steps": inner["steps"] + steps,
                "span": span,
                "text": self.source(node),
            }
        return {"kind": "trav", "base": inner, "steps": steps, "span": span, "text": self.source(node)}

    def x_get_attr_expr_term(self, node: Any) -> Expr:
        return self._traversal(node, [self.step(node.children[1])])

    def x_index_expr_term(self, node: Any) -> Expr:
        return self._traversal(node, [self.step(node.children[1])])

    def x_attr_splat_expr_term(self, node: Any) -> Expr:
        splat = node.children[1]
        return self._traversal(node, [["splat"], *(self.step(c) for c in splat.children[1:])])

    def x_full_splat_expr_term(self, node: Any) -> Expr:
        return self.x_attr_splat_expr_term(node)

    def step(self, node: Any) -> Step:
        if node.data == "get_attr":
            return ["attr", self.name_of(node.children[1])]
        if node.data == "short_index":
            return ["index", {"kind": "lit", "value": int(str(node.children[1])), "span": self.span(node)}]
        inner = [c for c in node.children if getattr(c, "data", None) not in (None, "new_line_or_comment")]
        return ["index", self.expr(inner[0])]

    def x_for_tuple_expr(self, node: Any) -> Expr:
        return self._for(node, is_object=False)

    def x_for_object_expr(self, node: Any) -> Expr:
        return self._for(node, is_object=True)

    def _for(self, node: Any, is_object: bool) -> Expr:
        intro = next(c for c in node.children if getattr(c, "data", None) == "for_intro")
        names = [self.name_of(c) for c in intro.children if getattr(c, "data", None) == "identifier"]
        intro_exprs = [
            c for c in intro.children if getattr(c, "data", None) not in (None, "identifier", "new_line_or_comment")
        ]
        body = [c for c in node.children if getattr(c, "data", None) not in (None, "for_intro", "new_line_or_comment")]
        cond_node = next((c for c in body if c.data == "for_cond"), None)
        values = [c for c in body if c.data != "for_cond"]
        grouped = any(str(c) == "..." for c in node.children if getattr(c, "data", None) is None)
        cond = None
        if cond_node is not None:
            cond_expr = [c for c in cond_node.children if getattr(c, "data", None) not in (None, "new_line_or_comment")]
            cond = self.expr(cond_expr[0])
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return {
            "kind": "for",
            "key_var": key_var,
            "value_var": value_var,
            "collection": self.expr(intro_exprs[0]),
            "key": self.expr(values[0]) if is_object else None,
            "value": self.expr(values[-1]),
            "condition": cond,
            "is_object": is_object,
            "grouped": grouped,
            "span": self.span(node),
            "text": self.source(node),
        }


# Expression handlers by node name (`x_<name>` methods), looked up once instead of by name on every node.
_HANDLERS: dict[str, Any] = {name[2:]: f for name, f in vars(_Converter).items() if name.startswith("x_")}


def _common_indent(body: str) -> int:
    """`<<-` removes the smallest indentation of the non-blank lines (Terraform's flush heredoc)."""
    widths = [len(line) - len(line.lstrip(" \t")) for line in body.split("\n") if line.strip()]
    return min(widths) if widths else 0


# --- templates (heredoc bodies and templatefile() files) ------------------------------------------------------------


def _interpolation_end(text: str, start: int) -> int:
    """Index just past the `}` closing the `${`/`%{` at `start`, skipping braces inside quoted strings; -1 if none."""
    depth = 0
    index = start + 2
    in_string = False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index + 1
            depth -= 1
        index += 1
    return -1


def template_parts(body: str, line: int, column: int) -> TemplateIR:
    """Split a template into literal text and positioned expressions (parsed with the HCL grammar).

    `line`/`column` is where `body` starts in its file. Literal parts keep the raw text so that JSON inside a
    heredoc can be parsed with its real positions; `$${` and `%%{` escapes are undone here.
    """
    parts: TemplateIR = []
    literal: list[str] = []
    index = 0
    line_starts = [0] + [m.end() for m in re.finditer("\n", body)]

    def where(offset: int) -> tuple[int, int]:
        from bisect import bisect_right

        row = bisect_right(line_starts, offset) - 1
        col = offset - line_starts[row] + 1
        return line + row, (col + column - 1) if row == 0 else col

    while index < len(body):
        found = re.search(r"[$%]\{", body[index:])
        if found is None:
            literal.append(body[index:])
            break
        at = index + found.start()
        if at > 0 and body[at - 1] == body[at] and (at - 1 >= index):
            # `$${` / `%%{`: an escaped, literal `${` / `%{`
            literal.append(body[index : at - 1] + body[at : at + 2])
            index = at + 2
            continue
        literal.append(body[index:at])
        end = _interpolation_end(body, at)
        if end < 0:
            literal.append(body[at:])
            break
        if "".join(literal):
            parts.append("".join(literal))
        literal = []
        start_line, start_col = where(at)
        end_line, end_col = where(end)
        raw = body[at:end]
        span = [start_line, start_col, end_line, end_col]
        if body[at] == "%":
            parts.append({"kind": "directive", "span": span, "text": raw})
        else:
            parts.append(parse_interpolation(raw, span))
        index = end
    if "".join(literal):
        parts.append("".join(literal))
    return parts


def parse_interpolation(raw: str, span: Span) -> Expr:
    """`${expr}` text from a heredoc or template file -> IR, positioned where it sits in its file (`span` is where
    the `${...}` is: [line, column, end_line, end_column])."""
    inner = raw[2:-1].strip("~").strip()
    lead = len(raw[2:]) - len(raw[2:].lstrip("~ \t"))
    prefix = "_ = "
    try:
        tree = _tree(prefix + inner + "\n")
    except HclSyntaxError:
        return {"kind": "unsupported", "span": span, "text": raw, "reason": "unparsable interpolation"}
    attribute = tree.children[0].children[0]
    converter = _Converter(prefix + inner, dl=span[0] - 1, dc=span[1] + 2 + lead - 1 - len(prefix))
    expr: Expr = converter.expr(attribute.children[2])
    if span[0] == span[2]:
        expr["width"] = len(raw)  # the width of `${...}`: JSON parsed around it keeps its columns (templates.py)
    return expr


# --- suppression comments -------------------------------------------------------------------------------------------

IGNORE_COMMENT = lazy_compile(r"iam-preflight:ignore\b[ \t]*((?:[\w-]+[ \t]*,[ \t]*)*[\w-]+)?[ \t]*(.*)")


def _suppressions(text: str, comments: list[tuple[int, int, str]], targets: list[tuple[int, int]]) -> list[Any]:
    """Each `iam-preflight:ignore` comment -> [line, column, rules, reason, first_line, last_line].

    A comment covers the block or attribute that starts on its own line (a trailing comment), or else the first one
    that starts below it with only blank or comment lines in between. rules is "" for a bare ignore (an input error).
    """
    if not any(IGNORE_MARK in c[2] for c in comments):
        return []
    lines = text.split("\n")
    starts: dict[int, int] = {}
    for first, last in targets:
        starts[first] = max(starts.get(first, first), last)
    found = []
    for line, column, comment in comments:
        match = IGNORE_COMMENT.search(comment)
        if match is None:
            continue
        rules = re.sub(r"\s+", "", match[1] or "")
        reason = match[2].strip().removesuffix("*/").strip()
        first, last = line, line
        if not lines[line - 1].lstrip().startswith(("#", "//", "/*")):
            # A trailing comment: the element starting on this line, else the smallest one around it.
            if line in starts:
                last = starts[line]
            else:
                around = [t for t in targets if t[0] <= line <= t[1]]
                if around:
                    first, last = min(around, key=lambda t: t[1] - t[0])
        else:
            candidate = line + 1
            while candidate <= len(lines) and (
                not lines[candidate - 1].strip() or lines[candidate - 1].lstrip().startswith(("#", "//"))
            ):
                candidate += 1
            if candidate in starts:
                first, last = candidate, starts[candidate]
        found.append([line, column, rules, reason, first, last])
    return found
