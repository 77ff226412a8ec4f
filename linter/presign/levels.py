"""The engine's policy-type labels (`identity`, `resource`, `scp:level 0` ...) read once into a typed level.

`Decision.failed_to_allow` and `MatchedStatement.policy_type` are strings; every question the pre-flight asks about
them (is it an SCP? the resource policy?) goes through `PolicyLevel`, so no prefix test on a label is spread around.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # a type only: the rules import the cause kinds, not the engine
    from linter.engine.explain import Decision


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"
    OTHER = "other"  # a label this reading does not know: worded as the engine wrote it


class PolicyLevel(NamedTuple):
    """`scp:level 1` -> (SCP, depth 1); `identity` -> (IDENTITY, None). `label` is the engine's text."""

    type: PolicyType
    label: str
    depth: int | None = None

    @staticmethod
    def parse(label: str) -> PolicyLevel:
        return _parse(label)

    @property
    def is_organization(self) -> bool:
        """An SCP or RCP level: a KMS grant never stands in for those."""
        return self.type in (PolicyType.SCP, PolicyType.RCP)


@cache  # the engine writes a handful of labels, again and again
def _parse(label: str) -> PolicyLevel:
    name, _, level = label.partition(":")
    try:
        kind = PolicyType(name)
    except ValueError:
        return PolicyLevel(PolicyType.OTHER, label)
    depth = level.removeprefix("level ")
    return PolicyLevel(kind, label, int(depth) if depth.isdigit() else None)


def levels(labels: tuple[str, ...]) -> list[PolicyLevel]:
    return [PolicyLevel.parse(label) for label in labels]


def types(labels: tuple[str, ...]) -> set[PolicyType]:
    return {PolicyLevel.parse(label).type for label in labels}


def restricted_by_block_public_access(decision: Decision) -> bool:
    """Whether RestrictPublicBuckets took a public grant away. The engine says so only in a note's text; the one
    place the pre-flight reads it (a typed flag on Decision would be better: see the engine)."""
    return any(note.startswith("RestrictPublicBuckets") for note in decision.notes)
