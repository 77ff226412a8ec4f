"""`terraform show -json` plans: resolved values, located in the configuration when it is beside the plan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from linter.cli import main
from linter.model import THIS_ACCOUNT
from linter.sources.json_file import load_json_file

ACCOUNT = THIS_ACCOUNT


def test_plan_values_located_in_the_configuration(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_json_file("plan/plan.json", "plan/plan.json")
    assert loaded.errors == []
    assert loaded.files == ["plan/plan.json", "plan/main.tf"]
    assert sorted(p.name for p in loaded.policies) == [
        "aws_iam_policy.app.policy",
        "aws_iam_role.app.assume_role_policy",
        "aws_s3_bucket_policy.data.policy",
    ]
    # Resolved by the plan (var.bucket), located by the configuration's policy document.
    app = tf.policy(loaded, "aws_iam_policy.app.policy")
    assert (app.loc.file, app.loc.line, app.loc.address) == ("plan/main.tf", 13, "aws_iam_policy.app")
    assert tf.elements(app) == [
        ("/Statement/0/Effect", "Allow", "plan/main.tf:14:3", None),
        ("/Statement/0/Action/0", "s3:PutObject", "plan/main.tf:15:34", None),
        ("/Statement/0/Action/1", "s3:GetObject", "plan/main.tf:15:18", None),
        ("/Statement/0/Resource", "arn:aws:s3:::acme-app-data/*", "plan/main.tf:16:18", None),
    ]
    # Unknown in the plan (it needs the role's ARN): the configuration's reading, with the plan's variables.
    bucket_policy = tf.policy(loaded, "aws_s3_bucket_policy.data.policy")
    assert tf.elements(bucket_policy) == [
        ("/Statement/0/Effect", "Allow", "plan/main.tf:39:19", None),
        ("/Statement/0/Action", "s3:GetObject", "plan/main.tf:41:19", None),
        ("/Statement/0/Resource", "arn:aws:s3:::acme-app-data/*", "plan/main.tf:42:19", None),
        (
            "/Statement/0/Principal/AWS",
            f"arn:aws:iam::{ACCOUNT}:role/app",
            "plan/main.tf:40:27",
            None,
        ),
    ]
    inventory = loaded.inventory
    assert inventory is not None
    [role] = inventory.principals
    assert [(a.via, a.policy.name if a.policy else None) for a in role.policies] == [
        ("managed", "aws_iam_policy.app.policy")  # joined through the plan's recorded references
    ]
    [bucket] = inventory.buckets
    assert (bucket.name.value, tf.where(bucket.name)) == ("acme-app-data", "plan/main.tf:31:3")
    assert bucket.policy is not None and bucket.policy.name == "aws_s3_bucket_policy.data.policy"
    assert tf.unresolved(loaded) == []


def test_plan_without_configuration_points_into_the_plan(
    fixtures: Path, tmp_path: Path, tf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(fixtures / "plan" / "plan.json", tmp_path / "plan.json")
    monkeypatch.chdir(tmp_path)
    loaded = load_json_file("plan.json", "plan.json")
    assert loaded.errors == [] and loaded.files == ["plan.json"]
    app = tf.policy(loaded, "aws_iam_policy.app.policy")
    assert {e[2] for e in tf.elements(app)} == {"plan.json:24:23"}  # the policy string in the plan
    assert [e[1] for e in tf.elements(app)] == ["Allow", "s3:PutObject", "s3:GetObject", "arn:aws:s3:::acme-app-data/*"]
    inventory = loaded.inventory
    assert inventory is not None
    [bucket] = inventory.buckets
    # The bucket policy is unknown until apply: kept as one unknown statement, and noted.
    assert bucket.policy is not None and bucket.policy.statements[0].effect is not None
    assert bucket.policy.statements[0].effect.unresolved == "aws_s3_bucket_policy.data.policy"
    assert "aws_s3_bucket_policy.data.policy" not in [p.name for p in loaded.policies]
    assert tf.unresolved(loaded) == [
        ("aws_s3_bucket_policy.data.policy", "plan.json:81:21", "aws_s3_bucket_policy.data", "known only after apply")
    ]


REAL_PLAN = Path(__file__).resolve().parents[2] / "fixtures" / "real-plan"


def _verdicts(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [
        (f["rule_id"], f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
        if f["rule_id"] in ("IPS001", "IPS002", "IPN001")
    ]


def test_a_real_plan_beside_its_configuration_gives_the_configuration_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Real plans mark unknown what only apply knows; the configuration's reading fills it in (the role a policy
    # is attached to, the bucket's key), and computed attributes nobody sets (aws_s3_bucket.policy) are not policies.
    shutil.copytree(REAL_PLAN, tmp_path / "real-plan")
    monkeypatch.chdir(tmp_path / "real-plan")
    assert main(["check", "plan.json", "--format", "json"]) == 1
    from_plan = json.loads(capsys.readouterr().out)
    assert main(["check", "main.tf", "provider.tf", "--format", "json"]) == 1
    from_configuration = json.loads(capsys.readouterr().out)
    assert _verdicts(from_plan) == _verdicts(from_configuration) == [("IPS001", "main.tf", 9)]
    [denied] = [f for f in from_plan["findings"] if f["rule_id"] == "IPS001"]
    assert "nothing in its key policy allows kms:Decrypt for the signer" in denied["message"]


def test_a_real_plan_alone_is_uncertain_where_apply_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("plan.json", ".iam-preflight.toml"):
        shutil.copy(REAL_PLAN / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "plan.json", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    # The role policy needs the bucket's ARN, known only after apply: "uncertain" for s3:GetObject and for
    # kms:Decrypt, never "fails" (the policy does reach the role: `role` references it) nor "works". The bucket
    # key, known only after apply too, is the key its nested block references.
    uncertain = [f["message"] for f in report["findings"] if f["rule_id"] == "IPS002"]
    assert len(uncertain) == 2
    assert "may s3:GetObject: " in uncertain[0] and "may kms:Decrypt: " in uncertain[1]
    notes = [f["message"].split("`")[1] for f in report["findings"] if f["rule_id"] == "IPN001"]
    assert notes == ["aws_iam_role_policy.reports_api.policy"]
