"""Expression evaluation: Terraform's semantics on known values, unknown kept unknown (never guessed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.values import ListVal, Scalar, Unknown, Val, to_python


def _evaluate(folder: Path, source: str, name: str = "x", tfvars: str | None = None) -> tuple[Val, Evaluator]:
    (folder / "main.tf").write_text(source)
    if tfvars is not None:
        (folder / "terraform.tfvars").write_text(tfvars)
    ev = Evaluator()
    module = ev.module(folder)
    assert module.errors == []
    root = Instance(ev, module, "", root_inputs(ev, module, []))
    return root.local(name), ev


def value(folder: Path, expr: str, extra: str = "", tfvars: str | None = None) -> object:
    result, _ = _evaluate(folder, f"locals {{\n  x = {expr}\n}}\n{extra}", tfvars=tfvars)
    assert not isinstance(result, Unknown), result
    return to_python(result)


def unknown(folder: Path, expr: str, extra: str = "") -> Unknown:
    result, _ = _evaluate(folder, f"locals {{\n  x = {expr}\n}}\n{extra}")
    assert isinstance(result, Unknown), result
    return result


VARS = """
variable "known" {
  default = "acme"
}
variable "unset" {
  type = string
}
variable "flags" {
  default = { enabled = true, names = ["b", "a", "b"] }
}
"""


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"${var.known}-logs"', "acme-logs"),
        ("var.flags.enabled ? 1 : 0", 1),
        ('format("arn:aws:s3:::%s/%s", var.known, "*")', "arn:aws:s3:::acme/*"),
        ('formatlist("arn:aws:s3:::%s", ["a", "b"])', ["arn:aws:s3:::a", "arn:aws:s3:::b"]),
        ('join(",", ["a", "b"])', "a,b"),
        ('split(",", "a,b")', ["a", "b"]),
        ("toset(var.flags.names)", ["a", "b"]),
        ("distinct(var.flags.names)", ["b", "a"]),
        ('concat(["a"], ["b"], [])', ["a", "b"]),
        ('flatten([["a"], [["b"]], []])', ["a", "b"]),
        ('compact(["a", "", null])', ["a"]),
        ("merge({ a = 1 }, { b = 2 }, { a = 3 })", {"a": 3, "b": 2}),
        ('lookup({ a = "x" }, "b", "default")', "default"),
        ('element(["a", "b"], 3)', "b"),
        ("length({ a = 1, b = 2 })", 2),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ('contains(["a"], "a")', True),
        ('coalesce("", "b")', "b"),
        ('one(["only"])', "only"),
        ('[for n in ["a", "b"] : upper(n) if n != "b"]', ["A"]),
        ("{ for k, v in { a = 1, b = 2 } : k => v * 10 }", {"a": 10, "b": 20}),
        ('{ for n in ["x", "y", "x"] : n => n... }', {"x": ["x", "x"], "y": ["y"]}),
        ('jsondecode("{\\"a\\": [1, true]}").a', [1, True]),
        ('jsonencode({ b = [1], a = "x" })', '{"a":"x","b":[1]}'),
        ('replace("a-b-c", "-", "/")', "a/b/c"),
        ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
        ('trimprefix("arn:aws:s3:::b", "arn:aws:s3:::")', "b"),
        ('try(var.flags.missing, "fallback")', "fallback"),
        ("can(var.flags.missing)", False),
        ("!var.flags.enabled || 2 > 1", True),
        ('false && var.unset == "x"', False),  # decided without the unknown operand
        ('true || var.unset == "x"', True),
        ("<<EOT\n  indented ${var.known}\nEOT", "  indented acme\n"),
        ("<<-EOT\n    a\n      b\n    EOT", "a\n  b\n"),
        ('"escaped $${aws:username} %%{x}"', "escaped ${aws:username} %{x}"),
    ],
)
def test_known_values(tmp_path: Path, expr: str, expected: object) -> None:
    assert value(tmp_path, expr, VARS) == expected


@pytest.mark.parametrize(
    ("expr", "named"),
    [
        ("var.unset", "var.unset"),
        ('"${var.unset}-logs"', None),  # a string with an unknown part: a Scalar, not Unknown (below)
        ('var.unset == "x" ? 1 : 0', 'var.unset == "x" ? 1 : 0'),
        ('try(var.unset, "fallback")', "var.unset"),  # try() catches errors, not unknown values
        ('coalesce(var.unset, "b")', 'coalesce(var.unset, "b")'),
        ("base64encode(var.known)", "base64encode(var.known)"),  # a function it does not evaluate
        ("data.aws_region.current.name", None),
        ("[for n in var.unset : n]", "[for n in var.unset : n]"),
        ("local.x", "local.x"),  # refers to itself
    ],
)
def test_unknown_values_name_their_expression(tmp_path: Path, expr: str, named: str | None) -> None:
    extra = VARS + 'resource "aws_kms_key" "k" {}\ndata "aws_region" "current" {}\n'
    result, ev = _evaluate(tmp_path, f"locals {{\n  x = {expr}\n}}\n{extra}")
    if named is None:  # partly unknown strings keep their text and name the unknown part
        assert isinstance(result, Scalar) and result.unresolved is not None
        assert "${" in str(result.value)
    else:
        assert isinstance(result, Unknown) and result.expr == named
        assert ev.reasons[named] or result.reason


def test_key_arn_without_a_provider_region_is_known_in_this_region(tmp_path: Path) -> None:
    # Like the account, the region of a root module's keys is the one Terraform runs in: a known stand-in, no note.
    extra = VARS + 'resource "aws_kms_key" "k" {}\n'
    result, ev = _evaluate(tmp_path, f"locals {{\n  x = aws_kms_key.k.arn\n}}\n{extra}")
    assert isinstance(result, Scalar)
    assert (result.value, result.unresolved) == ("arn:aws:kms:this-region:000000000000:key/aws_kms_key.k", None)
    assert ev.reasons == {}


def test_conditional_with_unknown_condition_but_equal_branches_is_known(tmp_path: Path) -> None:
    assert value(tmp_path, 'var.unset == "a" ? "same" : "same"', VARS) == "same"


def test_unknown_reasons_explain_what_to_set(tmp_path: Path) -> None:
    result = unknown(tmp_path, "var.unset", VARS)
    assert result.reason == "variable 'unset' has no default and no value in tfvars or --var-file"
    assert (result.span.file, result.span.line, result.span.column) == (str(tmp_path / "main.tf"), 2, 7)


def test_tfvars_win_over_defaults(tmp_path: Path) -> None:
    assert value(tmp_path, "var.known", VARS, tfvars='known = "from-tfvars"\n') == "from-tfvars"


def test_references_carry_the_resource_address_and_computed_arns(tmp_path: Path) -> None:
    extra = """
resource "aws_s3_bucket" "b" {
  bucket = "acme-b"
}
resource "aws_iam_role" "r" {
  name = "reader"
  path = "/svc/"
}
data "aws_partition" "current" {}
"""
    result, _ = _evaluate(
        tmp_path, f"locals {{\n  x = [aws_s3_bucket.b.arn, aws_s3_bucket.b.id, aws_iam_role.r.arn]\n}}\n{extra}"
    )
    assert isinstance(result, ListVal)
    assert [to_python(i) for i in result.items] == [
        "arn:aws:s3:::acme-b",
        "acme-b",
        "arn:aws:iam::000000000000:role/svc/reader",
    ]
    assert [i.ref for i in result.items] == ["aws_s3_bucket.b", "aws_s3_bucket.b", "aws_iam_role.r"]
    assert [getattr(i, "unresolved", None) for i in result.items] == [None, None, None]
    # Every element is located at the reference, where a suppression comment would go.
    assert {(i.span.line, i.span.column) for i in result.items} == {(2, 8), (2, 29), (2, 49)}
    assert value(tmp_path, '"arn:${data.aws_partition.current.partition}:s3:::x"', extra) == "arn:aws:s3:::x"


def test_count_and_for_each_instances_are_addressed_like_terraform(tmp_path: Path) -> None:
    extra = """
resource "aws_iam_role" "counted" {
  count = 2
  name  = "r${count.index}"
}
resource "aws_iam_role" "keyed" {
  for_each = toset(["b", "a"])
  name     = "role-${each.key}"
}
resource "aws_iam_role" "off" {
  count = 0
  name  = "never"
}
"""
    assert value(tmp_path, "aws_iam_role.counted[*].name", extra) == ["r0", "r1"]
    assert value(tmp_path, 'aws_iam_role.keyed["a"].name', extra) == "role-a"
    assert value(tmp_path, "aws_iam_role.off[*].name", extra) == []
    ev = Evaluator()
    root = Instance(ev, ev.module(tmp_path), "", {})
    instances = root.instances("aws_iam_role.keyed")
    assert not isinstance(instances, Unknown)
    assert [i.address for i in instances] == ['aws_iam_role.keyed["a"]', 'aws_iam_role.keyed["b"]']


OPTIONAL = """
variable "encryption" {
  type = object({
    rule = optional(object({
      algorithm = optional(string, "AES256")
      key       = optional(string)
    }))
    replicas = optional(list(object({ region = string, enabled = optional(bool, true) })), [])
    by_name  = optional(map(object({ prefix = optional(string, "/") })), {})
  })
  default = {}
}
"""


@pytest.mark.parametrize(
    ("expr", "tfvars", "expected"),
    [
        # an optional attribute left out reads as null, or as its default
        ("var.encryption.rule == null", None, True),
        ("length(var.encryption.replicas)", None, 0),
        # inside values given in tfvars: nested objects, list elements and map values are converted too
        ("var.encryption.rule.algorithm", 'encryption = { rule = { key = "k" } }', "AES256"),
        ("var.encryption.rule.key", "encryption = { rule = {} }", None),
        ("var.encryption.replicas[*].enabled", 'encryption = { replicas = [{ region = "eu-west-1" }] }', [True]),
        ('var.encryption.by_name["logs"].prefix', "encryption = { by_name = { logs = {} } }", "/"),
        # an explicit null takes the default, as in Terraform
        ("var.encryption.rule.algorithm", "encryption = { rule = { algorithm = null } }", "AES256"),
        ("var.encryption.rule.algorithm", 'encryption = { rule = { algorithm = "aws:kms" } }', "aws:kms"),
    ],
)
def test_optional_object_attributes_take_their_defaults(
    tmp_path: Path, expr: str, tfvars: str | None, expected: object
) -> None:
    assert value(tmp_path, expr, OPTIONAL, tfvars=tfvars) == expected


def test_optional_attributes_of_a_module_input(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text(
        OPTIONAL + 'output "algorithm" {\n  value = var.encryption.rule.algorithm\n}\n'
    )
    extra = 'module "child" {\n  source     = "./child"\n  encryption = { rule = {} }\n}\n'
    assert value(tmp_path, "module.child.algorithm", extra) == "AES256"
