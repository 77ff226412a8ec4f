"""The contract every rule in `rules/` follows (cfn-lint's metadata, pylint's docs-as-tests, ruff's doc sections).

A rule is a class with its metadata as class attributes, checked when the class is defined, a docstring with
fixed sections, and a pure `check_policy` (single-policy rules) or `check_inventory` (cross-resource rules)
that yields findings. Rules never print, read files or see a parser's raw output.

The pipeline (`linter.check`) names no rule: what a rule needs from a run, and what it adds to one, it declares
here (`needs_presign_verdicts`, `reports_declared_url`, `check_suppressions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, ClassVar

from linter.findings import Finding, RelatedLocation, Severity
from linter.lazy_re import lazy_compile
from linter.model import Location, Policy, PolicyKind
from linter.record import record

if TYPE_CHECKING:
    from linter.awsdata import AwsData
    from linter.model import Inventory  # loaded only when a Terraform input builds one
    from linter.presign.declared import PresignCheck
    from linter.sources import InlineSuppression

RULE_ID = lazy_compile(r"^IP[A-Z][0-9]{3}$")
RULE_NAME = lazy_compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Instead", "References")
FAMILIES = {
    "G": "policy grammar",
    "A": "actions, resources and condition keys",
    "P": "least privilege",
    "T": "trust policies",
    "R": "resource policies",
    "S": "pre-signed URLs",
    "N": "notes about the inputs",
}


class RuleDefinitionError(TypeError):
    pass


@record
class RuleContext:
    """What a rule may consult besides the policy: the AWS action database, the declared pre-signed URL checks
    (already resolved to an inventory's signer and bucket; for `check_inventory`: a policy without an inventory is
    checked as soon as it is loaded, before they are resolved, and a module checked as it is loaded sees those of
    its own inventory), and a per-run cache rules may share results through."""

    aws: AwsData
    presign: list[PresignCheck] = field(default_factory=list)
    shared: dict[object, object] = field(default_factory=dict)


class Rule:
    """Base class. Subclasses set the metadata below and override one of the check methods."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    doc_url: ClassVar[str]
    tags: ClassVar[tuple[str, ...]] = ()
    # Policy kinds the rule applies to; None means every kind.
    kinds: ClassVar[frozenset[PolicyKind] | None] = None
    # The rule reads the verdicts of the pre-signed URLs the config declares (`RuleContext.presign`): a run resolves
    # them (`check.resolve_declared_urls`) only when a selected rule reads them.
    needs_presign_verdicts: ClassVar[bool] = False
    # The rule reports the verdict of each declared URL, so it reads them too: `iam-preflight presign` runs these
    # rules, and only these, on the one URL it is asked about.
    reports_declared_url: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        problems = _metadata_problems(cls)
        if problems:
            raise RuleDefinitionError(f"{cls.__module__}.{cls.__name__}: " + "; ".join(problems))

    @classmethod
    def family(cls) -> str:
        return FAMILIES[cls.id[2]]

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The docstring split into its fixed sections, in order."""
        return parse_doc_sections(cls.__doc__ or "")

    @classmethod
    def applies_to(cls, kind: PolicyKind) -> bool:
        """Whether the rule checks policies of this kind (asked once per run and kind, not per policy)."""
        return cls.kinds is None or kind in cls.kinds

    @classmethod
    def reads_declared_urls(cls) -> bool:
        """Whether a run with this rule must resolve the declared pre-signed URLs first."""
        return cls.needs_presign_verdicts or cls.reports_declared_url

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        """Single-policy rules override this; it sees one normalised policy at a time."""
        return iter(())

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        """Cross-resource rules override this; it sees everything one Terraform root module defines."""
        return iter(())

    def check_suppressions(self, unused: Sequence[InlineSuppression]) -> Iterator[Finding]:
        """Rules about the suppressions themselves override this; after every rule has run and the findings were
        filtered, it sees the inline suppressions that silenced nothing (never an empty list)."""
        return iter(())

    def finding(
        self,
        loc: Location,
        message: str,
        *,
        subject: str = "",
        related: Iterable[RelatedLocation] = (),
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            rule_name=self.name,
            severity=self.severity,
            message=message,
            loc=loc,
            related=tuple(related),
            subject=subject,
        )


def _metadata_problems(cls: type[Rule]) -> list[str]:
    problems = []
    for attribute in ("id", "name", "severity", "summary", "doc_url"):
        if not hasattr(cls, attribute):
            problems.append(f"missing {attribute}")
    if problems:
        return problems
    if not RULE_ID.match(cls.id) or cls.id[2] not in FAMILIES:
        problems.append(f"id {cls.id!r} must look like IP<family letter><3 digits>, families {sorted(FAMILIES)}")
    if not RULE_NAME.match(cls.name):
        problems.append(f"name {cls.name!r} must be kebab-case")
    if not isinstance(cls.severity, Severity):
        problems.append("severity must be a Severity")
    if not cls.summary or "\n" in cls.summary or len(cls.summary) > 120:
        problems.append("summary must be one line of at most 120 characters")
    if not cls.doc_url.startswith("https://"):
        problems.append("doc_url must be an https link to the AWS documentation")
    if not (isinstance(cls.needs_presign_verdicts, bool) and isinstance(cls.reports_declared_url, bool)):
        problems.append("needs_presign_verdicts and reports_declared_url must be True or False")
    elif cls.reads_declared_urls() and cls.check_policy is not Rule.check_policy:
        # `check` runs check_policy on a policy file as soon as it is loaded, before the URLs are resolved.
        problems.append("a rule that reads the declared URLs' verdicts checks inventories, not single policies")
    return problems


_SECTION = lazy_compile(r"^\s*## (.+?)\s*$", re.MULTILINE)


def parse_doc_sections(doc: str) -> dict[str, str]:
    """`## Title` headed sections of a rule docstring, dedented; text before the first heading is dropped."""
    import inspect

    doc = inspect.cleandoc(doc)
    matches = list(_SECTION.finditer(doc))
    sections = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        sections[match.group(1)] = doc[match.end() : end].strip("\n").rstrip()
    return sections
