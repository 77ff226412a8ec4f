"""Hand-built inventories for pre-flight tests: the same model the Terraform source produces."""

from __future__ import annotations

import json
from typing import Any

from linter.model import (
    THIS_ACCOUNT,
    AttachedPolicy,
    Bucket,
    Encryption,
    Inventory,
    KmsKey,
    Location,
    Policy,
    PolicyKind,
    PrincipalResource,
    PublicAccessBlock,
    Text,
)
from linter.sources.jsonpos import parse
from linter.sources.policy_document import build_policy, file_locator

BUCKET = "presign-demo"


def policy(name: str, statements: list[dict[str, Any]], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    document = {"Version": "2012-10-17", "Statement": statements}
    return build_policy(parse(json.dumps(document, indent=2)), name, file_locator("main.tf", name), kind)


def text(value: str, line: int = 1) -> Text:
    return Text(value=value, loc=Location(file="main.tf", line=line))


def user(
    name: str, *policies: Policy, boundary: Policy | None = None, unknown: tuple[str, ...] = ()
) -> PrincipalResource:
    attached = [AttachedPolicy(policy=p, via="inline", ref=text(p.name)) for p in policies]
    attached += [AttachedPolicy(policy=None, via="managed", ref=text(arn)) for arn in unknown]
    return PrincipalResource(
        type="user",
        name=text(name),
        address=f"aws_iam_user.{name.replace('-', '_')}",
        loc=Location(file="main.tf", line=10, address=f"aws_iam_user.{name.replace('-', '_')}"),
        arn=f"arn:aws:iam::{THIS_ACCOUNT}:user/{name}",
        policies=attached,
        boundary=AttachedPolicy(policy=boundary, via="boundary", ref=text(boundary.name)) if boundary else None,
    )


def role(name: str, *policies: Policy, service: str | None = None, max_session: int | None = None) -> PrincipalResource:
    """A role; assumed by the account's principals unless `service` names the AWS service that assumes it."""
    principal = {"Service": service} if service else {"AWS": f"arn:aws:iam::{THIS_ACCOUNT}:root"}
    trust = policy(
        f"aws_iam_role.{name}.assume_role_policy",
        [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        PolicyKind.TRUST,
    )
    return PrincipalResource(
        type="role",
        name=text(name),
        address=f"aws_iam_role.{name}",
        loc=Location(file="main.tf", line=30, address=f"aws_iam_role.{name}"),
        policies=[AttachedPolicy(policy=p, via="inline", ref=text(p.name)) for p in policies],
        trust=trust,
        max_session_duration=max_session,
    )


def bucket(
    bucket_policy: list[dict[str, Any]] | None = None,
    *,
    kms_key: str | None = None,
    restrict_public: bool = True,
    block_acls: bool = True,
    ownership: str | None = None,
) -> Bucket:
    return Bucket(
        name=text(BUCKET),
        address="aws_s3_bucket.demo",
        loc=Location(file="main.tf", line=5, address="aws_s3_bucket.demo"),
        policy=policy("aws_s3_bucket_policy.demo", bucket_policy, PolicyKind.RESOURCE) if bucket_policy else None,
        public_access_block=PublicAccessBlock(
            loc=Location(file="main.tf", line=8),
            block_public_acls=block_acls,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=restrict_public,
        ),
        encryption=Encryption(loc=Location(file="main.tf", line=40), algorithm="aws:kms", kms_key=text("aws_kms_key.k"))
        if kms_key is not None
        else None,
        object_ownership=ownership,
    )


def key(statements: list[dict[str, Any]] | None = None) -> KmsKey:
    return KmsKey(
        address="aws_kms_key.k",
        loc=Location(file="main.tf", line=50, address="aws_kms_key.k"),
        policy=policy("aws_kms_key.k.policy", statements, PolicyKind.KEY) if statements else None,
    )


def inventory(signer: PrincipalResource, the_bucket: Bucket, keys: list[KmsKey] | None = None) -> Inventory:
    return Inventory(principals=[signer], buckets=[the_bucket], keys=keys or [])
