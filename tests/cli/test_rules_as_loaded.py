"""An input is checked as soon as it is loaded and its model dropped (`linter.check.RulesAsLoaded`): a policy file,
and a Terraform module unless a URL the run's config declares may join two of them. The result is the one of loading
everything first, then resolving the declared URLs, then running the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.awsdata import aws_data
from linter.check import (
    CheckedInput,
    CheckOptions,
    CheckResult,
    RulesAsLoaded,
    each_finding_once,
    finish,
    load_all,
    resolve_declared_urls,
    run_check,
    run_rules_per_input,
    selected_rules,
)
from linter.config import Config, read_config
from linter.rule import RuleContext
from linter.sources import Loaded

WIDE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:PassRole"], "Resource": "*"}],
}
SCOPED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}


def _loaded_first(paths: list[str], config: Config) -> CheckResult:
    """The pipeline as it was: every input loaded, then the declared URLs resolved, then the rules over all of them."""
    options = CheckOptions()
    rules = selected_rules(config, options)
    loaded = load_all(paths, config, options)
    declared, declared_errors = resolve_declared_urls(loaded, rules, config)
    found, errors = run_rules_per_input(loaded.inputs, rules, RuleContext(aws=aws_data(), presign=declared))
    findings, copies = each_finding_once(found)
    return finish(loaded, rules, findings, [*declared_errors, *errors], config, options, copies)


def _shown(result: CheckResult) -> tuple[object, ...]:
    return (
        [(f.rule_id, f.loc.short(), f.message, f.fingerprint) for f in result.findings],
        [(e.loc.short(), e.message) for e in result.errors],
        result.files_checked,
        result.policies,
    )


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_policies_checked_as_loaded_are_dropped_and_counted(in_tmp: Path) -> None:
    (in_tmp / "wide.json").write_text(json.dumps(WIDE, indent=2))
    (in_tmp / "scoped.json").write_text(json.dumps(SCOPED, indent=2))
    (in_tmp / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [')
    config = Config()
    rules = selected_rules(config, CheckOptions())
    loaded = load_all(["."], config, CheckOptions(), RulesAsLoaded(rules, RuleContext(aws=aws_data())))
    assert [one.policies for one in loaded.inputs] == [[], [], []]  # the models are gone
    assert [done.policies if done else None for done in loaded.checked] == [0, 1, 1]
    assert loaded.policy_count == 2
    assert _shown(run_check(["."], config)) == _shown(_loaded_first(["."], config))


def test_a_policy_file_a_module_reads_is_reported_once_as_before(in_tmp: Path) -> None:
    # The module reads wide.json, so the file's own input is dropped after it was checked (`Coverage`).
    (in_tmp / "wide.json").write_text(json.dumps(WIDE, indent=2))
    (in_tmp / "main.tf").write_text(
        'resource "aws_iam_policy" "wide" {\n  policy = file("${path.module}/wide.json")\n}\n'
    )
    config = Config()
    result = run_check(["."], config)
    assert _shown(result) == _shown(_loaded_first(["."], config))
    assert result.findings and all(f.loc.address for f in result.findings)


# A signer that may presign GET on a bucket whose policy denies it: IPS001, found only through the declared URL.
SIGNER_AND_BUCKET = """
resource "aws_iam_user" "signer" {
  name = "signer"
}

resource "aws_iam_user_policy" "read" {
  user   = aws_iam_user.signer.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::shared/*" }]
  })
}

resource "aws_s3_bucket" "shared" {
  bucket = "shared"
}

resource "aws_s3_bucket_policy" "shared" {
  bucket = aws_s3_bucket.shared.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::shared/*" }]
  })
}
"""
DECLARED = '[[presign]]\nsigner = "aws_iam_user.signer"\nbucket = "aws_s3_bucket.shared"\n'


def _modules_declaring_urls(root: Path) -> None:
    """Two modules, each declaring a URL in its own folder: one that resolves, one whose signer is not there."""
    for name, declared in (
        ("good", DECLARED),
        ("typo", DECLARED.replace('"aws_iam_user.signer"', '"aws_iam_user.singer"')),
    ):
        (root / name).mkdir()
        (root / name / "main.tf").write_text(SIGNER_AND_BUCKET)
        (root / name / ".iam-preflight.toml").write_text(declared)


def test_modules_are_checked_as_loaded_with_the_urls_their_folders_declare(in_tmp: Path) -> None:
    _modules_declaring_urls(in_tmp)
    config = Config()
    rules = selected_rules(config, CheckOptions())
    context = RuleContext(aws=aws_data())
    loaded = load_all(["."], config, CheckOptions(), RulesAsLoaded(rules, context, config))
    assert [(one.root, one.policies, one.inventory) for one in loaded.inputs] == [
        ("good", [], None),
        ("typo", [], None),
    ]
    assert [done.policies if done else None for done in loaded.checked] == [2, 2]
    assert context.presign == [] and context.shared == {}  # no module's inventory is held by its declared URLs
    result = run_check(["."], config)
    assert _shown(result) == _shown(_loaded_first(["."], config))
    assert [f.rule_id for f in result.findings if f.loc.file == "good/main.tf"].count("IPS001") == 1
    assert [e.message.split(";")[0] for e in result.errors] == ["[[presign]] #1: unknown signer 'aws_iam_user.singer'"]


def test_modules_wait_for_every_inventory_when_the_run_s_config_declares_urls(in_tmp: Path) -> None:
    # The URL the run's config declares may be resolved in any of the modules: each waits until all are loaded.
    _modules_declaring_urls(in_tmp)
    (in_tmp / "pyproject.toml").write_text(
        "[tool.iam-preflight]\n" + DECLARED.replace("[[presign]]", "[[tool.iam-preflight.presign]]")
    )
    config = read_config(in_tmp / "pyproject.toml")
    assert config is not None and config.presign
    rules = selected_rules(config, CheckOptions())
    loaded = load_all(["."], config, CheckOptions(), RulesAsLoaded(rules, RuleContext(aws=aws_data())))
    assert loaded.checked == [None, None] and all(one.inventory is not None for one in loaded.inputs)
    assert _shown(run_check(["."], config)) == _shown(_loaded_first(["."], config))


def test_a_child_module_its_caller_covers_is_loaded_but_not_checked_again(in_tmp: Path) -> None:
    # The child folder is walked after its caller, which read all its files: its findings would be dropped anyway.
    (in_tmp / "main.tf").write_text('module "child" {\n  source = "./child"\n}\n')
    (in_tmp / "child").mkdir()
    heredoc = f"<<EOF\n{json.dumps(WIDE)}\nEOF"
    (in_tmp / "child" / "main.tf").write_text(f'resource "aws_iam_policy" "p" {{\n  policy = {heredoc}\n}}\n')
    config = Config()
    rules = selected_rules(config, CheckOptions())
    checked_roots: list[str] = []

    class Spy(RulesAsLoaded):
        def check(self, loaded: Loaded) -> CheckedInput | None:
            checked_roots.append(loaded.root)
            return super().check(loaded)

    loaded = load_all(["."], config, CheckOptions(), Spy(rules, RuleContext(aws=aws_data()), config))
    assert checked_roots == ["."] and [one.root for one in loaded.inputs] == ["."]
    result = run_check(["."], config)
    assert _shown(result) == _shown(_loaded_first(["."], config))
    assert sorted({(f.rule_id, f.loc.file, f.loc.address) for f in result.findings}) == [
        ("IPP002", "child/main.tf", "module.child.aws_iam_policy.p"),
        ("IPP004", "child/main.tf", "module.child.aws_iam_policy.p"),
        ("IPP007", "child/main.tf", "module.child.aws_iam_policy.p"),
    ]
