"""Where iam-preflight keeps its own files, and what they are keyed and signed with: below the parser and the cache.

The parse cache (`cache.py`) sits above the parser (`hcl.py`, `lalr.py`, `tfjson.py`): it calls them on a miss. The
parser in turn needs to know where its grammar tables may live (`private_folder`, `cache_dir`), which python-hcl2 it
runs (`hcl2_version`) and where an installed package is (`package_folder`). Those answers live here, so that neither
layer imports the other back. See `cache.py`'s docstring for the cache folder, the key and why entries are signed.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from functools import cache
from pathlib import Path

from linter.atomic import create_once

CACHE_KEY_VARIABLE = "IAM_PREFLIGHT_CACHE_KEY"
MIN_SHARED_KEY_CHARS = 32  # shorter, an attacker who sees signed entries could guess it offline

_switched_off = threading.Event()  # set by `--no-cache`


def switch_off() -> None:
    """No cache for the rest of this process (`--no-cache`; the CLI runs one command per process)."""
    _switched_off.set()


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off (asked to be, or no key to authenticate entries with)."""
    if (
        _switched_off.is_set()
        or os.environ.get("IAM_PREFLIGHT_NO_CACHE", "") not in ("", "0")
        or cache_secret() is None
    ):
        return None
    explicit = os.environ.get("IAM_PREFLIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iam-preflight"


@cache
def hcl2_version() -> str:
    """python-hcl2's version: from its generated `hcl2/version.py` (read, not imported: importing hcl2 or
    importlib.metadata costs 0.01-0.02 s), else from the package metadata."""
    folder = package_folder("hcl2")
    try:
        source = "" if folder is None else (folder / "version.py").read_text(encoding="utf-8")
    except OSError:
        source = ""
    found = re.search(r"""^__version__\s*=\s*(?:version\s*=\s*)?["']([^"']+)["']""", source, re.MULTILINE)
    if found:
        return found[1]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("python-hcl2")
    except PackageNotFoundError:
        return "unknown"


def package_folder(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_secret() -> bytes | None:
    """The secret entries are authenticated with (see the module's docstring), or None: no cache this run."""
    # Asked for every entry read or written: the environment is looked up each time (tests change it), the rest once.
    environ = os.environ
    return _secret(environ.get(CACHE_KEY_VARIABLE, ""), environ.get("XDG_CONFIG_HOME", ""), environ.get("HOME", ""))


@cache
def _secret(shared: str, config_home: str, home: str) -> bytes | None:
    if shared:
        return shared.encode() if len(shared) >= MIN_SHARED_KEY_CHARS else None
    try:
        path = key_file()
    except RuntimeError:  # no home folder to keep a key in
        return None
    try:
        return _private_key(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_once(path, os.urandom(32).hex().encode() + b"\n", 0o600)  # a concurrent first run may win: read it
        return _private_key(path)
    except OSError:
        return None


def key_file() -> Path:
    """Where this user's cache key lives: with the configuration, never in the cache folder it protects."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        base = str(Path.home() / ".config")
    return Path(base) / "iam-preflight" / "cache-key"


def private_folder() -> Path | None:
    """The folder holding the cache key, made if missing, if it is this user's alone (mode 0700); else None.

    For what nobody else may ever write: the parser's grammar tables, which Lark unpickles (a planted pickle runs
    code), live here and never in the cache folder, which a CI cache shared across pull requests can fill."""
    try:
        folder = key_file().parent
    except RuntimeError:  # no home folder
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        return None
    return folder


def _private_key(path: Path) -> bytes | None:
    """The key file's content if it is a regular file of this user that no one else may read or write."""
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077 or info.st_size > 4096:
            return None
        secret = os.read(handle, 4096).strip()
    finally:
        os.close(handle)
    return secret if len(secret) >= MIN_SHARED_KEY_CHARS else None
