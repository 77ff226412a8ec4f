"""The x-amz-acl a PUT URL is signed with: a bucket with Object Ownership BucketOwnerEnforced (ACLs disabled, the
default since April 2023) refuses any ACL but bucket-owner-full-control with 400 AccessControlListNotSupported, and
BlockPublicAcls refuses public ACLs with 403 (S3 User Guide, about-object-ownership and access-control-block-public-
access)."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.problem import Problem
from linter.presign.request import OWNER_FULL_CONTROL, PUBLIC_ACLS
from linter.presign.subject import public_access_flag


def problems(request: UrlRequest) -> list[Problem]:
    subject, expectation, what = request.subject, request.expectation, request.what
    acl = expectation.acl
    if acl is None or "PUT" not in expectation.methods:
        return []
    bucket = subject.bucket
    if not bucket.defined:
        return [wording.acl_bucket_unknown(subject, what, acl, expectation.declared_at or subject.signer.loc)]
    ownership = bucket.object_ownership or "BucketOwnerEnforced"
    if ownership == "BucketOwnerEnforced" and acl != OWNER_FULL_CONTROL:
        return [wording.acl_not_supported(subject, what, acl)]
    block = public_access_flag(subject.inventory, bucket, "block_public_acls")
    if acl in PUBLIC_ACLS and block is not False:
        where = bucket.public_access_block or subject.inventory.account_public_access_block
        return [wording.public_acl_blocked(subject, what, acl, bool(block), where.loc if where else bucket.loc)]
    return []
