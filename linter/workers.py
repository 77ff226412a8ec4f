"""Work spread over forked processes, its answers handed on in the order of its inputs.

A batch command (`simulate --jsonl`) cuts its input into chunks; `ordered_answers` has each chunk answered in a
worker process and yields the answers in the chunks' order, as one process would have. Workers are forked from the
running process, so they start with every module it has imported and cost a few milliseconds, not a fresh
interpreter's start-up; where forking is not safe (`can_fork`: another platform, or threads running) there are no
workers and the caller answers in-process. Only a few chunks are in
flight at a time, so a batch larger than memory streams through as it does in one process.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future  # the pool's module loads only when a batch has workers

Chunk = TypeVar("Chunk")
Answer = TypeVar("Answer")

# Chunks in flight per worker: one being answered and one waiting, so that no worker idles while the parent hands on
# answers; more would only hold more of the batch in memory.
_IN_FLIGHT_PER_WORKER = 2
# However many processors the machine has: past a few, the parent reading lines and writing answers is the limit.
MAX_WORKERS = 8


def _leave_interrupts_to_parent() -> None:
    """Ctrl-C reaches the whole process group: the parent stops the batch, and a worker must not print a traceback."""
    import signal  # lazy: only a worker needs it

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def usable_processors() -> int:
    """The processors this process may run on (its affinity, as a container or `taskset` limits it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork helpers: on Linux (elsewhere fork is not the default or not safe), and only
    while it runs one thread (a child forked beside others may inherit a lock one of them held)."""
    return sys.platform == "linux" and threading.active_count() == 1


def worker_count(asked: int) -> int:
    """The workers to start for `--jobs asked` (0: one per usable processor): at most MAX_WORKERS, and none (answer
    in-process) when only one would run or fork is not available."""
    count = min(asked or usable_processors(), MAX_WORKERS)
    return count if count > 1 and can_fork() else 0


def ordered_answers(chunks: Iterable[Chunk], answer: Callable[[Chunk], Answer], workers: int) -> Iterator[Answer]:
    """`answer(chunk)` for every chunk, computed by `workers` forked processes, yielded in the chunks' order.

    `answer` must be a module-level function (the workers find it by name). An exception it raises is raised here when
    its chunk's turn comes; a worker that dies (killed, out of memory) raises BrokenProcessPool. Closing the iterator
    early cancels the chunks not yet started."""
    # lazy: only a batch with workers needs the pool and its threads
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pending: deque[Future[Answer]] = deque()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_leave_interrupts_to_parent
    )
    finished = False
    try:
        for chunk in chunks:
            if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
            pending.append(pool.submit(answer, chunk))
        while pending:
            yield pending.popleft().result()
        finished = True
    finally:
        # An early end (a reader that went away, an error) does not wait for chunks that no one will read.
        pool.shutdown(wait=finished, cancel_futures=not finished)
