from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from linter.model import PolicyKind
from linter.sources.jsonpos import parse
from linter.sources.policy_document import build_policy, file_locator


def _policy(document: object, kind: PolicyKind | None = None):  # type: ignore[no-untyped-def]
    return build_policy(parse(json.dumps(document, indent=2)), "p.json", file_locator("p.json"), kind)


def test_single_values_become_lists_and_statement_object_is_recorded() -> None:
    policy = _policy(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}
    )
    assert policy.statement_is_object
    [statement] = policy.statements
    assert [a.value for a in statement.action or []] == ["s3:GetObject"]
    assert [r.value for r in statement.resource or []] == ["*"]
    assert statement.action is not None and statement.action[0].loc.json_path == "/Statement/Action"
    assert policy.kind is PolicyKind.IDENTITY and policy.kind_inferred


def test_principal_forms() -> None:
    policy = _policy(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": ["111111111111", "arn:aws:iam::111111111111:role/r"],
                        "Service": "s3.amazonaws.com",
                    },
                    "Action": "s3:GetObject",
                    "Resource": "*",
                },
            ]
        }
    )
    star, mixed = policy.statements
    assert star.principal is not None and star.principal.star_form and star.principal.is_everyone
    assert mixed.principal is not None
    assert [(r.type, r.value.value, r.value.loc.json_path) for r in mixed.principal.refs] == [
        ("AWS", "111111111111", "/Statement/1/Principal/AWS/0"),
        ("AWS", "arn:aws:iam::111111111111:role/r", "/Statement/1/Principal/AWS/1"),
        ("Service", "s3.amazonaws.com", "/Statement/1/Principal/Service"),
    ]
    assert policy.kind is PolicyKind.RESOURCE


def test_conditions_are_flattened_operator_key_values() -> None:
    policy = _policy(
        {
            "Statement": {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "Bool": {"aws:SecureTransport": False},
                    "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.7"]},
                },
            }
        }
    )
    bool_condition, ip_condition = policy.statements[0].conditions
    assert (bool_condition.operator.value, bool_condition.key.value) == ("Bool", "aws:SecureTransport")
    assert [(v.value, v.json_type) for v in bool_condition.values] == [("false", "boolean")]
    assert [v.value for v in ip_condition.values] == ["203.0.113.0/24", "198.51.100.7"]
    assert ip_condition.values[1].loc.json_path == "/Statement/Condition/IpAddress/aws:SourceIp/1"


def test_kind_inference() -> None:
    trust = {
        "Statement": {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    }
    key = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    }
    assert _policy(trust).kind is PolicyKind.TRUST
    assert _policy(key).kind is PolicyKind.KEY
    assert _policy(key, PolicyKind.RESOURCE).kind is PolicyKind.RESOURCE
    assert not _policy(key, PolicyKind.RESOURCE).kind_inferred


def test_schema_issues_point_at_the_element() -> None:
    policy = _policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": 7}]}
    )
    [issue] = policy.issues
    assert issue.code == "schema"
    assert issue.loc.json_path == "/Statement/0/Resource"
    assert issue.message == "Statement[0].Resource: wrong type or shape (int not allowed here)"


policy_like = st.fixed_dictionaries(
    {},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "", 3]),
        "Statement": st.one_of(
            st.dictionaries(
                st.sampled_from(["Effect", "Action", "NotAction", "Resource", "Principal", "Condition", "Sid", "X"]),
                st.recursive(
                    st.text(max_size=5) | st.booleans() | st.integers(),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                    max_leaves=8,
                ),
            ),
            st.lists(
                st.dictionaries(
                    st.sampled_from(["Effect", "Action", "Resource", "Principal", "Condition"]),
                    st.text(max_size=5) | st.lists(st.text(max_size=5)),
                ),
                max_size=3,
            ),
            st.integers(),
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(policy_like)
def test_any_shape_normalises_without_raising(document: dict[str, object]) -> None:
    _policy(document)


@settings(max_examples=500, deadline=None)
@given(policy_like)
def test_fast_path_never_accepts_what_the_schema_rejects(document: dict[str, object]) -> None:
    from linter.sources.policy_document import _validator, plainly_valid

    root = parse(json.dumps(document))
    if plainly_valid(root):
        assert list(_validator().iter_errors(document)) == []
