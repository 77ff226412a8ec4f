"""Random and mutated policies through the loader and every rule: findings or nothing, never an exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.awsdata import aws_data
from linter.check import run_rules
from linter.model import PolicyKind
from linter.registry import all_rules
from linter.rule import RuleContext
from linter.sources.jsonpos import JsonSyntaxError, parse
from linter.sources.policy_document import build_policy, file_locator

ACTIONS = [
    "s3:GetObject",
    "s3:*",
    "*",
    "iam:PassRole",
    "kms:Decrypt",
    "S3:get*",
    "nosuch:Thing",
    "s3:",
    ":",
    "sts:AssumeRole",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:us-east-1:1:b",
    "arn:",
    "arn:aws:iam::111111111111:role/r",
]
KEYS = ["aws:SourceIp", "aws:SecureTransport", "s3:prefix", "aws:PrincipalTag/team", "bogus:key", "aws:TagKeys", ""]
OPERATORS = [
    "StringEquals",
    "ForAllValues:StringLike",
    "Bool",
    "IpAddress",
    "NotIpAddress",
    "DateLessThan",
    "Nope",
    "NullIfExists",
]
VALUES = st.one_of(
    st.sampled_from(["true", "203.0.113.0/24", "2030-01-01T00:00:00Z", "x", "", "${aws:username}"]),
    st.booleans(),
    st.integers(),
)

one_or_many = lambda values: st.one_of(st.sampled_from(values), st.lists(st.sampled_from(values), max_size=3))  # noqa: E731
principal = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Bogus"]),
        one_or_many(
            ["*", "111111111111", "arn:aws:iam::111111111111:root", "arn:aws:iam::1:user/*", "s3.amazonaws.com", ""]
        ),
        max_size=3,
    ),
)
statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "allow", ""])},
    optional={
        "Sid": st.sampled_from(["A", "A", "b-1", ""]),
        "Action": one_or_many(ACTIONS),
        "NotAction": one_or_many(ACTIONS),
        "Resource": one_or_many(RESOURCES),
        "NotResource": one_or_many(RESOURCES),
        "Principal": principal,
        "NotPrincipal": principal,
        "Condition": st.dictionaries(
            st.sampled_from(OPERATORS),
            st.dictionaries(st.sampled_from(KEYS), st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=2),
            max_size=2,
        ),
    },
)
documents = st.fixed_dictionaries(
    {"Statement": st.one_of(statement, st.lists(statement, max_size=4))},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "2020-01-01"]), "Id": st.just("x")},
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.sampled_from(list(PolicyKind)))
def test_every_rule_survives_any_policy(document: dict[str, object], kind: PolicyKind) -> None:
    policy = build_policy(parse(json.dumps(document)), "p.json", file_locator("p.json"), kind)
    findings = list(run_rules([policy], all_rules(), RuleContext(aws=aws_data())))
    assert all(f.loc.file == "p.json" for f in findings)


@settings(max_examples=200, deadline=None)
@given(documents, st.data())
def test_mutated_text_is_a_syntax_error_or_a_policy(document: dict[str, object], data: st.DataObject) -> None:
    text = json.dumps(document, indent=1)
    position = data.draw(st.integers(0, max(0, len(text) - 1)))
    mutated = (
        text[:position] + data.draw(st.sampled_from(["", "{", "}", ",", '"', "\\", "\x00"])) + text[position + 1 :]
    )
    try:
        root = parse(mutated)
    except JsonSyntaxError:
        return
    list(run_rules([build_policy(root, "p.json", file_locator("p.json"))], all_rules(), RuleContext(aws=aws_data())))
