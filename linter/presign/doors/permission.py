"""The object permission: does every policy in play allow the URL's action on the object, from where it is opened
and for its whole life (IAM User Guide, reference_policies_evaluation-logic; S3 User Guide, using-presigned-url)?

The question one permission door asks (the bucket's, the access point's, the bucket behind an access point, a
bucket of another account); doors/objects.py decides which doors an object's request goes through.
"""

from __future__ import annotations

from linter.engine.explain import Decision
from linter.presign import wording
from linter.presign.causes import CauseKind, denial_kind
from linter.presign.doors import PermissionCheck, signature_age
from linter.presign.doors.networks import Network, networks
from linter.presign.problem import ConditionMiss, Problem, Status
from linter.presign.subject import decide
from linter.presign.tags import tag_keys
from linter.presign.unmet import unmet_conditions


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
            return [_undecided(check, decision, network, opened)]
        return [_denial(check, decision, network, opened)]
    allowed = [n for n, d in outcomes if d.allowed]
    if not allowed:
        doubtful = [(n, d) for n, d in outcomes if d.uncertain]
        if doubtful:
            return [_undecided(check, doubtful[0][1], doubtful[0][0], what)]
        network, decision = outcomes[-1]
        if subject.unknown_attachments and denial_kind(decision) is CauseKind.IDENTITY_MISSING:
            return [wording.unreadable_policies(subject, action, what)]
        return [_denial(check, decision, network, what)]
    found: list[Problem] = []
    if len(allowed) < len(outcomes):
        denied = next(d for _, d in outcomes if not d.allowed)
        found.append(wording.network_bound(subject, what, action, [n.label for n in allowed], denied))
    return found + signature_age.problems(check, allowed[0].context)


def _denial(check: PermissionCheck, decision: Decision, network: Network, what: str) -> Problem:
    """A certain denial, with the Allows (identity, and the resource policy's naming the signer) that match the
    object but whose condition the request does not meet."""
    subject, action = check.subject, check.action
    kind = denial_kind(decision)
    unmet: tuple[ConditionMiss, ...] = ()
    asked = (subject, action, check.resource, network.context)
    if kind is CauseKind.IDENTITY_MISSING:
        unmet = unmet_conditions(*asked, subject.identity, "identity", check.policy)
    if kind in (CauseKind.IDENTITY_MISSING, CauseKind.RESOURCE_POLICY_MISSING) and check.policy is not None:
        unmet += unmet_conditions(*asked, [check.policy], "resource", check.policy)
    return wording.denial(
        kind, subject, decision, action, check.resource, what, check.policy, target=check.target, unmet=unmet
    )


def _undecided(check: PermissionCheck, decision: Decision, network: Network, what: str) -> Problem:
    """An undecided permission; when tags the configuration cannot know decide it, says which and why."""
    subject, action = check.subject, check.action
    _, unknown = tag_keys(subject.signer, action, subject.policies(check.policy))
    if unknown:
        # The tags decide when the engine would answer for certain were they not in doubt.
        untagged = decide(subject, action, check.resource, network.context, check.policy, check.restrict, tags=False)
        settled = not untagged.uncertain
        return wording.undecided(subject, decision, action, what, tags=tuple(unknown), only_tags=settled)
    return wording.undecided(subject, decision, action, what)
