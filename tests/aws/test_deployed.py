"""`--from-aws`'s reading part: the deployed state read into the Inventory the Terraform source builds
(linter/aws/deployed.py), against moto's IAM, S3, S3 Control, KMS and STS (iam-semantics.md §6). moto enforces no
permission, so a refused read is a moto client with that one call replaced (`Refusing`). No real account: fake
credentials, region us-east-1, and every call inside `mock_aws`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from linter.aws.deployed import AwsClients, DeployedState, ReadNote, read_deployed
from linter.model import Location, PrincipalResource, PublicAccessBlock
from linter.presign.preflight import Status, Verdict, preflight
from linter.presign.request import Expectation
from linter.presign.resolve import find_bucket, find_principal
from linter.sources.terraform import load_module

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's account
USER_TWO = f"arn:aws:iam::{ACCOUNT}:user/user-two"
BUCKET = "presign-demo"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/reports-api"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
LIST_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "VisualEditor0", "Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:ListBucket"], "Resource": "*"}
    ],
}
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*"}],
}
# The inline policy as the reader gives its positions: AWS's document re-serialised with indent=2.
LIST_ONLY_TEXT = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "VisualEditor0",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:ListBucket"
      ],
      "Resource": "*"
    }
  ]
}"""


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield AwsClients(*(boto3.client(name, region_name="us-east-1") for name in AwsClients._fields))


class Refusing:
    """A client whose named operations (methods, or paginators by operation name) AWS refuses with `code`; every
    other call goes to the moto client behind it."""

    def __init__(self, client: Any, *operations: str, code: str = "AccessDenied") -> None:
        self.client, self.operations, self.code = client, operations, code

    def _refuse(self, operation: str) -> Any:
        def refuse(**_: Any) -> Any:
            error = {"Error": {"Code": self.code, "Message": "User is not authorized"}}
            raise ClientError(error, operation)

        return refuse

    def get_paginator(self, operation: str) -> Any:
        paginator = self.client.get_paginator(operation)
        if operation in self.operations:
            paginator.paginate = self._refuse(operation)
        return paginator

    def __getattr__(self, name: str) -> Any:
        return self._refuse(name) if name in self.operations else getattr(self.client, name)


def make_demo(aws: AwsClients) -> None:
    """examples/presign-demo as deployed: user two who may list, and a private bucket with all four blocks."""
    aws.iam.create_user(UserName="user-two")
    aws.iam.put_user_policy(
        UserName="user-two", PolicyName="list-buckets-and-contents", PolicyDocument=json.dumps(LIST_ONLY)
    )
    aws.s3.create_bucket(Bucket=BUCKET)
    aws.s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    # What AWS sets on every bucket created since April 2023 (moto leaves it unset).
    aws.s3.put_bucket_ownership_controls(
        Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )


def create_policy(aws: AwsClients, name: str, *versions: dict[str, Any]) -> str:
    """A customer-managed policy whose last version is the default one."""
    arn: str = aws.iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(versions[0]))["Policy"]["Arn"]
    for document in versions[1:]:
        aws.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    return arn


def deployed_verdict(state: DeployedState, signer: str, **expectation: Any) -> Verdict:
    inventory = state.inventory
    _, principal = find_principal([inventory], signer)
    _, bucket, _ = find_bucket([inventory], BUCKET)
    # The deployed account's ids, as policies and ARNs write them, are this inventory's own account.
    wanted = Expectation(signer=signer, bucket=BUCKET, key="cat.jpg", account=state.account, **expectation)
    return preflight(inventory, principal, bucket, wanted)


def statements(principal: PrincipalResource) -> list[tuple[str, str, list[str], list[str]]]:
    """(via, effect, actions, resources) of every statement that reaches a principal."""
    return [
        (
            attached.via,
            s.effect.value if s.effect else "",
            [a.value for a in s.action or []],
            [r.value for r in s.resource or []],
        )
        for attached in principal.policies
        if attached.policy is not None
        for s in attached.policy.statements
    ]


def test_user_two_and_the_private_bucket_read_as_deployed(aws: AwsClients) -> None:
    make_demo(aws)
    state = read_deployed(aws, [USER_TWO], [BUCKET])
    assert (state.account, state.notes, state.inventory.unresolved) == (ACCOUNT, [], [])
    [user] = state.inventory.principals
    assert (user.type, user.name.value, user.address, user.arn, user.groups, user.boundary, user.tags) == (
        "user",
        "user-two",
        USER_TWO,
        USER_TWO,
        [],
        None,
        {},
    )
    [attached] = user.policies
    file = f"{USER_TWO}#inline/list-buckets-and-contents"
    assert (attached.via, attached.ref.value) == ("inline", "list-buckets-and-contents")
    assert attached.policy is not None
    assert (attached.policy.name, attached.policy.kind.value, attached.policy.issues) == (file, "identity", [])
    assert statements(user) == [("inline", "Allow", ["s3:ListAllMyBuckets", "s3:ListBucket"], ["*"])]
    [statement] = attached.policy.statements
    assert statement.sid is not None and statement.sid.value == "VisualEditor0"
    assert statement.action is not None and statement.resource is not None
    assert [a.loc for a in statement.action] == [
        Location(
            file=file, line=8, column=9, end_line=8, end_column=30, json_path="/Statement/0/Action/0", address=USER_TWO
        ),
        Location(
            file=file, line=9, column=9, end_line=9, end_column=24, json_path="/Statement/0/Action/1", address=USER_TWO
        ),
    ]
    assert statement.resource[0].loc == Location(
        file=file, line=11, column=19, end_line=11, end_column=22, json_path="/Statement/0/Resource", address=USER_TWO
    )
    assert state.documents == {file: LIST_ONLY_TEXT}

    [bucket] = state.inventory.buckets
    assert (bucket.name.value, bucket.address, bucket.region, bucket.policy, bucket.encryption) == (
        BUCKET,
        BUCKET_ARN,
        "us-east-1",
        None,  # no bucket policy is a fact, not a refusal
        None,
    )
    assert (bucket.object_ownership, bucket.defined) == ("BucketOwnerEnforced", True)
    assert bucket.public_access_block == PublicAccessBlock(
        loc=Location(file=f"{BUCKET_ARN}#public-access-block", address=BUCKET_ARN),
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    assert (state.inventory.account_public_access_block, state.inventory.keys, state.inventory.access_points) == (
        None,
        [],
        [],
    )


def test_the_preflight_on_the_deployed_demo_agrees_with_the_terraform_demo(aws: AwsClients) -> None:
    loaded = load_module(REPO / "examples" / "presign-demo")
    assert loaded.inventory is not None
    _, tf_signer = find_principal([loaded.inventory], "aws_iam_user.user_two")
    _, tf_bucket, _ = find_bucket([loaded.inventory], "aws_s3_bucket.demo")
    wanted = Expectation(signer="aws_iam_user.user_two", bucket="aws_s3_bucket.demo", key="cat.jpg", expires=1800)
    from_terraform = preflight(loaded.inventory, tf_signer, tf_bucket, wanted)

    make_demo(aws)
    from_aws = deployed_verdict(read_deployed(aws, [USER_TWO], [BUCKET]), USER_TWO, expires=1800)

    assert from_aws.status is from_terraform.status is Status.FAILS
    assert [(p.status, p.subject, p.fix) for p in from_aws.problems] == [
        (p.status, p.subject, p.fix) for p in from_terraform.problems
    ]
    [problem] = from_aws.problems
    assert problem.message == (
        f"{USER_TWO} can sign URLs for presign-demo/cat.jpg (GET), but every one returns 403 AccessDenied: "
        "no identity-based policy allows s3:GetObject (its policy "
        f"{USER_TWO}#inline/list-buckets-and-contents at {USER_TWO}#inline/list-buckets-and-contents:1:1 allows only "
        "s3:ListAllMyBuckets, s3:ListBucket)"
    )


def test_a_groups_policies_reach_its_user_with_the_managed_policys_default_version(aws: AwsClients) -> None:
    make_demo(aws)
    read_v2 = create_policy(aws, "readers-managed", LIST_ONLY, READ)
    aws.iam.create_group(GroupName="readers")
    aws.iam.put_group_policy(GroupName="readers", PolicyName="list", PolicyDocument=json.dumps(LIST_ONLY))
    aws.iam.attach_group_policy(GroupName="readers", PolicyArn=read_v2)
    aws.iam.add_user_to_group(GroupName="readers", UserName="user-two")
    state = read_deployed(aws, ["user-two"], [BUCKET])
    group_arn = f"arn:aws:iam::{ACCOUNT}:group/readers"
    user = next(p for p in state.inventory.principals if p.type == "user")
    assert user.groups == [group_arn]
    assert statements(user) == [
        ("inline", "Allow", ["s3:ListAllMyBuckets", "s3:ListBucket"], ["*"]),
        (f"group {group_arn} (inline)", "Allow", ["s3:ListAllMyBuckets", "s3:ListBucket"], ["*"]),
        (f"group {group_arn} (managed)", "Allow", ["s3:GetObject"], [f"{BUCKET_ARN}/*"]),
    ]
    managed = user.policies[2].policy
    assert managed is not None
    assert (managed.name, managed.loc.address, user.policies[2].ref.value) == (f"{read_v2}#v2", read_v2, read_v2)
    assert state.inventory.managed_policies == {read_v2: managed}
    assert [(p.type, p.address) for p in state.inventory.principals] == [("user", USER_TWO), ("group", group_arn)]
    verdict = deployed_verdict(state, USER_TWO)
    assert (verdict.status, verdict.problems) == (Status.WORKS, [])


def test_a_permissions_boundary_limits_the_deployed_signer(aws: AwsClients) -> None:
    # A role: moto keeps a user's boundary but leaves it out of GetUser's answer (a role's it returns).
    make_demo(aws)
    boundary = create_policy(aws, "list-only-boundary", LIST_ONLY)
    aws.iam.create_role(
        RoleName="reports-api", AssumeRolePolicyDocument=json.dumps(TRUST), PermissionsBoundary=boundary
    )
    aws.iam.put_role_policy(RoleName="reports-api", PolicyName="read", PolicyDocument=json.dumps(READ))
    aws.iam.tag_role(RoleName="reports-api", Tags=[{"Key": "team", "Value": "reports"}])
    state = read_deployed(aws, ["role/reports-api"], [BUCKET])
    [role] = state.inventory.principals
    assert role.boundary is not None and role.boundary.policy is not None
    assert (role.boundary.via, role.boundary.ref.value, role.boundary.policy.name) == (
        "boundary",
        boundary,
        f"{boundary}#v1",
    )
    assert role.tags is not None and {k: t.value for k, t in role.tags.items()} == {"team": "reports"}
    verdict = deployed_verdict(state, ROLE)
    # A role signs with a session's temporary credentials: the refresh caveat is the pre-flight's on any role.
    assert [(p.status.value, p.subject) for p in verdict.problems] == [
        ("works", "credential-refresh"),
        ("fails", "boundary:s3:GetObject"),
    ]


def test_a_role_with_its_trust_policy_session_limit_and_attached_policy(aws: AwsClients) -> None:
    reader = create_policy(aws, "reader", READ)
    aws.iam.create_role(RoleName="reports-api", AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=7200)
    aws.iam.attach_role_policy(RoleName="reports-api", PolicyArn=reader)
    role_arn = ROLE
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/reports-api/worker-1"
    state = read_deployed(aws, [session], [])
    [role] = state.inventory.principals
    assert (role.type, role.address, role.max_session_duration, role.tags) == ("role", role_arn, 7200, {})
    assert role.trust is not None
    assert (role.trust.name, role.trust.kind.value) == (f"{role_arn}#trust", "trust")
    [trusted] = role.trust.statements
    assert trusted.principal is not None
    assert [(r.type, r.value.value, r.value.loc.line) for r in trusted.principal.refs] == [
        ("Service", "lambda.amazonaws.com", 7)
    ]
    assert statements(role) == [("managed", "Allow", ["s3:GetObject"], [f"{BUCKET_ARN}/*"])]


def test_a_refused_bucket_policy_read_is_unknown_and_noted(aws: AwsClients) -> None:
    make_demo(aws)
    aws.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    refusing = aws._replace(s3=Refusing(aws.s3, "get_bucket_policy"))
    state = read_deployed(refusing, [USER_TWO], [BUCKET])
    assert state.notes == [ReadNote("s3:GetBucketPolicy", BUCKET_ARN, "AccessDenied", "unknown: the bucket policy")]
    assert state.notes[0].render() == f"s3:GetBucketPolicy on {BUCKET_ARN}: AccessDenied; unknown: the bucket policy"
    [unresolved] = state.inventory.unresolved
    assert (unresolved.expression, unresolved.loc.file) == (f"s3:GetBucketPolicy {BUCKET_ARN}", BUCKET_ARN)
    assert unresolved.reason == "AccessDenied: the credentials that read the account may not call s3:GetBucketPolicy"
    [bucket] = state.inventory.buckets
    assert bucket.policy is not None
    [statement] = bucket.policy.statements
    assert statement.effect is not None and statement.effect.is_unknown
    assert statement.principal is not None and all(r.value.is_unknown for r in statement.principal.refs)
    # The user's own side allows the read; the bucket policy, unread, may deny it: never "works".
    assert deployed_verdict(state, USER_TWO).status is Status.UNCERTAIN
    # The same read, allowed, works: the refusal is what makes it uncertain.
    assert deployed_verdict(read_deployed(aws, [USER_TWO], [BUCKET]), USER_TWO).status is Status.WORKS


def test_a_refused_listing_of_inline_policies_is_unknown_and_never_aborts(aws: AwsClients) -> None:
    make_demo(aws)
    refusing = aws._replace(iam=Refusing(aws.iam, "list_user_policies", "list_user_tags"))
    state = read_deployed(refusing, [USER_TWO], [BUCKET])
    assert state.notes == [
        ReadNote("iam:ListUserPolicies", USER_TWO, "AccessDenied", "unknown: its inline policies"),
        ReadNote("iam:ListUserTags", USER_TWO, "AccessDenied", "unknown: its tags"),
    ]
    [user] = state.inventory.principals
    assert user.tags is None
    [attached] = user.policies
    assert attached.ref.is_unknown and attached.policy is not None
    assert attached.policy.name == f"{USER_TWO}#inline/*"
    assert deployed_verdict(state, USER_TWO).status is Status.UNCERTAIN


def test_iam_documents_url_encoded_by_the_api_are_decoded(aws: AwsClients) -> None:
    """boto3 decodes IAM's documents (and moto's are decoded by then); a client without that decoding hands over the
    API's own URL-encoded text, which reads the same."""
    make_demo(aws)

    class UrlEncoding(Refusing):
        def get_user_policy(self, **params: Any) -> Any:
            answer = dict(self.client.get_user_policy(**params))
            answer["PolicyDocument"] = quote(json.dumps(answer["PolicyDocument"]))
            return answer

    state = read_deployed(aws._replace(iam=UrlEncoding(aws.iam)), [USER_TWO], [])
    [user] = state.inventory.principals
    assert statements(user) == [("inline", "Allow", ["s3:ListAllMyBuckets", "s3:ListBucket"], ["*"])]
    assert state.documents == {f"{USER_TWO}#inline/list-buckets-and-contents": LIST_ONLY_TEXT}


def test_an_sse_kms_bucket_reads_its_key_policy_and_aliases(aws: AwsClients) -> None:
    make_demo(aws)
    key = aws.kms.create_key()["KeyMetadata"]
    aws.kms.create_alias(AliasName="alias/reports", TargetKeyId=key["KeyId"])
    aws.s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]
        },
    )
    aws.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    state = read_deployed(aws, [USER_TWO], [BUCKET])
    [bucket] = state.inventory.buckets
    assert bucket.encryption is not None and bucket.encryption.kms_key is not None
    assert (bucket.encryption.algorithm, bucket.encryption.kms_key.value) == ("aws:kms", key["Arn"])
    [read_key] = state.inventory.keys
    assert (read_key.address, read_key.region, read_key.aliases, read_key.grants) == (
        key["KeyId"],
        "us-east-1",
        ["alias/reports"],
        [],
    )
    assert read_key.policy is not None and read_key.policy.name == f"{key['Arn']}#policy/default"
    # moto's default key policy delegates to the account's IAM policies: the user's, which allow no kms:Decrypt.
    verdict = deployed_verdict(state, USER_TWO)
    assert [(p.status.value, p.subject) for p in verdict.problems] == [("fails", "kms:kms:Decrypt")]


def test_an_access_point_of_the_bucket_with_its_policy(aws: AwsClients) -> None:
    make_demo(aws)
    aws.s3control.create_access_point(AccountId=ACCOUNT, Name="reports", Bucket=BUCKET)
    point_arn = f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/reports"
    point_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": USER_TWO},
                "Action": "s3:GetObject",
                "Resource": f"{point_arn}/object/*",
            }
        ],
    }
    aws.s3control.put_access_point_policy(AccountId=ACCOUNT, Name="reports", Policy=json.dumps(point_policy))
    state = read_deployed(aws, [], [BUCKET])
    [point] = state.inventory.access_points
    assert (point.name.value, point.address, point.bucket.value, point.region, point.arn.split(":")[3]) == (
        "reports",
        point_arn,
        BUCKET_ARN,
        "us-east-1",
        "us-east-1",
    )
    assert point.policy is not None and point.policy.name == f"{point_arn}#policy"
    assert point.public_access_block is not None and point.public_access_block.restrict_public_buckets is True


def test_principals_that_are_not_there_or_not_in_this_account_are_noted(aws: AwsClients) -> None:
    state = read_deployed(aws, ["nobody", "arn:aws:iam::999988887777:user/other"], ["no-such-bucket"])
    assert (state.inventory.principals, state.inventory.buckets, state.inventory.unresolved) == ([], [], [])
    assert [(n.resource, n.code) for n in state.notes] == [
        ("arn:aws:iam::999988887777:user/other", "OtherAccount"),
        ("nobody", "NoSuchEntity"),
        ("arn:aws:s3:::no-such-bucket", "NoSuchBucket"),
    ]


def test_everything_reads_every_user_role_and_bucket_up_to_the_limit(aws: AwsClients) -> None:
    make_demo(aws)
    for name in ("a", "b", "c"):
        aws.iam.create_user(UserName=f"user-{name}")
    state = read_deployed(aws, everything=True, limit=2)
    assert [p.name.value for p in state.inventory.principals] == ["user-two", "user-a"]
    assert [b.name.value for b in state.inventory.buckets] == [BUCKET]
    assert [(n.permission, n.code) for n in state.notes] == [("iam:ListUsers", "Truncated")]


def test_every_refused_bucket_and_key_read_is_unknown_and_noted(aws: AwsClients) -> None:
    make_demo(aws)
    key = aws.kms.create_key()["KeyMetadata"]
    aws.s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]
        },
    )
    refusing = aws._replace(
        s3=Refusing(aws.s3, "get_public_access_block", "get_bucket_ownership_controls"),
        s3control=Refusing(aws.s3control, "get_public_access_block"),
        kms=Refusing(aws.kms, "get_key_policy", "list_grants"),
    )
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]}
    reader = {**READ, "Statement": [*READ["Statement"], decrypt]}
    aws.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(reader))
    state = read_deployed(refusing, [USER_TWO], [BUCKET])
    assert [(n.permission, n.resource, n.code) for n in state.notes] == [
        ("s3:GetBucketPublicAccessBlock", BUCKET_ARN, "AccessDenied"),
        ("s3:GetBucketOwnershipControls", BUCKET_ARN, "AccessDenied"),
        ("kms:GetKeyPolicy", key["Arn"], "AccessDenied"),
        ("kms:ListGrants", key["Arn"], "AccessDenied"),
        ("s3:GetAccountPublicAccessBlock", f"account {ACCOUNT}", "AccessDenied"),
    ]
    assert [u.expression for u in state.inventory.unresolved] == [f"{n.permission} {n.resource}" for n in state.notes]
    [bucket] = state.inventory.buckets
    unknown_block = (None, None, None, None)
    for block in (bucket.public_access_block, state.inventory.account_public_access_block):
        assert block is not None
        flags = (block.block_public_acls, block.block_public_policy, block.ignore_public_acls)
        assert (*flags, block.restrict_public_buckets) == unknown_block
    # The model has no unknown Object Ownership: None reads as AWS's default, and the note says it was not read.
    assert bucket.object_ownership is None
    [read_key] = state.inventory.keys
    assert read_key.policy is not None and all(s.effect and s.effect.is_unknown for s in read_key.policy.statements)
    [grant] = read_key.grants
    assert (grant.grantee.is_unknown, grant.operations) == (True, None)
    # The signer's own policies allow the read and kms:Decrypt; the key policy, unread, decides: uncertain.
    verdict = deployed_verdict(state, USER_TWO)
    assert [(p.status.value, p.subject) for p in verdict.problems] == [("uncertain", "uncertain:kms:Decrypt")]


def test_a_refused_get_user_leaves_the_boundary_unknown(aws: AwsClients) -> None:
    make_demo(aws)
    aws.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    state = read_deployed(aws._replace(iam=Refusing(aws.iam, "get_user")), [USER_TWO], [BUCKET])
    assert state.notes == [ReadNote("iam:GetUser", USER_TWO, "AccessDenied", "unknown: the user")]
    [user] = state.inventory.principals
    assert user.boundary is not None
    assert (user.boundary.policy, user.boundary.ref.unresolved) == (None, f"iam:GetUser {USER_TWO}")
    # Its policies were still read: they allow the read, which a boundary, if there is one, may not.
    assert statements(user) == [
        ("inline", "Allow", ["s3:ListAllMyBuckets", "s3:ListBucket"], ["*"]),
        ("inline", "Allow", ["s3:GetObject"], [f"{BUCKET_ARN}/*"]),
    ]
    assert deployed_verdict(state, USER_TWO).status is Status.UNCERTAIN
