"""The names CI users bring from other linters: `-h`, ruff's `--output-format` and `--exit-zero`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main

COMMANDS = ["check", "rules", "simulate", "presign", "explain-url", "explain-error"]
BROKEN_EFFECT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}],
}


def _broken(folder: Path) -> None:
    (folder / "broken.json").write_text(json.dumps(BROKEN_EFFECT, indent=2))


def test_h_is_help_on_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    long = capsys.readouterr().out
    assert main(["-h"]) == 0
    assert capsys.readouterr().out == long
    assert "-h, --help" in long


@pytest.mark.parametrize("command", COMMANDS)
def test_h_is_help_on_every_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    long = capsys.readouterr().out
    assert main([command, "-h"]) == 0
    assert capsys.readouterr().out == long
    assert f"Usage: iam-preflight {command}" in long
    assert "-h, --help" in long


@pytest.mark.parametrize("command", ["check", "presign", "explain-url", "explain-error"])
def test_output_format_is_listed_beside_format(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "--format, --output-format" in capsys.readouterr().out


def test_check_takes_output_format_as_format(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json"]) == 1
    by_format = capsys.readouterr().out
    assert main(["check", "broken.json", "--select", "IPG001", "--output-format", "json"]) == 1
    assert capsys.readouterr().out == by_format
    assert json.loads(by_format)["findings"]
    assert main(["check", "broken.json", "--output-format", "xml"]) == 2


def test_explain_error_takes_output_format(capsys: pytest.CaptureFixture[str]) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    assert main(["explain-error", body, "--output-format", "json"]) == 0
    json.loads(capsys.readouterr().out)


def test_exit_zero_reports_as_usual_and_exits_0(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json"]) == 1
    failing = capsys.readouterr().out
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json", "--exit-zero"]) == 0
    assert capsys.readouterr().out == failing
    assert json.loads(failing)["findings"]


def test_exit_zero_keeps_2_for_input_and_usage_errors(in_tmp: Path) -> None:
    (in_tmp / "bad.json").write_text('{"Version": "2012-10-17", "Statement": [')
    assert main(["check", "bad.json", "--exit-zero"]) == 2
    assert main(["check", "missing.json", "--exit-zero"]) == 2
    _broken(in_tmp)
    assert main(["check", "broken.json", "--exit-zero", "--fail-on", "fatal"]) == 2
