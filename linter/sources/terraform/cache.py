"""Parse files once: a content-hash cache of the extracted IR, and parallel parsing of many uncached files.

The cache stores the JSON IR of `hcl.py` (never pickled Lark trees, which break across versions), keyed by the
sha256 of the file's bytes plus the tool, IR and python-hcl2 versions, so an edited file or an upgrade simply misses.
It lives in `$IAM_PREFLIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/iam-preflight`, else `~/.cache/iam-preflight`;
`IAM_PREFLIGHT_NO_CACHE=1` turns it off. Nothing is ever written next to the user's files. Cache failures (read-only
home, corrupt entry) only cost speed, never correctness.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import linter

IR_VERSION = 1  # bump when the IR's shape changes
PARALLEL_THRESHOLD = 16  # below this many uncached files, worker start-up costs more than it saves
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Parsed:
    """One file's IR, or why it could not be parsed (message, line, column)."""

    ir: Any = None
    error: tuple[str, int, int] | None = None


def cache_dir() -> Path | None:
    if os.environ.get("IAM_PREFLIGHT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("IAM_PREFLIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iam-preflight"


@cache
def hcl2_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("python-hcl2")
    except PackageNotFoundError:
        return "unknown"


def _key(kind: str, data: bytes) -> str:
    digest = hashlib.sha256(f"{linter.__version__}\0{IR_VERSION}\0{hcl2_version()}\0{kind}\0".encode())
    digest.update(data)
    return digest.hexdigest()


def _entry(folder: Path, key: str) -> Path:
    return folder / "hcl" / key[:2] / f"{key}.json"


def _read(folder: Path | None, key: str) -> Parsed | None:
    if folder is None:
        return None
    try:
        data = json.loads(_entry(folder, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if "error" in data:
        message, line, column = data["error"]
        return Parsed(error=(message, line, column))
    return Parsed(ir=data["ir"])


def _write(folder: Path | None, key: str, parsed: Parsed) -> None:
    if folder is None:
        return
    path = _entry(folder, key)
    payload = {"error": list(parsed.error)} if parsed.error else {"ir": parsed.ir}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent run (pre-commit splits files across processes) never reads half a file.
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps(payload, separators=(",", ":")))  # dumps is C-accelerated; dump() is not
        os.replace(temp, path)
    except OSError:
        pass


def parse_source(text: str, kind: str) -> Parsed:
    """Parse text as a .tf file (`tf`) or a template (`template`, the body of a templatefile() file)."""
    from linter.sources.terraform import hcl

    try:
        if kind == "template":
            return Parsed(ir=hcl.template_parts(text, 1, 1))
        return Parsed(ir=hcl.parse_text(text))
    except hcl.HclSyntaxError as error:
        return Parsed(error=(error.message, error.line, error.column))
    except RecursionError:
        return Parsed(error=("too deeply nested to parse", 1, 1))
    except Exception as error:  # a construct the converter does not know must cost one file, never the run
        return Parsed(error=(f"cannot read this file ({type(error).__name__}: {error}); please report it", 1, 1))


def _parse_job(job: tuple[str, str]) -> Parsed:
    return parse_source(*job)


def _decode(path: Path) -> str | Parsed:
    try:
        data = path.read_bytes()
    except OSError as error:
        return Parsed(error=(f"cannot read: {error.strerror or error}", 1, 1))
    if len(data) > MAX_FILE_BYTES:
        return Parsed(error=(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not checked", 1, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Parsed(error=(f"not UTF-8 text (byte {error.start})", 1, 1))
    return text.removeprefix("\ufeff")


# Parsed files of this process by content key: a module tree parsed in one batch up front (`prefetch`) is then read
# module by module without decoding the cache entries again. The IR is small (about 10 KB per 100-line file).
_memo: dict[str, Parsed] = {}


def parse_files(paths: Sequence[Path], kind: str = "tf") -> dict[Path, Parsed]:
    """Every path's Parsed, from the cache when the content is unchanged; misses are parsed (in parallel if many)."""
    folder = cache_dir()
    results: dict[Path, Parsed] = {}
    misses: list[tuple[Path, str, str]] = []
    for path in dict.fromkeys(paths):
        text = _decode(path)
        if isinstance(text, Parsed):
            results[path] = text
            continue
        key = _key(kind, text.encode("utf-8"))
        cached = _memo.get(key) or _read(folder, key)
        if cached is not None:
            results[path] = _memo[key] = cached
        else:
            misses.append((path, key, text))
    for (path, key, _), parsed in zip(misses, _parse_all([(text, kind) for _, _, text in misses]), strict=True):
        results[path] = _memo[key] = parsed
        _write(folder, key, parsed)
    return results


def _parse_all(jobs: list[tuple[str, str]]) -> list[Parsed]:
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) <= PARALLEL_THRESHOLD or workers < 2:
        return [_parse_job(job) for job in jobs]
    from linter.sources.terraform.hcl import _parser

    _parser()  # build (and cache) the grammar once here; forked workers inherit it instead of each rebuilding it
    context = None
    if sys.platform == "linux":
        import multiprocessing

        context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(_parse_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    except (OSError, RuntimeError):  # no fork/semaphores in this sandbox: parse serially rather than fail
        return [_parse_job(job) for job in jobs]
