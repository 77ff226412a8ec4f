"""Configuration: `[tool.iam-preflight]` in pyproject.toml, or `.iam-preflight.toml` (top level or the same table).

The nearest file upward from the working directory wins, `.iam-preflight.toml` before `pyproject.toml` in the
same folder, the way ruff finds its settings. Command-line flags override what the file says.
"""

from __future__ import annotations

import fnmatch
from dataclasses import field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from linter.errors import ConfigError
from linter.findings import Severity
from linter.model import PolicyKind
from linter.record import record
from linter.sources import resolved
from linter.sources.confine import read_text

CONFIG_NAMES = (".iam-preflight.toml", "pyproject.toml")


if TYPE_CHECKING:
    from linter.config_schema import PresignExpectation, Suppression


class _FieldInfo(NamedTuple):
    default: Any


@record(kw_only=True)
class Config:
    """The settings: a file's, validated (`read_config`), or the defaults.

    A plain dataclass: a file's table is validated by `linter.config_schema`, which only a run with a config file
    imports. Its fields are those the pydantic model it replaced had.
    """

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    fail_on: Severity = Severity.WARNING
    format: str = "text"
    kinds: dict[str, PolicyKind] = field(default_factory=dict)
    baseline: str | None = None
    suppress: list[Suppression] = field(default_factory=list)
    presign: list[PresignExpectation] = field(default_factory=list)
    # The account the configuration deploys to, when known: account ids written in policies are then compared with
    # it exactly (otherwise a pre-signed URL verdict that depends on whether one is this account is uncertain).
    account: str | None = None
    # Folder the file was found in: relative globs and the baseline path are read from here.
    root: Path = field(default_factory=Path.cwd)
    source: str | None = None
    # Each field's default, as the pydantic model this was offered (`Config.model_fields["fail_on"].default`).
    model_fields: ClassVar[dict[str, _FieldInfo]]

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Config:
        """A copy with some fields replaced, as the pydantic model this was offered (unvalidated, as there)."""
        return replace(self, **(update or {}))

    def relative(self, path: str) -> str:
        """A path as globs in this config see it: relative to the config's folder, with forward slashes."""
        candidate = Path(path)
        try:
            return resolved(candidate).relative_to(resolved(self.root)).as_posix()
        except ValueError:
            return candidate.as_posix()

    def matches(self, path: str, patterns: list[str]) -> bool:
        if not patterns:  # most configs exclude nothing: no need to resolve the path (once per file of a folder walk)
            return False
        relative = self.relative(path)
        name = Path(path).name
        return any(
            fnmatch.fnmatchcase(relative, pattern.rstrip("/"))
            or fnmatch.fnmatchcase(relative, pattern.rstrip("/") + "/*")
            or fnmatch.fnmatchcase(name, pattern)
            for pattern in patterns
        )

    def kind_for(self, path: str) -> PolicyKind | None:
        for pattern, kind in self.kinds.items():
            if self.matches(path, [pattern]):
                return kind
        return None


Config.model_fields = {
    each.name: _FieldInfo(each.default_factory() if callable(each.default_factory) else each.default)
    for each in fields(Config)
}


def __getattr__(name: str) -> Any:
    """`Suppression` and `PresignExpectation`, the models of a config file's entries, from `linter.config_schema`."""
    if name in ("Suppression", "PresignExpectation"):
        from linter import config_schema  # lazy: for a config file's settings only

        return getattr(config_schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The settings of a file: its `[tool.iam-preflight]` table; else, in any file but a pyproject.toml (which holds
    other tools' settings), its top-level keys, as `.iam-preflight.toml` holds them: `--config ci.toml` is read as
    ruff reads `--config ruff-ci.toml`, rather than silently ignored."""
    tool = data.get("tool", {})
    section = tool.get("iam-preflight") if isinstance(tool, dict) else None
    if isinstance(section, dict):
        return section
    if path.name == "pyproject.toml":
        return None
    return {k: v for k, v in data.items() if k != "tool"}


MAX_CONFIG_BYTES = 1024 * 1024  # a config is a few lines; a pull request's "config" may be /dev/zero


def read_config(path: Path) -> Config | None:
    """The iam-preflight settings in one file, or None when it has none; raises ConfigError."""
    import tomllib  # here: a run without a config file does not pay for it (10M instructions)

    try:
        data = tomllib.loads(read_text(path, MAX_CONFIG_BYTES))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: cannot read: not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except ValueError:  # the only other: Python's limit on the digits of an integer it converts (4300)
        raise ConfigError(f"{path}: invalid TOML: a number has more digits than can be read (4300)") from None
    except RecursionError:  # tomllib recurses on nested arrays and tables
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    table = _table(path, data)
    if table is None:
        return None
    from linter.config_schema import SettingError, describe, validate_config  # lazy: for a config file's settings

    try:
        validated = validate_config(table)
    except SettingError as error:
        raise ConfigError(f"{path}: {describe(error)}") from None
    return Config(**validated, root=path.parent.resolve(), source=str(path))


def folder_config(folder: Path) -> Config | None:
    """The config kept in exactly this folder (a Terraform module may declare its own pre-signed URLs)."""
    for name in CONFIG_NAMES:
        candidate = folder / name
        # Not `is_file()`: a config that is a FIFO or a device must be refused out loud, not silently skipped.
        if candidate.exists() and not candidate.is_dir():
            found = read_config(candidate)
            if found is not None:
                return found
    return None


def load_config(explicit: str | None = None, start: Path | None = None) -> Config:
    """The explicit file, or the nearest config upward from `start`; defaults when there is none."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        return read_config(path) or Config(root=path.parent.resolve(), source=str(path))
    folder = (start or Path.cwd()).resolve()
    for directory in (folder, *folder.parents):
        found = folder_config(directory)
        if found is not None:
            return found
    return Config()
