"""`%{ if }` / `%{ for }` in strings, heredocs and templatefile(): carried out on known values, unknown otherwise."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from linter.sources.terraform import load_module
from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.values import Unknown, to_python


def local_x(folder: Path, expr: str, extra: str = "") -> object:
    (folder / "main.tf").write_text(f"locals {{\n  x = {expr}\n}}\n{extra}")
    ev = Evaluator()
    module = ev.module(folder)
    result = Instance(ev, module, "", root_inputs(ev, module, [])).local("x")
    return result if isinstance(result, Unknown) else to_python(result)


VARS = """
variable "names" {
  default = ["a", "b"]
}
variable "on" {
  default = true
}
variable "unset" {}
"""


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"%{ if var.on }yes%{ else }no%{ endif }"', "yes"),
        ('"%{ if !var.on }yes%{ else }no%{ endif }"', "no"),
        ('"%{ for n in var.names }[${n}]%{ endfor }"', "[a][b]"),
        ('"%{ for i, n in var.names }${i}=${n};%{ endfor }"', "0=a;1=b;"),
        ('"a %{~ if true ~} b %{~ endif ~} c"', "abc"),  # strip markers take the whitespace beside them
        ('"%{ for n in var.names }%{ if n == "b" }${n}%{ endif }%{ endfor }"', "b"),
    ],
)
def test_directives_on_known_values(tmp_path: Path, expr: str, expected: str) -> None:
    assert local_x(tmp_path, expr, VARS) == expected


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ('"%{ if var.unset == "x" }a%{ endif }"', 'the %{ if } depends on var.unset == "x"'),
        ('"%{ for n in var.unset }a%{ endfor }"', "the %{ for } iterates over var.unset"),
        ('"%{ for n in var.names }a"', "template directives do not nest: no %{ endfor }"),
        ('"a%{ endif }"', "template directives do not nest: %{ endif } without its opening directive"),
    ],
)
def test_what_cannot_be_carried_out_stays_unknown(tmp_path: Path, expr: str, reason: str) -> None:
    result = local_x(tmp_path, expr, VARS)
    assert isinstance(result, Unknown)
    assert result.reason == reason


def test_a_heredoc_policy_built_with_a_loop(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            """
            variable "buckets" {
              default = ["logs", "reports"]
            }

            resource "aws_iam_policy" "read" {
              name   = "read"
              policy = <<-EOT
                {
                  "Version": "2012-10-17",
                  "Statement": [
                    %{~ for i, b in var.buckets ~}
                    {"Sid": "Read${i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${b}/*"}
                    %{~ if i < length(var.buckets) - 1 },%{ endif ~}
                    %{~ endfor ~}
                  ]
                }
              EOT
            }
            """
        )
    )
    loaded = load_module(tmp_path)
    assert loaded.errors == []
    [policy] = loaded.policies
    assert [(s.sid and s.sid.value, [r.value for r in s.resource or []]) for s in policy.statements] == [
        ("Read0", ["arn:aws:s3:::logs/*"]),
        ("Read1", ["arn:aws:s3:::reports/*"]),
    ]
    # The loop may repeat or drop text: the elements point at the heredoc, not at a line it no longer has.
    assert {s.sid.loc.line for s in policy.statements if s.sid} == {8}  # `policy = <<-EOT`
    assert loaded.inventory is not None and loaded.inventory.unresolved == []


def test_templatefile_with_a_loop(tmp_path: Path) -> None:
    (tmp_path / "policy.json.tftpl").write_text(
        '{"Version": "2012-10-17", "Statement": [%{ for i, a in actions }%{ if i > 0 },%{ endif }'
        '{"Effect": "Allow", "Action": "${a}", "Resource": "*"}%{ endfor }]}'
    )
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n'
        '  name   = "p"\n'
        '  policy = templatefile("${path.module}/policy.json.tftpl", { actions = ["s3:GetObject", "s3:ListBucket"] })\n'
        "}\n"
    )
    loaded = load_module(tmp_path)
    [policy] = loaded.policies
    assert [[a.value for a in s.action or []] for s in policy.statements] == [["s3:GetObject"], ["s3:ListBucket"]]
