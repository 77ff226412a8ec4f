"""Three-valued answers: a statement, matcher or condition can be known to hold, known not to, or undecidable.

Undecidable (MAYBE) comes from values the tool cannot know (unresolved Terraform expressions, context keys AWS
sets but the request does not say) and from the open questions of docs/iam-semantics.md. Combining follows Kleene
logic, which the ordering NO < MAYBE < YES makes `min` (and), `max` (or) and `negate` (not).
"""

from __future__ import annotations

from enum import IntEnum


class Tri(IntEnum):
    NO = 0
    MAYBE = 1
    YES = 2


NO, MAYBE, YES = Tri.NO, Tri.MAYBE, Tri.YES
_NEGATED = (YES, MAYBE, NO)


def negate(value: Tri) -> Tri:
    return _NEGATED[value]


def of(flag: bool) -> Tri:
    return YES if flag else NO
