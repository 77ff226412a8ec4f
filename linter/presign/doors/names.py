"""What the pre-flight cannot match at all: a bucket or access point whose name Terraform cannot resolve, and a
permissions boundary attached by an ARN not defined here.

Policies match requests by ARN (IAM User Guide, reference_policies_elements_resource), so an unknown name decides
nothing; a boundary caps every identity grant (IAM User Guide, access_policies_boundaries), so an unknown one leaves
the signer's side open.
"""

from __future__ import annotations

from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.problem import Problem


def unknown_name(request: UrlRequest) -> list[Problem]:
    """The first of bucket and access point whose name is unknown; when there is one, no other door is opened."""
    subject = request.subject
    for door in (subject.bucket, subject.access_point):
        if door is not None and door.name.is_unknown:
            return [wording.unknown_name(request.label, door.name, door.address, door.loc)]
    return []


def unknown_boundary(request: UrlRequest) -> list[Problem]:
    boundary = request.subject.unknown_boundary
    if boundary is None:
        return []
    return [wording.unknown_boundary(request.label, boundary.ref)]
