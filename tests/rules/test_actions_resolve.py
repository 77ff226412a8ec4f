"""The shared resolution helpers of the IPA rules: resource-pattern overlap and action lookup."""

from __future__ import annotations

import pytest

from linter.awsdata import aws_data, readable_template
from rules._shared.actions import action_templates, can_name, lookup_action

BUCKET = "arn:${Partition}:s3:::${BucketName}"
OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
ACCESS_POINT_OBJECT = "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName}"


@pytest.mark.parametrize(
    ("pattern", "template", "expected"),
    [
        ("arn:aws:s3:::bkt", BUCKET, True),
        ("arn:aws:s3:::bkt", OBJECT, False),
        ("arn:aws:s3:::bkt/*", BUCKET, False),  # bucket names hold no '/'
        ("arn:aws:s3:::bkt/*", OBJECT, True),
        ("arn:aws:s3:::bkt*", BUCKET, True),
        ("arn:aws:s3:::bkt*", OBJECT, True),  # `*` crosses '/' in the resource part
        ("arn:aws:s3:::bkt/home/${aws:username}/*", OBJECT, True),
        ("arn:aws:s3:::BKT/x", OBJECT, True),  # case is not judged
        ("arn:*:s3:::bkt", OBJECT, False),  # `*` stays inside the partition segment
        ("arn:aws:s3:*:*:bkt", BUCKET, True),  # `*` matches an empty segment
        ("arn:aws:s3:us-east-1:111111111111:bkt/*", OBJECT, False),
        ("arn:aws:s3:us-east-1:111111111111:accesspoint/ap/object/*", ACCESS_POINT_OBJECT, True),
        ("arn:aws:s3:us-east-1:111111111111:accesspoint/ap", ACCESS_POINT_OBJECT, False),
        ("*", OBJECT, True),
        ("*", "*", True),
        ("arn:aws:s3:::*", "*", False),
        ("arn:aws:s3:::bkt/${*}", OBJECT, True),
    ],
)
def test_can_name(pattern: str, template: str, expected: bool) -> None:
    assert can_name(pattern, template) is expected


def test_action_templates_cover_every_resource_type_and_star_for_typeless_actions() -> None:
    aws = aws_data()
    assert action_templates(aws, "s3:GetObject") == {OBJECT, ACCESS_POINT_OBJECT}
    assert action_templates(aws, "s3:ListAllMyBuckets") == {"*"}
    assert action_templates(aws, "s3:GetObjects") is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("s3:GetObject", None),
        ("S3:getobject", None),
        ("s3:Get*", None),
        ("*", None),
        ("*:Describe*", None),
        ("s3:GetObjects", "did you mean 's3:GetObject'"),
        ("s3:Gett*", "matches no s3 action"),
        ("s4:GetObject", "unknown service prefix 's4'"),
        ("GetObject", "not of the form service:action"),
    ],
)
def test_lookup_action(value: str, problem: str | None) -> None:
    found = lookup_action(aws_data(), value).problem
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found.message(aws_data())


def test_arn_templates_read_as_a_person_writes_them() -> None:
    assert readable_template(OBJECT) == "arn:aws:s3:::<BucketName>/<ObjectName>"
    assert readable_template(ACCESS_POINT_OBJECT) == (
        "arn:aws:s3:<Region>:<Account>:accesspoint/<AccessPointName>/object/<ObjectName>"
    )


@pytest.mark.parametrize(
    ("action", "arn", "expected"),
    [
        # Classic and V2 load balancers share the elasticloadbalancing prefix and some action names.
        ("elasticloadbalancing:AddTags", "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/web", True),
        ("elasticloadbalancing:AddTags", "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*/*", True),
        ("elasticloadbalancing:RemoveTags", "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*", True),
        ("elasticloadbalancing:DeleteLoadBalancer", "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*", True),
        ("elasticloadbalancing:DeleteLoadBalancer", "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*", False),
        ("elasticloadbalancing:AddTags", "arn:aws:s3:::bkt", False),
    ],
)
def test_actions_of_both_load_balancer_pages_take_both_pages_resources(action: str, arn: str, expected: bool) -> None:
    templates = action_templates(aws_data(), action)
    assert templates is not None
    assert any(can_name(arn, template) for template in templates) is expected
