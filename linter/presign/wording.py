"""What a verdict tells a person: every cause of the pre-flight, in words, with the fix and where to look.

This is the one module that words causes. The doors (linter/presign/doors/) decide, and hand the kind, the action,
the deciding statements and the facts to a function here; nothing downstream reads a message to decide anything.
A denial is worded in parts: the opening that names the signer and the URL (`opening`), and the reason (kept as
`Problem.reason`), so a rule can put its own opening before the same reason (IPS004).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from linter.engine.explain import Decision, MatchedStatement
from linter.engine.matching import arn_matches, compile_any, glob_source
from linter.findings import RelatedLocation
from linter.model import (
    AccessPoint,
    Bucket,
    KmsGrant,
    KmsKey,
    Location,
    Policy,
    PrincipalResource,
    Statement,
    Text,
    VpcEndpoint,
)
from linter.presign.causes import CauseKind, Doubt, GrantDoubt
from linter.presign.levels import PolicyLevel, PolicyType, restricted_by_block_public_access
from linter.presign.lifetime import MAX_EXPIRES, CredentialSource, Lifetime, describe_duration
from linter.presign.problem import Cause, ConditionMiss, Problem, Status
from linter.presign.request import Operation
from linter.presign.resolve import grantable_arn
from linter.presign.subject import Subject
from linter.presign.tags import TagDoubt, UnknownTag


def problem(
    kind: CauseKind,
    status: Status,
    message: str,
    fix: str | None,
    loc: Location | None,
    related: tuple[RelatedLocation, ...] = (),
    *,
    action: str = "",
    resource: str = "",
    statements: tuple[MatchedStatement, ...] = (),
    reason: str = "",
    conditions: tuple[ConditionMiss, ...] = (),
    networks: tuple[str, ...] = (),
) -> Problem:
    cause = Cause(kind, action, resource, statements, conditions, networks)
    return Problem(status, cause, message, fix, loc, related, reason)


def opening(label: str, what: str) -> str:
    """The start of every certain failure: the signer can sign, and what each URL returns."""
    return f"{label} can sign URLs for {what}, but every one returns 403 AccessDenied: "


def _opened(label: str, what: str, reason: str) -> str:
    return f"{opening(label, what)}{reason}"


# --- How messages name what a URL points at ---


def with_methods(what: str, methods: Sequence[str], operation: Operation) -> str:
    """`bucket/key (GET/HEAD)`, `bucket/key (PUT with x-amz-acl: private)`: one permission, named after its methods."""
    return f"{what} ({'/'.join(methods)}{operation.why_suffix})"


def opened_from(what: str, network: str) -> str:
    return f"{what} opened from {network}"


def through(what: str, endpoint: str) -> str:
    return f"{what} through {endpoint}"


def read_as_another(named: str) -> str:
    return f"{named} read as another"


def read_as_own(named: str) -> str:
    return f"{named} read as the configuration's own"


# --- Policies and statements, as a person names them ---


# What holds a resource policy a URL's request meets, by the holder's resource type (`_holder_type`).
_RESOURCE_POLICY_NAMES = {
    "aws_vpc_endpoint": "VPC endpoint policy",  # a URL opened through an endpoint is decided by its policy too
    "aws_vpc_endpoint_policy": "VPC endpoint policy",
    "aws_s3_access_point": "access point policy",
    "aws_s3control_access_point_policy": "access point policy",
    "accesspoint": "access point policy",  # read from AWS: `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME#policy`
}


def _holder_type(policy: str) -> str:
    """The resource type of what holds a policy, from its name: the Terraform address's type
    (`module.edge.aws_vpc_endpoint.s3.policy`: `aws_vpc_endpoint`, whatever the module or resource is called), or an
    ARN's resource type (`...:accesspoint/reports#policy`: `accesspoint`)."""
    if policy.startswith("arn:"):
        return policy.split(":", 5)[-1].split("/", 1)[0]
    return next((part for part in policy.split(".") if part.startswith("aws_")), "")


def policy_type_name(label: str, action: str, policy: str = "") -> str:
    """The engine's policy-type label as a person says it; `policy` is the policy's name (an access point's policy
    is the resource policy of requests through it)."""
    level = PolicyLevel.parse(label)
    if level.type is PolicyType.SCP:
        return "service control policy"
    if level.type is PolicyType.RCP:
        return "resource control policy"
    if level.type is PolicyType.RESOURCE:
        if action.startswith("kms:"):
            return "key policy"
        return _RESOURCE_POLICY_NAMES.get(_holder_type(policy), "bucket policy")
    names = {
        PolicyType.IDENTITY: "identity policy",
        PolicyType.BOUNDARY: "permissions boundary",
        PolicyType.SESSION: "session policy",
    }
    return names.get(level.type, f"{label} policy")


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


def _granted_elsewhere(subject: Subject, action: str, resource: str) -> list[str]:
    """Resources the identity policies allow `action` on, none of which is the requested object (empty when one of
    them is: then a condition, not the resource, kept that Allow from applying)."""
    found = []
    for policy in subject.identity:
        for statement in policy.statements:
            if not statement.is_allow or statement.action is None:
                continue
            patterns = tuple(glob_source(a.value) for a in statement.action if not a.is_unknown)
            if patterns and compile_any(patterns, ignore_case=True).fullmatch(action):
                found += [r.value for r in statement.resource or []]
    if any(arn_matches(pattern, resource) for pattern in found):
        return []
    return list(dict.fromkeys(found))


def _quoted(values: Sequence[str]) -> str:
    return json.dumps(values[0]) if len(values) == 1 else json.dumps(list(values))


def _unmet(miss: ConditionMiss, action: str, signer: PrincipalResource) -> str:
    """`its identity policy P, statement 0 allows s3:GetObject on the object only when aws:PrincipalTag/team
    StringEquals "media", and the request's aws:PrincipalTag/team is "design" (the signer's tag)`."""
    condition = f"{miss.key} {miss.operator} {_quoted(miss.values)}"
    tag = _principal_tag(miss.key)
    value = miss.request_value
    if value is None:
        compared = f"the request has no {miss.key}" + (f" ({signer.address} has no tag {tag})" if tag else "")
    else:
        shown = json.dumps(value) if isinstance(value, str) else json.dumps(list(value))
        compared = f"the request's {miss.key} is {shown}" + (f" ({signer.address}'s tag {tag})" if tag else "")
    label = statement_label(miss.statement, action)
    whose = "its" if PolicyLevel.parse(miss.statement.policy_type).type is PolicyType.IDENTITY else "the"
    on = "the key" if action.lower().startswith("kms:") else "the object"
    return f"{whose} {label} allows {action} on {on} only when {condition}, and {compared}"


def _unmet_fix(miss: ConditionMiss, signer: PrincipalResource) -> str:
    tag = _principal_tag(miss.key)
    if tag and miss.values:
        return f"tag {signer.address} with {tag} = {json.dumps(miss.values[0])}, or change that condition"
    return f"make the request meet that condition ({miss.key} {miss.operator}), or change the condition"


def _principal_tag(key: str) -> str:
    """`team` for `aws:PrincipalTag/team`; empty for any other key."""
    prefix, _, tag = key.partition("/")
    return tag if prefix.lower() == "aws:principaltag" else ""


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


# --- The permission itself (doors/permission.py and the doors built on it) ---


def denial(
    kind: CauseKind,
    subject: Subject,
    decision: Decision,
    action: str,
    resource: str,
    what: str,
    resource_policy: Policy | None = None,
    preface: str = "",
    target: str | None = None,
    told_as: CauseKind | None = None,
    unmet: tuple[ConditionMiss, ...] = (),
) -> Problem:
    """A certain denial of `kind` (causes.denial_kind), naming the cause with its location, and a fix. `preface`
    says why the action is needed at all (the bucket's KMS encryption); `target` names the resource in the fix when
    its ARN is a stand-in (`aws_kms_key.reports.arn`); `told_as` files it under another kind (a KMS denial)."""
    as_kind = told_as or kind
    if kind is CauseKind.EXPLICIT_DENY:
        first = decision.matched[0] if decision.matched else None
        statement = _statement(subject.policies(resource_policy), first) if first else None
        blocker = f"{statement_label(first, action)} ({first.loc.short()})" if first else "a Deny"
        reason = f"{preface}{blocker} explicitly denies {action}"
        return problem(
            as_kind,
            Status.FAILS,
            _opened(subject.label, what, reason),
            _deny_fix(statement, action),
            first.loc if first else subject.signer.loc,
            related(decision.matched, "denies", action),
            action=action,
            resource=resource,
            statements=decision.matched,
            reason=reason,
        )
    if kind is CauseKind.IDENTITY_MISSING:
        scope = target or (resource.rsplit("/", 1)[0] + "/*" if "/" in resource else resource)
        fix = f"allow {action} on {scope}"
        where = subject.identity[0].loc if subject.identity else subject.signer.loc
        elsewhere = _granted_elsewhere(subject, action, resource)
        if unmet:
            cause = "; ".join(_unmet(miss, action, subject.signer) for miss in unmet)
            fix = _unmet_fix(unmet[0], subject.signer)
            where = unmet[0].statement.loc
        elif elsewhere:
            cause = f"its identity policies allow {action} only on {', '.join(elsewhere)}, not on {target or resource}"
        else:
            cause = f"no identity-based policy allows {action} ({_identity_policies(subject)})"
        return problem(
            as_kind,
            Status.FAILS,
            _opened(subject.label, what, preface + cause),
            fix,
            where,
            related(tuple(m.statement for m in unmet[1:]), "has a condition the request does not meet", action),
            action=action,
            resource=resource,
            statements=decision.matched,
            reason=preface + cause,
            conditions=unmet,
        )
    if kind is CauseKind.BOUNDARY_MISSING:
        name = subject.boundary.name if subject.boundary else "its permissions boundary"
        reason = f"{preface}its permissions boundary {name} does not allow {action}"
        return problem(
            as_kind,
            Status.FAILS,
            _opened(subject.label, what, reason),
            f"add {action} to the permissions boundary",
            subject.boundary.loc if subject.boundary else subject.signer.loc,
            action=action,
            resource=resource,
            statements=decision.matched,
            reason=reason,
        )
    if kind in (CauseKind.SCP_MISSING, CauseKind.RCP_MISSING):
        scp = kind is CauseKind.SCP_MISSING
        organization = "service control" if scp else "resource control"
        levels = subject.scps if scp else subject.rcps
        names = ", ".join(p.name for level in levels for p in level if not p.name.startswith("arn:aws:organizations"))
        reason = f"{preface}no {organization} policy allows {action} ({names})"
        return problem(
            as_kind,
            Status.FAILS,
            _opened(subject.label, what, reason),
            f"allow {action} in the {organization} policies that apply to the signer's account",
            levels[0][0].loc if levels and levels[0] else subject.signer.loc,
            action=action,
            resource=resource,
            statements=decision.matched,
            reason=reason,
        )
    policy_kind = policy_type_name("resource", action, resource_policy.name if resource_policy else "")
    grantee = grantable_arn(subject.signer)
    fix = f"allow {action} for {grantee} in that policy"
    if resource_policy is None:
        cause = f"no {policy_kind} allows {action} for {subject.label}, and a request from another account needs one"
        fix = f"add a {policy_kind} that allows {action} for {grantee}"
    elif restricted_by_block_public_access(decision):
        cause = (
            f"the {policy_kind} {resource_policy.name} grants {action} publicly, and Block Public Access "
            "(RestrictPublicBuckets) limits a public policy's grants to the owner's own principals and AWS services"
        )
        fix = "grant the signer by its ARN instead (a policy naming fixed principals is not public)"
    elif unmet:
        cause = "; ".join(_unmet(miss, action, subject.signer) for miss in unmet)
        fix = _unmet_fix(unmet[0], subject.signer)
    else:
        cause = f"the {policy_kind} {resource_policy.name} does not allow {action} on {resource} for {subject.label}"
    considered = tuple(m for m in decision.matched if PolicyLevel.parse(m.policy_type).type is PolicyType.RESOURCE)
    return problem(
        as_kind,
        Status.FAILS,
        _opened(subject.label, what, preface + cause),
        fix,
        resource_policy.loc if resource_policy else subject.signer.loc,
        related(considered, "was not enough", action),
        action=action,
        resource=resource,
        statements=decision.matched,
        reason=preface + cause,
        conditions=unmet,
    )


def _tag_doubt(tag: UnknownTag, signer: PrincipalResource) -> str:
    where = f"a condition on {tag.key} decides, and "
    name = tag.key.partition("/")[2]
    if tag.doubt is TagDoubt.OBJECT_TAGS:
        return f"{where}which objects carry that tag is data in the bucket, not configuration"
    if tag.doubt is TagDoubt.SIGNER_UNDEFINED:
        return f"{where}the tags of {signer.address}, which these inputs do not define, are not known"
    if tag.doubt is TagDoubt.TAGS_UNRESOLVED:
        return f"{where}the tags of {signer.address} are known only after apply"
    if tag.doubt is TagDoubt.VALUE_UNRESOLVED:
        return f"{where}{signer.address}'s tag {name} is set to {tag.expr}, which these inputs do not resolve"
    return (
        f"{where}the trust policy of {signer.address} allows sts:TagSession: a session may carry a session tag "
        f"{name}, which overrides the role's own"
    )


def _tag_fix(tags: Sequence[UnknownTag]) -> str | None:
    doubts = {t.doubt for t in tags}
    if TagDoubt.OBJECT_TAGS in doubts:
        return (
            "make sure the objects the URL names carry that tag (aws s3api get-object-tagging), or grant without the "
            "object-tag condition"
        )
    if TagDoubt.SESSION_TAGS in doubts:
        return (
            "if no caller passes session tags, leave sts:TagSession out of the trust policy; otherwise confirm with "
            "the tags the signing session carries"
        )
    return None


def undecided(
    subject: Subject,
    decision: Decision,
    action: str,
    what: str,
    tags: tuple[UnknownTag, ...] = (),
    only_tags: bool = False,
) -> Problem:
    """The engine cannot decide; `tags`: tag keys of the request the configuration cannot know, `only_tags` when
    they alone leave it undecided (their words then replace the engine's warnings)."""
    told = [_tag_doubt(t, subject.signer) for t in tags]
    if not only_tags:
        told += decision.warnings
    reasons = "; ".join(dict.fromkeys(told)) or "a value could not be resolved"
    return problem(
        CauseKind.UNDECIDED,
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} may {action}: {reasons}",
        _tag_fix(tags) or "pin the unresolved values (tfvars), or confirm with the IAM policy simulator",
        subject.signer.loc,
        related(decision.matched, "decided it", action),
        action=action,
        statements=decision.matched,
    )


def unreadable_policies(subject: Subject, action: str, what: str) -> Problem:
    """Nothing readable allows the action, but policies that cannot be read here might."""
    refs = ", ".join(a.ref.value for a in subject.unknown_attachments)
    return problem(
        CauseKind.UNREADABLE_POLICIES,
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} work: none of the policies defined here allows "
        f"{action}, and it also has policies iam-preflight cannot read ({refs}), which may",
        "define that policy in this configuration (or pin its ARN to one that is), or confirm with the IAM policy "
        "simulator",
        subject.unknown_attachments[0].ref.loc,
        action=action,
    )


def network_bound(subject: Subject, what: str, action: str, works_from: Sequence[str], denied: Decision) -> Problem:
    return problem(
        CauseKind.NETWORK_BOUND,
        Status.WORKS,
        f"{subject.label}: URLs for {what} work only when opened from {', '.join(works_from)}; "
        "elsewhere they return 403 AccessDenied",
        "declare where the URL is opened from (source-ips / vpce), or relax the network condition",
        denied.matched[0].loc if denied.matched else subject.signer.loc,
        related(denied.matched, "restricts the network", action),
        action=action,
        statements=denied.matched,
        networks=tuple(works_from),
    )


def signature_age(subject: Subject, what: str, action: str, late: Decision, cutoff: int, works_for: int) -> Problem:
    limit = describe_duration(cutoff)
    return problem(
        CauseKind.SIGNATURE_AGE,
        Status.UNCERTAIN if late.uncertain else Status.FAILS,
        f"{subject.label}: URLs for {what} stop working after {limit}, before the requested "
        f"{describe_duration(works_for)}: a condition on s3:signatureAge denies older signatures",
        f"shorten the URL to {limit} or relax the s3:signatureAge limit",
        late.matched[0].loc if late.matched else subject.signer.loc,
        related(late.matched, "limits the signature age", action),
        action=action,
        statements=late.matched,
    )


def delegation_fix(bucket: Bucket) -> str:
    return (
        f'delegate access control to access points in the bucket policy of {bucket.name.value} (Allow "*" on '
        f"{bucket.arn} and {bucket.arn}/* when s3:DataAccessPointAccount is the bucket owner's account), or grant "
        "the signer there too"
    )


def bucket_behind_undefined(subject: Subject, point: AccessPoint, what: str, action: str) -> Problem:
    bucket = subject.bucket
    return problem(
        CauseKind.BUCKET_BEHIND_ACCESS_POINT,
        Status.UNCERTAIN,
        f"{subject.label}: URLs for {what} also need bucket {bucket.name.value} to permit {action}, and that "
        "bucket is not defined here",
        delegation_fix(bucket),
        point.bucket.loc,
        action=action,
    )


def bucket_behind_identity_only(subject: Subject, point: AccessPoint, what: str, action: str) -> Problem:
    bucket = subject.bucket
    return problem(
        CauseKind.BUCKET_BEHIND_ACCESS_POINT,
        Status.UNCERTAIN,
        f"{subject.label}: URLs for {what} may return 403 AccessDenied: the bucket must permit requests "
        f"through {point.address} as well, and only the signer's identity policy allows {action} on "
        f"{bucket.arn}; AWS documents that the bucket policy grants or delegates, not whether an identity "
        "grant is enough",
        delegation_fix(bucket),
        bucket.policy.loc if bucket.policy else bucket.loc,
        action=action,
    )


def bucket_behind_not_delegating(subject: Subject, point: AccessPoint, what: str, action: str) -> Problem:
    bucket = subject.bucket
    reason = (
        f"the access point allows {action}, but bucket {bucket.name.value} does not permit it: its policy neither "
        "delegates access control to access points nor grants the signer"
    )
    return problem(
        CauseKind.BUCKET_BEHIND_ACCESS_POINT,
        Status.UNCERTAIN if subject.unknown_attachments else Status.FAILS,
        _opened(subject.label, what, reason),
        delegation_fix(bucket),
        bucket.policy.loc if bucket.policy else bucket.loc,
        (RelatedLocation(message="the access point", loc=point.loc),),
        action=action,
        reason=reason,
    )


def across_accounts(found: Problem, bucket: Bucket) -> Problem:
    """A denial on the signer's own side of a bucket of another account: say the bucket's policy cannot help."""
    across = f"; {bucket.name.value} belongs to account {bucket.account}, so its bucket policy alone cannot grant it"
    return found._replace(message=found.message + across, reason=found.reason + across)


def external_bucket(subject: Subject, what: str, action: str, resource: str, where: Location | None) -> Problem:
    bucket = subject.bucket
    return problem(
        CauseKind.EXTERNAL_BUCKET,
        Status.UNCERTAIN,
        f"{subject.label}: its own policies allow {action} on {resource}, but {bucket.name.value} belongs to "
        f"account {bucket.account} and is not defined here: that account's bucket policy must allow {action} "
        f"for {subject.signer.address} as well (and, for an SSE-KMS bucket, its key policy kms:Decrypt / "
        "kms:GenerateDataKey)",
        f"have the owner of {bucket.name.value} grant {action} on {resource.rsplit('/', 1)[0]}/* to the signer's "
        "ARN in the bucket policy, then confirm with the IAM policy simulator",
        where,
        action=action,
        resource=resource,
    )


# --- The URL's life (doors/lifetime.py) ---


def expiry_limit(label: str, requested: int, where: Location | None) -> Problem:
    return problem(
        CauseKind.EXPIRY_LIMIT,
        Status.FAILS,
        f"{label}: X-Amz-Expires={requested} is more than 7 days (604800 s): S3 answers 400 "
        "AuthorizationQueryParametersError 'X-Amz-Expires must be less than a week'",
        f"sign for {describe_duration(MAX_EXPIRES)} ({MAX_EXPIRES} s) or less",
        where,
    )


LONGEST_ROLE_SESSION = 12 * 3600


def other_account_session(account: str) -> str:
    """Why a role of another account has a credential lifetime not known here (a `Lifetime.explanation`)."""
    return (
        f"the role belongs to account {account}, so its max_session_duration (1h unless raised, up to 12h) is not "
        "known here"
    )


def credential_lifetime(
    label: str, requested: int, lifetime: Lifetime, source: CredentialSource, signer: PrincipalResource
) -> Problem:
    fixes = [f"shorten the URL to {describe_duration(lifetime.seconds)} or less"]
    if source is CredentialSource.ASSUME_ROLE and (signer.max_session_duration or 3600) < LONGEST_ROLE_SESSION:
        fixes.append(
            f"raise max_session_duration to at least {describe_duration(min(requested, LONGEST_ROLE_SESSION))} "
            "(at most 12h) and have the signer ask for sessions that long (DurationSeconds; the default is 1h)"
        )
    if signer.type == "role":
        fixes.append("or sign with an IAM user's access keys (up to 7d)")
    if lifetime.uncertain:
        message = (
            f"{label}: the URL is asked to live {describe_duration(requested)}, but it may die with the signer's "
            f"credentials before that: {lifetime.explanation} (assumed {describe_duration(lifetime.seconds)})"
        )
    else:
        message = (
            f"{label}: the URL is asked to live {describe_duration(requested)}, but it dies with the signer's "
            f"credentials after {describe_duration(lifetime.seconds)}: {lifetime.explanation} (then 400 ExpiredToken)"
        )
    status = Status.UNCERTAIN if lifetime.uncertain else Status.FAILS
    return problem(CauseKind.CREDENTIAL_LIFETIME, status, message, ", ".join(fixes), signer.loc)


def credential_refresh(label: str, source: CredentialSource, requested: int, where: Location) -> Problem:
    return problem(
        CauseKind.CREDENTIAL_REFRESH,
        Status.WORKS,
        f"{label}: its URLs are signed with temporary credentials ({source.value}) and stop working when those "
        f"expire, whatever X-Amz-Expires says; SDKs refresh credentials only minutes before they expire, so a URL "
        f"signed late in their life can die minutes after it is signed, before the requested "
        f"{describe_duration(requested)}",
        f"sign with credentials that have at least {describe_duration(requested)} left (for example a session "
        "assumed just for signing, with DurationSeconds at least the URL's life), or with an IAM user's access keys",
        where,
    )


# --- What cannot be matched (doors/names.py) ---


def unknown_name(label: str, name: Text, address: str, loc: Location) -> Problem:
    return problem(
        CauseKind.UNKNOWN_BUCKET_NAME,
        Status.UNCERTAIN,
        f"{label}: the name of {address} is not known ({name.unresolved})",
        "give the name a value (tfvars) so the policies can be matched",
        loc,
    )


def unknown_boundary(label: str, boundary: Text) -> Problem:
    return problem(
        CauseKind.UNKNOWN_BOUNDARY,
        Status.UNCERTAIN,
        f"{label}: its permissions boundary {boundary.value} is not defined here",
        "define the boundary policy in this configuration, or confirm with the IAM policy simulator",
        boundary.loc,
    )


# --- Before any policy is read (doors/region.py, doors/access_point_network.py) ---


def region_unknown(label: str, what: str, signed: str, door: str, where: Location | None) -> Problem:
    return problem(
        CauseKind.REGION,
        Status.UNCERTAIN,
        f"{label}: URLs for {what} are signed for {signed}, and the region of {door} is not known "
        "here (no provider region in the configuration, or not defined here)",
        'set `region` in the provider "aws" block, or confirm the bucket\'s region',
        where,
    )


def region_mismatch(label: str, what: str, signed: str, door: str, region: str, where: Location | None) -> Problem:
    reason = (
        f"400 AuthorizationQueryParametersError \"the region '{signed}' is wrong; expecting '{region}'\": {door} is "
        f"in {region}"
    )
    return problem(
        CauseKind.REGION,
        Status.FAILS,
        f"{label} can sign URLs for {what}, but every one returns {reason}",
        f"sign with an S3 client for {region}",
        where,
        reason=reason,
    )


_VPC_ONLY_FIX = (
    "open the URL from inside the VPC (through an S3 VPC endpoint), or use an access point open to the Internet"
)


def access_point_refuses_ips(subject: Subject, point: AccessPoint, what: str, ips: Sequence[str]) -> Problem:
    vpc = point.vpc_id.value if point.vpc_id else ""
    return problem(
        CauseKind.ACCESS_POINT_NETWORK,
        Status.FAILS,
        f"{subject.label} can sign URLs for {what}, but opened from {', '.join(ips)} every "
        f"one returns 403 AccessDenied: {point.address} has network origin VPC ({vpc}) and refuses requests "
        "from outside it",
        _VPC_ONLY_FIX,
        point.vpc_id.loc if point.vpc_id else point.loc,
    )


def access_point_refuses_endpoint(subject: Subject, point: AccessPoint, what: str, endpoint: VpcEndpoint) -> Problem:
    vpc = point.vpc_id.value if point.vpc_id else ""
    endpoint_vpc = endpoint.vpc_id.value if endpoint.vpc_id else ""
    return problem(
        CauseKind.ACCESS_POINT_NETWORK,
        Status.FAILS,
        f"{subject.label} can sign URLs for {what}, but opened through {endpoint.address} (in "
        f"{endpoint_vpc}) every one returns 403 AccessDenied: {point.address} has network origin "
        f"VPC ({vpc}) and refuses requests from other VPCs",
        _VPC_ONLY_FIX,
        point.vpc_id.loc if point.vpc_id else point.loc,
    )


def access_point_endpoint_unknown(subject: Subject, point: AccessPoint, what: str, vpce: str) -> Problem:
    vpc = point.vpc_id.value if point.vpc_id else ""
    return problem(
        CauseKind.ACCESS_POINT_NETWORK,
        Status.UNCERTAIN,
        f"{subject.label}: URLs for {what} work only from inside VPC {vpc} ({point.address} has network "
        f"origin VPC); whether VPC endpoint {vpce} is in that VPC cannot be told from here",
        "declare the endpoint of that VPC, or confirm with the IAM policy simulator",
        point.vpc_id.loc if point.vpc_id else point.loc,
    )


def access_point_vpc_only(subject: Subject, point: AccessPoint, what: str) -> Problem:
    vpc = point.vpc_id.value if point.vpc_id else ""
    return problem(
        CauseKind.ACCESS_POINT_NETWORK,
        Status.WORKS,
        f"{subject.label}: URLs for {what} work only when opened from inside VPC {vpc} ({point.address} has "
        "network origin VPC); elsewhere they return 403 AccessDenied",
        "declare where the URL is opened from (vpce), or use an access point with network origin Internet",
        point.vpc_id.loc if point.vpc_id else point.loc,
        networks=(f"inside VPC {vpc}",),
    )


# --- After the object permission (doors/endpoint.py, kms.py, acl.py, object_writer.py, other_account_signer.py) ---


def endpoint_policy(
    subject: Subject,
    what: str,
    endpoint: VpcEndpoint,
    policy: Policy,
    decision: Decision,
    action: str,
    resource: str,
    unmet: tuple[ConditionMiss, ...] = (),
) -> Problem:
    """The endpoint's policy refuses the request; `unmet`: its Allows whose condition the request does not meet."""
    verb = "denies" if decision.decision == "explicitDeny" else "does not allow"
    reason = f"the VPC endpoint policy {policy.name} {verb} {action} on {resource}"
    fix = f"allow {action} on the bucket's objects for the signer in the endpoint policy"
    where = decision.matched[0].loc if decision.matched else policy.loc
    if unmet and decision.decision != "explicitDeny":
        reason = "; ".join(_unmet(miss, action, subject.signer) for miss in unmet)
        fix = _unmet_fix(unmet[0], subject.signer)
        where = unmet[0].statement.loc
    return problem(
        CauseKind.ENDPOINT_POLICY,
        Status.FAILS,
        f"{subject.label} can sign URLs for {what}, but opened through {endpoint.address} every one "
        f"returns 403 AccessDenied: {reason}",
        fix,
        where,
        related(decision.matched, "decided it", action),
        action=action,
        resource=resource,
        statements=decision.matched,
        reason=reason,
        conditions=unmet,
    )


def kms_key_unknown(subject: Subject, key: Text, where: Location) -> Problem:
    return problem(
        CauseKind.UNKNOWN_KMS_KEY,
        Status.UNCERTAIN,
        f"{subject.label}: {subject.bucket.name.value} encrypts with KMS key {key.value}, which "
        "is not defined here; cannot tell whether the signer may use it",
        "check the key policy allows the signer kms:Decrypt (downloads) / kms:GenerateDataKey (uploads)",
        where,
    )


def kms_preface(key: KmsKey) -> str:
    return f"the bucket is SSE-KMS encrypted with {key.address}, and "


def kms_key_policy(
    subject: Subject,
    what: str,
    key: KmsKey,
    key_policy: Policy,
    encryption: Location,
    decision: Decision,
    action: str,
    unmet: tuple[ConditionMiss, ...] = (),
) -> Problem:
    """The key policy neither allows `action` for the signer nor delegates; `unmet`: its Allows naming the signer
    whose condition S3's request on the signer's behalf does not meet (named instead of "nothing allows")."""
    if unmet:
        reason = f"the bucket is SSE-KMS encrypted with {key.address}, and " + "; ".join(
            _unmet(miss, action, subject.signer) for miss in unmet
        )
        fix = _unmet_fix(unmet[0], subject.signer)
        where = unmet[0].statement.loc
    else:
        reason = (
            f"the bucket is SSE-KMS encrypted with {key.address} and nothing in its key policy allows {action} for "
            "the signer (nor delegates to the account's IAM policies)"
        )
        fix = f"allow {action} for the signer in the key policy of {key.address}"
        where = key_policy.loc
    return problem(
        CauseKind.KMS,
        Status.FAILS,
        _opened(subject.label, what, reason),
        fix,
        where,
        (
            RelatedLocation(message="bucket encryption", loc=encryption),
            *related(decision.matched, "was considered", action),
        ),
        action=action,
        resource=key.arn,
        statements=decision.matched,
        reason=reason,
        conditions=unmet,
    )


def _grant_doubt(doubt: GrantDoubt, action: str) -> str:
    match doubt.doubt:
        case Doubt.OPERATIONS_UNRESOLVED:
            return "its operations are unresolved"
        case Doubt.GRANTEE_UNRESOLVED:
            return f"its grantee {doubt.grantee} is unresolved"
        case Doubt.SIGNER_ARN_UNKNOWN:
            return "the signer's ARN is unknown"
        case Doubt.NAMES_THE_ROLE:
            return "it names the role, and whether that covers its sessions is unsettled"
        case Doubt.NAMES_THE_ACCOUNT:
            return "it names the signer's account, whose IAM policies then decide"
        case Doubt.NAMES_THE_SIGNER_BY_ACCOUNT_ID:
            return f"it names the signer with account id {doubt.account}, which may be this configuration's"
        case Doubt.CONSTRAINED:
            return "its encryption-context constraints may not match S3's requests"
        case Doubt.KEY_UNRESOLVED:
            return "the key it is on is unresolved"
        case Doubt.LIMITED_BY:
            names = " and ".join(level.label for level in doubt.levels)
            return f"its {names} does not allow {action}, and whether that limits a grant is unsettled"


def kms_doubtful_grants(
    subject: Subject, key: KmsKey, action: str, what: str, doubtful: Sequence[tuple[KmsGrant, Sequence[GrantDoubt]]]
) -> Problem:
    grant, doubts = doubtful[0]
    why = "; ".join(_grant_doubt(doubt, action) for doubt in doubts)
    return problem(
        CauseKind.KMS,
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} work: no policy of {key.address} allows {action} for "
        f"the signer, but {grant.address} may ({why})",
        f"allow {action} for the signer in its IAM policy or the key policy, so URLs do not depend on {grant.address}",
        grant.loc,
        tuple(RelatedLocation(message="another grant that may apply", loc=g.loc) for g, _ in doubtful[1:]),
        action=action,
        resource=key.arn,
    )


def acl_bucket_unknown(subject: Subject, what: str, acl: str, where: Location) -> Problem:
    return problem(
        CauseKind.ACL,
        Status.UNCERTAIN,
        f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} depend on the Object Ownership and Block "
        f"Public Access settings of {subject.bucket.name.value}, which is not defined here",
        "sign without the x-amz-acl header",
        where,
    )


def acl_not_supported(subject: Subject, what: str, acl: str) -> Problem:
    return problem(
        CauseKind.ACL,
        Status.FAILS,
        f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} fail with 400 "
        "AccessControlListNotSupported: the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled)",
        "sign without the x-amz-acl header, or use bucket-owner-full-control",
        subject.bucket.loc,
    )


def public_acl_blocked(subject: Subject, what: str, acl: str, certain: bool, where: Location) -> Problem:
    return problem(
        CauseKind.PUBLIC_ACL,
        Status.FAILS if certain else Status.UNCERTAIN,
        f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} "
        + (
            "return 403 AccessDenied: Block Public Access (BlockPublicAcls) rejects requests with a public ACL"
            if certain
            else "may be refused: BlockPublicAcls has a value that cannot be resolved"
        ),
        "sign without a public ACL, or turn off BlockPublicAcls for this bucket",
        where,
    )


def object_writer(subject: Subject, what: str, writers: Sequence[str], mode: str | None, where: Location) -> Problem:
    return problem(
        CauseKind.OBJECT_WRITER,
        Status.UNCERTAIN,
        f"{subject.label}: URLs for {what} may return 403 AccessDenied for objects that "
        f"{', '.join(writers)} uploaded without the bucket-owner-full-control ACL: with Object Ownership "
        f"{mode} those objects stay the uploader's, and only their ACL can let the signer read them",
        "set Object Ownership to BucketOwnerEnforced (ACLs off: the bucket owner owns every object)",
        where,
    )


def other_account_signer(subject: Subject, what: str, actions: str) -> Problem:
    account = subject.signer.account
    return problem(
        CauseKind.OTHER_ACCOUNT_SIGNER,
        Status.UNCERTAIN,
        f"{subject.label}: {subject.bucket.name.value} allows {actions} for {what}, but the signer belongs to account "
        f"{account} and is not defined here: its own identity policies (and that account's boundary "
        "and SCPs) must allow it as well",
        f"allow {actions} on {subject.bucket.arn}/* in the signer's identity policy in account "
        f"{account}, then confirm with the IAM policy simulator",
        subject.signer.loc,
    )


# --- Readings of written account ids and regions (preflight.py) ---


def readings_disagree(signer: str, named: str, what: str, how: str, cause: Problem) -> Problem:
    return problem(
        CauseKind.READINGS_DISAGREE,
        Status.UNCERTAIN,
        f"{signer}: the policies name {named}, and whether URLs for {what} work depends on whether that is where "
        f"this configuration deploys. With {how}: {cause.message}",
        'say which account this configuration deploys to (account = "..." in [tool.iam-preflight], or --account) '
        'and set `region` in its provider "aws" block',
        cause.loc,
        cause.related,
    )
