"""`iam-preflight presign` and declared URLs in `check`, on the shipped examples (the seed as Terraform)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
USER_TWO = [
    "--signer",
    "aws_iam_user.user_two",
    "--bucket",
    "aws_s3_bucket.demo",
    "--key",
    "cat.jpg",
    "--expires",
    "30m",
]


@pytest.fixture
def demo(in_tmp: Path) -> Path:
    for name in ("presign-demo", "presign-demo-fixed"):
        shutil.copytree(EXAMPLES / name, in_tmp / name)
    return in_tmp


def test_user_two_url_fails_with_the_reason_and_the_fix(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presign", "presign-demo", *USER_TWO, "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("✗ URL fails: aws_iam_user.user_two → presign-demo/cat.jpg (GET, 30m)\n")
    assert (
        "presign-demo/main.tf:24:23 allows only s3:ListAllMyBuckets, s3:ListBucket). "
        "Fix: allow s3:GetObject on arn:aws:s3:::presign-demo/*." in out
    )


def test_fixed_user_two_url_works(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presign", "presign-demo-fixed", *USER_TWO, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["presign"]["status"] == "works"
    assert report["presign"]["works_for_seconds"] == 1800
    assert report["findings"] == []


def test_more_than_seven_days_is_an_error_that_states_the_limit(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["presign", "presign-demo-fixed", *USER_TWO[:-1], "8d", "--format", "json"]
    assert main(args) == 1
    [problem] = json.loads(capsys.readouterr().out)["presign"]["problems"]
    assert "more than 7 days (604800 s)" in problem["message"]


def test_unknown_signer_names_the_closest(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presign", "presign-demo", "--signer", "aws_iam_user.user_to", "--bucket", "aws_s3_bucket.demo"]) == 2
    assert capsys.readouterr().err == (
        "iam-preflight: error: unknown signer 'aws_iam_user.user_to'; did you mean aws_iam_user.user_two, user-two?\n"
    )


def test_bad_duration_and_method_are_usage_errors(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presign", "presign-demo", *USER_TWO[:-1], "soon"]) == 2
    assert "invalid duration 'soon'" in capsys.readouterr().err
    assert main(["presign", "presign-demo", *USER_TWO, "--method", "DELETE"]) == 2
    assert "unknown method 'DELETE'" in capsys.readouterr().err


def test_sarif_output_for_code_scanning(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presign", "presign-demo", *USER_TWO, "--format", "sarif"]) == 1
    [result] = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["ruleId"] == "IPS001"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 24


def test_check_reads_the_modules_declared_urls(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "presign-demo", "presign-demo-fixed", "--select", "IPS", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["location"]["file"], f["location"]["line"]) for f in findings] == [
        ("IPS001", "presign-demo/main.tf", 24)
    ]
    assert findings[0]["related"][-1]["location"]["file"] == "presign-demo/.iam-preflight.toml"


def test_inference_without_a_declaration_warns_about_user_two(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (demo / "presign-demo" / ".iam-preflight.toml").unlink()
    assert main(["check", "presign-demo", "--select", "IPS", "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert finding["rule_id"] == "IPS004"
    assert finding["message"].startswith(
        "aws_iam_user.user_two may s3:ListBucket on presign-demo and can sign URLs for its objects, but every one "
        "returns 403 AccessDenied: no identity-based policy allows s3:GetObject"
    )


def test_access_point_example_works_through_the_access_point_only(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES / "presign-access-point", in_tmp / "ap")
    assert main(["check", "ap"]) == 0  # its declared URL (through the access point, 4h) works
    capsys.readouterr()
    url = ["--signer", "aws_iam_role.exporter", "--key", "finance/exports/q3.csv", "--expires", "4h"]
    assert main(["presign", "ap", *url, "--bucket", "finance"]) == 0
    assert capsys.readouterr().out.startswith("✓ URL works for its whole life: aws_iam_role.exporter → ")
    assert main(["presign", "ap", *url, "--bucket", "acme-data-lake"]) == 1
    assert "its identity policies allow s3:GetObject only on arn:aws:s3:eu-west-1:" in capsys.readouterr().out
