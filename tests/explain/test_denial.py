"""An AccessDenied message read into principal, action, resource, policy type and policy ARN: AWS's documented shapes,
and messages written to mislead the reader or to make it slow."""

from __future__ import annotations

import json
import time

import pytest

from linter.cli import main
from linter.explain.denial import MAX_FIELD, MAX_MESSAGE, Denial, PolicyType, parse_denial

USER = "arn:aws:iam::123456789012:user/two"
OBJECT = "arn:aws:s3:::bucket/cat.jpg"
OPENING = f'User: {USER} is not authorized to perform: s3:GetObject on resource: "{OBJECT}"'


@pytest.mark.parametrize(
    ("context", "policy_type", "explicit", "policy_arn"),
    [
        ("because no identity-based policy allows the s3:GetObject action", PolicyType.IDENTITY, False, None),
        ("with an explicit deny in a resource-based policy", PolicyType.RESOURCE, True, None),
        ("with an explicit deny in a service control policy", PolicyType.SCP, True, None),
        ("because no session policy allows the s3:GetObject action", PolicyType.SESSION, False, None),
        (
            "with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/DenyAll",
            PolicyType.IDENTITY,
            True,
            "arn:aws:iam::123456789012:policy/DenyAll",
        ),
        (
            # The IAM User Guide's authorization-ID example: the ARN ends a sentence that a link follows.
            "with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/ExampleDenyPolicy. "
            "Go to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/EXAMPLE",
            PolicyType.IDENTITY,
            True,
            "arn:aws:iam::123456789012:policy/ExampleDenyPolicy",
        ),
        ("because no VPC endpoint policy allows the s3:GetObject action", PolicyType.VPC_ENDPOINT, False, None),
        ("with an explicit deny in a permissions boundary", PolicyType.BOUNDARY, True, None),
        ("with an explicit deny in a resource control policy", PolicyType.RCP, True, None),
        ("due to an explicit deny in a Service Control Policy", PolicyType.SCP, True, None),
        ("because no resource-based policy allows the s3:GetObject action.", PolicyType.RESOURCE, False, None),
        ("because of a reason AWS has not written yet", None, None, None),
        ("with an explicit deny in a policy type AWS has not written yet", None, True, None),
        ("", None, None, None),
    ],
)
def test_the_documented_shapes(
    context: str, policy_type: PolicyType | None, explicit: bool | None, policy_arn: str | None
) -> None:
    message = f"{OPENING} {context}".strip()
    assert parse_denial(message) == Denial(USER, "s3:GetObject", OBJECT, policy_type, explicit, policy_arn)


def test_an_sdk_line_and_the_s3_guides_shape_without_resource() -> None:
    line = (
        "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::123456789012:"
        "assumed-role/app/session-1 is not authorized to perform: s3:GetObject on "
        '"arn:aws:s3:::bucket/a b.jpg" because no identity-based policy allows the s3:GetObject action'
    )
    assert parse_denial(line) == Denial(
        "arn:aws:sts::123456789012:assumed-role/app/session-1",
        "s3:GetObject",
        "arn:aws:s3:::bucket/a b.jpg",
        PolicyType.IDENTITY,
        False,
    )


def test_an_unquoted_resource() -> None:
    message = f"User: {USER} is not authorized to perform: s3:PutObject on resource: {OBJECT} with an explicit deny"
    assert parse_denial(message) == Denial(USER, "s3:PutObject", OBJECT, None, None)


@pytest.mark.parametrize(
    "message",
    [
        "Access Denied",
        "Request has expired",
        f"User: {USER} is not allowed to perform: s3:GetObject on resource: {OBJECT}",
        f'User: {USER} is not authorized to perform: s3:GetObject on resource: "{OBJECT}',  # no closing quote
        f"User: {USER} is not authorized to perform: s3:GetObject",
        "User:  is not authorized to perform: s3:GetObject on resource: x",
    ],
)
def test_what_names_no_request_is_none(message: str) -> None:
    assert parse_denial(message) is None


def test_a_fake_user_inside_the_resource_is_the_resource() -> None:
    fake = "arn:aws:s3:::bucket/User: arn:aws:iam::999999999999:user/evil is not authorized to perform: s3:* on x"
    message = f'User: {USER} is not authorized to perform: s3:GetObject on resource: "{fake}" because no ' + (
        "identity-based policy allows the s3:GetObject action"
    )
    assert parse_denial(message) == Denial(USER, "s3:GetObject", fake, PolicyType.IDENTITY, False)


def test_nested_quotes_end_the_resource_at_the_first_closing_one() -> None:
    message = f'User: {USER} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/"k"" because no '
    message += "identity-based policy allows the s3:GetObject action"
    # What follows the resource is `k"" because ...`: no context AWS writes, so no policy type is read from it.
    assert parse_denial(message) == Denial(USER, "s3:GetObject", "arn:aws:s3:::b/", None, None)


def test_control_characters_stay_in_the_field_and_are_escaped_when_shown(capsys: pytest.CaptureFixture[str]) -> None:
    principal = "arn:aws:iam::123456789012:user/\x1b[2J\u202eowt"
    message = f'User: {principal} is not authorized to perform: s3:GetObject on resource: "{OBJECT}\n::error::x"'
    assert parse_denial(message) == Denial(principal, "s3:GetObject", f"{OBJECT}\n::error::x")
    assert main(["explain-error", f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"]) == 0
    out = capsys.readouterr().out
    assert "  principal: arn:aws:iam::123456789012:user/\\x1b[2J\\u202eowt" in out.splitlines()
    assert f"  resource: {OBJECT}\\n::error::x" in out.splitlines()
    assert "\x1b" not in out and "\u202e" not in out


def test_a_field_longer_than_an_arn_is_not_read() -> None:
    long_principal = "arn:aws:iam::123456789012:user/" + "a" * MAX_FIELD
    assert parse_denial(f"User: {long_principal} is not authorized to perform: s3:GetObject on resource: x") is None
    long_arn = "arn:aws:iam::123456789012:policy/" + "p" * MAX_FIELD
    message = f"{OPENING} with an explicit deny in an identity-based policy: {long_arn}"
    assert parse_denial(message) == Denial(USER, "s3:GetObject", OBJECT, PolicyType.IDENTITY, True, None)


def test_nothing_past_the_first_characters_is_read() -> None:
    assert parse_denial(" " * MAX_MESSAGE + OPENING) is None
    # A message cut short within its resource names no resource.
    assert parse_denial(OPENING[:-3] + " " * MAX_MESSAGE) is None


@pytest.mark.parametrize(
    "message",
    [
        "User: " * 200_000,
        'User: a is not authorized to perform: b on resource: "' + '\\"' * 300_000,
        f"{OPENING} with an explicit deny in " + "an " * 300_000,
        "User: " + "x" * 1_000_000,
    ],
)
def test_hostile_messages_are_read_in_linear_time(message: str) -> None:
    started = time.perf_counter()
    parse_denial(message)
    # Linear work on at most MAX_MESSAGE characters takes microseconds; a backtracking reader would take minutes.
    assert time.perf_counter() - started < 0.5


def test_json_fields_are_null_when_not_named(capsys: pytest.CaptureFixture[str]) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    assert main(["explain-error", body, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    fields = ("principal", "action", "resource", "policy_type", "denial", "policy_arn")
    assert {name: document[name] for name in fields} == dict.fromkeys(fields)
    assert (document["code"], document["s3_code"], document["signer"]) == ("access-denied", "AccessDenied", None)
