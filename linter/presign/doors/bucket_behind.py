"""The bucket behind an access point: a request through an access point must be permitted by the bucket too, by its
policy, which names the signer or delegates access control to access points (S3 User Guide, access-points-policies,
"Delegating access control to access points")."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.causes import CauseKind
from linter.presign.doors import PermissionCheck, permission
from linter.presign.doors.permission import blocking
from linter.presign.problem import Problem

# The bucket's own refusals that mean "its policy neither delegates nor grants", as opposed to a Deny, a boundary
# or an SCP, which are told as they are.
_NOT_PERMITTED = frozenset(
    {CauseKind.IDENTITY_MISSING, CauseKind.RESOURCE_POLICY_MISSING, CauseKind.UNREADABLE_POLICIES}
)


def problems(check: PermissionCheck) -> list[Problem]:
    """`check` asks at the bucket, for a URL that goes through the request's access point."""
    subject, action, what = check.subject, check.action, check.label
    bucket, point = subject.bucket, subject.access_point
    assert point is not None
    if not bucket.defined:
        return [wording.bucket_behind_undefined(subject, point, what, action)]
    by_its_policy = subject._replace(identity=[], identity_via={}, unknown_attachments=[])
    if not blocking(permission.problems(check._replace(subject=by_its_policy))):
        return []
    refused = blocking(permission.problems(check))
    if not refused:
        return [wording.bucket_behind_identity_only(subject, point, what, action)]
    if refused[0].kind in _NOT_PERMITTED:
        return [wording.bucket_behind_not_delegating(subject, point, what, action)]
    return refused
