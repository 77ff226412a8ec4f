"""Bounded Terraform evaluation, written as the author of a hostile pull request would write the configuration.

Each case is a small module in `tmp_path` that asks the evaluator for exponential work or memory, or for recursion
deeper than Python's stack: a list doubled 63 times, three nested `for` over `range(1024)`, a string doubled to
gigabytes, a regular expression that backtracks in Python's `re`, a `count` of a billion, modules calling each
other. Each must end as Terraform would end it (an error) or as the documented refusal: an unknown value with ONE
IPN001 note naming the expression and the limit, while the rest of the run goes on. The limits are
`linter.sources.terraform.evaluate.MAX_*`.

Boundedness is proved by structure (the exact note, the exact value); `signal.alarm` only breaks a hang so that a
regression fails instead of stalling the suite. Speed and memory are measured by `benchmarks/bench_hostile.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main
from linter.sources.terraform import load_module
from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.values import Unknown, Val, to_python


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tmp_path is the pull request's repository (modules may call each other across its folders)."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / ".cache"))


def _module(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(source)
    return folder


def _policy(resource: str, name: str = "p", extra: str = "") -> str:
    """An aws_iam_policy whose one statement has `resource` as its Resource."""
    return (
        f'resource "aws_iam_policy" "{name}" {{\n{extra}'
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", '
        f"Resource = {resource} }}] }})\n}}\n"
    )


def _local(tmp_path: Path, source: str, name: str = "x") -> tuple[Val, Evaluator]:
    """`local.<name>` of a module, evaluated as a resource would evaluate it."""
    folder = _module(tmp_path / "m", source)
    ev = Evaluator()
    module = ev.module(folder)
    assert module.errors == []
    return Instance(ev, module, "", root_inputs(ev, module, [])).local(name), ev


def _value(tmp_path: Path, expression: str) -> Any:
    result, _ = _local(tmp_path, f"locals {{\n  x = {expression}\n}}\n")
    assert not isinstance(result, Unknown), result
    return to_python(result)


def _check(*targets: Path) -> tuple[int, dict[str, Any]]:
    """The CLI on these folders: exit code and its JSON report."""
    out = Path("report.json")
    code = main(["check", *map(str, targets), "--format", "json", "--output", str(out)])
    return code, json.loads(out.read_text())


def _notes(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (f["location"]["file"], f["location"]["line"], f["message"])
        for f in report["findings"]
        if f["rule_id"] == "IPN001"
    ]


def _errors(report: dict[str, Any]) -> list[str]:
    return [
        f"{e['location']['file']}:{e['location']['line']}:{e['location']['column']}: {e['message']}"
        for e in report["errors"]
    ]


def _note(expression: str, reason: str) -> str:
    return f"cannot resolve `{expression}`: {reason}; checks that depend on it are uncertain"


# --- regular expressions: RE2, as Terraform's Go regexp -------------------------------------------------------------


def test_a_pattern_that_backtracks_in_python_runs_in_linear_time(tmp_path: Path) -> None:
    # Python's re takes minutes on this (2^38 ways to split the a's); RE2 answers at once: no match, text unchanged.
    hostile = "a" * 38 + "!"
    assert _value(tmp_path, f'replace("{hostile}", "/(a+)+$/", "x")') == hostile
    assert _value(tmp_path, f'replace("{"a" * 38}", "/(a+)+$/", "x")') == "x"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # Go's Expand: $1 / ${1} are groups, $name is the longest name (so `$1x` is the group "1x": empty), $$ is $
        ('replace("key=value", "/(\\\\w+)=(\\\\w+)/", "$2:$1")', "value:key"),
        ('replace("key=value", "/(?P<k>\\\\w+)=(\\\\w+)/", "$${2}x-$${k}-$$")', "valuex-key-$"),
        ('replace("key=value", "/(\\\\w+)=(\\\\w+)/", "$1x|$9|$")', "||$"),
        # Go's ReplaceAll leaves out an empty match right after a match (Python's re.sub gives "-a-b--d-")
        ('replace("abxd", "/x*/", "-")', "-a-b-d-"),
        # ^ and $ are the ends of the text, not of a line ((?m) asks for lines)
        ('replace("a\\nb", "/^b/", "x")', "a\nb"),
        ('replace("a\\nb", "/(?m)^b/", "x")', "a\nx"),
        # a substring without slashes is plain text, $ included
        ('replace("a.b.c", ".", "$1")', "a$1b$1c"),
        ('regex("arn:aws:iam::(\\\\d+):role/(.+)", "arn:aws:iam::111122223333:role/admin")', ["111122223333", "admin"]),
        ('regex("::(?P<account>\\\\d+):", "arn:aws:iam::111122223333:root")', {"account": "111122223333"}),
        ('regex("[a-z]+", "123abc456")', "abc"),
        ('regexall("[0-9]+", "a1b22c333")', ["1", "22", "333"]),
        ('regexall("(a)|(b)", "ab")', [["a", None], [None, "b"]]),
        ('regexall("z", "abc")', []),
    ],
)
def test_regular_expressions_follow_terraform(tmp_path: Path, call: str, expected: object) -> None:
    assert _value(tmp_path, call) == expected


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(a)\\\\1", "invalid escape sequence: \\1"),  # a backreference
        ("a(?=b)", "invalid perl operator: (?="),  # lookahead
        ("a{1001}", "invalid repetition size: {1001}"),
    ],
)
def test_a_pattern_re2_rejects_is_an_error_with_one_note(tmp_path: Path, pattern: str, why: str) -> None:
    expression = f'replace("arn:aws:s3:::b/ab", "/{pattern}/", "")'
    code, report = _check(_module(tmp_path / "m", _policy(expression)))
    reason = f"invalid regular expression: {why} (Terraform's regular expressions are RE2's)"
    assert (code, _notes(report)) == (0, [("m/main.tf", 2, _note(expression, reason))])


# --- values that double or multiply ---------------------------------------------------------------------------------


def test_concat_doubling_a_list_63_times_is_one_note(tmp_path: Path) -> None:
    doubling = "".join(f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})\n" for i in range(1, 64))
    folder = _module(tmp_path / "m", f'locals {{\n  l0 = ["a", "a"]\n{doubling}}}\n' + _policy("local.l63"))
    code, report = _check(folder)
    # 63 locals, each referring to the next, nest deeper than the evaluator follows: that limit comes first
    reason = "it is nested more than 100 expressions deep (references included)"
    assert (code, _notes(report)) == (0, [("m/main.tf", 68, _note("local.l15", reason))])


def test_a_list_past_the_element_limit_is_one_note_naming_where(tmp_path: Path) -> None:
    doubling = "".join(f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})\n" for i in range(1, 30))
    folder = _module(tmp_path / "m", f'locals {{\n  l0 = ["a", "a"]\n{doubling}}}\n' + _policy("local.l29"))
    code, report = _check(folder)
    reason = "its value would have more than 50,000 elements"
    assert (code, _notes(report)) == (0, [("m/main.tf", 34, _note("concat(local.l14, local.l14)", reason))])


def test_shared_parts_count_as_copies(tmp_path: Path) -> None:
    # Each level costs the evaluator one list of two references, but every walk over it (jsonencode, the policy)
    # would see 2^40 elements: a value is measured as if each shared part were a copy.
    levels = "".join(f"  l{i} = [local.l{i - 1}, local.l{i - 1}]\n" for i in range(1, 41))
    folder = _module(tmp_path / "m", f'locals {{\n  l0 = ["a"]\n{levels}}}\n' + _policy("flatten(local.l40)"))
    code, report = _check(folder)
    reason = "its value would have more than 50,000 elements"
    assert (code, _notes(report)) == (0, [("m/main.tf", 45, _note("[...]", reason))])


def test_three_nested_for_over_range_1024_spend_the_budget(tmp_path: Path) -> None:
    expression = "[for i in range(1024) : [for j in range(1024) : [for k in range(1024) : k]]]"
    folder = _module(tmp_path / "m", _policy(expression) + _policy('"arn:aws:s3:::b/*"', name="later"))
    code, report = _check(folder)
    spent = "evaluating the module tree would take more than 500,000 steps"
    whole = (
        'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", '
        f"Resource = {expression} }}] }})"
    )
    later = whole.replace(expression, '"arn:aws:s3:::b/*"')
    # One note per resource: the budget is shared by the module tree, so the resource after it is unknown too
    assert (code, _notes(report)) == (0, [("m/main.tf", 2, _note(whole, spent)), ("m/main.tf", 5, _note(later, spent))])


def test_range_of_a_billion_is_terraforms_error(tmp_path: Path) -> None:
    result, _ = _local(tmp_path, "locals {\n  x = range(1e9)\n}\n")
    assert isinstance(result, Unknown)
    assert (result.reason, result.error) == ("range(): more than 1024 values were generated", True)
    assert _value(tmp_path, "range(-3)") == [0, -1, -2]
    assert _value(tmp_path, "range(1, 2, 0.25)") == [1, 1.25, 1.5, 1.75]
    assert _value(tmp_path, "length(range(1024))") == 1024


def test_join_of_100000_strings_is_refused_before_it_is_built(tmp_path: Path) -> None:
    result, _ = _local(tmp_path, 'locals {\n  x = join("", [for i in range(100000) : "aaaaaaaaaaa"])\n}\n')
    assert isinstance(result, Unknown)
    # range() refuses it first, as Terraform does: an error, which join() and the for expression fail with
    assert (result.reason, result.error) == ("range(): more than 1024 values were generated", True)
    # Small pieces, a long separator: the text is refused by its length before it is joined
    source = (
        'locals {\n  separator = join("", [for i in range(1000) : "%s"])\n'
        '  x = join(local.separator, [for i in range(200) : "b"])\n}\n' % ("a" * 50)
    )
    result, _ = _local(tmp_path, source)
    assert isinstance(result, Unknown)
    assert (result.expr, result.reason, result.limit) == (
        'join(local.separator, [for i in range(200) : "b"])',
        "its value would hold more than 4,000,000 characters",
        True,
    )


def test_format_pads_as_terraform_and_refuses_a_width_of_a_billion(tmp_path: Path) -> None:
    assert _value(tmp_path, 'format("%05d|%-4s|%.2f|%3d", 42, "ab", 3.14159, 7)') == "00042|ab  |3.14|  7"
    folder = _module(tmp_path / "m", _policy('format("%0999999999d", 1)'))
    code, report = _check(folder)
    reason = "its value would hold more than 4,000,000 characters"
    assert (code, _notes(report)) == (0, [("m/main.tf", 2, _note('format("%0999999999d", 1)', reason))])


def test_a_string_doubled_to_gigabytes_is_one_note_naming_where(tmp_path: Path) -> None:
    doubling = "".join(f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"\n' for i in range(1, 40))
    folder = _module(tmp_path / "m", f'locals {{\n  s0 = "aaaa"\n{doubling}}}\n' + _policy("lower(local.s39)"))
    code, report = _check(folder)
    reason = "its value would hold more than 4,000,000 characters"
    assert (code, _notes(report)) == (0, [("m/main.tf", 44, _note('"${local.s19}${local.s19}"', reason))])


# --- depth ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("opening", "closing"), [("(", ")"), ("[", "]")])
def test_nesting_ten_thousand_deep_is_an_input_error_on_that_file_only(
    tmp_path: Path, opening: str, closing: str
) -> None:
    hostile = _module(tmp_path / "hostile", _policy(opening * 10000 + '"*"' + closing * 10000))
    other = _module(tmp_path / "other", _policy('"*"'))
    code, report = _check(hostile, other)
    assert (code, _errors(report)) == (2, ["hostile/main.tf:1:1: too deeply nested to parse"])
    assert [(f["rule_id"], f["location"]["file"]) for f in report["findings"]] == [("IPP004", "other/main.tf")]


def test_the_deepest_list_the_parser_reads_is_one_note(tmp_path: Path) -> None:
    folder = _module(tmp_path / "m", _policy("flatten(" + "[" * 150 + '"*"' + "]" * 150 + ")"))
    code, report = _check(folder)
    reason = "it is nested more than 100 expressions deep (references included)"
    assert (code, _notes(report)) == (0, [("m/main.tf", 2, _note("[...]", reason))])


def test_recursion_through_five_thousand_locals_is_one_note(tmp_path: Path) -> None:
    chain = "".join(f"  l{i} = local.l{i + 1}\n" for i in range(5000))
    folder = _module(tmp_path / "m", f'locals {{\n{chain}  l5000 = "*"\n}}\n' + _policy("local.l0"))
    code, report = _check(folder)
    reason = "it is nested more than 100 expressions deep (references included)"
    assert (code, _notes(report)) == (0, [("m/main.tf", 5005, _note("local.l96", reason))])


def test_locals_that_refer_to_each_other_are_one_note(tmp_path: Path) -> None:
    folder = _module(tmp_path / "m", "locals {\n  a = local.b\n  b = local.a\n}\n" + _policy("local.a"))
    code, report = _check(folder)
    assert (code, _notes(report)) == (0, [("m/main.tf", 6, _note("local.a", "refers to itself"))])


def test_lists_nested_deeper_than_the_limit_through_locals_are_one_note(tmp_path: Path) -> None:
    # Evaluated one by one, each local is shallow to evaluate, but the value nests 40 lists deep
    levels = "".join(f"  l{i} = [local.l{i - 1}]\n" for i in range(1, 41))
    references = ", ".join(f"local.l{i}" for i in range(41))
    folder = _module(tmp_path / "m", f'locals {{\n  l0 = "*"\n{levels}}}\n' + _policy(f"[{references}]"))
    code, report = _check(folder)
    reason = "its value would nest lists or objects more than 32 deep"
    assert (code, _notes(report)) == (0, [("m/main.tf", 45, _note("[...]", reason))])


def test_template_directives_nested_two_thousand_deep_are_one_note(tmp_path: Path) -> None:
    template = '"' + "%{ if true }" * 2000 + "*" + "%{ endif }" * 2000 + '"'
    result, _ = _local(tmp_path, f"locals {{\n  x = {template}\n}}\n")
    assert isinstance(result, Unknown)
    assert result.reason == "template directives do not nest: directives nested too deeply"


# --- count, for_each and modules ------------------------------------------------------------------------------------


def test_a_count_of_a_billion_is_capped_with_one_note(tmp_path: Path) -> None:
    folder = _module(tmp_path / "m", _policy('"arn:aws:s3:::b/*"', extra="  count = 1000000000\n"))
    loaded = load_module(folder)
    assert [p.name for p in loaded.policies] == [f"aws_iam_policy.p[{i}].policy" for i in range(256)]
    reason = "only the first 256 of its 1,000,000,000 instances are checked"
    notes = [(u.expression, u.loc.line, u.loc.address, u.reason) for u in loaded.inventory.unresolved]
    assert notes == [("count", 2, "aws_iam_policy.p[0]", reason)]


def test_a_for_each_past_the_cap_is_noted_too(tmp_path: Path) -> None:
    extra = '  for_each = toset([for i in range(300) : "k${i}"])\n'
    loaded = load_module(_module(tmp_path / "m", _policy('"arn:aws:s3:::b/*"', extra=extra)))
    assert len(loaded.policies) == 256
    reason = "only the first 256 of its 300 instances are checked"
    assert [(u.loc.line, u.reason) for u in loaded.inventory.unresolved] == [(2, reason)]


def test_modules_calling_each_other_are_an_input_error_and_the_rest_is_checked(tmp_path: Path) -> None:
    _module(tmp_path / "a", 'module "b" {\n  source = "../b"\n}\n')
    _module(tmp_path / "b", 'module "a" {\n  source = "../a"\n}\n')
    other = _module(tmp_path / "other", _policy('"*"'))
    code, report = _check(tmp_path / "a", other)
    cycle = (
        'module "a": source "../a" is the root module, which this module is called from; '
        "Terraform refuses a module cycle"
    )
    assert (code, _errors(report)) == (2, [f"b/main.tf:1:1: {cycle}"])
    assert [(f["rule_id"], f["location"]["file"]) for f in report["findings"] if f["rule_id"] != "IPN001"] == [
        ("IPP004", "other/main.tf")
    ]


def test_a_module_calling_itself_is_an_input_error(tmp_path: Path) -> None:
    folder = _module(tmp_path / "m", 'module "me" {\n  source = "./"\n}\n')
    code, report = _check(folder)
    cycle = 'module "me": source "./" is this module itself; Terraform refuses a module cycle'
    assert (code, _errors(report)) == (2, [f"m/main.tf:1:1: {cycle}"])


def test_a_chain_of_thirty_modules_stops_at_the_depth_limit_with_a_note(tmp_path: Path) -> None:
    for index in range(30):
        _module(tmp_path / f"m{index}", f'module "next" {{\n  source = "../m{index + 1}"\n}}\n')
    _module(tmp_path / "m30", _policy('"arn:aws:s3:::b/*"'))
    loaded = load_module(tmp_path / "m0")
    assert loaded.errors == []
    notes = [(u.loc.file, u.loc.address, u.reason) for u in loaded.inventory.unresolved]
    assert notes == [
        ("m12/main.tf", "module.next" + ".module.next" * 12, "module calls nest more than 12 deep; it is not followed")
    ]


# --- the budget is shared ------------------------------------------------------------------------------------------


def test_one_large_policy_handed_to_256_instances_stops_at_the_budget(tmp_path: Path) -> None:
    statements = (
        '[for i in range(1000) : { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b${i}/*" }]'
    )
    source = (
        f"locals {{\n  statements = {statements}\n}}\n"
        'resource "aws_iam_policy" "p" {\n  count  = 256\n'
        '  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })\n}\n'
    )
    loaded = load_module(_module(tmp_path / "m", source))
    # Each instance's policy is the same JSON text; the first ones are checked in full, until their policies would
    # pass a million characters (what a large policy file holds), and the rest are unknown, with one note.
    one = [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": f"arn:aws:s3:::b{i}/*"} for i in range(1000)]
    length = len(json.dumps({"Statement": one, "Version": "2012-10-17"}, separators=(",", ":")))
    handed = 1_000_000 // (length + 4)  # a value is counted as its text and 4 characters an element (one here)
    assert [p.name for p in loaded.policies] == [f"aws_iam_policy.p[{i}].policy" for i in range(handed)]
    reason = "the module tree's resources would hold more than 1,000,000 characters of values"
    notes = [(u.expression, u.loc.line, u.reason) for u in loaded.inventory.unresolved]
    assert notes == [('jsonencode({ Version = "2012-10-17", Statement = local.statements })', 6, reason)]


def test_documents_and_resources_that_refer_to_each_other_stop_with_a_note(tmp_path: Path) -> None:
    source = (
        'data "aws_iam_policy_document" "a" {\n  source_policy_documents = [data.aws_iam_policy_document.b.json]\n'
        '  statement {\n    actions   = ["s3:GetObject"]\n    resources = ["arn:aws:s3:::b/*"]\n  }\n}\n'
        'data "aws_iam_policy_document" "b" {\n  source_policy_documents = [data.aws_iam_policy_document.a.json]\n}\n'
        'resource "aws_iam_policy" "p" {\n  name   = aws_iam_policy.q.name\n'
        "  policy = data.aws_iam_policy_document.a.json\n}\n"
        'resource "aws_iam_policy" "q" {\n  name   = aws_iam_policy.p.name\n'
        "  policy = data.aws_iam_policy_document.b.json\n}\n"
    )
    loaded = load_module(_module(tmp_path / "m", source))
    notes = [(u.expression, u.loc.line, u.reason) for u in loaded.inventory.unresolved]
    assert notes == [
        ("data.aws_iam_policy_document.a.json", 9, "data.aws_iam_policy_document.a.json refers to itself"),
    ]
    # Each document is built once: where b brings a back in, an unknown statement stands (noted above)
    unknown = "${data.aws_iam_policy_document.a.json}"
    statements = {p.name: [s.resource[0].value for s in p.statements if s.resource] for p in loaded.policies}
    assert statements == {
        "aws_iam_policy.p.policy": [unknown, "arn:aws:s3:::b/*"],
        "aws_iam_policy.q.policy": [unknown],
    }


def test_a_long_unknown_expression_is_one_string_however_often_it_is_read() -> None:
    # A policy whose whole expression is unknown becomes a statement of unknown elements, each read as
    # "${<the expression as written>}", for every instance of a `count`: a 70 KB expression in 254 bucket policies
    # made 1,270 copies and peaked at 380 MB (fuzz_cli --seed 17, case 1460), 33 MB with one string.
    from linter.sources.jsonpos import JObject, JScalar, Span
    from linter.sources.terraform.policy_document import unknown_statement

    expr = "jsonencode({" + "x" * 70_000 + "})"
    span = Span(1, 1, 1, 2)
    texts = []
    for _ in range(3):
        statement = unknown_statement("".join(expr), span, with_principal=True)  # an equal string, not the same
        for member in statement.members:
            value = member.value.members[0].value if isinstance(member.value, JObject) else member.value
            assert isinstance(value, JScalar)
            texts.append(value.value)
    assert len(texts) == 12 and texts[0] == "${" + expr + "}"
    assert all(text is texts[0] for text in texts)
