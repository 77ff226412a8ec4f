"""Generated docs stay in step with the rules; packaging files say what the README promises."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

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


def test_pre_commit_hooks_declare_both_inputs() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"iam-preflight-json", "iam-preflight-terraform"}
    for hook in hooks.values():
        assert hook["entry"] == "iam-preflight check"
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
    json_files = re.compile(hooks["iam-preflight-json"]["files"])
    assert json_files.search("iam/user-two.json")
    assert json_files.search("infra/bucket-policy.json")
    assert json_files.search("org/scps/deny-regions.json")
    assert not json_files.search("package.json")
    assert not json_files.search("tsconfig.json")
    tf_files = re.compile(hooks["iam-preflight-terraform"]["files"])
    assert tf_files.search("modules/app/main.tf") and not tf_files.search("main.py")
