"""The settings of a config file: how `linter.config.read_config` validates a file's table.

Hand-written, not pydantic models: importing pydantic and building the models cost ~35-50 ms of a ~150 ms check with a
config file (a Terraform check with declared pre-signed URLs, the benchmark against checkov). The values are those
the models gave (aliases such as `fail-on`, or the field's own name; lower-cased severities; `expires` a string or a
whole number) and so is the one-line message of a config that fails validation: pydantic's, `where: message` for the
first mistake in field order, then the first unknown key (`describe`).

The table comes from a stranger's pull request: every value is checked by type before it is used, so a nested table
where a string belongs, a huge list or a NUL byte ends in `SettingError`, never in another exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, replace
from enum import Enum
from typing import Any, NamedTuple, Self, TypeVar

from linter.findings import Severity
from linter.model import PolicyKind
from linter.record import record

Loc = tuple[str | int, ...]
_E = TypeVar("_E", bound=Enum)


class _Entry:
    """A `[[suppress]]` or `[[presign]]` entry: a frozen record (`linter.record`), copied with changes.

    Each copies the lists it is given (`__post_init__`), as pydantic's copy of the value, or of the default, was. Not
    hashable, as the pydantic models were not (and the lists inside would refuse anyway)."""

    __slots__ = ()

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Self:
        """A copy with some fields replaced, as the pydantic model this was offered (unvalidated, as there)."""
        return replace(self, **(update or {}))  # type: ignore[type-var]

    def _own_lists(self, *names: str) -> None:
        for name in names:
            object.__setattr__(self, name, list(getattr(self, name)))


@record(frozen=True, slots=True, kw_only=True)
class Suppression(_Entry):
    """Silence a rule for some paths (JSON has no comments, so this is how JSON findings are suppressed)."""

    __hash__ = None  # type: ignore[assignment]
    rule: str
    paths: list[str] = field(default_factory=lambda: ["*"])
    reason: str = ""

    def __post_init__(self) -> None:
        self._own_lists("paths")


@record(frozen=True, slots=True, kw_only=True)
class PresignExpectation(_Entry):
    """A URL a team promises to sign: `iam-preflight check` fails the change that would break it."""

    __hash__ = None  # type: ignore[assignment]
    signer: str
    bucket: str
    key: str = "*"
    methods: list[str] = field(default_factory=lambda: ["GET"])
    expires: str | int = "3600"
    source_ips: list[str] = field(default_factory=list)  # `source-ips` in a config file
    vpce: str | None = None
    version_id: bool = False  # `version-id`
    acl: str | None = None
    sse: str | None = None
    credentials: str | None = None
    # A bucket these inputs do not define belongs to this (other) account: its side of the verdict is unknown.
    bucket_account: str | None = None  # `bucket-account`
    region: str | None = None  # the region the URLs are signed for
    # The Terraform module (folder, relative to this config file) that defines signer and bucket. With it, the
    # expectation is checked only when that module is; without it, in whichever checked module defines them.
    module: str | None = None

    def __post_init__(self) -> None:
        self._own_lists("methods", "source_ips")


class SettingError(ValueError):
    """The first mistake in a config file's settings: where it is (keys and list indexes) and what is wrong."""

    def __init__(self, loc: Loc, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.unknown = unknown  # a key no setting has (pydantic's `extra="forbid"`)


def describe(error: SettingError) -> str:
    """The one-line message of a config that fails validation, worded as pydantic's were."""
    where = ".".join(str(part) for part in error.loc)
    if error.unknown:
        return f"unknown setting {where!r}"
    return f"{where}: {error.message}"


# --- values ---------------------------------------------------------------------------------------------------------
# Each check takes a value and its location and returns the validated value or raises SettingError; what each accepts
# is what pydantic's lax mode accepted from TOML (which has no None: None is accepted only as a Python caller's).


def _string(value: Any, loc: Loc) -> str:
    if isinstance(value, str):
        return value
    raise SettingError(loc, "Input should be a valid string")


def _optional_string(value: Any, loc: Loc) -> str | None:
    return None if value is None else _string(value, loc)


def _path(value: Any, loc: Loc) -> str | None:
    """A setting that names a file or folder: no file system takes a NUL in a name (Python raises ValueError)."""
    text = _optional_string(value, loc)
    if text is not None and "\x00" in text:
        raise SettingError(loc, "Value error, a path cannot hold a NUL character")
    return text


def _string_list(value: Any, loc: Loc) -> list[str]:
    if not isinstance(value, list | tuple):
        raise SettingError(loc, "Input should be a valid list")
    return [_string(item, (*loc, index)) for index, item in enumerate(value)]


_INT64 = 2**63
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _bool(value: Any, loc: Loc) -> bool:
    """pydantic's lax boolean: true/false, 0/1 (also as 0.0/1.0), and the words yes/no, on/off, t/f in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and -_INT64 < value < _INT64:
        value = int(value)  # pydantic reads a whole float as the number (3600.0: "unable to interpret")
    if isinstance(value, str):
        word = value.lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
    elif isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) or (isinstance(value, int) and -_INT64 <= value < _INT64):
        # A string or a whole number, but not one that reads as a boolean (a number past 64 bits is no number to
        # pydantic's boolean: the message below).
        raise SettingError(loc, "Input should be a valid boolean, unable to interpret input")
    raise SettingError(loc, "Input should be a valid boolean")


def _string_or_int(value: Any, loc: Loc) -> str | int:
    """`expires`: a string as written, or a whole number (a bool or a whole float converted, as pydantic did)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):  # a bool too: pydantic's lax int took True as 1
        return int(value)
    if isinstance(value, float) and value.is_integer() and -_INT64 < value < _INT64:  # what pydantic converted
        return int(value)
    # pydantic's message for a union names the first member that failed: the string.
    raise SettingError((*loc, "str"), "Input should be a valid string")


def _choices(kind: type[Enum]) -> str:
    """`'a', 'b' or 'c'`: an enum's values in the order it declares them."""
    quoted = [repr(str(member.value)) for member in kind]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _enum(kind: type[_E], *, lower: bool = False) -> Callable[[Any, Loc], _E]:
    by_value = {str(member.value): member for member in kind}
    message = f"Input should be {_choices(kind)}"

    def check(value: Any, loc: Loc) -> _E:
        if isinstance(value, str):
            found = by_value.get(value.lower() if lower else value)
            if found is not None:
                return found
        raise SettingError(loc, message)

    return check


def _dict_of(values: Callable[[Any, Loc], Any]) -> Callable[[Any, Loc], dict[str, Any]]:
    def check(value: Any, loc: Loc) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise SettingError(loc, "Input should be a valid dictionary")
        return {key: values(item, (*loc, key)) for key, item in value.items()}

    return check


# --- tables ---------------------------------------------------------------------------------------------------------


class _Field(NamedTuple):
    name: str
    check: Callable[[Any, Loc], Any]
    default: Any  # _REQUIRED, _CLASS_DEFAULT, a value, or (for a list) a callable that makes a fresh one
    alias: str | None = None


_REQUIRED = object()
_CLASS_DEFAULT = object()  # not given: left out, for the class built from the values to default it


def _fields(
    table: Any, loc: Loc, fields: tuple[_Field, ...], model: str, ignored: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A table's values by field name, in pydantic's order: each field in turn (its alias first, then its own name:
    populate-by-name), then the first key no field took is unknown (the name of a field given by its alias too)."""
    if not isinstance(table, Mapping):
        raise SettingError(loc, f"Input should be a valid dictionary or instance of {model}")
    values: dict[str, Any] = {}
    taken: set[str] = set()
    for each in fields:
        key = each.alias if each.alias is not None and each.alias in table else each.name
        if key in table:
            taken.add(key)
            values[each.name] = each.check(table[key], (*loc, key))
        elif each.default is _REQUIRED:
            raise SettingError((*loc, key), "Field required")
        elif each.default is not _CLASS_DEFAULT:
            values[each.name] = each.default() if callable(each.default) else each.default
    if len(taken) < len(table):
        for key in table:
            if key not in taken and key not in ignored:
                raise SettingError((*loc, key), "", unknown=True)
    return values


# An entry's settings: those not given take the class's own defaults (`_CLASS_DEFAULT`).
_SUPPRESSION = (
    _Field("rule", _string, _REQUIRED),
    _Field("paths", _string_list, _CLASS_DEFAULT),
    _Field("reason", _string, _CLASS_DEFAULT),
)

_PRESIGN = (
    _Field("signer", _string, _REQUIRED),
    _Field("bucket", _string, _REQUIRED),
    _Field("key", _string, _CLASS_DEFAULT),
    _Field("methods", _string_list, _CLASS_DEFAULT),
    _Field("expires", _string_or_int, _CLASS_DEFAULT),
    _Field("source_ips", _string_list, _CLASS_DEFAULT, alias="source-ips"),
    _Field("vpce", _optional_string, _CLASS_DEFAULT),
    _Field("version_id", _bool, _CLASS_DEFAULT, alias="version-id"),
    _Field("acl", _optional_string, _CLASS_DEFAULT),
    _Field("sse", _optional_string, _CLASS_DEFAULT),
    _Field("credentials", _optional_string, _CLASS_DEFAULT),
    _Field("bucket_account", _optional_string, _CLASS_DEFAULT, alias="bucket-account"),
    _Field("region", _optional_string, _CLASS_DEFAULT),
    _Field("module", _path, _CLASS_DEFAULT),
)


def _entries(
    model: type[Suppression] | type[PresignExpectation], fields: tuple[_Field, ...]
) -> Callable[[Any, Loc], list[Any]]:
    def check(value: Any, loc: Loc) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise SettingError(loc, "Input should be a valid list")
        return [model(**_fields(item, (*loc, index), fields, model.__name__)) for index, item in enumerate(value)]

    return check


# In `linter.config.Config`'s order, which is the order pydantic reported mistakes in.
_CONFIG = (
    _Field("select", _string_list, list),
    _Field("ignore", _string_list, list),
    _Field("severity", _dict_of(_enum(Severity, lower=True)), dict),
    _Field("exclude", _string_list, list),
    _Field("fail_on", _enum(Severity, lower=True), Severity.WARNING, alias="fail-on"),
    _Field("format", _string, "text"),
    _Field("kinds", _dict_of(_enum(PolicyKind)), dict),
    _Field("baseline", _path, None),
    _Field("suppress", _entries(Suppression, _SUPPRESSION), list),
    _Field("presign", _entries(PresignExpectation, _PRESIGN), list),
    _Field("account", _optional_string, None),
)
# `Config`'s fields that a file does not set: `read_config` sets them (and so overwrote a file's keys of these names).
_SET_BY_THE_READER = frozenset({"root", "source"})


def validate_config(table: Mapping[str, Any]) -> dict[str, Any]:
    """A config file's iam-preflight table as `Config`'s keyword arguments (all but `root` and `source`); raises
    SettingError for the first mistake."""
    return _fields(table, (), _CONFIG, "Config", _SET_BY_THE_READER)
