"""Decide, before deployment, whether a pre-signed URL will work for its whole requested life.

Every verdict goes through the engine: the signer's identity policies (inline, attached, group), boundary, SCPs and
RCPs, the bucket policy with Block Public Access, the KMS key policy for SSE-KMS buckets, and the pre-signed
request's own context (s3:authType, s3:signatureAge over the whole life, aws:SecureTransport, the opener's network).
What the engine cannot decide is reported as "uncertain"; a URL is only said to work when it certainly does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from linter.engine.context import UNKNOWN, ContextInput, Unknown
from linter.engine.evaluate import PolicySet, Request
from linter.engine.matching import compile_any, glob_source
from linter.engine.principals import EntryKind, InvalidPrincipalError, parse_entry
from linter.findings import RelatedLocation
from linter.model import (
    THIS_ACCOUNT,
    AccessPoint,
    Bucket,
    Inventory,
    KmsGrant,
    KmsKey,
    Policy,
    PrincipalRef,
    PrincipalResource,
    Text,
)
from linter.presign.lifetime import MAX_EXPIRES, CredentialSource, Lifetime, credential_lifetime, describe_duration
from linter.presign.messages import Problem, Status, explain_denial, related, uncertain, unreadable_policies
from linter.presign.readings import as_written, describe, read_as, readings
from linter.presign.request import (
    OWNER_FULL_CONTROL,
    PUBLIC_ACLS,
    Expectation,
    Operation,
    UrlContext,
    expires_problem,
    is_network_key,
    kms_action,
    operations,
    sample_keys,
)
from linter.presign.resolve import default_key_policy, find_endpoint, find_key
from linter.presign.subject import (
    Subject,
    access_point_restricts,
    decide,
    evaluate_request,
    public_access_flag,
    subject_for,
)
from linter.record import Record

# Where the URL is opened from when nobody said: an address in no one's allow-list (RFC 5737 TEST-NET-1).
ELSEWHERE_IP = "192.0.2.1"
LONGEST_ROLE_SESSION = 12 * 3600
# SDKs refresh temporary credentials this close to their expiry at the latest (botocore: 10 minutes mandatory;
# EC2 makes new instance credentials available at least 5 minutes early): a URL no longer than this never outlives
# the credentials it is signed with.
REFRESH_MARGIN = 5 * 60

__all__ = ["Problem", "Status", "Verdict", "preflight"]


@dataclass(repr=False, eq=False)
class Verdict(Record):
    expectation: Expectation
    signer: PrincipalResource
    bucket: Bucket
    lifetime: int  # seconds the URL actually works, at most the requested expiry
    problems: list[Problem] = field(default_factory=list)
    access_point: AccessPoint | None = None  # the URL goes through it to `bucket`

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
        return object_label(self.bucket, self.access_point, self.expectation.key)


def object_label(bucket: Bucket, access_point: AccessPoint | None, key: str) -> str:
    """`bucket/key`, or `bucket/key through access point NAME`: how messages name what a URL points at."""
    through = f" through access point {access_point.name.value}" if access_point is not None else ""
    return f"{bucket.name.value}/{key}{through}"


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
    if services:
        return CredentialSource.SERVICE
    return CredentialSource.ASSUME_ROLE


def _lifetime_problems(subject: Subject, expectation: Expectation) -> tuple[int, list[Problem]]:
    signer, label, requested = subject.signer, subject.label, expectation.expires
    where = expectation.declared_at or signer.loc
    problems: list[Problem] = []
    too_long = expires_problem(requested)
    if too_long:
        fix = f"sign for {describe_duration(MAX_EXPIRES)} ({MAX_EXPIRES} s) or less"
        problems.append(Problem(Status.FAILS, f"{label}: {too_long}", fix, where, subject="expires"))
    source = _credential_source(signer, expectation)
    lifetime = credential_lifetime(source, signer.max_session_duration)
    if not signer.defined and source is CredentialSource.ASSUME_ROLE:
        lifetime = Lifetime(
            lifetime.seconds,
            f"the role belongs to account {signer.account}, so its max_session_duration (1h unless raised, up to "
            "12h) is not known here",
            uncertain=True,
        )
    works_for = min(requested, lifetime.seconds, MAX_EXPIRES)
    # IAM user keys do not expire: their only limit is the 7-day cap on X-Amz-Expires, reported above.
    if source is CredentialSource.USER_KEYS:
        return works_for, problems
    if requested <= lifetime.seconds:
        if requested > REFRESH_MARGIN:
            problems.append(_refresh_caveat(subject, source, requested))
        return works_for, problems
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
    problems.append(Problem(status, message, ", ".join(fixes), signer.loc, subject="credential-lifetime"))
    return works_for, problems


def _refresh_caveat(subject: Subject, source: CredentialSource, requested: int) -> Problem:
    """Temporary credentials end the URL when they expire (S3 User Guide, using-presigned-url), and SDKs replace
    them only minutes before that: how long a URL lives depends on when in their life it was signed."""
    return Problem(
        Status.WORKS,
        f"{subject.label}: its URLs are signed with temporary credentials ({source.value}) and stop working when those "
        f"expire, whatever X-Amz-Expires says; SDKs refresh credentials only minutes before they expire, so a URL "
        f"signed late in their life can die minutes after it is signed, before the requested "
        f"{describe_duration(requested)}",
        f"sign with credentials that have at least {describe_duration(requested)} left (for example a session "
        "assumed just for signing, with DurationSeconds at least the URL's life), or with an IAM user's access keys",
        subject.signer.loc,
        subject="credential-refresh",
    )


class _Network(NamedTuple):
    """Where the URL is opened from, and whether the expectation declared it."""

    label: str
    context: UrlContext
    declared: bool


def _access_point_keys(point: AccessPoint | None) -> dict[str, ContextInput]:
    if point is None:
        return {}
    return {
        "s3:DataAccessPointArn": UNKNOWN if point.name.is_unknown else point.arn,
        "s3:DataAccessPointAccount": THIS_ACCOUNT,
        "s3:AccessPointNetworkOrigin": "VPC" if point.vpc_id is not None else "Internet",
    }


def _network_candidates(policies: Iterable[Policy | None]) -> tuple[dict[str, str], list[str], bool]:
    """An IP inside every CIDR (by the CIDR as written), the VPC endpoints policies name in network conditions, and
    whether some such value could not be resolved."""
    ips: dict[str, str] = {}
    endpoints: list[str] = []
    unresolved = False
    for policy in policies:
        for statement in policy.statements if policy else []:
            for condition in statement.conditions:
                key = condition.key.value.lower()
                if not is_network_key(key):
                    continue
                for value in condition.values:
                    if value.is_unknown:
                        unresolved = True
                    elif key == "aws:sourceip":
                        try:
                            network = ipaddress.ip_network(value.value, strict=False)
                        except ValueError:
                            continue
                        ips.setdefault(value.value, str(next(iter(network.hosts()), network.network_address)))
                    elif key == "aws:sourcevpce":
                        endpoints.append(value.value)
    return ips, list(dict.fromkeys(endpoints)), unresolved


def _networks(subject: Subject, expectation: Expectation, policy: Policy | None) -> list[_Network]:
    """Where the URL is opened from: as declared, or every network the policies name plus somewhere else."""
    # The headers the URL was signed with, and the keys S3 adds to a request through an access point (the bucket
    # policy sees them too: that is how a bucket delegates access control to its access points).
    signed = UrlContext(acl=expectation.acl, sse=expectation.sse, extra=_access_point_keys(subject.access_point))
    if expectation.vpce:
        # An endpoint of these inputs is named by its address, which stands in for its id (and its VPC's).
        endpoint = find_endpoint(subject.inventory, expectation.vpce)
        vpce: str | Unknown = endpoint.address if endpoint else expectation.vpce
        if endpoint is None and subject.inventory.vpc_endpoints:
            vpce = UNKNOWN  # an id written out may be one of the endpoints defined here, known by address only
        vpc = endpoint.vpc_id.value if endpoint and endpoint.vpc_id and not endpoint.vpc_id.is_unknown else None
        through = replace(signed, vpce=vpce, vpc=vpc)
        return [_Network(f"VPC endpoint {expectation.vpce}", through, True)]
    if expectation.source_ips:
        return [_Network(ip, replace(signed, source_ip=ip), True) for ip in expectation.source_ips]
    ips, endpoints, unresolved = _network_candidates([*subject.identity, subject.boundary, policy])
    elsewhere = _Network("elsewhere", replace(signed, source_ip=ELSEWHERE_IP), False)
    if not ips and not endpoints and not unresolved:
        return [elsewhere._replace(label="anywhere")]
    found = [_Network(cidr, replace(signed, source_ip=ip), False) for cidr, ip in ips.items()]
    found += [_Network(f"VPC endpoint {e}", replace(signed, vpce=e), False) for e in endpoints]
    if unresolved:
        # A condition names a network Terraform cannot resolve: opened from there, the answer is unknown.
        found.append(_Network("the network an unresolved condition names", replace(signed, vpce=UNKNOWN), False))
    return [*found, elsewhere]


def _check_operation(
    subject: Subject,
    operation: Operation,
    resource: str,
    what: str,
    expectation: Expectation,
    resource_policy: Policy | None,
    works_for: int,
    restrict: bool | None = None,
    target: str | None = None,
) -> list[Problem]:
    """One permission for one object, across the opener's network and the URL's whole life. `restrict` is the
    RestrictPublicBuckets setting for `resource_policy` (None: the bucket's); `target` names the resource in fixes
    when its ARN is a stand-in."""
    action = operation.action
    outcomes = [
        (network, decide(subject, action, resource, network.context, resource_policy, restrict))
        for network in _networks(subject, expectation, resource_policy)
    ]
    refused = [(n, d) for n, d in outcomes if n.declared and not d.allowed]
    if refused:
        network, decision = refused[0]
        if decision.uncertain:
            return [uncertain(subject, decision, action, f"{what} opened from {network.label}")]
        opened = f"{what} opened from {network.label}"
        return [explain_denial(subject, decision, action, resource, opened, resource_policy, target=target)]
    allowed = [n for n, d in outcomes if d.allowed]
    if not allowed:
        doubtful = [d for _, d in outcomes if d.uncertain]
        if doubtful:
            return [uncertain(subject, doubtful[0], action, what)]
        problem = explain_denial(subject, outcomes[-1][1], action, resource, what, resource_policy, target=target)
        if subject.unknown_attachments and problem.subject.startswith("identity"):
            return [unreadable_policies(subject, action, what)]
        return [problem]
    problems: list[Problem] = []
    if len(allowed) < len(outcomes):
        denied = next(d for _, d in outcomes if not d.allowed)
        problems.append(
            Problem(
                Status.WORKS,
                f"{subject.label}: URLs for {what} work only when opened from {', '.join(n.label for n in allowed)}; "
                "elsewhere they return 403 AccessDenied",
                "declare where the URL is opened from (source-ips / vpce), or relax the network condition",
                denied.matched[0].loc if denied.matched else subject.signer.loc,
                related(denied.matched, "restricts the network", action),
                subject=f"network:{action}",
            )
        )
    problems += _signature_age_problems(
        subject, action, resource, allowed[0].context, resource_policy, works_for, what, restrict
    )
    return problems


def _signature_age_problems(
    subject: Subject,
    action: str,
    resource: str,
    context: UrlContext,
    policy: Policy | None,
    works_for: int,
    what: str,
    restrict: bool | None = None,
) -> list[Problem]:
    """A URL is opened at any time of its life: the oldest signature it will carry must be allowed too."""
    end_ms = works_for * 1000
    late = decide(subject, action, resource, replace(context, signature_age_ms=end_ms), policy, restrict)
    if late.allowed:
        return []
    low, high = 0, end_ms  # policies compare s3:signatureAge in milliseconds: find the oldest still allowed
    while high - low > 1:
        middle = (low + high) // 2
        if decide(subject, action, resource, replace(context, signature_age_ms=middle), policy, restrict).allowed:
            low = middle
        else:
            high = middle
    cutoff = describe_duration(max(1, low // 1000))
    return [
        Problem(
            Status.UNCERTAIN if late.uncertain else Status.FAILS,
            f"{subject.label}: URLs for {what} stop working after {cutoff}, before the requested "
            f"{describe_duration(works_for)}: a condition on s3:signatureAge denies older signatures",
            f"shorten the URL to {cutoff} or relax the s3:signatureAge limit",
            late.matched[0].loc if late.matched else subject.signer.loc,
            related(late.matched, "limits the signature age", action),
            subject=f"signature-age:{action}",
        )
    ]


def _blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.status is not Status.WORKS]


def _delegation_fix(bucket: Bucket) -> str:
    return (
        f'delegate access control to access points in the bucket policy of {bucket.name.value} (Allow "*" on '
        f"{bucket.arn} and {bucket.arn}/* when s3:DataAccessPointAccount is the bucket owner's account), or grant "
        "the signer there too"
    )


def _check_object(
    subject: Subject, operation: Operation, key: str, what: str, expectation: Expectation, works_for: int
) -> list[Problem]:
    """One permission for one object: at the bucket, or at the access point and then at the bucket behind it."""
    bucket, point = subject.bucket, subject.access_point
    resource = f"{bucket.arn}/{key}"
    if point is None:
        if not bucket.defined:
            return _external_bucket_problems(subject, operation, resource, what, expectation, works_for)
        return _check_operation(subject, operation, resource, what, expectation, bucket.policy, works_for)
    restrict = access_point_restricts(subject.inventory, point)
    target = f"${{{point.address}.arn}}/object/{expectation.key}"
    door = _check_operation(
        subject, operation, point.object_arn(key), what, expectation, point.policy, works_for, restrict, target
    )
    if _blocking(door):
        return door
    return door + _bucket_behind_problems(subject, operation, resource, what, expectation, works_for)


def _bucket_behind_problems(
    subject: Subject, operation: Operation, resource: str, what: str, expectation: Expectation, works_for: int
) -> list[Problem]:
    """A request through an access point must be permitted by the bucket too (S3 User Guide, access-points-policies):
    by its policy, which names the signer or delegates access control to access points."""
    bucket, point, action = subject.bucket, subject.access_point, operation.action
    assert point is not None
    if not bucket.defined:
        return [
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: URLs for {what} also need bucket {bucket.name.value} to permit {action}, and that "
                "bucket is not defined here",
                _delegation_fix(bucket),
                point.bucket.loc,
                subject=f"bucket-behind:{action}",
            )
        ]
    by_its_policy = subject._replace(identity=[], identity_via={}, unknown_attachments=[])
    if not _blocking(_check_operation(by_its_policy, operation, resource, what, expectation, bucket.policy, works_for)):
        return []
    blocking = _blocking(_check_operation(subject, operation, resource, what, expectation, bucket.policy, works_for))
    where = bucket.policy.loc if bucket.policy else bucket.loc
    if not blocking:
        return [
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: URLs for {what} may return 403 AccessDenied: the bucket must permit requests "
                f"through {point.address} as well, and only the signer's identity policy allows {action} on "
                f"{bucket.arn}; AWS documents that the bucket policy grants or delegates, not whether an identity "
                "grant is enough",
                _delegation_fix(bucket),
                where,
                subject=f"bucket-behind:{action}",
            )
        ]
    if blocking[0].subject.startswith(("identity:", "resource:", "unreadable:")):
        return [
            Problem(
                Status.UNCERTAIN if subject.unknown_attachments else Status.FAILS,
                f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: the access point "
                f"allows {action}, but bucket {bucket.name.value} does not permit it: its policy neither delegates "
                "access control to access points nor grants the signer",
                _delegation_fix(bucket),
                where,
                (RelatedLocation(message="the access point", loc=point.loc),),
                subject=f"bucket-behind:{action}",
            )
        ]
    return blocking


def _external_bucket_problems(
    subject: Subject, operation: Operation, resource: str, what: str, expectation: Expectation, works_for: int
) -> list[Problem]:
    """A bucket of another account, not defined here: across accounts the signer's own policies must allow (decided
    here, without a resource policy) and the bucket's account must grant (unknown here)."""
    bucket, action = subject.bucket, operation.action
    own_side = _check_operation(subject, operation, resource, what, expectation, None, works_for)
    if _blocking(own_side):
        across = (
            f"; {bucket.name.value} belongs to account {bucket.account}, so its bucket policy alone cannot grant it"
        )
        return [
            p._replace(message=p.message + across) if p.subject.startswith(("identity:", "boundary:")) else p
            for p in own_side
        ]
    return [
        *own_side,
        Problem(
            Status.UNCERTAIN,
            f"{subject.label}: its own policies allow {action} on {resource}, but {bucket.name.value} belongs to "
            f"account {bucket.account} and is not defined here: that account's bucket policy must allow {action} "
            f"for {subject.signer.address} as well (and, for an SSE-KMS bucket, its key policy kms:Decrypt / "
            "kms:GenerateDataKey)",
            f"have the owner of {bucket.name.value} grant {action} on {resource.rsplit('/', 1)[0]}/* to the signer's "
            "ARN in the bucket policy, then confirm with the IAM policy simulator",
            expectation.declared_at or subject.signer.loc,
            subject=f"cross-account:{action}",
        ),
    ]


def _region_problems(subject: Subject, expectation: Expectation, what: str) -> list[Problem]:
    """A URL signed for one region and sent to a bucket (access point) of another: 400 before any policy is read
    (iam-semantics.md §4 error codes; §7 case 46)."""
    signed = expectation.region
    if signed is None:
        return []
    door = subject.access_point or subject.bucket
    label = subject.access_point.address if subject.access_point else subject.bucket.name.value
    if door.region == signed:
        return []
    where = expectation.declared_at or door.loc
    if door.region is None:
        return [
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: URLs for {what} are signed for {signed}, and the region of {label} is not known "
                "here (no provider region in the configuration, or not defined here)",
                'set `region` in the provider "aws" block, or confirm the bucket\'s region',
                where,
                subject="region",
            )
        ]
    return [
        Problem(
            Status.FAILS,
            f"{subject.label} can sign URLs for {what}, but every one returns 400 AuthorizationQueryParametersError "
            f"\"the region '{signed}' is wrong; expecting '{door.region}'\": {label} is in {door.region}",
            f"sign with an S3 client for {door.region}",
            where,
            subject="region",
        )
    ]


def _object_writer_problems(subject: Subject, expectation: Expectation, what: str) -> list[Problem]:
    """Object Ownership ObjectWriter/BucketOwnerPreferred: an object another account uploads without the
    bucket-owner-full-control ACL stays that account's, and the bucket owner's principals can read it only through
    its ACL (iam-semantics.md §4 OWN; §7 case 48). Who uploaded an object is not known offline: uncertain."""
    bucket = subject.bucket
    mode = bucket.object_ownership
    reads = [m for m in expectation.methods if m in ("GET", "HEAD")]
    if not reads or not bucket.defined or bucket.policy is None or mode not in ("ObjectWriter", "BucketOwnerPreferred"):
        return []
    for statement in bucket.policy.statements:
        if not statement.is_allow or statement.principal is None or statement.action is None:
            continue
        patterns = tuple(glob_source(a.value) for a in statement.action if not a.is_unknown)
        if not patterns or not compile_any(patterns, ignore_case=True).fullmatch("s3:PutObject"):
            continue
        writers = [r.value.unresolved or r.value.value for r in statement.principal.refs if _other_writer(r)]
        if writers:
            return [
                Problem(
                    Status.UNCERTAIN,
                    f"{subject.label}: URLs for {what} may return 403 AccessDenied for objects that "
                    f"{', '.join(writers)} uploaded without the bucket-owner-full-control ACL: with Object Ownership "
                    f"{mode} those objects stay the uploader's, and only their ACL can let the signer read them",
                    "set Object Ownership to BucketOwnerEnforced (ACLs off: the bucket owner owns every object)",
                    statement.loc,
                    subject="object-writer",
                )
            ]
    return []


def _other_writer(ref: PrincipalRef) -> bool:
    """May a principal entry stand for principals outside this account? An unresolved one may."""
    try:
        entry = parse_entry(ref)
    except InvalidPrincipalError:
        return False  # AWS rejects the policy: the grammar rules report it
    if entry.kind in (EntryKind.EVERYONE, EntryKind.UNRESOLVED):
        return True
    return entry.account is not None and entry.account != THIS_ACCOUNT


def _endpoint_problems(
    subject: Subject, expectation: Expectation, operations: Iterable[Operation], what: str
) -> list[Problem]:
    """A URL opened through a VPC endpoint of these inputs: the endpoint's policy must allow the request too."""
    endpoint = find_endpoint(subject.inventory, expectation.vpce) if expectation.vpce else None
    if endpoint is None or endpoint.policy is None:
        return []
    [network] = _networks(subject, expectation, None)
    point = subject.access_point
    for operation in operations:
        action = operation.action
        for key in sample_keys(expectation.key):
            resource = point.object_arn(key) if point else f"{subject.bucket.arn}/{key}"
            request = Request(subject.caller, action, resource, subject.signer.account, network.context.keys())
            decision = evaluate_request(request, PolicySet(resource=endpoint.policy))
            if decision.allowed:
                continue
            if decision.uncertain:
                return [uncertain(subject, decision, action, f"{what} through {endpoint.address}")]
            verb = "denies" if decision.decision == "explicitDeny" else "does not allow"
            return [
                Problem(
                    Status.FAILS,
                    f"{subject.label} can sign URLs for {what}, but opened through {endpoint.address} every one "
                    f"returns 403 AccessDenied: the VPC endpoint policy {endpoint.policy.name} {verb} {action} on "
                    f"{resource}",
                    f"allow {action} on the bucket's objects for the signer in the endpoint policy",
                    decision.matched[0].loc if decision.matched else endpoint.policy.loc,
                    related(decision.matched, "decided it", action),
                    subject=f"endpoint:{action}",
                )
            ]
    return []


def _access_point_network_problems(subject: Subject, expectation: Expectation, what: str) -> list[Problem]:
    """An access point with network origin VPC refuses every request from outside that VPC."""
    point = subject.access_point
    if point is None or point.vpc_id is None:
        return []
    vpc, where = point.vpc_id.value, point.vpc_id.loc
    fix = "open the URL from inside the VPC (through an S3 VPC endpoint), or use an access point open to the Internet"
    if expectation.source_ips:
        return [
            Problem(
                Status.FAILS,
                f"{subject.label} can sign URLs for {what}, but opened from {', '.join(expectation.source_ips)} every "
                f"one returns 403 AccessDenied: {point.address} has network origin VPC ({vpc}) and refuses requests "
                "from outside it",
                fix,
                where,
                subject="access-point-vpc",
            )
        ]
    endpoint = find_endpoint(subject.inventory, expectation.vpce) if expectation.vpce else None
    if endpoint and endpoint.vpc_id and not endpoint.vpc_id.is_unknown and not point.vpc_id.is_unknown:
        if endpoint.vpc_id.value == vpc:
            return []
        return [
            Problem(
                Status.FAILS,
                f"{subject.label} can sign URLs for {what}, but opened through {endpoint.address} (in "
                f"{endpoint.vpc_id.value}) every one returns 403 AccessDenied: {point.address} has network origin "
                f"VPC ({vpc}) and refuses requests from other VPCs",
                fix,
                where,
                subject="access-point-vpc",
            )
        ]
    if expectation.vpce:
        return [
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: URLs for {what} work only from inside VPC {vpc} ({point.address} has network "
                f"origin VPC); whether VPC endpoint {expectation.vpce} is in that VPC cannot be told from here",
                "declare the endpoint of that VPC, or confirm with the IAM policy simulator",
                where,
                subject="access-point-vpc",
            )
        ]
    return [
        Problem(
            Status.WORKS,
            f"{subject.label}: URLs for {what} work only when opened from inside VPC {vpc} ({point.address} has "
            "network origin VPC); elsewhere they return 403 AccessDenied",
            "declare where the URL is opened from (vpce), or use an access point with network origin Internet",
            where,
            subject="access-point-vpc",
        )
    ]


def _kms_problems(subject: Subject, expectation: Expectation, what: str) -> list[Problem]:
    encryption = subject.bucket.encryption  # a bucket not defined here: its reading is part of its own problem
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
    # S3 calls KMS for the signer: through S3 in the key's region (unknown region: unknown, never assumed).
    via = f"s3.{key.region}.amazonaws.com" if key.region else UNKNOWN
    context = UrlContext(network_known=True, extra={"kms:ViaService": via, "kms:CallerAccount": subject.signer.account})
    problems = []
    for action in dict.fromkeys(kms_action(m) for m in expectation.methods):
        decision = decide(subject, action, key.arn, context, key_policy)
        if decision.allowed:
            continue
        if decision.uncertain:
            problems.append(uncertain(subject, decision, action, what))
            continue
        # A grant stands in for the key policy and the signer's IAM policies; an explicit deny still wins, and SCPs
        # and RCPs still apply. Whether a permissions boundary or session policy limits a grant is not settled.
        others = [level for level in decision.failed_to_allow if level not in ("identity", "resource")]
        if decision.decision != "explicitDeny" and not any(level.startswith(("scp", "rcp")) for level in others):
            sure, doubtful = _grants_for(subject.signer, key, action)
            if sure is not None and not others:
                continue
            if sure is not None:
                limits = (
                    f"its {' and '.join(others)} does not allow {action}, and whether that limits a grant is unsettled"
                )
                doubtful = [(sure, limits), *doubtful]
            if doubtful:
                problems.append(_doubtful_grants(subject, key, action, what, doubtful))
                continue
        in_key_policy = "resource" in decision.failed_to_allow and decision.decision == "implicitDeny"
        if decision.decision == "explicitDeny" or not in_key_policy:
            preface = f"the bucket is SSE-KMS encrypted with {key.address}, and "
            cause = explain_denial(subject, decision, action, key.arn, what, key_policy, preface, f"{key.address}.arn")
            problems.append(cause._replace(subject=f"kms:{action}"))
            continue
        problems.append(
            Problem(
                Status.FAILS,
                f"{subject.label} can sign URLs for {what}, but every one returns 403 AccessDenied: the bucket is "
                f"SSE-KMS encrypted with {key.address} and nothing in its key policy allows {action} for the signer "
                "(nor delegates to the account's IAM policies)",
                f"allow {action} for the signer in the key policy of {key.address}",
                key_policy.loc,
                (
                    RelatedLocation(message="bucket encryption", loc=encryption.loc),
                    *related(decision.matched, "was considered", action),
                ),
                subject=f"kms:{action}",
            )
        )
    return problems


def _grants_for(
    signer: PrincipalResource, key: KmsKey, action: str
) -> tuple[KmsGrant | None, list[tuple[KmsGrant, str]]]:
    """A grant on the key that lets the signer do `action` for sure, if any; else the grants that may, and why.

    Sure only for a grant to this very user with the operation listed and no constraints: grants to a role are not
    read as covering the sessions that sign URLs (iam-semantics does not settle it), nor grants to an account.
    """
    operation = action.split(":", 1)[1]
    doubtful = []
    for grant in key.grants:
        doubts = []
        if grant.operations is None:
            doubts.append("its operations are unresolved")
        elif operation not in grant.operations:
            continue
        grantee = _grantee_doubt(grant.grantee, signer)
        if grantee is False:
            continue
        if grantee is not True:
            doubts.append(grantee)
        if grant.constrained:
            doubts.append("its encryption-context constraints may not match S3's requests")
        if not grant.key_known:
            doubts.append("the key it is on is unresolved")
        if not doubts:
            return grant, []
        doubtful.append((grant, "; ".join(doubts)))
    return None, doubtful


def _grantee_doubt(grantee: Text, signer: PrincipalResource) -> bool | str:
    """True: the grant names this user; False: someone else; otherwise why it may name the signer."""
    if grantee.is_unknown:
        return f"its grantee {grantee.unresolved} is unresolved"
    if signer.arn is None:
        return "the signer's ARN is unknown"
    written, own = grantee.value, signer.arn
    if written == own:
        return True if signer.type == "user" else "it names the role, and whether that covers its sessions is unsettled"
    parts = written.split(":")
    if len(parts) < 6 or parts[2] != "iam":
        return False
    account, resource = parts[4], parts[5]
    # The configuration's own account is a stand-in: an id written out may be it (see presign/readings.py).
    same_account = account == signer.account or THIS_ACCOUNT in (account, signer.account)
    if not same_account:
        return False
    if resource == "root":
        return "it names the signer's account, whose IAM policies then decide"
    if resource == own.split(":", 5)[-1]:
        return f"it names the signer with account id {account}, which may be this configuration's"
    return False


def _doubtful_grants(
    subject: Subject, key: KmsKey, action: str, what: str, doubtful: list[tuple[KmsGrant, str]]
) -> Problem:
    grant, why = doubtful[0]
    return Problem(
        Status.UNCERTAIN,
        f"{subject.label}: cannot tell whether URLs for {what} work: no policy of {key.address} allows {action} for "
        f"the signer, but {grant.address} may ({why})",
        f"allow {action} for the signer in its IAM policy or the key policy, so URLs do not depend on {grant.address}",
        grant.loc,
        tuple(RelatedLocation(message="another grant that may apply", loc=g.loc) for g, _ in doubtful[1:]),
        subject=f"kms:{action}",
    )


def _put_acl_problems(subject: Subject, expectation: Expectation, what: str) -> list[Problem]:
    acl = expectation.acl
    if acl is None or "PUT" not in expectation.methods:
        return []
    bucket = subject.bucket
    if not bucket.defined:
        return [
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} depend on the Object Ownership and Block "
                f"Public Access settings of {bucket.name.value}, which is not defined here",
                "sign without the x-amz-acl header",
                expectation.declared_at or subject.signer.loc,
                subject="acl",
            )
        ]
    ownership = bucket.object_ownership or "BucketOwnerEnforced"
    if ownership == "BucketOwnerEnforced" and acl != OWNER_FULL_CONTROL:
        return [
            Problem(
                Status.FAILS,
                f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} fail with 400 "
                "AccessControlListNotSupported: the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled)",
                "sign without the x-amz-acl header, or use bucket-owner-full-control",
                bucket.loc,
                subject="acl",
            )
        ]
    block = public_access_flag(subject.inventory, bucket, "block_public_acls")
    if acl in PUBLIC_ACLS and block is not False:
        where = bucket.public_access_block or subject.inventory.account_public_access_block
        return [
            Problem(
                Status.FAILS if block else Status.UNCERTAIN,
                f"{subject.label}: PUT URLs for {what} with x-amz-acl: {acl} "
                + (
                    "return 403 AccessDenied: Block Public Access (BlockPublicAcls) rejects requests with a public ACL"
                    if block
                    else "may be refused: BlockPublicAcls has a value that cannot be resolved"
                ),
                "sign without a public ACL, or turn off BlockPublicAcls for this bucket",
                where.loc if where else bucket.loc,
                subject="acl-public",
            )
        ]
    return []


def preflight(
    inventory: Inventory,
    signer: PrincipalResource,
    bucket: Bucket,
    expectation: Expectation,
    access_point: AccessPoint | None = None,
) -> Verdict:
    """The verdict for one expectation; signer, bucket (and access point) are already resolved in this inventory.

    The URL is decided under every reading of the account ids and regions written in the policies (see
    `readings`); when the readings disagree, the verdict is uncertain and says why.
    """
    known = {expectation.account: THIS_ACCOUNT} if expectation.account is not None else {}
    verdict = _preflight(*read_as(known, inventory, signer, bucket, access_point), expectation)
    told, told_as = verdict, known
    for reading in readings(inventory, signer, bucket, expectation.account):
        other = _preflight(*read_as(known | reading, inventory, signer, bucket, access_point), expectation)
        if other.status is not verdict.status:
            if verdict.status is Status.UNCERTAIN:
                continue  # uncertain already, and told why
            return _either_reading(verdict, other, reading, known)
        if _causes(other) != _causes(verdict):
            # The same outcome for another reason: the written ids most likely name the configuration's own
            # account and region, so that reading's causes are the ones to tell.
            told, told_as = other, known | reading
    return replace(told, problems=[_told_as_written(p, told_as) for p in told.problems])


def _causes(verdict: Verdict) -> list[str]:
    return [p.subject for p in verdict.problems if p.status is not Status.WORKS]


def _told_as_written(problem: Problem, standing_in: dict[str, str]) -> Problem:
    fix = as_written(problem.fix, standing_in) if problem.fix else None
    return problem._replace(message=as_written(problem.message, standing_in), fix=fix)


def _either_reading(verdict: Verdict, other: Verdict, reading: dict[str, str], known: dict[str, str]) -> Verdict:
    """Two readings of written ids disagree: uncertain, with the cause of the reading that does not work."""
    named = describe(reading)
    if verdict.status is not Status.WORKS:
        failing, how, standing_in = verdict, f"{named} read as another", known
    else:
        failing, how, standing_in = other, f"{named} read as the configuration's own", known | reading
    cause = _told_as_written(next(p for p in failing.problems if p.status is not Status.WORKS), standing_in)
    problem = Problem(
        Status.UNCERTAIN,
        f"{verdict.signer.address}: the policies name {named}, and whether URLs for {verdict.object_label} work "
        f"depends on whether that is where this configuration deploys. With {how}: {cause.message}",
        'say which account this configuration deploys to (account = "..." in [tool.iam-preflight], or --account) '
        'and set `region` in its provider "aws" block',
        cause.loc,
        cause.related,
        subject="account",
    )
    caveats = [p for p in verdict.problems if p.status is Status.WORKS]
    return replace(verdict, problems=[problem, *caveats])


def _preflight(
    inventory: Inventory,
    signer: PrincipalResource,
    bucket: Bucket,
    access_point: AccessPoint | None,
    expectation: Expectation,
) -> Verdict:
    subject = subject_for(inventory, signer, bucket, access_point)
    what = object_label(bucket, access_point, expectation.key)
    works_for, problems = _lifetime_problems(subject, expectation)
    verdict = Verdict(expectation, signer, bucket, works_for, problems, access_point)
    unnamed = [(r.name, r.address, r.loc) for r in (bucket, access_point) if r is not None and r.name.is_unknown]
    if unnamed:
        name, address, loc = unnamed[0]
        verdict.problems.append(
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: the name of {address} is not known ({name.unresolved})",
                "give the name a value (tfvars) so the policies can be matched",
                loc,
                subject="bucket-name",
            )
        )
        return verdict
    if subject.unknown_boundary is not None:
        verdict.problems.append(
            Problem(
                Status.UNCERTAIN,
                f"{subject.label}: its permissions boundary {subject.unknown_boundary.ref.value} is not defined here",
                "define the boundary policy in this configuration, or confirm with the IAM policy simulator",
                subject.unknown_boundary.ref.loc,
                subject="boundary-unknown",
            )
        )
    verdict.problems.extend(_region_problems(subject, expectation, what))
    verdict.problems.extend(_access_point_network_problems(subject, expectation, what))
    # GET and HEAD need the same permission: one check, named after both.
    by_operation: dict[Operation, list[str]] = {}
    for method in expectation.methods:
        for operation in operations(method, expectation):
            by_operation.setdefault(operation, []).append(method)
    for operation, methods in by_operation.items():
        label = f"{what} ({'/'.join(methods)}{operation.why_suffix})"
        for key in sample_keys(expectation.key):
            found = _check_object(subject, operation, key, label, expectation, works_for)
            verdict.problems.extend(p for p in found if p not in verdict.problems)
            if _blocking(found):
                break
    verdict.problems.extend(_endpoint_problems(subject, expectation, by_operation, what))
    verdict.problems.extend(_kms_problems(subject, expectation, what))
    verdict.problems.extend(_put_acl_problems(subject, expectation, what))
    verdict.problems.extend(_object_writer_problems(subject, expectation, what))
    if not signer.defined and verdict.status is not Status.FAILS:
        verdict.problems.append(_other_account_signer_problem(subject, by_operation, what))
    return verdict


def _other_account_signer_problem(subject: Subject, by_operation: dict[Operation, list[str]], what: str) -> Problem:
    """The resource side allows a signer of another account: its own account's side is not known here."""
    actions = ", ".join(dict.fromkeys(operation.action for operation in by_operation))
    return Problem(
        Status.UNCERTAIN,
        f"{subject.label}: {subject.bucket.name.value} allows {actions} for {what}, but the signer belongs to account "
        f"{subject.signer.account} and is not defined here: its own identity policies (and that account's boundary "
        "and SCPs) must allow it as well",
        f"allow {actions} on {subject.bucket.arn}/* in the signer's identity policy in account "
        f"{subject.signer.account}, then confirm with the IAM policy simulator",
        subject.signer.loc,
        subject="other-account-signer",
    )
