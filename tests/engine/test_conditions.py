"""Condition operators, family by family, and hypothesis properties of the operator semantics."""

from __future__ import annotations

import base64
import ipaddress
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.engine.conditions import CompiledCondition
from linter.engine.context import UNKNOWN, Context
from linter.engine.operators import BASE_OPERATORS
from linter.engine.tri import MAYBE, NO, YES, Tri, negate
from linter.model import Condition, Location, Text

# Derandomized and without deadlines: the same examples every run, however loaded the machine.
PROPERTY = settings(max_examples=200, derandomize=True, deadline=None)

LOC = Location(file="test.json")
NON_NULL = sorted(name for name, op in BASE_OPERATORS.items() if op.family.value != "Null")
POSITIVE_NEGATED_PAIRS = [
    ("StringEquals", "StringNotEquals"),
    ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
    ("StringLike", "StringNotLike"),
    ("NumericEquals", "NumericNotEquals"),
    ("DateEquals", "DateNotEquals"),
    ("IpAddress", "NotIpAddress"),
    ("ArnLike", "ArnNotLike"),
    ("ArnEquals", "ArnNotEquals"),
]


def condition(operator: str, key: str, *values: str, substitute: bool = True) -> CompiledCondition:
    model = Condition(
        operator=Text(value=operator, loc=LOC),
        key=Text(value=key, loc=LOC),
        values=[Text(value=v, loc=LOC) for v in values],
        loc=LOC,
    )
    return CompiledCondition(model, substitute)


def holds(operator: str, key: str, values: list[str], context: Context) -> Tri:
    return condition(operator, key, *values).evaluate(context)


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("StringEquals", ["a", "b"], "b", YES),
        ("StringEquals", ["a"], "A", NO),
        ("StringEquals", ["t2.*"], "t2.micro", NO),
        ("StringNotEquals", ["a", "b"], "c", YES),
        ("StringNotEquals", ["a", "b"], "a", NO),
        ("StringEqualsIgnoreCase", ["Blue"], "bLUE", YES),
        ("StringNotEqualsIgnoreCase", ["Blue"], "bLUE", NO),
        ("StringLike", ["home/*/x?"], "home/a/b:c/x1", YES),
        ("StringLike", ["Home/*"], "home/a", NO),
        ("StringNotLike", ["home/*"], "work/a", YES),
        ("NumericEquals", ["10"], "10.0", YES),
        ("NumericLessThan", ["10"], "9.5", YES),
        ("NumericLessThanEquals", ["10"], "10", YES),
        ("NumericGreaterThan", ["600000"], "900000", YES),
        ("NumericGreaterThanEquals", ["10"], "9", NO),
        ("NumericNotEquals", ["1", "2"], "3", YES),
        ("NumericEquals", ["10"], "ten", NO),
        ("DateEquals", ["2030-01-01T00:00:00Z"], "1893456000", YES),
        ("DateGreaterThan", ["2030-01-01"], "2030-01-01T00:00:01Z", YES),
        ("DateLessThanEquals", ["2030-01-01T01:00:00+01:00"], "2030-01-01T00:00:00Z", YES),
        ("DateNotEquals", ["2030-01-01T00:00:00Z"], "2030-01-01T00:00:00.000Z", NO),
        ("Bool", ["true"], "true", YES),
        ("Bool", ["false"], "TRUE", NO),
        ("BinaryEquals", [base64.b64encode(b"\x00\x01").decode()], base64.b64encode(b"\x00\x01").decode(), YES),
        ("BinaryEquals", [base64.b64encode(b"\x00").decode()], base64.b64encode(b"\x01").decode(), NO),
        ("IpAddress", ["203.0.113.0/24"], "203.0.113.200", YES),
        ("IpAddress", ["203.0.113.7"], "203.0.113.8", NO),
        ("IpAddress", ["2001:db8::/32"], "2001:db8:1::5", YES),
        ("IpAddress", ["2001:db8::/32"], "203.0.113.7", NO),
        ("NotIpAddress", ["2001:db8::/32"], "2001:db9::1", YES),
        ("IpAddress", ["203.0.113.0/24"], "not-an-ip", NO),
        ("ArnLike", ["arn:aws:iam::*:role/App*"], "arn:aws:iam::111111111111:role/AppRole", YES),
        ("ArnEquals", ["arn:aws:iam::*:role/App*"], "arn:aws:iam::111111111111:role/AppRole", YES),
        ("ArnNotEquals", ["arn:aws:iam::*:role/App*"], "arn:aws:iam::111111111111:role/Other", YES),
        ("ArnLike", ["arn:aws:s3:::bkt"], "not an arn", NO),
    ],
)
def test_operator_families(operator: str, values: list[str], request_value: str, expected: Tri) -> None:
    assert holds(operator, "k", values, {"k": request_value}) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", NO),
        ("StringNotEquals", YES),
        ("StringNotLike", YES),
        ("ArnNotLike", YES),
        ("NotIpAddress", YES),
        ("NumericNotEquals", YES),
        ("DateNotEquals", YES),
        ("NumericLessThan", NO),
        ("StringEqualsIfExists", YES),
        ("StringNotEqualsIfExists", YES),
        ("ForAllValues:StringEquals", YES),
        ("ForAnyValue:StringEquals", NO),
        ("ForAnyValue:StringEqualsIfExists", YES),
    ],
)
def test_absent_key(operator: str, expected: Tri) -> None:
    assert holds(operator, "k", ["v"], {}) is expected
    assert holds(operator, "k", ["v"], {"k": ()}) is expected  # an empty list is no value


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [("true", {}, YES), ("false", {}, NO), ("false", {"k": "x"}, YES), ("true", {"k": UNKNOWN}, NO)],
)
def test_null(value: str, context: Context, expected: Tri) -> None:
    assert holds("Null", "k", [value], context) is expected


def test_key_names_ignore_case() -> None:
    assert holds("StringEquals", "AWS:PrincipalTag/TEAM", ["blue"], {"aws:principaltag/team": "blue"}) is YES


def test_variables_in_string_values() -> None:
    context: Context = {"aws:username": "alice", "aws:principaltag/team": ("red", "blue")}
    assert holds("StringEquals", "k", ["home/${aws:username}"], {**context, "k": "home/alice"}) is YES
    assert holds("StringLike", "k", ["home/${aws:username}/*"], {**context, "k": "home/alice/x"}) is YES
    assert (
        holds("ArnLike", "k", ["arn:aws:iam::*:user/${aws:username}"], {**context, "k": "arn:aws:iam::1:user/alice"})
        is YES
    )
    # No single value (absent or multi-valued key): StringEquals/StringLike do not match, the negated forms do.
    assert holds("StringEquals", "k", ["${aws:PrincipalTag/team}"], {**context, "k": "red"}) is NO
    assert holds("StringNotEquals", "k", ["${aws:PrincipalTag/team}"], {**context, "k": "red"}) is YES
    assert holds("StringLike", "k", ["${aws:missing}*"], {"k": "x"}) is NO
    assert holds("StringNotLike", "k", ["${aws:missing}*"], {"k": "x"}) is YES


def test_variables_are_literal_in_numeric_values_and_in_old_policies() -> None:
    assert holds("NumericEquals", "k", ["${aws:EpochTime}"], {"k": "1", "aws:epochtime": "1"}) is MAYBE
    old = condition("StringEquals", "k", "${aws:username}", substitute=False)
    assert old.evaluate({"k": "${aws:username}", "aws:username": "alice"}) is YES


def test_invalid_policy_value_is_uncertain() -> None:
    compiled = condition("NumericLessThan", "k", "ten")
    assert compiled.evaluate({"k": "1"}) is MAYBE
    assert compiled.doubt({"k": "1"}) == "policy value 'ten' is not a valid Numeric value"


@PROPERTY
@given(operators=st.sampled_from(POSITIVE_NEGATED_PAIRS), value=st.text(max_size=8), policy=st.text(max_size=8))
def test_negated_operator_is_the_complement_for_a_present_single_value(
    operators: tuple[str, str], value: str, policy: str
) -> None:
    positive, negated = operators
    context: Context = {"k": value}
    assert holds(negated, "k", [policy], context) is negate(holds(positive, "k", [policy], context))


@PROPERTY
@given(operator=st.sampled_from(NON_NULL), values=st.lists(st.text(max_size=5), min_size=1, max_size=3))
def test_if_exists_holds_on_an_absent_key(operator: str, values: list[str]) -> None:
    assert holds(f"{operator}IfExists", "k", values, {}) is YES


WORDS = st.sets(st.sampled_from(["a", "b", "c", "d"]), max_size=4)


@PROPERTY
@given(request=WORDS, policy=WORDS.filter(bool))
def test_set_qualifiers(request: set[str], policy: set[str]) -> None:
    context: Context = {"aws:tagkeys": tuple(sorted(request))}
    values = sorted(policy)
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", values, context) is (YES if request & policy else NO)
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", values, context) is (YES if request <= policy else NO)


@PROPERTY
@given(
    value=st.decimals(allow_nan=False, allow_infinity=False, places=3),
    limit=st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
def test_numeric_ordering(value: Decimal, limit: Decimal) -> None:
    context: Context = {"k": str(value)}
    assert holds("NumericLessThan", "k", [str(limit)], context) is (YES if value < limit else NO)
    assert holds("NumericGreaterThanEquals", "k", [str(limit)], context) is (YES if value >= limit else NO)


@PROPERTY
@given(seconds=st.integers(0, 4_000_000_000), delta=st.integers(-100_000, 100_000), epoch=st.booleans())
def test_date_ordering(seconds: int, delta: int, epoch: bool) -> None:
    moment = datetime.fromtimestamp(seconds, UTC)
    limit = moment + timedelta(seconds=delta)
    written = str(int(limit.timestamp())) if epoch else limit.strftime("%Y-%m-%dT%H:%M:%SZ")
    context: Context = {"aws:currenttime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert holds("DateLessThan", "aws:CurrentTime", [written], context) is (YES if delta > 0 else NO)
    assert holds("DateEquals", "aws:CurrentTime", [written], context) is (YES if delta == 0 else NO)


@PROPERTY
@given(
    address=st.ip_addresses(),
    network=st.one_of(st.ip_addresses(v=4).map(lambda a: f"{a}/{a.packed[0] % 33}"), st.ip_addresses(v=6).map(str)),
)
def test_ip_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, network: str) -> None:
    inside = address in ipaddress.ip_network(network, strict=False)
    assert holds("IpAddress", "aws:SourceIp", [network], {"aws:sourceip": str(address)}) is (YES if inside else NO)
