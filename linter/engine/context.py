"""The caller and the request context AWS builds for it (IAM User Guide, reference_policies_condition-keys).

From the caller ARN alone AWS fills aws:PrincipalArn (for a role session: the role's ARN), aws:PrincipalAccount,
aws:PrincipalType, aws:userid, aws:username (IAM users only) and aws:PrincipalIsAWSService; from the clock
aws:CurrentTime and aws:EpochTime; from the resource owner aws:ResourceAccount. Explicit entries override all of these.

Some keys AWS always sets hold values an ARN does not reveal: the unique id inside aws:userid of a user or role
session, the issue time and MFA flag of temporary credentials. They are present but UNKNOWN, never absent: treating
them as absent would make negated operators and `...IfExists` silently true. A role session's ARN omits the role's
path, so the derived aws:PrincipalArn has none; pass aws:PrincipalArn explicitly when the role has a path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar, Final, NamedTuple

from linter.lazy_re import lazy_compile


class Unknown:
    """A context value that exists in the real request but is not known here."""

    _instance: ClassVar[Unknown | None] = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()

# A single-valued key holds a str, a multi-valued key a tuple (possibly of one value).
ContextValue = str | tuple[str, ...] | Unknown
ContextInput = str | Sequence[str] | Unknown
# Keys are lower-cased: context key names are case-insensitive.
Context = dict[str, ContextValue]


class InvalidRequestError(ValueError):
    """A request the engine cannot evaluate (unparsable caller ARN, action without a service prefix)."""


class CallerKind(StrEnum):
    USER = "User"
    ROOT = "Account"
    ROLE = "Role"
    SESSION = "AssumedRole"
    FEDERATED = "FederatedUser"
    ANONYMOUS = "Anonymous"
    # No caller named: the simulator's reading of a request without CallerArn, an IAM principal of the resource
    # owner's account whose identity is otherwise unknown.
    UNNAMED = "Unnamed"


class Caller(NamedTuple):
    arn: str
    kind: CallerKind
    partition: str = "aws"
    account: str | None = None
    name: str | None = None  # user, role or federated user name
    session: str | None = None

    def __hash__(self) -> int:  # the ARN and account tell callers apart; hashing every field is slower
        return hash((self.arn, self.account))

    @property
    def role_arn(self) -> str | None:
        if self.kind is CallerKind.ROLE:
            return self.arn
        if self.kind is CallerKind.SESSION:
            return f"arn:{self.partition}:iam::{self.account}:role/{self.name}"
        return None

    @property
    def has_temporary_credentials(self) -> bool:
        return self.kind in (CallerKind.SESSION, CallerKind.ROLE, CallerKind.FEDERATED)


_CALLER = lazy_compile(r"arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)")


@lru_cache(maxsize=4096)
def parse_caller(text: str) -> Caller:
    """The caller named by an IAM user/root/role ARN, an STS session ARN or `anonymous`."""
    if text.lower() == "anonymous":
        return Caller(arn="anonymous", kind=CallerKind.ANONYMOUS)
    match = _CALLER.fullmatch(text)
    if match is None:
        raise InvalidRequestError(f"unsupported caller {text!r}: expected an IAM or STS principal ARN or 'anonymous'")
    partition, service, account, resource = match.groups()
    kind, _, rest = resource.partition("/")
    base = {"arn": text, "partition": partition, "account": account}
    if service == "iam" and resource == "root":
        return Caller(kind=CallerKind.ROOT, **base)
    if service == "iam" and kind in ("user", "role") and rest:
        caller_kind = CallerKind.USER if kind == "user" else CallerKind.ROLE
        return Caller(kind=caller_kind, name=rest.rsplit("/", 1)[-1], **base)
    if service == "sts" and kind == "assumed-role" and rest.count("/") == 1:
        role, session = rest.split("/")
        return Caller(kind=CallerKind.SESSION, name=role, session=session, **base)
    if service == "sts" and kind == "federated-user" and rest and "/" not in rest:
        return Caller(kind=CallerKind.FEDERATED, name=rest, **base)
    raise InvalidRequestError(f"unsupported caller ARN {text!r}")


@lru_cache(maxsize=4096)
def _principal_keys(caller: Caller) -> tuple[tuple[str, ContextValue], ...]:
    if caller.kind is CallerKind.ANONYMOUS:
        return (("aws:principaltype", "Anonymous"), ("aws:userid", "anonymous"))
    if caller.kind is CallerKind.UNNAMED:
        unknown = ("aws:principalarn", "aws:principaltype", "aws:userid", "aws:username")
        account: ContextValue = caller.account or UNKNOWN
        return (
            *((key, UNKNOWN) for key in unknown),
            ("aws:principalaccount", account),
            ("aws:principalisawsservice", "false"),
        )
    assert caller.account is not None
    principal_arn = caller.role_arn or caller.arn
    if caller.kind is CallerKind.ROOT:
        userid: ContextValue = caller.account
    elif caller.kind is CallerKind.FEDERATED:
        userid = f"{caller.account}:{caller.name}"
    else:
        userid = UNKNOWN  # AIDA.../AROA...:session: unique ids are not in the ARN
    keys: list[tuple[str, ContextValue]] = [
        ("aws:principalarn", principal_arn),
        ("aws:principalaccount", caller.account),
        ("aws:principaltype", caller.kind.value if caller.kind is not CallerKind.ROLE else "AssumedRole"),
        ("aws:principalisawsservice", "false"),
        ("aws:userid", userid),
    ]
    if caller.kind is CallerKind.USER:
        keys.append(("aws:username", caller.name or ""))
    if caller.has_temporary_credentials:
        keys += [("aws:tokenissuetime", UNKNOWN), ("aws:multifactorauthpresent", UNKNOWN)]
    return tuple(keys)


def normalise(value: ContextInput) -> ContextValue:
    if isinstance(value, (str, Unknown)):
        return value
    return tuple(str(item) for item in value)


def format_time(now: datetime) -> str:
    return as_utc(now).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(moment: datetime) -> datetime:
    """Aware UTC time; naive times are read as UTC, as AWS reads timestamps without an offset."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@lru_cache(maxsize=64)
def _time_keys(now: datetime) -> tuple[tuple[str, ContextValue], ...]:
    return (("aws:currenttime", format_time(now)), ("aws:epochtime", str(int(as_utc(now).timestamp()))))


def build_context(
    caller: Caller,
    explicit: Mapping[str, ContextInput],
    now: datetime,
    resource_account: str | None = None,
) -> Context:
    context = _base_context(caller, now).copy()
    if resource_account is not None:
        context["aws:resourceaccount"] = resource_account
    for key, value in explicit.items():
        context[key.lower()] = value if type(value) is str else normalise(value)
    return context


@lru_cache(maxsize=1024)
def _base_context(caller: Caller, now: datetime) -> Context:
    """What the caller and the clock give; callers copy it."""
    return {**dict(_principal_keys(caller)), **dict(_time_keys(now))}
