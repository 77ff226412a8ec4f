"""Three-valued answers: a statement, matcher or condition can be known to hold, known not to, or undecidable.

Undecidable (MAYBE) comes from values the tool cannot know (unresolved Terraform expressions, context keys AWS
sets but the request does not say) and from the open questions of docs/iam-semantics.md. Combining follows Kleene
logic, which the ordering NO < MAYBE < YES makes `min` (and), `max` (or) and `negate` (not).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class Tri(IntEnum):
    NO = 0
    MAYBE = 1
    YES = 2


# Final: in the compiled build (setup.py) a Final module constant is a C variable, any other one a dict lookup.
NO: Final = Tri.NO
MAYBE: Final = Tri.MAYBE
YES: Final = Tri.YES
_NEGATED: Final = (YES, MAYBE, NO)


def negate(value: Tri) -> Tri:
    return _NEGATED[value]


def of(flag: bool) -> Tri:
    return YES if flag else NO
