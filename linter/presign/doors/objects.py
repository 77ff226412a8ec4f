"""The object permission for every permission the URL's methods need and every key its pattern stands for: at the
bucket, at a bucket of another account, or at the access point and then at the bucket behind it (S3 User Guide,
access-points-policies)."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.doors import PermissionCheck, UrlRequest, bucket_behind, external_bucket, permission
from linter.presign.doors.permission import blocking
from linter.presign.problem import Problem
from linter.presign.request import Operation, sample_keys
from linter.presign.subject import access_point_restricts


def problems(request: UrlRequest) -> list[Problem]:
    found: list[Problem] = []
    for operation, methods in request.operations.items():
        # GET and HEAD need the same permission: one check, named after both.
        label = wording.with_methods(request.what, methods, operation)
        for key in sample_keys(request.expectation.key):
            for_key = _object_problems(request, operation, key, label)
            found.extend(p for p in for_key if p not in found)
            if blocking(for_key):
                break
    return found


def _object_problems(request: UrlRequest, operation: Operation, key: str, label: str) -> list[Problem]:
    """One permission for one object: at the bucket, or at the access point and then at the bucket behind it."""
    subject = request.subject
    bucket, point = subject.bucket, subject.access_point
    at_bucket = PermissionCheck(request, subject, operation, f"{bucket.arn}/{key}", label, bucket.policy)
    if point is None:
        if not bucket.defined:
            return external_bucket.problems(at_bucket)
        return permission.problems(at_bucket)
    at_point = PermissionCheck(
        request,
        subject,
        operation,
        point.object_arn(key),
        label,
        point.policy,
        restrict=access_point_restricts(subject.inventory, point),
        target=f"${{{point.address}.arn}}/object/{request.expectation.key}",
    )
    through_point = permission.problems(at_point)
    if blocking(through_point):
        return through_point
    return through_point + bucket_behind.problems(at_bucket)
