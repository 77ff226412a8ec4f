"""docs/iam-semantics.md §7, the cases about the pre-signed request itself (44-46, 48), as pre-flight verdicts.

Cases 1-43 and 47 are engine decisions (tests/engine/test_edge_cases.py); these need the URL's own limits: its
expiry, the signer's credentials, the region it is signed for, and who owns the object it names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from presign_builders import BUCKET, bucket, inventory, policy, role, user

from linter.model import Bucket, PrincipalResource
from linter.presign.preflight import Status, Verdict, preflight
from linter.presign.request import Expectation

READ = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]


def verdict(signer: PrincipalResource, the_bucket: Bucket, **expectation: Any) -> Verdict:
    wanted = Expectation(signer=signer.address, bucket=the_bucket.address, key="cat.jpg", **expectation)
    return preflight(inventory(signer, the_bucket), signer, the_bucket, wanted)


def test_case_44_expires_over_a_week_is_a_400() -> None:
    found = verdict(user("u", policy("p", READ)), bucket(), expires=604801)
    [problem] = found.problems
    assert (found.status, problem.subject) == (Status.FAILS, "expires")
    assert problem.message == (
        "aws_iam_user.u: X-Amz-Expires=604801 is more than 7 days (604800 s): S3 answers 400 "
        "AuthorizationQueryParametersError 'X-Amz-Expires must be less than a week'"
    )
    assert verdict(user("u", policy("p", READ)), bucket(), expires=604800).status is Status.WORKS


def test_case_45_assume_role_credentials_end_the_url_after_an_hour() -> None:
    found = verdict(role("api", policy("p", READ)), bucket(), expires=604800)
    [problem] = found.problems
    assert (found.status, found.lifetime, problem.subject) == (Status.FAILS, 3600, "credential-lifetime")
    assert problem.message == (
        "aws_iam_role.api: the URL is asked to live 7d, but it dies with the signer's credentials after 1h: a role "
        "session lasts at most 1h (the default max_session_duration) (then 400 ExpiredToken)"
    )


@pytest.mark.parametrize(
    ("bucket_region", "signed", "expected"),
    [
        ("eu-central-1", "us-east-1", [("fails", "region")]),
        ("eu-central-1", "eu-central-1", []),
        (None, "us-east-1", [("uncertain", "region")]),  # the provider region is not in the configuration
        ("eu-central-1", None, []),  # no signing region given: not checked
    ],
)
def test_case_46_signed_for_another_region(
    bucket_region: str | None, signed: str | None, expected: list[tuple[str, str]]
) -> None:
    the_bucket = bucket().model_copy(update={"region": bucket_region})
    found = verdict(user("u", policy("p", READ)), the_bucket, region=signed)
    assert [(p.status.value, p.subject) for p in found.problems] == expected
    if expected == [("fails", "region")]:
        assert (
            "400 AuthorizationQueryParametersError \"the region 'us-east-1' is wrong; expecting 'eu-central-1'\""
            in (found.problems[0].message)
        )


CROSS_ACCOUNT_UPLOADS = [
    {
        "Sid": "PartnerUploads",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
]


@pytest.mark.parametrize(
    ("ownership", "expected"),
    [
        ("ObjectWriter", [("uncertain", "object-writer")]),
        ("BucketOwnerPreferred", [("uncertain", "object-writer")]),
        ("BucketOwnerEnforced", []),
        (None, []),  # AWS's default is BucketOwnerEnforced
    ],
)
def test_case_48_objects_another_account_uploads_under_object_writer(
    ownership: str | None, expected: list[tuple[str, str]]
) -> None:
    found = verdict(user("admin", policy("p", READ)), bucket(CROSS_ACCOUNT_UPLOADS, ownership=ownership))
    assert [(p.status.value, p.subject) for p in found.problems] == expected
    if expected:
        assert found.problems[0].message.startswith(
            "aws_iam_user.admin: URLs for presign-demo/cat.jpg may return 403 AccessDenied for objects that "
            "arn:aws:iam::111122223333:root uploaded without the bucket-owner-full-control ACL"
        )


def test_case_48_uploads_from_this_account_only_are_owned_by_the_bucket_owner() -> None:
    own = [{**CROSS_ACCOUNT_UPLOADS[0], "Principal": {"AWS": "arn:aws:iam::000000000000:role/uploader"}}]
    found = verdict(user("admin", policy("p", READ)), bucket(own, ownership="ObjectWriter"))
    assert found.problems == []


@pytest.mark.parametrize(
    "condition",
    [
        {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
        {"NumericLessThan": {"aws:EpochTime": "1798761600"}},
    ],
)
def test_a_grant_that_ends_on_a_date_depends_on_when_the_url_is_opened(condition: dict[str, Any]) -> None:
    """The check runs before the URL is signed and opened: the clock it runs on decides nothing."""
    until = [{**READ[0], "Condition": condition}]
    found = verdict(user("u", policy("p", until)), bucket())
    assert [(p.status.value, p.subject) for p in found.problems] == [("uncertain", "uncertain:s3:GetObject")]


def test_case_48_an_unresolved_uploader_may_be_another_account() -> None:
    """A writer the configuration names by a value it cannot resolve is not read as this account: uncertain."""
    grant = bucket(CROSS_ACCOUNT_UPLOADS, ownership="ObjectWriter")
    assert grant.policy is not None and grant.policy.statements[0].principal is not None
    [ref] = grant.policy.statements[0].principal.refs
    written = {
        "value": "${var.partner_account}",
        "unresolved": "var.partner_account",
    }  # as the Terraform source reads it
    unknown = replace(ref, value=replace(ref.value, **written))
    principal = replace(grant.policy.statements[0].principal, refs=[unknown])
    statement = replace(grant.policy.statements[0], principal=principal)
    the_bucket = grant.model_copy(update={"policy": replace(grant.policy, statements=[statement])})
    found = verdict(user("admin", policy("p", READ)), the_bucket)
    assert [(p.status.value, p.subject) for p in found.problems] == [("uncertain", "object-writer")]
    assert "objects that var.partner_account uploaded" in found.problems[0].message
