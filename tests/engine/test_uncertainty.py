"""Honest uncertainty: unresolved values and the spec's open questions give MAYBE, never a silent guess.

The decision is the least permissive possible outcome; `uncertain` is set only when the doubt could change it, and a
warning names the statement and the reason either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A = "111111111111"
ALICE = f"arn:aws:iam::{A}:user/alice"
SESSION = f"arn:aws:sts::{A}:assumed-role/AppRole/s1"
OBJECT = "arn:aws:s3:::bkt/key"


def allow(action: Any = "s3:GetObject", resource: Any = "arn:aws:s3:::bkt/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_unresolved_action_in_an_allow_never_allows(engine: Engine) -> None:
    identity = [engine.policy(allow(), unresolved={"/Statement/0/Action"})]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert (decision.decision, decision.uncertain, decision.possible) == (
        "implicitDeny",
        True,
        ("implicitDeny", "allowed"),
    )
    assert decision.warnings == (
        "identity.json:4:5 (statement 0) of identity policy identity.json may or may not apply: "
        "unresolved Action value var.Statement_0_Action",
    )


def test_unresolved_resource_in_a_deny_is_read_as_denying(engine: Engine) -> None:
    identity = [
        engine.policy(
            allow(),
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::x"},
            unresolved={"/Statement/1/Resource"},
        )
    ]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert engine.outcome(decision) == ("explicitDeny", ["identity.json#1"], ())
    assert (decision.uncertain, decision.possible) == (True, ("explicitDeny", "allowed"))


def test_doubt_that_cannot_change_the_decision_is_a_warning_only(engine: Engine) -> None:
    identity = [engine.policy(allow(), allow(), unresolved={"/Statement/1/Action"})]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert engine.outcome(decision) == ("allowed", ["identity.json#0"], ())
    assert (decision.uncertain, decision.possible) == (False, ("allowed",))
    assert decision.warnings == (
        "identity.json:9:5 (statement 1) of identity policy identity.json may or may not apply: "
        "unresolved Action value var.Statement_1_Action",
    )


def test_unresolved_condition_value(engine: Engine) -> None:
    condition = {"StringEquals": {"aws:PrincipalTag/team": ["red", "blue"]}}
    identity = [
        engine.policy(
            allow(Condition=condition), unresolved={"/Statement/0/Condition/StringEquals/aws:PrincipalTag~1team/1"}
        )
    ]
    red = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, context={"aws:PrincipalTag/team": "red"})
    assert (red.decision, red.uncertain) == ("allowed", False)
    green = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, context={"aws:PrincipalTag/team": "green"})
    assert (green.decision, green.uncertain) == ("implicitDeny", True)
    assert "unresolved value var.Statement_0_Condition_StringEquals_aws:PrincipalTag~1team_1" in green.warnings[0]


def test_unresolved_principal(engine: Engine) -> None:
    bucket = engine.policy(
        allow(Principal={"AWS": f"arn:aws:iam::{A}:user/x"}),
        name="bucket.json",
        unresolved={"/Statement/0/Principal/AWS"},
    )
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, resource=bucket)
    assert (decision.decision, decision.possible) == ("implicitDeny", ("implicitDeny", "allowed"))
    assert decision.warnings[0].endswith("may or may not apply: unresolved Principal or NotPrincipal value")


def test_unresolved_effect_could_be_either(engine: Engine) -> None:
    identity = [engine.policy(allow(), {**allow(), "Effect": "Deny"}, unresolved={"/Statement/1/Effect"})]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert engine.outcome(decision) == ("explicitDeny", ["identity.json#1"], ())
    assert decision.possible == ("explicitDeny", "allowed")


def test_segment_final_star_crossing_colons_is_an_open_question(engine: Engine) -> None:
    identity = [engine.policy(allow(resource="arn:aws:s3:*"))]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert (decision.decision, decision.uncertain) == ("implicitDeny", True)
    assert "segment-final '*'" in decision.warnings[0]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["b"], ("allowed", False)),  # both readings: a value outside the list, and no value in it
        (["a", "b"], ("implicitDeny", True)),  # per value: "b" is outside; whole set: "a" is inside
        (["a"], ("implicitDeny", False)),
    ],
)
def test_negated_operator_inside_for_any_value(engine: Engine, tags: list[str], expected: Any) -> None:
    identity = [engine.policy(allow(Condition={"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}}))]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, context={"aws:TagKeys": tags})
    assert (decision.decision, decision.uncertain) == expected


def test_unknown_operator_name(engine: Engine) -> None:
    identity = [engine.policy(allow(Condition={"StringEqualz": {"aws:username": "alice"}}))]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert (decision.decision, decision.uncertain) == ("implicitDeny", True)
    assert "unknown condition operator 'StringEqualz'; did you mean 'StringEquals'?" in decision.warnings[0]


def test_a_key_aws_sets_but_the_arn_does_not_reveal(engine: Engine) -> None:
    identity = [engine.policy(allow(Condition={"StringLike": {"aws:userid": "AIDA*"}}))]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert (decision.decision, decision.uncertain) == ("implicitDeny", True)
    assert "the request's aws:userid is not known" in decision.warnings[0]
    assert decision.missing_context_keys == ("aws:userid",)
    given = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, context={"aws:userid": "AIDAEXAMPLE"})
    assert (given.decision, given.uncertain) == ("allowed", False)


def test_everyone_grant_to_a_session_with_a_boundary(engine: Engine) -> None:
    bucket = engine.policy(allow(Principal="*"), name="bucket.json")
    boundary = engine.policy(allow("ec2:*", "*"), name="boundary.json")
    decision = engine.decide(SESSION, "s3:GetObject", OBJECT, resource=bucket, boundary=boundary)
    assert engine.outcome(decision) == ("implicitDeny", ["bucket.json#0"], ("boundary",))
    assert decision.possible == ("implicitDeny", "allowed")
    assert "Principal '*'" in decision.warnings[0]
    without_boundary = engine.decide(SESSION, "s3:GetObject", OBJECT, resource=bucket)
    assert (without_boundary.decision, without_boundary.uncertain, without_boundary.warnings) == ("allowed", False, ())
