"""Principal and NotPrincipal of resource-based policies (IAM User Guide: Principal, NotPrincipal, evaluation logic).

A matching Allow does one of four things for the caller (`Grant`). A Deny names the caller when any entry would
grant it something, an account entry included: denying an account denies all of its principals.

NotPrincipal: AWS checks the caller at several levels (account, then role, then session) and a Deny+NotPrincipal
spares the caller only when every level is listed; the docs therefore ask for the account and the role ARN next to
the session or user. A role ARN entry covers the role's sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import NamedTuple

from linter.engine.context import Caller, CallerKind
from linter.engine.tri import MAYBE, NO, YES, Tri, negate
from linter.lazy_re import lazy_compile
from linter.model import PrincipalRef


class Grant(IntEnum):
    """What a matching Allow of a resource policy gives the caller, weakest first."""

    ACCOUNT = 1  # delegates to the caller's account: its identity policies must still allow
    ROLE = 2  # names the session's role: replaces the identity allow, still limited by boundary and session policy
    EVERYONE = 3  # "*" or Allow+NotPrincipal: as DIRECT for users; for role sessions the docs do not say
    DIRECT = 4  # names the caller itself (user, role session, federated user, root): final in the same account


class EntryKind(StrEnum):
    EVERYONE = "everyone"
    ACCOUNT = "account"
    USER = "user"
    ROLE = "role"
    SESSION = "session"
    FEDERATED_USER = "federated-user"
    OTHER = "other"  # service, web-identity/SAML provider, canonical user, unique id: never an IAM caller here
    UNRESOLVED = "unresolved"


class InvalidPrincipalError(ValueError):
    pass


class PrincipalEntry(NamedTuple):
    kind: EntryKind
    account: str | None = None
    arn: str | None = None
    role_name: str | None = None


_PRINCIPAL_ARN = lazy_compile(r"arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)")
_ACCOUNT_ID = lazy_compile(r"\d{12}")
_UNIQUE_ID = lazy_compile(r"A[A-Z0-9]{3}[A-Z0-9]{12,}")


def parse_entry(ref: PrincipalRef) -> PrincipalEntry:
    """One Principal value; raises InvalidPrincipalError for values AWS rejects."""
    if ref.value.is_unknown:
        return PrincipalEntry(EntryKind.UNRESOLVED)
    return parse_principal(ref.type, ref.value.value)


@lru_cache(maxsize=4096)  # the same principals recur from policy to policy; an invalid one raises each time
def parse_principal(principal_type: str, text: str) -> PrincipalEntry:
    """`parse_entry` of a known value `text` of type `principal_type` ("AWS", "Service", ...)."""
    if principal_type in ("Service", "Federated", "CanonicalUser"):
        return PrincipalEntry(EntryKind.OTHER)
    if principal_type != "AWS":
        raise InvalidPrincipalError(f"unknown principal type {principal_type!r}")
    if text == "*":
        return PrincipalEntry(EntryKind.EVERYONE)
    if "*" in text or "?" in text:
        raise InvalidPrincipalError(f"invalid principal {text!r}: the only wildcard principal is '*'")
    if _ACCOUNT_ID.fullmatch(text):
        return PrincipalEntry(EntryKind.ACCOUNT, account=text)
    if _UNIQUE_ID.fullmatch(text):
        return PrincipalEntry(EntryKind.OTHER)  # a deleted principal's unique id: matches no live caller
    match = _PRINCIPAL_ARN.fullmatch(text)
    if match is None:
        raise InvalidPrincipalError(f"invalid principal {text!r}: not an account id or IAM/STS principal ARN")
    _, service, account, resource = match.groups()
    kind, _, rest = resource.partition("/")
    if service == "iam" and resource == "root":
        return PrincipalEntry(EntryKind.ACCOUNT, account=account)
    if service == "iam" and kind == "user" and rest:
        return PrincipalEntry(EntryKind.USER, account=account, arn=text)
    if service == "iam" and kind == "role" and rest:
        return PrincipalEntry(EntryKind.ROLE, account=account, role_name=rest.rsplit("/", 1)[-1])
    if service == "sts" and kind == "assumed-role" and rest.count("/") == 1:
        return PrincipalEntry(EntryKind.SESSION, account=account, arn=text)
    if service == "sts" and kind == "federated-user" and rest:
        return PrincipalEntry(EntryKind.FEDERATED_USER, account=account, arn=text)
    if service == "iam" and kind == "group":
        raise InvalidPrincipalError(f"invalid principal {text!r}: groups are never principals")
    raise InvalidPrincipalError(f"invalid principal {text!r}")


def _is_callers_role(entry: PrincipalEntry, caller: Caller) -> bool:
    # Role names are unique in an account whatever the path, and a session ARN carries no path.
    return (
        caller.kind in (CallerKind.ROLE, CallerKind.SESSION)
        and entry.account == caller.account
        and entry.role_name == caller.name
    )


def grant_of(entry: PrincipalEntry, caller: Caller) -> tuple[Grant, Tri] | None:
    """What an Allow naming `entry` gives the caller, with how sure that is; None when it names someone else."""
    kind = entry.kind
    if kind is EntryKind.EVERYONE:
        return Grant.EVERYONE, YES
    if kind is EntryKind.UNRESOLVED:
        return Grant.DIRECT, MAYBE
    if kind is EntryKind.ACCOUNT and entry.account == caller.account:
        return (Grant.DIRECT if caller.kind is CallerKind.ROOT else Grant.ACCOUNT), YES
    if kind is EntryKind.ROLE and _is_callers_role(entry, caller):
        return Grant.ROLE, YES
    if kind in (EntryKind.USER, EntryKind.SESSION, EntryKind.FEDERATED_USER) and entry.arn == caller.arn:
        return Grant.DIRECT, YES
    return None


def names_caller(entries: Sequence[PrincipalEntry], caller: Caller) -> Tri:
    """Whether a Principal element covers the caller (for Deny statements and RCPs)."""
    best = NO
    for entry in entries:
        found = grant_of(entry, caller)
        if found is not None:
            best = max(best, found[1])
    return best


def _levels(caller: Caller) -> tuple[str, ...]:
    return {
        CallerKind.ROOT: ("account",),
        CallerKind.USER: ("account", "user"),
        CallerKind.ROLE: ("account", "role"),
        CallerKind.SESSION: ("account", "role", "session"),
        CallerKind.FEDERATED: ("account", "federated-user"),
        CallerKind.ANONYMOUS: ("anonymous",),
        CallerKind.UNNAMED: ("unnamed",),
    }[caller.kind]


def _covers(entry: PrincipalEntry, caller: Caller, level: str) -> Tri:
    kind = entry.kind
    if kind is EntryKind.EVERYONE:
        return YES
    if kind is EntryKind.UNRESOLVED:
        return MAYBE
    if level == "account":
        return YES if kind is EntryKind.ACCOUNT and entry.account == caller.account else NO
    if kind is EntryKind.ROLE and level in ("role", "session"):
        return YES if _is_callers_role(entry, caller) else NO
    return YES if kind.value == level and entry.arn == caller.arn else NO


def not_principal_applies(entries: Sequence[PrincipalEntry], caller: Caller) -> Tri:
    """Whether a NotPrincipal statement applies to the caller: unless every level of the caller is listed."""
    every_level_listed = min(max((_covers(e, caller, level) for e in entries), default=NO) for level in _levels(caller))
    return negate(every_level_listed)
