"""The GitHub Action (action.yml): its shape, and its shell steps run here, in order, as the runner would run them.

The runner is stood in for by `Runner`: the GITHUB_* files and folders in a temporary folder, each step's `env`
with the few expressions the action uses replaced as the runner replaces them (any other expression fails), each
`run` script through `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`), and each step's
GITHUB_OUTPUT read back as its outputs. `uses:` steps are not run; their `with` is recorded.

The install step is the real one: a venv made by the runner's `python3` and `pip install` of the action's folder.
Offline, pip finds what it needs in this test environment: PYTHONPATH lends the new venv this environment's
packages (the build backend and the dependencies; ahead of the setuptools a Python 3.11 venv is seeded with),
PIP_NO_INDEX=1 keeps pip off the network, and PIP_NO_BUILD_ISOLATION=0 (which disables build isolation) builds
with the setuptools already visible. The package itself is not on PYTHONPATH (this environment's copy is an
editable install, which a PYTHONPATH entry does not load): the check runs the copy the install step installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from packaging.requirements import Requirement

import linter

REPO = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
UPLOAD_SARIF = "github/codeql-action/upload-sarif@v3"
UPLOAD_IF = "${{ always() && inputs.sarif-upload == 'true' && steps.check.outputs.sarif-file != '' }}"
FULL_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}],
}
# A path as hostile as a pull request may name one: were it written into a script's text, the shell would run it.
HOSTILE_NAME = "team $(touch INJECTED) `touch INJECTED`; policy.json"
# What the repository's tree holds besides the source: never copied into the action's folder.
NOT_THE_ACTION = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


@pytest.fixture(scope="module")
def build_backend_here() -> None:
    """Offline, the install step builds with this environment's packages: they must meet `[build-system] requires`."""
    for line in tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]:
        requirement = Requirement(line)
        installed = version(requirement.name)
        assert requirement.specifier.contains(installed), (
            f"{requirement} is needed here (the dev extras install it), not {installed}"
        )


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    return steps


def test_the_action_is_composite_with_its_inputs_and_outputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {name: spec.get("default") for name, spec in ACTION["inputs"].items()} == {
        "paths": ".",
        "fail-on": "",
        "config": "",
        "sarif-upload": "true",
    }
    assert {name: spec["value"] for name, spec in ACTION["outputs"].items()} == {
        "sarif-file": "${{ steps.check.outputs.sarif-file }}",
        "exit-code": "${{ steps.check.outputs.exit-code }}",
    }


def test_every_script_is_bash_and_takes_no_expression() -> None:
    scripts = [step for step in _steps() if "run" in step]
    assert [step["id"] for step in scripts[:2]] == ["install", "check"]
    for step in scripts:
        assert step["shell"] == "bash"
        # Inputs reach a script through `env` only: `${{ }}` in its text is script injection.
        assert "${{" not in step["run"]
        assert "if" not in step  # a failing step stops those after it, as the runner does


def test_the_upload_runs_after_findings_and_the_last_step_fails_on_them() -> None:
    steps = _steps()
    uploads = [step for step in steps if "uses" in step]
    assert uploads == [
        {
            "name": "Upload SARIF to code scanning",
            "if": UPLOAD_IF,
            "uses": UPLOAD_SARIF,
            "with": {"sarif_file": "${{ steps.check.outputs.sarif-file }}", "category": "iam-preflight"},
        }
    ]
    assert steps.index(uploads[0]) == len(steps) - 2


class StepRun(NamedTuple):
    name: str
    returncode: int
    stdout: str
    stderr: str
    github_output: str


class Runner:
    """The part of a GitHub runner a composite action's steps see."""

    def __init__(self, root: Path, inputs: dict[str, str]) -> None:
        self.action_path = root / "action"
        self.workspace = root / "workspace"
        self.temp = root / "runner-temp"
        for folder in (self.workspace, self.temp):
            folder.mkdir()
        # A copy: pip builds in the folder it installs from (build/, *.egg-info), and the repository stays as it is.
        shutil.copytree(REPO, self.action_path, ignore=NOT_THE_ACTION)
        self.inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
        self.outputs: dict[str, dict[str, str]] = {}
        self.uses: dict[str, dict[str, str]] = {}
        self.summary = self.temp / "step-summary.md"
        self.summary.touch()
        test_packages = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
        self.env = {name: value for name, value in os.environ.items() if not name.startswith(("PIP_", "PYTHON"))}
        self.env |= {
            # The runner's python3: this test's interpreter, whose packages PYTHONPATH lends.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": os.pathsep.join(test_packages),
            "PIP_NO_INDEX": "1",
            "PIP_NO_BUILD_ISOLATION": "0",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_ENV": str(self.temp / "env"),
            "GITHUB_PATH": str(self.temp / "path"),
            "RUNNER_TEMP": str(self.temp),
        }

    def expand(self, text: str) -> str:
        """The runner's expressions, as far as the action uses them; any other fails the test."""

        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression == "github.action_path":
                return str(self.action_path)
            if expression.startswith("inputs."):
                return self.inputs[expression.removeprefix("inputs.")]
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            if step is not None:
                return self.outputs.get(step.group(1), {}).get(step.group(2), "")
            pytest.fail(f"an expression the stand-in runner does not know: {expression}")

        return EXPRESSION.sub(value, text)

    def run(self) -> list[StepRun]:
        """Every step in order; a failing step ends the run, as it fails the action."""
        runs: list[StepRun] = []
        for index, step in enumerate(_steps()):
            if "uses" in step:
                self.uses[step["uses"]] = {key: self.expand(value) for key, value in step["with"].items()}
                continue
            output = self.temp / f"output-{index}"
            output.touch()
            script = self.temp / f"step-{index}.sh"
            script.write_text(step["run"])
            env = self.env | {name: self.expand(value) for name, value in step.get("env", {}).items()}
            env["GITHUB_OUTPUT"] = str(output)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                check=False,  # a failing step is a result: it ends the run
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            written = output.read_text()
            runs.append(StepRun(step["name"], done.returncode, done.stdout, done.stderr, written))
            if "id" in step:
                self.outputs[step["id"]] = dict(line.split("=", 1) for line in written.splitlines())
            if done.returncode != 0:
                break
        return runs


def _write(folder: Path, name: str, document: dict[str, Any]) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(document, indent=2) + "\n")


@pytest.mark.usefixtures("build_backend_here")
def test_the_action_annotates_uploads_and_fails_on_a_bad_policy(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"paths": f"policies\n  {HOSTILE_NAME}  \n\n"})
    _write(runner.workspace, "policies/admin-policy.json", FULL_ADMIN)
    _write(runner.workspace, "policies/reader.json", READER)
    _write(runner.workspace, HOSTILE_NAME, READER)
    runs = runner.run()
    assert [(run.name, run.returncode) for run in runs] == [
        ("Install iam-preflight", 0),
        ("Check", 0),  # the exit code is kept for the last step
        ("Fail on findings or input errors", 1),
    ], "\n".join(run.stderr for run in runs)
    install, check, fail = runs
    venv_python = runner.temp / "iam-preflight-venv" / "bin" / "python"
    assert install.github_output == f"iam-preflight={venv_python.parent / 'iam-preflight'}\n"
    installed = subprocess.run(
        [str(venv_python), "-c", "import linter; print(linter.__file__)"],
        cwd=runner.workspace,  # as the steps run: not the repository's folder, where `linter` is the source's
        env=runner.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(installed.stdout.strip()).is_relative_to(runner.temp / "iam-preflight-venv")

    sarif = runner.outputs["check"]["sarif-file"]
    assert check.github_output == f"exit-code=1\nsarif-file={sarif}\n"
    assert check.stdout.splitlines() == [
        "::error file=policies/admin-policy.json,line=6,endLine=6,col=17,endColumn=20,title=IPP001 full-admin::"
        "statement 0 allows every action ('*') on every resource ('*') with no narrowing condition: this is full "
        "administrator access. Grant the actions the workload calls on its own resource ARNs.",
        "1 finding (1 error, 0 warnings, 0 info) in 3 files.",
    ]
    assert not (runner.workspace / "INJECTED").exists()
    report = json.loads(Path(sarif).read_text())
    results = report["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results] == [
        ("IPP001", "policies/admin-policy.json")
    ]
    assert Path(sarif).parent.parent == runner.temp

    assert runner.uses == {UPLOAD_SARIF: {"sarif_file": sarif, "category": "iam-preflight"}}
    assert fail.stdout == "iam-preflight exited 1: see the annotations and the log of the Check step.\n"
    assert runner.summary.read_text() == (
        "### iam-preflight\n\nExit 1: findings at or above the fail-on severity (annotated in this step's log).\n"
    )


@pytest.mark.usefixtures("build_backend_here")
def test_the_action_passes_a_clean_workspace(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"fail-on": "error", "config": "ci/iam-preflight.toml", "sarif-upload": "false"})
    _write(runner.workspace, "policies/reader.json", READER)
    # Clean only as the config named by the input says: it suppresses the one finding.
    _write(runner.workspace, "policies/admin-policy.json", FULL_ADMIN)
    (runner.workspace / "ci").mkdir()
    (runner.workspace / "ci" / "iam-preflight.toml").write_text(
        '[[tool.iam-preflight.suppress]]\nrule = "IPP001"\npaths = ["admin-policy.json"]\nreason = "reviewed"\n'
    )
    runs = runner.run()
    assert [(run.name, run.returncode) for run in runs] == [
        ("Install iam-preflight", 0),
        ("Check", 0),
        ("Fail on findings or input errors", 0),
    ], "\n".join(run.stderr for run in runs)
    sarif = runner.outputs["check"]["sarif-file"]
    assert runs[1].github_output == f"exit-code=0\nsarif-file={sarif}\n"
    assert runs[1].stdout == "No findings in 2 files; 1 suppressed.\n"
    assert json.loads(Path(sarif).read_text())["runs"][0]["results"] == []
    assert runs[2].stdout == ""
    assert runner.summary.read_text() == "### iam-preflight\n\nExit 0: no finding at or above the fail-on severity.\n"


def test_the_readme_workflow_uses_this_version_and_these_inputs() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## GitHub Action\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    workflow = yaml.safe_load(block)
    assert workflow[True] == "pull_request"  # YAML 1.1 reads the key `on` as true
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    (job,) = workflow["jobs"].values()
    (step,) = [step for step in job["steps"] if step["uses"].startswith("iam-preflight/")]
    assert step["uses"] == f"iam-preflight/iam-preflight@v{linter.__version__}"
    assert step["with"] == {"paths": "policies\nterraform\n", "fail-on": "error"}
    assert set(step["with"]) <= set(ACTION["inputs"])
