"""The helpers of the benchmark scripts that decide what is measured: no timing is asserted here.

The request generator of bench_peers.py (row a, where iam-preflight and iam-simulate must be asked the same
questions), the least-squares fit and the linearity ratio of bench_scaling.py, and the exit-code and stdin handling of
the shared process timing.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_peers import S3_ACTIONS, agreement, distinct_line, distinct_request, write_requests
from bench_scaling import fit, linearity, marginal_costs, verdict
from processes import UNREADABLE, timed

from linter.engine.simulate import simulate_jsonl


def expected(i: int) -> str:
    """What request i is meant to get, read off the generator's design rather than from any engine."""
    action = S3_ACTIONS[i % len(S3_ACTIONS)]
    if i % 7 == 0:
        return "explicitDeny"  # the bucket policy's TLS deny
    if action == "s3:DeleteObject" and i % 4 != 0:
        return "explicitDeny"  # no MFA
    if action == "s3:ListBucket":
        return "allowed" if i % 2 == 0 else "implicitDeny"  # the source IP is in 10.I.0.0/16 for even i only
    if i % 3 == 0:
        return "implicitDeny"  # a key outside data/
    return "allowed"  # read, or write with the matching team tag (i % 5 is never 0 for PutObject, DeleteObject)


def test_each_request_has_policies_of_its_own() -> None:
    requests = [distinct_request(i) for i in range(300)]
    texts = [r["PolicyInputList"][0] for r in requests]
    texts += [r["ResourcePolicy"] for r in requests]
    texts += [r["OrderedOrganizationPolicyInputList"][0]["ServiceControlPolicyInputList"][0] for r in requests]
    assert len(set(texts)) == 900
    assert distinct_request(17) == distinct_request(17)


def test_the_engine_gives_each_request_the_decision_it_was_built_for() -> None:
    lines = [distinct_line(i) for i in range(420)]
    decisions = [json.loads(out)["EvaluationResults"][0]["EvalDecision"] for out in simulate_jsonl(lines)]
    assert decisions == [expected(i) for i in range(420)]
    assert Counter(expected(i) for i in range(3000)) == {"allowed": 1371, "explicitDeny": 814, "implicitDeny": 815}


def test_write_requests_streams_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    size = write_requests(path, 5, distinct_line)
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [distinct_request(i) for i in range(5)]
    assert size == path.stat().st_size


def test_agreement_counts_missing_answers_as_disagreements() -> None:
    assert agreement(["Allowed", "ImplicitlyDenied"], ["Allowed", "ExplicitlyDenied", "Allowed"]) == (1, [1, 2])
    assert agreement(["Allowed"], ["Allowed"]) == (1, [])


def test_fit_and_linearity() -> None:
    assert fit([1, 2, 3], [3, 5, 7]) == (1.0, 2.0)
    assert fit([10], [4.0]) == (4.0, 0.0)
    assert marginal_costs([1, 10, 100], [2, 11, 101]) == [1.0, 1.0]
    assert linearity([1, 10, 100], [2, 11, 101]) == 1.0
    assert linearity([1, 2, 3], [1, 4, 9]) == 5 / 3
    assert linearity([1, 2], [1, 2]) is None
    assert (verdict(1.0), verdict(5 / 3), verdict(0.2), verdict(None)) == (
        "linear",
        "NOT linear",
        "sublinear (start-up dominated)",
        "too few sizes to tell",
    )


def test_timed_reads_stdin_and_refuses_unexpected_exit_codes(tmp_path: Path) -> None:
    given = tmp_path / "in.txt"
    given.write_text("hello\n")
    copy = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read())"]
    run = timed(copy, {}, tmp_path, tmp_path / "out.txt", timeout=60, stdin=given)
    assert (run.returncode, (tmp_path / "out.txt").read_text()) == (0, "hello\n")
    assert run.summary == "exit 0, 6 bytes of output"
    with pytest.raises(RuntimeError, match="exit 3"):
        timed([sys.executable, "-c", "raise SystemExit(3)"], {}, tmp_path, tmp_path / "out.txt", timeout=60)
    # exit 2 passes only with a report its summary could read
    with pytest.raises(RuntimeError, match="exit 2"):
        timed(
            [sys.executable, "-c", "raise SystemExit(2)"],
            {},
            tmp_path,
            tmp_path / "out.txt",
            timeout=60,
            summarize=lambda _: UNREADABLE,
        )
