"""Sources: one loader per input format, each producing the same model (`linter.model`) with locations."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from linter.record import record
from linter.sources.confine import git_work_tree
from linter.sources.terraform.files import PARSED_AHEAD_SUFFIXES

if TYPE_CHECKING:  # the model imports pydantic: the Terraform parser imports this package without needing it
    from linter.model import InputError, Inventory, Location, Policy


def terraform_targets(paths: Sequence[str]) -> list[str]:
    """The paths `parse_ahead` may find .tf files under: folders, and files named as Terraform configuration or
    variables. Asked before importing the parse cache, which a check of policy JSON never needs (its hashlib, mmap
    and signal: ~5M instructions of checking one policy). Only a look-ahead: a path it leaves out that does lead to
    Terraform is parsed when the check reads it, as any file the guess missed."""
    return [path for path in paths if path.endswith(PARSED_AHEAD_SUFFIXES) or os.path.isdir(path)]


def resolved(path: Path) -> Path:
    """`path.resolve()`, looked up once per absolute path and process: resolving walks the file system component by
    component (1,087 calls, 3.5% of the instructions of checking the 60-module benchmark corpus), and links do not
    change during a run."""
    return _resolved_absolute(path if path.is_absolute() else Path.cwd() / path)


@cache
def _resolved_absolute(path: Path) -> Path:
    # os.path.realpath is what Path.resolve() runs, without its RuntimeError on a symlink loop (a hostile tree may
    # hold one): a looping path resolves to where the loop starts, and reading it is refused later.
    try:
        return Path(os.path.realpath(path))
    except ValueError:  # a NUL byte (a module `source` may hold one): no such file can exist; reading it is refused
        return path


class _ShownFrom:
    """The folder every path in a report and a baseline is relative to (`use_project_root`); None: the cwd."""

    root: Path | None = None


def use_project_root(inputs: Sequence[str], given: str | None = None) -> Path:
    """Show this run's paths relative to `given` (`--project-root`), else to the git work tree holding the first
    input, else to the working folder; returns that folder.

    So a SARIF `uri`, a fingerprint and a baseline entry are the same whichever folder the check runs from and
    whether its inputs were named relative or absolute: code scanning keeps its alerts, a baseline keeps matching.
    Only the presence of a `.git` entry is looked at, never its contents (no `git` is run)."""
    first = next((path for path in inputs if path != "-"), None)
    if given is not None:
        _ShownFrom.root = resolved(Path(given))
    else:
        _ShownFrom.root = (git_work_tree(Path(first)) if first is not None else None) or resolved(Path.cwd())
    return _ShownFrom.root


def forget_project_root() -> None:
    """Back to showing paths from the working folder (a run is over; the next one chooses its own root)."""
    _ShownFrom.root = None


def project_root() -> Path:
    return _ShownFrom.root if _ShownFrom.root is not None else resolved(Path.cwd())


def display_path(path: Path) -> str:
    """A path as every output shows it: relative to the project root (`use_project_root`) when inside it, else as
    given, with forward slashes."""
    try:
        return resolved(path).relative_to(project_root()).as_posix()
    except ValueError:
        return path.as_posix()


class InlineSuppression(NamedTuple):
    """`# iam-preflight:ignore RULE reason` in a .tf file: silences RULE on the block or attribute it precedes."""

    rules: tuple[str, ...]  # ids or names; empty never happens (a bare ignore comment is an input error)
    reason: str
    loc: Location  # where the comment is
    first_line: int  # the lines it covers (the block or attribute below or beside it)
    last_line: int


@record
class Loaded:
    """What one input (file or Terraform module) produced. `not_policy` says why a file is no policy (JSON without a
    Statement, a template, JSON with comments, an empty file): a directory walk skips it."""

    policies: list[Policy] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    not_policy: str | None = None
    skipped_when_named: bool = True  # whether `--skip-non-policy` skips a file named on the command line, no policy
    inventory: Inventory | None = None
    suppressions: list[InlineSuppression] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # display paths of every file read (a module has several)
    # How output names the input: the file, or the root module's folder (`check` names a module's callers by it).
    root: str = ""


def guarded(load: Callable[[], Loaded], display: str) -> Loaded:
    """`load()`, or, when it fails (a bug of ours), an input error on that input: one input never costs the others.
    IAM_PREFLIGHT_DEBUG=1 lets the exception through."""
    if os.environ.get("IAM_PREFLIGHT_DEBUG"):
        return load()
    try:
        return load()
    except Exception as error:
        from linter.model import InputError, Location  # lazy: pydantic (~80 ms); most loads never fail

        message = f"internal error while reading it ({type(error).__name__}: {error}); please report it"
        return Loaded(errors=[InputError(message=message, loc=Location(file=display))])
