"""A run whose inputs hold no IAM policy says so on standard error, so that its empty report is not read as a clean
one (`linter.check.no_policy_found`). The exit code stays 0, as ruff's and checkov's when nothing matched: the
pre-commit hooks pass whatever files match their patterns, and a commit without a policy must not fail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.cli import main

AWSCLI = Path(__file__).resolve().parents[1] / "fixtures" / "awscli"
GET_POLICY = {"Policy": {"PolicyName": "ci-deploy", "Arn": "arn:aws:iam::123456789012:policy/ci-deploy"}}


def test_an_empty_folder_says_nothing_was_found(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "outputs").mkdir()
    assert main(["check", "outputs"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "No findings in 0 files.\n"
    assert captured.err == "iam-preflight: no IAM policy found in outputs (no policy JSON, Terraform or plan file)\n"


def test_json_without_a_policy_says_so(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "outputs").mkdir()
    (in_tmp / "outputs" / "get-policy.json").write_text(json.dumps(GET_POLICY))
    (in_tmp / "outputs" / "list-roles.json").write_text('{"Roles": []}')
    assert main(["check", "outputs", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"]["files_skipped"] == 2
    assert captured.err == "iam-preflight: no IAM policy found in outputs (2 files read, no policy in them)\n"


def test_a_terraform_module_without_a_policy_says_so(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "infra").mkdir()
    (in_tmp / "infra" / "main.tf").write_text('resource "aws_sqs_queue" "orders" {\n  name = "orders"\n}\n')
    assert main(["check", "infra", "--no-cache"]) == 0
    assert capsys.readouterr().err == "iam-preflight: no IAM policy found in infra (1 file read, no policy in it)\n"


def test_a_folder_of_aws_cli_outputs_is_checked(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before the outputs were read: "No findings in 0 files", exit 0, and the engineer believed the policies clean.
    shutil.copytree(AWSCLI, in_tmp / "outputs")
    assert main(["check", "outputs", "--select", "IPT,IPR001"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "3 findings (3 errors, 0 warnings, 0 info) in 8 files."
    assert captured.err == ""


def test_an_input_error_says_what_went_wrong_instead(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "get-policy.json").write_text(json.dumps(GET_POLICY))
    assert main(["check", "get-policy.json"]) == 2
    captured = capsys.readouterr()
    assert 'get-policy.json:1:1: error: a JSON object without a "Statement" element' in captured.out
    assert captured.err == ""
