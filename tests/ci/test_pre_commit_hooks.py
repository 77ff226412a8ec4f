"""The pre-commit hooks as pre-commit itself reads and runs them: the manifest through pre-commit's own loader, the
files each hook is given through pre-commit's own selection, and the README's local hooks in a real `pre-commit run`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_manifest
from pre_commit.commands.run import Classifier, filter_by_include_exclude

import linter
from linter.cli import main

REPO = Path(__file__).resolve().parents[2]
HOOK_IDS = ["iam-preflight-json", "iam-preflight-terraform"]
FULL_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}],
}
ADMIN_IN_TF_JSON = {"resource": {"aws_iam_policy": {"admin": {"name": "admin", "policy": json.dumps(FULL_ADMIN)}}}}
READER_IN_TF_JSON = {"resource": {"aws_iam_policy": {"reader": {"name": "reader", "policy": json.dumps(READER)}}}}
# A repository as pre-commit sees it: policies, JSON named like policies that is none, a Terraform module written in
# both syntaxes, configs, and files no hook takes. The `.tf.json` and `.tfvars.json` files are in `iam/`, a folder
# the JSON hook takes by name: only its `exclude` keeps them from it.
TREE: dict[str, Any] = {
    "policies/admin-policy.json": FULL_ADMIN,
    "policies/reader.json": READER,
    "web/content-security-policy.json": {"directives": {"default-src": ["'self'"]}},
    "renovate-policy.json": {"extends": ["config:recommended"]},
    "ecr/ecr-lifecycle-policy.json": {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged"}}]},
    "iam/main.tf": 'variable "env" {\n  type = string\n}\n\nresource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n',
    "iam/roles.tf.json": ADMIN_IN_TF_JSON,
    "iam/prod.tfvars.json": {"env": "prod"},
    "iam/.terraform/modules/vpc/main.tf": "this is no HCL: a downloaded module, never checked\n",
    ".iam-preflight.toml": 'exclude = ["vendor/*"]\n',
    "pyproject.toml": '[project]\nname = "app"\n',
    "package.json": {"name": "app", "private": True},
    "tsconfig.json": {"compilerOptions": {"strict": True}},
    "app.py": "print('hello')\n",
}
SELECTED = {
    "iam-preflight-json": [
        "ecr/ecr-lifecycle-policy.json",
        "policies/admin-policy.json",
        "policies/reader.json",
        "renovate-policy.json",
        "web/content-security-policy.json",
    ],
    "iam-preflight-terraform": [
        ".iam-preflight.toml",
        "iam/main.tf",
        "iam/prod.tfvars.json",
        "iam/roles.tf.json",
        "pyproject.toml",
    ],
}
FULL_ADMIN_MESSAGE = (
    "statement 0 allows every action ('*') on every resource ('*') with no narrowing condition: this is full "
    "administrator access. Grant the actions the workload calls on its own resource ARNs."
)


def _write_tree(root: Path, tree: dict[str, Any]) -> None:
    for name, content in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2) + "\n")


def _manifest() -> dict[str, dict[str, Any]]:
    """The hooks as pre-commit loads them: validated, with its defaults filled in (`files`, `exclude`, `types`)."""
    return {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}


def _selected(hook: dict[str, Any], names: list[str]) -> list[str]:
    """The files pre-commit gives the hook, by its own matching: `files`/`exclude` regexes, then identify's types."""
    classifier = Classifier(names)
    matched = filter_by_include_exclude(classifier.filenames, hook["files"], hook["exclude"])
    return sorted(classifier.by_types(matched, hook["types"], hook["types_or"], hook["exclude_types"]))


def _readme_snippets() -> list[dict[str, Any]]:
    """The YAML blocks of the README's "pre-commit" section, in order."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)]


def test_pre_commit_loads_the_manifest() -> None:
    hooks = _manifest()
    assert list(hooks) == HOOK_IDS
    for hook in hooks.values():
        assert hook["entry"] == "iam-preflight check --skip-non-policy"
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        assert hook["pass_filenames"] is True


def test_each_hook_is_given_its_own_files(in_tmp: Path) -> None:
    _write_tree(in_tmp, TREE)
    hooks = _manifest()
    assert {hook_id: _selected(hooks[hook_id], sorted(TREE)) for hook_id in HOOK_IDS} == SELECTED


def test_more_names_each_hook_takes_or_leaves(in_tmp: Path) -> None:
    taken_by_json = ["iam/user-two.json", "infra/bucket-policy.json", "org/scps/deny-regions.json", "role-trust.json"]
    taken_by_neither = ["infra/package.json", "infra/policy.tf.json.bak", "docs/iam.md", "iam/notes.txt"]
    taken_by_terraform = ["modules/app/main.tf", "envs/prod.tfvars", "svc/policy.tf.json", "svc/.iam-preflight.toml"]
    _write_tree(in_tmp, {name: "{}\n" for name in [*taken_by_json, *taken_by_neither, *taken_by_terraform]})
    hooks = _manifest()
    names = sorted([*taken_by_json, *taken_by_neither, *taken_by_terraform])
    assert _selected(hooks["iam-preflight-json"], names) == sorted(taken_by_json)
    assert _selected(hooks["iam-preflight-terraform"], names) == sorted(taken_by_terraform)


def _run_hook(hook: dict[str, Any], files: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """The hook's command line as pre-commit runs it (`entry`, then the files), through the CLI's `main`."""
    command = shlex.split(hook["entry"])
    assert command[0] == "iam-preflight"
    code = main([*command[1:], *hook["args"], *files])
    return code, capsys.readouterr().out.splitlines()


def test_each_hook_fails_on_its_own_finding(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_tree(in_tmp, TREE)
    hooks = _manifest()
    code, out = _run_hook(hooks["iam-preflight-json"], SELECTED["iam-preflight-json"], capsys)
    assert code == 1
    assert out == [
        "policies/admin-policy.json",
        f"  6:17  error    IPP001  {FULL_ADMIN_MESSAGE}  [full-admin]",
        "",
        "1 finding (1 error, 0 warnings, 0 info) in 2 files; 3 non-policy files skipped.",
    ]
    code, out = _run_hook(hooks["iam-preflight-terraform"], SELECTED["iam-preflight-terraform"], capsys)
    assert code == 1
    # .iam-preflight.toml names no module and is in none; pyproject.toml has no [tool.iam-preflight] table.
    assert out == [
        "iam/roles.tf.json",
        f"  6:19  error    IPP001  {FULL_ADMIN_MESSAGE}  [full-admin]",
        "    at aws_iam_policy.admin",
        "",
        "1 finding (1 error, 0 warnings, 0 info) in 2 files; 2 non-policy files skipped.",
    ]


def test_each_hook_passes_a_clean_tree(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_tree(in_tmp, {**TREE, "policies/admin-policy.json": READER, "iam/roles.tf.json": READER_IN_TF_JSON})
    hooks = _manifest()
    for hook_id in HOOK_IDS:
        code, out = _run_hook(hooks[hook_id], SELECTED[hook_id], capsys)
        assert (hook_id, code) == (hook_id, 0)
        assert out[-1].startswith("No findings in 2 files; ")


def test_the_readme_pins_this_version_and_these_hooks() -> None:
    remote = _readme_snippets()[0]["repos"]
    assert len(remote) == 1
    assert remote[0]["repo"] == "https://github.com/iam-preflight/iam-preflight"
    assert remote[0]["rev"] == "v" + linter.__version__
    assert [hook["id"] for hook in remote[0]["hooks"]] == list(_manifest())


def test_the_readme_local_hooks_are_the_manifest_hooks() -> None:
    local = _readme_snippets()[1]["repos"]
    assert [repo["repo"] for repo in local] == ["local"]
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    for hook, published in zip(local[0]["hooks"], manifest, strict=True):
        assert hook["language"] == "system"
        assert {k: v for k, v in hook.items() if k != "language"} == {
            k: v for k, v in published.items() if k not in {"language", "description"}
        }


def _git(repo: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pre_commit", "run", "--verbose", "--color", "never", *args]
    return subprocess.run(command, check=False, cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def test_the_readme_local_hooks_run_in_pre_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **os.environ,
        # This environment's iam-preflight first: the local hooks run whatever `iam-preflight` PATH finds.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    _write_tree(repo, TREE)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(_readme_snippets()[1], sort_keys=False))
    _git(repo, "init", "-q", env=env)
    _git(repo, "add", "-A", env=env)
    _git(repo, "commit", "-q", "-m", "tree", env=env)

    json_hook = _pre_commit(repo, env, "iam-preflight-json", "--all-files")
    assert json_hook.returncode == 1, json_hook.stdout + json_hook.stderr
    assert "- hook id: iam-preflight-json\n" in json_hook.stdout
    assert "- exit code: 1\n" in json_hook.stdout
    assert f"policies/admin-policy.json\n  6:17  error    IPP001  {FULL_ADMIN_MESSAGE}" in json_hook.stdout
    assert "1 finding (1 error, 0 warnings, 0 info) in 2 files; 3 non-policy files skipped." in json_hook.stdout
    # Neither the JSON named like policies (skipped, unnamed) nor Terraform's JSON (not given to this hook).
    for name in ["content-security-policy", "renovate-policy", "ecr-lifecycle-policy", "roles.tf.json", "tfvars"]:
        assert name not in json_hook.stdout

    terraform_hook = _pre_commit(repo, env, "iam-preflight-terraform", "--all-files")
    assert terraform_hook.returncode == 1, terraform_hook.stdout + terraform_hook.stderr
    assert "- hook id: iam-preflight-terraform\n" in terraform_hook.stdout
    assert "- exit code: 1\n" in terraform_hook.stdout
    assert f"iam/roles.tf.json\n  6:19  error    IPP001  {FULL_ADMIN_MESSAGE}" in terraform_hook.stdout
    assert "policies/admin-policy.json" not in terraform_hook.stdout

    quiet = _pre_commit(
        repo,
        env,
        "iam-preflight-json",
        "--files",
        "web/content-security-policy.json",
        "renovate-policy.json",
        "ecr/ecr-lifecycle-policy.json",
    )
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert re.search(r"^iam-preflight \(IAM policy JSON\)\.+Passed$", quiet.stdout, flags=re.MULTILINE)
