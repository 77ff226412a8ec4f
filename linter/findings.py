"""What rules produce and reports consume."""

from dataclasses import replace
from enum import StrEnum
from typing import Any

from linter.digest import sha256
from linter.model import Location, _instance_schema
from linter.record import fast_record
from linter.safe_text import MESSAGE_LIMIT, bounded


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls(text.lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@fast_record(frozen=True, slots=True, kw_only=True)
class RelatedLocation:
    """A second place that explains a finding: the statement that denies, the key policy that lacks a grant.

    A slotted dataclass, as the findings: importing pydantic and building these as its models cost ~300M instructions
    of a one-policy check (with typer's adapters and the config), and a validation per finding."""

    message: str
    loc: Location

    def __post_init__(self) -> None:
        if len(self.message) > MESSAGE_LIMIT:  # it quotes an input of that size (`bounded`)
            object.__setattr__(self, "message", bounded(self.message))

    def model_copy(self, *, update: dict[str, Any] | None = None) -> "RelatedLocation":
        """A copy with some fields replaced, as the pydantic model this was offered (unvalidated, as there)."""
        return replace(self, **(update or {}))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        return _instance_schema(cls)


@fast_record(frozen=True, slots=True, kw_only=True)
class Finding:
    """What a rule says about one place of an input: its rule, severity, message and location."""

    # Every dataclass here has a docstring: without one, `dataclass` builds one from the signature (50 µs apiece).
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    loc: Location
    related: tuple[RelatedLocation, ...] = ()
    # Stable across line moves: what the finding is about, not where it sits in the file today.
    subject: str = ""

    def __post_init__(self) -> None:
        # What the pydantic model converted: a severity by name, related locations in a list or a generator.
        if not isinstance(self.severity, Severity):
            object.__setattr__(self, "severity", Severity(self.severity))
        if type(self.related) is not tuple:
            object.__setattr__(self, "related", tuple(self.related))
        if len(self.message) > MESSAGE_LIMIT:  # it quotes an input of that size (`bounded`)
            object.__setattr__(self, "message", bounded(self.message))

    def model_copy(self, *, update: dict[str, Any] | None = None) -> "Finding":
        """A copy with some fields replaced, as the pydantic model this was offered (unvalidated, as there)."""
        return replace(self, **(update or {}))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        return _instance_schema(cls)

    @property
    def fingerprint(self) -> str:
        """Identity of the finding for baselines and SARIF partialFingerprints."""
        anchor = self.loc.address or ""
        basis = "\x1f".join((self.rule_id, self.loc.file, anchor, self.loc.json_path, self.subject))
        # surrogatepass: JSON may spell a lone surrogate (`"\ud800"`), which strict UTF-8 cannot encode.
        return sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.loc.file, self.loc.line, self.loc.column, self.rule_id)
