"""The nightly-style fuzz run of the whole CLI over hostile inputs (issue 11, point 4): >= 100,000 cases.

Run: `.venv/bin/python benchmarks/fuzz_cli.py [--cases 100000] [--seed 0] [--jobs N] [--avoid-known]`.
Each case (`tests/helpers/hostile.py`: policy JSON, Terraform, plans, configs, pre-signed URLs, S3 errors, simulate
requests, damaged byte by byte) runs `linter.cli.main` in-process in a worker, one worker per CPU. A case fails when it
exits with a code other than 0, 1 or 2, prints "internal error" or a traceback, loses the finding of the known-bad
policy beside it, runs over `--timeout` seconds (its worker is killed, and the case is run once more alone to tell a
hang from a slow case on a busy machine) or peaks over `--memory-mb` (the worker's peak RSS, reset before each case
through /proc/self/clear_refs). For an internal error the case runs again with IAM_PREFLIGHT_DEBUG=1 to name the
exception and the innermost function of ours it came from; the summary groups failures by that. Every failing case is
written to `.bench/fuzz-failures/SEED-INDEX/` (its files, command and output), and the run exits 1 if there is any.

`--replay INDEX` runs one case again in this process with IAM_PREFLIGHT_DEBUG=1, so that an internal error raises
and shows its traceback. Not a test: the suite runs a few thousand of the same inputs (`tests/security`).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import NamedTuple, cast

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "helpers")]

import hostile  # noqa: E402 - after the path is set

# A runaway case must not take the machine with it: past this much address space, allocations fail (MemoryError).
ADDRESS_SPACE_LIMIT = 6 * 1024**3
RECYCLE_AFTER = 400  # cases per worker before a fresh one: in-process caches only grow


class Plan(NamedTuple):
    """Which cases: everything `make_case` needs besides the index."""

    seed: int
    avoid: frozenset[str]
    families: tuple[str, ...] | None

    def case(self, index: int) -> hostile.Case:
        return hostile.make_case(self.seed, index, self.avoid, self.families)

    def replay_command(self, index: int) -> str:
        flags = "".join(f" --family {family}" for family in self.families or ())
        flags += f" --avoid {','.join(sorted(self.avoid))}" if self.avoid else ""
        return f".venv/bin/python benchmarks/fuzz_cli.py --seed {self.seed} --replay {index}{flags}"


class Result(NamedTuple):
    case_index: int
    family: str
    inputs: int
    seconds: float
    peak_mb: float
    problems: list[str]
    code: int
    stdout: str
    stderr: str


def _peak_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # "5" resets the peak RSS the kernel reports as VmHWM (proc(5))
        Path("/proc/self/clear_refs").write_text("5")


def run_one(plan: Plan, index: int, scratch: Path) -> Result:
    case = plan.case(index)
    folder = Path(tempfile.mkdtemp(dir=scratch))
    _reset_peak()
    started = time.perf_counter()
    try:
        outcome = hostile.run_case(case, folder)
    except BaseException as error:  # whatever escapes main() is a failure to record, not one to die of
        outcome = hostile.Outcome(-1, "", f"raised out of main(): {type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    shutil.rmtree(folder, ignore_errors=True)
    found = hostile.problems(case, outcome)
    if outcome.code == -1:
        found.append(outcome.stderr)
    if any("internal error" in problem for problem in found):
        found.append(f"raised at {_where_it_raises(case, scratch)}")
    if not found:  # the parent keeps every result: a report it holds is memory each worker forked later inherits
        return Result(index, case.family, case.inputs, seconds, peak, found, outcome.code, "", "")
    return Result(index, case.family, case.inputs, seconds, peak, found, outcome.code, outcome.stdout, outcome.stderr)


def _where_it_raises(case: hostile.Case, scratch: Path) -> str:
    """The exception behind an internal error and the innermost function of ours it came from: the case again, with
    IAM_PREFLIGHT_DEBUG=1 so that it raises."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    os.environ["IAM_PREFLIGHT_DEBUG"] = "1"
    try:
        hostile.run_case(case, folder, keep_debug=True)
    except Exception as error:
        ours = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if "/linter/" in frame.filename or "/rules/" in frame.filename
        ]
        place = f"{Path(ours[-1].filename).relative_to(REPO)}:{ours[-1].name}" if ours else "outside linter/ and rules/"
        return f"{place} {type(error).__name__}"
    finally:
        os.environ.pop("IAM_PREFLIGHT_DEBUG", None)
        shutil.rmtree(folder, ignore_errors=True)
    return "(did not raise again)"


def _worker(connection: Connection, plan: Plan, scratch: Path) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > ADDRESS_SPACE_LIMIT:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, hard))
    for _ in range(RECYCLE_AFTER):
        connection.send(run_one(plan, connection.recv(), scratch))
    connection.close()


class _Slot:
    """One worker process, and the case it is running since when."""

    def __init__(self, plan: Plan, scratch: Path) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, plan, scratch), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.started = 0.0
        self.given = 0

    def give(self, index: int) -> None:
        self.connection.send(index)
        self.index, self.started = index, time.perf_counter()
        self.given += 1

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


def _write_failure(folder: Path, plan: Plan, result: Result) -> None:
    case = plan.case(result.case_index)
    target = folder / f"{plan.seed}-{result.case_index}"
    shutil.rmtree(target, ignore_errors=True)
    (target / "inputs").mkdir(parents=True)
    for name, data in case.files.items():
        path = target / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    links = "".join(f"  {name} -> {to}\n" for name, to in case.links.items())
    if case.stdin is not None:
        (target / "stdin.txt").write_text(case.stdin, encoding="utf-8", errors="surrogateescape")
    (target / "command.txt").write_text(
        f"{case.describe()}\nrun in inputs/"
        + (", standard input in stdin.txt" if case.stdin is not None else "")
        + (f"; symbolic links:\n{links}" if links else "\n")
        + f"replay: {plan.replay_command(result.case_index)}\n",
        encoding="utf-8",
        errors="backslashreplace",
    )
    (target / "output.txt").write_text(
        f"problems: {result.problems}\nexit code: {result.code}\nseconds: {result.seconds:.2f}\n"
        f"peak MB: {result.peak_mb:.0f}\n--- stdout ---\n{result.stdout[:20000]}\n"
        f"--- stderr ---\n{result.stderr[:20000]}\n",
        encoding="utf-8",
        errors="backslashreplace",
    )


def _warm_up(scratch: Path) -> None:
    """Import and build in the parent what every case uses (the CLI, the rules, the HCL grammar, the AWS data), so
    that forked workers start warm and a worker's first case is not timed with the imports."""
    files = {"main.tf": b'resource "aws_iam_policy" "p" {}\n', hostile.KNOWN_BAD_NAME: hostile.KNOWN_BAD_POLICY}
    hostile.run_case(hostile.Case(0, 0, "warm-up", ["check", "."], files), Path(tempfile.mkdtemp(dir=scratch)))


class _Workers:
    """One worker per job, each handed the next case as it finishes one; hung or dead workers are replaced."""

    def __init__(self, plan: Plan, jobs: int, scratch: Path, timeout: float, failures: Path) -> None:
        self.plan, self.scratch, self.timeout, self.failures = plan, scratch, timeout, failures
        self.slots = [_Slot(plan, scratch) for _ in range(jobs)]
        self.results: list[Result] = []

    def _record(self, result: Result) -> None:
        self.results.append(result)
        if result.problems:  # written at once, to be read while a long run goes on (and again at the end)
            _write_failure(self.failures, self.plan, result)

    def run(self, indexes: range) -> list[Result]:
        pending = iter(indexes)
        started = last_shown = time.perf_counter()
        for slot in self.slots:
            self._hand_out(slot, pending)
        try:
            while any(slot.index is not None for slot in self.slots):
                self._collect(pending)
                if time.perf_counter() - last_shown > 2:
                    _progress(self.results, len(indexes), started)
                    last_shown = time.perf_counter()
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
        finally:
            for slot in self.slots:
                slot.kill()
        _progress(self.results, len(indexes), started)
        print(file=sys.stderr)
        return self.results

    def _collect(self, pending: Iterator[int]) -> None:
        busy = {slot.connection: slot for slot in self.slots if slot.index is not None}
        for ready in wait(list(busy), timeout=0.5):
            connection = cast(Connection, ready)
            slot = busy[connection]
            try:
                self._record(connection.recv())
            except (EOFError, OSError):  # the worker died mid-case: the interpreter crashed, or was killed
                self._record(self._lost(slot, f"worker died (exit {slot.process.exitcode})"))
                slot = self._replace(slot)
            if slot.given >= RECYCLE_AFTER:
                slot = self._replace(slot)
            self._hand_out(slot, pending)
        now = time.perf_counter()
        for slot in list(self.slots):
            if slot.index is not None and now - slot.started > self.timeout:
                self._record(self._lost(slot, f"hang: over {self.timeout:g}s"))
                self._hand_out(self._replace(slot), pending)

    @staticmethod
    def _hand_out(slot: _Slot, pending: Iterator[int]) -> None:
        index = next(pending, None)
        if index is None:
            slot.index = None
        else:
            slot.give(index)

    def _replace(self, slot: _Slot) -> _Slot:
        slot.kill()
        fresh = self.slots[self.slots.index(slot)] = _Slot(self.plan, self.scratch)
        return fresh

    def _lost(self, slot: _Slot, problem: str) -> Result:
        assert slot.index is not None
        seconds = time.perf_counter() - slot.started
        try:
            case = self.plan.case(slot.index)
        except Exception as error:  # a worker that died making the case: the generator's bug, reported as such
            return Result(slot.index, "?", 0, seconds, 0.0, [f"{problem}: the generator raised {error!r}"], -1, "", "")
        return Result(slot.index, case.family, case.inputs, seconds, 0.0, [problem], -1, "", "")


def fuzz(plan: Plan, args: argparse.Namespace) -> int:
    failures_folder = Path(args.failures)
    failures_folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="iam-preflight-fuzz-"))
    os.environ["IAM_PREFLIGHT_CACHE_DIR"] = str(scratch / "cache")
    for name in ("IAM_PREFLIGHT_DEBUG", "NO_COLOR"):
        os.environ.pop(name, None)
    _warm_up(scratch)
    signal.signal(signal.SIGTERM, _interrupt)  # a killed run still writes what it found
    started = time.perf_counter()
    workers = _Workers(plan, args.jobs, scratch, args.timeout, failures_folder)
    results = workers.run(range(args.start, args.start + args.cases))
    seconds = time.perf_counter() - started
    _confirm_hangs(results, plan, args.timeout, scratch)
    for result in results:
        if result.peak_mb > args.memory_mb:
            result.problems.append(f"memory: peak {result.peak_mb:.0f} MB")
    failing = [result for result in results if result.problems]
    for result in failing:
        _write_failure(failures_folder, plan, result)
    shutil.rmtree(scratch, ignore_errors=True)
    _summary(results, failing, seconds, args, failures_folder)
    return 1 if failing else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _confirm_hangs(results: list[Result], plan: Plan, timeout: float, scratch: Path) -> None:
    """A case timed out beside another busy worker may only be slow: run each again alone and say how long it took."""
    for result in results:
        if any(problem.startswith("hang") for problem in result.problems):
            slot = _Slot(plan, scratch)
            slot.give(result.case_index)
            alone = "still over the limit when run alone"
            if slot.connection.poll(timeout):
                with contextlib.suppress(EOFError, OSError):
                    again: Result = slot.connection.recv()
                    alone = f"{again.seconds:.1f}s when run alone"
            slot.kill()
            result.problems.append(alone)


def _progress(results: list[Result], total: int, started: float) -> None:
    done = len(results)
    failing = sum(1 for result in results if result.problems)
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0.0
    left = (total - done) / rate if rate else 0.0
    print(
        f"\r{done:,}/{total:,} cases, {rate:.0f}/s, {failing} failing, {elapsed:.0f}s elapsed, ~{left:.0f}s left  ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _summary(
    results: list[Result], failing: list[Result], seconds: float, args: argparse.Namespace, folder: Path
) -> None:
    families = Counter(result.family for result in results)
    print(f"seed {args.seed}, cases {args.start}..{args.start + args.cases - 1}, {args.jobs} workers")
    print(f"{len(results):,} CLI runs carrying {sum(r.inputs for r in results):,} hostile inputs in {seconds:.0f} s")
    print("by family: " + ", ".join(f"{name} {count:,}" for name, count in sorted(families.items())))
    memory = sorted(result.peak_mb for result in results if result.peak_mb)
    if memory:
        print(f"peak RSS of a case: max {memory[-1]:.0f} MB, median {memory[len(memory) // 2]:.0f} MB")
    slowest = sorted(results, key=lambda result: result.seconds, reverse=True)[:5]
    print("slowest: " + ", ".join(f"#{r.case_index} {r.family} {r.seconds:.1f}s" for r in slowest))
    print(f"failing cases: {len(failing)}" + (f", written to {folder}/" if failing else ""))
    groups = Counter(_signature(result) for result in failing)
    for signature, count in groups.most_common():
        example = next(result.case_index for result in failing if _signature(result) == signature)
        print(f"  {count:5d}  {signature}  (e.g. case {example})")


def _signature(result: Result) -> str:
    """What a failure is, without what varies from case to case."""
    raised = next((problem for problem in result.problems if problem.startswith("raised at")), None)
    if raised:
        return raised
    return "; ".join(problem for problem in result.problems if not problem.endswith("alone"))


def replay(plan: Plan, index: int) -> int:
    case = plan.case(index)
    print(case.describe(), file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["IAM_PREFLIGHT_CACHE_DIR"] = str(Path(folder) / ".cache")
        os.environ["IAM_PREFLIGHT_DEBUG"] = "1"
        outcome = hostile.run_case(case, Path(folder) / "case", keep_debug=True)
    sys.stdout.write(outcome.stdout)
    sys.stderr.write(outcome.stderr)
    print(f"exit code {outcome.code}", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="CLI runs (default 100,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="first case index (default 0)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="workers (default: CPUs)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a case is a hang (default 10)")
    parser.add_argument("--memory-mb", type=float, default=500.0, help="peak RSS that fails a case (default 500)")
    parser.add_argument("--failures", default=str(REPO / ".bench" / "fuzz-failures"), help="where failing cases go")
    parser.add_argument("--avoid", default="", help="tricks to leave out, comma-separated (see hostile.TRICKS)")
    parser.add_argument("--avoid-known", action="store_true", help="leave out what the suite leaves out")
    parser.add_argument(
        "--family", action="append", choices=sorted(hostile.FAMILIES), help="only cases of this family (repeatable)"
    )
    parser.add_argument("--replay", type=int, help="run this case in-process with IAM_PREFLIGHT_DEBUG=1")
    args = parser.parse_args()
    avoid = frozenset(filter(None, args.avoid.split(",")))
    unknown = avoid - set(hostile.TRICKS)
    if unknown:
        parser.error(f"unknown trick {sorted(unknown)[0]!r}; known: {', '.join(hostile.TRICKS)}")
    plan = Plan(args.seed, hostile.SUITE_AVOIDS if args.avoid_known else avoid, tuple(args.family or ()) or None)
    return replay(plan, args.replay) if args.replay is not None else fuzz(plan, args)


if __name__ == "__main__":
    sys.exit(main())
