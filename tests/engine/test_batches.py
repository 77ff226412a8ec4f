"""What makes batches fast must not change an answer: decisions remembered per policy set, the policy fields a line
shares with the one before it, and results encoded from fragments."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from linter.engine.context import UNKNOWN, ContextInput, InvalidRequestError
from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.simulate import simulate_jsonl
from linter.model import Location

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A, B = "111111111111", "222222222222"
NOW = datetime(2030, 1, 2, tzinfo=UTC)


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


IDENTITY = document(
    {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": ["s3:Get*", "s3:List*"],
        "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
    },
    {
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::bkt/home/${aws:PrincipalTag/team}/${aws:username, 'none'}/*",
        "Condition": {"StringEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    },
    {"Effect": "Deny", "Action": "s3:Delete*", "NotResource": "arn:aws:s3:::bkt/tmp/*"},
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:ViaAWSService": "false"}},
    },
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/*"},
    {"Effect": "Allow", "Action": "s3:GetObjec?", "Resource": "arn:aws:s3:*:*:bkt/*"},
    {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}},
    },
)
BUCKET = document(
    {
        "Sid": "TLS",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
    {
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{A}:role/App", f"arn:aws:iam::{B}:root"]},
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::bkt/${aws:PrincipalAccount}/*",
        "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
    },
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/public/*"},
)
CALLERS = [
    f"arn:aws:iam::{A}:user/alice",
    f"arn:aws:iam::{A}:role/App",
    f"arn:aws:sts::{A}:assumed-role/App/s1",
    f"arn:aws:sts::{A}:assumed-role/App/s2",
    f"arn:aws:iam::{B}:user/bob",
    f"arn:aws:iam::{A}:root",
    "anonymous",
]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "kms:Decrypt", "sts:AssumeRole"]
RESOURCES = [
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::bkt/a",
    "arn:aws:s3:::bkt/tmp/a",
    "arn:aws:s3:::bkt/public/a",
    f"arn:aws:s3:::bkt/{A}/x",
    "arn:aws:s3:::bkt/home/red/alice/x",
    "arn:aws:s3:::bkt/home/red/none/x",
    f"arn:aws:kms:us-east-1:{A}:key/k",
    f"arn:aws:iam::{A}:role/App",
]
CONTEXTS: list[dict[str, ContextInput]] = [
    {},
    {"aws:SecureTransport": "true", "aws:SourceIp": "10.1.2.3"},
    {"aws:SecureTransport": "false", "aws:SourceIp": "10.1.2.3", "aws:ViaAWSService": "false"},
    {"aws:SourceIp": "192.0.2.1", "aws:ViaAWSService": "false", "aws:PrincipalTag/team": "red"},
    {"aws:SourceIp": "10.9.9.9", "aws:PrincipalTag/team": "red", "aws:SourceVpce": "vpce-1"},
    {"AWS:PRINCIPALTAG/TEAM": "red", "aws:username": "alice", "s3:x-amz-server-side-encryption": "AES256"},
    {"aws:PrincipalTag/team": UNKNOWN, "aws:MultiFactorAuthPresent": "true", "aws:TagKeys": ["a", "b"]},
]


def test_remembered_decisions_are_the_decisions(engine: Engine) -> None:
    """Every question against one policy set, asked in turn and on two clocks, gets the decision a policy set that has
    never answered anything gives: the cache key holds all that a decision depends on."""
    identity = engine.policy(*IDENTITY["Statement"], name="identity.json")
    bucket = engine.policy(*BUCKET["Statement"], name="bucket.json")
    shared = PolicySet(identity=[identity], resource=bucket)
    grid = itertools.product(CALLERS, ACTIONS, RESOURCES, CONTEXTS, (NOW, NOW.replace(year=2032)))
    compared = 0
    for caller, action, resource, context, now in grid:
        request = Request(caller, action, resource, A, context)
        try:
            remembered = evaluate(request, shared, now=now)
        except InvalidRequestError:
            continue
        assert remembered == evaluate(request, PolicySet(identity=[identity], resource=bucket), now=now), request
        compared += 1
    assert compared > 5000


def _line(**fields: Any) -> str:
    request = {"CallerArn": f"arn:aws:iam::{A}:user/alice", "ActionNames": ["s3:GetObject"], **fields}
    request.setdefault("ResourceArns", ["arn:aws:s3:::bkt/a"])
    request.setdefault("PolicyInputList", [json.dumps(IDENTITY)])
    return json.dumps(request)


def test_each_line_of_a_batch_reads_as_if_alone() -> None:
    """Lines whose policy fields or context entries are equal to the previous line's, or almost: values that compare
    equal in Python but read differently (1 and True, 1 and 1.0, null and absent) must not be taken for the previous
    line's."""
    scp = json.dumps(document({"Effect": "Allow", "Action": "*", "Resource": "*"}))

    def tls(value: object) -> dict[str, Any]:
        return {"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": [value], "ContextKeyType": "boolean"}

    def max_keys(value: object) -> dict[str, Any]:
        return {"ContextKeyName": "s3:max-keys", "ContextKeyValues": [value], "ContextKeyType": "numeric"}

    number_policy = {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"s3:max-keys": 1}},
    }
    variants: list[dict[str, Any]] = [
        {},
        {"RestrictPublicBuckets": True},
        {"RestrictPublicBuckets": 1},
        {"RestrictPublicBuckets": None},
        {"PrincipalIsManagementAccount": 1.0},
        {"ResourcePolicy": json.dumps(BUCKET)},
        {"ResourcePolicy": None},
        {"ResourcePolicy": BUCKET},
        {"PolicyInputList": None},
        {"PolicyInputList": []},
        {"PolicyInputList": [IDENTITY]},
        {"PolicyInputList": [document(number_policy)]},
        {"PolicyInputList": [document({**number_policy, "Condition": {"NumericLessThan": {"s3:max-keys": 1.0}}})]},
        {"OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [scp]}]},
        {"OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [scp]}, {}]},
        {"OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [scp], "Other": 1}]},
        {"OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": scp}]},
        {"PermissionsBoundaryPolicyInputList": [scp]},
        {"PermissionsBoundaryPolicyInputList": [scp, scp]},
        {"SessionPolicy": scp},
        {"ContextEntries": [tls("true")]},
        {"ContextEntries": [tls("false")]},
        {"ContextEntries": [tls(True)]},
        {"ContextEntries": [{**tls("true"), "ContextKeyType": None}]},
        {"ContextEntries": [{**tls("true"), "Other": 1}]},
        {"ContextEntries": [{**tls("true"), "Other": True}]},
        {"ContextEntries": [{**tls("true"), "ContextKeyName": "AWS:SECURETRANSPORT"}]},
        {"ContextEntries": [{**tls("true"), "ContextKeyValues": "true"}]},
        {"ContextEntries": [tls("true"), {**tls("false"), "ContextKeyType": "boolean"}]},
        {"ContextEntries": [{**tls("false"), "ContextKeyType": "boolean"}, tls("true")]},
        {"ContextEntries": [max_keys("1")]},
        {"ContextEntries": [max_keys(1)]},
        {"ContextEntries": [max_keys("1.0")]},
        {"ContextEntries": ["x"]},
    ]
    lines = [_line(**fields) for first, second in itertools.product(variants, repeat=2) for fields in (first, second)]
    # Blank lines count, so an error names the same line number.
    alone = [next(simulate_jsonl([""] * number + [line], now=NOW)) for number, line in enumerate(lines)]
    batch = list(simulate_jsonl(lines, now=NOW))
    assert [json.loads(line) for line in batch] == [json.loads(line) for line in alone]
    assert batch == alone
    assert len({line for line in batch}) > 10


def test_response_lines_are_compact_json() -> None:
    """Results are written from fragments: each line must be what json.dumps writes, compact and ASCII."""
    boundary = json.dumps(document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    scp = json.dumps(document({"Sid": "Tout \u00e9t\u00e9", "Effect": "Allow", "Action": "*", "Resource": "*"}))
    lines = [
        _line(
            CallerArn=caller,
            ActionNames=ACTIONS,
            ResourceArns=[*RESOURCES, 'arn:aws:s3:::bkt/caf\u00e9/\u2603 "quoted"\\'],
            ResourcePolicy=json.dumps(BUCKET, ensure_ascii=False),
            ContextEntries=[{"ContextKeyName": name, "ContextKeyValues": [value]} for name, value in context.items()],
            **extra,
        )
        for caller in CALLERS[:5]
        for context in (
            {},
            {"aws:SecureTransport": "false"},
            {"aws:PrincipalTag/team": "red", "aws:username": "\u00e9"},
        )
        for extra in (
            {},
            {"PermissionsBoundaryPolicyInputList": [boundary]},
            {"OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [scp]}]},
            {"ResourceOwner": B, "RestrictPublicBuckets": True},
        )
    ]
    out = list(simulate_jsonl([*lines, "{not json", "[]"], now=NOW))
    assert len(out) == len(lines) + 2
    decisions = set()
    for line in out:
        response = json.loads(line)
        assert line == json.dumps(response, separators=(",", ":"))
        decisions.update(result["EvalDecision"] for result in response.get("EvaluationResults", []))
    assert decisions == {"allowed", "explicitDeny", "implicitDeny"}


def _cycle_line(number: int) -> str:
    return json.dumps(
        {
            "CallerArn": f"arn:aws:iam::{A}:user/u{number}",
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": [f"arn:aws:s3:::bkt/{number}"],
            "PolicyInputList": [
                json.dumps(document({"Effect": "Allow", "Action": "*", "Resource": f"arn:aws:s3:::bkt/{number}"}))
            ],
        }
    )


def test_a_stream_leaves_the_collector_as_it_found_it(monkeypatch: Any) -> None:
    """A stream freezes what outlives its lines while the collector runs, and unfreezes it all when it ends, early or
    not; a reference cycle made meanwhile is still collected."""
    import gc
    import weakref

    from linter.engine import simulate

    monkeypatch.setattr(simulate, "_FREEZE_EVERY", 2)
    monkeypatch.setattr(simulate, "_COLLECT_EVERY", 4)

    class Cycle:
        pass

    cycle = Cycle()
    cycle.self = cycle  # type: ignore[attr-defined]
    freed = weakref.ref(cycle)
    del cycle
    assert gc.isenabled()
    threshold = gc.get_threshold()
    stream = simulate_jsonl((_cycle_line(number) for number in range(9)), now=NOW)
    answers = [next(stream) for _ in range(3)]
    assert gc.get_freeze_count() > 0  # frozen after the second line
    assert gc.get_threshold() == (simulate._YOUNG_THRESHOLD, *threshold[1:])  # young collections less often
    answers += list(stream)
    assert freed() is None  # the fourth line unfroze and collected everything
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
    assert [json.loads(a)["EvaluationResults"][0]["EvalDecision"] for a in answers] == ["allowed"] * 9

    early = simulate_jsonl((_cycle_line(number) for number in range(9)), now=NOW)
    next(early), next(early), next(early)
    early.close()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold


def test_a_stream_leaves_a_paused_collector_alone() -> None:
    import gc

    gc.disable()
    try:
        assert len(list(simulate_jsonl([_cycle_line(number) for number in range(70)], now=NOW))) == 70
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "loc",
    [
        Location("PolicyInputList.1", 3, 5, 9, 6),
        Location('p\u00e9 "q"', 1, 0, None, None),
        Location("ResourcePolicy", 2, -1, 2, 0),
    ],
)
@pytest.mark.parametrize("sid", [None, "", "S\u00efd\n"])
def test_cited_statements_are_written_as_compact_json(loc: Location, sid: str | None) -> None:
    from linter.engine.explain import MatchedStatement
    from linter.engine.simulate import _cited_json, _compact, _matched_statement

    for policy_type in ("identity", "resource", "scp:level 0"):
        statement = MatchedStatement(policy=loc.file, policy_type=policy_type, index=4, sid=sid, effect="Deny", loc=loc)
        assert _cited_json(statement) == (_compact(_matched_statement(statement)), _compact(statement.to_json()))
