"""The console script's entry point: start parsing the .tf files of a `check`, then import and run the CLI.

Importing the CLI (typer, and the pydantic it builds options with) takes about 0.1 s before typer has parsed a
single argument. For `check`, the .tf files its arguments name are parsed meanwhile in a forked helper
(`cache.parse_ahead`), which on a cold cache saves most of the parse of a large tree. The targets are guessed from
argv without the CLI's parser: every word after `check` that is not an option is a candidate, and one that names
neither a folder nor a Terraform file is ignored (an option's value that happens to name one only costs the helper
time). The CLI then parses the arguments as always; files the guess missed are parsed when they are read.
"""

from __future__ import annotations

import sys
from typing import NoReturn


def run() -> NoReturn:
    targets = guessed_targets(sys.argv[1:])
    if targets:
        from linter.sources.terraform.cache import parse_ahead

        parse_ahead(targets)
    from linter.cli import run as run_cli

    run_cli()


def guessed_targets(arguments: list[str]) -> list[str]:
    """The words of a `check` command line that may be its paths (`parse_ahead` keeps folders and .tf files)."""
    if arguments[:1] != ["check"]:
        return []
    return [word for word in arguments[1:] if not word.startswith("-")]
