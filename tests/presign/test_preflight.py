"""Pre-flight verdicts on hand-built inventories: every cause of iam-semantics.md §4 and its fixed twin."""

from __future__ import annotations

from typing import Any

import pytest
from presign_builders import BUCKET, bucket, inventory, key, policy, role, user

from linter.model import THIS_ACCOUNT, KmsGrant, Location, OrganizationPolicy, PolicyKind, Text
from linter.presign.preflight import Status, Verdict, preflight
from linter.presign.request import Expectation

LIST_ONLY = [
    {"Sid": "VisualEditor0", "Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:ListBucket"], "Resource": "*"}
]
READ = [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]


def run(signer: Any, the_bucket: Any, keys: Any = None, **expectation: Any) -> Verdict:
    expect = Expectation(
        signer=signer.address, bucket="aws_s3_bucket.demo", key=expectation.pop("key", "cat.jpg"), **expectation
    )
    return preflight(inventory(signer, the_bucket, keys), signer, the_bucket, expect)


def summary(verdict: Verdict) -> list[tuple[str, str]]:
    return [(p.status.value, p.subject) for p in verdict.problems]


# Role sessions are temporary credentials: a URL longer than the SDKs' refresh margin may outlive the credentials
# that signed it (IPS005), a caveat on a URL that works.
REFRESH = ("works", "credential-refresh")


def test_user_two_can_sign_but_every_url_is_denied() -> None:
    verdict = run(user("user-two", policy("aws_iam_user_policy.user_two", LIST_ONLY)), bucket(), expires=1800)
    assert verdict.status is Status.FAILS
    [problem] = verdict.problems
    assert problem.message == (
        "aws_iam_user.user_two can sign URLs for presign-demo/cat.jpg (GET), but every one returns 403 AccessDenied: "
        "no identity-based policy allows s3:GetObject (its policy aws_iam_user_policy.user_two at main.tf:1:1 "
        "allows only s3:ListAllMyBuckets, s3:ListBucket)"
    )
    assert problem.fix == "allow s3:GetObject on arn:aws:s3:::presign-demo/*"


def test_user_two_fixed_works_for_30_minutes() -> None:
    verdict = run(user("user-two", policy("p", LIST_ONLY + READ)), bucket(), expires=1800)
    assert (verdict.status, verdict.problems, verdict.lifetime) == (Status.WORKS, [], 1800)


def test_version_id_needs_get_object_version() -> None:
    signer = user("u", policy("p", READ))
    assert summary(run(signer, bucket(), version_id=True)) == [("fails", "identity:s3:GetObjectVersion")]
    fixed = user("u", policy("p", [{**READ[0], "Action": ["s3:GetObject", "s3:GetObjectVersion"]}]))
    assert summary(run(fixed, bucket(), version_id=True)) == []


def test_bucket_policy_denying_query_string_auth_blocks_every_url() -> None:
    deny = [
        {
            "Sid": "NoPresigned",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}},
        }
    ]
    verdict = run(user("u", policy("p", READ)), bucket(deny))
    assert summary(verdict) == [("fails", "deny:s3:GetObject")]
    assert "statement 0 ('NoPresigned')" in verdict.problems[0].message
    header_only = [{**deny[0], "Condition": {"StringEquals": {"s3:authType": "POST"}}}]
    assert summary(run(user("u", policy("p", READ)), bucket(header_only))) == []


def test_signature_age_limit_shorter_than_the_url() -> None:
    deny = [
        {
            "Sid": "Fresh",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"NumericGreaterThan": {"s3:signatureAge": "600000"}},
        }
    ]
    verdict = run(user("u", policy("p", READ)), bucket(deny), expires=1800)
    assert summary(verdict) == [("fails", "signature-age:s3:GetObject")]
    assert "stop working after 10m" in verdict.problems[0].message
    assert summary(run(user("u", policy("p", READ)), bucket(deny), expires=600)) == []


def test_source_ip_deny_without_a_declared_opener_is_a_works_only_from_warning() -> None:
    deny = [
        {
            "Sid": "Office",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        }
    ]
    verdict = run(user("u", policy("p", READ)), bucket(deny))
    assert summary(verdict) == [("works", "network:s3:GetObject")]
    assert "work only when opened from 203.0.113.0/24; elsewhere they return 403" in verdict.problems[0].message
    assert summary(run(user("u", policy("p", READ)), bucket(deny), source_ips=("198.51.100.9",))) == [
        ("fails", "deny:s3:GetObject")
    ]
    assert summary(run(user("u", policy("p", READ)), bucket(deny), source_ips=("203.0.113.50",))) == []


def test_identity_deny_unless_source_ip_opened_elsewhere() -> None:
    guarded = [
        *READ,
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        },
    ]
    assert summary(run(user("u", policy("p", guarded)), bucket(), source_ips=("203.0.113.9",))) == [
        ("fails", "deny:s3:GetObject")
    ]


def test_vpce_opener_has_no_source_ip() -> None:
    deny = [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-123"}},
        }
    ]
    assert summary(run(user("u", policy("p", READ)), bucket(deny), vpce="vpce-123")) == []
    assert summary(run(user("u", policy("p", READ)), bucket(deny), vpce="vpce-999")) == [("fails", "deny:s3:GetObject")]


def test_sse_kms_download_needs_kms_decrypt_through_the_key_policy() -> None:
    signer = role("reports_api", policy("p", READ))
    verdict = run(signer, bucket(kms_key="aws_kms_key.k"), keys=[key()])
    assert summary(verdict) == [REFRESH, ("fails", "kms:kms:Decrypt")]
    assert (
        "SSE-KMS encrypted with aws_kms_key.k, and no identity-based policy allows kms:Decrypt"
        in verdict.problems[1].message
    )
    fixed = role("reports_api", policy("p", [*READ, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]))
    assert summary(run(fixed, bucket(kms_key="aws_kms_key.k"), keys=[key()])) == [REFRESH]


def test_sse_kms_key_policy_without_delegation_blocks_even_with_identity_allow() -> None:
    only_admin = [
        {
            "Sid": "Admins",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{THIS_ACCOUNT}:role/admin"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    signer = role("api", policy("p", [*READ, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]))
    verdict = run(signer, bucket(kms_key="aws_kms_key.k"), keys=[key(only_admin)], expires=300)
    assert summary(verdict) == [("fails", "kms:kms:Decrypt")]
    assert "nothing in its key policy allows kms:Decrypt for the signer" in verdict.problems[0].message


def _grant(grantee: str, operations: list[str] | None = None, **fields: Any) -> KmsGrant:
    unresolved = grantee if grantee.startswith("var.") else None
    return KmsGrant(
        address="aws_kms_grant.g",
        loc=Location(file="main.tf", line=60),
        grantee=Text(value=grantee, loc=Location(file="main.tf", line=62), unresolved=unresolved),
        operations=["Decrypt"] if operations is None else operations,
        **fields,
    )


SIGNER_ARN = f"arn:aws:iam::{THIS_ACCOUNT}:user/reader"


@pytest.mark.parametrize(
    ("grant", "expected", "why"),
    [
        (_grant(SIGNER_ARN), [], None),  # a grant to this very user, for Decrypt, unconstrained: the URL works
        (_grant(SIGNER_ARN, ["Encrypt", "GenerateDataKey"]), [("fails", "kms:kms:Decrypt")], None),
        (_grant(f"arn:aws:iam::{THIS_ACCOUNT}:user/someone-else"), [("fails", "kms:kms:Decrypt")], None),
        (
            _grant("arn:aws:iam::999988887777:user/reader"),
            [("uncertain", "kms:kms:Decrypt")],
            "account id 999988887777",
        ),
        (_grant(f"arn:aws:iam::{THIS_ACCOUNT}:root"), [("uncertain", "kms:kms:Decrypt")], "the signer's account"),
        (_grant("var.grantee"), [("uncertain", "kms:kms:Decrypt")], "its grantee var.grantee is unresolved"),
        (_grant(SIGNER_ARN, constrained=True), [("uncertain", "kms:kms:Decrypt")], "encryption-context"),
        (_grant(SIGNER_ARN, key_known=False), [("uncertain", "kms:kms:Decrypt")], "the key it is on is unresolved"),
    ],
)
def test_a_kms_grant_can_stand_in_for_the_key_policy(grant: KmsGrant, expected: list[Any], why: str | None) -> None:
    signer = user("reader", policy("p", READ))
    with_grant = key().model_copy(update={"grants": [grant]})
    verdict = run(signer, bucket(kms_key="aws_kms_key.k"), keys=[with_grant])
    assert summary(verdict) == expected
    if why is not None:
        assert why in verdict.problems[0].message
        assert verdict.problems[0].loc == grant.loc


def test_a_kms_grant_with_unresolved_operations_is_uncertain_and_an_explicit_deny_still_wins() -> None:
    signer = user("reader", policy("p", READ))
    unknown_operations = _grant(SIGNER_ARN).model_copy(update={"operations": None})
    verdict = run(
        signer, bucket(kms_key="aws_kms_key.k"), keys=[key().model_copy(update={"grants": [unknown_operations]})]
    )
    assert summary(verdict) == [("uncertain", "kms:kms:Decrypt")]
    assert "its operations are unresolved" in verdict.problems[0].message

    deny = [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]
    denied = user("reader", policy("p", READ), policy("d", deny))
    verdict = run(
        denied, bucket(kms_key="aws_kms_key.k"), keys=[key().model_copy(update={"grants": [_grant(SIGNER_ARN)]})]
    )
    assert summary(verdict) == [("fails", "kms:kms:Decrypt")]


def test_a_kms_grant_does_not_lift_an_scp_and_a_boundary_makes_it_uncertain() -> None:
    with_grant = key().model_copy(update={"grants": [_grant(SIGNER_ARN)]})
    bounded = user("reader", policy("p", READ), boundary=policy("b", READ))  # the boundary allows no kms:Decrypt
    verdict = run(bounded, bucket(kms_key="aws_kms_key.k"), keys=[with_grant])
    assert summary(verdict) == [("uncertain", "kms:kms:Decrypt")]
    assert "its boundary does not allow kms:Decrypt, and whether that limits a grant is unsettled" in (
        verdict.problems[0].message
    )

    signer = user("reader", policy("p", READ))
    s3_only = [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    inv = inventory(signer, bucket(kms_key="aws_kms_key.k"), [with_grant])
    scp = OrganizationPolicy(
        address="aws_organizations_policy.s3",
        loc=Location(file="org.tf"),
        policy=policy("scp", s3_only, PolicyKind.SCP),
    )
    inv = inv.model_copy(update={"organization_policies": [scp]})
    [the_bucket] = inv.buckets
    expect = Expectation(signer=signer.address, bucket="aws_s3_bucket.demo", key="cat.jpg")
    assert summary(preflight(inv, signer, the_bucket, expect)) == [("fails", "kms:kms:Decrypt")]


def test_upload_needs_generate_data_key() -> None:
    put = [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]
    verdict = run(role("up", policy("p", put)), bucket(kms_key="k"), keys=[key()], methods=("PUT",), expires=300)
    assert summary(verdict) == [("fails", "kms:kms:GenerateDataKey")]


def test_permissions_boundary_without_get_object() -> None:
    boundary = policy("boundary", [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}])
    verdict = run(user("u", policy("p", READ), boundary=boundary), bucket())
    assert summary(verdict) == [("fails", "boundary:s3:GetObject")]


def test_unknown_managed_policy_makes_a_denial_uncertain() -> None:
    signer = user("u", policy("p", LIST_ONLY), unknown=("arn:aws:iam::aws:policy/SomeTeamPolicy",))
    assert summary(run(signer, bucket())) == [("uncertain", "unreadable:s3:GetObject")]


def test_known_aws_managed_read_only_policy_allows() -> None:
    signer = user("u", unknown=("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",))
    assert summary(run(signer, bucket())) == []


def test_expires_over_seven_days_is_rejected_by_s3() -> None:
    verdict = run(user("u", policy("p", READ)), bucket(), expires=604801)
    assert summary(verdict) == [("fails", "expires")]
    assert "400 AuthorizationQueryParametersError" in verdict.problems[0].message
    assert summary(run(user("u", policy("p", READ)), bucket(), expires=604800)) == []


@pytest.mark.parametrize(
    ("max_session", "expires", "expected"),
    [
        (None, 300, []),
        (None, 3600, [REFRESH]),
        (None, 7200, [("fails", "credential-lifetime")]),
        (43200, 43200, [REFRESH]),
        (43200, 86400, [("fails", "credential-lifetime")]),
    ],
)
def test_role_session_lifetime(max_session: int | None, expires: int, expected: list[tuple[str, str]]) -> None:
    assert summary(run(role("api", policy("p", READ), max_session=max_session), bucket(), expires=expires)) == expected


def test_lambda_credentials_lifetime_is_uncertain_beyond_an_hour() -> None:
    signer = role("fn", policy("p", READ), service="lambda.amazonaws.com")
    assert summary(run(signer, bucket(), expires=7200)) == [("uncertain", "credential-lifetime")]


def test_put_with_acl_fails_under_bucket_owner_enforced() -> None:
    put = [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": f"arn:aws:s3:::{BUCKET}/*"}]
    verdict = run(user("u", policy("p", put)), bucket(), methods=("PUT",), acl="public-read")
    assert summary(verdict) == [("fails", "acl")]
    writer = bucket(ownership="ObjectWriter", block_acls=False)
    assert summary(run(user("u", policy("p", put)), writer, methods=("PUT",), acl="public-read")) == []


def test_public_acl_is_refused_by_block_public_acls() -> None:
    put = [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": f"arn:aws:s3:::{BUCKET}/*"}]
    blocked = bucket(ownership="ObjectWriter", block_acls=True)
    verdict = run(user("u", policy("p", put)), blocked, methods=("PUT",), acl="public-read")
    assert summary(verdict) == [("fails", "acl-public")]
    assert "Block Public Access (BlockPublicAcls)" in verdict.problems[0].message


def test_put_with_acl_needs_put_object_acl() -> None:
    put = [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]
    writer = bucket(ownership="ObjectWriter", block_acls=False)
    verdict = run(user("u", policy("p", put)), writer, methods=("PUT",), acl="public-read")
    assert summary(verdict) == [("fails", "identity:s3:PutObjectAcl")]


def test_key_pattern_needs_every_key_it_covers() -> None:
    prefix_only = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/public/*"}]
    assert summary(run(user("u", policy("p", prefix_only)), bucket(), key="public/*")) == []
    assert summary(run(user("u", policy("p", prefix_only)), bucket(), key="*")) == [("fails", "identity:s3:GetObject")]


def test_sse_header_demanded_by_the_bucket_policy() -> None:
    put = [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]
    demand = [
        {
            "Sid": "RequireKms",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        }
    ]
    verdict = run(user("u", policy("p", put)), bucket(demand), methods=("PUT",))
    assert summary(verdict) == [("fails", "deny:s3:PutObject")]
    assert verdict.problems[0].fix is not None and "x-amz-server-side-encryption" in verdict.problems[0].fix
    assert summary(run(user("u", policy("p", put)), bucket(demand), methods=("PUT",), sse="aws:kms")) == []


def _with_scps(signer: Any, *scps: list[dict[str, Any]]) -> Verdict:
    the_bucket = bucket()
    inv = inventory(signer, the_bucket)
    org = [
        OrganizationPolicy(
            address=f"aws_organizations_policy.p{i}",
            loc=Location(file="org.tf"),
            policy=policy(f"scp{i}", s, PolicyKind.SCP),
        )
        for i, s in enumerate(scps)
    ]
    inv = inv.model_copy(update={"organization_policies": org})
    return preflight(inv, signer, the_bucket, Expectation(signer=signer.address, bucket="aws_s3_bucket.demo", key="k"))


def test_deny_list_scp_keeps_full_aws_access() -> None:
    deny_iam = [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]
    assert summary(_with_scps(user("u", policy("p", READ)), deny_iam)) == []
    deny_s3 = [{"Sid": "NoS3Reads", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]
    assert summary(_with_scps(user("u", policy("p", READ)), deny_s3)) == [("fails", "deny:s3:GetObject")]


def test_allow_list_scp_without_s3_denies() -> None:
    only_ec2 = [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]
    assert summary(_with_scps(user("u", policy("p", READ)), only_ec2)) == [("fails", "scp:s3:GetObject")]
    with_s3 = [{"Effect": "Allow", "Action": ["ec2:*", "s3:*"], "Resource": "*"}]
    assert summary(_with_scps(user("u", policy("p", READ)), with_s3)) == []
