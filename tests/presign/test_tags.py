"""Tags in verdicts: the signer's (aws:PrincipalTag) decide exactly, the object's (s3:ExistingObjectTag) never can.

- IAM User Guide, access_iam-tags: "Tags can be attached to the IAM resource, passed in the request, or attached to
  the principal that is making the request."
- IAM User Guide, id_session-tags: "When you use the session credentials to make a subsequent request, the request
  context includes the aws:PrincipalTag context key." Its tags come from "Session tags", "Incoming transitive
  session tags" and "IAM tags - The tags attached to your IAM assumed role"; a session tag overrides the role's tag
  of the same key ("Things to know about session tags"), and passing one needs sts:TagSession in the role's trust
  policy ("Permissions required to add session tags").
- S3 User Guide, tagging-and-policies: "s3:ExistingObjectTag/<tag-key> - Use this condition key to verify that an
  existing object tag has the specific tag key and value." and "When granting permissions for the PUT Object and
  DELETE Object operations, this condition key is not supported."
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from presign_builders import BUCKET, bucket, inventory, policy, role, text, user

from linter.model import THIS_ACCOUNT, PolicyKind, PrincipalResource
from linter.presign.preflight import Status, Verdict, preflight
from linter.presign.problem import ConditionMiss
from linter.presign.request import Expectation

TEAM_MEDIA = [
    {
        "Sid": "TeamMedia",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "media"}},
    }
]


def tagged(principal: PrincipalResource, tags: dict[str, str] | None) -> PrincipalResource:
    values = None if tags is None else {k: text(v) for k, v in tags.items()}
    return principal.model_copy(update={"tags": values})


def run(signer: PrincipalResource, the_bucket: Any = None, **expectation: Any) -> Verdict:
    the_bucket = the_bucket or bucket()
    expect = Expectation(signer=signer.address, bucket="aws_s3_bucket.demo", key="c.mov", **expectation)
    return preflight(inventory(signer, the_bucket), signer, the_bucket, expect)


def summary(verdict: Verdict) -> list[tuple[str, str]]:
    return [(p.status.value, p.subject) for p in verdict.problems]


def test_a_user_tagged_as_the_condition_asks_works() -> None:
    signer = tagged(user("reader", policy("p", TEAM_MEDIA)), {"team": "media"})
    assert summary(run(signer)) == []


def test_a_user_tagged_otherwise_fails_and_the_message_names_the_condition_not_the_resource() -> None:
    signer = tagged(user("reader", policy("p", TEAM_MEDIA)), {"team": "design"})
    verdict = run(signer)
    [problem] = verdict.problems
    assert (problem.status, problem.subject) == (Status.FAILS, "identity:s3:GetObject")
    [miss] = problem.cause.conditions
    assert (miss.key, miss.operator, miss.values, miss.request_value) == (
        "aws:PrincipalTag/team",
        "StringEquals",
        ("media",),
        "design",
    )
    assert "only on" not in problem.message
    assert problem.reason == (
        "its identity policy p, statement 0 ('TeamMedia') allows s3:GetObject on the object only when "
        'aws:PrincipalTag/team StringEquals "media", and the request\'s aws:PrincipalTag/team is "design" '
        "(aws_iam_user.reader's tag team)"
    )
    assert problem.fix == 'tag aws_iam_user.reader with team = "media", or change that condition'


def test_a_user_without_the_tag_fails_for_lack_of_the_key() -> None:
    [problem] = run(tagged(user("reader", policy("p", TEAM_MEDIA)), {})).problems
    assert problem.cause.conditions[0].request_value is None
    assert problem.reason.endswith("and the request has no aws:PrincipalTag/team (aws_iam_user.reader has no tag team)")


def test_tags_not_known_leave_the_verdict_uncertain() -> None:
    verdict = run(tagged(user("reader", policy("p", TEAM_MEDIA)), None))
    assert summary(verdict) == [("uncertain", "uncertain:s3:GetObject")]


def test_an_unresolved_tag_value_leaves_the_verdict_uncertain() -> None:
    signer = user("reader", policy("p", TEAM_MEDIA))
    unresolved = replace(text("${var.team}"), unresolved="var.team")
    signer = signer.model_copy(update={"tags": {"team": unresolved}})
    [problem] = run(signer).problems
    assert problem.status is Status.UNCERTAIN
    assert "aws_iam_user.reader's tag team is set to var.team, which these inputs do not resolve" in problem.message


def test_a_bucket_policy_conditioned_on_the_signers_tag_decides_exactly() -> None:
    grant = [{**TEAM_MEDIA[0], "Principal": {"AWS": f"arn:aws:iam::{THIS_ACCOUNT}:user/reader"}}]
    the_bucket = bucket(grant)
    assert summary(run(tagged(user("reader"), {"team": "media"}), the_bucket)) == []
    [problem] = run(tagged(user("reader"), {"team": "design"}), the_bucket).problems
    assert problem.subject == "identity:s3:GetObject"
    assert problem.reason == (
        "the bucket policy aws_s3_bucket_policy.demo, statement 0 ('TeamMedia') allows s3:GetObject on the object "
        'only when aws:PrincipalTag/team StringEquals "media", and the request\'s aws:PrincipalTag/team is "design" '
        "(aws_iam_user.reader's tag team)"
    )


def _trusting(signer: PrincipalResource, actions: list[str]) -> PrincipalResource:
    trust = policy(
        f"{signer.address}.assume_role_policy",
        [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{THIS_ACCOUNT}:root"}, "Action": actions}],
        PolicyKind.TRUST,
    )
    return signer.model_copy(update={"trust": trust})


def test_a_role_whose_trust_policy_refuses_session_tags_signs_with_its_own_tags() -> None:
    signer = tagged(_trusting(role("exporter", policy("p", TEAM_MEDIA)), ["sts:AssumeRole"]), {"team": "media"})
    assert [p.status for p in run(signer, expires=300).problems] == []


def test_a_role_whose_trust_policy_allows_session_tags_is_uncertain() -> None:
    trusting = _trusting(role("exporter", policy("p", TEAM_MEDIA)), ["sts:AssumeRole", "sts:TagSession"])
    [problem] = run(tagged(trusting, {"team": "media"}), expires=300).problems
    assert problem.status is Status.UNCERTAIN
    assert "allows sts:TagSession: a session may carry a session tag team, which overrides the role's own" in (
        problem.message
    )


OBJECT_TAGGED = [
    {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/share": "public"}},
    }
]


def test_an_object_tag_condition_leaves_a_get_url_uncertain_and_says_why() -> None:
    [problem] = run(user("press", policy("p", OBJECT_TAGGED))).problems
    assert problem.status is Status.UNCERTAIN
    assert problem.message == (
        "aws_iam_user.press: cannot tell whether URLs for presign-demo/c.mov (GET) may s3:GetObject: a condition on "
        "s3:ExistingObjectTag/share decides, and which objects carry that tag is data in the bucket, not configuration"
    )


def test_a_put_url_carries_no_existing_object_tag() -> None:
    [problem] = run(user("press", policy("p", OBJECT_TAGGED)), methods=("PUT",)).problems
    assert problem.status is Status.FAILS
    assert problem.cause.conditions == (
        ConditionMiss(
            problem.cause.conditions[0].statement, "s3:ExistingObjectTag/share", "StringEquals", ("public",), None
        ),
    )
