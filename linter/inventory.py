"""The inventory: what cross-resource rules (presign) need to know about an account's resources.

pydantic models, built by the Terraform source and `--from-aws` and read back from JSON (`presign.readings`); the
policies they hold are the slotted dataclasses of `linter.model`. This module is loaded only when an inventory is
(`linter.model` names these classes too, and imports this module the first time one is asked for): a check of policy
files never imports pydantic.
"""

# No `from __future__ import annotations` in this module: pydantic would compile and evaluate every field's
# annotation string when the class is built (11M instructions over the three model modules, 1% of a small check).
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from linter.model import THIS_ACCOUNT, THIS_REGION, Location, Policy, Text, regional_arn


class Unresolved(BaseModel):
    """A value the source could not resolve (a variable without a value, a data source, a function it can't run).

    Reported as a note naming the expression; anything that depends on it is "uncertain", never guessed.
    """

    model_config = ConfigDict(frozen=True)

    expression: str
    loc: Location
    reason: str = ""


class AttachedPolicy(BaseModel):
    """A policy reaching a principal: `via` says how (inline, managed policy address/ARN, group membership)."""

    model_config = ConfigDict(frozen=True)

    policy: Policy | None  # None: the policy is outside the inventory (an AWS-managed ARN, an unresolved reference)
    via: str
    ref: Text  # the ARN or reference as written, with its location


class PrincipalResource(BaseModel):
    """An IAM user, role or group defined in the inventory. `defined` is False for a principal of another account
    that the inputs only name by ARN: its identity policies, boundary, SCPs and session limit are then unknown."""

    model_config = ConfigDict(frozen=True)

    type: str  # "user" | "role" | "group"
    name: Text
    address: str
    loc: Location
    arn: str | None = None  # None when the name (or account) is unknown
    policies: list[AttachedPolicy] = []
    groups: list[str] = []  # users: addresses (or names) of groups they belong to
    boundary: AttachedPolicy | None = None
    trust: Policy | None = None  # roles: the assume-role policy
    max_session_duration: int | None = None  # roles: seconds; None when not set (AWS default 3600)
    account: str = THIS_ACCOUNT
    defined: bool = True
    # Users and roles: the tags IAM holds for it (Terraform's `tags_all`: `tags` over the provider's default_tags),
    # by key as written; a value may be unresolved. None: which tags it has is not known (a principal of another
    # account, an unresolved `tags` map, a source that does not say).
    tags: dict[str, Text] | None = None


class PublicAccessBlock(BaseModel):
    model_config = ConfigDict(frozen=True)

    loc: Location
    block_public_acls: bool | None = False
    block_public_policy: bool | None = False
    ignore_public_acls: bool | None = False
    restrict_public_buckets: bool | None = False  # None: set to a value the source could not resolve


class Encryption(BaseModel):
    model_config = ConfigDict(frozen=True)

    loc: Location
    algorithm: str  # "AES256" | "aws:kms" | "aws:kms:dsse"
    kms_key: Text | None = None  # key id/ARN/alias or a reference to an aws_kms_key


class Bucket(BaseModel):
    """A bucket. `defined` is False for a bucket the inputs only name (another account's, or one an access point
    opens): its policy, public-access block, ownership and encryption are then unknown, not absent."""

    model_config = ConfigDict(frozen=True)

    name: Text
    address: str
    loc: Location
    policy: Policy | None = None
    public_access_block: PublicAccessBlock | None = None
    object_ownership: str | None = None  # BucketOwnerEnforced (AWS default) | BucketPreferred | ObjectWriter
    encryption: Encryption | None = None
    acl: Text | None = None
    region: str | None = None  # where it is created when the configuration says
    account: str = THIS_ACCOUNT
    defined: bool = True

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name.value}"


class AccessPoint(BaseModel):
    """An S3 access point: a named door to one bucket, with a policy and Block Public Access settings of its own.

    A request through it must be allowed at the door (identity policies on the access point's ARN, its policy) and
    by the bucket behind it. `bucket` is the bucket's name, or the address of a bucket these inputs define.
    """

    model_config = ConfigDict(frozen=True)

    name: Text
    address: str
    loc: Location
    bucket: Text
    policy: Policy | None = None
    # AWS turns all four settings on for an access point unless its configuration says otherwise.
    public_access_block: PublicAccessBlock | None = None
    vpc_id: Text | None = None  # network origin VPC: only requests from inside that VPC get through
    region: str | None = None

    @property
    def arn(self) -> str:
        """`arn:aws:s3:REGION:THIS_ACCOUNT:accesspoint/NAME`, as `aws_s3_access_point.x.arn` reads (see
        `regional_arn`)."""
        return regional_arn("s3", f"accesspoint/{self.name.value}", self.region)

    def object_arn(self, key: str) -> str:
        return f"{self.arn}/object/{key}"


class VpcEndpoint(BaseModel):
    """A VPC endpoint (aws_vpc_endpoint). AWS chooses its id at apply, so its address stands in for the id, as
    `aws_vpc_endpoint.x.id` reads in the Terraform source; `vpc_id` likewise (a VPC's address, or the id as written).
    A request through the endpoint must also be allowed by its policy (None: AWS's default, which allows all)."""

    model_config = ConfigDict(frozen=True)

    address: str
    loc: Location
    policy: Policy | None = None
    vpc_id: Text | None = None


class KmsGrant(BaseModel):
    """An `aws_kms_grant`: lets its grantee use a key for some operations, beside the key policy and IAM policies.

    `operations` None: not known. `constrained`: it has encryption-context constraints, which S3's request for an
    object may or may not meet. `key_known` False: the key it is on could not be resolved, so it may be any key.
    """

    model_config = ConfigDict(frozen=True)

    address: str
    loc: Location
    grantee: Text  # the grantee principal's ARN as written
    operations: list[str] | None = None
    constrained: bool = False
    key_known: bool = True


class KmsKey(BaseModel):
    """A KMS key the inputs define. AWS chooses its id at apply, so its address stands in for the id.

    `region` is where the key is created when the configuration says (its provider's region); None when nothing in
    the configuration sets it. The ARN then reads `THIS_REGION` in its region part, as `aws_kms_key.x.arn` and
    `aws_kms_alias.x.arn` do in the Terraform source: like THIS_ACCOUNT, one root module's keys live in the one region
    Terraform runs in, so a policy naming a key by reference is exactly the key's ARN. A policy that spells the
    region out (or uses data.aws_region) still compares as uncertain against it.
    """

    model_config = ConfigDict(frozen=True)

    THIS_REGION: ClassVar[str] = THIS_REGION

    address: str
    loc: Location
    policy: Policy | None = None  # None: AWS's default key policy (account root delegation)
    aliases: list[str] = []  # alias names, `alias/name`
    region: str | None = None  # None: not set by the configuration (the environment Terraform runs in decides)
    grants: list[KmsGrant] = []  # on this key, or on a key that could not be resolved (`key_known` False)

    @property
    def arn(self) -> str:
        """A stand-in ARN: `arn:aws:kms:REGION:THIS_ACCOUNT:key/ADDRESS` (see `stand_in_arn`)."""
        return self.stand_in_arn(f"key/{self.address}", self.region)

    @staticmethod
    def stand_in_arn(resource: str, region: str | None) -> str:
        """The ARN of a key (`key/ADDRESS`) or alias (`alias/NAME`) of these inputs, in their account.

        `KmsKey.arn` and the Terraform source's `aws_kms_key.x.arn` and `aws_kms_alias.x.arn` all call it, so they
        compare equal.
        """
        return regional_arn("kms", resource, region)


class OrganizationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str
    loc: Location
    policy: Policy
    targets: list[Text] = []  # root / OU / account ids it is attached to


class Inventory(BaseModel):
    """Everything a set of inputs defines, joined: the Terraform source builds it; rules read it."""

    root: str | None = None  # the root module's folder
    principals: list[PrincipalResource] = []
    managed_policies: dict[str, Policy] = {}  # address -> policy
    buckets: list[Bucket] = []
    access_points: list[AccessPoint] = []
    vpc_endpoints: list[VpcEndpoint] = []
    keys: list[KmsKey] = []
    organization_policies: list[OrganizationPolicy] = []
    account_public_access_block: PublicAccessBlock | None = None
    unresolved: list[Unresolved] = []
