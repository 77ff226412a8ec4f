"""The findings presign rules share: one verdict per declared URL, split by what each rule reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.findings import Finding, RelatedLocation
from linter.model import Inventory
from linter.rule import Rule, RuleContext

if TYPE_CHECKING:  # the pre-flight machinery loads only when a run has URLs to decide
    from linter.presign.declared import PresignCheck
    from linter.presign.preflight import Problem


def problems(
    inventory: Inventory, context: RuleContext, status: str, subjects: tuple[str, ...] = ("",)
) -> Iterator[tuple[PresignCheck, Problem]]:
    """The problems of this inventory's declared URLs whose status is `status` ("fails", "uncertain", "works") and
    whose subject starts with one of `subjects` (caveats on working URLs are split between rules by subject)."""
    for check in context.presign:
        if check.inventory is inventory:
            for problem in check.verdict(context.shared).problems:
                if problem.status.value == status and problem.subject.startswith(subjects):
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
