"""Account ids and regions written out in policies, against the configuration's stand-in account and region.

Terraform resolves `data.aws_caller_identity` to a stand-in account (and a key or access point ARN without a
provider region to a stand-in region), so an id written out in a policy may or may not be the configuration's own.
A pre-signed URL is only said to work (or fail) when every reading agrees; `account` settles the question.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main

DENY_WRITTEN_USER = """
resource "aws_s3_bucket" "data" {
  bucket = "lit-data"
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = { AWS = "arn:aws:iam::123456789012:user/reader" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.data.arn}/*"
    }]
  })
}

resource "aws_iam_user" "reader" {
  name = "reader"
}

resource "aws_iam_user_policy" "reader" {
  user = aws_iam_user.reader.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.data.arn}/*" }]
  })
}
"""


def presign(folder: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict[str, Any]]:
    code = main(["presign", str(folder), "--signer", "reader", "--bucket", "lit-data", "--format", "json", *flags])
    verdict: dict[str, Any] = json.loads(capsys.readouterr().out)["presign"]
    return code, verdict


@pytest.fixture
def written(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(textwrap.dedent(DENY_WRITTEN_USER))
    return tmp_path


def test_a_deny_naming_a_written_account_is_uncertain_not_ignored(
    written: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read as another account the Deny misses the signer; read as this one it blocks every URL: never 'works'."""
    code, verdict = presign(written, capsys)
    assert (code, verdict["status"]) == (1, "uncertain")
    [problem] = verdict["problems"]
    assert problem["message"] == (
        "aws_iam_user.reader: the policies name account 123456789012, and whether URLs for lit-data/* work depends "
        "on whether that is where this configuration deploys. With account 123456789012 read as the configuration's "
        "own: aws_iam_user.reader can sign URLs for lit-data/* (GET), but every one returns 403 AccessDenied: bucket "
        f"policy aws_s3_bucket_policy.data.policy, statement 0 ({written}/main.tf:10:18) explicitly denies s3:GetObject"
    )


@pytest.mark.parametrize(("account", "status"), [("123456789012", "fails"), ("999999999999", "works")])
def test_the_configurations_account_settles_it(
    written: Path, capsys: pytest.CaptureFixture[str], account: str, status: str
) -> None:
    code, verdict = presign(written, capsys, "--account", account)
    assert (code, verdict["status"]) == (0 if status == "works" else 1, status)


def test_the_account_from_the_config_file(written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (written / ".iam-preflight.toml").write_text('account = "123456789012"\n')
    assert presign(written, capsys, "--config", str(written / ".iam-preflight.toml"))[1]["status"] == "fails"


def test_a_written_region_and_account_in_an_access_point_arn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No provider region: the access point's ARN reads this-region. A grant spelling eu-west-1 and the real account
    out is read both ways; the outcome (here: fails, the bucket does not delegate) is told in the reading that
    matches the grant, not as a mismatch of written ids."""
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            """
            resource "aws_s3_bucket" "data" {
              bucket = "lit-data"
            }

            resource "aws_s3_access_point" "reports" {
              bucket = aws_s3_bucket.data.id
              name   = "reports"
            }

            resource "aws_iam_user" "reader" {
              name = "reader"
            }

            resource "aws_iam_user_policy" "reader" {
              user = aws_iam_user.reader.name
              policy = jsonencode({
                Version   = "2012-10-17"
                Statement = [{
                  Effect   = "Allow"
                  Action   = "s3:GetObject"
                  Resource = "arn:aws:s3:eu-west-1:123456789012:accesspoint/reports/object/*"
                }]
              })
            }
            """
        )
    )
    code = main(["presign", str(tmp_path), "--signer", "reader", "--bucket", "reports", "--format", "json"])
    verdict = json.loads(capsys.readouterr().out)["presign"]
    assert (code, verdict["status"]) == (1, "fails")
    [problem] = verdict["problems"]
    assert "but bucket lit-data does not permit it: its policy neither delegates" in problem["message"]
