"""Reads confined to the checked tree: the one way the tool reads an input file.

The inputs are somebody else's pull request. A `.tf` file may ask for `file("/etc/passwd")`, a policy file may be a
symbolic link to `~/.aws/credentials`, a module may be a FIFO or `/dev/zero`. So every read of an input goes through
`read_bytes`, which

- resolves symbolic links first and refuses a file whose target lies outside the tree being checked;
- reads regular files only (never a FIFO, a device, a socket, nor anything under /proc, /sys or /dev), opened
  without blocking, so nothing can make a read wait forever;
- reads at most `limit` bytes: a larger file is refused before its content is read;
- turns a symlink loop into a refusal (pathlib raises RuntimeError on one).

The tree of an input is the git work tree that contains it (the nearest folder above it holding `.git`), else the
folder given (for a file, its folder). `checking(paths)` makes those trees the allowed ones for the duration of a
run; reads outside any run are confined to the tree of the file read, which is what a loader called on its own
(as the tests do) needs.

A refusal is a `ReadRefused` (an OSError, so callers that report `error.strerror` need no new branch); its message
names why, never the content, and never the path's target.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

# File systems whose "files" are the machine's state or endless streams, never configuration.
SPECIAL_TREES = (Path("/proc"), Path("/sys"), Path("/dev"))


class ReadRefused(OSError):
    """A read the tool will not do: outside the checked tree, not a regular file, too large, or a symlink loop."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)


class TooLarge(ReadRefused):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {_size(limit)}; not read")
        self.limit = limit


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count} bytes"


def real_path(path: Path) -> Path:
    """The path with every symbolic link resolved; a loop is a refusal, not pathlib's RuntimeError."""
    try:
        return Path(os.path.realpath(path, strict=False))
    except (RuntimeError, OSError, ValueError):
        raise ReadRefused("a symbolic link loop") from None


@cache
def _git_top(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def tree_root(path: Path) -> Path:
    """The tree an input belongs to: the git work tree holding it, else the folder given (a file: its folder).

    Found from the path as written (links not followed), so a link inside the tree cannot move the tree itself."""
    folder = _folder_as_written(path)
    top = _git_top(folder)
    try:
        return real_path(top if top is not None else folder)
    except ReadRefused:
        return folder


def git_work_tree(path: Path) -> Path | None:
    """The git work tree holding `path`, found as `tree_root` finds it, links resolved; None outside any."""
    top = _git_top(_folder_as_written(path))
    try:
        return None if top is None else real_path(top)
    except ReadRefused:
        return None


def _folder_as_written(path: Path) -> Path:
    absolute = Path(os.path.abspath(path))
    return absolute if os.path.isdir(absolute) and not os.path.islink(absolute) else absolute.parent


_scopes: list[tuple[Path, ...]] = []  # the trees of the runs under way, innermost last


@contextmanager
def checking(paths: Iterable[str | Path]) -> Iterator[tuple[Path, ...]]:
    """Within this block, inputs may be read from the trees of these paths and nowhere else."""
    roots = tuple(dict.fromkeys(tree_root(Path(p)) for p in paths))
    _scopes.append(roots)
    try:
        yield roots
    finally:
        _scopes.pop()


def active_roots() -> tuple[Path, ...] | None:
    return _scopes[-1] if _scopes else None


def _within(real: Path, roots: Iterable[Path]) -> bool:
    # Compared as text, as `real == root or root in real.parents` would (both are resolved, hence normalised): the
    # parents are a Path each, built on every read of every input (6% of a check of 1,000 small policies).
    text = os.fspath(real)
    return any(text == (top := os.fspath(root)) or text.startswith(top.rstrip(os.sep) + os.sep) for root in roots)


def inside(path: Path, roots: Iterable[Path] | None = None) -> bool:
    """Whether `path`, links resolved, lies in the given trees (default: the current run's, else the path's own)."""
    try:
        real = real_path(path)
    except ReadRefused:
        return False
    allowed = roots if roots is not None else active_roots() or (tree_root(path),)
    return _within(real, allowed) and not _within(real, SPECIAL_TREES)


def check_readable(path: Path, limit: int, roots: Iterable[Path] | None = None) -> Path:
    """The resolved path of a file `read_bytes` would read, or the refusal (FileNotFoundError when there is none)."""
    real = real_path(path)
    if _within(real, SPECIAL_TREES):
        raise ReadRefused("a special file (/proc, /sys, /dev); not read")
    allowed = roots if roots is not None else active_roots() or (tree_root(path),)
    if not _within(real, allowed):
        raise ReadRefused("outside the checked tree; not read")
    info = os.stat(real)  # FileNotFoundError for a dangling link or a missing file: the caller's usual message
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise ReadRefused("not a regular file (a FIFO, device or socket); not read")
    if info.st_size > limit:
        raise TooLarge(limit)
    return real


def read_bytes(path: Path, limit: int, roots: Iterable[Path] | None = None) -> bytes:
    """At most `limit` bytes of a regular file inside the checked tree; ReadRefused or OSError otherwise."""
    real = check_readable(path, limit, roots)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(real, flags)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped for something else since the check
            raise ReadRefused("not a regular file (a FIFO, device or socket); not read")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:  # grew since the stat
        raise TooLarge(limit)
    return data


def read_text(path: Path, limit: int, roots: Iterable[Path] | None = None) -> str:
    """`read_bytes` decoded as UTF-8 without a byte-order mark; UnicodeDecodeError for other bytes."""
    return read_bytes(path, limit, roots).decode("utf-8").removeprefix("\ufeff")
