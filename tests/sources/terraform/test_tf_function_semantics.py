"""Terraform's functions on errors and unknowns, each expected value taken from Terraform's documentation (the page
is cited per case) and checked with `terraform console` (Terraform 1.11): what converts and what is an error, what
try() and can() catch, and that an unknown is never an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.values import ListVal, ObjVal, Scalar, Unknown, Val, split_exprs, to_python

DOCS = "https://developer.hashicorp.com/terraform/language/functions/"

VARS = """
variable "unset" {
  type = string
}
variable "unset_list" {
  type = list(string)
}
"""


def _evaluate(folder: Path, expr: str) -> Val:
    (folder / "main.tf").write_text(f"locals {{\n  x = {expr}\n}}\n{VARS}")
    ev = Evaluator()
    module = ev.module(folder)
    assert module.errors == []
    return Instance(ev, module, "", root_inputs(ev, module, [])).local("x")


def _known(folder: Path, expr: str) -> object:
    result = _evaluate(folder, expr)
    assert not isinstance(result, Unknown), (result.expr, result.reason)
    return to_python(result)


@pytest.mark.parametrize(
    ("page", "expr", "expected"),
    [
        # tostring: strings, numbers and bools convert; null stays null; lists and maps are errors
        ("tostring", 'tostring("hello")', "hello"),
        ("tostring", "tostring(1)", "1"),
        ("tostring", "tostring(true)", "true"),
        ("tostring", "tostring(null)", None),
        ("tostring", 'try(tostring(["a"]), "error")', "error"),
        ("tostring", 'try(tostring({ a = 1 }), "error")', "error"),
        # tonumber: a string holding a number converts; other strings and bools are errors
        ("tonumber", "tonumber(1)", 1),
        ("tonumber", 'tonumber("1")', 1),
        ("tonumber", 'tonumber("1.5")', 1.5),
        ("tonumber", "tonumber(null)", None),
        ("tonumber", 'try(tonumber("no"), "error")', "error"),
        ("tonumber", 'try(tonumber(" 5"), "error")', "error"),  # console: no white space around the number
        ("tonumber", "try(tonumber(true), 0)", 0),
        # tobool: "true" and "false" convert; anything else is an error
        ("tobool", "tobool(true)", True),
        ("tobool", 'tobool("true")', True),
        ("tobool", "tobool(null)", None),
        ("tobool", 'try(tobool("no"), "error")', "error"),
        ("tobool", 'try(tobool("True"), "error")', "error"),  # console: case matters
        # tolist / toset / tomap: element types unified (a string wins), kinds that do not convert are errors
        ("tolist", 'tolist(["a", "b", "c"])', ["a", "b", "c"]),
        ("tolist", 'tolist(["a", "b", 3])', ["a", "b", "3"]),
        ("tolist", 'try(tolist({ a = "b" }), "error")', "error"),
        ("tolist", 'try(tolist(["a", {}]), "error")', "error"),
        ("toset", 'toset(["a", "b", "c"])', ["a", "b", "c"]),
        ("toset", 'toset(["c", "b", "b"])', ["b", "c"]),
        ("toset", 'toset(["a", "b", 3])', ["3", "a", "b"]),
        ("toset", 'try(toset("a"), "error")', "error"),
        ("tomap", "tomap({ a = 1, b = 2 })", {"a": 1, "b": 2}),
        ("tomap", 'tomap({ a = "foo", b = true })', {"a": "foo", "b": "true"}),
        ("tomap", 'try(tomap(["a"]), "error")', "error"),
        # lookup: the default when the key is missing; without a default that is an error
        ("lookup", 'lookup({ a = "ay", b = "bee" }, "a", "what?")', "ay"),
        ("lookup", 'lookup({ a = "ay", b = "bee" }, "c", "what?")', "what?"),
        ("lookup", 'try(lookup({ a = "ay" }, "c"), "error")', "error"),
        # one: null for an empty list, the element of a one-element list, an error for more
        ("one", "one([])", None),
        ("one", 'one(["hello"])', "hello"),
        ("one", 'try(one(["hello", "goodbye"]), "error")', "error"),
        ("one", 'try(one(null), "error")', "error"),  # console: null is not a collection
        # coalesce: the first argument that is neither null nor ""; an error when all are
        ("coalesce", 'coalesce("a", "b")', "a"),
        ("coalesce", 'coalesce("", "b")', "b"),
        ("coalesce", "coalesce(1, 2)", 1),
        ("coalesce", 'coalesce(1, "a")', "1"),  # console: the arguments' types are unified first
        ("coalesce", 'try(coalesce("", null), "error")', "error"),
        # coalescelist: the first non-empty list; an error when every one is empty
        ("coalescelist", 'coalescelist(["a", "b"], ["c", "d"])', ["a", "b"]),
        ("coalescelist", 'coalescelist([], ["c", "d"])', ["c", "d"]),
        ("coalescelist", 'try(coalescelist([], []), "error")', "error"),
        # try: the first argument without an error; can: whether the argument has none
        ("try", 'try(tostring({ a = 1 }), "fallback")', "fallback"),
        ("try", '[for s in ["svc", { type = "AWS" }] : try(tostring(s), "")]', ["svc", ""]),
        ("try", 'try(["${tostring({})}"], "fallback")', "fallback"),  # an error inside a value fails it
        ("can", "can(tostring({ a = 1 }))", False),
        ("can", 'can(tostring("a"))', True),
        ("can", '[for s in ["svc", { type = "AWS" }] : s if !can(tostring(s))]', [{"type": "AWS"}]),
    ],
)
def test_functions_follow_terraforms_documentation(tmp_path: Path, page: str, expr: str, expected: object) -> None:
    """Each case: DOCS + page (e.g. https://developer.hashicorp.com/terraform/language/functions/tostring)."""
    assert _known(tmp_path, expr) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "tostring(var.unset)",
        "tonumber(var.unset)",
        "tobool(var.unset)",
        "tolist(var.unset_list)",
        "toset(var.unset_list)",
        'try(var.unset, "fallback")',  # try() catches errors, not unknown values (DOCS try)
        "can(var.unset)",
        'lookup({ a = "x" }, var.unset, "d")',
        "one(var.unset_list)",
        'coalesce(var.unset, "b")',
        'coalescelist(var.unset_list, ["b"])',
    ],
)
def test_an_unknown_argument_gives_an_unknown_never_an_error(tmp_path: Path, expr: str) -> None:
    result = _evaluate(tmp_path, expr)
    assert isinstance(result, Unknown)
    assert not result.error
    assert "var.unset" in result.reason or result.expr.startswith("var.unset")


def test_coalesce_keeps_a_partly_unknown_string_with_text_of_its_own(tmp_path: Path) -> None:
    # "${var.unset}-lambda" is never "" nor null: it is coalesce()'s result, with its unknown part named
    result = _evaluate(tmp_path, 'coalesce("", "${var.unset}-lambda", "*")')
    assert isinstance(result, Scalar)
    assert (result.value, result.unresolved) == ("${var.unset}-lambda", "var.unset")
    # "${var.unset}" alone may be "": unknown, naming the call
    alone = _evaluate(tmp_path, 'coalesce("${var.unset}", "*")')
    assert isinstance(alone, Unknown) and alone.expr == 'coalesce("${var.unset}", "*")'
    assert alone.reason == "depends on var.unset"


def test_comparing_a_collection_with_unknown_elements_to_null_is_known(tmp_path: Path) -> None:
    # `x != null` on a list or object is known whatever unknown elements it holds (cty's Equals): modules write
    # `var.principals != null ? var.principals : []`, which must not make the whole statement unknown
    assert _known(tmp_path, "[var.unset] != null") is True
    assert _known(tmp_path, "{ a = var.unset } == null") is False
    assert _known(tmp_path, 'null != "${var.unset}-x"') is True
    equal = _evaluate(tmp_path, '[var.unset] == ["a"]')
    assert isinstance(equal, Unknown) and not equal.error


def test_to_conversions_keep_their_positions_and_kinds(tmp_path: Path) -> None:
    as_list = _evaluate(tmp_path, 'tolist(["a", 3])')
    assert isinstance(as_list, ListVal)
    assert [(item.value, item.span.line) for item in as_list.items if isinstance(item, Scalar)] == [("a", 2), ("3", 2)]
    as_map = _evaluate(tmp_path, "tomap({ a = 1 })")
    assert isinstance(as_map, ObjVal) and list(as_map.members) == ["a"]


@pytest.mark.parametrize(
    ("joined", "expressions"),
    [
        ("var.a, var.b", ["var.a", "var.b"]),
        (
            'coalesce(var.role_name, var.function_name, "*"), x',
            ['coalesce(var.role_name, var.function_name, "*")', "x"],
        ),
        ('format("%s)", a, b), c', ['format("%s)", a, b)', "c"]),  # a bracket inside a string does not count
        ('"${lookup(m, "a, b")}", x', ['"${lookup(m, "a, b")}"', "x"]),  # strings inside an interpolation
        ('"${join(", ", var.x)}-${y}", z', ['"${join(", ", var.x)}-${y}"', "z"]),
        ("[for k, v in x : v], q", ["[for k, v in x : v]", "q"]),
    ],
)
def test_unresolved_texts_split_into_whole_expressions(joined: str, expressions: list[str]) -> None:
    # A string's unknown parts are joined with ", " (values.Scalar.unresolved); a note quotes each whole expression
    assert split_exprs(joined) == expressions
