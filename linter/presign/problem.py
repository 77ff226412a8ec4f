"""A verdict's parts: its status and the problems that make it, each with what to do about it. Nothing here
evaluates anything, so a command that only reads a URL or an error back imports no engine."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from linter.findings import RelatedLocation
from linter.model import Location


class Status(StrEnum):
    WORKS = "works"
    FAILS = "fails"
    UNCERTAIN = "uncertain"


class Problem(NamedTuple):
    """One reason a URL fails (or may fail, or works only partly), with what to do about it."""

    status: Status  # FAILS, UNCERTAIN, or WORKS for a caveat on a URL that does work
    message: str
    fix: str | None = None
    loc: Location | None = None
    related: tuple[RelatedLocation, ...] = ()
    subject: str = ""
