"""Condition evaluation (IAM User Guide: condition operators, Condition, multi-value conditions).

One `CompiledCondition` is one operator/key pair: its values OR, and the statement ANDs the pairs. A request value
is compared with every policy value by the operator's family; the operator's qualifiers then decide:

- absent key (or an empty list): `Null` tests presence; `...IfExists` is true; `ForAllValues:` true and
  `ForAnyValue:` false (the empty-set rule); otherwise negated operators are true and the rest false.
- a key AWS sets but whose value is unknown here (context.UNKNOWN): present for `Null`, MAYBE for everything else.
- negated operators hold when the request value matches none of the policy values. Inside `ForAllValues:` and
  `ForAnyValue:` the docs leave open whether the negation applies per request value or to the whole test; when the
  two readings disagree the answer is MAYBE.

Policy variables are substituted in String, Arn and Bool operator values only, and only when the policy allows them
(Version 2012-10-17).
"""

from __future__ import annotations

import base64
import binascii

# The socket module's C core: `socket` itself builds its enums and imports selectors and more (14M instructions, 3%
# of checking one policy), where all this module asks is inet_pton.
from _socket import AF_INET, AF_INET6, inet_pton
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from operator import eq, ge, gt, le, lt
from typing import TYPE_CHECKING, Any, NamedTuple

from linter.engine.context import UNKNOWN, Context, Unknown, as_utc
from linter.engine.matching import Glob, arn_matches, arn_source, compile_any, glob_matches, glob_source
from linter.engine.operators import BaseOperator, Family, Operator, OperatorError, parse_operator
from linter.engine.tri import MAYBE, NO, YES, Tri, negate
from linter.engine.variables import Template, parse, plain
from linter.lazy_re import lazy_compile
from linter.model import Condition

if TYPE_CHECKING:
    from decimal import Decimal

# Compares one request value with all policy values of a condition (before negation).
Comparator = Callable[[str, Context], Tri]

# How a parsed request value compares with a parsed policy value, by BaseOperator.comparison.
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "equals": eq,
    "lt": lt,
    "lte": le,
    "gt": gt,
    "gte": ge,
    "ip": lambda address, network: address in network,
}
_EPOCH = lazy_compile(r"-?\d+(?:\.\d+)?")


# Parsers return None for text that is not a value of their type. Cached: requests repeat the same few values.
@lru_cache(maxsize=4096)
def parse_number(text: str) -> Decimal | None:
    from decimal import Decimal, InvalidOperation  # lazy: most runs compare no number (3M instructions at start-up)

    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@lru_cache(maxsize=4096)
def parse_date(text: str) -> datetime | None:
    """ISO-8601 (with or without time and offset) or epoch seconds."""
    text = text.strip()
    try:
        if _EPOCH.fullmatch(text):
            return datetime.fromtimestamp(float(text), UTC)
        return as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError, OSError):
        return None


class Address(NamedTuple):
    version: int  # 4 or 6
    value: int


class Network(NamedTuple):
    """A CIDR range; a bare address is a /32 (or /128) and host bits are ignored, as IAM reads them."""

    version: int
    first: int
    last: int
    prefix: int

    def __contains__(self, address: object) -> bool:
        return (
            isinstance(address, Address)
            and address.version == self.version
            and self.first <= address.value <= self.last
        )


def _address(text: str) -> Address | None:
    # inet_pton is strict (no short or zero-padded IPv4 forms) and far quicker than the ipaddress module.
    family, version = (AF_INET6, 6) if ":" in text else (AF_INET, 4)
    try:
        return Address(version, int.from_bytes(inet_pton(family, text), "big"))
    except (OSError, ValueError):  # ValueError: an embedded NUL
        return None


@lru_cache(maxsize=4096)
def parse_address(text: str) -> Address | None:
    return _address(text.strip())


@lru_cache(maxsize=4096)
def parse_network(text: str) -> Network | None:
    address_text, slash, prefix_text = text.strip().partition("/")
    address = _address(address_text)
    if address is None:
        return None
    width = 32 if address.version == 4 else 128
    # ASCII digits only (`isdigit` also accepts '²', which `int` refuses), and at most three of them after leading
    # zeros: `int` refuses 4,300 digits, and no prefix length has four.
    significant = prefix_text.lstrip("0") or "0"
    valid_prefix = prefix_text.isascii() and prefix_text.isdigit() and len(significant) <= 3
    if slash and not (valid_prefix and int(significant) <= width):
        return None
    prefix = int(significant) if slash else width
    host_bits = width - prefix
    first = address.value >> host_bits << host_bits
    return Network(address.version, first, first | ((1 << host_bits) - 1), prefix)


def parse_bool(text: str) -> str | None:
    lowered = text.lower()
    return lowered if lowered in ("true", "false") else None


@lru_cache(maxsize=1024)
def decode_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# How policy values and request values of each typed family are read (IP policy values are networks).
_POLICY_PARSERS: dict[Family, Callable[[str], Any]] = {
    Family.NUMERIC: parse_number,
    Family.DATE: parse_date,
    Family.BOOL: parse_bool,
    Family.BINARY: decode_binary,
    Family.IP: parse_network,
}
_REQUEST_PARSERS: dict[Family, Callable[[str], Any]] = {**_POLICY_PARSERS, Family.IP: parse_address}


class CompiledCondition:
    __slots__ = (
        "_compare",
        "_templates",
        "_undecidable_values",
        "key",
        "key_name",
        "operator",
        "operator_name",
        "static_doubt",
    )

    def __init__(
        self, condition: Condition | None, substitute: bool, known: tuple[str, str, tuple[str, ...]] = ("", "", ())
    ) -> None:
        """`known`: without a `condition`, its operator, key and values, all known, as strings (`_known_condition`)."""
        if condition is None:
            operator, key, values = known
            self._setup(operator, key, list(values), [], False, substitute)
            return
        self._setup(
            condition.operator.value,
            condition.key.value,
            [v.value for v in condition.values if not v.is_unknown],
            [v.unresolved for v in condition.values if v.unresolved is not None],
            condition.operator.is_unknown or condition.key.is_unknown,
            substitute,
        )

    @staticmethod
    def known(operator: str, key: str, values: tuple[str, ...], substitute: bool) -> CompiledCondition:
        """The condition of a known operator, key and values, given as strings: one object for each, as the same
        condition recurs from policy to policy (every bucket policy's TLS test). Nothing changes it once built."""
        return _known_condition(operator, key, values, substitute)

    def _setup(
        self, operator: str, key: str, known: list[str], unresolved: list[str], unknown_name: bool, substitute: bool
    ) -> None:
        """`unresolved`: the values not known; `unknown_name`: whether the operator or the key is not known."""
        self.operator_name = operator
        self.key_name = key  # as written, for messages
        self.key = key.lower()
        self.operator: Operator | None = None
        # An OperatorError is worded only when a doubt is reported (its suggestion costs; see OperatorError).
        self.static_doubt: str | OperatorError | None = None
        self._templates: tuple[Template, ...] = ()
        # Values that can match nothing known: a non-match against them is MAYBE, not NO.
        self._undecidable_values = [f"unresolved value {value}" for value in unresolved]
        if unknown_name:
            self.static_doubt = "unresolved operator or key"
            return
        try:
            self.operator = parse_operator(operator)
        except OperatorError as error:
            self.static_doubt = error
            return
        self._compare = self._comparator(self.operator.base, known, substitute)

    @property
    def context_keys(self) -> tuple[str, ...]:
        """The context keys the condition's policy variables read (lower-cased); its own key is `key`."""
        if not self._templates:
            return ()
        return tuple(v.key for template in self._templates for v in template.variables)

    @property
    def text(self) -> str:
        return f"{self.operator_name} {self.key_name}"

    def _comparator(self, base: BaseOperator, values: list[str], substitute: bool) -> Comparator:
        family, comparison = base.family, base.comparison
        if family in (Family.STRING, Family.ARN) and substitute:
            parsed = [parse(v, True) for v in values]
            self._templates = tuple(p for p in parsed if isinstance(p, Template))
            patterns = [p for p in parsed if isinstance(p, str)]
        else:
            patterns = values
        if family is Family.ARN:
            return self._with_templates(_glob_test(patterns, arn_source), arn_matches)
        if family is Family.STRING:
            if comparison == "like":
                return self._with_templates(_glob_test(patterns, glob_source), glob_matches)
            if comparison == "equals-ignore-case":
                folded = {plain(p).casefold() for p in patterns}
                return self._with_templates(
                    lambda v: v.casefold() in folded, lambda p, v: plain(p).casefold() == v.casefold()
                )
            exact = {plain(p) for p in patterns}
            return self._with_templates(lambda v: v in exact, lambda p, v: plain(p) == v)
        if family is Family.NULL:
            flags = {v.lower() for v in values}
            return lambda v, _context: YES if v in flags else NO
        if family is Family.BOOL and substitute:
            parsed = [parse(v, True) for v in values]
            self._templates = tuple(p for p in parsed if isinstance(p, Template))
            if self._templates:
                return self._bool_with_templates([plain(p) for p in parsed if isinstance(p, str)])
        return self._typed(family, comparison, values)

    def _bool_with_templates(self, values: list[str]) -> Comparator:
        """`Bool` with policy variables among its values ("You can use a policy variable with the Boolean condition
        operator"): a value filled in by this request compares as a boolean; one that is not "true" or "false"
        matches nothing, and so does one whose variable has no value and no default (see docs/iam-semantics.md
        §3 Policy variables)."""
        flags = set()
        for value in values:
            flag = parse_bool(value)
            if flag is None:
                self._undecidable_values.append(f"policy value {value!r} is not a valid {Family.BOOL.value} value")
            else:
                flags.add(flag)

        def filled_in(pattern: str, value: str) -> bool:
            flag = parse_bool(plain(pattern))
            return flag is not None and flag == parse_bool(value)

        return self._with_templates(lambda value: parse_bool(value) in flags, filled_in)

    def _typed(self, family: Family, comparison: str, values: list[str]) -> Comparator:
        policy_values = []
        for value in values:
            parsed = _POLICY_PARSERS[family](value)
            if parsed is None:
                self._undecidable_values.append(f"policy value {value!r} is not a valid {family.value} value")
            else:
                policy_values.append(parsed)
        parse_request_value = _REQUEST_PARSERS[family]
        if comparison == "equals":
            # Parsed values hash consistently with their equality (Decimal, aware datetime, bytes, str).
            allowed = frozenset(policy_values)
            return lambda value, _context: YES if parse_request_value(value) in allowed else NO
        order = _ORDER[comparison]

        def compare(value: str, _context: Context) -> Tri:
            parsed = parse_request_value(value)
            if parsed is None:
                return NO
            return YES if any(order(parsed, limit) for limit in policy_values) else NO

        return compare

    def _with_templates(self, static: Callable[[str], bool], dynamic: Callable[[str, str], bool]) -> Comparator:
        """`static` tests a request value against the values without variables; `dynamic(pattern, value)` against
        a value whose variables this request has filled in."""
        templates = self._templates
        if not templates:
            return lambda value, _context: YES if static(value) else NO

        def compare(value: str, context: Context) -> Tri:
            if static(value):
                return YES
            best = NO
            for template in templates:
                pattern = template.resolve(context)
                if pattern is UNKNOWN:
                    best = MAYBE
                elif isinstance(pattern, str) and dynamic(pattern, value):
                    return YES
            return best

        return compare

    def evaluate(self, context: Context) -> Tri:
        operator = self.operator
        if operator is None or self.static_doubt is not None:
            return MAYBE
        value = context.get(self.key)
        if operator.family is Family.NULL:
            present = value is not None and value != ()
            return self._match_one("false" if present else "true", context)
        if isinstance(value, str) and operator.qualifier is None:
            found = self._match_one(value, context)
            return negate(found) if operator.negated else found
        if isinstance(value, Unknown):
            return MAYBE
        if value is None or value == ():
            return _when_absent(operator)
        matches = [self._match_one(v, context) for v in ((value,) if isinstance(value, str) else value)]
        every = operator.qualifier == "ForAllValues"
        positive = min(matches) if every else max(matches)
        if not operator.negated:
            return positive
        if operator.qualifier is None:
            return negate(positive)
        per_value = min(negate(m) for m in matches) if every else max(negate(m) for m in matches)
        return per_value if per_value == negate(positive) else MAYBE

    def _match_one(self, value: str, context: Context) -> Tri:
        found = self._compare(value, context)
        return MAYBE if found is NO and self._undecidable_values else found

    def doubt(self, context: Context) -> str:
        """Why `evaluate` answered MAYBE for this context."""
        if self.static_doubt is not None:
            return str(self.static_doubt)
        if context.get(self.key) is UNKNOWN:
            return f"the request's {self.key_name} is not known"
        reasons = list(self._undecidable_values)
        for template in self._templates:
            if template.resolve(context) is UNKNOWN:
                reasons.append(f"policy variables {', '.join(v.text for v in template.variables)} are not known")
        if self.operator is not None and self.operator.negated and self.operator.qualifier is not None:
            reasons.append(f"negated operator inside {self.operator.qualifier}: per-value or whole-set negation")
        return "; ".join(reasons) or "undecidable"


@lru_cache(maxsize=4096)
def _known_condition(operator: str, key: str, values: tuple[str, ...], substitute: bool) -> CompiledCondition:
    return CompiledCondition(None, substitute, (operator, key, values))


def _when_absent(operator: Operator) -> Tri:
    """An absent key (or an empty list): IfExists holds, the empty-set rule, then negated operators hold."""
    if operator.if_exists or operator.qualifier == "ForAllValues":
        return YES
    if operator.qualifier == "ForAnyValue":
        return NO
    return YES if operator.negated else NO


def _glob_test(patterns: list[str], source: Callable[[str], Glob]) -> Callable[[str], bool]:
    if not patterns:
        return lambda _value: False
    globs = compile_any(tuple(dict.fromkeys(source(p) for p in patterns)))
    return lambda value: bool(globs.fullmatch(value))
