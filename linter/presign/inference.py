"""Signers that can reach a bucket but whose pre-signed URLs for it would fail, found without any declaration.

The seed case: "user two" may list the bucket (s3:ListBucket) but not read it, so every URL it signs returns 403.
A principal reaches a bucket when it may list it or act on some of its objects; its URLs fail when it may neither
s3:GetObject nor s3:PutObject an object there. Only certain denials are reported: inference stays quiet when
anything is uncertain, since no one declared this URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from linter.engine.explain import Decision
from linter.model import Bucket, Inventory, PrincipalResource
from linter.presign import wording
from linter.presign.causes import denial_kind
from linter.presign.problem import Problem
from linter.presign.readings import read_as, readings
from linter.presign.request import UrlContext
from linter.presign.subject import Subject, access_point_restricts, decide, subject_for

REACH_ACTIONS = ("s3:ListBucket", "s3:DeleteObject", "s3:GetObjectAttributes", "s3:PutObjectTagging")
SAMPLE_KEY = "example.txt"


class UnusableSigner(NamedTuple):
    signer: PrincipalResource
    bucket: Bucket
    reach: str  # the action that shows the signer is meant to use the bucket
    problem: Problem


def unusable_signers(inventory: Inventory, declared: set[tuple[str, str]]) -> Iterator[UnusableSigner]:
    """(signer, bucket) pairs whose URLs would all fail; pairs in `declared` (by address) are left to their check."""
    for signer in inventory.principals:
        if signer.type == "group":
            continue
        for bucket in inventory.buckets:
            if bucket.name.is_unknown or (signer.address, bucket.address) in declared:
                continue
            found = _unusable(inventory, signer, bucket)
            # Only certain: an account id or region written in a policy may be this configuration's own.
            if found is not None and not any(
                _unusable(*read_as(reading, inventory, signer, bucket)[:3]) is None
                for reading in readings(inventory, signer, bucket, None)
            ):
                yield found


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
