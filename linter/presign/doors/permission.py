"""The object permission: does every policy in play allow the URL's action on the object, from where it is opened
and for its whole life (IAM User Guide, reference_policies_evaluation-logic; S3 User Guide, using-presigned-url)?

The question one permission door asks (the bucket's, the access point's, the bucket behind an access point, a
bucket of another account); doors/objects.py decides which doors an object's request goes through.
"""

from __future__ import annotations

from linter.presign import wording
from linter.presign.causes import CauseKind, denial_kind
from linter.presign.doors import PermissionCheck, signature_age
from linter.presign.doors.networks import networks
from linter.presign.problem import Problem, Status
from linter.presign.subject import decide


def blocking(problems: list[Problem]) -> list[Problem]:
    """The problems that stop the URL (or may): all but the caveats of a working one."""
    return [p for p in problems if p.status is not Status.WORKS]


def problems(check: PermissionCheck) -> list[Problem]:
    """Across the opener's networks and the URL's whole life."""
    subject, action, what = check.subject, check.action, check.label
    outcomes = [
        (network, decide(subject, action, check.resource, network.context, check.policy, check.restrict))
        for network in networks(subject, check.request.expectation, check.policy)
    ]
    refused = [(n, d) for n, d in outcomes if n.declared and not d.allowed]
    if refused:
        network, decision = refused[0]
        opened = wording.opened_from(what, network.label)
        if decision.uncertain:
            return [wording.undecided(subject, decision, action, opened)]
        kind = denial_kind(decision)
        return [
            wording.denial(kind, subject, decision, action, check.resource, opened, check.policy, target=check.target)
        ]
    allowed = [n for n, d in outcomes if d.allowed]
    if not allowed:
        doubtful = [d for _, d in outcomes if d.uncertain]
        if doubtful:
            return [wording.undecided(subject, doubtful[0], action, what)]
        decision = outcomes[-1][1]
        kind = denial_kind(decision)
        if subject.unknown_attachments and kind is CauseKind.IDENTITY_MISSING:
            return [wording.unreadable_policies(subject, action, what)]
        return [
            wording.denial(kind, subject, decision, action, check.resource, what, check.policy, target=check.target)
        ]
    found: list[Problem] = []
    if len(allowed) < len(outcomes):
        denied = next(d for _, d in outcomes if not d.allowed)
        found.append(wording.network_bound(subject, what, action, [n.label for n in allowed], denied))
    return found + signature_age.problems(check, allowed[0].context)
