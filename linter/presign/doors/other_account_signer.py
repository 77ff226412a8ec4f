"""A signer of another account, named by ARN: the resource side (bucket, access point, key policies) is decided
here, with the signer's own side taken as allowing; its identity policies, boundary and SCPs live in its own
account and must allow too (IAM User Guide, reference_policies_evaluation-logic-cross-account)."""

from __future__ import annotations

from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.problem import Problem


def problems(request: UrlRequest) -> list[Problem]:
    """Asked only when the URL does not already fail on this account's side."""
    if request.subject.signer.defined:
        return []
    actions = ", ".join(dict.fromkeys(operation.action for operation in request.operations))
    return [wording.other_account_signer(request.subject, request.what, actions)]
