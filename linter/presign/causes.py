"""The closed set of causes a pre-flight verdict reports, and the statuses each may come with.

Every presign rule declares the kinds it reports for one status (`reports_status`, `reports_causes`), and
tests/presign/test_cause_kinds.py fails when a kind and status is reported by no rule or by two: a new cause of a
failing URL needs a decision about where it is reported, instead of landing in IPS001 by default.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import TYPE_CHECKING, NamedTuple

from linter.presign.levels import PolicyLevel, PolicyType, types
from linter.presign.problem import ProblemKind, Status

if TYPE_CHECKING:  # a type only: the rules import the cause kinds, not the engine
    from linter.engine.explain import Decision


class CauseKind(ProblemKind):
    """Why a pre-signed URL fails, may fail, or works only partly. The value starts the finding's subject."""

    # The URL's life (doors/lifetime.py)
    EXPIRY_LIMIT = "expires"  # X-Amz-Expires over 7 days
    CREDENTIAL_LIFETIME = "credential-lifetime"  # the signer's credentials expire before the URL
    CREDENTIAL_REFRESH = "credential-refresh"  # temporary credentials may end a URL early (a caveat)
    # What cannot be matched at all (doors/names.py)
    UNKNOWN_BUCKET_NAME = "bucket-name"
    UNKNOWN_BOUNDARY = "boundary-unknown"
    # Before any policy is read (doors/region.py, doors/access_point_network.py)
    REGION = "region"
    ACCESS_POINT_NETWORK = "access-point-vpc"
    # The object permission (doors/permission.py and the doors that use it)
    IDENTITY_MISSING = "identity"
    EXPLICIT_DENY = "deny"
    BOUNDARY_MISSING = "boundary"
    SCP_MISSING = "scp"
    RCP_MISSING = "rcp"
    RESOURCE_POLICY_MISSING = "resource"
    UNDECIDED = "uncertain"  # the engine cannot decide (an unresolved value)
    UNREADABLE_POLICIES = "unreadable"  # only policies that cannot be read here might allow it
    NETWORK_BOUND = "network"  # works only from some networks (a caveat)
    SIGNATURE_AGE = "signature-age"
    BUCKET_BEHIND_ACCESS_POINT = "bucket-behind"
    EXTERNAL_BUCKET = "cross-account"
    # After the object permission
    ENDPOINT_POLICY = "endpoint"
    KMS = "kms"
    UNKNOWN_KMS_KEY = "kms-key-unknown"
    ACL = "acl"
    PUBLIC_ACL = "acl-public"
    OBJECT_WRITER = "object-writer"
    OTHER_ACCOUNT_SIGNER = "other-account-signer"
    # Written account ids and regions read two ways disagree (preflight.py)
    READINGS_DISAGREE = "account"


# The statuses each kind is reported with: a rule reports a kind for one status.
KIND_STATUSES: dict[CauseKind, frozenset[Status]] = {
    CauseKind.EXPIRY_LIMIT: frozenset({Status.FAILS}),
    CauseKind.CREDENTIAL_LIFETIME: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.CREDENTIAL_REFRESH: frozenset({Status.WORKS}),
    CauseKind.UNKNOWN_BUCKET_NAME: frozenset({Status.UNCERTAIN}),
    CauseKind.UNKNOWN_BOUNDARY: frozenset({Status.UNCERTAIN}),
    CauseKind.REGION: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.ACCESS_POINT_NETWORK: frozenset({Status.FAILS, Status.UNCERTAIN, Status.WORKS}),
    CauseKind.IDENTITY_MISSING: frozenset({Status.FAILS}),
    CauseKind.EXPLICIT_DENY: frozenset({Status.FAILS}),
    CauseKind.BOUNDARY_MISSING: frozenset({Status.FAILS}),
    CauseKind.SCP_MISSING: frozenset({Status.FAILS}),
    CauseKind.RCP_MISSING: frozenset({Status.FAILS}),
    CauseKind.RESOURCE_POLICY_MISSING: frozenset({Status.FAILS}),
    CauseKind.UNDECIDED: frozenset({Status.UNCERTAIN}),
    CauseKind.UNREADABLE_POLICIES: frozenset({Status.UNCERTAIN}),
    CauseKind.NETWORK_BOUND: frozenset({Status.WORKS}),
    CauseKind.SIGNATURE_AGE: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.BUCKET_BEHIND_ACCESS_POINT: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.EXTERNAL_BUCKET: frozenset({Status.UNCERTAIN}),
    CauseKind.ENDPOINT_POLICY: frozenset({Status.FAILS}),
    CauseKind.KMS: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.UNKNOWN_KMS_KEY: frozenset({Status.UNCERTAIN}),
    CauseKind.ACL: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.PUBLIC_ACL: frozenset({Status.FAILS, Status.UNCERTAIN}),
    CauseKind.OBJECT_WRITER: frozenset({Status.UNCERTAIN}),
    CauseKind.OTHER_ACCOUNT_SIGNER: frozenset({Status.UNCERTAIN}),
    CauseKind.READINGS_DISAGREE: frozenset({Status.UNCERTAIN}),
}

# The kinds a certain denial of a permission is told as (wording.denial): what the other doors build on.
DENIALS = frozenset(
    {
        CauseKind.IDENTITY_MISSING,
        CauseKind.EXPLICIT_DENY,
        CauseKind.BOUNDARY_MISSING,
        CauseKind.SCP_MISSING,
        CauseKind.RCP_MISSING,
        CauseKind.RESOURCE_POLICY_MISSING,
    }
)


def denial_kind(decision: Decision) -> CauseKind:
    """Which policy a certain denial is told against: an explicit Deny first, then the first level that did not
    allow, in the order a person fixes them (identity, boundary, organization, resource)."""
    if decision.decision == "explicitDeny":
        return CauseKind.EXPLICIT_DENY
    failed = types(decision.failed_to_allow)
    if PolicyType.IDENTITY in failed or not failed:
        return CauseKind.IDENTITY_MISSING
    if PolicyType.BOUNDARY in failed:
        return CauseKind.BOUNDARY_MISSING
    if PolicyType.SCP in failed:
        return CauseKind.SCP_MISSING
    if PolicyType.RCP in failed:
        return CauseKind.RCP_MISSING
    return CauseKind.RESOURCE_POLICY_MISSING


# Why a KMS grant may or may not let the signer use a key (doors/kms_grants.py): part of a KMS cause's data.
class Doubt(Enum):
    OPERATIONS_UNRESOLVED = auto()
    GRANTEE_UNRESOLVED = auto()  # `grantee`: the unresolved reference
    SIGNER_ARN_UNKNOWN = auto()
    NAMES_THE_ROLE = auto()  # a grant to the role: whether it covers the role's sessions is unsettled
    NAMES_THE_ACCOUNT = auto()  # a grant to the account: its IAM policies then decide
    NAMES_THE_SIGNER_BY_ACCOUNT_ID = auto()  # `account`: an id written out, which may be the configuration's
    CONSTRAINED = auto()  # encryption-context constraints
    KEY_UNRESOLVED = auto()
    LIMITED_BY = auto()  # `levels`: policy levels that do not allow the action (a boundary, a session policy)


class GrantDoubt(NamedTuple):
    doubt: Doubt
    grantee: str = ""
    account: str = ""
    levels: tuple[PolicyLevel, ...] = ()
