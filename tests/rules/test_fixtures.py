"""Every rule's good and bad fixtures, asserted finding by finding, message included (pylint's docs-as-tests).

After an intended change of findings or wording, rewrite the expected files with `make snapshots` (the same as
`UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/rules/test_fixtures.py`) and read the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from rule_inputs import load_inputs

from linter.aws.client import ClientSettings
from linter.awsdata import aws_data
from linter.check import run_check, run_rules
from linter.config import load_config
from linter.findings import Finding
from linter.fixtures import Fixture, in_order, rule_fixtures
from linter.presign.command import DeclaredConfirmations
from linter.registry import all_rules
from linter.rule import RuleContext

FIXTURES = [fixture for rule in all_rules() for fixture in rule_fixtures(rule)]


def _found(fixture: Fixture) -> list[str]:
    if fixture.path.is_dir():
        findings: Iterable[Finding] = _module_findings(fixture)
    else:
        loaded = load_inputs(fixture.path, fixture.path.name, fixture.kind)
        assert not loaded.errors, [e.render() for e in loaded.errors]
        findings = run_rules(loaded.policies, [fixture.rule], RuleContext(aws=aws_data()))
    return in_order(fixture.finding_block(f) for f in findings)


def _module_findings(fixture: Fixture) -> list[Finding]:
    """A Terraform module fixture: inventory notes and unused suppressions need the whole check (no parse cache).
    A folder with a `simulator.json` is checked as `check --simulate` checks it, AWS's answers recorded there."""
    recorded = fixture.path / "simulator.json"
    confirm = _recorded_simulator(recorded) if recorded.exists() else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
        # A fixture folder may carry its own .iam-preflight.toml (declared pre-signed URLs).
        result = run_check([str(fixture.path)], load_config(start=fixture.path), confirm_urls=confirm)
    assert not result.errors, [e.render() for e in result.errors]
    return [f for f in result.findings if f.rule_id == fixture.rule.id]


def _recorded_simulator(path: Path) -> DeclaredConfirmations:
    """`check --simulate`'s stage with AWS's answers read from a file: each request gets the recorded results for
    the actions and resources it asks about (never a network call)."""
    results = json.loads(path.read_text())["EvaluationResults"]

    def ask(request: dict[str, Any]) -> list[dict[str, Any]]:
        asked = {(a, r) for a in request["ActionNames"] for r in request["ResourceArns"]}
        return [result for result in results if (result["EvalActionName"], result["EvalResourceName"]) in asked]

    return DeclaredConfirmations(ClientSettings(), ask=ask)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f"{f.rule.id}-{'good' if f.good else 'bad'}-{f.path.name}")
def test_fixture(fixture: Fixture) -> None:
    found = _found(fixture)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        fixture.write_expected(found)
    assert found == in_order(fixture.expected_blocks())


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_has_good_and_bad_fixtures(rule: type) -> None:
    kinds = {fixture.good for fixture in rule_fixtures(rule)}
    assert kinds == {True, False}, f"{rule.id} needs fixtures in both good/ and bad/"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_bad_fixtures_name_only_their_rule(rule: type) -> None:
    for fixture in rule_fixtures(rule):
        for line in fixture.expected():
            assert line.split()[0] == rule.id, f"{fixture.expected_path}: {line}"
