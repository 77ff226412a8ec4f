"""A verdict's parts: its status and the problems that make it, each with its typed cause and what to do about it.
Nothing here evaluates anything, so a command that only reads a URL or an error back imports no engine."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from linter.findings import RelatedLocation
from linter.model import Location

if TYPE_CHECKING:  # a type only: reading a URL back needs no engine
    from linter.engine.explain import MatchedStatement


class Status(StrEnum):
    WORKS = "works"
    FAILS = "fails"
    UNCERTAIN = "uncertain"


class ProblemKind(StrEnum):
    """The closed set of causes one producer reports (the pre-flight's `CauseKind`, explain-url's `UrlProblemKind`).

    A member's value is the start of the problem's `subject`, the stable name that goes into finding fingerprints
    (and so into users' baselines): never rename a value."""


class ConditionMiss(NamedTuple):
    """An Allow whose action and resource match the request, kept from applying by one of its conditions: the
    condition as written and the value the request carries for its key (None: the request lacks the key)."""

    statement: MatchedStatement
    key: str
    operator: str
    values: tuple[str, ...]
    request_value: str | tuple[str, ...] | None


class Cause(NamedTuple):
    """Why a URL fails, may fail or works only partly, as data: what is decided on, never the words."""

    kind: ProblemKind
    action: str = ""  # the permission in question (s3:GetObject, kms:Decrypt), when the cause is about one
    resource: str = ""  # the ARN it was asked on
    statements: tuple[MatchedStatement, ...] = ()  # the deciding (or not enough) statements
    # The Allows that match the action and the object but whose condition the request does not meet.
    conditions: tuple[ConditionMiss, ...] = ()
    # A URL that works only from some networks: those networks (a CIDR, `VPC endpoint vpce-…`, `inside VPC vpc-…`).
    networks: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        """`deny:s3:GetObject`, `region`: the kind, and the action when the cause is about one."""
        return f"{self.kind.value}:{self.action}" if self.action else self.kind.value


class Problem(NamedTuple):
    """One reason a URL fails (or may fail, or works only partly): its cause, in words, with what to do about it."""

    status: Status  # FAILS, UNCERTAIN, or WORKS for a caveat on a URL that does work
    cause: Cause
    message: str
    fix: str | None = None
    loc: Location | None = None
    related: tuple[RelatedLocation, ...] = ()
    # The message after its opening that names the signer and the URL (`X can sign URLs for Y, but every one returns
    # 403 AccessDenied: `), for a rule that words its own opening (IPS004); empty when the message has no opening.
    reason: str = ""

    @property
    def kind(self) -> ProblemKind:
        return self.cause.kind

    @property
    def subject(self) -> str:
        return self.cause.subject
