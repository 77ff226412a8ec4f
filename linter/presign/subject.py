"""The signer and the bucket as the engine sees them: the policies in play and the one question it answers.

Every S3 and KMS decision of the pre-flight goes through `decide`, so the policy set is assembled in one place.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

from linter.awsdata import OWN_DATA
from linter.engine.context import ContextInput, InvalidRequestError
from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.explain import Decision, DecisionText
from linter.engine.policies import InvalidPolicyError
from linter.model import (
    THIS_ACCOUNT,
    AccessPoint,
    AttachedPolicy,
    Bucket,
    Inventory,
    Policy,
    PolicyKind,
    PrincipalResource,
)
from linter.presign.request import UrlContext
from linter.presign.resolve import principal_arn
from linter.presign.tags import tag_keys
from linter.sources.jsonpos import parse
from linter.sources.policy_document import build_policy, file_locator, policy_at

# Requests are decided at a fixed instant so verdicts do not change with the clock.
DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=UTC)
FULL_AWS_ACCESS = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
RCP_FULL_AWS_ACCESS = "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess"


def _managed_kind(arn: str) -> PolicyKind:
    if "/service_control_policy/" in arn:
        return PolicyKind.SCP
    if "/resource_control_policy/" in arn:
        return PolicyKind.RCP
    return PolicyKind.IDENTITY


@cache
def managed_policies() -> dict[str, Policy]:
    """The AWS-managed policies known offline (linter/data/aws-managed-policies.json), by ARN."""
    with open(os.path.join(OWN_DATA, "aws-managed-policies.json"), encoding="utf-8") as data:
        text = data.read()
    documents = json.loads(text)["policies"]
    return {
        arn: build_policy(parse(json.dumps(doc)), arn, file_locator(arn), _managed_kind(arn))
        for arn, doc in documents.items()
    }


def _known(attached: AttachedPolicy) -> Policy | None:
    return attached.policy or managed_policies().get(attached.ref.value)


def _organization_level(policies: list[Policy], full_access: str, always: bool) -> list[list[Policy]]:
    """The SCPs (RCPs) defined here as one level. AWS attaches FullAWSAccess by default and a deny-list strategy
    keeps it; an allow-list strategy replaces it with Allow statements of its own, so it is assumed only when the
    policies here allow nothing. RCPFullAWSAccess cannot be detached: it is always there."""
    if not policies:
        return []
    if always or not any(s.is_allow for p in policies for s in p.statements):
        policies = [*policies, managed_policies()[full_access]]
    return [policies]


class Subject(NamedTuple):
    """The signer and the bucket with everything the engine needs about them."""

    signer: PrincipalResource
    bucket: Bucket
    inventory: Inventory
    caller: str
    identity: list[Policy]
    identity_via: dict[str, str]  # policy name -> how it reaches the signer (inline, managed, group:NAME)
    unknown_attachments: list[AttachedPolicy]
    boundary: Policy | None
    unknown_boundary: AttachedPolicy | None
    # Attachment targets are not resolved to the account's place in the organization: every SCP (RCP) defined here
    # is read as attached at one level above the account (see _organization_level).
    scps: list[list[Policy]]
    rcps: list[list[Policy]]
    access_point: AccessPoint | None = None  # the URL goes through this access point to `bucket`

    @property
    def label(self) -> str:
        return self.signer.address

    def policies(self, resource_policy: Policy | None) -> list[Policy]:
        """Every policy a decision may cite, to find a matched statement's text again."""
        levels = [p for level in (*self.scps, *self.rcps) for p in level]
        return [p for p in (*self.identity, self.boundary, resource_policy, *levels) if p is not None]


def _other_account_identity(signer: PrincipalResource) -> Policy:
    """A signer of another account: its own policies are not known here, so its side is taken as allowing
    everything. Every decision then turns on this account's side (bucket, access point and key policies, which must
    grant it across accounts); the verdict says the signer's side is uncertain (preflight)."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    name = f"{signer.address} (its own account's policies, not known here)"
    return policy_at(document, name, signer.loc, PolicyKind.IDENTITY)


class SignerIdentity(NamedTuple):
    """A signer's identity policies, whatever the bucket: those known, by what attaches each, and those unknown."""

    policies: list[Policy]
    via: dict[str, str]
    unknown: list[AttachedPolicy]


def identity_of(signer: PrincipalResource) -> SignerIdentity:
    identity = SignerIdentity([], {}, [])
    for attached in signer.policies:
        policy = _known(attached)
        if policy is None:
            identity.unknown.append(attached)
        else:
            identity.policies.append(policy)
            identity.via[policy.name] = attached.via
    if not signer.defined:
        identity.policies[:] = [_other_account_identity(signer)]
    return identity


def subject_for(
    inventory: Inventory, signer: PrincipalResource, bucket: Bucket, access_point: AccessPoint | None = None
) -> Subject:
    identity, via, unknown = identity_of(signer)
    boundary = _known(signer.boundary) if signer.boundary else None
    # SCPs defined here govern this organization's principals, not another account's signer; RCPs guard the bucket.
    scps = [op.policy for op in inventory.organization_policies if op.policy.kind is PolicyKind.SCP and signer.defined]
    rcps = [op.policy for op in inventory.organization_policies if op.policy.kind is PolicyKind.RCP]
    return Subject(
        signer=signer,
        bucket=bucket,
        inventory=inventory,
        caller=principal_arn(signer),
        identity=identity,
        identity_via=via,
        unknown_attachments=unknown,
        boundary=boundary,
        unknown_boundary=signer.boundary if signer.boundary and boundary is None else None,
        scps=_organization_level(scps, FULL_AWS_ACCESS, always=False),
        rcps=_organization_level(rcps, RCP_FULL_AWS_ACCESS, always=True),
        access_point=access_point,
    )


def public_access_flag(inventory: Inventory, bucket: Bucket, flag: str) -> bool | None:
    """A Block Public Access setting: True if the bucket's or the account's block sets it, None if one of them holds
    a value Terraform could not resolve and neither sets it, else False."""
    blocks = [b for b in (bucket.public_access_block, inventory.account_public_access_block) if b is not None]
    values = [getattr(block, flag) for block in blocks]
    if True in values:
        return True
    return None if None in values else False


def access_point_restricts(inventory: Inventory, point: AccessPoint) -> bool:
    """RestrictPublicBuckets for requests through an access point: its own setting (on unless its configuration
    turns it off; unresolved reads as on) or the account's."""
    own = point.public_access_block.restrict_public_buckets if point.public_access_block else True
    account = inventory.account_public_access_block
    return own is not False or (account is not None and account.restrict_public_buckets is not False)


def decide(
    subject: Subject,
    action: str,
    resource: str,
    context: UrlContext,
    resource_policy: Policy | None,
    restrict: bool | None = None,
    *,
    tags: bool = True,
) -> Decision:
    """One request of the URL, decided by the engine. `restrict` is RestrictPublicBuckets for the resource policy in
    play; None reads the bucket's (and the account's) setting. `tags=False` leaves every tag key out of the request
    (to tell whether the tags are what leaves a decision uncertain)."""
    if restrict is None:
        # RestrictPublicBuckets only takes access away: when it cannot be resolved, reading it as on never makes a
        # URL look as if it works when it might not.
        restrict = public_access_flag(subject.inventory, subject.bucket, "restrict_public_buckets") is not False
    policy_set = PolicySet(
        identity=subject.identity,
        resource=resource_policy,
        boundary=subject.boundary,
        scps=subject.scps,
        rcps=subject.rcps,
        restrict_public_buckets=restrict,
    )
    keys = request_keys(subject, action, context, resource_policy) if tags else context.keys()
    request = Request(
        principal=subject.caller, action=action, resource=resource, resource_owner=THIS_ACCOUNT, context=keys
    )
    return evaluate_request(request, policy_set)


def request_keys(
    subject: Subject, action: str, context: UrlContext, resource_policy: Policy | None
) -> dict[str, ContextInput]:
    """The condition keys of one request of the URL: the pre-signed request's own (`UrlContext`) and the tags it
    carries, the signer's and the object's, as far as the policies in play name them (linter/presign/tags.py)."""
    keys = context.keys()
    tags, _ = tag_keys(subject.signer, action, subject.policies(resource_policy))
    return {**keys, **tags} if tags else keys


def evaluate_request(request: Request, policy_set: PolicySet) -> Decision:
    """The engine's decision, or an uncertain one when the request cannot be put to it: a signer whose name makes
    no principal ARN (a user named "" or with a character IAM refuses), or a policy in play that AWS would reject
    (the grammar rules report it). Neither would get past `terraform apply`; the pre-flight then knows nothing,
    rather than failing the run."""
    try:
        return evaluate(request, policy_set, now=DEFAULT_NOW)
    except InvalidRequestError as error:
        reason = str(error)
    except InvalidPolicyError as error:
        reason = f"a policy AWS would reject: {error}"
    return Decision("implicitDeny", warnings=(reason,), uncertain=True, possible=_EVERY_DECISION)


_EVERY_DECISION: tuple[DecisionText, ...] = ("allowed", "explicitDeny", "implicitDeny")
