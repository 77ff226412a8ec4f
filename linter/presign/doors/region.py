"""The signing region: a URL signed for one region and sent to a bucket (access point) of another gets 400
AuthorizationQueryParametersError before any policy is read (API Reference, sigv4-query-string-auth;
iam-semantics.md §4 error codes, §7 case 46)."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.problem import Problem


def problems(request: UrlRequest) -> list[Problem]:
    signed = request.expectation.region
    if signed is None:
        return []
    subject = request.subject
    door = subject.access_point or subject.bucket
    name = subject.access_point.address if subject.access_point else subject.bucket.name.value
    if door.region == signed:
        return []
    where = request.expectation.declared_at or door.loc
    if door.region is None:
        return [wording.region_unknown(request.label, request.what, signed, name, where)]
    return [wording.region_mismatch(request.label, request.what, signed, name, door.region, where)]
