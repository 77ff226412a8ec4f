"""`iam-preflight simulate`, single request and --jsonl, through main(argv) as a user runs it."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from linter.cli import main

REQUEST = {
    "CallerArn": "arn:aws:iam::111111111111:user/alice",
    "ActionNames": ["s3:GetObject", "s3:DeleteObject"],
    "ResourceArns": ["arn:aws:s3:::bkt/key.txt"],
    "PolicyInputList": [
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"}],
            }
        )
    ],
}


def test_single_request_answers_in_aws_shape(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "request.json").write_text(json.dumps(REQUEST))
    assert main(["simulate", "request.json"]) == 0
    results = json.loads(capsys.readouterr().out)["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) for r in results] == [
        ("s3:GetObject", "arn:aws:s3:::bkt/key.txt", "allowed"),
        ("s3:DeleteObject", "arn:aws:s3:::bkt/key.txt", "implicitDeny"),
    ]


def test_jsonl_keeps_order_and_reports_a_bad_line_in_place(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(REQUEST), "{not json", json.dumps({**REQUEST, "ActionNames": ["s3:PutObject"]})]
    (in_tmp / "batch.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["simulate", "--jsonl", "batch.jsonl"]) == 2
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["EvaluationResults"][0]["EvalDecision"] if "EvaluationResults" in r else "error" for r in out] == [
        "allowed",
        "error",
        "implicitDeny",
    ]
    assert out[1]["Error"]["Line"] == 2


def test_malformed_request_is_one_line_exit_2(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "request.json").write_text('{"CallerArn": ')
    assert main(["simulate", "request.json"]) == 2
    assert capsys.readouterr().err.startswith("iam-preflight: error: request.json:1:15: invalid JSON")


def test_missing_request_file(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "nope.json"]) == 2
    assert "nope.json: cannot read" in capsys.readouterr().err


def test_a_deeply_nested_line_is_an_error_line_and_the_batch_goes_on(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "batch.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n" + json.dumps(REQUEST) + "\n")
    assert main(["simulate", "--jsonl", "batch.jsonl"]) == 2
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == {"Error": {"Line": 1, "Message": "invalid JSON: nested too deeply"}}
    assert second["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_a_jsonl_stream_runs_with_the_collector_on(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`launch.run` pauses the garbage collector for a short run; a stream of requests with their own policies would
    then keep every evicted policy's reference cycles (554 MB instead of 292 MB for 8,000 requests)."""
    (in_tmp / "batch.jsonl").write_text(json.dumps(REQUEST) + "\n")
    was_enabled = gc.isenabled()
    gc.disable()  # as launch.run leaves it
    try:
        assert main(["simulate", "--jsonl", "batch.jsonl"]) == 0
        assert gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
