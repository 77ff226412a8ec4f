"""What evaluating one module tree may cost, and how a value that passed a limit spreads: below the evaluator.

The evaluator (`evaluate.py`) and the modules it calls (`functions.py`, `templates.py`, ...) all count against the
same limits; they are here so that none of those modules imports the evaluator to read them.
"""

from __future__ import annotations

from linter.sources.terraform.values import Unknown, Val

# A configuration is the pull request author's input, and a few lines of it can ask for 2^63 list elements (`concat`
# doubling a local), 2^30 iterations (three nested `for`), a string of gigabytes or recursion deeper than Python's
# stack. Whatever passes one of these limits becomes unknown with one IPN001 note naming the expression, and the run
# goes on. Measured on terraform-aws-modules' iam, s3-bucket and eks and cloudposse's s3-bucket and iam-role (every
# example folder a module tree), real modules stay far below: at most 18 expressions and 8 lists deep, 862 elements
# and 18,000 characters in one value; for a whole tree 6,600 steps, 7,200 characters built, 145 instances and 53,000
# characters handed to the rules. The worst input for each limit finishes within 4 s and 150 MB through the whole
# CLI on one core (benchmarks/bench_hostile.py).
MAX_MODULE_DEPTH = 12  # module calls nested in one another
MAX_EVAL_DEPTH = 100  # expressions evaluated inside one another, references included: ~5 of Python's 1,000 frames each
MAX_VALUE_DEPTH = 32  # lists and objects nested in one another (each a frame or two in every walk over the value)
MAX_ELEMENTS = 50_000  # elements of one value, shared parts counted as copies (see `Val.size`)
MAX_CHARS = 4_000_000  # characters of the strings of one value, likewise
MAX_INSTANCES = 256  # count/for_each beyond this is not expanded (each instance would repeat the same findings)
# Shared by a whole module tree, so that many values each under the limits above cannot add up to an explosion.
# A step is a few microseconds: an expression evaluated, an iteration, an element built or copied, a character of
# JSON parsed.
MAX_STEPS = 500_000
MAX_TOTAL_CHARS = 32_000_000  # characters of the strings built
MAX_TOTAL_INSTANCES = 4096  # module and resource instances
# Resource arguments handed to the rules, as the length of their JSON text: what the rules then check is bounded as
# a policy file's size bounds it (one evaluated policy is often handed to many resource instances).
MAX_HANDED_CHARS = 1_000_000
# Regular expressions run with RE2 (linear in the text, as Terraform's Go regexp): these bound a pattern's program
# and its matching memory (RE2's own default is 8 MB per pattern, and google-re2 keeps 128 patterns compiled).
MAX_PATTERN_LENGTH = 4096
REGEX_MEMORY = 1 << 20
# Why a value past a per-value limit is unknown
TOO_MANY = f"its value would have more than {MAX_ELEMENTS:,} elements"
TOO_LONG = f"its value would hold more than {MAX_CHARS:,} characters"


class Budget:
    """What the evaluation of one module tree may still spend; once anything runs out, every expression evaluated
    after that is unknown (`spent` says why)."""

    __slots__ = ("chars", "depth", "handed", "instances", "spent", "steps")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.chars = MAX_TOTAL_CHARS
        self.instances = MAX_TOTAL_INSTANCES
        self.handed = MAX_HANDED_CHARS
        self.depth = 0  # expressions being evaluated inside one another now
        self.spent: str | None = None

    def spend(self, steps: int = 0, chars: int = 0, instances: int = 0, handed: int = 0) -> bool:
        """Take from the budget; False once it is spent (now or before)."""
        self.steps -= steps
        self.chars -= chars
        self.instances -= instances
        self.handed -= handed
        if self.spent is None and min(self.steps, self.chars, self.instances, self.handed) < 0:
            if self.steps < 0:
                self.spent = f"evaluating the module tree would take more than {MAX_STEPS:,} steps"
            elif self.chars < 0:
                self.spent = f"the module tree would build more than {MAX_TOTAL_CHARS:,} characters of strings"
            elif self.instances < 0:
                self.spent = (
                    f"the module tree would have more than {MAX_TOTAL_INSTANCES:,} module and resource instances"
                )
            elif self.handed < 0:
                self.spent = (
                    f"the module tree's resources would hold more than {MAX_HANDED_CHARS:,} characters of values"
                )
            self.steps = min(self.steps, -1)  # `Evaluator.eval` looks at the steps alone
        return self.spent is None

    def make_instances(self, count: int) -> bool:
        """Take instances; False when there are too many. Once something else has run out, instances are still
        made: each one's arguments are then unknown at once, with a note, where an unexpanded resource would hide
        what it is."""
        self.instances -= count
        return self.instances >= 0 or self.spend()


def walk_cost(value: Val) -> int:
    """Steps a walk over the whole value takes (comparing, encoding): its elements, and its strings at about a
    thousand characters a step."""
    return value.size + value.chars // 1024


def limit_of(*values: Val) -> Unknown | None:
    """The first of these values that an evaluation limit made unknown: what depends on it is unknown for the same
    reason, and the note names the expression that reached the limit rather than each one depending on it."""
    return next((v for v in values if isinstance(v, Unknown) and v.limit), None)
