"""Signers that can reach a bucket but whose pre-signed URLs for it would fail, found without any declaration.

The seed case: "user two" may list the bucket (s3:ListBucket) but not read it, so every URL it signs returns 403.
A principal reaches a bucket when it may list it or act on some of its objects; its URLs fail when it may neither
s3:GetObject nor s3:PutObject an object there. Only certain denials are reported: inference stays quiet when
anything is uncertain, since no one declared this URL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from linter.engine.explain import Decision
from linter.engine.policies import CompiledStatement, compile_policy
from linter.engine.tri import NO, negate
from linter.model import Bucket, Inventory, PrincipalResource
from linter.presign import wording
from linter.presign.causes import denial_kind
from linter.presign.problem import Problem
from linter.presign.readings import read_as, readings
from linter.presign.request import UrlContext
from linter.presign.subject import Subject, access_point_restricts, decide, identity_of, subject_for

REACH_ACTIONS = ("s3:ListBucket", "s3:DeleteObject", "s3:GetObjectAttributes", "s3:PutObjectTagging")
# (signer, bucket) pairs some statement may let reach each other, examined per inventory at most, each access point
# of the bucket counting as one more: each costs a few engine decisions (~0.2 ms), and a module where hundreds of
# signers may each list hundreds of buckets would take minutes. Inference stays quiet past it, as whenever it is not
# sure.
PAIRS_EXAMINED = 20_000
_REACH_ACTIONS_LOWER = tuple(action.lower() for action in REACH_ACTIONS)
SAMPLE_KEY = "example.txt"


class UnusableSigner(NamedTuple):
    signer: PrincipalResource
    bucket: Bucket
    reach: str  # the action that shows the signer is meant to use the bucket
    problem: Problem


def unusable_signers(inventory: Inventory, declared: set[tuple[str, str]]) -> Iterator[UnusableSigner]:
    """(signer, bucket) pairs whose URLs would all fail; pairs in `declared` (by address) are left to their check."""
    examined = 0
    points = Counter(point.bucket.value for point in inventory.access_points if not point.bucket.is_unknown)
    for signer in inventory.principals:
        if signer.type == "group":
            continue
        grants = _reach_grants(signer)
        for bucket in inventory.buckets:
            if bucket.name.is_unknown or (signer.address, bucket.address) in declared:
                continue
            if grants is not None and bucket.policy is None and not any(_may_reach(g, bucket) for g in grants):
                continue  # nothing can let the signer reach this bucket: `_unusable` would find no reaching action
            # A pair is asked about again through each of the bucket's access points (`_may_use_an_access_point`).
            examined += (
                1 + points[bucket.address] + (points[bucket.name.value] if bucket.name.value != bucket.address else 0)
            )
            if examined > PAIRS_EXAMINED:
                return
            found = _unusable(inventory, signer, bucket)
            if found is None:
                continue
            # Only certain: an account id or region written in a policy may be this configuration's own.
            if not any(
                _unusable(*read_as(reading, inventory, signer, bucket)[:3]) is None
                for reading in readings(inventory, signer, bucket, None)
            ):
                yield found


def _reach_grants(signer: PrincipalResource) -> list[CompiledStatement] | None:
    """The signer's identity statements that may allow a reaching action, whatever the bucket; None when they cannot
    be told (policies not known, a signer of another account): every bucket may then be reached.

    Every (signer, bucket) pair is asked about up to four actions (`_reaching_action`): 300 users beside 300 buckets
    took 9 s. Without a bucket policy, a bucket is reached only through one of these statements, so a pair none of
    them can reach is let go at the cost of a few matches."""
    identity = identity_of(signer)
    if identity.unknown or not signer.defined:
        return None
    grants = []
    for policy in identity.policies:
        for statement in compile_policy(policy).statements:
            if statement.allow and any(statement.action_matches(a) is not NO for a in _REACH_ACTIONS_LOWER):
                grants.append(statement)
    return grants


def _may_reach(statement: CompiledStatement, bucket: Bucket) -> bool:
    """Whether the statement's Resource may cover the bucket or an object in it (conditions, policy variables and
    unresolved values read as may)."""
    resources = statement.resource_matcher()
    if resources is None or resources.context_keys:
        return True
    for resource in (bucket.arn, f"{bucket.arn}/{SAMPLE_KEY}"):
        found = resources.match(resource, {})
        if (negate(found) if statement.not_resource else found) is not NO:
            return True
    return False


def _unusable(inventory: Inventory, signer: PrincipalResource, bucket: Bucket) -> UnusableSigner | None:
    """The signer reaches the bucket, yet every object it may name (directly or through an access point) is
    certainly denied to it both ways (GET and PUT)."""
    context = UrlContext(network_known=True)
    subject = subject_for(inventory, signer, bucket)
    if subject.unknown_attachments or subject.unknown_boundary:
        return None
    reach = _reaching_action(subject, bucket, context)
    if reach is None:
        return None
    first_denial: tuple[Decision, str] | None = None
    for obj in _sample_objects(subject, f"{bucket.arn}/"):
        get = decide(subject, "s3:GetObject", obj, context, bucket.policy)
        put = decide(subject, "s3:PutObject", obj, context, bucket.policy)
        if not (_certainly_denied(get) and _certainly_denied(put)):
            return None
        first_denial = first_denial or (get, obj)
    if first_denial is None or _may_use_an_access_point(subject, inventory, context):
        return None
    get, obj = first_denial
    what = f"{bucket.name.value}/*"
    return UnusableSigner(
        signer, bucket, reach, wording.denial(denial_kind(get), subject, get, "s3:GetObject", obj, what)
    )


def _sample_objects(subject: Subject, objects: str) -> list[str]:
    """Objects the signer's URLs could name under `objects` (`BUCKET_ARN/`, or `ACCESS_POINT_ARN/object/`): one at
    the top, and one under each prefix its own policies grant object access on (a reader of reports/* is not a
    signer whose every URL fails)."""
    samples = [f"{objects}{SAMPLE_KEY}"]
    for policy in subject.identity:
        for statement in policy.statements:
            for resource in (statement.resource or []) if statement.is_allow else []:
                value = resource.value
                if value.startswith(objects) and not resource.is_unknown:
                    samples.append(value.replace("*", "x").replace("?", "x"))
    return list(dict.fromkeys(samples))


def _may_use_an_access_point(subject: Subject, inventory: Inventory, context: UrlContext) -> bool:
    """Signers that read or write through one of the bucket's access points sign URLs for those: stay quiet."""
    bucket = subject.bucket
    for point in inventory.access_points:
        if point.bucket.is_unknown or point.bucket.value not in (bucket.address, bucket.name.value):
            continue
        restrict = access_point_restricts(inventory, point)
        for obj in _sample_objects(subject, point.object_arn("")):
            for action in ("s3:GetObject", "s3:PutObject"):
                if not _certainly_denied(decide(subject, action, obj, context, point.policy, restrict)):
                    return True
    return False


def _reaching_action(subject: Subject, bucket: Bucket, context: UrlContext) -> str | None:
    for action in REACH_ACTIONS:
        resource = bucket.arn if action == "s3:ListBucket" else f"{bucket.arn}/{SAMPLE_KEY}"
        if decide(subject, action, resource, context, bucket.policy).allowed:
            return action
    return None


def _certainly_denied(decision: Decision) -> bool:
    return not decision.allowed and not decision.uncertain
