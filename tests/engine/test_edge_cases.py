"""docs/iam-semantics.md §7: every authorization edge case with its expected answer, asserted exactly.

Account A owns bucket `bkt`; B is another account. Each test names its case number. `outcome` is
(decision, matched statements as "policy#index", policy types that failed to allow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from linter.engine.policies import InvalidPolicyError

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
CAROL = f"arn:aws:iam::{A}:user/carol"
BOB = f"arn:aws:iam::{B}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/AppRole"
SESSION = f"arn:aws:sts::{A}:assumed-role/AppRole/s1"
OBJECT = "arn:aws:s3:::bkt/key"
OBJECTS = "arn:aws:s3:::bkt/*"
# The two outcomes of a single identity Allow statement.
ALLOWED = ("allowed", ["identity.json#0"], ())
DENIED = ("implicitDeny", [], ("identity",))
KEY = f"arn:aws:kms:eu-central-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def allow(action: Any, resource: Any = OBJECTS, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = OBJECTS, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def to(principal: Any) -> dict[str, Any]:
    return {"Principal": {"AWS": principal}}


def test_case_01_identity_allow(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == ALLOWED


def test_case_02_no_policies(engine: Engine) -> None:
    assert engine.check(ALICE, "s3:GetObject", OBJECT) == DENIED


def test_case_03_explicit_deny_wins(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:*"), deny("s3:GetObject"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == ("explicitDeny", ["identity.json#1"], ())


def test_case_04_bucket_policy_naming_the_user(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(ALICE)), name="bucket.json")
    assert engine.check(ALICE, "s3:GetObject", OBJECT, resource=bucket) == ("allowed", ["bucket.json#0"], ())


def test_case_05_bucket_policy_naming_the_role_of_a_session(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(ROLE)), name="bucket.json")
    assert engine.check(SESSION, "s3:GetObject", OBJECT, resource=bucket) == ("allowed", ["bucket.json#0"], ())


def test_case_06_role_grant_is_limited_by_the_boundary(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(ROLE)), name="bucket.json")
    boundary = engine.policy(allow("ec2:*", "*"), name="boundary.json")
    outcome = engine.check(SESSION, "s3:GetObject", OBJECT, resource=bucket, boundary=boundary)
    assert outcome == ("implicitDeny", ["bucket.json#0"], ("boundary",))


def test_case_07_session_grant_is_final_despite_the_boundary(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(SESSION)), name="bucket.json")
    boundary = engine.policy(allow("ec2:*", "*"), name="boundary.json")
    outcome = engine.check(SESSION, "s3:GetObject", OBJECT, resource=bucket, boundary=boundary)
    assert outcome == ("allowed", ["bucket.json#0"], ())


def test_case_08_role_grant_is_limited_by_the_session_policy(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(ROLE)), name="bucket.json")
    session = engine.policy(allow("s3:ListBucket", "arn:aws:s3:::bkt"), name="session.json")
    outcome = engine.check(SESSION, "s3:GetObject", OBJECT, resource=bucket, session=session)
    assert outcome == ("implicitDeny", ["bucket.json#0"], ("session",))


def test_case_09_account_principal_delegates_and_grants_nothing(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(f"arn:aws:iam::{A}:root")), name="bucket.json")
    outcome = engine.check(ALICE, "s3:GetObject", OBJECT, resource=bucket)
    assert outcome == ("implicitDeny", ["bucket.json#0"], ("identity",))


def test_case_10_cross_account_needs_the_resource_side(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject"))]
    outcome = engine.check(BOB, "s3:GetObject", OBJECT, owner=A, identity=identity)
    assert outcome == ("implicitDeny", ["identity.json#0"], ("resource",))


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{B}:root", B])
def test_case_11_cross_account_needs_both_sides(engine: Engine, principal: str) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(principal)), name="bucket.json")
    identity = [engine.policy(allow("s3:GetObject"))]
    both = engine.check(BOB, "s3:GetObject", OBJECT, owner=A, identity=identity, resource=bucket)
    assert both == ("allowed", ["bucket.json#0", "identity.json#0"], ())
    resource_only = engine.check(BOB, "s3:GetObject", OBJECT, owner=A, resource=bucket)
    assert resource_only == ("implicitDeny", ["bucket.json#0"], ("identity",))


def test_case_12_every_scp_level_must_allow(engine: Engine) -> None:
    root = engine.policy(allow("*", "*"), name="scp-root.json", kind=None)
    ou = engine.policy(allow("ec2:*", "*"), name="scp-ou.json")
    identity = [engine.policy(allow("s3:*"))]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, scps=[[root], [ou]])
    assert engine.outcome(decision) == ("implicitDeny", ["scp-root.json#0", "identity.json#0"], ("scp:level 1",))
    assert decision.allowed_by_organizations is False


def test_case_13_rcp_deny_on_insecure_transport(engine: Engine) -> None:
    full = engine.policy({**allow("*", "*"), "Principal": "*"}, name="rcp-full.json")
    secure = {"BoolIfExists": {"aws:SecureTransport": "false"}}
    rcp = engine.policy({**deny("s3:*", "*"), "Principal": "*", "Condition": secure}, name="rcp-tls.json")
    identity = [engine.policy(allow("s3:GetObject"))]
    insecure = engine.check(
        ALICE, "s3:GetObject", OBJECT, identity=identity, rcps=[[full, rcp]], context={"aws:SecureTransport": "false"}
    )
    assert insecure == ("explicitDeny", ["rcp-tls.json#0"], ())
    tls = engine.check(
        ALICE, "s3:GetObject", OBJECT, identity=identity, rcps=[[full, rcp]], context={"aws:SecureTransport": "true"}
    )
    assert tls == ("allowed", ["rcp-full.json#0", "identity.json#0"], ())


def _not_principal_bucket(engine: Engine) -> Any:
    listed = {"NotPrincipal": {"AWS": [ALICE, f"arn:aws:iam::{A}:root"]}}
    return engine.policy(deny("s3:*", **listed), name="bucket.json")


def test_case_14_deny_not_principal_spares_the_listed_user(engine: Engine) -> None:
    bucket = _not_principal_bucket(engine)
    identity = [engine.policy(allow("s3:GetObject"))]
    alice = engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, resource=bucket)
    assert alice == ALLOWED
    carol = engine.check(CAROL, "s3:GetObject", OBJECT, identity=identity, resource=bucket)
    assert carol == ("explicitDeny", ["bucket.json#0"], ())


def test_case_15_deny_not_principal_always_denies_a_principal_with_a_boundary(engine: Engine) -> None:
    bucket = _not_principal_bucket(engine)
    identity = [engine.policy(allow("s3:GetObject"))]
    boundary = engine.policy(allow("s3:*", "*"), name="boundary.json")
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, resource=bucket, boundary=boundary)
    assert engine.outcome(decision) == ("explicitDeny", ["bucket.json#0"], ())
    assert decision.notes == (
        "bucket.json:4:5 (statement 0): Deny with NotPrincipal always denies principals that have a permissions "
        "boundary",
    )


def test_case_16_not_action(engine: Engine) -> None:
    identity = [engine.policy({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": OBJECTS})]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == ALLOWED
    assert engine.check(ALICE, "s3:DeleteObject", OBJECT, identity=identity) == DENIED


def test_case_17_not_resource(engine: Engine) -> None:
    identity = [
        engine.policy(
            allow("s3:GetObject"),
            {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::bkt/public/*"},
        )
    ]
    private = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/private/x", identity=identity)
    assert private == ("explicitDeny", ["identity.json#1"], ())
    public = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/public/x", identity=identity)
    assert public == ALLOWED


def test_case_18_actions_ignore_case(engine: Engine) -> None:
    identity = [engine.policy(allow("S3:get*"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == ALLOWED


def test_case_19_resource_part_is_case_sensitive(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject", "arn:aws:s3:::BKT/*"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == DENIED


def test_case_20_star_crosses_slashes(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject", "arn:aws:s3:::bkt/a*"))]
    outcome = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/a/b/c.txt", identity=identity)
    assert outcome == ALLOWED


@pytest.mark.parametrize(("operator", "expected"), [("StringLike", ALLOWED), ("ArnLike", DENIED)])
def test_case_21_string_like_crosses_colons_arn_like_does_not(engine: Engine, operator: str, expected: Any) -> None:
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    identity = [engine.policy(allow("s3:GetObject", Condition={operator: {"aws:SourceArn": pattern}}))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context={"aws:SourceArn": value}) == expected


def test_case_22_partial_wildcard_principal_is_invalid(engine: Engine) -> None:
    bucket = engine.policy(allow("s3:GetObject", **to(f"arn:aws:iam::{A}:user/*")), name="bucket.json")
    with pytest.raises(
        InvalidPolicyError, match=r"^bucket.json:4:5 \(statement 0\): invalid principal .*only wildcard"
    ):
        engine.decide(ALICE, "s3:GetObject", OBJECT, resource=bucket)


def test_case_23_keys_under_one_operator_and_together(engine: Engine) -> None:
    tagged = {"aws:PrincipalTag/team": "blue"}
    one_key = {"StringEquals": {"aws:PrincipalTag/team": ["red", "blue"]}}
    identity = [engine.policy(allow("s3:GetObject", Condition=one_key))]
    match = engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context=tagged)
    assert match == ALLOWED
    two_keys = {"StringEquals": {"aws:PrincipalTag/team": ["red", "blue"], "aws:PrincipalAccount": B}}
    identity = [engine.policy(allow("s3:GetObject", Condition=two_keys))]
    no_match = engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context=tagged)
    assert no_match == DENIED


def test_case_24_negated_operator_matches_none_of_the_values(engine: Engine) -> None:
    condition = {"StringNotEquals": {"aws:PrincipalAccount": [A, B]}}
    identity = [engine.policy(allow("s3:GetObject", Condition=condition))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == DENIED


def test_case_25_negated_operator_on_an_absent_key_is_true(engine: Engine) -> None:
    vpce = {"StringNotEquals": {"aws:SourceVpce": "vpce-123"}}
    bucket = engine.policy({**deny("s3:*"), "Principal": "*", "Condition": vpce}, name="bucket.json")
    identity = [engine.policy(allow("s3:GetObject"))]
    decision = engine.decide(ALICE, "s3:GetObject", OBJECT, identity=identity, resource=bucket)
    assert engine.outcome(decision) == ("explicitDeny", ["bucket.json#0"], ())
    assert decision.missing_context_keys == ("aws:SourceVpce",)


def test_case_26_not_ip_address_without_a_source_ip_denies(engine: Engine) -> None:
    ip = {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    bucket = engine.policy({**deny("s3:*"), "Principal": "*", "Condition": ip}, name="bucket.json")
    identity = [engine.policy(allow("s3:GetObject"))]
    through_endpoint = {"aws:SourceVpce": "vpce-123", "aws:SourceVpc": "vpc-1"}
    outcome = engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, resource=bucket, context=through_endpoint)
    assert outcome == ("explicitDeny", ["bucket.json#0"], ())


def test_case_27_if_exists_on_an_absent_key(engine: Engine) -> None:
    condition = {"StringEqualsIfExists": {"ec2:InstanceType": "t2.*"}}
    identity = [engine.policy(allow("s3:GetObject", Condition=condition))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == ALLOWED


@pytest.mark.parametrize(("qualifier", "expected"), [("ForAllValues", ALLOWED), ("ForAnyValue", DENIED)])
def test_cases_28_29_empty_set_rule(engine: Engine, qualifier: str, expected: Any) -> None:
    condition = {f"{qualifier}:StringEquals": {"aws:TagKeys": ["a"]}}
    identity = [engine.policy(allow("s3:GetObject", Condition=condition))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == expected


def test_case_30_null_true_for_long_term_keys(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject", Condition={"Null": {"aws:TokenIssueTime": "true"}}))]
    user = engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity)
    assert user == ALLOWED
    # A role session has temporary credentials: the key is present, whatever its (unknown) value.
    session = engine.check(SESSION, "s3:GetObject", OBJECT, identity=identity)
    assert session == DENIED


@pytest.mark.parametrize(("operator", "expected"), [("StringLike", DENIED), ("StringEqualsIgnoreCase", ALLOWED)])
def test_case_31_key_names_ignore_case_values_do_not(engine: Engine, operator: str, expected: Any) -> None:
    identity = [engine.policy(allow("s3:GetObject", Condition={operator: {"AWS:PRINCIPALTAG/TEAM": "blue"}}))]
    tag = {"aws:PrincipalTag/team": "Blue"}
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context=tag) == expected


@pytest.mark.parametrize(("source_ip", "expected"), [("203.0.113.8", DENIED), ("203.0.113.7", ALLOWED)])
def test_case_32_bare_ip_is_a_single_address(engine: Engine, source_ip: str, expected: Any) -> None:
    identity = [engine.policy(allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.7"}}))]
    ip = {"aws:SourceIp": source_ip}
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context=ip) == expected


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("2030-01-01T00:00:00Z", DENIED),
        ("1893456000", DENIED),  # the same instant as epoch seconds
        ("2030-01-03T00:00:00Z", ALLOWED),
        ("1893628800", ALLOWED),
    ],
)
def test_case_33_date_less_than_current_time(engine: Engine, limit: str, expected: Any) -> None:
    identity = [engine.policy(allow("s3:GetObject", Condition={"DateLessThan": {"aws:CurrentTime": limit}}))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity) == expected


def test_case_34_username_variable_exists_only_for_users(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/*"))]
    alice = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/home/alice/f", identity=identity)
    assert alice == ALLOWED
    session = engine.check(SESSION, "s3:GetObject", "arn:aws:s3:::bkt/home/alice/f", identity=identity)
    assert session == DENIED
    session_literal = engine.check(
        SESSION, "s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/f", identity=identity
    )
    assert session_literal == DENIED


def test_case_35_variable_default(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject", "arn:aws:s3:::bkt-${aws:PrincipalTag/team, 'company-wide'}/*"))]
    default = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt-company-wide/x", identity=identity)
    assert default == ALLOWED
    tagged = engine.check(
        ALICE, "s3:GetObject", "arn:aws:s3:::bkt-red/x", identity=identity, context={"aws:PrincipalTag/team": "red"}
    )
    assert tagged == ALLOWED


@pytest.mark.parametrize(("key", "expected"), [("*", ALLOWED), ("x", DENIED), ("**", DENIED)])
def test_case_36_escaped_star_is_literal(engine: Engine, key: str, expected: Any) -> None:
    identity = [engine.policy(allow("s3:GetObject", "arn:aws:s3:::bkt/${*}"))]
    assert engine.check(ALICE, "s3:GetObject", f"arn:aws:s3:::bkt/{key}", identity=identity) == expected


def test_case_37_variables_are_literal_without_version_2012(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/*"), version=None)]
    outcome = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/home/alice/f", identity=identity)
    assert outcome == DENIED
    literal = engine.check(ALICE, "s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/f", identity=identity)
    assert literal == ALLOWED


def test_case_38_authorization_uses_the_policies_in_force_at_request_time(engine: Engine) -> None:
    # Signing needs no permission; the URL is authorized when used, against the policies of that moment.
    at_signing = [engine.policy(allow("s3:GetObject"))]
    at_use = [engine.policy(allow("s3:ListBucket", "arn:aws:s3:::bkt"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=at_signing) == ALLOWED
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=at_use) == DENIED


def test_case_39_get_with_version_id_needs_get_object_version(engine: Engine) -> None:
    identity = [engine.policy(allow("s3:GetObject"))]
    outcome = engine.check(ALICE, "s3:GetObjectVersion", OBJECT, identity=identity)
    assert outcome == DENIED


def test_case_40_missing_key_answer_depends_on_list_bucket(engine: Engine) -> None:
    # S3 answers 404 for a missing key only when the signer may list the bucket (the bucket ARN, not bkt/*).
    on_objects = [engine.policy(allow(["s3:GetObject", "s3:ListBucket"]))]
    bucket = "arn:aws:s3:::bkt"
    assert engine.check(ALICE, "s3:ListBucket", bucket, identity=on_objects) == DENIED
    on_bucket = [engine.policy(allow("s3:GetObject"), allow("s3:ListBucket", bucket))]
    assert engine.check(ALICE, "s3:ListBucket", bucket, identity=on_bucket) == ("allowed", ["identity.json#1"], ())


SIGNATURE_AGE_LIMIT = {"NumericGreaterThan": {"s3:signatureAge": "600000"}}
NO_PRESIGNED_URLS = {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        (SIGNATURE_AGE_LIMIT, {"s3:signatureAge": "900000"}, ("explicitDeny", ["bucket.json#0"], ())),  # 15 min
        (SIGNATURE_AGE_LIMIT, {"s3:signatureAge": "300000"}, ("allowed", ["identity.json#0"], ())),
        (NO_PRESIGNED_URLS, {"s3:authType": "REST-QUERY-STRING"}, ("explicitDeny", ["bucket.json#0"], ())),
        (NO_PRESIGNED_URLS, {"s3:authType": "REST-HEADER"}, ("allowed", ["identity.json#0"], ())),
    ],
)
def test_case_41_presign_context_in_bucket_denies(
    engine: Engine, condition: dict[str, Any], context: dict[str, str], expected: Any
) -> None:
    bucket = engine.policy({**deny("s3:*"), "Principal": "*", "Condition": condition}, name="bucket.json")
    identity = [engine.policy(allow("s3:GetObject"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, resource=bucket, context=context) == expected


@pytest.mark.parametrize(
    ("source_ip", "expected"),
    [
        ("203.0.113.9", ("explicitDeny", ["identity.json#1"], ())),
        ("198.51.100.5", ("allowed", ["identity.json#0"], ())),
    ],
)
def test_case_42_signer_deny_outside_a_network(engine: Engine, source_ip: str, expected: Any) -> None:
    outside = {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}}
    identity = [engine.policy(allow("s3:GetObject"), deny("*", "*", Condition=outside))]
    assert (
        engine.check(ALICE, "s3:GetObject", OBJECT, identity=identity, context={"aws:SourceIp": source_ip}) == expected
    )


def test_case_43_kms_decrypt_is_a_separate_request(engine: Engine) -> None:
    key_policy = engine.policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*", "Resource": "*"},
        name="key.json",
    )
    s3_only = [engine.policy(allow("s3:GetObject"))]
    assert engine.check(ALICE, "s3:GetObject", OBJECT, identity=s3_only) == ALLOWED
    outcome = engine.check(ALICE, "kms:Decrypt", KEY, identity=s3_only, resource=key_policy)
    assert outcome == ("implicitDeny", ["key.json#0"], ("identity",))
    with_kms = [engine.policy(allow("s3:GetObject"), allow("kms:Decrypt", KEY))]
    outcome = engine.check(ALICE, "kms:Decrypt", KEY, identity=with_kms, resource=key_policy)
    assert outcome == ("allowed", ["key.json#0", "identity.json#1"], ())


def test_case_43_key_policy_must_allow_even_in_the_same_account(engine: Engine) -> None:
    other_role = f"arn:aws:iam::{A}:role/Other"
    key_policy = engine.policy(
        {"Effect": "Allow", "Principal": {"AWS": other_role}, "Action": "kms:*", "Resource": "*"}, name="key.json"
    )
    identity = [engine.policy(allow("kms:Decrypt", KEY))]
    outcome = engine.check(ALICE, "kms:Decrypt", KEY, identity=identity, resource=key_policy)
    assert outcome == ("implicitDeny", ["identity.json#0"], ("resource",))


def test_case_43_without_the_key_policy_kms_decrypt_is_uncertain(engine: Engine) -> None:
    # §1 KMS keys: "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS
    # key" (AWS KMS Developer Guide, key policies); a key policy not among the inputs makes the answer uncertain.
    with_kms = [engine.policy(allow("s3:GetObject"), allow("kms:Decrypt", KEY))]
    decision = engine.decide(ALICE, "kms:Decrypt", KEY, identity=with_kms)
    assert engine.outcome(decision) == ("implicitDeny", ["identity.json#1"], ("resource",))
    assert (decision.uncertain, decision.possible) == (True, ("implicitDeny", "allowed"))
    assert decision.notes[0].startswith(f"no key policy was given for {KEY}")


def _public_bucket(engine: Engine) -> Any:
    return engine.policy(
        {**allow("s3:GetObject"), "Principal": "*"},
        {**allow("s3:GetObject"), **to(BOB)},
        name="bucket.json",
    )


@pytest.mark.parametrize(
    ("caller", "restrict", "expected"),
    [
        ("anonymous", True, ("implicitDeny", [], ("resource",))),
        (ALICE, True, ("allowed", ["bucket.json#0"], ())),
        (BOB, True, ("implicitDeny", ["identity.json#0"], ("resource",))),
        ("anonymous", False, ("allowed", ["bucket.json#0"], ())),
        (BOB, False, ("allowed", ["bucket.json#0", "bucket.json#1", "identity.json#0"], ())),
    ],
)
def test_case_47_restrict_public_buckets(engine: Engine, caller: str, restrict: bool, expected: Any) -> None:
    identity = [engine.policy(allow("s3:GetObject"))] if caller != "anonymous" else []
    outcome = engine.check(
        caller,
        "s3:GetObject",
        OBJECT,
        owner=A,
        identity=identity,
        resource=_public_bucket(engine),
        restrict_public_buckets=restrict,
    )
    assert outcome == expected
