"""Whole-process timing shared by the benchmarks: one fresh process, clock from start to exit, CPU and memory.

`timed` starts a command, waits for it with wait4 (wall time from just before the fork to the reap, user+sys CPU of
the process and of every worker it waited for, ru_maxrss of the largest single process) and, when asked, samples the
summed PSS of the whole process tree from /proc. `interleave` runs several tools' commands round by round, back to
back, so that load from other jobs on a shared machine falls on all of them alike. Used by bench_cli.py,
bench_vs_checkov.py, bench_peers.py and bench_scaling.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNREADABLE = "unreadable report"


def no_summary(report: Path) -> str:
    """What a run found when its output is not worth reading: its size."""
    try:
        return f"{report.stat().st_size} bytes of output"
    except OSError:
        return UNREADABLE


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    tree_pss_mb: float
    returncode: int
    summary: str


@dataclass
class Figures:
    runs: list[Run] = field(default_factory=list)  # timed, with nothing sampling the process
    sampled: list[Run] = field(default_factory=list)  # one extra run whose memory was sampled (not timed)
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def low(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def high(self) -> float:
        return max(r.seconds for r in self.runs)

    @property
    def max_rss(self) -> float:
        return max(r.max_rss_mb for r in self.runs + self.sampled)

    @property
    def tree_pss(self) -> float:
        return max((r.tree_pss_mb for r in self.sampled), default=0.0)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _memory_kb(pid: int) -> int:
    """PSS of one process (RSS when smaps_rollup is unreadable), in KiB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_kb(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _memory_kb(pid)
        stack.extend(_children(pid))
    return total


def timed(
    command: list[str],
    env: dict[str, str],
    cwd: Path,
    report: Path,
    timeout: float,
    sample: float = 0,
    summarize: Callable[[Path], str] = no_summary,
    stdin: Path | None = None,
) -> Run:
    """One fresh process: wall time, ru_maxrss of the largest process, sampled peak PSS of the whole tree.

    Its stdin is `stdin` (default: this process's), its stdout goes to `report` (its stderr beside it, `.stderr`),
    which `summarize` reads afterwards. Exit 0 or 1 (findings) is accepted, and 2 (some input had an error) when
    `summarize` could read the report; anything else raises RuntimeError, and a run longer than `timeout` seconds is
    killed and raises TimeoutError.

    ru_maxrss counts the memory of this process too: the child is forked (or vforked) from it, and Linux carries the
    RSS high-water mark of the memory map it replaces at exec into the child's. So keep this process small (build
    large inputs in a child, stream them to files), or its own size becomes the floor of every figure."""
    report.unlink(missing_ok=True)
    errors = report.with_suffix(".stderr")
    with contextlib.ExitStack() as files:
        out, err = files.enter_context(report.open("wb")), files.enter_context(errors.open("wb"))
        given = files.enter_context(stdin.open("rb")) if stdin else None
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=given, stdout=out, stderr=err, start_new_session=True
        )
        done: dict[str, Any] = {}

        def reap() -> None:  # a blocking wait4 in a thread: the wall time does not depend on the sampling period
            done["pid"], done["status"], done["usage"] = os.wait4(process.pid, 0)
            done["seconds"] = time.perf_counter() - start

        reaper = threading.Thread(target=reap, daemon=True)
        reaper.start()
        peak_kb = 0
        while reaper.is_alive():
            if sample > 0:
                peak_kb = max(peak_kb, _tree_kb(process.pid))
            if time.perf_counter() - start > timeout:
                os.killpg(process.pid, signal.SIGKILL)  # the process group this script started
                reaper.join()
                raise TimeoutError(f"timed out after {timeout:.0f} s: {' '.join(command)}")
            reaper.join(sample if sample > 0 else 0.5)
    seconds, status, usage = done["seconds"], done["status"], done["usage"]
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = errors.read_text(errors="replace")
    summary = summarize(report)
    # 0 clean, 1 findings; iam-preflight exits 2 when some input has an error (the suppressions fixture carries a
    # malformed ignore comment on purpose) but still reports everything else: fine as long as the report is complete.
    if process.returncode not in (0, 1) and not (process.returncode == 2 and summary != UNREADABLE):
        raise RuntimeError(f"exit {process.returncode}: {' '.join(command)}\n{stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime  # the process and every worker it waited for
    return Run(
        seconds,
        cpu,
        usage.ru_maxrss / 1024,
        peak_kb / 1024,
        process.returncode,
        f"exit {process.returncode}, {summary}",
    )


def interleave(tools: dict[str, Callable[[float], Run]], runs: int, sample: float = 0) -> dict[str, Figures]:
    """`runs` rounds of one fresh process per tool, back to back, then (when `sample` > 0) one more round whose tree
    PSS is sampled and whose times are not kept. Each tool is a function of the sampling period that runs its
    command once. A tool that fails or times out keeps its error and is not run again; the others go on.

    The sampled round is not timed: reading a process's /proc/PID/smaps_rollup takes its memory-map lock against the
    page faults of a process that is starting up (median of 12 runs of the small module, 2026-11-28: 0.393 s
    sampled, 0.379 s not)."""
    figures = {name: Figures() for name in tools}
    for round_ in range(runs + (1 if sample > 0 else 0)):
        period = sample if round_ == runs else 0
        for name, run in tools.items():
            if figures[name].error is not None:
                continue
            try:
                (figures[name].sampled if period else figures[name].runs).append(run(period))
            except (TimeoutError, RuntimeError, OSError) as error:
                figures[name].error = str(error).splitlines()[0]
    return figures
