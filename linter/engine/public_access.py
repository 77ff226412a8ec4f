"""Whether a bucket policy is public, as S3 Block Public Access judges it (S3 User Guide, BPA page).

A policy is public when an Allow grants to everyone ("*" or NotPrincipal) without a condition that pins a fixed
value: a positive, non-wildcard String/Arn test on one of the keys below, or an aws:SourceIp range no broader than /8
(IPv4) or /32 (IPv6). An unresolved value never pins anything: when in doubt the policy is public.
"""

from __future__ import annotations

from linter.engine.conditions import parse_network
from linter.engine.operators import Family, OperatorError, parse_operator
from linter.engine.policies import CompiledPolicy, CompiledStatement
from linter.engine.principals import EntryKind
from linter.model import Condition

_FIXING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:userid",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)
_NARROWEST_PUBLIC_PREFIX = {4: 8, 6: 32}


def _pins_a_fixed_value(condition: Condition) -> bool:
    try:
        operator = parse_operator(condition.operator.value)
    except OperatorError:
        return False
    if operator.negated or operator.if_exists or operator.qualifier == "ForAllValues" or not condition.values:
        return False
    if any(value.is_unknown for value in condition.values) or condition.key.is_unknown:
        return False
    key = condition.key.value.lower()
    if key == "aws:sourceip" and operator.family is Family.IP:
        networks = [parse_network(value.value) for value in condition.values]
        return all(n is not None and n.prefix >= _NARROWEST_PUBLIC_PREFIX[n.version] for n in networks)
    return (
        key in _FIXING_KEYS
        and operator.family in (Family.STRING, Family.ARN)
        and not any("*" in value.value or "?" in value.value for value in condition.values)
    )


def _is_public(statement: CompiledStatement) -> bool:
    if not statement.allow or statement.principals is None:
        return False
    to_everyone = statement.not_principal or any(
        entry.kind in (EntryKind.EVERYONE, EntryKind.UNRESOLVED) for entry in statement.principals
    )
    return to_everyone and not any(_pins_a_fixed_value(c) for c in statement.statement.conditions)


def is_public(policy: CompiledPolicy) -> bool:
    return any(_is_public(statement) for statement in policy.statements)
