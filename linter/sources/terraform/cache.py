"""Parse files once: a content-hash cache of the extracted IR, and parallel parsing of many uncached files.

The cache stores the JSON IR (`ir.py`, built by `hcl.py` and `tfjson.py`; never pickled parse trees, which break
across versions), keyed by the sha256 of the file's bytes plus the tool, IR and python-hcl2 versions, so an edited
file or an upgrade simply misses.
It lives in `$IAM_PREFLIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/iam-preflight`, else `~/.cache/iam-preflight`;
`--no-cache` or `IAM_PREFLIGHT_NO_CACHE=1` turns it off. Nothing is ever written next to the user's files. Cache
failures (read-only home, corrupt entry) only cost speed, never correctness.

The cache folder is untrusted: a CI cache restored across pull requests is writable by earlier jobs, and a key is
predictable (the hash of public file content). An entry planted there could turn findings into "No findings". So
every entry is authenticated: it carries an HMAC-SHA256, over its content key and its payload, made with a secret
that does not live in the cache folder: `$IAM_PREFLIGHT_CACHE_KEY` (at least 32 characters, for a team that shares
a cache on purpose), else the file `$XDG_CONFIG_HOME/iam-preflight/cache-key` (else `~/.config/...`), 32 random
bytes created with mode 0600 on first use; a key file that is not a private regular file of this user is not
used. An entry whose HMAC, content key or shape does not check out is ignored and written anew, never believed and
never fatal; entries are read as regular files only, never through a link, at most `MAX_ENTRY_BYTES`. Without a
usable key (a read-only home) the cache is off for the run.

Parsing runs in worker processes only when it pays: many uncached lines and at least 3 CPUs. Measured on a shared
2-core machine, 2 workers were slower than one process at every size up to 9,000 lines (pool start ~25 ms, results
pickled back, workers competing with other load); the parser runs ~50 us per line.

The CLI also parses ahead (`parse_ahead`): before it imports the model and the rules, it forks helpers that parse
the .tf files the run is about to read. The parent's imports and the helpers' parsing then overlap, which pays even
on 2 CPUs, because the parent has nothing to wait for until it loads the first module. Each helper hands its files
over one by one as it parses them (`_parsed_ahead`), so the parent evaluates the first modules while the helpers
parse the later ones.

Where the cache lives and its key are `cache_folder.py`'s, which the parser uses too (the cache imports the parser,
never the other way round); the configuration files of a folder are `files.py`'s. Their names the CLI and the tests
use (`switch_off`, `key_file`, `TERRAFORM_SUFFIXES`...) are re-exported here.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import mmap
import os
import signal
import stat
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, NoReturn

import linter
from linter.atomic import replace_entry
from linter.digest import sha256
from linter.sources.confine import TooLarge, inside, read_bytes, tree_root
from linter.sources.terraform.cache_folder import _switched_off as _switched_off  # noqa: PLC0414
from linter.sources.terraform.cache_folder import cache_dir, cache_secret, hcl2_version
from linter.sources.terraform.cache_folder import key_file as key_file  # noqa: PLC0414
from linter.sources.terraform.cache_folder import switch_off as switch_off  # noqa: PLC0414
from linter.sources.terraform.files import PARSED_AHEAD_SUFFIXES, module_files, walk_modules
from linter.sources.terraform.files import TERRAFORM_SUFFIXES as TERRAFORM_SUFFIXES  # noqa: PLC0414
from linter.workers import can_fork, usable_processors

IR_VERSION = 2  # bump when the IR's shape changes (ir.py); 2: readable field names
PARALLEL_LINES = 2000  # uncached lines below which worker start-up and result transfer cost more than they save
PARALLEL_CPUS = 3  # fewer usable CPUs: workers only compete with this process and whatever else runs
MAX_FILE_BYTES = 2 * 1024 * 1024
# The HCL parser's tree takes ~0.5-1.4 KB per bracket, comma, `=` and line break (measured: 500,000 of them in a
# 600 KB generated file peaked at 690 MB). Real files hold about one per 12 bytes, so a 2 MB file has ~170,000 and
# never reaches this; a hostile file that does is refused before the parser sees it.
MAX_STRUCTURE = 250_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # the IR of the largest file read (MAX_FILE_BYTES) is a few times its size
ENTRY_FORMAT = b"iam-preflight-cache-1"  # the first word of the signed part of every entry


class Parsed(NamedTuple):
    """One file's IR, or why it could not be parsed (message, line, column)."""

    ir: Any = None
    error: tuple[str, int, int] | None = None


def _key(kind: str, data: bytes) -> str:
    digest = sha256(f"{linter.__version__}\0{IR_VERSION}\0{hcl2_version()}\0{kind}\0".encode())
    digest.update(data)
    return digest.hexdigest()


def _entry(folder: Path, key: str) -> Path:
    return folder / "hcl" / key[:2] / f"{key}.json"


def _signature(secret: bytes, signed: bytes | memoryview) -> bytes:
    import hmac  # here: a check of policy JSON alone never reads the cache

    return hmac.digest(secret, signed, "sha256").hex().encode()


# An entry: the hex HMAC of the rest, a newline, then the signed part: `ENTRY_FORMAT content-key` and a newline,
# then the JSON payload, {"ir": ...} or {"error": [message, line, column]}.
_SIGNATURE_BYTES = 64
_ENTRY_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _read(folder: Path | None, key: str) -> Parsed | None:
    """The entry for this content key if it is authentic and well-formed; None (a miss) for anything else."""
    if folder is None:
        return None
    secret = cache_secret()
    if secret is None:
        return None
    try:
        # Never through a link, never a FIFO or a device (a planted /dev/zero would never end).
        handle = os.open(_entry(folder, key), _ENTRY_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        data = os.read(handle, info.st_size + 1) if info.st_size else b""
    except OSError:
        return None
    finally:
        os.close(handle)
    import hmac

    signed = memoryview(data)[_SIGNATURE_BYTES + 1 :]
    header = b"%s %s\n" % (ENTRY_FORMAT, key.encode())
    if (
        len(data) > info.st_size  # grew while being read: being rewritten
        or data[_SIGNATURE_BYTES : _SIGNATURE_BYTES + 1] != b"\n"
        or signed[: len(header)] != header
        or not hmac.compare_digest(data[:_SIGNATURE_BYTES], _signature(secret, signed))
    ):
        return None
    try:
        payload = json.loads(signed[len(header) :].tobytes())
    except (ValueError, RecursionError):
        return None
    return _parsed_from(payload)


def _parsed_from(payload: Any) -> Parsed | None:
    """The Parsed an authentic payload holds, if it has the shape `_write` gives it (None otherwise)."""
    if not isinstance(payload, dict) or len(payload) != 1:
        return None
    if "error" in payload:
        error = payload["error"]
        if (
            isinstance(error, list)
            and len(error) == 3
            and isinstance(error[0], str)
            and all(type(number) is int for number in error[1:])
        ):
            return Parsed(error=(error[0], error[1], error[2]))
        return None
    ir = payload.get("ir")
    # A module's IR (`.tf`, `.tf.json`) or a template's parts.
    if isinstance(ir, list) or (isinstance(ir, dict) and isinstance(ir.get("blocks"), list)):
        return Parsed(ir=ir)
    return None


_made: set[Path] = set()  # cache sub-folders known to exist (one mkdir each per process, not one per entry)


def _write(folder: Path | None, key: str, parsed: Parsed) -> None:
    """Store an entry, signed (see `_read`); anything in the way (a planted file or link) is replaced."""
    if folder is None:
        return
    secret = cache_secret()
    if secret is None:
        return
    path = _entry(folder, key)
    payload = {"error": list(parsed.error)} if parsed.error else {"ir": parsed.ir}
    # dumps is C-accelerated; dump() is not. The IR is a tree (no cycles to look for): 25% faster without the check.
    text = json.dumps(payload, separators=(",", ":"), check_circular=False)
    signed = b"%s %s\n%s" % (ENTRY_FORMAT, key.encode(), text.encode())
    try:
        if path.parent not in _made:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A sub-folder planted as a link would send entries (and their temporary files) elsewhere.
            if any(stat.S_ISLNK(os.lstat(part).st_mode) for part in (path.parent, path.parent.parent)):
                return
            _made.add(path.parent)
        # Write then rename, so a concurrent run (pre-commit splits files across processes) never reads half a file.
        replace_entry(path, b"%s\n%s" % (_signature(secret, signed), signed))
    except OSError:
        _made.discard(path.parent)


def source_kind(path: Path, kind: str = "tf") -> str:
    """How to parse a file read as `kind`: a configuration file in JSON syntax is `tfjson`."""
    return "tfjson" if kind == "tf" and path.name.endswith(".tf.json") else kind


def parse_source(text: str, kind: str) -> Parsed:
    """Parse text as a .tf file (`tf`), a .tf.json file (`tfjson`) or a template (`template`, the body of a
    templatefile() file)."""
    from linter.sources.terraform.hcl import (  # lazy: the parser (~9 ms) loads only when a file misses the cache
        HclSyntaxError,
        parse_text,
        template_parts,
    )

    if kind == "tf" and _structure(text) > MAX_STRUCTURE:
        message = f"more than {MAX_STRUCTURE:,} brackets, commas, equals signs and line breaks; not parsed"
        return Parsed(error=(message, 1, 1))
    try:
        if kind == "template":
            return Parsed(ir=template_parts(text, 1, 1))
        if kind == "tfjson":
            from linter.sources.terraform.tfjson import parse_config  # lazy: as hcl above

            return Parsed(ir=parse_config(text))
        return Parsed(ir=parse_text(text))
    except HclSyntaxError as error:
        return Parsed(error=(error.message, error.line, error.column))
    except RecursionError:
        return Parsed(error=("too deeply nested to parse", 1, 1))
    except Exception as error:  # a construct the converter does not know must cost one file, never the run
        return Parsed(error=(f"cannot read this file ({type(error).__name__}: {error}); please report it", 1, 1))


def _structure(text: str) -> int:
    """The characters of a .tf file that become parse-tree nodes (counted in C, a pass per character)."""
    return sum(text.count(char) for char in "{}[],=\n")


def _parse_job(job: tuple[str, str]) -> Parsed:
    return parse_source(*job)


def _decode(path: Path) -> str | Parsed:
    try:
        data = read_bytes(path, MAX_FILE_BYTES)
    except TooLarge:
        return Parsed(error=(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not checked", 1, 1))
    except OSError as error:
        return Parsed(error=(f"cannot read: {error.strerror or error}", 1, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Parsed(error=(f"not UTF-8 text (byte {error.start})", 1, 1))
    return text.removeprefix("\ufeff")


class ParsedFiles:
    """The files parsed or read from the cache folder in this process (here or by the parse-ahead helpers), by
    content key.

    Each parsed here is kept compact (its Parsed pickled: ~4 KB a file of the benchmark corpus, against ~40 KB
    decoded), and the `DECODED_KEPT` read last are kept decoded too: the root modules of a repository read the same
    files again (a child module its examples call; terraform-aws-lambda reads 130 files again), and decoding each
    again cost up to a fifth of a check. A load thus holds the decoded IR of one module tree and of at most
    DECODED_KEPT more files, however many modules it reads."""

    DECODED_KEPT = 256

    def __init__(self) -> None:
        self._compact: dict[str, bytes] = {}
        self._decoded: OrderedDict[str, Parsed] = OrderedDict()
        self._lock = threading.Lock()  # the loader's threads share it

    def __contains__(self, key: str) -> bool:
        return key in self._compact or key in self._decoded

    def __len__(self) -> int:
        return len(self._compact.keys() | self._decoded.keys())

    def add(self, key: str, parsed: Parsed) -> None:
        """A file parsed in this process."""
        self._compact[key] = _compact(parsed)
        self.keep_decoded(key, parsed)

    def add_compact(self, key: str, compact: bytes) -> None:
        """A file parsed by a helper, as it hands it over (decoded only when read)."""
        self._compact[key] = compact

    def keep_decoded(self, key: str, parsed: Parsed) -> None:
        with self._lock:
            self._decoded[key] = parsed
            self._decoded.move_to_end(key)
            if len(self._decoded) > self.DECODED_KEPT:
                self._decoded.popitem(last=False)

    def get(self, key: str) -> Parsed | None:
        """The file decoded, or None when this process has not parsed or read it (or read it and let it go)."""
        with self._lock:
            found = self._decoded.get(key)
            if found is not None:
                self._decoded.move_to_end(key)
                return found
        compact = self._compact.get(key)
        if compact is None:
            return None
        parsed = _decoded(compact)
        self.keep_decoded(key, parsed)
        return parsed

    def clear(self) -> None:
        self._compact.clear()
        with self._lock:
            self._decoded.clear()


_memo = ParsedFiles()
# Inside `batch()`, the files decoded for the root module being loaded, by path (per thread), and those it read.
_local = threading.local()


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Within one load, a file is read once per root module: its content is assumed not to change meanwhile.

    A batch within the load's (one root module of `load_modules`) lets go of the files decoded for it when it ends,
    but for the last read, which `_memo` keeps decoded for the next root modules (a child module several call); one
    read again later is decoded again from its compact copy, or read from the cache folder again.

    The garbage collector is paused too: a load allocates many small objects (parse trees, IR, values) and the
    collections they trigger find little to free (2% fewer instructions for the 60-module benchmark corpus).
    """
    files = getattr(_local, "files", None)
    if files is not None:
        outer, _local.read = _local.read, set()
        try:
            yield
        finally:
            for read in _local.read:
                files.pop(read, None)
            _local.read = outer
            if not gc.isenabled():
                # Evaluating a module leaves reference cycles (closures over its scopes) that hold its decoded files:
                # they would wait for the load to end. The pause kept every object of this module in the youngest
                # generation, so collecting that one finds them, and costs what the load's first collection would.
                gc.collect(0)
        return
    _local.files, _local.read = {}, set()
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        _local.files = _local.read = None
        # The load is done: the rest of the helpers' results (files it did not read). Their cache entries, which
        # they write once their results are handed over, are waited for at exit (`abandon_helpers`) or by the next
        # run: the last files handed over are those the load waited for, and the rules run meanwhile.
        _take_over()
        if paused:
            gc.enable()


def parse_files(paths: Sequence[Path], kind: str = "tf") -> dict[Path, Parsed]:
    """Every path's Parsed, from the cache when the content is unchanged; misses are parsed (in parallel if many)."""
    folder = cache_dir()
    results: dict[Path, Parsed] = {}
    misses: list[tuple[Path, str, str]] = []
    known_files: dict[tuple[Path, str], Parsed] | None = getattr(_local, "files", None)
    _take_sent()
    for path in dict.fromkeys(paths):
        if known_files is not None:
            known = known_files.get((path, kind))
            if known is not None:
                results[path] = known
                continue
        text = _decode(path)
        if isinstance(text, Parsed):
            results[path] = text
            continue
        key = _key(source_kind(path, kind), text.encode("utf-8"))
        # The cache first: a helper handing over a file it found cached would only make this process wait for it.
        cached = _memo.get(key)
        if cached is None:
            cached = _read(folder, key)
            if cached is not None:
                _memo.keep_decoded(key, cached)  # while among the last read; then read from the folder again
        if cached is None:
            cached = _parsed_ahead(path, key)
        if cached is not None:
            results[path] = cached
        else:
            misses.append((path, key, text))
    jobs = [(text, source_kind(path, kind)) for path, _, text in misses]
    for (path, key, _), parsed in zip(misses, _parse_all(jobs), strict=True):
        results[path] = parsed
        _memo.add(key, parsed)
        _write(folder, key, parsed)
    if known_files is not None:
        known_files.update(((path, kind), parsed) for path, parsed in results.items())
        _local.read.update((path, kind) for path in results)
    else:  # not within a load: nothing is read after this call, the helpers' work is taken over now
        join_helpers()
    return results


def _compact(parsed: Parsed) -> bytes:
    import pickle  # lazy: a run whose files are all cached parses nothing

    return pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)


def _decoded(compact: bytes) -> Parsed:
    import pickle  # lazy: as in `_compact`

    parsed: Parsed = pickle.loads(compact)
    return parsed


def _parse_all(jobs: list[tuple[str, str]]) -> list[Parsed]:
    lines = sum(text.count("\n") + 1 for text, _ in jobs)
    workers = min(usable_processors(), 8) if lines >= PARALLEL_LINES else 1
    if workers < PARALLEL_CPUS:
        return [_parse_job(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    from linter.sources.terraform.hcl import _parser  # lazy: as in parse_source

    _parser()  # load the grammar once here; forked workers inherit it instead of each loading it
    context = None
    if sys.platform == "linux":
        import multiprocessing

        context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(_parse_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    except (OSError, RuntimeError):  # no fork/semaphores in this sandbox: parse serially rather than fail
        return [_parse_job(job) for job in jobs]


# -- parsing ahead -------------------------------------------------------------------------------------------------


class _Helper(NamedTuple):
    pid: int
    results: int  # read end of the pipe the helper sends its {content key: Parsed} through


class _Ahead(NamedTuple):
    """The files being parsed ahead, and who claimed each: helper k parses files k, k + n, ... in turn (n helpers),
    skipping those claimed already; the parent claims a file it needs that no helper has reached yet and parses it
    itself, and once the load is done parses the unclaimed rest from the end (`_take_over`). A file both claim at
    the same moment is parsed twice, with the same result."""

    paths: list[Path]
    claims: mmap.mmap  # one byte per file, shared with the helpers: nonzero once someone parses it
    helpers: list[_Helper]
    step: int = 1  # the helpers started for: helper k parses files k, k + step, ... (fewer when a fork failed)


_pending: list[_Ahead] = []  # the parse started ahead and not joined yet (at most one)
# The parse ahead's results as the parent takes them over, file by file (`_parsed_ahead`): at most one.
_taking: list[_Taking] = []
_taking_lock = threading.RLock()  # one thread at a time reads the helpers' streams
_writers: list[int] = []  # helpers joined whose results were read, maybe still writing cache entries (`reap_writers`)
_looked: set[Path] = set()  # files parse_ahead has considered in this process
# Up to this many files, parse_ahead first looks whether any needs parsing: forking costs the CLI ~3,000 extra page
# faults (9,600 instead of 6,500 on a small module) even when the helper finds everything cached, while reading and
# hashing a few files twice costs far less.
# Larger trees fork at once: looking would read every file an extra time before the first helper starts.
LOOK_BEFORE_FORKING = 16
# The files a helper parses in the time this process takes to load the grammar and build its lexers (`_worth_helping`).
PARENT_START_FILES = 5
# The pipe size a helper asks for: its results for ~250 files of the benchmark corpus (the default is 64 KB, ~15).
PIPE_BYTES = 1 << 20


def parse_ahead(targets: Iterable[str]) -> None:
    """Start parsing the .tf files under these CLI arguments in forked helpers (one per spare CPU, at least one).

    Only from a single-threaded process on Linux (fork is unsafe beside threads, and elsewhere not the default). The
    list is a guess made before the config is read: a file the run then excludes costs a helper's time, never a
    finding. Files the guess misses (a module called from outside the arguments) are parsed when they are read.
    """
    if _pending or not can_fork():
        return
    reap_writers()  # an earlier run's helpers (a program that runs several checks): entries written, no zombies

    targets = list(targets)
    folders: dict[Path, None] = {}
    for target in targets:
        path = Path(target)
        if path.is_dir():
            folders.update(dict.fromkeys(walk_modules(path)))
        elif path.name.endswith(PARSED_AHEAD_SUFFIXES):
            folders[path.parent] = None
    # The console script looks ahead before the CLI is imported and `check` again with its parsed paths: a file is
    # looked at once per process. Files outside the targets' trees are left to the loader, which refuses them.
    roots = [tree_root(Path(target)) for target in targets]
    paths = [p for folder in folders for p in module_files(folder) if p not in _looked and inside(p, roots)]
    _looked.update(paths)
    if not paths or (len(paths) <= LOOK_BEFORE_FORKING and all(_parsed_before(p) for p in paths)):
        return  # nothing to parse (a pre-commit run over unchanged files): a helper would only cost the fork
    count = max(1, min(usable_processors() - 1, 8, len(paths)))
    ahead = _Ahead(paths, mmap.mmap(-1, len(paths)), [], count)
    for index in range(count):
        read, write = os.pipe()
        # Room for all the results (~4 KB a file): a helper whose pipe is full would wait for the parent, which reads
        # it only when it needs a file. Without the room (a lower limit), it waits: slower, never wrong.
        with contextlib.suppress(OSError, AttributeError):
            import fcntl  # lazy: POSIX only, and a run parsing nothing ahead needs none

            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            break
        if pid == 0:  # the helper: never returns
            os.close(read)
            _helper(ahead, index, count, write)
        os.close(write)
        ahead.helpers.append(_Helper(pid, read))
    _pending.append(ahead)
    atexit.unregister(abandon_helpers)  # once, however many runs this process makes
    atexit.register(abandon_helpers)  # a run that ends before it reads any .tf file leaves no helper running


def parsing_ahead() -> bool:
    """Whether helpers are parsing files ahead that this process has not taken over all of yet."""
    return bool(_pending)


def _parsed_before(path: Path) -> bool:
    """Whether this file's content is in the cache already (or cannot be read, which the loader reports)."""
    text = _decode(path)
    if isinstance(text, Parsed):
        return True
    return _parsed_already(_key(source_kind(path), text.encode("utf-8")), cache_dir())


def _parsed_already(key: str, folder: Path | None) -> bool:
    return key in _memo or (folder is not None and _entry(folder, key).is_file())


def _helper(ahead: _Ahead, first: int, step: int, results: int) -> NoReturn:
    """Parse claimed files and send each result to the parent as it comes (`_Taking`); exit without running the
    parent's exit handlers."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # a reader of the parent's output must see end-of-file when the parent exits
            os.dup2(devnull, fd)
        gc.disable()  # short-lived: collections would find little to free
        import pickle

        with os.fdopen(results, "wb") as stream:

            def send(index: int, key: str | None, compact: bytes | None) -> None:
                pickle.dump((index, key, compact), stream, protocol=pickle.HIGHEST_PROTOCOL)
                stream.flush()  # the parent may be waiting for this very file

            found = _parse_claimed(ahead, range(first, len(ahead.paths), step), 1, write=False, send=send)
        # The cache entries only after the results are handed over: the parent, waiting for them on a cold cache,
        # goes on evaluating while this process writes (~0.3 ms a file), and reaps it at exit. Kept compact until
        # then: decoded, the results of a large tree would make this process as large as its IR.
        folder = cache_dir()
        for key, compact in found.items():
            _write(folder, key, _decoded(compact))
        code = 0
    finally:
        os._exit(code)


def _parse_claimed(
    ahead: _Ahead,
    indexes: Iterable[int],
    mark: int,
    write: bool = True,
    send: Callable[[int, str | None, bytes | None], None] | None = None,
) -> dict[str, bytes]:
    """Claim and parse the files not claimed yet, in this order (the parent claims files it needs on the way).
    Each result, compact as `_memo` keeps it, is written to the cache as it comes unless `write` is False (the
    caller writes them later), and handed to `send` with its index and content key (None for one the loader reads
    itself: unreadable, cached)."""
    folder = cache_dir()
    found: dict[str, bytes] = {}
    for index in indexes:
        if ahead.claims[index]:
            continue
        ahead.claims[index] = mark
        text = _decode(ahead.paths[index])
        compact = None
        key = None
        if not isinstance(text, Parsed):  # else unreadable: reported when the loader reads it
            kind = source_kind(ahead.paths[index])
            key = _key(kind, text.encode("utf-8"))
            if key not in found and not _parsed_already(key, folder):  # else the loader reads it from the cache
                parsed = parse_source(text, kind)
                compact = found[key] = _compact(parsed)
                if write:
                    _write(folder, key, parsed)
        if send is not None:
            send(index, key, compact)
    return found


class _Taking:
    """The results of a parse ahead as the parent takes them over: each helper's stream of (index, content key,
    compact Parsed or None) records, in the order of its files, read as far as the file the load needs. They go to
    `_memo` as they are: decoded only when a module reads the file, so helpers that run far ahead of the load cost
    ~4 KB a file here, not its decoded IR."""

    def __init__(self, ahead: _Ahead) -> None:
        self.ahead = ahead
        self.index = {path: index for index, path in enumerate(ahead.paths)}
        self.streams: list[BinaryIO | None] = [os.fdopen(helper.results, "rb") for helper in ahead.helpers]
        self.received: set[int] = set()

    def take(self, helper: int) -> None:
        """One more record of this helper's (the parent waits for it), or the end of its stream."""
        import pickle  # lazy: a run whose files are all cached forks no helper and reads no pipe

        stream = self.streams[helper]
        if stream is None:
            return
        try:
            index, key, compact = pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
            # the helper is done, or failed: the files it did not hand over are parsed here when they are read
            self.streams[helper] = None
            stream.close()
            return
        self.received.add(index)
        if key is not None and compact is not None:
            _memo.add_compact(key, compact)

    def take_sent(self) -> None:
        """The records sent already, without waiting for any: the files parsed ahead then come from `_memo`, without
        a look in the cache folder first (a miss there for every file of a cold run)."""
        import select  # lazy: as pickle in `take`

        for number in range(len(self.streams)):
            stream = self.streams[number]
            # Readable: a record (a helper flushes each whole) or the end of the stream, which `take` reads at once.
            # A descriptor select cannot watch (above FD_SETSIZE) only leaves its records to `_parsed_ahead`.
            with contextlib.suppress(OSError, ValueError):
                while stream is not None and select.select([stream], [], [], 0)[0]:
                    self.take(number)
                    stream = self.streams[number]

    def close(self) -> None:
        for stream in self.streams:
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.streams = [None] * len(self.streams)


def _take_sent() -> None:
    """The parse ahead's results sent so far (`_Taking.take_sent`)."""
    if not _pending:
        return
    with _taking_lock:
        if _pending:
            if not _taking:
                _taking.append(_Taking(_pending[0]))
            _taking[0].take_sent()


def _parsed_ahead(path: Path, key: str) -> Parsed | None:
    """This file's result from the parse ahead, once its helper has handed it over (waiting for it if need be).

    None when no helper parses it: not among the files parsed ahead, claimed by nobody yet (the parent claims it
    and parses it itself, the helpers skip it), or handed over without a result (the loader reads it from the cache).
    """
    if not _pending:
        return None
    with _taking_lock:
        return _wait_for(path, key)


def _wait_for(path: Path, key: str) -> Parsed | None:
    if not _pending:
        return None
    if not _taking:
        _taking.append(_Taking(_pending[0]))
    taking = _taking[0]
    index = taking.index.get(path)
    if index is None:
        return None
    claims = taking.ahead.claims
    if not claims[index]:
        claims[index] = 2  # the helpers skip it: this process parses it now rather than wait for them
        return None
    if claims[index] != 1:
        return None
    helper = index % taking.ahead.step  # helper k claims files k, k + step, ...
    if helper >= len(taking.streams):
        return None  # not forked: nobody else parses it
    while index not in taking.received and taking.streams[helper] is not None:
        taking.take(helper)
    return _memo.get(key)


def join_helpers() -> None:
    """Take over the parse ahead's results (`_take_over`), then wait for the helpers' cache entries."""
    _take_over()
    reap_writers()


def _take_over() -> None:
    """Parse what the helpers have not claimed yet, then take over the rest of their results (once per process)."""
    if not _pending:
        return
    with _taking_lock:
        if _pending:
            _take_rest(_pending[0])


def _take_rest(ahead: _Ahead) -> None:
    taking = _taking[0] if _taking else _Taking(ahead)
    if _worth_helping(ahead):
        for key, compact in _parse_claimed(ahead, reversed(range(len(ahead.paths))), 2).items():
            _memo.add_compact(key, compact)
    for number in range(len(ahead.helpers)):
        while taking.streams[number] is not None:
            taking.take(number)
    _pending.clear()
    _taking.clear()
    writing = cache_dir() is not None  # helpers write their cache entries after handing their results over
    for helper in ahead.helpers:
        if writing:
            _writers.append(helper.pid)  # reaped at exit (`abandon_helpers`) or by the next parse ahead
        else:
            os.waitpid(helper.pid, 0)
    ahead.claims.close()


def reap_writers() -> None:
    """Wait for the helpers still writing the cache entries of the files they parsed (see `_helper`)."""
    while _writers:
        with contextlib.suppress(ChildProcessError, InterruptedError):
            os.waitpid(_writers.pop(), 0)


def _worth_helping(ahead: _Ahead) -> bool:
    """Whether parsing unclaimed files here ends the parse sooner than waiting for the helpers.

    Before its first file, this process imports the parser and loads the grammar's tables with their lexers: ~6 ms
    (lalr.py keeps them converted), the time a helper takes for ~5 files of the benchmark corpus at ~1.2 ms a file
    (measured when that start took ~25 ms: 4 files left cost the CLI 0.11 s on a loaded 2-CPU machine). With n
    helpers and R files left, helping pays when R > 5 n^2 (R/(n+1) plus its n/(n+1) share of that start beats R/n).
    """
    hcl = sys.modules.get("linter.sources.terraform.hcl")
    if not ahead.helpers or (hcl is not None and hcl._parser.cache_info().currsize):
        return True  # no helper to wait for, or the grammar is loaded here already: helping costs nothing extra
    left = ahead.claims[:].count(0)
    return left > PARENT_START_FILES * len(ahead.helpers) ** 2


def abandon_helpers() -> None:
    """Stop helpers whose results were never read (at exit: a run that ends before it reads any .tf file), and wait
    for those still writing cache entries (their results were read: what they write makes the next run warm)."""
    reap_writers()
    for taking in _taking:  # the streams own the pipes' read ends now
        taking.close()
    for helper in (helper for ahead in _pending for helper in ahead.helpers):
        with contextlib.suppress(OSError):
            if not _taking:
                os.close(helper.results)
            os.kill(helper.pid, signal.SIGTERM)
            os.waitpid(helper.pid, 0)
    _taking.clear()
