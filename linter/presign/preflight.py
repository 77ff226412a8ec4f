"""Decide, before deployment, whether a pre-signed URL will work for its whole requested life.

Every verdict goes through the engine: the signer's identity policies (inline, attached, group), boundary, SCPs,
the bucket policy with Block Public Access, the KMS key policy for SSE-KMS buckets, and the pre-signed request's
own context (s3:authType, s3:signatureAge over the whole life, aws:SecureTransport, the opener's network). What the
engine cannot decide is reported as "uncertain"; a URL is only said to work when it certainly does.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from importlib import resources

from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.explain import Decision, MatchedStatement
from linter.findings import RelatedLocation
from linter.model import (
    THIS_ACCOUNT,
    AttachedPolicy,
    Bucket,
    Inventory,
    KmsKey,
    Location,
    Policy,
    PolicyKind,
    PrincipalResource,
)
from linter.presign.lifetime import CredentialSource, Lifetime, credential_lifetime, describe_duration
from linter.presign.request import (
    OWNER_FULL_CONTROL,
    Expectation,
    Operation,
    UrlContext,
    expires_problem,
    is_network_key,
    kms_action,
    operations,
    sample_keys,
)
from linter.presign.resolve import default_key_policy, find_key, principal_arn
from linter.sources.jsonpos import parse
from linter.sources.policy_document import build_policy, file_locator

# Where the URL is opened from when nobody said: an address in no one's allow-list (RFC 5737 TEST-NET-1).
ELSEWHERE_IP = "192.0.2.1"
# Requests are decided at a fixed instant so verdicts do not change with the clock.
DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Status(StrEnum):
    WORKS = "works"
    FAILS = "fails"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class Problem:
    """One reason a URL fails (or may fail, or works only partly), with what to do about it."""

    status: Status  # FAILS, UNCERTAIN, or WORKS for a caveat on a URL that does work
    message: str
    fix: str | None = None
    loc: Location | None = None
    related: tuple[RelatedLocation, ...] = ()
    subject: str = ""


@dataclass
class Verdict:
    expectation: Expectation
    signer: PrincipalResource
    bucket: Bucket
    lifetime: int  # seconds the URL actually works, at most the requested expiry
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> Status:
        statuses = {p.status for p in self.problems}
        if Status.FAILS in statuses:
            return Status.FAILS
        if Status.UNCERTAIN in statuses:
            return Status.UNCERTAIN
        return Status.WORKS

    @property
    def object_label(self) -> str:
        return f"{self.bucket.name.value}/{self.expectation.key}"


FULL_AWS_ACCESS = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
RCP_FULL_AWS_ACCESS = "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess"


def _managed_kind(arn: str) -> PolicyKind:
    if "/service_control_policy/" in arn:
        return PolicyKind.SCP
    if "/resource_control_policy/" in arn:
        return PolicyKind.RCP
    return PolicyKind.IDENTITY


@cache
def _managed_policies() -> dict[str, Policy]:
    text = resources.files("linter.data").joinpath("aws-managed-policies.json").read_text()
    documents = json.loads(text)["policies"]
    return {
        arn: build_policy(parse(json.dumps(doc)), arn, file_locator(arn), _managed_kind(arn))
        for arn, doc in documents.items()
    }


def _organization_level(policies: list[Policy], full_access: str, always: bool) -> list[list[Policy]]:
    """The SCPs (RCPs) defined here as one level. AWS attaches FullAWSAccess by default and a deny-list strategy
    keeps it; an allow-list strategy replaces it with Allow statements of its own, so it is assumed only when the
    policies here allow nothing. RCPFullAWSAccess cannot be detached: it is always there."""
    if not policies:
        return []
    if always or not any(s.is_allow for p in policies for s in p.statements):
        policies = [*policies, _managed_policies()[full_access]]
    return [policies]


def _known(attached: AttachedPolicy) -> Policy | None:
    return attached.policy or _managed_policies().get(attached.ref.value)


def _credential_source(signer: PrincipalResource, expectation: Expectation) -> CredentialSource:
    if expectation.credentials:
        return CredentialSource(expectation.credentials)
    if signer.type == "user":
        return CredentialSource.USER_KEYS
    services = {
        ref.value.value
        for statement in (signer.trust.statements if signer.trust else [])
        if statement.principal is not None
        for ref in statement.principal.refs
        if ref.type == "Service"
    }
    if "lambda.amazonaws.com" in services:
        return CredentialSource.LAMBDA
    if "ec2.amazonaws.com" in services:
        return CredentialSource.INSTANCE_PROFILE
    return CredentialSource.ASSUME_ROLE


def _lifetime_problems(signer: PrincipalResource, expectation: Expectation, label: str) -> tuple[int, list[Problem]]:
    requested = expectation.expires
    problems: list[Problem] = []
    too_long = expires_problem(requested)
    if too_long:
        problems.append(
            Problem(
                Status.FAILS, f"{label}: {too_long}", "sign with --expires 7d or less", signer.loc, subject="expires"
            )
        )
    source = _credential_source(signer, expectation)
    lifetime: Lifetime = credential_lifetime(source, signer.max_session_duration)
    works_for = min(requested, lifetime.seconds)
    # IAM user keys do not expire: their only limit is the 7-day cap on X-Amz-Expires, reported above.
    if requested > lifetime.seconds and source is not CredentialSource.USER_KEYS:
        status = Status.UNCERTAIN if lifetime.uncertain else Status.FAILS
        fix = (
            f"shorten the URL to {describe_duration(lifetime.seconds)} or less"
            + (", or raise max_session_duration (at most 12h)" if source is CredentialSource.ASSUME_ROLE else "")
            + (", or sign with an IAM user's access keys (up to 7d)" if signer.type == "role" else "")
        )
        problems.append(
            Problem(
                status,
                f"{label}: the URL is asked to live {describe_duration(requested)}, but it dies with the signer's "
                f"credentials after {describe_duration(lifetime.seconds)}: {lifetime.explanation}"
                + ("" if lifetime.uncertain else " (then 400 ExpiredToken)"),
                fix,
                signer.loc,
                subject="credential-lifetime",
            )
        )
    return works_for, problems


def _statement_related(matched: Iterable[MatchedStatement], verb: str) -> tuple[RelatedLocation, ...]:
    return tuple(
        RelatedLocation(
            message=f"{m.policy_type} policy {m.policy}, statement {m.index}{_sid(m.sid)} {verb}", loc=m.loc
        )
        for m in matched
    )


def _sid(sid: str | None) -> str:
    return f" ({sid!r})" if sid else ""


def _allowed_actions(policies: Sequence[Policy]) -> list[str]:
    return sorted(
        {a.value for p in policies for s in p.statements if s.is_allow for a in (s.action or [])},
        key=str.lower,
    )


@dataclass
class Subject:
    """The signer and the bucket with everything the engine needs about them."""

    signer: PrincipalResource
    bucket: Bucket
    inventory: Inventory
    caller: str
    identity: list[Policy]
    unknown_attachments: list[AttachedPolicy]
    boundary: Policy | None
    unknown_boundary: AttachedPolicy | None
    # Attachment targets are not resolved to the account's place in the organization: every SCP (RCP) defined here
    # is read as attached at one level above the account (see _organization_level).
    scps: list[list[Policy]]
    rcps: list[list[Policy]]
    label: str

    def policy_set(self, resource: Policy | None, restrict_public: bool) -> PolicySet:
        return PolicySet(
            identity=self.identity,
            resource=resource,
            boundary=self.boundary,
            scps=self.scps,
            rcps=self.rcps,
            restrict_public_buckets=restrict_public,
        )


def subject_for(inventory: Inventory, signer: PrincipalResource, bucket: Bucket) -> Subject:
    identity: list[Policy] = []
    unknown: list[AttachedPolicy] = []
    for attached in signer.policies:
        policy = _known(attached)
        if policy is None:
            unknown.append(attached)
        else:
            identity.append(policy)
    boundary = _known(signer.boundary) if signer.boundary else None
    scps = [op.policy for op in inventory.organization_policies if op.policy.kind is PolicyKind.SCP]
    rcps = [op.policy for op in inventory.organization_policies if op.policy.kind is PolicyKind.RCP]
    return Subject(
        signer=signer,
        bucket=bucket,
        inventory=inventory,
        caller=principal_arn(signer),
        identity=identity,
        unknown_attachments=unknown,
        boundary=boundary,
        unknown_boundary=signer.boundary if signer.boundary and boundary is None else None,
        scps=_organization_level(scps, FULL_AWS_ACCESS, always=False),
        rcps=_organization_level(rcps, RCP_FULL_AWS_ACCESS, always=True),
        label=signer.address,
    )


def _restrict_public(inventory: Inventory, bucket: Bucket) -> bool:
    blocks = [bucket.public_access_block, inventory.account_public_access_block]
    return any(block is not None and block.restrict_public_buckets for block in blocks)


def decide(
    subject: Subject, action: str, resource: str, context: UrlContext, resource_policy: Policy | None
) -> Decision:
    restrict = _restrict_public(subject.inventory, subject.bucket)
    request = Request(
        principal=subject.caller, action=action, resource=resource, resource_owner=THIS_ACCOUNT, context=context.keys()
    )
    return evaluate(request, subject.policy_set(resource_policy, restrict), now=DEFAULT_NOW)


def _network_candidates(policies: Iterable[Policy | None]) -> tuple[dict[str, str], list[str]]:
    """An IP inside every CIDR (by the CIDR as written) and the VPC endpoints that policies name in conditions."""
    ips: dict[str, str] = {}
    endpoints: list[str] = []
    for policy in policies:
        for statement in policy.statements if policy else []:
            for condition in statement.conditions:
                if not is_network_key(condition.key.value):
                    continue
                for value in condition.values:
                    if value.is_unknown:
                        continue
                    if condition.key.value.lower() == "aws:sourceip":
                        try:
                            network = ipaddress.ip_network(value.value, strict=False)
                        except ValueError:
                            continue
                        ips.setdefault(value.value, str(next(iter(network.hosts()), network.network_address)))
                    elif condition.key.value.lower() == "aws:sourcevpce":
                        endpoints.append(value.value)
    return ips, list(dict.fromkeys(endpoints))


# What to do about a Deny, by the condition key that made it apply to the pre-signed request.
_DENY_FIXES = {
    "s3:authtype": "this statement refuses pre-signed (query-string) requests; exempt the signer or share another way",
    "s3:signatureversion": "sign with Signature Version 4 (AWS4-HMAC-SHA256), or relax the condition",
    "s3:x-amz-server-side-encryption": "sign the URL with the x-amz-server-side-encryption header the policy demands "
    "(presign --sse, or sse = in the declaration), and send that header",
    "s3:x-amz-acl": "sign the URL with the x-amz-acl the policy demands, or without one",
    "aws:securetransport": "hand out https:// URLs",
    "aws:sourceip": "open the URL from a network the condition admits, or relax it",
    "aws:sourcevpce": "open the URL through the VPC endpoint the condition names",
    "aws:sourcevpc": "open the URL through a VPC endpoint of the VPC the condition names",
}


def _deny_fix(subject: Subject, matched: MatchedStatement | None, resource_policy: Policy | None) -> str:
    policies = [*subject.identity, subject.boundary, resource_policy, *(p for level in subject.scps for p in level)]
    for policy in policies:
        if matched is None or policy is None or policy.name != matched.policy:
            continue
        statement = policy.statements[matched.index] if matched.index < len(policy.statements) else None
        for condition in statement.conditions if statement else []:
            fix = _DENY_FIXES.get(condition.key.value.lower())
            if fix:
                return fix
    return "change that statement's condition so the pre-signed request passes, or exempt the signer"


def explain_denial(
    subject: Subject, decision: Decision, action: str, resource: str, what: str, resource_policy: Policy | None = None
) -> Problem:
    """Turn a denial into a message that names the missing permission or the blocking statement, and a fix."""
    bucket_name = subject.bucket.name.value
    if decision.decision == "explicitDeny":
        first = decision.matched[0] if decision.matched else None
        where = f" ({first.loc.short()})" if first else ""
        blocker = (
            f"{first.policy_type} policy {first.policy}, statement {first.index}{_sid(first.sid)}"
            if first
            else "a Deny"
        )
        return Problem(
            Status.FAILS,
            f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: {blocker}{where} "
            f"explicitly denies {action}",
            _deny_fix(subject, first, resource_policy),
            first.loc if first else subject.signer.loc,
            _statement_related(decision.matched, "denies"),
            subject=f"deny:{action}",
        )
    failed = decision.failed_to_allow
    if "identity" in failed or not failed:
        allows = _allowed_actions(subject.identity)
        policies = ", ".join(f"{p.name} at {p.loc.short()}" for p in subject.identity) or "no identity policy at all"
        only = f"allow only {', '.join(allows)}" if allows else "allow nothing"
        return Problem(
            Status.FAILS,
            f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: no identity-based "
            f"policy allows {action} (its policies — {policies} — {only})",
            f"allow {action} on {resource.rsplit('/', 1)[0]}/*" if "/" in resource else f"allow {action} on {resource}",
            subject.identity[0].loc if subject.identity else subject.signer.loc,
            subject=f"identity:{action}",
        )
    if "boundary" in failed:
        loc = subject.boundary.loc if subject.boundary else subject.signer.loc
        return Problem(
            Status.FAILS,
            f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: its permissions "
            f"boundary {subject.boundary.name if subject.boundary else ''} does not allow {action}",
            f"add {action} to the permissions boundary",
            loc,
            subject=f"boundary:{action}",
        )
    scp_levels = [label for label in failed if label.startswith("scp")]
    if scp_levels:
        first_scp = subject.scps[0][0] if subject.scps and subject.scps[0] else None
        return Problem(
            Status.FAILS,
            f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: no service control "
            f"policy allows {action}",
            f"allow {action} in the SCPs that apply to the signer's account",
            first_scp.loc if first_scp else subject.signer.loc,
            subject=f"scp:{action}",
        )
    return Problem(
        Status.FAILS,
        f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: "
        f"the resource policy for {resource} does not allow {action} for {subject.caller}"
        + (f" (bucket {bucket_name})" if action.startswith("s3:") else ""),
        f"allow {action} for {subject.caller} in that resource policy",
        subject.signer.loc,
        subject=f"resource:{action}",
    )


def _uncertain(subject: Subject, decision: Decision, action: str, what: str) -> Problem:
    reasons = "; ".join(decision.warnings) or "a value could not be resolved"
    return Problem(
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} may {action}: {reasons}",
        "pin the unresolved values (tfvars), or confirm with --simulate",
        subject.signer.loc,
        _statement_related(decision.matched, "decided it"),
        subject=f"uncertain:{action}",
    )


def _check_operation(
    subject: Subject,
    operation: Operation,
    resource: str,
    what: str,
    expectation: Expectation,
    resource_policy: Policy | None,
    works_for: int,
) -> list[Problem]:
    """One permission for one object, across the opener's network and the URL's whole life."""
    contexts = _contexts(subject, expectation, resource_policy)
    outcomes = [
        (label, context, decide(subject, operation.action, resource, context, resource_policy))
        for label, context in contexts
    ]
    allowed = [(label, context) for label, context, decision in outcomes if decision.allowed]
    if not allowed:
        decision = outcomes[-1][2]
        if any(d.uncertain for _, _, d in outcomes):
            return [_uncertain(subject, next(d for _, _, d in outcomes if d.uncertain), operation.action, what)]
        problem = explain_denial(subject, decision, operation.action, resource, what, resource_policy)
        if subject.unknown_attachments and problem.subject.startswith("identity"):
            refs = ", ".join(a.ref.value for a in subject.unknown_attachments)
            return [
                Problem(
                    Status.UNCERTAIN,
                    f"{problem.message}; but it also has policies iam-preflight cannot read ({refs}), "
                    "which may allow it",
                    problem.fix,
                    problem.loc,
                    problem.related,
                    problem.subject,
                )
            ]
        return [problem]
    problems: list[Problem] = []
    if len(allowed) < len(outcomes):
        works_from = ", ".join(label for label, _ in allowed)
        denied = next(d for _, _, d in outcomes if not d.allowed)
        problems.append(
            Problem(
                Status.WORKS,
                f"{subject.label}: URLs for {what} work only when opened from {works_from}; elsewhere they return "
                "403 AccessDenied",
                "declare where the URL is opened from (source-ips / vpce), or relax the network condition",
                denied.matched[0].loc if denied.matched else subject.signer.loc,
                _statement_related(denied.matched, "restricts the network"),
                subject=f"network:{operation.action}",
            )
        )
    _label, context = allowed[0]
    end = replace(context, signature_age_ms=works_for * 1000)
    late = decide(subject, operation.action, resource, end, resource_policy)
    if not late.allowed:
        cutoff = _last_working_age(subject, operation.action, resource, context, resource_policy, works_for * 1000)
        problems.append(
            Problem(
                Status.UNCERTAIN if late.uncertain else Status.FAILS,
                f"{subject.label}: URLs for {what} stop working after {describe_duration(max(1, cutoff // 1000))}, "
                f"before the requested {describe_duration(works_for)}: a condition on s3:signatureAge denies older "
                "signatures",
                f"shorten the URL to {describe_duration(max(1, cutoff // 1000))} or relax the s3:signatureAge limit",
                late.matched[0].loc if late.matched else subject.signer.loc,
                _statement_related(late.matched, "limits the signature age"),
                subject=f"signature-age:{operation.action}",
            )
        )
    return problems


def _last_working_age(
    subject: Subject, action: str, resource: str, context: UrlContext, policy: Policy | None, end_ms: int
) -> int:
    """Binary search for the oldest signature still allowed (policies compare s3:signatureAge in milliseconds)."""
    low, high = 0, end_ms
    while high - low > 1:
        middle = (low + high) // 2
        probe = replace(context, signature_age_ms=middle)
        if decide(subject, action, resource, probe, policy).allowed:
            low = middle
        else:
            high = middle
    return low


def _contexts(subject: Subject, expectation: Expectation, policy: Policy | None) -> list[tuple[str, UrlContext]]:
    """Where the URL is opened from: as declared, or every network the policies name plus somewhere else."""
    signed = UrlContext(acl=expectation.acl, sse=expectation.sse)  # the headers the URL was signed with
    if expectation.vpce:
        return [(f"VPC endpoint {expectation.vpce}", replace(signed, vpce=expectation.vpce))]
    if expectation.source_ips:
        return [(ip, replace(signed, source_ip=ip)) for ip in expectation.source_ips]
    ips, endpoints = _network_candidates([*subject.identity, subject.boundary, policy])
    elsewhere = replace(signed, source_ip=ELSEWHERE_IP)
    if not ips and not endpoints:
        return [("anywhere", elsewhere)]
    candidates = [(cidr, replace(signed, source_ip=ip)) for cidr, ip in ips.items()]
    candidates += [(f"VPC endpoint {e}", replace(signed, vpce=e)) for e in endpoints]
    return [*candidates, ("elsewhere", elsewhere)]


def _kms_problems(subject: Subject, expectation: Expectation, what: str, resource: str) -> list[Problem]:
    encryption = subject.bucket.encryption
    if encryption is None or not encryption.algorithm.startswith("aws:kms"):
        return []
    if encryption.kms_key is None:
        return []  # the AWS-managed aws/s3 key: usable by every principal of the account that S3 authorizes
    key: KmsKey | None = find_key(subject.inventory, encryption.kms_key)
    if key is None:
        return [
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: {subject.bucket.name.value} encrypts with KMS key {encryption.kms_key.value}, which "
                "is not defined here; cannot tell whether the signer may use it",
                "check the key policy allows the signer kms:Decrypt (downloads) / kms:GenerateDataKey (uploads)",
                encryption.loc,
                subject="kms-key-unknown",
            )
        ]
    key_policy = key.policy or default_key_policy(key)
    problems = []
    for method in dict.fromkeys(m.upper() for m in expectation.methods):
        action = kms_action(method)
        context = UrlContext(
            network_known=True,
            extra={
                "kms:ViaService": f"s3.{key.region or 'us-east-1'}.amazonaws.com",
                "kms:CallerAccount": THIS_ACCOUNT,
            },
        )
        decision = decide(subject, action, key.arn, context, key_policy)
        if decision.allowed:
            continue
        if decision.uncertain:
            problems.append(_uncertain(subject, decision, action, what))
            continue
        in_key_policy = "resource" in decision.failed_to_allow
        where = f"nothing in the key policy of {key.address}" if in_key_policy else "no identity-based policy"
        problems.append(
            Problem(
                Status.FAILS,
                f"{subject.label} can sign {method} URLs for {what}, but every one returns 403 AccessDenied: "
                f"the bucket is SSE-KMS encrypted with {key.address} and {where} allows {action}"
                + ("" if in_key_policy else " on that key"),
                f"allow {action} on {key.address}'s ARN for the signer"
                + (" in the key policy" if in_key_policy else " (the key policy delegates to IAM)"),
                key.loc if in_key_policy else (subject.identity[0].loc if subject.identity else subject.signer.loc),
                (
                    RelatedLocation(message="bucket encryption", loc=encryption.loc),
                    *_statement_related(decision.matched, "was considered"),
                ),
                subject=f"kms:{action}",
            )
        )
    return problems


def _put_acl_problems(subject: Subject, expectation: Expectation, what: str) -> list[Problem]:
    acl = expectation.acl
    if acl is None or "PUT" not in (m.upper() for m in expectation.methods):
        return []
    ownership = subject.bucket.object_ownership or "BucketOwnerEnforced"
    if ownership == "BucketOwnerEnforced" and acl != OWNER_FULL_CONTROL:
        return [
            Problem(
                Status.FAILS,
                f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} fail with 400 "
                "AccessControlListNotSupported: the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled)",
                "sign without the x-amz-acl header, or use bucket-owner-full-control",
                subject.bucket.loc,
                subject="acl",
            )
        ]
    return []


def preflight(inventory: Inventory, signer: PrincipalResource, bucket: Bucket, expectation: Expectation) -> Verdict:
    """The verdict for one expectation; signer and bucket are already resolved in this inventory."""
    subject = subject_for(inventory, signer, bucket)
    what = f"{bucket.name.value}/{expectation.key}"
    works_for, problems = _lifetime_problems(signer, expectation, subject.label)
    verdict = Verdict(expectation, signer, bucket, works_for, problems)
    if bucket.name.is_unknown:
        verdict.problems.append(
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: the name of {bucket.address} is not known ({bucket.name.unresolved})",
                "give the bucket name a value (tfvars) so the policies can be matched",
                bucket.loc,
                subject="bucket-name",
            )
        )
        return verdict
    if subject.unknown_boundary is not None:
        verdict.problems.append(
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: its permissions boundary {subject.unknown_boundary.ref.value} is not defined here",
                "define the boundary policy in this configuration, or confirm with --simulate",
                subject.unknown_boundary.ref.loc,
                subject="boundary-unknown",
            )
        )
    for method in dict.fromkeys(m.upper() for m in expectation.methods):
        for operation in operations(method, expectation):
            for key in sample_keys(expectation.key):
                resource = f"{bucket.arn}/{key}"
                found = _check_operation(
                    subject, operation, resource, f"{what} ({method})", expectation, bucket.policy, works_for
                )
                verdict.problems.extend(p for p in found if p not in verdict.problems)
                if any(p.status is not Status.WORKS for p in found):
                    break
    verdict.problems.extend(_kms_problems(subject, expectation, what, bucket.arn))
    verdict.problems.extend(_put_acl_problems(subject, expectation, what))
    return verdict
