"""What the pre-commit hooks hand to `check`: files picked by name (`--skip-non-policy`) and changed config files
(a `.iam-preflight.toml` or `pyproject.toml` named as a PATH checks the Terraform modules it reaches)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main

REPO = Path(__file__).resolve().parents[2]
DENIED_URL_MODULE = REPO / "rules" / "presign" / "fixtures" / "IPS001" / "bad" / "bucket-deny-insecure-transport"
FULL_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
CONTENT_SECURITY_POLICY = {"directives": {"default-src": ["'self'"], "img-src": ["https:"]}}
RENOVATE_POLICY = {"extends": ["config:recommended"], "packageRules": [{"matchUpdateTypes": ["major"]}]}
ECR_LIFECYCLE_POLICY = {
    "rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan"}}]
}
NOT_A_POLICY = 'a JSON object without a "Statement" element, not an IAM policy'
NOT_A_CONFIG = "a TOML file without a [tool.iam-preflight] table, not an iam-preflight config"
# The URL the fixture module's own config declares, declared in a config above it instead.
DECLARED_URL = 'signer = "aws_iam_user.releases"\nbucket = "aws_s3_bucket.downloads"\nkey = "releases/*"\n'


def _report(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", *args, "--format", "json", "--no-cache"])
    return code, json.loads(capsys.readouterr().out)


def _errors(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["location"]["file"], error["message"]) for error in report["errors"]]


def _skipped(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(entry["file"], entry["reason"]) for entry in report["skipped"]]


def _findings(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(f["rule_id"], f["location"]["file"], f["location"]["line"]) for f in report["findings"]]


def _json_named_like_policies(folder: Path) -> list[str]:
    names = {
        "content-security-policy.json": CONTENT_SECURITY_POLICY,
        "renovate-policy.json": RENOVATE_POLICY,
        "ecr-lifecycle-policy.json": ECR_LIFECYCLE_POLICY,
    }
    for name, content in names.items():
        (folder / name).write_text(json.dumps(content))
    return list(names)


def _module_that_denies_its_url(folder: Path) -> None:
    """A Terraform module whose bucket policy denies every pre-signed URL (IPS001 at main.tf:17 once declared)."""
    folder.mkdir(parents=True)
    shutil.copy(DENIED_URL_MODULE / "main.tf", folder / "main.tf")


def test_named_json_that_is_no_policy_is_an_input_error_without_the_option(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = _json_named_like_policies(in_tmp)
    code, report = _report(names, capsys)
    assert code == 2
    assert _errors(report) == sorted((name, NOT_A_POLICY) for name in names)


def test_skip_non_policy_skips_named_json_that_is_no_policy(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = _json_named_like_policies(in_tmp)
    code, report = _report(["--skip-non-policy", *names], capsys)
    assert code == 0
    assert _errors(report) == []
    assert _skipped(report) == sorted((name, NOT_A_POLICY) for name in names)


def test_skip_non_policy_still_checks_the_policies_beside_them(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = _json_named_like_policies(in_tmp)
    (in_tmp / "admin-policy.json").write_text(json.dumps(FULL_ADMIN))
    assert main(["check", "--skip-non-policy", *names, "admin-policy.json"]) == 1
    captured = capsys.readouterr()
    # Nothing is said about the files skipped but their number.
    assert captured.out.splitlines()[0] == "admin-policy.json"
    assert captured.out.splitlines()[-1] == (
        "1 finding (1 error, 0 warnings, 0 info) in 1 file; 3 non-policy files skipped."
    )
    assert not any(name in captured.out for name in names)
    assert captured.err == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"Version": "2012-10-17", "Statement": [', "invalid JSON: unexpected end of input: expected a value"),
        ("", "empty file: expected an IAM policy document"),
        ("Version: 2012-10-17\n", "invalid JSON: unexpected character 'V': expected a value"),
        ("{", "invalid JSON: unexpected end of input: expected '}'"),  # no policy element, yet named
    ],
)
def test_skip_non_policy_never_hides_a_file_that_is_not_json(
    content: str, message: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A hook must not pass a broken policy file as "no policy": only valid JSON without a Statement is skipped.
    (in_tmp / "deploy-policy.json").write_text(content)
    code, report = _report(["--skip-non-policy", "deploy-policy.json"], capsys)
    assert code == 2
    assert _errors(report) == [("deploy-policy.json", message)]
    assert _skipped(report) == []


def test_a_config_checks_the_modules_its_declarations_name(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _module_that_denies_its_url(in_tmp / "modules" / "downloads")
    _module_that_denies_its_url(in_tmp / "modules" / "unrelated")  # named by no declaration: not checked
    (in_tmp / ".iam-preflight.toml").write_text(f'[[presign]]\nmodule = "modules/downloads"\n{DECLARED_URL}')
    code, report = _report([".iam-preflight.toml"], capsys)
    assert code == 1
    assert _findings(report) == [("IPS001", "modules/downloads/main.tf", 17)]
    assert report["summary"]["files_checked"] == 1


def test_a_pyproject_config_checks_the_modules_its_declarations_name(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _module_that_denies_its_url(in_tmp / "infra")
    (in_tmp / "pyproject.toml").write_text(
        f'[project]\nname = "app"\n\n[[tool.iam-preflight.presign]]\nmodule = "infra"\n{DECLARED_URL}'
    )
    code, report = _report(["pyproject.toml"], capsys)
    assert code == 1
    assert _findings(report) == [("IPS001", "infra/main.tf", 17)]


def test_a_config_in_a_module_checks_that_module(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Its declarations name no module: they are the module's own (`linter.presign.declared.all_declared_checks`).
    _module_that_denies_its_url(in_tmp / "infra")
    (in_tmp / "infra" / ".iam-preflight.toml").write_text(f"[[presign]]\n{DECLARED_URL}")
    code, report = _report(["infra/.iam-preflight.toml"], capsys)
    assert code == 1
    assert _findings(report) == [("IPS001", "infra/main.tf", 17)]


def test_a_config_that_reaches_no_module_is_skipped(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / ".iam-preflight.toml").write_text('fail-on = "error"\n')
    code, report = _report([".iam-preflight.toml"], capsys)
    assert code == 0
    assert _errors(report) == []
    assert _skipped(report) == [(".iam-preflight.toml", "a config that names no Terraform module and is in none")]


def test_a_declared_module_that_is_no_folder_is_an_input_error(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / ".iam-preflight.toml").write_text(f'[[presign]]\nmodule = "modules/gone"\n{DECLARED_URL}')
    code, report = _report([".iam-preflight.toml"], capsys)
    assert code == 2
    assert _errors(report) == [
        (".iam-preflight.toml", "[[presign]] #1: module 'modules/gone': no such folder (relative to this config)")
    ]


def test_a_broken_config_named_as_a_path_is_an_input_error(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # In a folder of its own: the config of the run (found from the working directory) is not this one.
    (in_tmp / "infra").mkdir()
    (in_tmp / "infra" / ".iam-preflight.toml").write_text('[[presign]]\nsigner = "aws_iam_user.releases"\n')
    code, report = _report(["--skip-non-policy", "infra/.iam-preflight.toml"], capsys)
    assert code == 2
    assert _errors(report) == [("infra/.iam-preflight.toml", "presign.0.bucket: Field required")]


def test_a_pyproject_without_the_table_is_skipped_only_with_the_option(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "pyproject.toml").write_text('[project]\nname = "app"\n')
    code, report = _report(["pyproject.toml"], capsys)
    assert code == 2
    assert _errors(report) == [("pyproject.toml", NOT_A_CONFIG)]
    code, report = _report(["--skip-non-policy", "pyproject.toml"], capsys)
    assert code == 0
    assert _errors(report) == []
    assert _skipped(report) == [("pyproject.toml", NOT_A_CONFIG)]


def test_the_option_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    assert "--skip-non-policy" in capsys.readouterr().out
