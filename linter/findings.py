"""What rules produce and reports consume."""

# No `from __future__ import annotations` in this module: pydantic would compile and evaluate every field's
# annotation string when the class is built (11M instructions over the three model modules, 1% of a small check).
import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from linter.model import Location


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


class RelatedLocation(BaseModel):
    """A second place that explains a finding: the statement that denies, the key policy that lacks a grant."""

    model_config = ConfigDict(frozen=True)

    message: str
    loc: Location


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    loc: Location
    related: tuple[RelatedLocation, ...] = ()
    # Stable across line moves: what the finding is about, not where it sits in the file today.
    subject: str = ""

    @property
    def fingerprint(self) -> str:
        """Identity of the finding for baselines and SARIF partialFingerprints."""
        anchor = self.loc.address or ""
        basis = "\x1f".join((self.rule_id, self.loc.file, anchor, self.loc.json_path, self.subject))
        # surrogatepass: JSON may spell a lone surrogate (`"\ud800"`), which strict UTF-8 cannot encode.
        return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.loc.file, self.loc.line, self.loc.column, self.rule_id)
