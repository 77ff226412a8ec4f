"""URLs through S3 access points and to buckets of other accounts, read from real Terraform.

A request through an access point is allowed only when the access point (identity policies on its ARN, its own
policy) and the bucket behind it (its policy grants or delegates) both permit it (S3 User Guide,
access-points-policies). A bucket of another account that is not defined here is known by name only: the signer's
side is decided, the bucket's side is uncertain.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main
from linter.model import THIS_ACCOUNT, Inventory, Location, PublicAccessBlock
from linter.presign.declared import expectation, resolve
from linter.presign.request import ExpectationError
from linter.presign.resolve import UnknownReference
from linter.presign.subject import access_point_restricts
from linter.sources.terraform import load_module

BUCKET = """
resource "aws_s3_bucket" "data" {
  bucket = "ap-data"
}
"""

DELEGATION = """
data "aws_caller_identity" "current" {}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "*"
      Resource  = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]
      Condition = { StringEquals = { "s3:DataAccessPointAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}
"""

ACCESS_POINT = """
resource "aws_s3_access_point" "reports" {
  bucket = aws_s3_bucket.data.id
  name   = "reports"
}
"""


def reader(resource: str) -> str:
    return f"""
resource "aws_iam_user" "reader" {{
  name = "reader"
}}

resource "aws_iam_user_policy" "reader" {{
  user = aws_iam_user.reader.name
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = {resource} }}]
  }})
}}
"""


AP_OBJECTS = '"${aws_s3_access_point.reports.arn}/object/*"'


def module(folder: Path, *parts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text("".join(textwrap.dedent(p) for p in parts))
    return folder


def inventory_of(folder: Path) -> Inventory:
    loaded = load_module(folder)
    assert not loaded.errors, [e.render() for e in loaded.errors]
    assert loaded.inventory is not None
    return loaded.inventory


def presign_json(folder: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict[str, Any]]:
    """Exit code and the `presign` part of the JSON report."""
    code = main(["presign", str(folder), "--signer", "reader", "--format", "json", *flags])
    verdict: dict[str, Any] = json.loads(capsys.readouterr().out)["presign"]
    return code, verdict


def statuses(verdict: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["status"], p["message"].split(": ", 1)[0]) for p in verdict["problems"]]


# --- the Terraform source --------------------------------------------------------------------------------------


def test_access_point_joins_its_bucket_policy_and_network(tmp_path: Path) -> None:
    folder = module(
        tmp_path,
        'provider "aws" {\n  region = "eu-west-1"\n}\n',
        BUCKET,
        """
        resource "aws_s3_access_point" "reports" {
          bucket = aws_s3_bucket.data.id
          name   = "reports"

          vpc_configuration {
            vpc_id = "vpc-0123"
          }

          public_access_block_configuration {
            restrict_public_buckets = false
          }
        }

        resource "aws_s3control_access_point_policy" "reports" {
          access_point_arn = aws_s3_access_point.reports.arn
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{
              Effect    = "Allow"
              Principal = { AWS = "*" }
              Action    = "s3:GetObject"
              Resource  = "${aws_s3_access_point.reports.arn}/object/*"
            }]
          })
        }
        """,
    )
    [point] = inventory_of(folder).access_points
    assert point.address == "aws_s3_access_point.reports"
    assert point.arn == f"arn:aws:s3:eu-west-1:{THIS_ACCOUNT}:accesspoint/reports"
    assert point.bucket.value == "aws_s3_bucket.data"  # joined to the bucket defined here, by address
    assert point.vpc_id is not None and (point.vpc_id.value, point.vpc_id.loc.line) == ("vpc-0123", 14)
    assert point.public_access_block is not None
    # Unwritten access point settings are on (AWS's default for access points); the written one is off.
    assert (point.public_access_block.block_public_acls, point.public_access_block.restrict_public_buckets) == (
        True,
        False,
    )
    assert point.policy is not None
    [statement] = point.policy.statements
    assert [r.value for r in statement.resource or []] == [f"{point.arn}/object/*"]


def test_access_point_arn_without_a_region_reads_this_region(tmp_path: Path) -> None:
    [point] = inventory_of(module(tmp_path, BUCKET, ACCESS_POINT)).access_points
    assert point.arn == f"arn:aws:s3:this-region:{THIS_ACCOUNT}:accesspoint/reports"
    assert point.public_access_block is None and point.vpc_id is None


def test_restrict_public_buckets_for_access_points_is_on_unless_turned_off() -> None:
    loc = Location(file="main.tf")
    off = PublicAccessBlock(loc=loc, restrict_public_buckets=False)
    inventory = Inventory()
    [point] = Inventory.model_validate(
        {
            "access_points": [
                {"name": {"value": "p", "loc": loc}, "address": "a", "loc": loc, "bucket": {"value": "b", "loc": loc}}
            ]
        }
    ).access_points
    assert access_point_restricts(inventory, point) is True
    assert access_point_restricts(inventory, point.model_copy(update={"public_access_block": off})) is False
    account_on = Inventory(account_public_access_block=PublicAccessBlock(loc=loc, restrict_public_buckets=True))
    assert access_point_restricts(account_on, point.model_copy(update={"public_access_block": off})) is True


# --- resolving --bucket ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    ["aws_s3_access_point.reports", "reports", f"arn:aws:s3:this-region:{THIS_ACCOUNT}:accesspoint/reports"],
)
def test_bucket_reference_may_name_an_access_point(tmp_path: Path, reference: str) -> None:
    inventory = inventory_of(module(tmp_path, BUCKET, ACCESS_POINT, reader(AP_OBJECTS)))
    check = resolve([inventory], expectation(signer="reader", bucket=reference))
    assert (check.bucket.address, check.access_point and check.access_point.address) == (
        "aws_s3_bucket.data",
        "aws_s3_access_point.reports",
    )


def test_a_bucket_and_an_access_point_of_the_same_name_the_bucket_wins(tmp_path: Path) -> None:
    same_name = ACCESS_POINT.replace('name   = "reports"', 'name   = "ap-data"')
    inventory = inventory_of(module(tmp_path, BUCKET, same_name, reader(AP_OBJECTS)))
    check = resolve([inventory], expectation(signer="reader", bucket="ap-data"))
    assert (check.bucket.address, check.access_point) == ("aws_s3_bucket.data", None)


def test_unknown_bucket_hints_at_another_account(tmp_path: Path) -> None:
    inventory = inventory_of(module(tmp_path, BUCKET, reader('"${aws_s3_bucket.data.arn}/*"')))
    with pytest.raises(UnknownReference) as error:
        resolve([inventory], expectation(signer="reader", bucket="partner-exports"))
    assert str(error.value) == (
        "unknown bucket 'partner-exports'; defined here: ap-data, aws_s3_bucket.data (a bucket of another account: "
        "give its account id, --bucket-account / bucket-account)"
    )


def test_bucket_account_is_only_for_buckets_defined_elsewhere(tmp_path: Path) -> None:
    inventory = inventory_of(module(tmp_path, BUCKET, reader('"${aws_s3_bucket.data.arn}/*"')))
    with pytest.raises(UnknownReference, match=r"is defined here \(aws_s3_bucket\.data\), so it is in this"):
        resolve([inventory], expectation(signer="reader", bucket="ap-data", bucket_account="111122223333"))
    with pytest.raises(ExpectationError, match="'1111' is not a 12-digit AWS account id"):
        expectation(signer="reader", bucket="x", bucket_account="1111")
    with pytest.raises(UnknownReference, match="'Not_A_Bucket' is not a bucket name or an S3 bucket ARN"):
        resolve([inventory], expectation(signer="reader", bucket="Not_A_Bucket", bucket_account="111122223333"))


# --- verdicts through the CLI ----------------------------------------------------------------------------------


def test_url_through_a_delegating_bucket_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = module(tmp_path, BUCKET, DELEGATION, ACCESS_POINT, reader(AP_OBJECTS))
    code, verdict = presign_json(folder, capsys, "--bucket", "aws_s3_access_point.reports")
    assert (code, verdict["status"], verdict["access_point"], verdict["problems"]) == (
        0,
        "works",
        "aws_s3_access_point.reports",
        [],
    )


def test_the_same_grant_fails_without_the_access_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Identity on the access point only, delegation on the bucket: a URL for the bucket itself is denied."""
    folder = module(tmp_path, BUCKET, DELEGATION, ACCESS_POINT, reader(AP_OBJECTS))
    code, verdict = presign_json(folder, capsys, "--bucket", "aws_s3_bucket.data")
    assert (code, verdict["status"], verdict["access_point"]) == (1, "fails", None)


def test_access_point_with_an_unknown_name_is_uncertain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unnamed = ACCESS_POINT.replace('"reports"\n}', "var.name\n}")
    folder = module(tmp_path, 'variable "name" {\n  type = string\n}\n', BUCKET, DELEGATION, unnamed, reader('"*"'))
    code, verdict = presign_json(folder, capsys, "--bucket", "aws_s3_access_point.reports")
    assert (code, verdict["status"]) == (1, "uncertain")
    assert statuses(verdict) == [("uncertain", "aws_iam_user.reader")]
    assert "the name of aws_s3_access_point.reports is not known (var.name)" in str(verdict["problems"])


def test_bucket_behind_an_access_point_not_defined_here_is_uncertain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = ACCESS_POINT.replace("aws_s3_bucket.data.id", '"bucket-of-another-stack"')
    folder = module(tmp_path, elsewhere, reader(AP_OBJECTS))
    code, verdict = presign_json(folder, capsys, "--bucket", "reports")
    assert (code, verdict["status"]) == (1, "uncertain")
    [problem] = verdict["problems"]
    assert problem["message"] == (
        "aws_iam_user.reader: URLs for bucket-of-another-stack/* through access point reports (GET) also need bucket "
        "bucket-of-another-stack to permit s3:GetObject, and that bucket is not defined here"
    )


def test_bucket_of_another_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = module(tmp_path, reader('"arn:aws:s3:::partner-exports/*"'))
    code, verdict = presign_json(folder, capsys, "--bucket", "partner-exports", "--bucket-account", "111122223333")
    assert (code, verdict["status"], verdict["bucket"]) == (1, "uncertain", "arn:aws:s3:::partner-exports")
    [problem] = verdict["problems"]
    assert problem["message"].startswith(
        "aws_iam_user.reader: its own policies allow s3:GetObject on arn:aws:s3:::partner-exports/example, but "
        "partner-exports belongs to account 111122223333 and is not defined here"
    )
    # Its own side denying is certain: across accounts the bucket policy alone cannot grant.
    folder = module(tmp_path / "list-only", reader('"arn:aws:s3:::partner-exports"'))
    code, verdict = presign_json(folder, capsys, "--bucket", "partner-exports", "--bucket-account", "111122223333")
    assert (code, verdict["status"]) == (1, "fails")
    assert str(verdict["problems"]).count("so its bucket policy alone cannot grant it") == 1


# --- signers of another account --------------------------------------------------------------------------------

PARTNER_GRANT = """
resource "aws_s3_bucket" "shared" {
  bucket = "shared-exports"
}

resource "aws_s3_bucket_policy" "shared" {
  bucket = aws_s3_bucket.shared.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/partner-app" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.shared.arn}/*"
    }]
  })
}
"""


def other_signer(folder: Path, capsys: pytest.CaptureFixture[str], signer: str, *flags: str) -> tuple[int, Any]:
    code = main(["presign", str(folder), "--signer", signer, "--bucket", "shared-exports", "--format", "json", *flags])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)["presign"] if captured.out else captured.err


def test_signer_of_another_account_granted_by_the_bucket_is_uncertain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = module(tmp_path, PARTNER_GRANT)
    code, verdict = other_signer(folder, capsys, "arn:aws:iam::111122223333:role/partner-app", "--expires", "2h")
    assert (code, verdict["status"], verdict["signer"]) == (
        1,
        "uncertain",
        "arn:aws:iam::111122223333:role/partner-app",
    )
    messages = [p["message"] for p in verdict["problems"]]
    assert [m.split(": ", 1)[1][:40] for m in messages] == [
        "the URL is asked to live 2h, but it may ",
        "shared-exports allows s3:GetObject for s",
    ]
    assert "so its max_session_duration (1h unless raised, up to 12h) is not known here" in messages[0]


def test_signer_of_another_account_not_granted_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = module(tmp_path, PARTNER_GRANT)
    code, verdict = other_signer(folder, capsys, "arn:aws:sts::444455556666:assumed-role/other/session-1")
    assert (code, verdict["status"]) == (1, "fails")
    [problem] = [p for p in verdict["problems"] if p["status"] == "fails"]
    assert problem["message"].endswith(
        "the bucket policy aws_s3_bucket_policy.shared.policy does not allow s3:GetObject on "
        "arn:aws:s3:::shared-exports/example for arn:aws:sts::444455556666:assumed-role/other/session-1"
    )
    # A resource policy grants the role, not one of its sessions.
    assert problem["fix"] == "allow s3:GetObject for arn:aws:iam::444455556666:role/other in that policy"


def test_an_arn_that_may_name_a_principal_defined_here_is_ambiguous(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = module(tmp_path, PARTNER_GRANT, reader('"*"').replace('name = "reader"', 'name = "partner-app"'))
    assert other_signer(folder, capsys, "arn:aws:iam::111122223333:user/partner-app") == (
        2,
        "iam-preflight: error: 'arn:aws:iam::111122223333:user/partner-app' may be aws_iam_user.reader, defined "
        "here: name it by its address, or say which account this configuration deploys to (--account, account = in "
        "the config)\n",
    )
    # Said to deploy to 111122223333, the ARN names the user defined here.
    code, verdict = other_signer(
        folder, capsys, "arn:aws:iam::111122223333:user/partner-app", "--account", "111122223333"
    )
    assert (code, verdict["signer"], verdict["status"]) == (0, "aws_iam_user.reader", "works")
    # A role of that name is not the user of that name.
    code, verdict = other_signer(folder, capsys, "arn:aws:iam::111122223333:role/partner-app")
    assert (code, verdict["status"]) == (1, "uncertain")
