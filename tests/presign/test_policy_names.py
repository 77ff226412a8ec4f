"""How a denial names the resource policy that refused it: by the type of what holds it, never by words in its name."""

from __future__ import annotations

import pytest

from linter.presign.wording import policy_type_name


@pytest.mark.parametrize(
    ("policy", "named"),
    [
        ("aws_s3_bucket_policy.reports.policy", "bucket policy"),
        # a bucket policy whose resource (or module) name mentions endpoints or access points is still one
        ("aws_s3_bucket_policy.vpc_endpoint_logs.policy", "bucket policy"),
        ("module.access_point_audit.aws_s3_bucket_policy.this[0].policy", "bucket policy"),
        ("aws_vpc_endpoint.s3.policy", "VPC endpoint policy"),
        ("module.edge.aws_vpc_endpoint_policy.s3.policy", "VPC endpoint policy"),
        ("aws_s3_access_point.reports.policy", "access point policy"),
        ("aws_s3control_access_point_policy.reports.policy", "access point policy"),
        ("arn:aws:s3:::presign-demo#policy", "bucket policy"),
        ("arn:aws:s3:us-east-1:123456789012:accesspoint/reports#policy", "access point policy"),
    ],
)
def test_the_holder_type_names_the_policy(policy: str, named: str) -> None:
    assert policy_type_name("resource", "s3:GetObject", policy) == named
    assert policy_type_name("resource", "kms:Decrypt", policy) == "key policy"
