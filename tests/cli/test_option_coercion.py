"""The CLI coerces option values without typer's pydantic adapters (`cli._PlainValue`), to the same effect."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from linter import cli

VALUES: list[Any] = [
    "",
    "x",
    "json",
    "JSON",
    "xml",
    "a/./b",
    "~/x",
    "\x1b[31mred",
    "caf\u00e9",
    "\udcff",
    ["a", "b"],
    ("a",),
    True,
    "true",
    "no",
    [],
    ["a", 1],
    3,
    0,
    -5,
    2.0,
    "2",
    "007",
    "-1",
    " 3",
    "3.0",
    "+2",
    "0x1",
    "\u0663",
    "9" * 19,
    "9" * 18,
    cli.OutputFormat.JSON,
    Path("p"),
]


def _parameters() -> list[Any]:
    command = typer.main.get_command(cli.app)
    assert isinstance(command, typer.main.TyperGroup)
    return [param for sub in command.commands.values() for param in sub.params]


def _outcome(coerce: Any, value: Any, param: Any) -> tuple[str, Any]:
    try:
        result = coerce(value, param=param, ctx=None)
    except BadParameter as error:
        return "BadParameter", error.format_message()
    except Exception as error:  # the same crash either way
        return type(error).__name__, str(error)
    return type(result).__name__, result


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_parameter_coerces_a_value_as_typers_adapter_does(value: Any) -> None:
    kinds = set()
    for param in _parameters():
        mine = param.get_runtime_param()
        if isinstance(mine, cli._PlainValue):
            kinds.add(mine.kind)
        assert _outcome(mine.coerce, value, param) == _outcome(
            build_runtime_param(param.type_descriptor).coerce, value, param
        ), param.name
    assert kinds == {"str", "strs", "path", "choice", "bool", "int"}  # every kind is compared


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_existing_path_is_refused_as_typer_refuses_it(tmp_path: Path) -> None:
    unreadable = tmp_path / "out.json"
    unreadable.write_text("")
    unreadable.chmod(0)
    try:
        output = next(p for p in _parameters() if p.name == "output")
        expected = _outcome(build_runtime_param(output.type_descriptor).coerce, str(unreadable), output)
        assert expected[0] == "BadParameter"
        assert _outcome(output.get_runtime_param().coerce, str(unreadable), output) == expected
    finally:
        unreadable.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_an_invalid_choice_reads_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "x.json", "--format", "xml"]) == 2
    assert capsys.readouterr().err == (
        "iam-preflight: error: Invalid value for '--format' / '--output-format' / '-f': Value error, 'xml' is not one"
        " of 'text', 'json', 'sarif', 'github', 'junit'. (see --help)\n"
    )
