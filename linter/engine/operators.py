"""The condition operator table (IAM User Guide, reference_policies_elements_condition_operators).

Shared by the evaluator (how to compare) and the rules (is this operator real, does its value type fit).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple


class Family(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class BaseOperator(NamedTuple):
    name: str
    family: Family
    negated: bool = False
    # How values compare: "equals", "like", "lt", "lte", "gt", "gte", "equals-ignore-case", "null", "ip".
    comparison: str = "equals"


_BASE_OPERATORS = [
    BaseOperator("StringEquals", Family.STRING),
    BaseOperator("StringNotEquals", Family.STRING, negated=True),
    BaseOperator("StringEqualsIgnoreCase", Family.STRING, comparison="equals-ignore-case"),
    BaseOperator("StringNotEqualsIgnoreCase", Family.STRING, negated=True, comparison="equals-ignore-case"),
    BaseOperator("StringLike", Family.STRING, comparison="like"),
    BaseOperator("StringNotLike", Family.STRING, negated=True, comparison="like"),
    BaseOperator("NumericEquals", Family.NUMERIC),
    BaseOperator("NumericNotEquals", Family.NUMERIC, negated=True),
    BaseOperator("NumericLessThan", Family.NUMERIC, comparison="lt"),
    BaseOperator("NumericLessThanEquals", Family.NUMERIC, comparison="lte"),
    BaseOperator("NumericGreaterThan", Family.NUMERIC, comparison="gt"),
    BaseOperator("NumericGreaterThanEquals", Family.NUMERIC, comparison="gte"),
    BaseOperator("DateEquals", Family.DATE),
    BaseOperator("DateNotEquals", Family.DATE, negated=True),
    BaseOperator("DateLessThan", Family.DATE, comparison="lt"),
    BaseOperator("DateLessThanEquals", Family.DATE, comparison="lte"),
    BaseOperator("DateGreaterThan", Family.DATE, comparison="gt"),
    BaseOperator("DateGreaterThanEquals", Family.DATE, comparison="gte"),
    BaseOperator("Bool", Family.BOOL),
    BaseOperator("BinaryEquals", Family.BINARY),
    BaseOperator("IpAddress", Family.IP, comparison="ip"),
    BaseOperator("NotIpAddress", Family.IP, negated=True, comparison="ip"),
    # ArnEquals behaves as ArnLike and ArnNotEquals as ArnNotLike (segment-wise globbing).
    BaseOperator("ArnEquals", Family.ARN, comparison="like"),
    BaseOperator("ArnLike", Family.ARN, comparison="like"),
    BaseOperator("ArnNotEquals", Family.ARN, negated=True, comparison="like"),
    BaseOperator("ArnNotLike", Family.ARN, negated=True, comparison="like"),
    BaseOperator("Null", Family.NULL, comparison="null"),
]

BASE_OPERATORS: dict[str, BaseOperator] = {op.name: op for op in _BASE_OPERATORS}
SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")


class Operator(NamedTuple):
    """A parsed operator name such as `ForAnyValue:StringLikeIfExists`."""

    text: str
    base: BaseOperator
    qualifier: str | None = None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool = False

    @property
    def family(self) -> Family:
        return self.base.family

    @property
    def negated(self) -> bool:
        return self.base.negated


class OperatorError(ValueError):
    """Why an operator name is not one AWS accepts. For a name AWS does not know, the closest real one is looked for
    only when the message or `suggestion` is read: a policy may name thousands of unknown operators (a hostile one
    ~20,000 in 1 MB), the closest costs ~0.4 ms each, and only the findings listed (`MAX_LISTED_PER_RULE`) need it."""

    def __init__(self, message: str, unknown_name: str | None = None) -> None:
        super().__init__(message)
        self._unknown_name = unknown_name

    @property
    def suggestion(self) -> str | None:
        return None if self._unknown_name is None else _closest(self._unknown_name)

    def __str__(self) -> str:
        message = super().__str__()
        suggestion = self.suggestion
        return f"{message}; did you mean {suggestion!r}?" if suggestion else message


_LOWERED_OPERATORS = {op.lower(): op for op in BASE_OPERATORS}


@lru_cache(maxsize=1024)  # a policy repeats its misspelling; a hostile one's thousands of names are not kept
def _closest(name: str) -> str | None:
    if name.lower() in _LOWERED_OPERATORS:
        return _LOWERED_OPERATORS[name.lower()]
    if len(name) > 128:  # difflib is quadratic in the word; no operator is this long
        return None
    import difflib

    matches = difflib.get_close_matches(name, list(BASE_OPERATORS), n=1, cutoff=0.75)
    return matches[0] if matches else None


def parse_operator(text: str) -> Operator:
    """Parse an operator name; raises OperatorError for names AWS rejects."""
    qualifier: str | None = None
    rest = text
    if ":" in text:
        qualifier, rest = text.split(":", 1)
        if qualifier not in SET_QUALIFIERS:
            raise OperatorError(f"unknown set qualifier {qualifier!r} (use ForAllValues or ForAnyValue)")
    if_exists = rest.endswith("IfExists")
    name = rest[: -len("IfExists")] if if_exists else rest
    base = BASE_OPERATORS.get(name)
    if base is None:
        raise OperatorError(f"unknown condition operator {text!r}", name)
    if if_exists and base.family is Family.NULL:
        raise OperatorError("Null does not take the IfExists suffix")
    return Operator(text=text, base=base, qualifier=qualifier, if_exists=if_exists)
