"""The inventory: what cross-resource rules (presign) need to know about an account's resources.

Slotted dataclasses, as the policy model they hold (`linter.model`), built by the Terraform source and `--from-aws`.
They were pydantic models: importing pydantic and building them cost ~360M instructions of every Terraform check (a
third of checking a small module); no check imports pydantic for them now. pydantic still validates them where
untrusted text is read back (`presign.readings` re-reads an inventory from JSON through `model_validate`): a
TypeAdapter over these dataclasses, built on first use, with the conversions and errors of the models they were.
This module is loaded only when an inventory is (`linter.model` names these classes too, and imports this module the
first time one is asked for).

As those models: keyword arguments only; the same fields, defaults and field order (the JSON `readings` writes);
equality by class and fields; frozen and hashable by value, except `Inventory`; `model_copy(update=...)` (shallow,
unvalidated), `model_validate`, `model_dump`, `model_dump_json` and `model_fields`. Unlike them, a constructor
neither converts nor copies what it is given: every caller passes the declared types (mypy checks the calls against
the dataclass signatures), and no caller changes a list it has handed over.
"""

# No `from __future__ import annotations` in this module: pydantic's TypeAdapter (`Model.model_validate`) and
# `linter.model._built` read these annotations as objects, without evaluating strings.
from dataclasses import Field, field, fields, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from linter.model import THIS_ACCOUNT, THIS_REGION, Location, Policy, Text, regional_arn
from linter.record import record

if TYPE_CHECKING:
    from pydantic import TypeAdapter


class _ModelFields:
    """`Model.model_fields`: name -> dataclass field, in order (as pydantic's; only the names are read)."""

    def __get__(self, instance: object, owner: type) -> dict[str, "Field[Any]"]:
        return {each.name: each for each in fields(owner)}


class _Model:
    """The base of the inventory's classes: what the pydantic models these were offered, for their callers.

    `model_copy` without pydantic; `model_validate`, `model_dump` and `model_dump_json` through a pydantic TypeAdapter
    over the dataclass (the same conversions, errors and output), built the first time a class is validated or
    dumped, which a check does only to read ids written in its policies as its own (`presign.readings.read_as`). The
    dataclass's methods are `record`'s (`linter.record`)."""

    __slots__ = ()

    model_fields: ClassVar[dict[str, "Field[Any]"]] = _ModelFields()  # type: ignore[assignment]

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Self:
        """A copy with some fields replaced, as the pydantic model this was offered (shallow, unvalidated, as there)."""
        return replace(self, **(update or {}))  # type: ignore[type-var]

    @classmethod
    def model_validate(cls, obj: object) -> Self:
        validated: Self = _adapter(cls).validate_python(obj)
        return validated

    def model_dump(self, *, mode: Literal["json", "python"] = "python", exclude: set[str] | None = None) -> Any:
        return _adapter(type(self)).dump_python(self, mode=mode, exclude=exclude)

    def model_dump_json(self) -> str:
        return _adapter(type(self)).dump_json(self).decode()


def _adapter(model: type) -> "TypeAdapter[Any]":
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        from pydantic import TypeAdapter  # lazy: ~300M instructions, for the few checks that re-read written ids

        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


_ADAPTERS: dict[type, "TypeAdapter[Any]"] = {}


@record(frozen=True, slots=True, kw_only=True)
class Unresolved(_Model):
    """A value the source could not resolve (a variable without a value, a data source, a function it can't run).

    Reported as a note naming the expression; anything that depends on it is "uncertain", never guessed.
    """

    expression: str
    loc: Location
    reason: str = ""


@record(frozen=True, slots=True, kw_only=True)
class AttachedPolicy(_Model):
    """A policy reaching a principal: `via` says how (inline, managed policy address/ARN, group membership)."""

    policy: Policy | None  # None: the policy is outside the inventory (an AWS-managed ARN, an unresolved reference)
    via: str
    ref: Text  # the ARN or reference as written, with its location


@record(frozen=True, slots=True, kw_only=True)
class PrincipalResource(_Model):
    """An IAM user, role or group defined in the inventory. `defined` is False for a principal of another account
    that the inputs only name by ARN: its identity policies, boundary, SCPs and session limit are then unknown."""

    type: str  # "user" | "role" | "group"
    name: Text
    address: str
    loc: Location
    arn: str | None = None  # None when the name (or account) is unknown
    policies: list[AttachedPolicy] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # users: addresses (or names) of groups they belong to
    boundary: AttachedPolicy | None = None
    trust: Policy | None = None  # roles: the assume-role policy
    max_session_duration: int | None = None  # roles: seconds; None when not set (AWS default 3600)
    account: str = THIS_ACCOUNT
    defined: bool = True
    # Users and roles: the tags IAM holds for it (Terraform's `tags_all`: `tags` over the provider's default_tags),
    # by key as written; a value may be unresolved. None: which tags it has is not known (a principal of another
    # account, an unresolved `tags` map, a source that does not say).
    tags: dict[str, Text] | None = None


@record(frozen=True, slots=True, kw_only=True)
class PublicAccessBlock(_Model):
    """S3 Block Public Access settings: a bucket's, an access point's or the account's."""

    loc: Location
    block_public_acls: bool | None = False
    block_public_policy: bool | None = False
    ignore_public_acls: bool | None = False
    restrict_public_buckets: bool | None = False  # None: set to a value the source could not resolve


@record(frozen=True, slots=True, kw_only=True)
class Encryption(_Model):
    """A bucket's default encryption."""

    loc: Location
    algorithm: str  # "AES256" | "aws:kms" | "aws:kms:dsse"
    kms_key: Text | None = None  # key id/ARN/alias or a reference to an aws_kms_key


@record(frozen=True, slots=True, kw_only=True)
class Bucket(_Model):
    """A bucket. `defined` is False for a bucket the inputs only name (another account's, or one an access point
    opens): its policy, public-access block, ownership and encryption are then unknown, not absent."""

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


@record(frozen=True, slots=True, kw_only=True)
class AccessPoint(_Model):
    """An S3 access point: a named door to one bucket, with a policy and Block Public Access settings of its own.

    A request through it must be allowed at the door (identity policies on the access point's ARN, its policy) and
    by the bucket behind it. `bucket` is the bucket's name, or the address of a bucket these inputs define.
    """

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


@record(frozen=True, slots=True, kw_only=True)
class VpcEndpoint(_Model):
    """A VPC endpoint (aws_vpc_endpoint). AWS chooses its id at apply, so its address stands in for the id, as
    `aws_vpc_endpoint.x.id` reads in the Terraform source; `vpc_id` likewise (a VPC's address, or the id as written).
    A request through the endpoint must also be allowed by its policy (None: AWS's default, which allows all)."""

    address: str
    loc: Location
    policy: Policy | None = None
    vpc_id: Text | None = None


@record(frozen=True, slots=True, kw_only=True)
class KmsGrant(_Model):
    """An `aws_kms_grant`: lets its grantee use a key for some operations, beside the key policy and IAM policies.

    `operations` None: not known. `constrained`: it has encryption-context constraints, which S3's request for an
    object may or may not meet. `key_known` False: the key it is on could not be resolved, so it may be any key.
    """

    address: str
    loc: Location
    grantee: Text  # the grantee principal's ARN as written
    operations: list[str] | None = None
    constrained: bool = False
    key_known: bool = True


@record(frozen=True, slots=True, kw_only=True)
class KmsKey(_Model):
    """A KMS key the inputs define. AWS chooses its id at apply, so its address stands in for the id.

    `region` is where the key is created when the configuration says (its provider's region); None when nothing in
    the configuration sets it. The ARN then reads `THIS_REGION` in its region part, as `aws_kms_key.x.arn` and
    `aws_kms_alias.x.arn` do in the Terraform source: like THIS_ACCOUNT, one root module's keys live in the one region
    Terraform runs in, so a policy naming a key by reference is exactly the key's ARN. A policy that spells the
    region out (or uses data.aws_region) still compares as uncertain against it.
    """

    THIS_REGION: ClassVar[str] = THIS_REGION

    address: str
    loc: Location
    policy: Policy | None = None  # None: AWS's default key policy (account root delegation)
    aliases: list[str] = field(default_factory=list)  # alias names, `alias/name`
    region: str | None = None  # None: not set by the configuration (the environment Terraform runs in decides)
    # On this key, or on a key that could not be resolved (`key_known` False).
    grants: list[KmsGrant] = field(default_factory=list)

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


@record(frozen=True, slots=True, kw_only=True)
class OrganizationPolicy(_Model):
    """An SCP or RCP and the roots, OUs and accounts it is attached to."""

    address: str
    loc: Location
    policy: Policy
    targets: list[Text] = field(default_factory=list)  # root / OU / account ids it is attached to


@record(slots=True, kw_only=True)
class Inventory(_Model):
    """Everything a set of inputs defines, joined: the Terraform source builds it; rules read it."""

    root: str | None = None  # the root module's folder
    principals: list[PrincipalResource] = field(default_factory=list)
    managed_policies: dict[str, Policy] = field(default_factory=dict)  # address -> policy
    buckets: list[Bucket] = field(default_factory=list)
    access_points: list[AccessPoint] = field(default_factory=list)
    vpc_endpoints: list[VpcEndpoint] = field(default_factory=list)
    keys: list[KmsKey] = field(default_factory=list)
    organization_policies: list[OrganizationPolicy] = field(default_factory=list)
    account_public_access_block: PublicAccessBlock | None = None
    unresolved: list[Unresolved] = field(default_factory=list)
