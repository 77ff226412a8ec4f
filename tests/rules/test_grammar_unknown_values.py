"""Values Terraform could not resolve are never judged: every value-based IPG/IPA rule stays silent on them."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

import pytest
from rule_inputs import load_inputs

from linter.awsdata import aws_data
from linter.check import run_rules
from linter.fixtures import rule_fixtures
from linter.model import Policy, Text
from linter.registry import rule_by_id_or_name
from linter.rule import RuleContext

# Rules about values (not about the presence or shape of elements, which an unknown value does not change).
VALUE_RULES = [
    "IPG004", "IPG005", "IPG006", "IPG007", "IPG008", "IPG012", "IPG013",
    "IPA001", "IPA002", "IPA003", "IPA004", "IPA005", "IPA006", "IPA007", "IPA008", "IPA009", "IPA010", "IPA011",
    "IPA012", "IPA013",
]  # fmt: skip


def _unknown(node: Any) -> Any:
    """The same model with every scalar replaced by an unresolved Terraform value."""
    if isinstance(node, Text):
        return replace(node, unresolved="var.unknown")
    if is_dataclass(node) and not isinstance(node, type):
        return replace(node, **{field.name: _unknown(getattr(node, field.name)) for field in fields(node)})
    if isinstance(node, list):
        return [_unknown(item) for item in node]
    return node


@pytest.mark.parametrize("rule_id", VALUE_RULES)
def test_bad_fixtures_with_unknown_values_raise_nothing(rule_id: str) -> None:
    rule = rule_by_id_or_name(rule_id)
    assert rule is not None
    bad = [fixture for fixture in rule_fixtures(rule) if not fixture.good]
    assert bad
    for fixture in bad:
        loaded = load_inputs(fixture.path, fixture.path.name, fixture.kind)
        policies: list[Policy] = [_unknown(policy) for policy in loaded.policies]
        assert list(run_rules(policies, [rule], RuleContext(aws=aws_data()))) == [], fixture.path.name
