"""Decisions per second of the evaluation engine (issue: offline IAM evaluation engine, point 9).

Run: `.venv/bin/python benchmarks/bench_engine.py [--lines N] [--runs N]`. Prints the median rate of `simulate_jsonl`
(JSON in, JSON out, one request per line, as `iam-preflight simulate --jsonl` runs it) and of `evaluate` through the
Python API. Target: >= 20,000 decisions/s in jsonl mode on one core. Not a test: timings vary by machine.
"No repeats" gives every request its own caller (role session) and user, so the engine never answers the same question
twice: the floor. (Varying only a context value that no statement reads, like the source IP, does not make another
question: the engine keys decisions on the context keys the statements read.)

The requests are typical S3 ones: a role session reading, writing and deleting objects under varied keys, with an
identity policy, a bucket policy (TLS deny, role grant, a VPC-endpoint condition), one SCP level and context entries.
Each line carries its policies as JSON strings, as AWS's API takes them; the engine parses each distinct text once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.simulate import _parse, simulate_jsonl

ACCOUNT = "111111111111"
NOW = datetime(2030, 1, 2, tzinfo=UTC)
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion"]


def _policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


IDENTITY = _policy(
    {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": "arn:aws:s3:::bkt/*",
    },
    {
        "Sid": "WriteOwnPrefix",
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::bkt/users/${aws:PrincipalTag/user}/*",
        "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    },
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bkt"},
    {
        "Effect": "Deny",
        "Action": "s3:Delete*",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    },
)
BUCKET = _policy(
    {
        "Sid": "TLSOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
    {
        "Sid": "AppRole",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/AppRole"},
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::bkt/*",
        "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1234"}},
    },
)
SCP = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


def request_line(i: int, unique: bool = False) -> str:
    """The i-th request; `unique` gives each one its own role session, user (a tag the identity policy reads, and the
    key prefix that goes with it) and source IP, so no decision is asked twice."""
    source_ip = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" if unique else "203.0.113.7"
    user, session = (f"u{i}", f"session-{i}") if unique else (f"u{i % 200}", f"session-{i % 50}")
    return json.dumps(
        {
            "CallerArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AppRole/{session}",
            "ActionNames": [ACTIONS[i % len(ACTIONS)]],
            "ResourceArns": [f"arn:aws:s3:::bkt/users/{user}/file-{i}.bin"],
            "ResourceOwner": ACCOUNT,
            "PolicyInputList": [IDENTITY],
            "ResourcePolicy": BUCKET,
            "OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [SCP]}],
            "ContextEntries": [
                {"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"},
                {
                    "ContextKeyName": "aws:PrincipalTag/user",
                    "ContextKeyValues": [user],
                    "ContextKeyType": "string",
                },
                {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": [source_ip], "ContextKeyType": "ip"},
            ],
        }
    )


def requests_of(request: object) -> tuple[list[Request], PolicySet]:
    """The engine's requests (action x resource) and policy set for one simulate request, as `simulate` reads it."""
    caller, owner, actions, resources, context, policies = _parse(request)
    requests = [Request(caller, action, resource, owner, context) for action in actions for resource in resources]
    return requests, policies


def jsonl_rate(lines: list[str]) -> float:
    start = time.perf_counter()
    count = sum(1 for _ in simulate_jsonl(lines, now=NOW))
    return count / (time.perf_counter() - start)


def api_rate(requests: list[tuple[Request, PolicySet]]) -> float:
    start = time.perf_counter()
    for request, policies in requests:
        evaluate(request, policies, now=NOW)
    return len(requests) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lines = [request_line(i) for i in range(args.lines)]
    decisions = {json.loads(out)["EvaluationResults"][0]["EvalDecision"] for out in simulate_jsonl(lines[:8], now=NOW)}
    # The API run shares one compiled PolicySet, as a caller evaluating many requests would.
    parsed = [requests_of(json.loads(line)) for line in lines]
    policies = parsed[0][1]
    api_requests = [(requests[0], policies) for requests, _ in parsed]
    unique = [request_line(i, unique=True) for i in range(args.lines)]
    jsonl = [jsonl_rate(lines) for _ in range(args.runs)]
    jsonl_unique = [jsonl_rate(unique) for _ in range(args.runs)]
    api = [api_rate(api_requests) for _ in range(args.runs)]
    print(f"decisions seen: {', '.join(sorted(decisions))}")
    print(
        f"simulate --jsonl, typical batch   median {statistics.median(jsonl):>9,.0f} decisions/s   (target >= 20,000)"
    )
    print(f"simulate --jsonl, no repeats      median {statistics.median(jsonl_unique):>9,.0f} decisions/s")
    print(f"evaluate() API, typical batch     median {statistics.median(api):>9,.0f} decisions/s")
    print(f"({args.lines} requests per run, one decision each, {args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
