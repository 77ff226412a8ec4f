"""The KMS key of an SSE-KMS bucket: S3 calls KMS as the signer, so reading needs kms:Decrypt and writing
kms:GenerateDataKey on the key, by its key policy (or the IAM policies it delegates to) or a grant (S3 User Guide,
UsingKMSEncryption; KMS Developer Guide, key-policies and grants). The AWS-managed aws/s3 key is usable by every
principal of the account that S3 authorizes; a key not defined here is unknown."""

from __future__ import annotations

from linter.engine.context import UNKNOWN
from linter.engine.explain import Decision
from linter.model import KmsKey, Location, Policy
from linter.presign import wording
from linter.presign.causes import CauseKind, Doubt, GrantDoubt, denial_kind
from linter.presign.doors import UrlRequest
from linter.presign.doors.kms_grants import grants_for
from linter.presign.levels import PolicyType, levels
from linter.presign.problem import ConditionMiss, Problem
from linter.presign.request import UrlContext, kms_action
from linter.presign.resolve import default_key_policy, find_key
from linter.presign.subject import decide
from linter.presign.unmet import unmet_conditions


def problems(request: UrlRequest) -> list[Problem]:
    subject = request.subject
    encryption = subject.bucket.encryption  # a bucket not defined here: its reading is part of its own problem
    if encryption is None or not encryption.algorithm.startswith("aws:kms"):
        return []
    if encryption.kms_key is None:
        return []  # the AWS-managed aws/s3 key: usable by every principal of the account that S3 authorizes
    key: KmsKey | None = find_key(subject.inventory, encryption.kms_key)
    if key is None:
        return [wording.kms_key_unknown(subject, encryption.kms_key, encryption.loc)]
    key_policy = key.policy or default_key_policy(key)
    # S3 calls KMS for the signer: through S3 in the key's region (unknown region: unknown, never assumed).
    via = f"s3.{key.region}.amazonaws.com" if key.region else UNKNOWN
    context = UrlContext(network_known=True, extra={"kms:ViaService": via, "kms:CallerAccount": subject.signer.account})
    found = []
    for action in dict.fromkeys(kms_action(m) for m in request.expectation.methods):
        decision = decide(subject, action, key.arn, context, key_policy)
        if decision.allowed:
            continue
        problem = _refusal(request, key, key_policy, encryption.loc, action, decision, context)
        if problem is not None:
            found.append(problem)
    return found


def _refusal(
    request: UrlRequest,
    key: KmsKey,
    key_policy: Policy,
    encryption: Location,
    action: str,
    decision: Decision,
    context: UrlContext,
) -> Problem | None:
    """Why `action` on the key is refused, or None when a grant certainly stands in for the policies."""
    subject, what = request.subject, request.what
    if decision.uncertain:
        return wording.undecided(subject, decision, action, what)
    # A grant stands in for the key policy and the signer's IAM policies; an explicit deny still wins, and SCPs
    # and RCPs still apply. Whether a permissions boundary or session policy limits a grant is not settled.
    failed = levels(decision.failed_to_allow)
    others = [level for level in failed if level.type not in (PolicyType.IDENTITY, PolicyType.RESOURCE)]
    if decision.decision != "explicitDeny" and not any(level.is_organization for level in others):
        sure, doubtful = grants_for(subject.signer, key, action)
        if sure is not None and not others:
            return None
        if sure is not None:
            doubtful = [(sure, [GrantDoubt(Doubt.LIMITED_BY, levels=tuple(others))]), *doubtful]
        if doubtful:
            return wording.kms_doubtful_grants(subject, key, action, what, doubtful)
    in_key_policy = any(level.type is PolicyType.RESOURCE for level in failed) and decision.decision == "implicitDeny"
    if decision.decision == "explicitDeny" or not in_key_policy:
        kind = denial_kind(decision)
        unmet: tuple[ConditionMiss, ...] = ()
        if kind is CauseKind.IDENTITY_MISSING:
            unmet = unmet_conditions(subject, action, key.arn, context, subject.identity, "identity", key_policy)
        return wording.denial(
            kind,
            subject,
            decision,
            action,
            key.arn,
            what,
            key_policy,
            wording.kms_preface(key),
            f"{key.address}.arn",
            told_as=CauseKind.KMS,
            unmet=unmet,
        )
    in_policy = unmet_conditions(subject, action, key.arn, context, [key_policy], "resource", key_policy)
    return wording.kms_key_policy(subject, what, key, key_policy, encryption, decision, action, in_policy)
