"""An access point with network origin VPC refuses every request from outside its VPC (S3 User Guide,
access-points-vpc): from the Internet, or through an endpoint of another VPC."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.problem import Problem
from linter.presign.resolve import find_endpoint


def problems(request: UrlRequest) -> list[Problem]:
    subject, expectation, what = request.subject, request.expectation, request.what
    point = subject.access_point
    if point is None or point.vpc_id is None:
        return []
    if expectation.source_ips:
        return [wording.access_point_refuses_ips(subject, point, what, expectation.source_ips)]
    endpoint = find_endpoint(subject.inventory, expectation.vpce) if expectation.vpce else None
    if endpoint and endpoint.vpc_id and not endpoint.vpc_id.is_unknown and not point.vpc_id.is_unknown:
        if endpoint.vpc_id.value == point.vpc_id.value:
            return []
        return [wording.access_point_refuses_endpoint(subject, point, what, endpoint)]
    if expectation.vpce:
        return [wording.access_point_endpoint_unknown(subject, point, what, expectation.vpce)]
    return [wording.access_point_vpc_only(subject, point, what)]
