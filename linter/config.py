"""Configuration: `[tool.iam-preflight]` in pyproject.toml, or `.iam-preflight.toml` (top level or the same table).

The nearest file upward from the working directory wins, `.iam-preflight.toml` before `pyproject.toml` in the
same folder, the way ruff finds its settings. Command-line flags override what the file says.
"""

# No `from __future__ import annotations` in this module: pydantic would compile and evaluate every field's
# annotation string when the class is built (11M instructions over the three model modules, 1% of a small check).
import fnmatch
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from linter.errors import ConfigError
from linter.findings import Severity
from linter.model import PolicyKind
from linter.sources import resolved
from linter.sources.confine import read_text

CONFIG_NAMES = (".iam-preflight.toml", "pyproject.toml")


class Suppression(BaseModel):
    """Silence a rule for some paths (JSON has no comments, so this is how JSON findings are suppressed)."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    paths: list[str] = ["*"]
    reason: str = ""


class PresignExpectation(BaseModel):
    """A URL a team promises to sign: `iam-preflight check` fails the change that would break it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    signer: str
    bucket: str
    key: str = "*"
    methods: list[str] = ["GET"]
    expires: str | int = "3600"
    # Not default_factory=list: pydantic reads a factory's signature, and for a builtin that parses its text
    # signature (14M instructions, 1.4% of a small check); a list default is copied for each instance anyway.
    source_ips: list[str] = Field([], alias="source-ips")
    vpce: str | None = None
    version_id: bool = Field(False, alias="version-id")
    acl: str | None = None
    sse: str | None = None
    credentials: str | None = None
    # A bucket these inputs do not define belongs to this (other) account: its side of the verdict is unknown.
    bucket_account: str | None = Field(None, alias="bucket-account")
    region: str | None = None  # the region the URLs are signed for
    # The Terraform module (folder, relative to this config file) that defines signer and bucket. With it, the
    # expectation is checked only when that module is; without it, in whichever checked module defines them.
    module: str | None = None

    @field_validator("module")
    @classmethod
    def _module_is_a_path(cls, value: str | None) -> str | None:
        return _path_setting(value)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    select: list[str] = []
    ignore: list[str] = []
    severity: dict[str, Severity] = {}
    exclude: list[str] = []
    fail_on: Severity = Field(Severity.WARNING, alias="fail-on")
    format: str = "text"
    kinds: dict[str, PolicyKind] = {}
    baseline: str | None = None
    suppress: list[Suppression] = []
    presign: list[PresignExpectation] = []
    # The account the configuration deploys to, when known: account ids written in policies are then compared with
    # it exactly (otherwise a pre-signed URL verdict that depends on whether one is this account is uncertain).
    account: str | None = None
    # Folder the file was found in: relative globs and the baseline path are read from here.
    root: Path = Field(default_factory=Path.cwd, exclude=True)
    source: str | None = Field(None, exclude=True)

    @field_validator("severity", mode="before")
    @classmethod
    def _lower_severities(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v.lower() if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("fail_on", mode="before")
    @classmethod
    def _lower_fail_on(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("baseline")
    @classmethod
    def _baseline_is_a_path(cls, value: str | None) -> str | None:
        return _path_setting(value)

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


def _path_setting(value: str | None) -> str | None:
    """A setting that names a file or folder: no file system takes a NUL in a name (Python raises ValueError)."""
    if value is not None and "\x00" in value:
        raise ValueError("a path cannot hold a NUL character")
    return value


def _table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool", {})
    section = tool.get("iam-preflight") if isinstance(tool, dict) else None
    if isinstance(section, dict):
        return section
    if path.name == ".iam-preflight.toml":
        return {k: v for k, v in data.items() if k != "tool"}
    return None


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown setting {where!r}"
    return f"{where}: {first['msg']}"


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
    try:
        return Config.model_validate({**table, "root": path.parent.resolve(), "source": str(path)})
    except ValidationError as error:
        raise ConfigError(f"{path}: {_describe(error)}") from None


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
