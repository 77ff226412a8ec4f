"""Writing files so that nothing is lost: a reader sees the old content or the new, never half of it, and a failed
write (full disk, read-only folder) leaves the old file as it was.

Every file iam-preflight writes goes through here: reports (`-o`), baselines, parse-cache entries, the cache key.
The content goes to a temporary file beside the target (same folder, so the same file system), which is flushed
(and fsynced, where the file is worth it) and then renamed over the target with `os.replace`, the one step POSIX
makes atomic. The temporary file is removed when anything fails; a replaced file keeps its permission bits.

User-facing targets are checked first (`write_file`, `open_for_writing`):
- a folder, a target in a missing folder or one that cannot be written: `CannotWrite`, one line's reason;
- a symbolic link: refused. Replacing it would drop the link, writing through it would not be atomic, and a link
  planted in a checked-out pull request could point anywhere; the user names the real file instead;
- a device or a FIFO (`/dev/null`, `<(...)`), and the names of open streams (`/dev/stdout`, `/dev/fd/3`): written
  in place, since they are streams, not files to replace (renaming over `/dev/null` would replace the device).
"""

import contextlib
import errno
import os
import stat
from collections.abc import Iterator

StrPath = str | os.PathLike[str]
# os.open flags for the temporary file: never follow a link planted under its name, never reuse an existing file.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TEMP_NAME_CHARS = 120  # of the target's name in the temporary file's: stays well under NAME_MAX (255)
# The names of streams this process has open: written in place whatever they lead to (`-o /dev/stdout > out.txt`).
OPEN_STREAM_NAMES = ("/dev/stdout", "/dev/stderr")
OPEN_STREAM_FOLDERS = ("/dev/fd/", "/proc/self/fd/")


class CannotWrite(OSError):
    """A file could not be written; whatever it held before is intact. `reason` is one line."""

    def __init__(self, path: StrPath, reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


def reason_of(error: OSError) -> str:
    """An OSError as one short line (`No space left on device`), without the path it repeats."""
    if error.errno == errno.ENOENT:
        return "its folder does not exist"
    return error.strerror or str(error)


def write_file(path: StrPath, data: str | bytes, *, durable: bool = True) -> None:
    """Write a report or a baseline in one piece (see the module's docstring); raises CannotWrite."""
    with open_for_writing(path, durable=durable) as sink:
        sink.write(data)


class Sink:
    """Where `open_for_writing` takes the new content: text is written as UTF-8; a failed write is CannotWrite.

    Unbuffered: each write reaches the file at once, so an error belongs to the write that caused it, and closing
    has nothing left to flush (a full disk cannot surface again while another exception is on its way out)."""

    def __init__(self, handle: int, target: str) -> None:
        self._handle = handle
        self._target = target

    def write(self, data: str | bytes) -> None:
        view = memoryview(data if isinstance(data, bytes) else data.encode("utf-8"))
        try:
            while view:
                view = view[os.write(self._handle, view) :]
        except OSError as error:
            raise CannotWrite(self._target, reason_of(error)) from None


@contextlib.contextmanager
def open_for_writing(path: StrPath, *, durable: bool = True) -> Iterator[Sink]:
    """Where to write `path`'s new content: it replaces `path` when the block ends without an exception, and is
    removed otherwise. Raises CannotWrite for a bad target and when writing, syncing or renaming fails; any other
    exception of the block passes through (after the temporary file is removed)."""
    target = os.fspath(path)
    existing = _checked_target(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with _stream(target) as stream:
            yield stream
        return
    try:
        handle, temp = _temp_beside(target)
    except OSError as error:
        raise CannotWrite(target, reason_of(error)) from None
    block_done = False
    try:
        try:
            yield Sink(handle, target)
            block_done = True
            if existing is not None:  # keep the mode the user gave the file; a new one gets the umask's, as open()
                os.fchmod(handle, stat.S_IMODE(existing.st_mode))
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if block_done and isinstance(error, OSError):
            raise CannotWrite(target, reason_of(error)) from None
        raise
    if durable:
        _sync_folder(target)


def replace_entry(path: StrPath, data: bytes) -> None:
    """Put a cache entry in place atomically, whatever is at its name now (a planted link is replaced, not
    followed). Not fsynced: an entry lost in a crash is a cache miss. Raises OSError."""
    target = os.fspath(path)
    handle, temp = _temp_beside(target)
    try:
        try:
            Sink(handle, target).write(data)
        finally:
            os.close(handle)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def create_once(path: StrPath, data: bytes, mode: int) -> bool:
    """Create `path` holding `data` with `mode` if nothing has that name yet: complete or not at all, and the first of
    two concurrent creators wins (`os.link` fails on an existing name). False when something was there already.
    Raises OSError (CannotWrite among them)."""
    target = os.fspath(path)
    handle, temp = _temp_beside(target, mode)
    try:
        try:
            Sink(handle, target).write(data)
            os.fsync(handle)
        finally:
            os.close(handle)
        try:
            os.link(temp, target)
        except FileExistsError:
            return False
        _sync_folder(target)
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _checked_target(target: str) -> os.stat_result | None:
    """What is at `target` now (None: nothing), after refusing targets that cannot or must not be replaced."""
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        if not os.path.isdir(os.path.dirname(target) or "."):
            raise CannotWrite(target, "its folder does not exist") from None
        return None
    except OSError as error:
        raise CannotWrite(target, reason_of(error)) from None
    if target in OPEN_STREAM_NAMES or target.startswith(OPEN_STREAM_FOLDERS):
        return os.stat_result((stat.S_IFCHR, *found[1:]))  # an open stream, even when it was redirected to a file
    if stat.S_ISDIR(found.st_mode):
        raise CannotWrite(target, "it is a folder")
    if stat.S_ISLNK(found.st_mode):
        try:
            pointed = os.stat(target)
        except OSError:
            pointed = None
        if pointed is None or stat.S_ISREG(pointed.st_mode) or stat.S_ISDIR(pointed.st_mode):
            raise CannotWrite(target, "it is a symbolic link; name the file it points to instead")
        return pointed  # a link to a device or a FIFO (`/dev/stdin`-style names of other systems): a stream
    return found


@contextlib.contextmanager
def _stream(target: str) -> Iterator[Sink]:
    """A device or FIFO, written in place: appended to, never created or truncated."""
    try:
        handle = os.open(target, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise CannotWrite(target, reason_of(error)) from None
    try:
        yield Sink(handle, target)
    finally:
        os.close(handle)


def _temp_beside(target: str, mode: int = 0o666) -> tuple[int, str]:
    """A new, empty file in the target's folder (the umask applies to `mode`, as for any new file)."""
    folder, name = os.path.split(target)
    for _ in range(100):
        temp = os.path.join(folder, f".{name[:_TEMP_NAME_CHARS]}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temp, _NEW_FILE, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", target)


def _sync_folder(target: str) -> None:
    """Make the rename itself durable (cheap: one folder); a file system that cannot sync a folder only loses that."""
    with contextlib.suppress(OSError):
        handle = os.open(os.path.dirname(target) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
