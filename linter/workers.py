"""Work spread over forked processes, its answers handed on in the order of its inputs.

A batch command (`simulate --jsonl`) cuts its input into chunks; `ordered_answers` has each chunk answered in a
worker process and yields the answers in the chunks' order, as one process would have. Workers are forked from the
running process, so they start with every module it has imported and cost a few milliseconds, not a fresh
interpreter's start-up; where forking is not safe (`can_fork`: another platform, or threads running) there are no
workers and the caller answers in-process. Only a few chunks are in flight at a time, so a batch larger than memory
streams through as it does in one process.

The pool is a pipe each way per worker and a `select.poll` loop in this process, not `concurrent.futures`: importing
that and `multiprocessing` took 20-25 ms before the first chunk could start (3-4% of a 3,000-line batch's wall
time), and its feeder and manager threads took turns with the parent for the GIL. The parent writes chunks and reads
answers in one loop, never blocking on one pipe while a worker blocks on the other.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, NoReturn, TypeVar

Chunk = TypeVar("Chunk")
Answer = TypeVar("Answer")

# Chunks in flight per worker: one being answered and one waiting, so that no worker idles while the parent hands on
# answers; more would only hold more of the batch in memory.
_IN_FLIGHT_PER_WORKER = 2
# However many processors the machine has: past a few, the parent reading lines and writing answers is the limit.
MAX_WORKERS = 8
# A message on a pipe: its length in 8 bytes, then a pickle.
_HEADER = 8
_READ_SIZE = 1 << 20
_DIED = "a worker process ended before answering its chunks (killed, or out of memory)"


class WorkerDied(RuntimeError):
    """A worker process ended before answering its chunks (killed, or out of memory)."""


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

    An exception `answer` raises is raised here when its chunk's turn comes; a worker that dies (killed, out of
    memory) raises WorkerDied. Closing the iterator early stops the workers, chunks not yet answered with them."""
    pool: _Pool[Chunk, Answer] = _Pool(answer, workers)
    finished = False
    try:
        sent = taken = 0
        for chunk in chunks:
            if sent - taken >= workers * _IN_FLIGHT_PER_WORKER:
                yield pool.answer(taken)
                taken += 1
            pool.submit(sent, chunk)
            sent += 1
        while taken < sent:
            yield pool.answer(taken)
            taken += 1
        finished = True
    finally:
        pool.close(finished)


class _Worker:
    """A forked worker as the parent sees it: the pipe its chunks go down and the one its answers come up."""

    __slots__ = ("alive", "inbox", "outbox", "pid", "results", "tasks", "waiting")

    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid = pid
        self.tasks = tasks  # the write end of its chunks' pipe (non-blocking)
        self.results = results  # the read end of its answers' pipe
        self.outbox: deque[memoryview] = deque()  # messages not yet written, in order
        self.inbox = bytearray()  # what was read of its answers and not yet taken apart
        self.waiting: deque[int] = deque()  # the numbers of the chunks it was given and has not answered
        self.alive = True  # until its answers' pipe ends


class _Pool(Generic[Chunk, Answer]):
    def __init__(self, answer: Callable[[Chunk], Answer], size: int) -> None:
        import pickle  # lazy: only a batch with workers needs these
        import select

        self._pickle = pickle
        self._answer = answer
        self._size = size
        self._workers: list[_Worker] = []
        self._by_fd: dict[int, _Worker] = {}
        self._answers: dict[int, tuple[bool, Any]] = {}
        self._poll = select.poll()
        self._select = select

    def submit(self, number: int, chunk: Chunk) -> None:
        """Hand chunk `number` to the least busy worker, forking a new one while there are fewer than `size`."""
        idle = [worker for worker in self._workers if not worker.waiting]
        worker = (
            idle[0]
            if idle
            else self._fork()
            if len(self._workers) < self._size
            else min(self._workers, key=lambda w: len(w.waiting))
        )
        if not worker.alive:
            raise WorkerDied(_DIED)
        message = self._pickle.dumps(chunk, self._pickle.HIGHEST_PROTOCOL)
        worker.outbox.append(memoryview(len(message).to_bytes(_HEADER, "little") + message))
        worker.waiting.append(number)
        self._write(worker)

    def answer(self, number: int) -> Answer:
        """The answer to chunk `number`, once its worker has sent it; raises what `answer` raised."""
        while number not in self._answers:
            self._pump()
        succeeded, value = self._answers.pop(number)
        if not succeeded:
            raise value
        return value

    def close(self, finished: bool) -> None:
        """End the workers: at the end of their chunks' pipes they exit; an early end kills them mid-chunk."""
        import signal

        for worker in self._workers:
            if not finished:
                _quietly(os.kill, worker.pid, signal.SIGKILL)
            _quietly(os.close, worker.tasks)
            _quietly(os.close, worker.results)
        for worker in self._workers:
            _quietly(os.waitpid, worker.pid, 0)
        self._workers.clear()

    def _fork(self) -> _Worker:
        tasks_read, tasks_write = os.pipe()
        results_read, results_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: it keeps its own two ends and none of the others'
            for other in self._workers:
                _quietly(os.close, other.tasks)
                _quietly(os.close, other.results)
            os.close(tasks_write)
            os.close(results_read)
            _serve(self._answer, tasks_read, results_write)
        os.close(tasks_read)
        os.close(results_write)
        os.set_blocking(tasks_write, False)
        worker = _Worker(pid, tasks_write, results_read)
        self._workers.append(worker)
        self._by_fd[results_read] = worker
        self._by_fd[tasks_write] = worker
        self._poll.register(results_read, self._select.POLLIN)
        return worker

    def _write(self, worker: _Worker) -> None:
        """Write what the pipe takes now of the worker's waiting messages; poll for the rest."""
        while worker.outbox:
            view = worker.outbox[0]
            try:
                written = os.write(worker.tasks, view)
            except BlockingIOError:
                break
            except OSError:  # EPIPE: the worker is gone, which reading its answers will tell
                worker.outbox.clear()
                break
            if written == len(view):
                worker.outbox.popleft()
            else:
                worker.outbox[0] = view[written:]
        select = self._select
        if worker.outbox:
            self._poll.register(worker.tasks, select.POLLOUT)
        else:
            _quietly(self._poll.unregister, worker.tasks)

    def _pump(self) -> None:
        """Wait until some pipe is ready, then write chunks and read answers."""
        for fd, _ in self._poll.poll():
            worker = self._by_fd[fd]
            if fd == worker.tasks:
                self._write(worker)
            else:
                self._read(worker)

    def _read(self, worker: _Worker) -> None:
        data = os.read(worker.results, _READ_SIZE)
        if not data:
            worker.alive = False
            self._poll.unregister(worker.results)
            if worker.waiting:
                raise WorkerDied(_DIED)
            return
        inbox = worker.inbox
        inbox += data
        while len(inbox) >= _HEADER:
            size = int.from_bytes(inbox[:_HEADER], "little")
            if len(inbox) < _HEADER + size:
                break
            self._answers[worker.waiting.popleft()] = self._pickle.loads(inbox[_HEADER : _HEADER + size])
            del inbox[: _HEADER + size]


def _serve(answer: Callable[[Chunk], Answer], tasks: int, results: int) -> NoReturn:
    """A worker's life: answer each chunk read from `tasks`, in order, on `results`, until the parent closes
    `tasks`. It leaves with os._exit: nothing of the parent's (its buffered output, its exit handlers) runs twice."""
    code = 0
    try:
        import pickle

        _leave_interrupts_to_parent()
        while True:
            header = _read_exactly(tasks, _HEADER)
            if header is None:
                break
            body = _read_exactly(tasks, int.from_bytes(header, "little"))
            if body is None:
                break
            chunk = pickle.loads(body)
            try:
                reply = pickle.dumps((True, answer(chunk)), pickle.HIGHEST_PROTOCOL)
            except Exception as error:  # raised in the parent, in its chunk's turn
                try:
                    reply = pickle.dumps((False, error), pickle.HIGHEST_PROTOCOL)
                except Exception:  # an exception that cannot be pickled: its name and message
                    reply = pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))
            _write_all(results, len(reply).to_bytes(_HEADER, "little") + reply)
    except BaseException:  # a worker never prints a traceback: the parent sees it die
        code = 1
    finally:
        os._exit(code)


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`; None at its end (the parent closed it)."""
    parts = []
    while size:
        data = os.read(fd, min(size, _READ_SIZE))
        if not data:
            return None
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _quietly(action: Callable[..., object], *arguments: object) -> None:
    with contextlib.suppress(OSError, KeyError):  # a pipe already closed, a process already gone
        action(*arguments)
