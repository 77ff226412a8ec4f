"""What a decision says about itself: the statements that decided it, the policy types that failed to allow, and
what the engine could not know.

Policy-type labels: "identity", "boundary", "session", "resource", "scp:level N" and "rcp:level N" (N counts from
0 at the organization root down to the account).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from linter.model import Location
from linter.record import fast_record, interpreted

DecisionText = Literal["allowed", "explicitDeny", "implicitDeny"]


@interpreted
@fast_record(frozen=True, slots=True)
class MatchedStatement:
    policy: str  # the policy's name: a file path, Terraform address or simulator input id
    policy_type: str
    index: int
    sid: str | None
    effect: Literal["Allow", "Deny"]
    loc: Location

    def render(self) -> str:
        sid = f" ({self.sid!r})" if self.sid else ""
        return (
            f"{self.loc.short()}: {self.effect} by {self.policy_type} policy {self.policy}, statement {self.index}{sid}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "PolicyId": self.policy,
            "PolicyType": self.policy_type,
            "StatementIndex": self.index,
            "Sid": self.sid,
            "Effect": self.effect,
            "Location": self.loc.short(),
        }


class Decision(NamedTuple):
    """`decision` is the least permissive outcome the engine cannot rule out; when the uncertain parts could change
    it, `uncertain` is set and `possible` lists every outcome they allow. `matched`: for explicitDeny the Deny
    statements, otherwise the Allow statements that counted (for implicitDeny, those that were not enough).
    `warnings` say what was uncertain, `notes` explain rules that applied."""

    decision: DecisionText
    matched: tuple[MatchedStatement, ...] = ()
    failed_to_allow: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    uncertain: bool = False
    possible: tuple[DecisionText, ...] = ()
    missing_context_keys: tuple[str, ...] = ()
    allowed_by_organizations: bool | None = None  # None: no SCP applies
    allowed_by_boundary: bool | None = None  # None: no permissions boundary

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    def explain(self) -> str:
        lines = [
            f"{self.decision} (uncertain: could be {' or '.join(self.possible)})" if self.uncertain else self.decision
        ]
        lines += [f"  {m.render()}" for m in self.matched]
        if self.failed_to_allow:
            lines.append(f"  no Allow in: {', '.join(self.failed_to_allow)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  note: {n}" for n in self.notes]
        if self.missing_context_keys:
            lines.append(f"  context keys not given: {', '.join(self.missing_context_keys)}")
        return "\n".join(lines)
