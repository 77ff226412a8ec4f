"""Issue 13, "Verdicts that match AWS" (engine part): four places where the engine used to answer otherwise than AWS's
documentation says. Each test quotes the sentence it follows and asserts the exact decision.

docs/iam-semantics.md §2 Actions (`?` in Action), §3 Policy variables (Bool values), §1 Actions that need no
permission (sts:GetCallerIdentity), §1 KMS keys (no key policy among the inputs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.simulate import simulate_request

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{B}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/AppRole"
SESSION = f"arn:aws:sts::{A}:assumed-role/AppRole/s1"
OBJECT = "arn:aws:s3:::bkt/key"
OBJECTS = "arn:aws:s3:::bkt/*"
KEY = f"arn:aws:kms:eu-central-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALIAS = f"arn:aws:kms:eu-central-1:{A}:alias/app"


def allow(action: Any, resource: Any = OBJECTS, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# --- 1. `?` in Action ---------------------------------------------------------------------------------------------
# IAM User Guide, "IAM JSON policy elements: Action": "You can use multi-character match wildcards (*) and
# single-character match wildcards (?) to give access to all the actions the specific AWS product offers." and "You
# can also use wildcards (* or ?) as part of the action name." The prefix and action name are case insensitive.


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObj?ct", "s3:GetObject", "allowed"),
        ("S3:GETOBJ?CT", "s3:getobject", "allowed"),  # case-insensitive, `?` included
        ("s3:GetObjec?", "s3:GetObjec", "implicitDeny"),  # exactly one character, not zero
        ("s3:GetObje?", "s3:GetObject", "implicitDeny"),  # nor two
        ("s3:Get?bject*", "s3:GetObjectVersion", "allowed"),
        ("s3:*Obj?ct*", "s3:PutObjectTagging", "allowed"),  # with `*` on both sides: the linear matcher
        ("s3:*Obj?ct*", "s3:PutObjctTagging", "implicitDeny"),
    ],
)
def test_question_mark_in_action_matches_one_character(
    engine: Engine, pattern: str, action: str, expected: str
) -> None:
    identity = [engine.policy(allow(pattern))]
    decision = engine.decide(ALICE, action, OBJECT, identity=identity)
    assert (decision.decision, decision.uncertain, decision.warnings) == (expected, False, ())


def test_question_mark_in_a_deny_and_in_not_action(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:*"), deny("s3:DeleteObj?ct"))]
    decision = engine.decide(ALICE, "s3:DeleteObject", OBJECT, identity=identity)
    assert (engine.outcome(decision), decision.uncertain) == (("explicitDeny", ["identity.json#1"], ()), False)
    not_action = [engine.policy({"Effect": "Allow", "NotAction": "s3:Delete?bject", "Resource": OBJECTS})]
    assert engine.check(ALICE, "s3:DeleteObject", OBJECT, identity=not_action) == ("implicitDeny", [], ("identity",))
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=not_action) == ("allowed", ["identity.json#0"], ())


# --- 2. Policy variables in Bool values ---------------------------------------------------------------------------
# IAM User Guide, "IAM JSON policy elements: Condition operators", Boolean condition operators: "You can use a policy
# variable with the Boolean condition operator" (the current page: "Policy variables - Supported").
# docs/iam-semantics.md §3 Policy variables: a variable with no value and no default matches nothing; `${key,
# 'default'}` takes the default.


def _bool_allow(engine: Engine, value: str, operator: str = "Bool") -> list[Any]:
    condition = {operator: {"aws:SecureTransport": value}}
    return [engine.policy(allow("s3:GetObject", Condition=condition))]


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("${aws:PrincipalTag/tls}", {"aws:SecureTransport": "true", "aws:PrincipalTag/tls": "true"}, "allowed"),
        ("${aws:PrincipalTag/tls}", {"aws:SecureTransport": "true", "aws:PrincipalTag/tls": "TRUE"}, "allowed"),
        ("${aws:PrincipalTag/tls}", {"aws:SecureTransport": "true", "aws:PrincipalTag/tls": "false"}, "implicitDeny"),
        # The variable has no value: the entry matches nothing.
        ("${aws:PrincipalTag/tls}", {"aws:SecureTransport": "true"}, "implicitDeny"),
        # A default stands in for the missing value.
        ("${aws:PrincipalTag/tls, 'true'}", {"aws:SecureTransport": "true"}, "allowed"),
        ("${aws:PrincipalTag/tls, 'false'}", {"aws:SecureTransport": "true"}, "implicitDeny"),
        # A filled-in value that is not a boolean equals no request value.
        ("${aws:PrincipalTag/tls}", {"aws:SecureTransport": "true", "aws:PrincipalTag/tls": "yes"}, "implicitDeny"),
        # The key compared is absent: Bool is false whatever the value.
        ("${aws:PrincipalTag/tls}", {"aws:PrincipalTag/tls": "true"}, "implicitDeny"),
    ],
)
def test_bool_substitutes_policy_variables(engine: Engine, value: str, context: dict[str, str], expected: str) -> None:
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=_bool_allow(engine, value), context=context)
    assert (decision.decision, decision.uncertain, decision.warnings) == (expected, False, ())


def test_bool_variable_in_a_deny_with_a_missing_variable_does_not_deny(engine: Engine) -> None:
    identity = [
        engine.policy(
            allow("s3:GetObject"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "${aws:PrincipalTag/x}"}})
        )
    ]
    context = {"aws:SecureTransport": "false"}
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context=context) == (
        "allowed",
        ["identity.json#0"],
        (),
    )
    tagged = {**context, "aws:PrincipalTag/x": "false"}
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context=tagged) == (
        "explicitDeny",
        ["identity.json#1"],
        (),
    )


def test_bool_variable_with_an_unknown_value_is_uncertain(engine: Engine) -> None:
    # AWS sets aws:MultiFactorAuthPresent for every role session, but a session ARN does not say its value (§3
    # request context: unknown, not absent): the filled-in value, and so the comparison, cannot be known.
    identity = _bool_allow(engine, "${aws:MultiFactorAuthPresent}")
    decision = engine.decide(
        SESSION, "s3:GetObject", OBJECT, identity=identity, context={"aws:SecureTransport": "true"}
    )
    assert (decision.decision, decision.possible) == ("implicitDeny", ("implicitDeny", "allowed"))
    assert "${aws:MultiFactorAuthPresent} are not known" in decision.warnings[0]


def test_bool_variables_are_literal_without_version_2012(engine: Engine) -> None:
    # IAM User Guide, policy variables: variables are substituted only in Version 2012-10-17 policies; otherwise the
    # text is literal, here an invalid boolean (docs/iam-semantics.md §3 Policy variables).
    condition = {"Bool": {"aws:SecureTransport": "${aws:PrincipalTag/tls}"}}
    identity = [engine.policy(allow("s3:GetObject", Condition=condition), version=None)]
    context = {"aws:SecureTransport": "true", "aws:PrincipalTag/tls": "true"}
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, context=context)
    assert (decision.decision, decision.uncertain) == ("implicitDeny", True)
    assert "not a valid Bool value" in decision.warnings[0]


# --- 3. sts:GetCallerIdentity ---------------------------------------------------------------------------------------
# AWS STS API Reference, GetCallerIdentity: "No permissions are required to perform this operation. If an
# administrator attaches a policy to your identity that explicitly denies access to the sts:GetCallerIdentity action,
# you can still perform this operation. Permissions are not required because the same information is returned when
# access is denied." docs/iam-semantics.md §1 Actions that need no permission: allowed under every policy type.


def _gci(engine: Engine, caller: str | None, **policy_set: Any) -> Any:
    decision = engine.decide(caller, "sts:GetCallerIdentity", "*", **policy_set)
    assert (decision.decision, decision.uncertain, decision.possible) == ("allowed", False, ("allowed",))
    assert (decision.matched, decision.failed_to_allow, decision.warnings) == ((), (), ())
    assert decision.notes and "sts:GetCallerIdentity needs no permission" in decision.notes[0]
    return decision


def test_get_caller_identity_with_no_policies_is_allowed(engine: Engine) -> None:
    _gci(engine, ALICE)
    _gci(engine, SESSION)
    _gci(engine, None)  # the simulator's unnamed principal


def test_get_caller_identity_under_an_explicit_deny_is_allowed(engine: Engine) -> None:
    deny_all = engine.policy(deny("*"), name="deny.json")
    deny_gci = engine.policy(deny("sts:GetCallerIdentity"), name="deny-gci.json")
    _gci(engine, ALICE, identity=[deny_all, deny_gci])
    _gci(engine, SESSION, identity=[engine.policy(allow("s3:*"))], boundary=deny_all, session=deny_gci)
    scp_root = engine.policy(allow("*", "*"), name="scp-root.json")
    _gci(engine, BOB, scps=[[scp_root, deny_all], [engine.policy(allow("ec2:*", "*"), name="scp-ou.json")]])
    _gci(engine, ALICE, rcps=[[engine.policy({**deny("*"), "Principal": "*"}, name="rcp.json")]])


def test_get_caller_identity_is_allowed_whatever_the_case_of_the_action(engine: Engine) -> None:
    decision = engine.decide(ALICE, "STS:getcalleridentity", "*", identity=[engine.policy(deny("*"))])
    assert (decision.decision, decision.uncertain) == ("allowed", False)


def test_get_caller_identity_still_checks_its_inputs(engine: Engine) -> None:
    from linter.engine.context import InvalidRequestError

    with pytest.raises(InvalidRequestError):
        engine.decide("not-an-arn", "sts:GetCallerIdentity", "*")


def test_get_caller_identity_through_the_simulate_shape(engine: Engine) -> None:
    deny_all = {"Version": "2012-10-17", "Statement": [deny("*")]}
    response = simulate_request(
        {"CallerArn": ALICE, "ActionNames": ["sts:GetCallerIdentity"], "PolicyInputList": [deny_all]}, now=engine.now
    )
    result = response["EvaluationResults"][0]
    assert (result["EvalDecision"], result["MatchedStatements"], result["Explanation"]["Uncertain"]) == (
        "allowed",
        [],
        False,
    )
    assert result["Explanation"]["Notes"][0].startswith("sts:GetCallerIdentity needs no permission")


# --- 4. KMS without the key policy ----------------------------------------------------------------------------------
# AWS KMS Developer Guide, "Key policies in AWS KMS": "Every KMS key must have exactly one key policy." and "Unless the
# key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key. Without permission from
# the key policy, IAM policies that allow permissions have no effect. (You can use an IAM policy to deny a permission
# to a KMS key without permission from a key policy.)" docs/iam-semantics.md §1 KMS keys: uncertain, never allowed.


def _no_key_policy(engine: Engine, caller: str, action: str, resource: str, **policy_set: Any) -> Any:
    decision = engine.decide(caller, action, resource, **policy_set)
    assert any(f"no key policy was given for {resource}" in note for note in decision.notes), decision.notes
    return decision


@pytest.mark.parametrize("resource", [KEY, ALIAS])
def test_identity_allow_without_the_key_policy_is_uncertain(engine: Engine, resource: str) -> None:
    identity = [engine.policy(allow("kms:Decrypt", "*"))]
    decision = _no_key_policy(engine, ALICE, "kms:Decrypt", resource, identity=identity)
    assert engine.outcome(decision) == ("implicitDeny", ["identity.json#0"], ("resource",))
    assert (decision.uncertain, decision.possible) == (True, ("implicitDeny", "allowed"))


def test_no_identity_allow_without_the_key_policy_is_uncertain(engine: Engine) -> None:
    # The key policy may name the caller itself, which needs no identity allow in the same account.
    decision = _no_key_policy(engine, ALICE, "kms:Decrypt", KEY)
    assert engine.outcome(decision) == ("implicitDeny", [], ("identity", "resource"))
    assert (decision.uncertain, decision.possible) == (True, ("implicitDeny", "allowed"))


def test_an_identity_deny_without_the_key_policy_is_still_final(engine: Engine) -> None:
    identity = [engine.policy(allow("kms:*", "*"), deny("kms:Decrypt"))]
    decision = _no_key_policy(engine, ALICE, "kms:Decrypt", KEY, identity=identity)
    assert (engine.outcome(decision), decision.uncertain) == (("explicitDeny", ["identity.json#1"], ()), False)


def test_an_scp_without_allow_without_the_key_policy_is_still_final(engine: Engine) -> None:
    identity = [engine.policy(allow("kms:*", "*"))]
    scp = engine.policy(allow("s3:*", "*"), name="scp.json")
    decision = _no_key_policy(engine, ALICE, "kms:Decrypt", KEY, identity=identity, scps=[[scp]])
    assert decision.uncertain is False
    assert engine.outcome(decision) == ("implicitDeny", ["identity.json#0"], ("scp:level 0", "resource"))


def test_cross_account_without_the_key_policy_is_uncertain_only_if_the_identity_allows(engine: Engine) -> None:
    identity = [engine.policy(allow("kms:Decrypt", "*"))]
    with_allow = _no_key_policy(engine, BOB, "kms:Decrypt", KEY, identity=identity)
    assert (with_allow.decision, with_allow.possible) == ("implicitDeny", ("implicitDeny", "allowed"))
    without = _no_key_policy(engine, BOB, "kms:Decrypt", KEY)
    assert (engine.outcome(without), without.uncertain) == (("implicitDeny", [], ("identity", "resource")), False)


def test_the_key_policy_given_decides_as_before(engine: Engine) -> None:
    key_policy = engine.policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*", "Resource": "*"},
        name="key.json",
    )
    identity = [engine.policy(allow("kms:Decrypt", KEY))]
    decision = engine.decide(ALICE, "kms:Decrypt", KEY, identity=identity, resource=key_policy)
    assert (engine.outcome(decision), decision.uncertain, decision.notes) == (
        ("allowed", ["key.json#0", "identity.json#0"], ()),
        False,
        (),
    )


def test_requests_that_are_not_on_a_key_are_unchanged(engine: Engine) -> None:
    identity = [engine.policy(allow("kms:*", "*"))]
    # kms:ListKeys and kms:CreateKey have no key resource.
    for action in ("kms:ListKeys", "kms:CreateKey"):
        assert engine.check(ALICE, action, "*", identity=identity) == ("allowed", ["identity.json#0"], ())
    # A role trust policy not given: the rest is decided, as before (§1 names no uncertainty for it).
    trust = engine.decide(ALICE, "sts:AssumeRole", ROLE, identity=[engine.policy(allow("sts:AssumeRole", "*"))])
    assert (trust.decision, trust.uncertain) == ("allowed", False)


def test_key_policy_missing_through_the_python_api_and_the_simulate_shape(engine: Engine) -> None:
    identity = engine.policy(allow("kms:Decrypt", "*"))
    decision = evaluate(Request(ALICE, "kms:Decrypt", KEY), PolicySet(identity=[identity]), now=engine.now)
    assert (decision.decision, decision.possible) == ("implicitDeny", ("implicitDeny", "allowed"))
    policy = {"Version": "2012-10-17", "Statement": [allow("kms:Decrypt", "*")]}
    response = simulate_request(
        {"CallerArn": ALICE, "ActionNames": ["kms:Decrypt"], "ResourceArns": [KEY], "PolicyInputList": [policy]},
        now=engine.now,
    )
    result = response["EvaluationResults"][0]
    assert (result["EvalDecision"], result["Explanation"]["PossibleDecisions"]) == (
        "implicitDeny",
        ["implicitDeny", "allowed"],
    )
    assert any(KEY in note for note in result["Explanation"]["Notes"])


def test_decisions_for_two_keys_name_their_own_key(engine: Engine) -> None:
    identity = [engine.policy(allow("kms:Decrypt", "*"))]
    policies = PolicySet(identity=identity)
    other = KEY.replace("1234abcd", "9999ffff")
    first = evaluate(Request(ALICE, "kms:Decrypt", KEY), policies, now=engine.now)
    second = evaluate(Request(ALICE, "kms:Decrypt", other), policies, now=engine.now)
    assert KEY in first.notes[0] and other in second.notes[0]
