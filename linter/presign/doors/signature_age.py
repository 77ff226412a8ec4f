"""The signature's age: a URL is opened at any time of its life, and a policy may deny signatures older than some
s3:signatureAge (milliseconds; S3 User Guide, bucket-policy-s3-sigv4-conditions): the oldest it will carry must be
allowed too."""

from __future__ import annotations

from dataclasses import replace

from linter.presign import wording
from linter.presign.doors import PermissionCheck
from linter.presign.problem import Problem
from linter.presign.request import UrlContext
from linter.presign.subject import decide


def problems(check: PermissionCheck, context: UrlContext) -> list[Problem]:
    """Allowed when just signed (`context`): is it still allowed at the end of the URL's life?"""
    subject, action, resource = check.subject, check.action, check.resource
    works_for = check.request.works_for  # the end of the URL's life, in seconds
    end_ms = works_for * 1000

    def allows(age_ms: int) -> bool:
        at_age = replace(context, signature_age_ms=age_ms)
        return decide(subject, action, resource, at_age, check.policy, check.restrict).allowed

    late = decide(subject, action, resource, replace(context, signature_age_ms=end_ms), check.policy, check.restrict)
    if late.allowed:
        return []
    low, high = 0, end_ms  # policies compare s3:signatureAge in milliseconds: find the oldest still allowed
    while high - low > 1:
        middle = (low + high) // 2
        if allows(middle):
            low = middle
        else:
            high = middle
    return [wording.signature_age(subject, check.label, action, late, max(1, low // 1000), works_for)]
