"""python-hcl2's LALR parser, run from its Lark grammar cache without building a `lark.Lark` object.

python-hcl2 parses with Lark: it compiles `hcl2.lark` into LALR tables once and pickles them next to the grammar
(`.lark_cache.bin`). Turning that pickle back into a `Lark` object costs ~0.1 s per process (a generic object
deserialiser), importing Lark ~0.05 s more, and Lark's tree builder propagates positions through every reduction,
most of them single-child precedence steps. This module reads the same pickle (plain dicts and lists), checks that it
was built from the installed grammar and Lark exactly as Lark itself checks it, and runs the tables with a small
driver that reproduces Lark's behaviour:
- the contextual lexer: per parser state, the terminals that state accepts, ordered as Lark orders them (priority,
  longest possible match, pattern length, name), keyword strings folded into the regexps that match them; on a
  character no terminal of the state accepts, the error names the token the full lexer would have read there;
- python-hcl2's post-lexer: a newline directly before a binary operator or `?` is merged into the operator token,
  and the token after a newline is lexed before that newline reaches the parser (a generator pipeline in Lark);
- Lark's tree shaping: `?rule` with one child is replaced by the child, `_rule` children are spliced into their
  parent, aliases name the node;
- positions: a node spans from its first to its last token, as `propagate_positions=True` gives for this grammar
  (no terminal is filtered out); they are computed only for the nodes the converter asks about.

Anything unexpected (no cache yet, a cache built from another grammar or Lark version, a grammar feature this driver
does not reproduce) makes `load()` return None, and hcl.py uses Lark as before. tests/sources/terraform/test_tf_lalr.py
compares both, trees, positions and errors, on the fixtures, the examples and mutations of them.

Measured on the 60-module benchmark corpus (95 files, 5,400 lines): loading 0.02 s instead of 0.15 s with Lark's
import, parsing 0.15 s instead of 0.5-0.8 s.

Unpickling Lark's cache still cost ~10 ms a process (100,000 small containers, most of them for states no parse
reaches), and compiling the ~15 lexers a parse meets ~7 ms more. So the first process converts the tables once
(`Parser.tables`): marshalled, each state's actions apart (decoded when reached), with every state's lexer as its
regexps' compiled code. They are kept in the user's private folder, named by the accepted cache's key, the format and
Python's exact version, and read instead of Lark's cache while Lark would accept that cache (`load`): ~1.5 ms.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import re
import sys
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any, NamedTuple

from linter.digest import sha256
from linter.sources.terraform.cache_folder import package_folder

# python-hcl2's PostLexer (hcl2/postlexer.py): a newline before these is a line continuation, merged into them.
OPERATOR_TYPES = frozenset(
    {"DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT", "DOUBLE_AMP", "DOUBLE_PIPE", "PLUS",
     "QMARK"}
)  # fmt: skip
NEWLINE = "NL_OR_COMMENT"


class Token(NamedTuple):
    """A lexed token: the attributes of a Lark Token (`str(token)` is its text).

    A tuple, made with `tuple.__new__` (`_new`): cheaper than an object with __init__ and slots, and tokens are the
    most numerous objects of a parse.
    """

    type: str
    value: str
    start_pos: int
    line: int
    column: int
    end_line: int
    end_column: int
    end_pos: int

    def __str__(self) -> str:
        return self.value


Token.data = None  # type: ignore[attr-defined]  # not a node: getattr(x, "data", None) needs no failed lookup


class Span:
    """Where a node sits: Lark's `Meta` attributes, from the node's first and last token."""

    __slots__ = ("column", "end_column", "end_line", "end_pos", "line", "start_pos")

    def __init__(self, first: Token, last: Token) -> None:
        self.line = first.line
        self.column = first.column
        self.start_pos = first.start_pos
        self.end_line = last.end_line
        self.end_column = last.end_column
        self.end_pos = last.end_pos


class Node(NamedTuple):
    """A parse-tree node: `data` (the rule or alias name) and `children`, as in a Lark Tree; `meta` on demand."""

    data: str
    children: list[Any]

    @property
    def meta(self) -> Span:
        first, last = _edge(self, False), _edge(self, True)
        if first is None or last is None:
            raise ValueError(f"empty {self.data} node has no position")
        return Span(first, last)


_new: Any = tuple.__new__  # _new(Token, (fields...)) / _new(Node, (data, children)): no Python-level __new__ call


def _edge(node: Node, last: bool) -> Token | None:
    """The first (or last) token under a node; nodes without tokens are skipped, as Lark skips empty ones."""
    # Down the first (last) children without recursion while none is empty: the common case, asked for every span.
    index = -1 if last else 0
    child: Any = node
    while child.children:
        child = child.children[index]
        if type(child) is Token:
            return child
    for child in reversed(node.children) if last else node.children:
        if type(child) is Token:
            return child
        found = _edge(child, last)
        if found is not None:
            return found
    return None


class ParseError(Exception):
    """What Lark's UnexpectedToken / UnexpectedCharacters carry: the token (or character) and where."""

    def __init__(self, line: int, column: int, token: Token | None = None, char: str | None = None) -> None:
        super().__init__(f"unexpected {token!r} at {line}:{column}" if token else f"unexpected {char!r}")
        self.line = line
        self.column = column
        self.token = token
        self.char = char


class _Terminal:
    __slots__ = ("is_string", "max_width", "name", "newline", "priority", "regexp", "value")

    def __init__(self, data: dict[str, Any]) -> None:
        pattern = data["pattern"]
        if pattern.get("flags") or pattern["__type__"] not in ("PatternStr", "PatternRE"):
            raise _Unsupported(f"terminal {data['name']} has flags or an unknown pattern type")
        self.name: str = data["name"]
        self.priority: int = data["priority"]
        self.value: str = pattern["value"]
        self.is_string = pattern["__type__"] == "PatternStr"
        self.regexp = re.escape(self.value) if self.is_string else self.value
        self.max_width: int = len(self.value) if self.is_string else pattern["_width"][1]
        r = self.regexp  # lark.lexer._regexp_has_newline: may this terminal span lines?
        self.newline = "\n" in r or "\\n" in r or "\\s" in r or "[^" in r or ("(?s" in r and "." in r)


class _Unsupported(Exception):
    pass


class _Lexer:
    """Lark's BasicLexer for one set of terminals: one alternation, keywords folded into the regexps they match."""

    __slots__ = ("ignore", "match", "newline", "scanners", "unless")

    def __init__(self, terminals: list[_Terminal], ignore: frozenset[str]) -> None:
        terminals = sorted(terminals, key=lambda t: (-t.priority, -t.max_width, -len(t.value), t.name))
        self.unless: dict[str, dict[str, str]] = {}
        embedded: set[str] = set()
        strings = [t for t in terminals if t.is_string]
        for regexp in (t for t in terminals if not t.is_string):
            folded: dict[str, str] = {}
            for string in strings:
                if string.priority != regexp.priority:
                    continue
                match = re.match(regexp.regexp, string.value)
                if match and match.group(0) == string.value:
                    folded.setdefault(string.value, string.name)
                    embedded.add(string.name)  # no flags anywhere, so always embedded
            if folded:
                self.unless[regexp.name] = folded
        kept = [t for t in terminals if t.name not in embedded]
        self.scanners = _compile(kept)
        self.match = self.scanners[0].match if len(self.scanners) == 1 else self._match
        self.ignore = ignore
        self.newline = frozenset(t.name for t in kept if t.newline)

    @classmethod
    def from_stored(cls, stored: Any, ignore: frozenset[str]) -> _Lexer:
        """The lexer `stored()` described, its regexps made from their compiled code without parsing them again (the
        tables that hold it are named by Python's exact version, whose `re` compiled that code)."""
        unless, newline, scanners = stored
        sre = import_module("_sre")
        lexer = cls.__new__(cls)
        lexer.unless = unless
        lexer.scanners = [sre.compile(*parts) for parts in scanners]
        lexer.match = lexer.scanners[0].match if len(lexer.scanners) == 1 else lexer._match
        lexer.ignore = ignore
        lexer.newline = frozenset(newline)
        return lexer

    def stored(self) -> Any:
        """This lexer as plain data (`from_stored`): compiling its regexps is most of the ~8 ms a parse of a first
        file takes to build the ~15 lexers it meets; None when this Python's `re` does not compile as expected."""
        parts = [_compiled_parts(scanner.pattern) for scanner in self.scanners]
        if any(part is None for part in parts):
            return None
        return (self.unless, sorted(self.newline), parts)

    def _match(self, text: str, pos: int) -> re.Match[str] | None:
        for scanner in self.scanners:
            found = scanner.match(text, pos)
            if found:
                return found
        return None


def _compiled_parts(pattern: str) -> tuple[Any, ...] | None:
    """What `re.compile(pattern)` hands to `_sre.compile` (re._compiler.compile of Python 3.11-3.13), as plain data;
    None when `re` is not built that way, or the result would not be the very same pattern."""
    try:
        parser, compiler, sre = import_module("re._parser"), import_module("re._compiler"), import_module("_sre")
        parsed = parser.parse(pattern, 0)
        code = [int(word) for word in compiler._code(parsed, 0)]
        groupindex = {str(name): int(index) for name, index in parsed.state.groupdict.items()}
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        parts = (pattern, int(parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        made, expected = sre.compile(*parts), re.compile(pattern)
    except Exception:  # another layout of `re`'s internals: the lexers are compiled the usual way
        return None
    same = (made.pattern, made.flags, made.groups, made.groupindex) == (
        expected.pattern, expected.flags, expected.groups, expected.groupindex
    )  # fmt: skip
    return parts if same else None


def _compile(terminals: list[_Terminal]) -> list[re.Pattern[str]]:
    """One alternation (first alternative wins), split if `re` rejects too many groups (as Lark does).

    Lark writes `(?P<NAME>regexp)`; here the empty group `(?P<NAME>)` follows the regexp instead. It still names the
    match (`lastgroup` is the group closed last), and `re` can skip an alternative that starts with a literal or a
    character set on its first character, without entering a group: lexing is ~8% faster.
    """
    scanners = []
    size = len(terminals)
    while terminals:
        try:
            pattern = "|".join(f"(?:{t.regexp})(?P<{t.name}>)" for t in terminals[:size])
            scanners.append(re.compile(pattern))
        except AssertionError:
            size //= 2
            continue
        terminals = terminals[size:]
    return scanners


# A rule as the driver runs it: (size, origin, node name, mode, splice). Modes: _KEEP a `?rule` reduced from one
# child keeps that child (the most common reduction by far); _TREE always builds a node; _EXPAND builds one unless a
# single child is left; _INLINE (a `_rule`, always spliced into its parent) leaves just the list of its children.
# `splice` lists (index, is `_rule`) when some children are `_rule` values to splice.
_KEEP, _TREE, _EXPAND, _INLINE = 0, 1, 2, 3
Rule = tuple[int, str, str, int, "tuple[tuple[int, bool], ...] | None"]


class _States(dict[int, dict[str, Any]]):
    """Parse actions by state, converted from the pickle on first use: token -> next state (int) or a Rule."""

    def __init__(self, parser: Parser) -> None:
        super().__init__()
        self.parser = parser

    def __missing__(self, state: int) -> dict[str, Any]:
        parser = self.parser
        tokens, rules = parser.tokens, parser.rules
        raw = parser.raw_states[state]
        if raw.__class__ is bytes:  # from our own tables (`tables`): each state is decoded when first reached
            raw = marshal.loads(raw)
        actions = {tokens[token]: rules[arg["@"]] if action == 1 else arg for token, (action, arg) in raw.items()}
        self[state] = actions
        return actions


class _Lexers(dict[int, _Lexer]):
    """The contextual lexer: per state, a lexer for the terminals that state accepts (shared by equal sets)."""

    def __init__(self, parser: Parser) -> None:
        super().__init__()
        self.parser = parser
        self.by_accepts: dict[frozenset[str], _Lexer] = {}

    def __missing__(self, state: int) -> _Lexer:
        parser = self.parser
        accepts = frozenset(n for n in parser.states[state] if n in parser.terminals)
        lexer = self.by_accepts.get(accepts)
        if lexer is None:
            stored = parser.stored_lexers.get(accepts)
            try:
                lexer = None if stored is None else _Lexer.from_stored(stored, parser.ignore)
            except Exception:  # not what `_Lexer.stored` writes: compiled the usual way, as without tables
                lexer = None
            if lexer is None:
                lexer = _Lexer([parser.terminals[n] for n in accepts | parser.ignore], parser.ignore)
            self.by_accepts[accepts] = lexer
        self[state] = lexer
        return lexer


class Parser:
    """The LALR tables of python-hcl2's grammar and a driver that builds Lark-shaped trees of `Node`/`Token`."""

    def __init__(self, data: dict[str, Any]) -> None:
        memo: dict[int, dict[str, Any]] = data["memo"]
        grammar = data["data"]
        options = grammar["options"]
        frontend = grammar["parser"]
        lexer_conf = frontend["lexer_conf"]
        table = frontend["parser"]
        if (
            options.get("parser") != "lalr"
            or options.get("lexer") != "contextual"
            or lexer_conf.get("lexer_type") != "contextual"
            or lexer_conf.get("g_regex_flags")
            or lexer_conf.get("use_bytes")
            or options.get("start") != ["start"]
        ):
            raise _Unsupported("not a plain contextual-lexer LALR grammar")
        self._set_up(
            [memo[ref["@"]] for ref in lexer_conf["terminals"]],
            frozenset(lexer_conf["ignore"]),
            table["tokens"],
            table["states"],
            table["start_states"]["start"],
            table["end_states"]["start"],
            {ref["@"]: _rule(memo[ref["@"]]) for ref in grammar["rules"]},
        )

    def _set_up(
        self,
        terminal_data: list[dict[str, Any]],
        ignore: frozenset[str],
        tokens: dict[int, str],
        raw_states: dict[int, Any],
        start_state: int,
        end_state: int,
        rules: dict[int, Rule],
    ) -> None:
        self.terminal_data = terminal_data
        terminals = [_Terminal(data) for data in terminal_data]
        self.terminals = {t.name: t for t in terminals}
        self.ignore = ignore
        if not self.ignore <= self.terminals.keys():
            raise _Unsupported("an ignored terminal is not defined")
        self.tokens = tokens
        # by state: {token: (action, argument)}, or those marshalled (`tables`), decoded on first use (`_States`)
        self.raw_states = raw_states
        self.start_state = start_state
        self.end_state = end_state
        self.rules = rules
        # lexers by the terminals they accept, as `_Lexer.stored` describes them (from our own tables, else none)
        self.stored_lexers: dict[frozenset[str], Any] = {}
        self.states = _States(self)
        self.lexers = _Lexers(self)
        self.chains: dict[tuple[int, int, str], int] = {}
        self._root: _Lexer | None = None

    @classmethod
    def from_tables(cls, tables: bytes) -> Parser:
        """A parser from what `tables()` wrote; raises (ValueError, EOFError, TypeError...) on anything else."""
        (
            version, terminal_data, ignore, tokens, raw_states, start_state, end_state, rules, lexers
        ) = marshal.loads(tables)  # fmt: skip
        if version != TABLES_FORMAT or not isinstance(raw_states, dict) or not isinstance(lexers, dict):
            raise _Unsupported("tables of another format")
        parser = cls.__new__(cls)
        parser._set_up(terminal_data, frozenset(ignore), tokens, raw_states, start_state, end_state, rules)
        parser.stored_lexers = lexers
        return parser

    def tables(self) -> bytes:
        """This parser's tables in marshal's format, each state's actions marshalled apart: loading them takes ~1 ms
        instead of the ~8 ms of unpickling Lark's cache and converting its rules, and a parse decodes only the
        states it reaches (~120 of python-hcl2's 1,045 on the benchmark corpus)."""
        states = {
            state: raw if raw.__class__ is bytes else marshal.dumps(raw) for state, raw in self.raw_states.items()
        }
        # Every state's lexer, built once here (~50 ms, once per installed grammar) so that no parse compiles one.
        lexers: dict[frozenset[str], Any] = {}
        for state in states:
            lexer = self.lexers[state]
            accepts = frozenset(n for n in self.states[state] if n in self.terminals)
            if accepts not in lexers:
                stored = lexer.stored()
                if stored is None:
                    lexers = {}
                    break
                lexers[accepts] = stored
        return marshal.dumps(
            (
                TABLES_FORMAT, self.terminal_data, sorted(self.ignore), self.tokens, states, self.start_state,
                self.end_state, self.rules, lexers,
            )
        )  # fmt: skip

    @property
    def root(self) -> _Lexer:
        """The lexer of all terminals (Lark's root lexer), used only to word errors."""
        if self._root is None:
            self._root = _Lexer(list(self.terminals.values()), self.ignore)
        return self._root

    def _tokens(self, text: str, state_stack: list[int]) -> Iterator[Token]:
        """Lark's contextual lexer piped into python-hcl2's PostLexer, as one generator.

        Each token is lexed in the state the parser is in when it asks for it. A newline is held back until the
        next token is lexed (in the state before the newline): before an operator it is merged into it.
        """
        lexers = self.lexers
        pending: Token | None = None
        pos, line, line_start, end = 0, 1, 0, len(text)
        while pos < end:
            lexer = lexers[state_stack[-1]]
            match = lexer.match(text, pos)
            if match is None:
                raise self._unexpected(text, pos, line, pos - line_start + 1)
            kind: str = match.lastgroup  # type: ignore[assignment]
            start, start_line = pos, line
            pos = match.end()
            if kind in lexer.newline:
                value = match.group()
                count = value.count("\n")
                if count:
                    column = start - line_start + 1
                    line += count
                    line_start = start + value.rindex("\n") + 1
                    end_column = pos - line_start + 1
                else:
                    column = start - line_start + 1
                    end_column = column + pos - start
                if kind in lexer.ignore:
                    continue
            elif kind in lexer.ignore:
                continue
            else:
                value = match.group()
                column = start - line_start + 1
                end_column = column + pos - start
            if kind in lexer.unless:
                kind = lexer.unless[kind].get(value, kind)
            if kind == NEWLINE:
                if pending is not None:
                    yield pending
                pending = _new(Token, (kind, value, start, start_line, column, line, end_column, pos))
                continue
            if pending is not None:
                if kind in OPERATOR_TYPES:
                    value = pending.value + value
                else:
                    yield pending
                pending = None
            yield _new(Token, (kind, value, start, start_line, column, line, end_column, pos))
        if pending is not None:
            yield pending

    def _unexpected(self, text: str, pos: int, line: int, column: int) -> ParseError:
        """No terminal of this state matches: name the token the full lexer reads here, else the character."""
        root = self.root
        for scanner in root.scanners:
            match = scanner.match(text, pos)
            if match:
                value = match.group(0)
                kind: str = match.lastgroup  # type: ignore[assignment]
                if kind in root.ignore:
                    break  # unreachable: this state's lexer matches ignored text too
                end_line, end_column = line, column + len(value)
                if kind in root.newline and "\n" in value:
                    end_line += value.count("\n")
                    end_column = len(value) - value.rindex("\n")
                kind = root.unless.get(kind, {}).get(value, kind)
                token = Token(kind, value, pos, line, column, end_line, end_column, pos + len(value))
                return ParseError(line, column, token=token)
        return ParseError(line, column, char=text[pos])

    def parse(self, text: str) -> Node:
        """Parse text (ending with a newline, as python-hcl2 requires) into a tree; raises ParseError."""
        states = self.states
        chains = self.chains
        state_stack = [self.start_state]
        values: list[Any] = []
        token = None
        for token in self._tokens(text, state_stack):
            kind = token.type
            while True:
                action = states[state_stack[-1]].get(kind)
                if action.__class__ is int:  # shift
                    state_stack.append(action)
                    values.append(token)
                    break
                if action is None:
                    raise ParseError(token.line, token.column, token=token)
                size, origin, name, mode, splice = action
                if mode == _KEEP:
                    # `?rule: child` reductions keep the value and the state below: a run of them (the operator
                    # precedence ladder) depends only on that state, the top state and the token.
                    key = (state_stack[-2], state_stack[-1], kind)
                    top = chains.get(key)
                    if top is None:
                        top = chains[key] = self._chain(state_stack[-2], state_stack[-1], kind)
                    state_stack[-1] = top
                    continue
                if size:
                    children = values[-size:]
                    del values[-size:]
                    del state_stack[-size:]
                else:
                    children = []
                if splice is not None:  # `_rule` children are replaced by their own children
                    kept: list[Any] = []
                    for index, inline in splice:
                        if not inline:
                            kept.append(children[index])
                        elif kept:
                            kept += children[index]
                        else:
                            kept = children[index]
                    children = kept
                if mode == _INLINE:
                    values.append(children)
                else:
                    values.append(
                        children[0] if mode == _EXPAND and len(children) == 1 else _new(Node, (name, children))
                    )
                state_stack.append(states[state_stack[-1]][origin])
        return self._finish(token, state_stack, values)

    def _finish(self, last: Token | None, state_stack: list[int], values: list[Any]) -> Node:
        """After the last token, reduce on $END (positioned at that token, as Lark does) until `start` is complete."""
        states = self.states
        if last is None:
            end = Token("$END", "", 0, 1, 1, 1, 1, 0)
        else:
            end = Token(
                "$END", "", last.start_pos, last.line, last.column, last.end_line, last.end_column, last.end_pos
            )
        end_state = self.end_state
        while True:
            action = states[state_stack[-1]].get("$END")
            if action is None or action.__class__ is int:
                raise ParseError(end.line, end.column, token=end)
            size, origin, name, mode, splice = action
            if mode == _KEEP:
                del state_stack[-1]
            else:
                _build(values, state_stack, size, name, mode, splice)
            state_stack.append(states[state_stack[-1]][origin])
            if state_stack[-1] == end_state:
                return values[-1]

    def _chain(self, below: int, top: int, kind: str) -> int:
        """The top state after every `?rule: child` reduction that `kind` triggers from `top` above `below`."""
        states = self.states
        while True:
            action = states[top].get(kind)
            if action is None or action.__class__ is int or action[3] != _KEEP:
                return top
            top = states[below][action[1]]


def _build(values: list[Any], state_stack: list[Any], size: int, name: str, mode: int, splice: Any) -> None:
    """Reduce the top `size` values into one, shaped as Lark's tree builder shapes it."""
    if size:
        children = values[-size:]
        del values[-size:]
        del state_stack[-size:]
    else:
        children = []
    if splice is not None:  # `_rule` children are replaced by their own children
        kept: list[Any] = []
        for index, inline in splice:
            if not inline:
                kept.append(children[index])
            elif kept:
                kept += children[index]
            else:
                kept = children[index]
        children = kept
    if mode == _INLINE:
        values.append(children)
    else:
        values.append(children[0] if mode == _EXPAND and len(children) == 1 else _new(Node, (name, children)))


def _rule(rule: dict[str, Any]) -> Rule:
    options = rule["options"]
    if options.get("template_source") or options.get("empty_indices"):
        raise _Unsupported("templates or placeholders")
    expansion = rule["expansion"]
    if any(s["__type__"] == "Terminal" and s.get("filter_out") for s in expansion):
        raise _Unsupported("a filtered-out terminal")  # positions would then need the unfiltered children
    origin: str = rule["origin"]["name"]
    alias = rule["alias"]
    inline = [s["__type__"] == "NonTerminal" and s["name"].startswith("_") for s in expansion]
    splice = tuple(enumerate(inline)) if any(inline) else None
    expand1 = bool(options["expand1"]) and not alias
    if origin.startswith("_"):
        if expand1:
            raise _Unsupported("an inlined rule that may also be replaced by its child")
        mode = _INLINE
    else:
        mode = (_KEEP if len(expansion) == 1 and splice is None else _EXPAND) if expand1 else _TREE
    return (len(expansion), origin, alias or origin, mode, splice)


# -- finding and checking python-hcl2's grammar cache --------------------------------------------------------------


def _lark_version(folder: Path) -> str | None:
    try:
        source = (folder / "__init__.py").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"""^__version__\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", source, re.MULTILINE)
    return found[1] if found else None


def hcl2_folder() -> Path | None:
    return package_folder("hcl2")


def default_cache() -> Path | None:
    """`hcl2.parser.PARSER_FILE`, where python-hcl2 has Lark cache its grammar, found without importing hcl2."""
    folder = hcl2_folder()
    return None if folder is None else folder.absolute().resolve() / ".lark_cache.bin"


def options_text(options: dict[str, Any]) -> str:
    """The options as Lark hashes them into the cache key (lark.Lark.__init__), in the order they were passed."""
    unhashable = ("transformer", "postlex", "lexer_callbacks", "edit_terminals", "_plugins")
    return "".join(k + str(v) for k, v in options.items() if k not in unhashable)


def hcl2_options(cache: Path) -> str:
    """The options `hcl2.parser.parser()` passes to Lark (rel_to is consumed by Lark.open)."""
    return options_text({"parser": "lalr", "cache": str(cache), "propagate_positions": True})


def cached_parser(own_cache: Path | None, own_options: str, tables: Path | None = None) -> Parser | None:
    """The parser from python-hcl2's own grammar cache (`default_cache`), else from `own_cache` (written by a Lark
    call with `own_options`, when site-packages is read-only); None when neither is usable. `tables`: the private
    folder where the tables converted from the accepted cache are kept (`load`)."""
    candidates = []
    default = default_cache()
    if default is not None:
        candidates.append((default, hcl2_options(default)))
    if own_cache is not None:
        candidates.append((own_cache, own_options))
    return load(candidates, tables)


def load(candidates: list[tuple[Path, str]], tables: Path | None = None) -> Parser | None:
    """The parser from the first grammar cache Lark itself would accept for the installed grammar; else None.

    `candidates` are cache files, each with the options text (`options_text`) of the Lark call that writes it.
    With `tables` (the user's private folder, `cache_folder.private_folder`: never a folder others may write, as
    marshal data is no safer to load from a stranger than a pickle), the tables converted from an accepted cache are
    kept there (`Parser.tables`), named by that cache's key, and read instead of it as long as the cache is accepted.
    """
    folder = hcl2_folder()
    lark_folder = package_folder("lark")
    version = None if lark_folder is None else _lark_version(lark_folder)
    if folder is None or version is None:
        return None
    try:
        with open(folder / "hcl2.lark", encoding="utf-8") as handle:  # text mode, as Lark.open reads it
            grammar = handle.read()
    except OSError:
        return None
    for path, options in candidates:
        # lark.Lark.__init__: the first line is sha256(grammar + options + Lark version + Python version).
        expected = sha256(f"{grammar}{options}{version}{sys.version_info[:2]}".encode()).hexdigest()
        try:
            with open(path, "rb") as handle:
                if handle.readline().rstrip(b"\n") != expected.encode():
                    continue
                converted = None if tables is None else tables / _tables_name(expected)
                parser = None if converted is None else _read_tables(converted)
                if parser is not None:
                    return parser
                stale = converted is not None and converted.exists()  # there, but not tables this driver reads
                if _unpickle(handle):  # files the grammar %imports: python-hcl2's imports none
                    continue
                data = _unpickle(handle)
            parser = Parser(data)
        except Exception:  # unreadable, or a shape this driver does not know: Lark will do
            continue
        if converted is not None:
            _write_tables(converted, parser, stale)
        return parser
    return None


TABLES_FORMAT = 2  # bump when what `Parser.tables` writes changes


def _tables_name(key: str) -> str:
    """The converted tables' file name: Lark's key of the cache they come from, this format, and Python's version
    (marshal's format is Python's own)."""
    digest = sha256(f"{key}\0{TABLES_FORMAT}\0{sys.version}".encode()).hexdigest()
    return f"hcl2-tables-{digest[:32]}.marshal"


def _read_tables(path: Path) -> Parser | None:
    try:
        with open(path, "rb") as handle:
            return Parser.from_tables(handle.read())
    except Exception:  # missing, or not tables this driver wrote: from Lark's cache, and written anew
        return None


def _write_tables(path: Path, parser: Parser, stale: bool) -> None:
    from linter.atomic import create_once  # lazy: written once per installed grammar

    # Complete or absent, and a concurrent first run may write it first. Not writable (a read-only home): the next
    # process converts Lark's cache again.
    with contextlib.suppress(OSError, ValueError):
        if stale:
            path.unlink()
        create_once(path, parser.tables(), 0o600)


def _unpickle(handle: Any) -> Any:
    """pickle.load with the garbage collector paused: the tables are ~100,000 small containers, and the collections
    their allocation triggers more than double the load time (18 ms instead of 44 ms)."""
    import pickle

    paused = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(handle)
    finally:
        if paused:
            gc.enable()
