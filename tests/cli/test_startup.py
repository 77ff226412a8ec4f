"""Offline runs must not pay for the AWS SDK or the HCL parser (pre-commit grade start-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "moto", "hcl2", "lark", "rich")


def _imported_modules(code: str) -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    names = set()
    for line in completed.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize(
    "code", ["import linter.cli", "import linter.cli, linter.check, linter.report, linter.registry"]
)
def test_cli_imports_no_aws_sdk_or_hcl_parser(code: str) -> None:
    assert _imported_modules(code).isdisjoint(HEAVY)


def test_checking_a_json_policy_imports_no_aws_sdk_or_hcl_parser(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    code = f"from linter.cli import main; main(['check', {str(policy)!r}, '--format', 'json'])"
    assert _imported_modules(code).isdisjoint(HEAVY)


def test_console_script_runs_as_a_subprocess(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}'
    )
    completed = subprocess.run(
        [sys.executable, "-m", "linter", "check", str(policy), "--select", "IPG001", "--color", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 1
    assert "IPG001" in completed.stdout
    assert completed.stderr == ""


def test_console_script_exits_quietly_when_the_reader_leaves_early(tmp_path: Path) -> None:
    # `run()` ends with os._exit after flushing: a closed pipe must not turn into a traceback or a hang.
    reader = subprocess.Popen(
        [sys.executable, "-m", "linter", "rules", "--markdown"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.read(10)
    reader.stdout.close()
    errors = reader.stderr.read()
    assert reader.wait(timeout=60) in (0, 1)
    assert first and errors == b""


COMMANDS = ["check", "rules", "simulate", "presign", "explain-url", "explain-error"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_runs_in_an_app_of_its_own_with_the_same_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # main() builds only the invoked command's options (typer builds all of them up front otherwise).
    from linter import cli

    one = cli._app_for([command, "--help"])
    assert [info.callback.__name__ for info in one.registered_commands if info.callback] == [
        info.callback.__name__
        for info in cli.app.registered_commands
        if info.callback and (info.name or info.callback.__name__) == command
    ]
    assert cli.main([command, "--help"]) == 0
    alone = capsys.readouterr().out
    cli.app(args=[command, "--help"], prog_name="iam-preflight", standalone_mode=False)
    assert alone == capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["--help"], ["--version"], ["chek", "x"]])
def test_no_command_an_option_first_or_a_misspelt_command_get_the_full_app(argv: list[str]) -> None:
    from linter import cli

    assert cli._app_for(argv) is cli.app


def test_every_command_is_listed_here() -> None:
    from typer.main import get_command_name

    from linter import cli

    names = [
        info.name or get_command_name(info.callback.__name__) for info in cli.app.registered_commands if info.callback
    ]
    assert names == COMMANDS


@pytest.mark.parametrize(
    ("argv", "guessed"),
    [
        (["check", "infra", "-f", "json", "--var-file", "prod.tfvars"], ["infra", "json", "prod.tfvars"]),
        (["check", "--help"], []),
        (["presign", "infra", "--signer", "x"], []),
        ([], []),
    ],
)
def test_the_console_script_guesses_the_paths_of_a_check_to_parse_them_while_it_imports(
    argv: list[str], guessed: list[str]
) -> None:
    from linter.launch import guessed_targets

    # Option values are guessed too; parse_ahead ignores words that name neither a folder nor a .tf file.
    assert guessed_targets(argv) == guessed


def test_python_dash_m_and_the_console_script_check_a_terraform_folder(tmp_path: Path) -> None:
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = local.missing\n}\n')
    completed = subprocess.run(
        [sys.executable, "-m", "linter", "check", "infra", "--color", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**os.environ, "IAM_PREFLIGHT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert completed.returncode == 2
    assert completed.stdout.startswith("infra/main.tf:2:10: error: reference to an undeclared name: local.missing")


def _console_script(argv: list[str]) -> str:
    """`code` for _imported_modules: the console script run with these arguments."""
    return f"import sys; sys.argv = ['iam-preflight', *{argv!r}]; from linter.launch import run; run()"


def test_the_console_script_skips_pydantics_plugin_search(tmp_path: Path) -> None:
    # pydantic's plugin loader imports importlib.metadata and the email package (3% of a small check) only to find
    # that plugins are off.
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = "u"\n}\n')
    imported = _imported_modules(_console_script(["check", str(module), "--format", "json"]))
    assert "pydantic" in imported
    assert imported.isdisjoint({"email", "zipfile", "csv"})


def _plugin_loader_probe(setting: str | None) -> list[str]:
    code = (
        "import sys; from linter.launch import skip_pydantic_plugins; skip_pydantic_plugins();"
        "from pydantic.plugin._schema_validator import create_schema_validator;"
        "from pydantic_core import core_schema;"
        "create_schema_validator(core_schema.int_schema(), int, 'm', 'n', 'TypeAdapter');"
        "stubbed = 'importlib.metadata' not in sys.modules;"
        "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP;"
        "print(stubbed, PYDANTIC_ENTRY_POINT_GROUP, 'importlib.metadata' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True, env=env
    )
    return completed.stdout.split()


@pytest.mark.parametrize("setting", [None, "__all__", "1", "true"])
def test_with_plugins_off_pydantic_finds_none_without_searching_and_the_loader_still_answers(
    setting: str | None,
) -> None:
    # Any name but get_plugins loads the real loader, so a pydantic that asks the loader for more still works.
    assert _plugin_loader_probe(setting) == ["True", "pydantic", "True"]


def test_a_user_who_names_the_plugins_to_disable_keeps_pydantics_own_search() -> None:
    assert _plugin_loader_probe("logfire") == ["False", "pydantic", "True"]
