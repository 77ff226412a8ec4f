"""Generated docs stay in step with the rules; packaging files say what the README promises."""

from __future__ import annotations

import tomllib
from pathlib import Path

from linter import ruledocs
from linter.registry import all_rules

REPO = Path(__file__).resolve().parent.parent


def test_docs_rules_md_is_generated_from_the_rules() -> None:
    expected = ruledocs.markdown_catalogue(all_rules())
    actual = (REPO / "docs" / "rules.md").read_text()
    assert actual == expected, "docs/rules.md is stale: run `make docs`"


def test_console_script_and_packages() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["name"] == "iam-preflight"
    assert project["project"]["scripts"] == {"iam-preflight": "linter.launch:run"}
    assert project["project"]["requires-python"] == ">=3.11"
