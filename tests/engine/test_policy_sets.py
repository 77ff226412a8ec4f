"""Evaluation logic beyond §7: organizations, cross-account roles, anonymous and root callers, explanations and the
checks AWS makes before it stores a policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from linter.engine.context import InvalidRequestError
from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.explain import Decision
from linter.engine.policies import InvalidPolicyError
from linter.model import PolicyKind

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB_SESSION = f"arn:aws:sts::{B}:assumed-role/Reader/s1"
OBJECT = "arn:aws:s3:::bkt/key"


def allow(action: Any = "s3:GetObject", resource: Any = "arn:aws:s3:::bkt/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_scps_skip_the_management_account(engine: Engine) -> None:
    identity = [engine.policy(allow())]
    scp = engine.policy(allow("ec2:*", "*"), name="scp.json")
    member = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, scps=[[scp]])
    assert engine.outcome(member) == ("implicitDeny", ["identity.json#0"], ("scp:level 0",))
    management = engine.decide(
        ALICE, "s3:GetObject", OBJECT, identity=identity, scps=[[scp]], principal_is_management_account=True
    )
    assert engine.outcome(management) == ("allowed", ["identity.json#0"], ())
    assert (member.allowed_by_organizations, management.allowed_by_organizations) == (False, None)


def test_rcps_skip_the_management_account_and_need_an_allow_per_level(engine: Engine) -> None:
    identity = [engine.policy(allow())]
    full = engine.policy({**allow("*", "*"), "Principal": "*"}, name="rcp-full.json")
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, rcps=[[full], []])
    assert engine.outcome(decision) == ("implicitDeny", ["rcp-full.json#0", "identity.json#0"], ("rcp:level 1",))
    skipped = engine.decide(
        ALICE, "s3:GetObject", OBJECT, identity=identity, rcps=[[full], []], resource_owner_is_management_account=True
    )
    assert engine.outcome(skipped) == ("allowed", ["identity.json#0"], ())


def test_cross_account_role_grant_still_needs_the_identity_allow(engine: Engine) -> None:
    bucket = engine.policy(allow(Principal={"AWS": f"arn:aws:iam::{B}:role/Reader"}), name="bucket.json")
    alone = engine.check(BOB_SESSION, "s3:GetObject", OBJECT, owner=A, resource=bucket)
    assert alone == ("implicitDeny", ["bucket.json#0"], ("identity",))
    identity = [engine.policy(allow())]
    both = engine.check(
        BOB_SESSION, "s3:GetObject", OBJECT, owner=f"arn:aws:iam::{A}:root", resource=bucket, identity=identity
    )
    assert both == ("allowed", ["bucket.json#0", "identity.json#0"], ())


def test_role_arn_with_a_path_covers_its_sessions(engine: Engine) -> None:
    bucket = engine.policy(allow(Principal={"AWS": f"arn:aws:iam::{B}:role/teams/Reader"}), name="bucket.json")
    identity = [engine.policy(allow())]
    outcome = engine.check(BOB_SESSION, "s3:GetObject", OBJECT, owner=A, resource=bucket, identity=identity)
    assert outcome == ("allowed", ["bucket.json#0", "identity.json#0"], ())


def test_deny_not_principal_needs_every_level_of_a_session(engine: Engine) -> None:
    def bucket(listed: list[str]) -> Any:
        return engine.policy(
            {"Effect": "Deny", "NotPrincipal": {"AWS": listed}, "Action": "s3:*", "Resource": "*"}, name="bucket.json"
        )

    identity = [engine.policy(allow())]
    role_and_account = bucket([f"arn:aws:iam::{B}:role/Reader", f"arn:aws:iam::{B}:root"])
    spared = engine.check(BOB_SESSION, "s3:GetObject", OBJECT, owner=B, identity=identity, resource=role_and_account)
    assert spared == ("allowed", ["identity.json#0"], ())
    session_and_account = bucket([BOB_SESSION, f"arn:aws:iam::{B}:root"])
    denied = engine.check(BOB_SESSION, "s3:GetObject", OBJECT, owner=B, identity=identity, resource=session_and_account)
    assert denied == ("explicitDeny", ["bucket.json#0"], ())


def test_allow_not_principal_grants_everyone_else_including_anonymous(engine: Engine) -> None:
    bucket = engine.policy(allow(NotPrincipal={"AWS": [ALICE, f"arn:aws:iam::{A}:root"]}), name="bucket.json")
    anonymous = engine.decide("anonymous", "s3:GetObject", OBJECT, owner=A, resource=bucket)
    assert engine.outcome(anonymous) == ("allowed", ["bucket.json#0"], ())
    assert anonymous.notes == (
        "bucket.json:4:5 (statement 0): current AWS docs say NotPrincipal with Allow is not supported",
    )
    assert engine.check(ALICE, "s3:GetObject", OBJECT, resource=bucket) == (
        "implicitDeny",
        [],
        ("identity", "resource"),
    )


def test_anonymous_needs_a_grant_to_everyone(engine: Engine) -> None:
    named = engine.policy(allow(Principal={"AWS": ALICE}), name="bucket.json")
    assert engine.check("anonymous", "s3:GetObject", OBJECT, owner=A, resource=named) == (
        "implicitDeny",
        [],
        ("resource",),
    )


def test_root_user_needs_no_identity_policy(engine: Engine) -> None:
    root = f"arn:aws:iam::{A}:root"
    assert engine.check(root, "s3:GetObject", OBJECT) == ("allowed", [], ())
    deny = engine.policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, name="bucket.json")
    assert engine.check(root, "s3:GetObject", OBJECT, resource=deny) == ("explicitDeny", ["bucket.json#0"], ())


def test_explicit_deny_in_any_policy_type_is_final(engine: Engine) -> None:
    identity = [engine.policy(allow())]
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    for where in ("boundary", "session"):
        policy = engine.policy(allow(), deny, name=f"{where}.json")
        outcome = engine.check(
            f"arn:aws:sts::{A}:assumed-role/R/s", "s3:GetObject", OBJECT, identity=identity, **{where: policy}
        )
        assert outcome == ("explicitDeny", [f"{where}.json#1"], ())
    scp = engine.policy(allow("*", "*"), deny, name="scp.json")
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, scps=[[scp]]) == (
        "explicitDeny",
        ["scp.json#1"],
        (),
    )


def test_decision_details_and_explanation(engine: Engine) -> None:
    identity = [engine.policy({**allow(), "Sid": "Read"}, name="alice.json")]
    boundary = engine.policy(allow("ec2:*", "*"), name="boundary.json")
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, boundary=boundary)
    assert decision.allowed_by_boundary is False
    assert decision.explain() == (
        "implicitDeny\n"
        "  alice.json:4:5: Allow by identity policy alice.json, statement 0 ('Read')\n"
        "  no Allow in: boundary"
    )


def test_missing_context_keys_come_from_statements_that_match_the_request(engine: Engine) -> None:
    identity = [
        engine.policy(
            allow(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1", "aws:PrincipalAccount": A}}),
            allow("ec2:*", "*", Condition={"Bool": {"aws:ViaAWSService": "true"}}),
        )
    ]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert decision.missing_context_keys == ("aws:SourceVpce",)


@pytest.mark.parametrize(
    ("statement", "role", "message"),
    [
        (
            allow(Principal="*"),
            "identity",
            r"^identity.json:4:5 \(statement 0\): Principal is not allowed in identity policies$",
        ),
        (allow(), "resource", r"resource policy statements need a Principal"),
        ({"Effect": "Allow", "Action": "s3:*"}, "identity", r"a statement needs Resource or NotResource"),
        (allow(resource="bkt/*"), "identity", r"Resource 'bkt/\*' must be '\*' or an ARN"),
        ({**allow(), "Effect": "allow"}, "identity", r"Effect must be 'Allow' or 'Deny', not 'allow'"),
        (allow(Principal={"AWS": f"arn:aws:iam::{A}:group/g"}), "resource", r"groups are never principals"),
        (allow(Principal={"AWS": "alice"}), "resource", r"not an account id or IAM/STS principal ARN"),
        ({**allow(), "Principal": {"AWS": ALICE}}, "rcps", r"supports only \"Principal\": \"\*\""),
        (
            {"Effect": "Allow", "Resource": "*"},
            "identity",
            r"^identity.json:4:5: Statement\[0\]: one of Action or NotAction is required$",
        ),
    ],
)
def test_policies_aws_would_reject(engine: Engine, statement: dict[str, Any], role: str, message: str) -> None:
    policy = engine.policy(statement, kind=PolicyKind.IDENTITY)
    sets: dict[str, Any] = {
        "identity": {"identity": [policy]},
        "resource": {"resource": policy},
        "rcps": {"rcps": [[policy]]},
    }
    with pytest.raises(InvalidPolicyError, match=message):
        engine.decide(ALICE, "s3:GetObject", OBJECT, **sets[role])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal": "arn:aws:s3:::bkt"}, "unsupported caller"),
        ({"action": "GetObject"}, "expected service:Action"),
        ({"owner": "bkt-owner"}, "expected an account id or arn:aws:iam::ID:root"),
    ],
)
def test_requests_the_engine_rejects(engine: Engine, kwargs: dict[str, str], message: str) -> None:
    principal = kwargs.get("principal", ALICE)
    action = kwargs.get("action", "s3:GetObject")
    with pytest.raises(InvalidRequestError, match=message):
        engine.decide(principal, action, OBJECT, owner=kwargs.get("owner"))


def test_unnamed_caller_is_a_principal_of_the_resource_owner(engine: Engine) -> None:
    identity = [engine.policy(allow(Condition={"StringEquals": {"aws:PrincipalAccount": A}}))]
    scp = engine.policy(allow("s3:*", "*"), name="scp.json")
    decision = engine.decide(None, "s3:GetObject", OBJECT, owner=A, identity=identity, scps=[[scp]])
    assert engine.outcome(decision) == ("allowed", ["scp.json#0", "identity.json#0"], ())
    unknown_arn = [engine.policy(allow(Condition={"StringEquals": {"aws:PrincipalArn": ALICE}}))]
    decision = engine.decide(None, "s3:GetObject", OBJECT, identity=unknown_arn)
    assert (decision.decision, decision.uncertain) == ("implicitDeny", True)
    bucket = engine.policy(allow(Principal="*"), name="bucket.json")
    with pytest.raises(InvalidRequestError, match="a resource policy needs a named caller"):
        engine.decide(None, "s3:GetObject", OBJECT, resource=bucket)


def test_unresolved_version_makes_variables_uncertain(engine: Engine) -> None:
    home = allow(resource="arn:aws:s3:::bkt/home/${aws:username}/*")
    identity = [engine.policy(home, unresolved={"/Version"})]
    decision = engine.decide(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/home/alice/f", identity=identity)
    assert (decision.decision, decision.possible) == ("implicitDeny", ("implicitDeny", "allowed"))
    assert "unresolved Version var.Version decides what '${' means" in decision.warnings[0]


def test_the_same_question_gets_the_same_decision(engine: Engine) -> None:
    identity = [engine.policy(allow(), allow("s3:GetObject", "arn:aws:s3:::bkt/secret/*", Effect="Deny"))]
    policies = PolicySet(identity=identity)
    one = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/a"), policies, now=engine.now)
    # Another key that every statement matches the same way is the same question.
    same = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/b"), policies, now=engine.now)
    secret = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/secret/x"), policies, now=engine.now)
    # Neither the clock nor a context key that no statement reads changes the question.
    later = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/a"), policies, now=engine.now.replace(year=2031))
    vpce = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/a", context={"aws:SourceVpce": "v"}), policies)
    assert same is one and later is one and vpce is one
    assert (one.decision, secret.decision) == ("allowed", "explicitDeny")


def test_the_first_decision_is_remembered_when_another_question_comes(engine: Engine) -> None:
    """A set's first decision is made without a key (a set asked once gains nothing from one); it is still the
    decision the same question gets later, whatever was asked in between."""
    identity = [engine.policy(allow(), allow("s3:GetObject", "arn:aws:s3:::bkt/secret/*", Effect="Deny"))]
    policies = PolicySet(identity=identity)
    first = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/a"), policies, now=engine.now)
    secret = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/secret/x"), policies, now=engine.now)
    again = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/b"), policies, now=engine.now)
    assert again is first and secret is not first
    assert (first.decision, secret.decision) == ("allowed", "explicitDeny")


def test_the_context_keys_statements_read_make_another_question(engine: Engine) -> None:
    tls = {"Bool": {"aws:SecureTransport": "true"}}
    until = {"DateLessThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}}
    home = "arn:aws:s3:::bkt/${aws:PrincipalTag/team}/*"
    identity = [engine.policy(allow(resource=home, Condition={**tls, **until}))]
    policies = PolicySet(identity=identity)

    def decide(context: dict[str, str], year: int = 2030, key: str = "arn:aws:s3:::bkt/red/a") -> Decision:
        request = Request(ALICE, "s3:GetObject", key, context={"aws:PrincipalTag/team": "red", **context})
        return evaluate(request, policies, now=engine.now.replace(year=year))

    one = decide({"aws:SecureTransport": "true"})
    assert one.decision == "allowed"
    assert decide({"AWS:SECURETRANSPORT": "true", "aws:SourceIp": "10.0.0.1"}) is one
    assert decide({"aws:SecureTransport": "false"}).decision == "implicitDeny"
    assert decide({"aws:SecureTransport": "true"}, year=2032).decision == "implicitDeny"
    assert decide({}).decision == "implicitDeny"
    assert decide({"aws:SecureTransport": "true", "aws:PrincipalTag/team": "blue"}).decision == "implicitDeny"
    blue = decide({"aws:SecureTransport": "true", "aws:PrincipalTag/team": "blue"}, key="arn:aws:s3:::bkt/blue/a")
    assert blue.decision == "allowed"


def test_policies_are_compiled_once(engine: Engine) -> None:
    from linter.engine.policies import compile_policy

    policy = engine.policy(allow())
    assert compile_policy(policy) is compile_policy(policy)


def test_a_compiled_policy_set_is_freed_without_the_garbage_collector(engine: Engine) -> None:
    """Nothing compiled refers back to its PolicySet: a batch's caches let go of thousands of them, which would
    otherwise wait, with every policy they hold, for a full collection."""
    import gc
    import weakref

    policies = PolicySet(identity=[engine.policy(allow())])
    request = Request("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::bkt/a")
    assert evaluate(request, policies).decision == "allowed"
    gone = weakref.ref(policies)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del policies
        assert gone() is None
    finally:
        (gc.enable if was_enabled else gc.disable)()
