"""The settings of a config file as pydantic models: how `linter.config.read_config` validates a file's table.

Loaded only when a config file holds iam-preflight settings (`read_config`): importing pydantic and building these
models costs more than the rest of a one-policy check, which without a config file never pays for it. The messages
of a config that fails validation are pydantic's, as they always were (`describe`).
"""

# No `from __future__ import annotations` in this module: pydantic would compile and evaluate every field's
# annotation string when the class is built (11M instructions over the three model modules, 1% of a small check).
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from linter.findings import Severity
from linter.model import PolicyKind


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


class ConfigModel(BaseModel):
    """`linter.config.Config` as pydantic validates it from a config file's table."""

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


def _path_setting(value: str | None) -> str | None:
    """A setting that names a file or folder: no file system takes a NUL in a name (Python raises ValueError)."""
    if value is not None and "\x00" in value:
        raise ValueError("a path cannot hold a NUL character")
    return value


def describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown setting {where!r}"
    return f"{where}: {first['msg']}"
