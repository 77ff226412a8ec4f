"""A config file's settings as `linter.config_schema` validates them: the values, and the one line a mistake gets.

The messages are those pydantic printed when it validated the file (the models this module replaced), so a user's
CI log reads the same: `where: message` for the first mistake in field order, else the first unknown key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from linter.config import Config, ConfigError, read_config
from linter.config_schema import PresignExpectation, SettingError, Suppression, describe, validate_config
from linter.findings import Severity
from linter.model import PolicyKind


def _read(tmp_path: Path, text: str) -> Config:
    path = tmp_path / ".iam-preflight.toml"
    path.write_text(text, encoding="utf-8")
    config = read_config(path)
    assert config is not None
    return config


def _message(tmp_path: Path, text: str) -> str:
    path = tmp_path / ".iam-preflight.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_config(path)
    return str(raised.value).removeprefix(f"{path}: ")


# --- good configs ---------------------------------------------------------------------------------------------------


def test_an_empty_config_is_the_defaults(tmp_path: Path) -> None:
    config = _read(tmp_path, "")
    assert config == Config(root=tmp_path.resolve(), source=str(tmp_path / ".iam-preflight.toml"))


def test_every_setting_is_read_with_its_type(tmp_path: Path) -> None:
    config = _read(
        tmp_path,
        'select = ["IPG", "IPA001"]\nignore = ["IPN"]\nexclude = ["vendor/*"]\nfail-on = "ERROR"\nformat = "json"\n'
        'baseline = "base.json"\naccount = "123456789012"\n'
        '[severity]\nIPG001 = "Info"\nIPA002 = "warning"\n[kinds]\n"scp/*" = "scp"\n'
        '[[suppress]]\nrule = "unscoped-resource"\n'
        '[[suppress]]\nrule = "IPG001"\npaths = ["legacy/*"]\nreason = "old"\n'
        '[[presign]]\nsigner = "aws_iam_user.u"\nbucket = "aws_s3_bucket.b"\n'
        '[[presign]]\nsigner = "s"\nbucket = "b"\nkey = "k/*"\nmethods = ["GET", "PUT"]\nexpires = 900\n'
        'source-ips = ["10.0.0.0/8"]\nvpce = "vpce-1"\nversion-id = true\nacl = "private"\nsse = "aws:kms"\n'
        'credentials = "role"\nbucket-account = "210987654321"\nregion = "eu-west-1"\nmodule = "modules/app"\n',
    )
    assert (config.select, config.ignore, config.exclude) == (["IPG", "IPA001"], ["IPN"], ["vendor/*"])
    assert config.fail_on is Severity.ERROR
    assert config.severity == {"IPG001": Severity.INFO, "IPA002": Severity.WARNING}
    assert all(type(value) is Severity for value in config.severity.values())
    assert config.kinds == {"scp/*": PolicyKind.SCP} and type(config.kinds["scp/*"]) is PolicyKind
    assert (config.format, config.baseline, config.account) == ("json", "base.json", "123456789012")
    assert config.suppress == [
        Suppression(rule="unscoped-resource", paths=["*"], reason=""),
        Suppression(rule="IPG001", paths=["legacy/*"], reason="old"),
    ]
    assert config.presign == [
        PresignExpectation(signer="aws_iam_user.u", bucket="aws_s3_bucket.b"),
        PresignExpectation(
            signer="s",
            bucket="b",
            key="k/*",
            methods=["GET", "PUT"],
            expires=900,
            source_ips=["10.0.0.0/8"],
            vpce="vpce-1",
            version_id=True,
            acl="private",
            sse="aws:kms",
            credentials="role",
            bucket_account="210987654321",
            region="eu-west-1",
            module="modules/app",
        ),
    ]
    first = config.presign[0]
    assert (first.key, first.methods, first.expires, first.source_ips, first.version_id) == (
        "*",
        ["GET"],
        "3600",
        [],
        False,
    )
    assert (config.root, config.source) == (tmp_path.resolve(), str(tmp_path / ".iam-preflight.toml"))


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [
        # populate-by-name: a field's own name is read as well as its alias
        ({"fail_on": "info"}, "fail_on", Severity.INFO),
        ({"presign": [{"signer": "s", "bucket": "b", "source_ips": ["1.2.3.4"]}]}, "source_ips", ["1.2.3.4"]),
        ({"presign": [{"signer": "s", "bucket": "b", "version_id": "yes"}]}, "version_id", True),
        ({"presign": [{"signer": "s", "bucket": "b", "bucket_account": "1"}]}, "bucket_account", "1"),
        # pydantic's lax conversions: a boolean from 0/1 and words, a whole number of seconds from a float or a bool
        ({"presign": [{"signer": "s", "bucket": "b", "version-id": 0}]}, "version_id", False),
        ({"presign": [{"signer": "s", "bucket": "b", "version-id": 1.0}]}, "version_id", True),
        ({"presign": [{"signer": "s", "bucket": "b", "version-id": "OFF"}]}, "version_id", False),
        ({"presign": [{"signer": "s", "bucket": "b", "expires": 60.0}]}, "expires", 60),
        ({"presign": [{"signer": "s", "bucket": "b", "expires": True}]}, "expires", 1),
        ({"presign": [{"signer": "s", "bucket": "b", "expires": "1h"}]}, "expires", "1h"),
        ({"presign": [{"signer": "s", "bucket": "b", "expires": 10**30}]}, "expires", 10**30),
        # a NUL is refused only in settings that name a path
        ({"presign": [{"signer": "s", "bucket": "b", "key": "a\x00b"}]}, "key", "a\x00b"),
        # `root` and `source` are the reader's: a file's keys of these names are overwritten, as they were
        ({"root": {"x": 1}, "source": 3}, "select", []),
    ],
)
def test_a_value_is_converted_as_pydantic_converted_it(table: dict[str, Any], field: str, value: object) -> None:
    validated = validate_config(table)
    got = getattr(validated["presign"][0], field) if "presign" in table else validated[field]
    assert got == value and type(got) is type(value)


def test_an_alias_wins_over_the_fields_own_name_which_is_then_unknown() -> None:
    with pytest.raises(SettingError) as raised:
        validate_config({"fail-on": "error", "fail_on": "info"})
    assert describe(raised.value) == "unknown setting 'fail_on'"


# --- bad configs ----------------------------------------------------------------------------------------------------

PRESIGN = '[[presign]]\nsigner = "s"\nbucket = "b"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # unknown keys, at any depth
        ("selekt = ['IPG001']", "unknown setting 'selekt'"),
        ('[[suppress]]\nrule = "r"\nrules = "x"', "unknown setting 'suppress.0.rules'"),
        (PRESIGN + "method = 'GET'", "unknown setting 'presign.0.method'"),
        (PRESIGN + '[[presign]]\nsigner = "s"\nbucket = "b"\nsigners = 1', "unknown setting 'presign.1.signers'"),
        ('signer = "s"', "unknown setting 'signer'"),
        # wrong type
        ('select = "IPG001"', "select: Input should be a valid list"),
        ("ignore = [1]", "ignore.0: Input should be a valid string"),
        ('exclude = ["a", ["b"]]', "exclude.1: Input should be a valid string"),
        ("format = 1", "format: Input should be a valid string"),
        ("account = 123456789012", "account: Input should be a valid string"),
        ("account = { id = 1 }", "account: Input should be a valid string"),
        ("baseline = 2024-01-01", "baseline: Input should be a valid string"),
        ('severity = "error"', "severity: Input should be a valid dictionary"),
        ("kinds = []", "kinds: Input should be a valid dictionary"),
        ("suppress = {}", "suppress: Input should be a valid list"),
        ("presign = 1", "presign: Input should be a valid list"),
        ('suppress = ["IPG001"]', "suppress.0: Input should be a valid dictionary or instance of Suppression"),
        ("presign = [[1]]", "presign.0: Input should be a valid dictionary or instance of PresignExpectation"),
        ('[[suppress]]\nrule = "r"\npaths = "legacy/*"', "suppress.0.paths: Input should be a valid list"),
        ("[[suppress]]\nrule = { a = 1 }", "suppress.0.rule: Input should be a valid string"),
        (PRESIGN + 'methods = "GET"', "presign.0.methods: Input should be a valid list"),
        (PRESIGN + "source-ips = '10.0.0.0/8'", "presign.0.source-ips: Input should be a valid list"),
        (PRESIGN + "source_ips = '10.0.0.0/8'", "presign.0.source_ips: Input should be a valid list"),
        (PRESIGN + "region = 1", "presign.0.region: Input should be a valid string"),
        (PRESIGN + "bucket-account = 1", "presign.0.bucket-account: Input should be a valid string"),
        (PRESIGN + "expires = 1.5", "presign.0.expires.str: Input should be a valid string"),
        (PRESIGN + "expires = [3600]", "presign.0.expires.str: Input should be a valid string"),
        (PRESIGN + "expires = inf", "presign.0.expires.str: Input should be a valid string"),
        (
            PRESIGN + 'version-id = "maybe"',
            "presign.0.version-id: Input should be a valid boolean, unable to interpret input",
        ),
        (
            PRESIGN + "version-id = 2",
            "presign.0.version-id: Input should be a valid boolean, unable to interpret input",
        ),
        (PRESIGN + "version-id = 0.5", "presign.0.version-id: Input should be a valid boolean"),
        (PRESIGN + "version-id = []", "presign.0.version-id: Input should be a valid boolean"),
        # bad enum value
        ('fail-on = "critical"', "fail-on: Input should be 'info', 'warning' or 'error'"),
        ('fail_on = "critical"', "fail_on: Input should be 'info', 'warning' or 'error'"),
        ("fail-on = 2", "fail-on: Input should be 'info', 'warning' or 'error'"),
        ('[severity]\nIPG001 = "high"', "severity.IPG001: Input should be 'info', 'warning' or 'error'"),
        ("[severity]\nIPG001 = { a = 1 }", "severity.IPG001: Input should be 'info', 'warning' or 'error'"),
        (
            '[kinds]\n"*.json" = "Identity"',
            "kinds.*.json: Input should be 'identity', 'resource', 'trust', 'scp', 'rcp' or 'key'",
        ),
        # missing required
        ("[[suppress]]\nreason = 'x'", "suppress.0.rule: Field required"),
        ("[[presign]]", "presign.0.signer: Field required"),
        ('[[presign]]\nsigner = "s"', "presign.0.bucket: Field required"),
        ('[[presign]]\nbucket = "b"\nsigner = "s"\n[[presign]]\nbucket = "b"', "presign.1.signer: Field required"),
        # NUL in a path
        ('baseline = "base\\u0000line.json"', "baseline: Value error, a path cannot hold a NUL character"),
        (PRESIGN + 'module = "\\u0000"', "presign.0.module: Value error, a path cannot hold a NUL character"),
        (PRESIGN + "module = 1", "presign.0.module: Input should be a valid string"),
        # the first mistake in field order, then the first unknown key, whatever the order in the file
        ("zzz = 1\nselect = 1", "select: Input should be a valid list"),
        ('account = 1\nfail-on = "x"', "fail-on: Input should be 'info', 'warning' or 'error'"),
        ('account = 1\n[[presign]]\nsigner = "s"\nbucket = "b"\nq = 1', "unknown setting 'presign.0.q'"),
        ("zz = 1\nyy = 2", "unknown setting 'zz'"),
        ("[[presign]]\nq = 1\nsigner = 1", "presign.0.signer: Input should be a valid string"),
        ('fail-on = "x"\nfail_on = "error"', "fail-on: Input should be 'info', 'warning' or 'error'"),
    ],
)
def test_a_mistake_is_one_line_worded_as_pydantic_worded_it(tmp_path: Path, text: str, message: str) -> None:
    assert _message(tmp_path, text) == message


def test_the_mistakes_of_a_pyproject_table_are_named_the_same(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.iam-preflight]\nfail-on = "loud"\n')
    with pytest.raises(ConfigError, match=r": fail-on: Input should be 'info', 'warning' or 'error'$"):
        read_config(path)


@pytest.mark.parametrize("name", ["ci.toml", "iam-preflight.toml", ".iam-preflight.toml"])
def test_a_config_of_any_other_name_holds_its_settings_at_the_top(tmp_path: Path, name: str) -> None:
    # As ruff reads `--config ruff-ci.toml`: only a pyproject.toml keeps them under [tool.iam-preflight].
    path = tmp_path / name
    path.write_text('fail-on = "error"\nselect = ["IPG"]\n[tool.other]\nx = 1\n')
    config = read_config(path)
    assert config is not None
    assert (config.fail_on, config.select, config.source) == (Severity.ERROR, ["IPG"], str(path))


def test_a_pyproject_without_our_table_holds_no_settings(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('fail-on = "error"\n[tool.ruff]\nline-length = 120\n')
    assert read_config(path) is None


def test_a_tool_table_in_any_file_wins_over_its_top_level_keys(tmp_path: Path) -> None:
    path = tmp_path / "ci.toml"
    path.write_text('fail-on = "info"\n[tool.iam-preflight]\nfail-on = "error"\n')
    config = read_config(path)
    assert config is not None and config.fail_on == Severity.ERROR


# --- hostile configs: a stranger's pull request ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"select": ["IPG001"] * 100_000 + [{"a": {"b": [1]}}]}, "select.100000: Input should be a valid string"),
        (
            {"suppress": [{"rule": "r"}] * 50_000 + [[]]},
            "suppress.50000: Input should be a valid dictionary or instance of Suppression",
        ),
        (
            {"presign": [{"signer": {"nested": {"deeper": ["x"]}}, "bucket": "b"}]},
            "presign.0.signer: Input should be a valid string",
        ),
        (
            {"severity": {"IPG001\x00\n": ["error"]}},
            "severity.IPG001\x00\n: Input should be 'info', 'warning' or 'error'",
        ),
        ({"\x00": 1}, "unknown setting '\\x00'"),
        (
            {"presign": [{"signer": "s", "bucket": "b", "expires": float("nan")}]},
            "presign.0.expires.str: Input should be a valid string",
        ),
        (
            {"presign": [{"signer": "s", "bucket": "b", "version-id": 10**400}]},
            "presign.0.version-id: Input should be a valid boolean",
        ),
        (
            {"presign": [{"signer": "s", "bucket": "b", "expires": 2.0**70}]},
            "presign.0.expires.str: Input should be a valid string",
        ),
    ],
)
def test_a_hostile_value_is_a_setting_error_never_another_exception(table: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingError) as raised:
        validate_config(table)
    assert describe(raised.value) == message


def test_a_deeply_nested_value_is_refused_without_recursing(tmp_path: Path) -> None:
    # The validator reads only the depth its settings have: what lies below a wrong type is never looked at.
    nested: Any = "x"
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(SettingError) as raised:
        validate_config({"presign": [{"signer": nested, "bucket": "b"}]})
    assert describe(raised.value) == "presign.0.signer: Input should be a valid string"


# --- the entries' classes -------------------------------------------------------------------------------------------


def test_the_entries_are_frozen_slotted_values_with_the_models_defaults() -> None:
    one, two = PresignExpectation(signer="s", bucket="b"), PresignExpectation(signer="s", bucket="b")
    assert one == two and one.methods is not two.methods  # a fresh list each, as pydantic copied its default
    assert not hasattr(one, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.signer = "t"  # type: ignore[misc]
    assert one.model_copy(update={"module": "m"}) == PresignExpectation(signer="s", bucket="b", module="m")
    assert Suppression(rule="r") == Suppression(rule="r", paths=["*"], reason="")
    paths = ["legacy/*"]
    assert Suppression(rule="r", paths=paths).paths is not paths  # a list of its own, as pydantic's copy was
    assert repr(Suppression(rule="r")) == "Suppression(rule='r', paths=['*'], reason='')"
    assert Suppression(rule="r").model_copy(update={"reason": "why"}).reason == "why"


def test_linter_config_still_offers_the_entry_classes_lazily() -> None:
    import linter.config

    assert linter.config.Suppression is Suppression
    assert linter.config.PresignExpectation is PresignExpectation
    with pytest.raises(AttributeError):
        linter.config.ConfigModel  # noqa: B018 (the pydantic model is gone)
