"""Override files (`override.tf`, `*_override.tf`, `.tf.json` forms) merged into their module as Terraform does.

Terraform reads them after the module's other files, in name order, and merges each block into the block it names:
arguments replace arguments of the same name, nested blocks replace every block of the same type (a `dynamic "x"`
counts as x), local values are replaced one by one. What they override keeps pointing at the override file.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from linter.cli import main
from linter.sources.terraform import load_module

USER_AND_POLICY = """\
resource "aws_iam_user" "u" {
  name = "reader"
}

resource "aws_iam_user_policy" "p" {
  user = aws_iam_user.u.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = local.bucket }]
  })
}

locals {
  bucket = "arn:aws:s3:::demo"
}
"""

POLICY_DOCUMENT = """\
data "aws_iam_policy_document" "read" {
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::demo"]
  }
  statement {
    sid       = "Get"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::demo/*"]
  }
}

resource "aws_iam_policy" "read" {
  name   = "read"
  policy = data.aws_iam_policy_document.read.json
}
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def test_an_override_argument_replaces_the_argument_and_points_at_the_override_file(
    module: Path, tf: SimpleNamespace
) -> None:
    _write(
        module,
        {
            "main.tf": USER_AND_POLICY,
            "override.tf": """\
resource "aws_iam_user_policy" "p" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${local.bucket}/*"}]
    }
  EOT
}
""",
        },
    )
    loaded = load_module(module)
    assert loaded.errors == []
    assert loaded.files == ["main.tf", "override.tf"]
    assert tf.elements(tf.policy(loaded, "aws_iam_user_policy.p.policy")) == [
        ("/Statement/0/Effect", "Allow", "override.tf:5:32", None),
        ("/Statement/0/Action", "s3:GetObject", "override.tf:5:51", None),
        ("/Statement/0/Resource", "arn:aws:s3:::demo/*", "override.tf:5:79", None),
    ]
    # `user` was not overridden: the policy still reaches the user defined in main.tf.
    assert loaded.inventory is not None
    [user] = loaded.inventory.principals
    assert [a.policy.name for a in user.policies if a.policy] == ["aws_iam_user_policy.p.policy"]


def test_override_files_apply_in_name_order_and_local_values_one_by_one(module: Path, tf: SimpleNamespace) -> None:
    _write(
        module,
        {
            "main.tf": USER_AND_POLICY,
            "b_override.tf": 'locals {\n  bucket = "arn:aws:s3:::second"\n}\n',
            "a_override.tf": 'locals {\n  bucket = "arn:aws:s3:::first"\n}\n',
        },
    )
    loaded = load_module(module)
    assert loaded.errors == []
    assert loaded.files == ["main.tf", "a_override.tf", "b_override.tf"]
    # The later file's value; the element is where `local.bucket` is written, in main.tf.
    [resource] = [e for e in tf.elements(tf.policy(loaded, "aws_iam_user_policy.p.policy")) if "Resource" in e[0]]
    assert resource == ("/Statement/0/Resource", "arn:aws:s3:::second", "main.tf:9:75", None)


@pytest.mark.parametrize(
    "override",
    [
        # A static statement block replaces both statements of the base document...
        'data "aws_iam_policy_document" "read" {\n  statement {\n    sid = "Only"\n'
        '    actions = ["s3:GetObject"]\n    resources = ["arn:aws:s3:::demo/reports/*"]\n  }\n}\n',
        # ...and so does a dynamic "statement" block: it is of the same type.
        'data "aws_iam_policy_document" "read" {\n  dynamic "statement" {\n    for_each = ["Only"]\n'
        '    content {\n      sid = statement.value\n      actions = ["s3:GetObject"]\n'
        '      resources = ["arn:aws:s3:::demo/reports/*"]\n    }\n  }\n}\n',
    ],
)
def test_an_override_nested_block_replaces_every_block_of_its_type(module: Path, override: str) -> None:
    _write(module, {"main.tf": POLICY_DOCUMENT, "policy_override.tf": override})
    loaded = load_module(module)
    assert loaded.errors == []
    [policy] = [p for p in loaded.policies if p.name == "aws_iam_policy.read.policy"]
    assert [
        (s.sid.value if s.sid else None, [a.value for a in s.action or []], s.loc.file) for s in policy.statements
    ] == [("Only", ["s3:GetObject"], "policy_override.tf")]


def test_a_json_override_file_merges_too(module: Path) -> None:
    override = {"resource": {"aws_iam_user_policy": {"p": {"user": "someone-else"}}}}
    _write(module, {"main.tf": USER_AND_POLICY, "override.tf.json": json.dumps(override, indent=2)})
    loaded = load_module(module)
    assert loaded.errors == []
    assert loaded.inventory is not None
    [user] = loaded.inventory.principals
    assert user.policies == []  # the policy now names a user this module does not define


def test_an_override_with_nothing_to_override_and_a_block_defined_twice_are_input_errors(module: Path) -> None:
    _write(
        module,
        {
            "main.tf": USER_AND_POLICY,
            "again.tf": 'resource "aws_iam_user" "u" {\n  name = "second"\n}\n',
            "override.tf": 'resource "aws_iam_role" "missing" {\n  name = "x"\n}\n\nlocals {\n  nope = 1\n}\n',
        },
    )
    loaded = load_module(module)
    assert [(e.loc.short(), e.message) for e in loaded.errors] == [
        (
            "main.tf:1:1",
            'duplicate resource "aws_iam_user" "u": already defined at again.tf:1:1 (Terraform refuses this)',
        ),
        (
            "override.tf:1:1",
            'resource "aws_iam_role" "missing" overrides nothing: no other file of the module defines it '
            "(Terraform refuses this)",
        ),
        (
            "override.tf:6:3",
            'local value "nope" overrides nothing: no other file of the module defines it (Terraform refuses this)',
        ),
    ]
    assert loaded.inventory is not None
    assert [p.name.value for p in loaded.inventory.principals if p.name] == ["second"]  # the first definition stands


def test_check_reports_in_the_override_file_and_honours_its_suppressions(
    module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    override = """\
resource "aws_iam_user_policy" "p" {
  # iam-preflight:ignore IPP001 a sandbox user
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""
    _write(module, {"main.tf": USER_AND_POLICY, "override.tf": override.replace("  # iam-preflight:ignore", "  #")})
    assert main(["check", ".", "--format", "json", "--select", "IPP001"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], f["location"]["file"], f["location"]["line"]) for f in report["findings"]] == [
        ("IPP001", "override.tf", 5)
    ]

    _write(module, {"override.tf": override})
    assert main(["check", ".", "--format", "json", "--select", "IPP001"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["findings"], report["summary"]["suppressed"]) == ([], 1)
