"""lalr.py runs python-hcl2's grammar without Lark: it must give Lark's trees, positions and errors exactly."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from linter.sources.terraform import hcl, lalr

REPO = Path(__file__).resolve().parents[3]
SNIPPETS = [
    "",
    "# only a comment",
    "/* block */",
    "a = 1\r\nb = 2\r\n",
    "in {}\n",
    "for = 1\n",
    "x = a\n  ? b\n  : c\n",
    "x = a\n  || b\n",
    "x = a\n  - b\n",
    "x = a\n\n  + b\n",
    "x = <<EOT\nhello\nEOT\n",
    "x = <<-EOT\n    hi ${a.b}\n  EOT\n",
    'x = "%{ if a }b%{ else }c%{ endif }"\n',
    'x = "%{ for a in b }${a}%{ endfor }"\n',
    'x = "$${a} %%{b}"\n',
    'x = [for k, v in m : v if k != "a"]\n',
    "x = {for k, v in m : k => v...}\n",
    "x = a.*.b\nx = a[*].b[0]\nx = a.0.b\n",
    "x = f(a, b...)\nx = provider::aws::f(1)\n",
    "x = -1.5e3\nx = !a && b\n",
    'x = "\\"q\\" \\u0041 é ☃"\n',
    'b "l1" "l2" {\n  c {\n  }\n}\n',
    'a = { "k" = 1, (v) = 2, k3: 3 }\n',
    "a = [\n  1,\n  2,\n]\n",
    "x = a # trailing\ny = b // other\nz = 1 /* inline */ + 2\n",
    'x = "${a}${b}"\n',
    "a = null\nb = true\nc = false\n",
    # errors: unexpected tokens, characters, end of file, unclosed heredocs and strings
    "a = = 1",
    'resource "x" "y" {\n  a = 1 2\n}',
    "a = {\n  b = [1,\n}",
    "x = <<EOF\nabc\n",
    'a = "unterminated\n',
    "a = 1 +\n",
    "a = (1\n+ 2)\n",
    "}",
    "a = 1 ^ 2",
    "a = `b`",
]


@cache
def _lark() -> Any:
    return hcl._lark_parser()


def _shape(node: Any) -> Any:
    """A tree as comparable data: names, token types and texts, and every position either parser reports."""
    if getattr(node, "data", None) is not None:
        return (node.data, _where(node), [_shape(child) for child in node.children])
    positions = (node.line, node.column, node.end_line, node.end_column, node.start_pos, node.end_pos)
    return (node.type, str(node), positions)


def _where(node: Any) -> Any:
    try:
        meta = node.meta
    except ValueError:  # an empty lalr Node; Lark marks its empty nodes instead
        return None
    if getattr(meta, "empty", False):
        return None
    return (meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)


def _outcome(parse: Any, text: str) -> Any:
    from lark.exceptions import UnexpectedInput

    try:
        return _shape(parse(text))
    except (lalr.ParseError, UnexpectedInput) as error:
        token = getattr(error, "token", None)
        what = None if token is None else (token.type, str(token))
        return ("error", error.line, error.column, what, getattr(error, "char", None))


def _inputs() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(REPO.glob("tests/fixtures/**/*.tf"))]
    texts += [path.read_text(encoding="utf-8") for path in sorted(REPO.glob("examples/**/*.tf"))]
    texts += SNIPPETS
    mutated = []
    rng = random.Random(20261127)
    for text in texts:  # truncated, with a span cut out, with a stray character: mostly syntax errors
        for _ in range(2):
            mutated.append(text[: rng.randrange(len(text) + 1)])
            start = rng.randrange(len(text) + 1)
            mutated.append(text[:start] + text[start + rng.randrange(1, 6) :])
            mutated.append(text[:start] + rng.choice('"{}\n=$%#/*<-?:.[](),\\~!') + text[start:])
    return [text + "\n" for text in texts + mutated]


def test_the_grammar_cache_of_the_installed_hcl2_runs_without_lark() -> None:
    """Fails when an upgrade of python-hcl2 or Lark makes lalr.load() give up (every process would pay ~0.15 s)."""
    assert isinstance(hcl._parser(), lalr.Parser)


def test_a_cache_lark_would_not_accept_is_not_used(tmp_path: Path) -> None:
    """Lark keys its cache by grammar, options, Lark and Python versions; so does lalr.load, or Lark is used."""
    default = lalr.default_cache()
    assert default is not None
    assert isinstance(lalr.load([(default, lalr.hcl2_options(default))]), lalr.Parser)
    copy = tmp_path / "copy.bin"
    copy.write_bytes(default.read_bytes())
    assert lalr.load([(copy, lalr.hcl2_options(copy))]) is None  # written for another path: another key
    stale = tmp_path / "stale.bin"
    stale.write_bytes(b"0" * 64 + default.read_bytes()[64:])
    assert lalr.load([(stale, lalr.hcl2_options(default))]) is None
    assert lalr.load([(tmp_path / "missing.bin", "")]) is None


def test_a_node_spans_its_first_and_last_token_past_empty_nodes() -> None:
    """Lark skips nodes without tokens; `_edge` descends without recursion until it meets one."""
    first = lalr.Token("A", "a", 0, 1, 1, 1, 2, 1)
    last = lalr.Token("B", "b", 2, 2, 1, 2, 2, 3)
    empty = lalr.Node("empty", [])
    left = lalr.Node("left", [empty, lalr.Node("inner", [first])])
    tree = lalr.Node("top", [left, lalr.Node("right", [last, empty])])
    meta = tree.meta
    assert (meta.line, meta.column, meta.start_pos, meta.end_line, meta.end_column, meta.end_pos) == (1, 1, 0, 2, 2, 3)
    with pytest.raises(ValueError, match="empty top node"):
        _ = lalr.Node("top", [empty]).meta


def test_the_post_lexer_rule_is_python_hcl2s() -> None:
    from hcl2.postlexer import OPERATOR_TYPES

    assert lalr.OPERATOR_TYPES == OPERATOR_TYPES


def test_trees_positions_and_errors_are_larks() -> None:
    fast = hcl._parser()
    inputs = _inputs()
    outcomes = [_outcome(fast.parse, text) for text in inputs]
    assert [text for text, ours in zip(inputs, outcomes, strict=True) if ours != _outcome(_lark().parse, text)] == []
    assert sum(ours[0] == "error" for ours in outcomes) > len(inputs) // 3  # mutations reach the error paths


@pytest.mark.parametrize("text", ["a = = 1\n", "x = <<EOF\nabc\n\n", "a = `b`\n"])
def test_syntax_errors_carry_what_lark_would_report(text: str) -> None:
    with pytest.raises(lalr.ParseError) as caught:
        hcl._parser().parse(text)
    assert (caught.value.token is None) != (caught.value.char is None)


def test_converted_tables_parse_as_the_grammar_cache_and_stay_private(tmp_path: Path) -> None:
    """The tables converted from an accepted Lark cache give the same trees, are kept readable by the user alone, and
    are read instead of that cache next time; only as long as Lark would accept that cache."""
    default = lalr.default_cache()
    assert default is not None
    candidates = [(default, lalr.hcl2_options(default))]
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    first = lalr.load(candidates, folder)
    assert isinstance(first, lalr.Parser)
    (written,) = folder.glob("hcl2-tables-*.marshal")
    assert written.stat().st_mode & 0o077 == 0
    again = lalr.load(candidates, folder)
    assert isinstance(again, lalr.Parser) and isinstance(next(iter(again.raw_states.values())), bytes)
    assert again.stored_lexers  # every state's lexer, its regexps made from their compiled code
    plain = lalr.load(candidates)
    assert plain is not None
    inputs = _inputs()
    assert [text for text in inputs if _outcome(again.parse, text) != _outcome(plain.parse, text)] == []
    stale = tmp_path / "stale.bin"
    stale.write_bytes(b"0" * 64 + default.read_bytes()[64:])
    assert lalr.load([(stale, lalr.hcl2_options(default))], folder) is None  # Lark would not accept it: nor these


def test_tables_that_do_not_load_are_written_anew(tmp_path: Path) -> None:
    default = lalr.default_cache()
    assert default is not None
    candidates = [(default, lalr.hcl2_options(default))]
    lalr.load(candidates, tmp_path)
    (written,) = tmp_path.glob("hcl2-tables-*.marshal")
    for damaged in (written.read_bytes()[:1000], b"", b"\x00" * 64):  # truncated, empty, not marshal data
        written.write_bytes(damaged)
        assert isinstance(lalr.load(candidates, tmp_path), lalr.Parser)  # from Lark's cache
        assert isinstance(lalr.Parser.from_tables(written.read_bytes()), lalr.Parser)  # and written anew


def test_a_stored_lexer_that_does_not_load_is_compiled_as_usual(tmp_path: Path) -> None:
    default = lalr.default_cache()
    assert default is not None
    candidates = [(default, lalr.hcl2_options(default))]
    lalr.load(candidates, tmp_path)
    parser = lalr.load(candidates, tmp_path)
    assert parser is not None and parser.stored_lexers
    parser.stored_lexers = dict.fromkeys(parser.stored_lexers, ("not", "a lexer"))
    plain = lalr.load(candidates)
    assert plain is not None
    text = (REPO / "examples" / "presign-sse-kms" / "main.tf").read_text(encoding="utf-8")
    assert _outcome(parser.parse, text) == _outcome(plain.parse, text)
