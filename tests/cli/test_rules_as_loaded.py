"""A policy file is checked as soon as it is loaded and its model dropped (`linter.check.RulesAsLoaded`): the result
is the one of loading everything first, then running the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.awsdata import aws_data
from linter.check import (
    CheckOptions,
    CheckResult,
    RulesAsLoaded,
    each_finding_once,
    finish,
    load_all,
    run_check,
    run_rules_per_input,
    selected_rules,
)
from linter.config import Config
from linter.rule import RuleContext

WIDE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:PassRole"], "Resource": "*"}],
}
SCOPED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}


def _loaded_first(paths: list[str], config: Config) -> CheckResult:
    """The pipeline as it was: every input loaded, then the rules over all of them."""
    options = CheckOptions()
    rules = selected_rules(config, options)
    loaded = load_all(paths, config, options)
    found, errors = run_rules_per_input(loaded.inputs, rules, RuleContext(aws=aws_data()))
    findings, copies = each_finding_once(found)
    return finish(loaded, rules, findings, errors, config, options, copies)


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
    # The module reads wide.json, so the file's own input is dropped after it was checked (`_drop_covered`).
    (in_tmp / "wide.json").write_text(json.dumps(WIDE, indent=2))
    (in_tmp / "main.tf").write_text(
        'resource "aws_iam_policy" "wide" {\n  policy = file("${path.module}/wide.json")\n}\n'
    )
    config = Config()
    result = run_check(["."], config)
    assert _shown(result) == _shown(_loaded_first(["."], config))
    assert result.findings and all(f.loc.address for f in result.findings)
