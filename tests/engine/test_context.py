"""The request context AWS builds from the caller ARN and the clock, and policy variable parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.engine.context import UNKNOWN, InvalidRequestError, build_context, parse_caller
from linter.engine.matching import ResourceMatcher
from linter.engine.tri import NO, YES
from linter.engine.variables import Template, Variable, literal, parse
from linter.model import Location, Text

# Derandomized and without deadlines: the same examples every run, however loaded the machine.
PROPERTY = settings(max_examples=200, derandomize=True, deadline=None)

A = "111111111111"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
TIME = {"aws:currenttime": "2030-01-02T03:04:05Z", "aws:epochtime": "1893553445"}


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        (
            f"arn:aws:iam::{A}:user/team/alice",
            {
                "aws:principalarn": f"arn:aws:iam::{A}:user/team/alice",
                "aws:principalaccount": A,
                "aws:principaltype": "User",
                "aws:principalisawsservice": "false",
                "aws:userid": UNKNOWN,
                "aws:username": "alice",
            },
        ),
        (
            f"arn:aws:sts::{A}:assumed-role/AppRole/s1",
            {
                "aws:principalarn": f"arn:aws:iam::{A}:role/AppRole",
                "aws:principalaccount": A,
                "aws:principaltype": "AssumedRole",
                "aws:principalisawsservice": "false",
                "aws:userid": UNKNOWN,
                "aws:tokenissuetime": UNKNOWN,
                "aws:multifactorauthpresent": UNKNOWN,
            },
        ),
        (
            f"arn:aws:sts::{A}:federated-user/bob",
            {
                "aws:principalarn": f"arn:aws:sts::{A}:federated-user/bob",
                "aws:principalaccount": A,
                "aws:principaltype": "FederatedUser",
                "aws:principalisawsservice": "false",
                "aws:userid": f"{A}:bob",
                "aws:tokenissuetime": UNKNOWN,
                "aws:multifactorauthpresent": UNKNOWN,
            },
        ),
        (
            f"arn:aws:iam::{A}:root",
            {
                "aws:principalarn": f"arn:aws:iam::{A}:root",
                "aws:principalaccount": A,
                "aws:principaltype": "Account",
                "aws:principalisawsservice": "false",
                "aws:userid": A,
            },
        ),
        ("anonymous", {"aws:principaltype": "Anonymous", "aws:userid": "anonymous"}),
    ],
)
def test_context_from_the_caller(caller: str, expected: dict[str, object]) -> None:
    assert build_context(parse_caller(caller), {}, NOW) == {**expected, **TIME}


def test_explicit_entries_override_and_keys_ignore_case() -> None:
    caller = parse_caller(f"arn:aws:sts::{A}:assumed-role/AppRole/s1")
    explicit = {"AWS:PrincipalArn": f"arn:aws:iam::{A}:role/path/AppRole", "aws:TagKeys": ["a", "b"], "aws:userid": "X"}
    context = build_context(caller, explicit, NOW, resource_account="222222222222")
    assert context["aws:principalarn"] == f"arn:aws:iam::{A}:role/path/AppRole"
    assert context["aws:tagkeys"] == ("a", "b")
    assert context["aws:userid"] == "X"
    assert context["aws:resourceaccount"] == "222222222222"


def test_clock_is_read_in_utc() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=5)))
    context = build_context(parse_caller("anonymous"), {}, local)
    assert (context["aws:currenttime"], context["aws:epochtime"]) == (TIME["aws:currenttime"], TIME["aws:epochtime"])


@pytest.mark.parametrize(
    "text",
    ["arn:aws:iam::1:user/x", "arn:aws:s3:::bkt", f"arn:aws:iam::{A}:group/g", f"arn:aws:sts::{A}:assumed-role/R", "*"],
)
def test_unsupported_callers(text: str) -> None:
    with pytest.raises(InvalidRequestError, match="unsupported caller"):
        parse_caller(text)


def test_variable_parsing() -> None:
    assert parse("arn:aws:s3:::bkt/${aws:username}/*", substitute=True) == Template(
        ("arn:aws:s3:::bkt/", Variable("aws:username", None, "${aws:username}"), "/*")
    )
    assert parse("${AWS:PrincipalTag/team , 'a b'}", substitute=True) == Template(
        (Variable("aws:principaltag/team", "a b", "${AWS:PrincipalTag/team , 'a b'}"),)
    )
    assert parse("a${*}b${?}c${$}", substitute=True) == f"a{literal('*')}b{literal('?')}c$"
    assert parse("a${*}${aws:username}", substitute=False) == "a${*}${aws:username}"
    assert parse("a${not valid}", substitute=True) == literal("a${not valid}")


@PROPERTY
@given(name=st.text(alphabet=st.sampled_from("abcXYZ09+=,.@_-"), min_size=1, max_size=16))
def test_username_variable_matches_exactly_that_users_folder(name: str) -> None:
    matcher = ResourceMatcher([Text(value="arn:aws:s3:::bkt/home/${aws:username}/*", loc=Location(file="t"))], True)
    context = build_context(parse_caller(f"arn:aws:iam::{A}:user/{name}"), {}, NOW)
    assert matcher.match(f"arn:aws:s3:::bkt/home/{name}/f", context) is YES
    assert matcher.match(f"arn:aws:s3:::bkt/home/{name}x/f", context) is NO
