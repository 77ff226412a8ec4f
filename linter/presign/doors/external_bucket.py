"""A bucket of another account, not defined here: across accounts the signer's own policies must allow (decided
here, without a resource policy) and the bucket's account must grant (unknown here) (IAM User Guide,
reference_policies_evaluation-logic-cross-account)."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.causes import CauseKind
from linter.presign.doors import PermissionCheck, permission
from linter.presign.doors.permission import blocking
from linter.presign.problem import Problem

# Refusals on the signer's own side that the bucket's policy could not lift either: said so in their message.
_OWN_SIDE = frozenset({CauseKind.IDENTITY_MISSING, CauseKind.BOUNDARY_MISSING})


def problems(check: PermissionCheck) -> list[Problem]:
    subject = check.subject
    own_side = permission.problems(check._replace(policy=None))
    if blocking(own_side):
        return [wording.across_accounts(p, subject.bucket) if p.kind in _OWN_SIDE else p for p in own_side]
    where = check.request.expectation.declared_at or subject.signer.loc
    return [*own_side, wording.external_bucket(subject, check.label, check.action, check.resource, where)]
