"""What a verdict tells a person: the problem, in terms of the policy that causes it, and the fix.

Each denial names the missing permission or the blocking statement with its location, and what to change.
"""

from __future__ import annotations

from collections.abc import Iterable

from linter.engine.explain import Decision, MatchedStatement
from linter.engine.matching import compile_any, glob_source
from linter.findings import RelatedLocation
from linter.model import Policy, Statement
from linter.presign.problem import Problem, Status
from linter.presign.resolve import grantable_arn
from linter.presign.subject import Subject


def policy_type_name(label: str, action: str, policy: str = "") -> str:
    """The engine's policy-type label as a person says it; `policy` is the policy's name (an access point's policy
    is the resource policy of requests through it)."""
    if label.startswith("scp"):
        return "service control policy"
    if label.startswith("rcp"):
        return "resource control policy"
    if label == "resource":
        if action.startswith("kms:"):
            return "key policy"
        return "access point policy" if "access_point" in policy else "bucket policy"
    return {"identity": "identity policy", "boundary": "permissions boundary", "session": "session policy"}.get(
        label, f"{label} policy"
    )


def sid(value: str | None) -> str:
    return f" ({value!r})" if value else ""


def statement_label(matched: MatchedStatement, action: str) -> str:
    return (
        f"{policy_type_name(matched.policy_type, action, matched.policy)} {matched.policy}, statement {matched.index}"
        f"{sid(matched.sid)}"
    )


def related(matched: Iterable[MatchedStatement], verb: str, action: str) -> tuple[RelatedLocation, ...]:
    return tuple(RelatedLocation(message=f"{statement_label(m, action)} {verb}", loc=m.loc) for m in matched)


def _statement(policies: Iterable[Policy], matched: MatchedStatement) -> Statement | None:
    for policy in policies:
        if policy.name == matched.policy and matched.index < len(policy.statements):
            return policy.statements[matched.index]
    return None


# What to do about a Deny, by the condition key that made it apply to the pre-signed request.
_DENY_FIXES = {
    "s3:authtype": "this Deny refuses pre-signed (query-string) requests: exempt the signer or share another way",
    "s3:signatureversion": "pre-signed SigV4 URLs carry s3:signatureversion AWS4-HMAC-SHA256: make the condition "
    "admit that value",
    "s3:signatureage": "shorten the URL or relax the s3:signatureAge limit",
    "s3:x-amz-server-side-encryption": "sign the URL with the x-amz-server-side-encryption header the policy demands "
    "(presign --sse, or sse = in the declaration), and send that header",
    "s3:x-amz-acl": "sign the URL with the x-amz-acl the policy demands, or without one",
    # URLs are https:// (UrlContext.secure): a Deny keyed on the transport that applies denies https requests.
    "aws:securetransport": "this Deny applies to https:// requests, which pre-signed URLs are: a TLS-only policy "
    'denies when aws:SecureTransport is "false"',
    "aws:sourceip": "open the URL from a network the condition admits, or relax it",
    "aws:sourcevpce": "open the URL through the VPC endpoint the condition names",
    "aws:sourcevpc": "open the URL through a VPC endpoint of the VPC the condition names",
}


def _deny_fix(statement: Statement | None, action: str) -> str:
    if statement is not None and not statement.conditions:
        return f"remove {action} (or the signer) from that Deny: it has no condition the request could avoid"
    for condition in statement.conditions if statement else []:
        fix = _DENY_FIXES.get(condition.key.value.lower())
        if fix:
            return fix
    return "change that statement's condition so the pre-signed request passes, or exempt the signer"


def _granted_elsewhere(subject: Subject, action: str) -> list[str]:
    """Resources the identity policies allow `action` on, when none of them is the requested object."""
    found = []
    for policy in subject.identity:
        for statement in policy.statements:
            if not statement.is_allow or statement.action is None:
                continue
            patterns = tuple(glob_source(a.value) for a in statement.action if not a.is_unknown)
            if patterns and compile_any(patterns, ignore_case=True).fullmatch(action):
                found += [r.value for r in statement.resource or []]
    return list(dict.fromkeys(found))


def _identity_policies(subject: Subject) -> str:
    """`its policy X at main.tf:21 allows only s3:ListAllMyBuckets, s3:ListBucket`: what the signer does have."""
    if not subject.identity:
        return "it has no identity policy at all"
    listed = ", ".join(
        f"{p.name} at {p.loc.short()}"
        + (f" (via {via})" if (via := subject.identity_via.get(p.name, "inline")) != "inline" else "")
        for p in subject.identity
    )
    allows = sorted(
        {a.value for p in subject.identity for s in p.statements if s.is_allow for a in (s.action or [])},
        key=str.lower,
    )
    grants = f"allow{'s' if len(subject.identity) == 1 else ''} only {', '.join(allows)}" if allows else "allow nothing"
    return f"its {'policy' if len(subject.identity) == 1 else 'policies'} {listed} {grants}"


def explain_denial(
    subject: Subject,
    decision: Decision,
    action: str,
    resource: str,
    what: str,
    resource_policy: Policy | None = None,
    preface: str = "",
    target: str | None = None,
) -> Problem:
    """Turn a certain denial into a message that names the cause with its location, and a fix. `preface` says why
    the action is needed at all (the bucket's KMS encryption); `target` names the resource in the fix when its ARN
    is a stand-in (`aws_kms_key.reports.arn`)."""
    opening = f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: {preface}"
    if decision.decision == "explicitDeny":
        first = decision.matched[0] if decision.matched else None
        statement = _statement(subject.policies(resource_policy), first) if first else None
        blocker = f"{statement_label(first, action)} ({first.loc.short()})" if first else "a Deny"
        return Problem(
            Status.FAILS,
            f"{opening}{blocker} explicitly denies {action}",
            _deny_fix(statement, action),
            first.loc if first else subject.signer.loc,
            related(decision.matched, "denies", action),
            subject=f"deny:{action}",
        )
    failed = decision.failed_to_allow
    if "identity" in failed or not failed:
        elsewhere = _granted_elsewhere(subject, action)
        scope = target or (resource.rsplit("/", 1)[0] + "/*" if "/" in resource else resource)
        if elsewhere:
            cause = f"its identity policies allow {action} only on {', '.join(elsewhere)}, not on {target or resource}"
        else:
            cause = f"no identity-based policy allows {action} ({_identity_policies(subject)})"
        return Problem(
            Status.FAILS,
            f"{opening}{cause}",
            f"allow {action} on {scope}",
            subject.identity[0].loc if subject.identity else subject.signer.loc,
            subject=f"identity:{action}",
        )
    if "boundary" in failed:
        name = subject.boundary.name if subject.boundary else "its permissions boundary"
        return Problem(
            Status.FAILS,
            f"{opening}its permissions boundary {name} does not allow {action}",
            f"add {action} to the permissions boundary",
            subject.boundary.loc if subject.boundary else subject.signer.loc,
            subject=f"boundary:{action}",
        )
    if any(label.startswith(("scp", "rcp")) for label in failed):
        kind = "service control" if any(label.startswith("scp") for label in failed) else "resource control"
        levels = subject.scps if kind == "service control" else subject.rcps
        names = ", ".join(p.name for level in levels for p in level if not p.name.startswith("arn:aws:organizations"))
        return Problem(
            Status.FAILS,
            f"{opening}no {kind} policy allows {action} ({names})",
            f"allow {action} in the {kind} policies that apply to the signer's account",
            levels[0][0].loc if levels and levels[0] else subject.signer.loc,
            subject=f"{'scp' if kind == 'service control' else 'rcp'}:{action}",
        )
    kind = policy_type_name("resource", action, resource_policy.name if resource_policy else "")
    grantee = grantable_arn(subject.signer)
    fix = f"allow {action} for {grantee} in that policy"
    if resource_policy is None:
        cause = f"no {kind} allows {action} for {subject.label}, and a request from another account needs one"
        fix = f"add a {kind} that allows {action} for {grantee}"
    elif any(note.startswith("RestrictPublicBuckets") for note in decision.notes):
        cause = (
            f"the {kind} {resource_policy.name} grants {action} publicly, and Block Public Access "
            "(RestrictPublicBuckets) limits a public policy's grants to the owner's own principals and AWS services"
        )
        fix = "grant the signer by its ARN instead (a policy naming fixed principals is not public)"
    else:
        cause = f"the {kind} {resource_policy.name} does not allow {action} on {resource} for {subject.label}"
    return Problem(
        Status.FAILS,
        f"{opening}{cause}",
        fix,
        resource_policy.loc if resource_policy else subject.signer.loc,
        related((m for m in decision.matched if m.policy_type == "resource"), "was not enough", action),
        subject=f"resource:{action}",
    )


def uncertain(subject: Subject, decision: Decision, action: str, what: str) -> Problem:
    reasons = "; ".join(decision.warnings) or "a value could not be resolved"
    return Problem(
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} may {action}: {reasons}",
        "pin the unresolved values (tfvars), or confirm with the IAM policy simulator",
        subject.signer.loc,
        related(decision.matched, "decided it", action),
        subject=f"uncertain:{action}",
    )


def unreadable_policies(subject: Subject, action: str, what: str) -> Problem:
    """Nothing readable allows the action, but policies that cannot be read here might."""
    refs = ", ".join(a.ref.value for a in subject.unknown_attachments)
    return Problem(
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} work: none of the policies defined here allows "
        f"{action}, and it also has policies iam-preflight cannot read ({refs}), which may",
        "define that policy in this configuration (or pin its ARN to one that is), or confirm with the IAM policy "
        "simulator",
        subject.unknown_attachments[0].ref.loc,
        subject=f"unreadable:{action}",
    )
