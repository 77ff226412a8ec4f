"""Function calls Terraform refuses, in Terraform's own words: the wrong number of arguments is an input error at the
call (Terraform refuses the configuration), a known argument of the wrong type an error value (which try() and can()
catch, as Terraform's); never a crash. Unknown functions stay unknown values with a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.cli import main
from linter.sources.terraform import load_module
from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.functions import FUNCTIONS, Param, Signature
from linter.sources.terraform.values import Unknown, Val, to_python

POLICY = 'resource "aws_iam_policy" "p" {{\n  name   = "p"\n  policy = {expr}\n}}\n'


def _errors(folder: Path, expr: str) -> list[tuple[str, str]]:
    (folder / "main.tf").write_text(POLICY.format(expr=expr))
    return [(e.loc.short(), e.message) for e in load_module(folder).errors]


@pytest.mark.parametrize(
    ("expr", "column", "message"),
    [
        (
            "jsonencode()",
            12,
            'Not enough function arguments; Function "jsonencode" expects 1 argument(s). Missing value for "val".',
        ),
        (
            'jsonencode({ Version = "2012-10-17" }, 2)',
            12,
            'Too many function arguments; Function "jsonencode" expects only 1 argument(s).',
        ),
        (
            'replace("a", "b")',
            12,
            'Not enough function arguments; Function "replace" expects 3 argument(s). Missing value for "replace".',
        ),
        (
            # a variadic function names the count it needs at least
            "lookup({})",
            12,
            'Not enough function arguments; Function "lookup" expects at least 2 argument(s). Missing value for "key".',
        ),
        (
            "format()",
            12,
            'Not enough function arguments; Function "format" expects at least 1 argument(s). '
            'Missing value for "format".',
        ),
        (
            # with `...` the count is the one after the list is spread
            'join("-", ["a"], ["b"]...) == "" ? "x" : trimprefix(["a", "b", "c"]...)',
            53,
            'Too many function arguments; Function "trimprefix" expects only 2 argument(s).',
        ),
    ],
)
def test_a_call_with_the_wrong_number_of_arguments_is_an_input_error_at_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expr: str, column: int, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _errors(tmp_path, expr) == [(f"main.tf:3:{column}", message)]


def test_the_cli_reports_it_as_an_input_error_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(POLICY.format(expr="jsonencode()"))
    assert main(["check", "."]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert (
        'main.tf:3:12: error: Not enough function arguments; Function "jsonencode" expects 1 argument(s). '
        'Missing value for "val".'
    ) in text
    assert "please report it" not in text and "Traceback" not in text


def test_a_call_that_fits_is_no_error_and_an_unknown_function_stays_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for fits in ('{ Version = "2012-10-17", Statement = [] }', 'lookup({}, "a", "b")', "concat()"):
        assert _errors(tmp_path, f"jsonencode({fits})") == [], fits
    # not implemented here: no arity is known, so no error, only an unknown value (and its note)
    assert _errors(tmp_path, "base64encode()") == []


def test_every_function_declares_its_parameters() -> None:
    kinds = {"string", "number", "bool", "list", "map", "any"}
    for name, spec in FUNCTIONS.items():
        signature = spec.signature
        assert all(param.type in kinds for param in signature.params), name
        assert signature.more is None or signature.more.type in kinds, name
        assert signature.min_args == len(signature.params)
    assert FUNCTIONS["jsonencode"].signature == Signature((Param("val", "any"),))
    assert FUNCTIONS["lookup"].signature.max_args is None
    assert FUNCTIONS["slice"].signature.max_args == 3


# --- argument types: a known value a string or number parameter cannot take ----------------------------------------


def _evaluate(folder: Path, expr: str) -> Val:
    (folder / "main.tf").write_text(f"locals {{\n  x = {expr}\n}}\n")
    ev = Evaluator()
    module = ev.module(folder)
    assert module.errors == []
    return Instance(ev, module, "", root_inputs(ev, module, [])).local("x")


@pytest.mark.parametrize(
    ("expr", "refusal"),
    [
        # Each refusal as `terraform console` (1.11) words it, after "Error: Invalid function argument".
        ('upper(["a"])', 'Invalid value for "str" parameter: string required'),
        ("lower({ a = 1 })", 'Invalid value for "str" parameter: string required'),
        ('replace(["a"], "a", "b")', 'Invalid value for "str" parameter: string required'),
        ('split(null, "a")', 'Invalid value for "separator" parameter: argument must not be null'),
        ('abs("x")', 'Invalid value for "num" parameter: a number is required'),
        ("abs(true)", 'Invalid value for "num" parameter: number required'),
        ("ceil([1])", 'Invalid value for "num" parameter: number required'),
        ('element(["a"], "x")', 'Invalid value for "index" parameter: a number is required'),
        ('max(1, "x")', 'Invalid value for "numbers" parameter: a number is required'),
    ],
)
def test_a_known_argument_of_the_wrong_type_is_terraforms_error_value(tmp_path: Path, expr: str, refusal: str) -> None:
    value = _evaluate(tmp_path, expr)
    assert isinstance(value, Unknown) and value.error
    assert value.reason == f"Terraform refuses this call: {refusal}"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("upper(5)", "5"),  # cty converts numbers and bools to strings
        ("upper(true)", "TRUE"),
        ('substr("abc", "1", 1)', "b"),  # and numeric strings to numbers
        ('try(upper(["a"]), "fallback")', "fallback"),  # the refusal is an error value: try() catches it
        ('can(abs("x"))', False),
    ],
)
def test_what_terraform_converts_is_taken(tmp_path: Path, expr: str, expected: object) -> None:
    value = _evaluate(tmp_path, expr)
    assert not isinstance(value, Unknown), (value.expr, value.reason)
    assert to_python(value) == expected
