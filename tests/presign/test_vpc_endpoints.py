"""URLs opened through a VPC endpoint: its id (a stand-in: the address), its VPC, and its own policy."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main
from linter.sources.terraform import load_module

FIXTURES = Path(__file__).resolve().parents[2] / "rules" / "presign" / "fixtures"
GOOD = FIXTURES / "IPS001" / "good" / "vpc-endpoint-policy-excludes-bucket"


def presign(folder: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict[str, Any]]:
    args = ["presign", str(folder), "--signer", "reports-reader", "--bucket", "acme-reports", "--format", "json"]
    code = main([*args, *flags])
    verdict: dict[str, Any] = json.loads(capsys.readouterr().out)["presign"]
    return code, verdict


def test_endpoint_ids_are_their_addresses(tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "m")
    loaded = load_module(tmp_path / "m")
    assert loaded.inventory is not None
    [endpoint] = loaded.inventory.vpc_endpoints
    assert (endpoint.address, endpoint.vpc_id and endpoint.vpc_id.value) == ("aws_vpc_endpoint.s3", "aws_vpc.main")
    assert endpoint.policy is not None and endpoint.policy.name == "aws_vpc_endpoint.s3.policy"
    [bucket] = loaded.inventory.buckets
    assert bucket.policy is not None
    [condition] = bucket.policy.statements[0].conditions
    assert [v.value for v in condition.values] == ["aws_vpc_endpoint.s3"]  # aws_vpc_endpoint.s3.id, no note
    assert loaded.inventory.unresolved == []


def test_an_endpoint_policy_resource_joins_its_endpoint(tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "m")
    main_tf = tmp_path / "m" / "main.tf"
    text = main_tf.read_text()
    start = text.index("  policy = jsonencode", text.index('resource "aws_vpc_endpoint"'))
    end = text.index("\n}\n", start)
    policy = text[start:end]
    main_tf.write_text(
        text[:start]
        + text[end + 1 :]
        + textwrap.dedent(
            """
            resource "aws_vpc_endpoint_policy" "s3" {
              vpc_endpoint_id = aws_vpc_endpoint.s3.id
            """
        )
        + policy
        + "\n}\n"
    )
    loaded = load_module(tmp_path / "m")
    assert loaded.inventory is not None
    [endpoint] = loaded.inventory.vpc_endpoints
    assert endpoint.policy is not None and endpoint.policy.name == "aws_vpc_endpoint_policy.s3.policy"


def test_an_endpoint_id_written_out_may_be_the_one_defined_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bucket admits only aws_vpc_endpoint.s3; vpce-0123 may be its real id: uncertain, not a failure."""
    shutil.copytree(GOOD, tmp_path / "m")
    code, verdict = presign(tmp_path / "m", capsys, "--vpce", "vpce-0123")
    assert (code, verdict["status"]) == (1, "uncertain")
    code, verdict = presign(tmp_path / "m", capsys, "--vpce", "aws_vpc_endpoint.s3")
    assert (code, verdict["status"]) == (0, "works")
    code, verdict = presign(tmp_path / "m", capsys, "--source-ip", "203.0.113.10")
    assert (code, verdict["status"]) == (1, "fails")


def test_access_point_of_a_vpc_opened_through_an_endpoint_of_another_vpc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(GOOD, tmp_path / "m")
    with (tmp_path / "m" / "main.tf").open("a") as main_tf:
        main_tf.write(
            textwrap.dedent(
                """
                resource "aws_vpc" "other" {
                  cidr_block = "10.1.0.0/16"
                }

                resource "aws_s3_access_point" "reports" {
                  bucket = aws_s3_bucket.reports.id
                  name   = "reports"

                  vpc_configuration {
                    vpc_id = aws_vpc.other.id
                  }
                }
                """
            )
        )
    args = ["--bucket", "aws_s3_access_point.reports", "--vpce", "aws_vpc_endpoint.s3"]
    code, verdict = presign(tmp_path / "m", capsys, *args)
    assert code == 1
    failures = [p["message"] for p in verdict["problems"] if p["status"] == "fails"]
    assert failures[0] == (
        "aws_iam_role.reader can sign URLs for acme-reports/* through access point reports, but opened "
        "through aws_vpc_endpoint.s3 (in aws_vpc.main) every one returns 403 AccessDenied: "
        "aws_s3_access_point.reports has network origin VPC (aws_vpc.other) and refuses requests from other VPCs"
    )
