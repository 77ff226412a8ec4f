"""The findings presign rules share: one verdict per declared URL, split by what each rule reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.findings import Finding, RelatedLocation
from linter.rule import Rule, RuleContext

if TYPE_CHECKING:  # the pre-flight machinery loads only when a run has URLs to decide
    from linter.model import Inventory  # pydantic models: loaded only when an inventory is built
    from linter.presign.causes import CauseKind
    from linter.presign.declared import PresignCheck
    from linter.presign.preflight import Problem
    from linter.presign.problem import Status


def problems(
    inventory: Inventory, context: RuleContext, reports: tuple[Status, frozenset[CauseKind]]
) -> Iterator[tuple[PresignCheck, Problem]]:
    """The problems of this inventory's declared URLs with the status and one of the cause kinds a rule declares it
    reports (its `reports()`: each kind and status is reported by exactly one rule)."""
    status, kinds = reports
    for check in context.presign:
        if check.inventory is inventory:
            for problem in check.verdict(context.shared).problems:
                if problem.status is status and problem.kind in kinds:
                    yield check, problem


def finding(rule: Rule, check: PresignCheck, problem: Problem) -> Finding:
    message = problem.message + (f". Fix: {problem.fix}." if problem.fix else ".")
    related = list(problem.related)
    if check.expectation.declared_at:
        related.append(RelatedLocation(message="the URL is declared here", loc=check.expectation.declared_at))
    return rule.finding(
        problem.loc or check.signer.loc,
        message,
        subject=f"{check.signer.address}->{check.bucket.address}/{check.expectation.key}:{problem.subject}",
        related=related,
    )
