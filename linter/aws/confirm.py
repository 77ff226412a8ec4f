"""AWS's answers set against the local engine's on the very same requests, and what that does to the verdict.

The local side of each part is the offline engine answering the identical SimulateCustomPolicy request
(`linter.engine.simulate`), so both answers cite statements by the same policy ids and positions. Where AWS
simulated a part, its answer decides that part: a denial fails the URL; a decision the local engine reached
differently is a disagreement (an error: one of the two is wrong), shown with what each matched. Everything AWS was
not asked keeps the local verdict, and the output says which parts those are.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple

from linter.aws.simulate import EvalResult, NotSimulated, Plan, SimulationPart, read_results
from linter.engine.simulate import simulate_request
from linter.presign.subject import DEFAULT_NOW

# What the simulator does not take, or this tool does not send it: always decided locally (iam-semantics.md §5).
ALWAYS_LOCAL = (
    "SCPs and RCPs",
    "Block Public Access",
    "ACLs and Object Ownership",
    "credential lifetime",
    "region",
    "VPC endpoint policies",
)


class Agreement(StrEnum):
    CONFIRMED = "confirmed"  # AWS and the local engine decided the same
    DISAGREE = "disagreement"  # both decided, differently
    DECIDED_BY_AWS = "decided by AWS"  # the local engine could not decide; AWS did


class Comparison(NamedTuple):
    part: SimulationPart
    aws: EvalResult
    local: EvalResult | None  # None: the engine gave no answer for this action and resource

    @property
    def agreement(self) -> Agreement:
        if self.local is None or self.local.uncertain:
            return Agreement.DECIDED_BY_AWS
        return Agreement.CONFIRMED if self.local.decision == self.aws.decision else Agreement.DISAGREE


class Confirmation(NamedTuple):
    comparisons: list[Comparison]
    not_simulated: list[NotSimulated]

    @property
    def disagreements(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.agreement is Agreement.DISAGREE]

    @property
    def denied_by_aws(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.aws.allowed]

    @property
    def settled_actions(self) -> frozenset[str]:
        """Actions the engine could not decide that AWS allowed on every object asked, lacking no context value,
        in calls that held every policy the local verdict weighs for them (`SimulationPart.whole`)."""
        by_action: dict[str, list[Comparison]] = {}
        for comparison in self.comparisons:
            by_action.setdefault(comparison.aws.action, []).append(comparison)
        return frozenset(
            action
            for action, answers in by_action.items()
            if any(c.agreement is Agreement.DECIDED_BY_AWS for c in answers)
            and all(c.aws.allowed and not c.aws.missing_context and c.part.whole for c in answers)
        )

    def exit_code(self, local: int) -> int:
        """1 when AWS denies a part or disagrees with the local engine; else the local verdict's code, which still
        decides everything AWS was not asked."""
        if self.disagreements or self.denied_by_aws:
            return max(local, 1)
        return local


Simulator = Callable[[dict[str, Any]], list[dict[str, Any]]]


def confirm(plan: Plan, ask_aws: Simulator) -> Confirmation:
    """Ask AWS each part of the plan (`ask_aws`: `linter.aws.client.simulate_policy` on a client) and set its
    answers against the local engine's on the same requests."""
    comparisons: list[Comparison] = []
    unanswered: list[NotSimulated] = []
    for part in plan.parts:
        aws = read_results(ask_aws(part.request))
        local = {(r.action, r.resource): r for r in _local(part)}
        comparisons += [Comparison(part, answer, local.get((answer.action, answer.resource))) for answer in aws]
        answered = {(answer.action, answer.resource) for answer in aws}
        unanswered += [
            NotSimulated(f"{action} on {resource}", "AWS's answer did not include it")
            for action in part.request["ActionNames"]
            for resource in part.request["ResourceArns"]
            if (action, resource) not in answered
        ]
    return Confirmation(comparisons, [*plan.not_simulated, *unanswered])


def _local(part: SimulationPart) -> list[EvalResult]:
    if part.engine_request is None:
        return []  # a principal's policies the inputs do not hold: AWS decides
    response = simulate_request(part.engine_request, now=DEFAULT_NOW)
    return read_results(response["EvaluationResults"])


# --- words ---------------------------------------------------------------------------------------------------------


def _statements(result: EvalResult, part: SimulationPart) -> str:
    if not result.matched:
        return "no statement matched"
    # SimulatePrincipalPolicy names the principal's own policies (a name, a managed policy's ARN): AWS holds them.
    unsent = "the principal's, in AWS" if part.operation == "SimulatePrincipalPolicy" else "not sent"
    cited = [
        f"{m.source_policy_id} ({part.sources.get(m.source_policy_id, unsent)}) line {m.line} column {m.column}"
        for m in result.matched
    ]
    return "matched " + "; ".join(cited)


def _where(comparison: Comparison) -> str:
    opened = f" from {comparison.part.opened_from}" if comparison.part.opened_from else ""
    return f"{comparison.aws.action} on {comparison.aws.resource}{opened}"


def disagreement(comparison: Comparison) -> str:
    """One disagreement in one line (IPS006's message): where, and what each side decided with what it matched."""
    local = comparison.local
    assert local is not None
    return (
        f"AWS's policy simulator and the local verdict disagree on {_where(comparison)}: AWS says "
        f"{comparison.aws.decision} ({_statements(comparison.aws, comparison.part)}), the local engine "
        f"{local.decision} ({_statements(local, comparison.part)})"
    )


def local_only_line() -> str:
    return f"  local only: {', '.join(ALWAYS_LOCAL)} (the simulator is not given them)"


def text_lines(confirmation: Confirmation, *, always: bool = True) -> list[str]:
    """The confirmation for a person; every value that came from an input is escaped by the caller's writer.
    `always`: end with what is never simulated (`check` says it once for all its URLs instead)."""
    operations = sorted({c.part.operation for c in confirmation.comparisons}) or ["SimulateCustomPolicy"]
    lines = [f"Confirmed with AWS ({', '.join('iam:' + operation for operation in operations)}):"]
    for c in confirmation.comparisons:
        if c.agreement is Agreement.DISAGREE:
            assert c.local is not None
            lines.append(f"  error  AWS and the local verdict disagree on {_where(c)}:")
            lines.append(f"         AWS: {c.aws.decision}, {_statements(c.aws, c.part)}")
            lines.append(f"         local: {c.local.decision}, {_statements(c.local, c.part)}")
        else:
            lines.append(f"  {c.agreement.value}: {_where(c)}: {c.aws.decision} ({_statements(c.aws, c.part)})")
        if c.aws.missing_context:
            lines.append(f"         context AWS lacked: {', '.join(c.aws.missing_context)}")
    for skipped in confirmation.not_simulated:
        lines.append(f"  local only: {skipped.what}: {skipped.why}")
    if always:
        lines.append(local_only_line())
    return lines


def after_report(report: str, confirmation: Confirmation) -> str:
    """A text report, then the confirmation (presign's and explain-url's `--simulate`), every line escaped."""
    from linter.safe_text import for_terminal  # lazy: only a text report with --simulate

    return report.rstrip("\n") + "\n\n" + "\n".join(for_terminal(line) for line in text_lines(confirmation)) + "\n"


def _result_json(result: EvalResult | None) -> dict[str, object] | None:
    if result is None:
        return None
    return {
        "decision": result.decision,
        "matched": [
            {"source_policy_id": m.source_policy_id, "line": m.line, "column": m.column} for m in result.matched
        ],
        "missing_context": list(result.missing_context),
    }


def as_json(confirmation: Confirmation) -> dict[str, object]:
    return {
        "confirmed_with_aws": [
            {
                "part": c.part.kind.value,
                "action": c.aws.action,
                "resource": c.aws.resource,
                "opened_from": c.part.opened_from or None,
                "agreement": c.agreement.value,
                "aws": _result_json(c.aws),
                "local": _result_json(c.local),
                "sources": c.part.sources,
            }
            for c in confirmation.comparisons
        ],
        "local_only": [{"what": s.what, "why": s.why} for s in confirmation.not_simulated]
        + [{"what": what, "why": "the simulator is not given it"} for what in ALWAYS_LOCAL],
    }
