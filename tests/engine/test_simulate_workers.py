"""`simulate --jsonl` answered by worker processes: the same lines, in the same order, as one process writes them,
whatever a chunk holds (answers, error lines, blank lines, an undecodable line that ends the batch)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linter import workers
from linter.cli import app, main
from linter.engine import simulate
from linter.engine.simulate import simulate_jsonl

NOW = datetime(2030, 1, 2, tzinfo=UTC)
pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="workers are forked processes")


def _line(number: int) -> str:
    """A request with policies of its own, allowed or denied by the number; every 7th line is no request at all and
    every 11th is blank."""
    if number % 11 == 0:
        return "   "
    if number % 7 == 0:
        return "{not json" if number % 2 else '{"ActionNames": []}'
    bucket = f"bkt-{number}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": f"S{number}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/locked/*"},
        ],
    }
    key = "locked/k" if number % 3 == 0 else "open/\u00e9"
    return json.dumps(
        {
            "CallerArn": "arn:aws:iam::111111111111:user/u",
            "ActionNames": ["s3:GetObject", "s3:PutObject"],
            "ResourceArns": [f"arn:aws:s3:::{bucket}/{key}"],
            "PolicyInputList": [json.dumps(policy)],
        }
    )


LINES = [_line(number) for number in range(1, 40)]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 4 lines; and forking allowed although a pool an earlier test closed early may still have its thread
    (the stream would answer in-process, and these tests would pass without workers)."""
    monkeypatch.setattr(simulate, "_CHUNK_LINES", 4)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)


@pytest.mark.usefixtures("small_chunks")
def test_workers_answer_as_one_process_does(monkeypatch: pytest.MonkeyPatch) -> None:
    pools: list[int] = []
    ordered_answers = simulate.ordered_answers

    def counted(chunks: Any, answer: Any, count: int) -> Iterator[list[str]]:
        pools.append(count)
        return ordered_answers(chunks, answer, count)

    monkeypatch.setattr(simulate, "ordered_answers", counted)
    alone = list(simulate_jsonl(LINES, now=NOW))
    assert list(simulate_jsonl(LINES, now=NOW, jobs=2)) == alone
    assert list(simulate_jsonl(LINES, now=NOW, jobs=3)) == alone
    assert pools == [2, 3]  # answered by workers indeed
    decisions = [json.loads(line).get("EvaluationResults", [{}])[0].get("EvalDecision") for line in alone]
    assert {"allowed", "explicitDeny", None} <= set(decisions)
    errors = [json.loads(line)["Error"]["Line"] for line in alone if line.startswith('{"Error"')]
    assert errors == [7, 14, 21, 28, 35]  # numbered as lines of the whole batch, blank lines counted


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("good", [0, 3, 4, 9])
def test_an_undecodable_line_ends_the_batch_after_the_answers_before_it(good: int) -> None:
    def source() -> Iterator[str]:
        yield from LINES[:good]
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    alone = list(simulate_jsonl(source(), now=NOW))
    assert list(simulate_jsonl(source(), now=NOW, jobs=2)) == alone
    assert alone[-1] == simulate._unreadable_line(good + 1)
    assert len(alone) == 1 + sum(1 for line in LINES[:good] if line.strip())


@pytest.mark.usefixtures("small_chunks")
def test_a_batch_of_one_chunk_starts_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object) -> Iterator[list[str]]:
        raise AssertionError("a pool was started")

    monkeypatch.setattr(simulate, "ordered_answers", no_pool)
    assert list(simulate_jsonl(LINES[:4], now=NOW, jobs=2)) == list(simulate_jsonl(LINES[:4], now=NOW))


@pytest.mark.usefixtures("small_chunks")
def test_a_stream_closed_early_stops_its_workers() -> None:
    stream = simulate_jsonl(iter(LINES * 20), now=NOW, jobs=2)
    first = [next(stream) for _ in range(5)]
    stream.close()
    assert first == list(simulate_jsonl(LINES, now=NOW))[:5]


def test_how_many_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # a pool's thread a test before left behind
    monkeypatch.setattr(workers, "usable_processors", lambda: 64)
    assert workers.worker_count(0) == workers.MAX_WORKERS
    assert workers.worker_count(3) == 3
    assert workers.worker_count(1) == 0  # one process: this one
    monkeypatch.setattr(workers, "usable_processors", lambda: 1)
    assert workers.worker_count(0) == 0
    monkeypatch.setattr(sys, "platform", "darwin")
    assert workers.worker_count(4) == 0  # no fork: answered in-process
    monkeypatch.setattr(sys, "platform", "linux")
    assert workers.worker_count(4) == 4
    monkeypatch.setattr(workers.threading, "active_count", lambda: 2)
    assert workers.worker_count(4) == 0  # a thread beside this one: a fork could inherit a lock it holds


def _interrupt_handler(_: int) -> bool:
    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_workers_leave_ctrl_c_to_the_parent() -> None:
    """Ctrl-C reaches the whole process group; a worker ignoring it prints no traceback, the parent ends the batch."""
    assert list(workers.ordered_answers(range(3), _interrupt_handler, 2)) == [True, True, True]
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def test_a_failing_chunk_raises_in_its_turn() -> None:
    answers = workers.ordered_answers([1, 0, 2], _reciprocal, 2)
    assert next(answers) == 1.0
    with pytest.raises(ZeroDivisionError):
        next(answers)


def _reciprocal(number: int) -> float:
    return 1 / number


@pytest.mark.usefixtures("small_chunks")
def test_cli_jobs_writes_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("batch.jsonl").write_text("\n".join(LINES) + "\n")
    runner = CliRunner()
    for jobs in ("1", "2", "0"):
        result = runner.invoke(app, ["simulate", "--jsonl", "--jobs", jobs, "batch.jsonl", "-o", f"out-{jobs}.jsonl"])
        assert result.exit_code == 2  # the batch holds error lines
    assert Path("out-2.jsonl").read_text() == Path("out-1.jsonl").read_text() == Path("out-0.jsonl").read_text()
    assert Path("out-1.jsonl").read_text().count("\n") == sum(1 for line in LINES if line.strip())
    refused = runner.invoke(app, ["simulate", "--jsonl", "--jobs", "-1", "batch.jsonl"])
    assert refused.exit_code == 2


@pytest.mark.parametrize(
    ("given", "read"),
    # The usual spellings are read by `cli._PlainValue`, the others by typer's adapter: the same values either way.
    [
        (None, 0),
        ("2", 2),
        ("007", 7),
        ("8", 8),
        (" 3", 3),
        ("3.0", 3),
        ("+2", 2),
        ("1_0", 10),
        ("9" * 20, int("9" * 20)),
    ],
)
def test_cli_jobs_values(given: str | None, read: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []

    def recorded(lines: object, *, jobs: int = 1, now: object = None) -> list[str]:
        asked.append(jobs)
        return []

    monkeypatch.setattr("linter.engine.simulate.simulate_jsonl", recorded)
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n")
    result = CliRunner().invoke(app, ["simulate", "--jsonl", str(batch), *(["--jobs", given] if given else [])])
    assert (result.exit_code, asked) == (0, [read])


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("-1", "Input should be greater than or equal to 0"),
        ("abc", "Input should be a valid integer, unable to parse string as an integer"),
        ("0x1", "Input should be a valid integer, unable to parse string as an integer"),
        ("\u0663", "Input should be a valid integer, unable to parse string as an integer"),  # an Arabic-Indic digit
    ],
)
def test_cli_jobs_refuses_as_typer_does(given: str, message: str, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n")
    result = CliRunner().invoke(app, ["simulate", "--jsonl", str(batch), "--jobs", given])
    assert result.exit_code == 2
    assert f"Invalid value for '--jobs': {message}" in result.output


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the workers a test forks."""
    pids: list[int] = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(workers.os, "fork", recorded)
    return pids


def _assert_reaped(pids: list[int]) -> None:
    """Each worker has ended and been waited for: no process left running, no zombie."""
    assert pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _exit_on_zero(number: int) -> int:
    if number == 0:
        os._exit(3)  # a worker killed mid-chunk, as the OOM killer would
    return number


def test_a_worker_that_dies_raises_worker_died(forked: list[int]) -> None:
    with pytest.raises(workers.WorkerDied, match="ended before answering"):
        list(workers.ordered_answers([1, 0, 2, 3], _exit_on_zero, 2))
    _assert_reaped(forked)


def _reversed(text: str) -> str:
    return text[::-1]


def test_chunks_and_answers_larger_than_a_pipe_pass_both_ways(forked: list[int]) -> None:
    """The parent writes a chunk while a worker writes an answer: neither may wait on the other (a pipe holds 64 KB)."""
    chunks = [str(number) * 700_000 for number in range(9)]
    assert list(workers.ordered_answers(chunks, _reversed, 2)) == [chunk[::-1] for chunk in chunks]
    assert len(forked) == 2
    _assert_reaped(forked)


def _reciprocal_or_wait(number: int) -> float:
    if number > 1:
        time.sleep(60)  # still answering when the stream is closed: killed, not waited for
    return 1 / (number + 1)


def test_a_stream_closed_early_leaves_no_process_behind(forked: list[int]) -> None:
    answers = workers.ordered_answers(range(100), _reciprocal_or_wait, 2)
    assert next(answers) == 1.0
    started = time.monotonic()
    answers.close()
    assert time.monotonic() - started < 20  # not waited for a minute
    _assert_reaped(forked)


def test_a_chunk_ends_at_its_lines_or_its_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulate, "_CHUNK_LINES", 4)
    monkeypatch.setattr(simulate, "_CHUNK_CHARS", 10)
    lines = ["a" * 4] * 7 + ["b"] * 6
    chunks = [(chunk.first, len(chunk.lines)) for chunk in simulate._chunks(lines, NOW, [])]
    assert chunks == [(1, 3), (4, 3), (7, 4), (11, 3)]  # 12 characters, 12, 4 + 3 lines (the line limit), the rest


def _killed(chunk: Any) -> list[str]:
    os._exit(9)  # as the OOM killer ends a worker


@pytest.mark.usefixtures("small_chunks")
def test_cli_a_worker_that_dies_ends_the_batch_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(simulate, "_answer_chunk", _killed)
    Path("batch.jsonl").write_text("\n".join(LINES) + "\n")
    assert main(["simulate", "--jsonl", "batch.jsonl", "-o", "out.jsonl"]) == 2
    assert capsys.readouterr().err == (
        "iam-preflight: error: a worker process ended before answering its chunks (killed, or out of memory): the "
        "batch is not complete (--jobs 1 answers it in this process)\n"
    )
    assert not Path("out.jsonl").exists()  # no partial report
