"""Least-privilege, trust and resource-policy rules beyond their fixtures: unknown values, Deny, shared helpers."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from linter.awsdata import aws_data
from linter.check import run_rules
from linter.findings import Finding
from linter.fixtures import rule_fixtures
from linter.model import Policy, PolicyKind, Text
from linter.registry import all_rules
from linter.rule import Rule, RuleContext
from linter.sources.jsonpos import parse
from linter.sources.policy_document import build_policy, file_locator
from rules._shared.statements import (
    account_of,
    action_matches,
    is_any_action,
    is_any_resource,
    is_type_wide_resource,
    may_name_role,
    service_wildcard,
)

RULES = [rule for rule in all_rules() if rule.id[:3] in ("IPP", "IPT", "IPR")]
GH = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def policy_of(statements: list[dict[str, Any]], kind: PolicyKind) -> Policy:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    return build_policy(parse(text), "test.json", file_locator("test.json"), kind)


def unknown_at(node: Any, pointer: str) -> Any:
    """A copy of the model where the Text at `pointer` is an unresolved Terraform expression."""
    if isinstance(node, Text):
        return replace(node, unresolved="var.x") if node.loc.json_path == pointer else node
    if is_dataclass(node) and not isinstance(node, type):
        return replace(node, **{field.name: unknown_at(getattr(node, field.name), pointer) for field in fields(node)})
    if isinstance(node, list):
        return [unknown_at(item, pointer) for item in node]
    return node


def findings(policy: Policy, rules: list[type[Rule]] | None = None) -> list[Finding]:
    return list(run_rules([policy], rules or RULES, RuleContext(aws=aws_data())))


def ids(policy: Policy) -> list[str]:
    return sorted(f.rule_id for f in findings(policy))


# --- unresolved values are never judged as if known ---------------------------------------------------------


def test_unknown_resource_is_not_reported_as_star() -> None:
    policy = policy_of([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}], PolicyKind.IDENTITY)
    assert ids(policy) == ["IPP004"]
    assert ids(unknown_at(policy, "/Statement/0/Resource")) == []


def test_unknown_action_grants_nothing_known() -> None:
    policy = policy_of([{"Effect": "Allow", "Action": "*", "Resource": "*"}], PolicyKind.IDENTITY)
    assert ids(policy) == ["IPP001"]
    assert ids(unknown_at(policy, "/Statement/0/Action")) == []


def test_unknown_effect_is_not_judged() -> None:
    policy = policy_of(
        [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}], PolicyKind.RESOURCE
    )
    assert ids(policy) == ["IPR001"]
    assert ids(unknown_at(policy, "/Statement/0/Effect")) == []


@pytest.mark.parametrize(
    "pointer",
    [
        "/Statement/0/Principal",  # the principal itself
        "/Statement/0/Condition/StringEquals/aws:PrincipalOrgID",  # the value that would pin it
        "/Statement/0/Condition/StringEquals",  # the operator
    ],
)
def test_unknown_principal_or_condition_is_not_public(pointer: str) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::presign-demo/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    }
    policy = policy_of([statement], PolicyKind.RESOURCE)
    assert ids(policy) == []
    bare = policy_of([{k: v for k, v in statement.items() if k != "Condition"}], PolicyKind.RESOURCE)
    assert ids(bare) == ["IPR001"]
    # An unknown condition might pin the caller; an unknown principal might be anyone or no one.
    assert ids(unknown_at(policy, pointer)) == []
    if pointer == "/Statement/0/Principal":
        assert ids(unknown_at(bare, pointer)) == []


def test_unknown_oidc_condition_is_assumed_to_pin() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": GH},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
    }
    policy = policy_of([statement], PolicyKind.TRUST)
    assert ids(policy) == ["IPT001"]
    pointer = "/Statement/0/Condition/StringEquals/token.actions.githubusercontent.com:aud"
    assert ids(unknown_at(policy, pointer)) == []


def test_unknown_not_action_value_does_not_grant_passrole() -> None:
    policy = policy_of(
        [{"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"], "Resource": "arn:aws:iam::111122223333:role/app"}],
        PolicyKind.IDENTITY,
    )
    assert ids(policy) == ["IPP005", "IPP008"]
    assert ids(unknown_at(policy, "/Statement/0/NotAction/1")) == ["IPP005"]


def test_unknown_trusted_account_is_not_reported() -> None:
    policy = policy_of(
        [{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}], PolicyKind.TRUST
    )
    assert ids(policy) == ["IPT004"]
    assert ids(unknown_at(policy, "/Statement/0/Principal/AWS")) == []


# --- Deny statements are never judged as grants -------------------------------------------------------------


def _as_deny(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ("Deny" if k == "Effect" and v == "Allow" else _as_deny(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_as_deny(item) for item in node]
    return node


# Policy JSON fixtures (a Terraform module fixture, a folder, would need its HCL rewritten).
BAD_FIXTURES = [
    fixture for rule in RULES for fixture in rule_fixtures(rule) if not fixture.good and fixture.path.is_file()
]


@pytest.mark.parametrize("fixture", BAD_FIXTURES, ids=lambda f: f"{f.rule.id}-{f.path.name}")
def test_bad_fixture_turned_into_denies_raises_nothing(fixture: Any) -> None:
    document = _as_deny(json.loads(Path(fixture.path).read_text()))
    policy = build_policy(parse(json.dumps(document)), "deny.json", file_locator("deny.json"), fixture.kind)
    assert [f.rule_id for f in findings(policy) if f.severity != "info"] == []


# --- shared helpers ----------------------------------------------------------------------------------------


def test_action_patterns() -> None:
    assert action_matches("IAM:pass*", "iam:PassRole")
    assert action_matches("iam:P?ssRole", "iam:PassRole")
    assert not action_matches("iam:PassRoles", "iam:PassRole")
    assert [p for p in ("*", "*:*", "**", "s3:*", "*:Get*") if is_any_action(p)] == ["*", "*:*", "**"]
    assert service_wildcard("S3:*") == "s3"
    assert service_wildcard("s3:Get*") is None
    assert service_wildcard("*:*") is None


def test_resource_patterns() -> None:
    assert is_any_resource("*")
    assert is_any_resource("arn:aws:*:*:*:*")
    assert not is_any_resource("arn:aws:s3:::*")
    assert is_type_wide_resource("arn:aws:iam::111122223333:role/*")
    assert is_type_wide_resource("arn:aws:lambda:*:111122223333:function:*")
    assert not is_type_wide_resource("arn:aws:iam::111122223333:role/app-*")
    assert not is_type_wide_resource("arn:aws:iam::*:user/${aws:username}")
    assert may_name_role("arn:aws:iam::111122223333:role/app-*")
    assert not may_name_role("arn:aws:s3:::presign-demo/*")


def test_account_principals() -> None:
    assert account_of("arn:aws:iam::111122223333:root") == "111122223333"
    assert account_of("arn:aws-us-gov:iam::111122223333:root") == "111122223333"
    assert account_of("111122223333") == "111122223333"
    assert account_of("arn:aws:iam::111122223333:role/x") is None


@pytest.mark.parametrize(
    ("cidr", "public"),
    [("203.0.113.0/24", False), ("10.0.0.0/8", False), ("0.0.0.0/7", True), ("0.0.0.0/0", True),
     ("2001:db8::/32", False), ("::/0", True), ("not-an-ip", True)],
)  # fmt: skip
def test_source_ip_breadth(cidr: str, public: bool) -> None:
    policy = policy_of(
        [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
          "Condition": {"IpAddress": {"aws:SourceIp": cidr}}}],
        PolicyKind.RESOURCE,
    )  # fmt: skip
    assert (ids(policy) == ["IPR001"]) is public


@pytest.mark.parametrize(
    ("operator", "restricts"),
    [("StringEquals", True), ("ForAnyValue:StringEquals", True), ("StringEqualsIfExists", False),
     ("StringNotEquals", False), ("ForAllValues:StringEquals", False), ("StringEqualz", False)],
)  # fmt: skip
def test_only_positive_operators_pin_the_caller(operator: str, restricts: bool) -> None:
    policy = policy_of(
        [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
          "Condition": {operator: {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}],
        PolicyKind.RESOURCE,
    )  # fmt: skip
    assert (ids(policy) == []) is restricts


def test_messages_name_statement_action_and_fix() -> None:
    policy = policy_of(
        [{"Sid": "Deploy", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}], PolicyKind.IDENTITY
    )
    (finding,) = findings(policy, [r for r in RULES if r.id == "IPP007"])
    assert "statement 0 ('Deploy')" in finding.message
    assert "iam:PassRole" in finding.message and "iam:PassedToService" in finding.message
    assert finding.loc.json_path == "/Statement/0/Action"
    assert finding.subject == "iam:passrole on *"
