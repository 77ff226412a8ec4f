"""Who a statement's Principal lets in, and which conditions narrow that; shared by the resource and trust rules."""

from __future__ import annotations

import ipaddress

from linter.engine.operators import Family, Operator
from linter.model import Condition, PrincipalRef, Statement
from rules._shared.statements import is_allow, is_restricted, is_wildcard_only, key_name

# Keys that pin an `AWS: *` grant to known callers, networks or source resources (iam-semantics §4, S3 Block Public
# Access's "fixed values", plus the KMS and S3 access-point keys AWS's own policies use with Principal "*").
PRINCIPAL_PINNING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        "aws:userid",
        "aws:username",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
# Keys that tie a service principal's request to the resource or account it acts for (confused deputy). KMS
# encryption-context keys such as kms:EncryptionContext:aws:logs:arn are set by the calling service to that
# resource, and are what AWS's key policies for CloudWatch Logs and CloudTrail use.
SOURCE_KEYS = frozenset(
    {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner"}
)
ENCRYPTION_CONTEXT_PREFIX = "kms:encryptioncontext:"

# S3 Block Public Access treats an aws:SourceIp range broader than /8 as public (iam-semantics §4). AWS states no
# IPv6 bound there; /32, a typical ISP allocation, is this tool's choice.
_NARROWEST_PUBLIC_PREFIX = {4: 8, 6: 32}


def _narrow_network(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return network.prefixlen >= _NARROWEST_PUBLIC_PREFIX[network.version]


def _fixed_principal_arn(value: str) -> bool:
    parts = value.split(":")
    return len(parts) >= 6 and not any(c in parts[4] for c in "*?")


def pins_principal(condition: Condition, operator: Operator) -> bool:
    """An `accept` (see `is_restricted`) for conditions that keep an `AWS: *` grant from being public."""
    name = key_name(condition)
    if name not in PRINCIPAL_PINNING_KEYS:
        return False
    if name == "aws:sourceip":
        return operator.family is Family.IP and all(_narrow_network(v.value) for v in condition.values)
    if name == "aws:principalarn":
        return all(_fixed_principal_arn(v.value) for v in condition.values)
    if name == "aws:principalisawsservice":
        # AWS's service principals only (the data perimeter's endpoint and resource policies): no anonymous caller.
        return operator.family is Family.BOOL and all(v.value.lower() == "true" for v in condition.values)
    return not any(is_wildcard_only(v.value) for v in condition.values)


def ties_to_source(condition: Condition, operator: Operator) -> bool:
    """An `accept` for conditions that bind a service principal to its source resource or account."""
    name = key_name(condition)
    return name in SOURCE_KEYS or name.startswith(ENCRYPTION_CONTEXT_PREFIX)


# Keys that pin an `AWS: *` grant to AWS's service principals: to every customer's requests through those services.
SERVICE_PINNING_KEYS = frozenset({"aws:principalisawsservice", "aws:principalservicename"})


def pins_to_services(condition: Condition, operator: Operator) -> bool:
    """An `accept` for the conditions that keep an `AWS: *` grant to AWS's service principals."""
    return key_name(condition) in SERVICE_PINNING_KEYS and pins_principal(condition, operator)


def pins_otherwise(condition: Condition, operator: Operator) -> bool:
    """An `accept` for the conditions that keep an `AWS: *` grant from being public in any other way."""
    return key_name(condition) not in SERVICE_PINNING_KEYS and pins_principal(condition, operator)


def refs_of_type(statement: Statement, principal_type: str) -> list[PrincipalRef]:
    """Known principal entries of one type (`AWS`, `Service`, `Federated`, `CanonicalUser`)."""
    if statement.principal is None:
        return []
    return [r for r in statement.principal.refs if r.type == principal_type and not r.value.is_unknown]


def public_principal(statement: Statement) -> PrincipalRef | None:
    """The `"*"` / `{"AWS": "*"}` entry of a statement, if it has one."""
    return next((r for r in refs_of_type(statement, "AWS") if r.value.value == "*"), None)


def unrestricted_public(statement: Statement) -> PrincipalRef | None:
    """The `*` principal of an Allow that no condition keeps from being public (iam-semantics §1, §4)."""
    if not is_allow(statement):
        return None
    everyone = public_principal(statement)
    if everyone is None or is_restricted(statement, pins_principal):
        return None
    return everyone
