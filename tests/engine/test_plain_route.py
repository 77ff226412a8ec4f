"""A usual policy compiled from its values (`PlainDocument`, as `simulate` reads policies) is compiled as its model is:
the same checks, the same matchers, the same citations, and the model of what it reports equal to the policy's.
(Every engine test also decides both ways: the `engine` fixture.)"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_documents import documents

from linter.engine.context import Context
from linter.engine.matching import UNBUILT
from linter.engine.policies import CompiledPolicy, CompiledStatement, InvalidPolicyError, Role
from linter.engine.tri import YES
from linter.model import PolicyKind
from linter.sources.policy_document import PlainDocument, plain_document, plain_policy, read_document

PROPERTY = settings(max_examples=400, derandomize=True, deadline=None)
ACTIONS = ("s3:getobject", "s3:putobject", "iam:passrole", "*", "a b", "")
CONTEXTS: tuple[Context, ...] = (
    {},
    {"aws:principaltag/team": "S3:get*", "s3:prefix": "", "aws:securetransport": "false"},
)
RESOURCES = ("arn:aws:s3:::b/x", "arn:aws:s3:::b", "arn:aws:iam::111111111111:role/r", "*")


def _what_it_decides_from(statement: CompiledStatement) -> tuple[object, ...]:
    resources = statement.resource_matcher()
    return (
        statement.index,
        statement.allow,
        statement.deny,
        statement.problems,
        statement.doubts_of_its_own,
        statement.certainty,
        statement.substitute,
        statement.not_action,
        statement.not_resource,
        statement.has_resource,
        statement.not_principal,
        statement.principals,
        [statement.action_matches(action) for action in ACTIONS],
        None if resources is None else [resources.match(resource, {}) for resource in RESOURCES],
        None if resources is None else (resources.context_keys, resources.matches_everything),
        [
            (
                condition.key,
                condition.key_name,
                condition.text,
                condition.context_keys,
                [(condition.evaluate(context), condition.doubt(context)) for context in CONTEXTS],
            )
            for condition in statement.compiled_conditions()
        ],
        [statement.matched(label, effect) for label in ("identity", "resource") for effect in ("Allow", "Deny")],
        statement.where,
        statement.statement,
    )


_VALUES = st.sampled_from(
    [
        "*",
        "",
        "s3:GetObject",
        "S3:get*",
        "iam:?ass*",
        "arn:aws:s3:::b/*",
        "ARN:aws:s3:::b",
        "s3:::b",
        "arn:${aws:userid}",
    ]
)
_PRINCIPAL_VALUES = st.sampled_from(
    [
        "*",
        "111111111111",
        "arn:aws:iam::111111111111:root",
        "arn:aws:iam::111111111111:user/u",
        "arn:aws:iam::111111111111:role/path/r",
        "arn:aws:sts::111111111111:assumed-role/r/s",
        "arn:aws:iam::111111111111:group/g",
        "arn:aws:iam::*:root",
        "AIDAJQABLZS4A3QDU576Q",
        "s3.amazonaws.com",
        "bad",
    ]
)
_ONE_OR_MORE = st.one_of(_VALUES, st.lists(_VALUES, max_size=3))
_CONDITION = st.dictionaries(
    st.sampled_from(["StringEquals", "StringLike", "Bool", "IpAddress", "ArnLike", "Null", "NoSuchOperator"]),
    st.dictionaries(
        st.sampled_from(["aws:PrincipalTag/team", "aws:SourceIp", "aws:SecureTransport", "s3:prefix"]),
        st.one_of(_VALUES, st.booleans(), st.lists(st.one_of(_VALUES, st.booleans()), max_size=2)),
        max_size=2,
    ),
    max_size=2,
)


@st.composite
def _usual_policies(draw: st.DrawFn) -> str:
    """Plain documents whose values vary where compiling reads them: Effect, Resource, Principal, Condition."""
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        statement: dict[str, object] = {"Effect": draw(st.sampled_from(["Allow", "Deny", "allow", ""]))}
        statement[draw(st.sampled_from(["Action", "NotAction"]))] = draw(_ONE_OR_MORE)
        if draw(st.booleans()):
            statement[draw(st.sampled_from(["Resource", "NotResource"]))] = draw(_ONE_OR_MORE)
        if draw(st.booleans()):
            principals = st.dictionaries(
                st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]),
                st.one_of(_PRINCIPAL_VALUES, st.lists(_PRINCIPAL_VALUES, max_size=2)),
                max_size=2,
            )
            statement[draw(st.sampled_from(["Principal", "NotPrincipal"]))] = draw(st.one_of(st.just("*"), principals))
        if draw(st.booleans()):
            statement["Condition"] = draw(_CONDITION)
        if draw(st.booleans()):
            statement["Sid"] = draw(st.sampled_from(["", "S1"]))
        statements.append(statement)
    document: dict[str, object] = {}
    version = draw(st.sampled_from(["2012-10-17", "2008-10-17", None]))
    if version is not None:
        document["Version"] = version
    document["Statement"] = statements
    return json.dumps(document)


def _check(compiled: CompiledPolicy, role: Role) -> str | None:
    try:
        compiled.check(role)
    except InvalidPolicyError as error:
        return str(error)
    return None


@PROPERTY
@given(st.one_of(documents(), _usual_policies()), st.sampled_from([None, PolicyKind.IDENTITY, PolicyKind.RESOURCE]))
def test_a_plain_document_compiles_as_its_model(text: str, kind: PolicyKind | None) -> None:
    document = plain_document(text, "p.json", kind)
    model = plain_policy(text, "p.json", kind)
    assert (document is None) == (model is None)
    if document is None or model is None:
        return
    assert document.policy() == model
    for index, statement in enumerate(model.statements):
        assert document.statement(index) == statement
        assert document.location(index) == statement.loc
    from_values, from_model = CompiledPolicy(document), CompiledPolicy(model)
    assert [_what_it_decides_from(s) for s in from_values.statements] == [
        _what_it_decides_from(s) for s in from_model.statements
    ]
    assert [_check(from_values, role) for role in Role] == [_check(from_model, role) for role in Role]


def test_read_document_leaves_the_usual_policy_unmodelled() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    )
    document = read_document(text, "p.json", PolicyKind.IDENTITY)
    assert isinstance(document, PlainDocument)
    statement = CompiledPolicy(document).statements[0]
    assert statement.action_matches("s3:getobject") is YES
    matched = statement.matched("identity", "Allow")
    assert (matched.sid, matched.index, matched.loc.short()) == ("S", 0, "p.json:1:41")
    assert not _has_model(statement)  # deciding and citing it built no model
    assert statement.statement == document.policy().statements[0]
    assert _has_model(statement)


def _has_model(statement: CompiledStatement) -> bool:
    return statement._statement is not UNBUILT


@pytest.mark.parametrize(
    "text",
    [
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"NumericLessThan": {"k": 1}}}]}',  # number
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Effect": "Deny"}]}',  # repeated key
    ],
)
def test_read_document_models_what_is_not_plain(text: str) -> None:
    document = read_document(text, "p.json", PolicyKind.IDENTITY)
    assert not isinstance(document, PlainDocument)
    assert document == read_document(text, "p.json", PolicyKind.IDENTITY)
