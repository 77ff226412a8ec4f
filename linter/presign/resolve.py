"""Find the signer, the bucket and the KMS key a URL expectation names, in an inventory.

A reference is a Terraform address (`aws_iam_user.user_two`, `module.app.aws_iam_role.api`), an ARN or a name.
A reference that names nothing is an input error that lists the closest matches.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from linter.lazy_re import lazy_compile
from linter.model import (
    THIS_ACCOUNT,
    AccessPoint,
    Bucket,
    Inventory,
    KmsKey,
    Location,
    Policy,
    PolicyKind,
    PrincipalResource,
    Text,
    VpcEndpoint,
)
from linter.sources.policy_document import policy_at

S3_ARN_PREFIX = "arn:aws:s3:::"
# S3 bucket naming rules (general purpose buckets): 3-63 lower-case letters, digits, dots and hyphens.
BUCKET_NAME = lazy_compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class UnknownReference(LookupError):
    """Nothing matches a reference; the message names the closest candidates."""


def _closest(reference: str, names: Iterable[str]) -> str:
    candidates = sorted(set(names))
    close = difflib.get_close_matches(reference, candidates, n=3, cutoff=0.4)
    if close:
        return f"; did you mean {', '.join(close)}?"
    return f"; defined here: {', '.join(candidates[:6])}" if candidates else "; none is defined in these inputs"


def _matches(reference: str, address: str, names: Sequence[str]) -> bool:
    return reference == address or address.endswith(f".{reference}") or reference in names


def find_principal(inventories: Iterable[Inventory], reference: str) -> tuple[Inventory, PrincipalResource]:
    seen: list[str] = []
    for inventory in inventories:
        for principal in inventory.principals:
            if principal.type == "group":
                continue
            names = [principal.name.value, principal.arn or "", principal_arn(principal)]
            if _matches(reference, principal.address, names):
                return inventory, principal
            seen += [principal.address, principal.name.value]
    raise UnknownReference(f"unknown signer {reference!r}{_closest(reference, seen)}")


def find_bucket(
    inventories: Iterable[Inventory], reference: str, bucket_account: str | None = None, where: Location | None = None
) -> tuple[Inventory, Bucket, AccessPoint | None]:
    """The bucket a reference names, or the access point it names and the bucket behind it.

    Buckets are looked up first (address, name, ARN), then access points (address, name, ARN): a bucket and an
    access point may share a name, and the access point can always be named by its address. With `bucket_account`,
    a bucket these inputs do not define is one of that (other) account, known by name only.
    """
    seen: list[str] = []
    searched = list(inventories)
    for inventory in searched:
        for bucket in inventory.buckets:
            if _matches(reference.removeprefix(S3_ARN_PREFIX), bucket.address, [bucket.name.value]):
                if bucket_account is not None:
                    raise UnknownReference(
                        f"bucket {reference!r} is defined here ({bucket.address}), so it is in this configuration's "
                        "account; a bucket account is only for buckets defined elsewhere"
                    )
                return inventory, bucket, None
            seen += [bucket.address, bucket.name.value]
        for point in inventory.access_points:
            # By ARN: the name decides (the account and region in it are where this configuration deploys).
            by_arn = reference.startswith("arn:") and reference.endswith(f":accesspoint/{point.name.value}")
            if by_arn or _matches(reference, point.address, [point.name.value]):
                return inventory, _bucket_behind(inventory, point), point
            seen += [point.address]
    name = reference.removeprefix(S3_ARN_PREFIX)
    if bucket_account is not None and searched:
        if not BUCKET_NAME.fullmatch(name):
            raise UnknownReference(f"{reference!r} is not a bucket name or an S3 bucket ARN")
        loc = where or Location(file="--bucket")
        external = Bucket(
            name=Text(value=name, loc=loc),
            address=f"{S3_ARN_PREFIX}{name}",
            loc=loc,
            account=bucket_account,
            defined=False,
        )
        return searched[0], external, None
    hint = " (a bucket of another account: give its account id, --bucket-account / bucket-account)"
    raise UnknownReference(
        f"unknown bucket {reference!r}{_closest(reference, seen)}{hint if BUCKET_NAME.fullmatch(name) else ''}"
    )


def _bucket_behind(inventory: Inventory, point: AccessPoint) -> Bucket:
    """The bucket an access point opens: one these inputs define (by address or name), else known by name only."""
    for bucket in inventory.buckets:
        if point.bucket.value in (bucket.address, bucket.name.value) and not point.bucket.is_unknown:
            return bucket
    name = point.bucket
    return Bucket(name=name, address=f"{S3_ARN_PREFIX}{name.value}", loc=name.loc, defined=False)


def find_endpoint(inventory: Inventory, reference: str) -> VpcEndpoint | None:
    """The VPC endpoint of these inputs a declared `vpce` names by address (its id is AWS's choice: the address
    stands in for it); None for an endpoint id written out, whose policy is not known here."""
    return next((e for e in inventory.vpc_endpoints if _matches(reference, e.address, [])), None)


def find_key(inventory: Inventory, reference: Text) -> KmsKey | None:
    """The key a bucket's encryption names: its address (what the Terraform source gives for references to a key or
    an alias of it), its stand-in ARN, an alias name, or an alias ARN. Exact comparisons only: `alias/app` must
    not find the key of `alias/app-logs`."""
    written = reference.unresolved or reference.value
    for key in inventory.keys:
        if written in (key.address, key.arn) or written in key.aliases:
            return key
        if any(written.endswith(f":{alias}") for alias in key.aliases):
            return key
    return None


# A principal of another account, named by ARN: a user, a role, or a session of a role.
_PRINCIPAL_ARN = lazy_compile(
    r"arn:aws:(?:iam::(?P<account>\d{12}):(?P<type>user|role)/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]+)"
    r"|sts::(?P<session_account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]+)/[\w+=,.@-]+)"
)


def is_principal_arn(reference: str) -> bool:
    return _PRINCIPAL_ARN.fullmatch(reference) is not None


def other_account_principal(inventories: Sequence[Inventory], reference: str, where: Location) -> PrincipalResource:
    """The principal an IAM/STS ARN names when nothing here matches it: one of another account, known by ARN only.
    A user or role of the same name defined here makes the ARN ambiguous (its account may be this configuration's):
    that is an input error, not a guess."""
    match = _PRINCIPAL_ARN.fullmatch(reference)
    if match is None:
        raise UnknownReference(f"{reference!r} is not the ARN of an IAM user, role or role session")
    kind = match["type"] or "role"
    name = match["name"] or match["role"]
    for inventory in inventories:
        for principal in inventory.principals:
            if principal.type == kind and principal.name.value == name:
                raise UnknownReference(
                    f"{reference!r} may be {principal.address}, defined here: name it by its address, or say which "
                    "account this configuration deploys to (--account, account = in the config)"
                )
    return PrincipalResource(
        type=kind,
        name=Text(value=name, loc=where),
        address=reference,
        loc=where,
        arn=reference if match["type"] else None,
        account=match["account"] or match["session_account"],
        defined=False,
    )


def grantable_arn(principal: PrincipalResource) -> str:
    """The ARN a resource policy names to grant this user or role (a role, not one of its sessions)."""
    return principal.arn or f"arn:aws:iam::{principal.account}:{principal.type}/{principal.name.value}"


def principal_arn(principal: PrincipalResource) -> str:
    """The ARN requests are made as: a user itself, or a session of a role (roles only sign through sessions)."""
    name = principal.name.value
    if principal.type == "role":
        if principal.address.startswith("arn:aws:sts::"):
            return principal.address  # named by its session's ARN
        return f"arn:aws:sts::{principal.account}:assumed-role/{name}/iam-preflight"
    return principal.arn if principal.arn and "${" not in principal.arn else f"arn:aws:iam::{THIS_ACCOUNT}:user/{name}"


def default_key_policy(key: KmsKey) -> Policy:
    """AWS's default key policy: the account root, i.e. the account's IAM policies, may use the key."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{THIS_ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    # The default policy has no text in the configuration: every element points at the key resource itself.
    return policy_at(document, f"{key.address} (AWS default key policy)", key.loc, PolicyKind.KEY)
