"""What every hostile-input test shares."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _hang_breaker() -> Iterator[None]:
    """A hostile input that is not bounded (a FIFO or /dev/zero opened, a missing evaluation limit) would hang the
    suite: fail that test after two minutes instead. Not a timing assertion: every case takes well under a second."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("did not finish: a read blocked or a limit is missing")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
