"""One bad file never costs the others: whatever fails on one input is reported there, and the rest is checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from linter.cli import main
from linter.model import Policy
from linter.rule import RuleContext
from rules.privilege.full_admin import FullAdmin

WIDE_OPEN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
MISSPELT = {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}


def test_a_rule_failing_on_one_policy_is_an_input_error_there_and_the_rest_is_reported(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = FullAdmin.check_policy

    def fails_on_one(self: FullAdmin, policy: Policy, context: RuleContext) -> Iterator[object]:
        if policy.loc.file == "boom.json":
            raise ValueError("a bug of ours")
        return real(self, policy, context)

    monkeypatch.setattr(FullAdmin, "check_policy", fails_on_one)
    (in_tmp / "boom.json").write_text(json.dumps({**WIDE_OPEN, "Statement": [*WIDE_OPEN["Statement"], MISSPELT]}))
    (in_tmp / "fine.json").write_text(json.dumps(WIDE_OPEN))
    assert main(["check", ".", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["location"]["file"], e["message"]) for e in report["errors"]] == [
        ("boom.json", "internal error in rule IPP001 (ValueError: a bug of ours); please report it")
    ]
    assert ("IPP001", "fine.json") in {(f["rule_id"], f["location"]["file"]) for f in report["findings"]}
    assert ("IPA001", "boom.json") in {(f["rule_id"], f["location"]["file"]) for f in report["findings"]}


def test_malformed_json_and_hcl_beside_good_files(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "policies").mkdir()
    (in_tmp / "policies" / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [')
    (in_tmp / "policies" / "admin.json").write_text(json.dumps(WIDE_OPEN))
    (in_tmp / "infra").mkdir()
    (in_tmp / "infra" / "broken.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = \n')
    (in_tmp / "live").mkdir()
    (in_tmp / "live" / "main.tf").write_text(
        f'resource "aws_iam_policy" "p" {{\n  policy = <<EOF\n{json.dumps(WIDE_OPEN)}\nEOF\n}}\n'
    )
    assert main(["check", "policies", "infra", "live", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert sorted(e["location"]["file"] for e in report["errors"]) == ["infra/broken.tf", "policies/broken.json"]
    files = {f["location"]["file"] for f in report["findings"] if f["rule_id"] == "IPP001"}
    assert files == {"policies/admin.json", "live/main.tf"}


def test_a_loader_failing_on_one_input_is_an_input_error_there(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import linter.check
    from linter.sources import terraform

    real_json, real_module = linter.check.load_json_file, terraform.load_module

    def json_fails_on_one(path: str, display: str, kind: object = None) -> object:
        if display == "boom.json":
            raise KeyError("a bug of ours")
        return real_json(path, display, kind)  # type: ignore[arg-type]

    def module_fails_on_one(folder: Path, var_files: object = None) -> object:
        if folder.name == "boom":
            raise RecursionError("a bug of ours")
        return real_module(folder, var_files)  # type: ignore[arg-type]

    monkeypatch.setattr(linter.check, "load_json_file", json_fails_on_one)
    monkeypatch.setattr(terraform, "load_module", module_fails_on_one)
    (in_tmp / "boom.json").write_text(json.dumps(WIDE_OPEN))
    (in_tmp / "fine.json").write_text(json.dumps(WIDE_OPEN))
    heredoc = f"<<EOF\n{json.dumps(WIDE_OPEN)}\nEOF"
    for folder in ("boom", "live"):
        (in_tmp / folder).mkdir()
        (in_tmp / folder / "main.tf").write_text(f'resource "aws_iam_policy" "p" {{\n  policy = {heredoc}\n}}\n')
    assert main(["check", ".", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert sorted((e["location"]["file"], e["message"]) for e in report["errors"]) == [
        ("boom", "internal error while reading it (RecursionError: a bug of ours); please report it"),
        ("boom.json", "internal error while reading it (KeyError: 'a bug of ours'); please report it"),
    ]
    files = {f["location"]["file"] for f in report["findings"] if f["rule_id"] == "IPP001"}
    assert files == {"fine.json", "live/main.tf"}


def test_explain_error_takes_an_error_body_longer_than_a_file_name(capsys: pytest.CaptureFixture[str]) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>" + "x" * 5000 + "</Message></Error>"
    assert main(["explain-error", body]) == 0
    assert capsys.readouterr().out.startswith("AccessDenied: xxxxx")
    assert main(["explain-error", "<Error>\x00</Error>"]) == 2
    assert "internal error" not in capsys.readouterr().err


def test_simulate_takes_a_5000_digit_number_and_refuses_deep_nesting_in_one_line(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "huge.json").write_text('{"ActionNames": ["s3:GetObject"], "MaxItems": 1' + "0" * 5000 + "}")
    (in_tmp / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert main(["simulate", "huge.json"]) in (0, 2)
    assert "internal error" not in capsys.readouterr().err
    assert main(["simulate", "deep.json"]) == 2
    assert capsys.readouterr().err == "iam-preflight: error: deep.json: invalid JSON: nested too deeply\n"


def test_a_plan_whose_resource_type_is_an_object_is_skipped(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    resource = {"address": "aws_iam_policy.p", "mode": "managed", "type": {}, "name": "p", "values": {}}
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [resource]}}}
    (in_tmp / "plan.json").write_text(json.dumps(plan))
    assert main(["check", "plan.json"]) == 0
    assert "internal error" not in capsys.readouterr().out


def test_presign_reads_a_policy_holding_a_lone_surrogate(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A written account id makes the pre-flight re-read the inputs through JSON, which pydantic cannot encode with a
    lone surrogate in a string (found by the fuzzer)."""
    policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        '"arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/\\ud800"}]}'
    )
    (in_tmp / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.b.id\n'
        f"  policy = <<EOF\n{policy}\nEOF\n}}\n"
    )
    assert main(["presign", ".", "--signer", "aws_iam_user.u", "--bucket", "aws_s3_bucket.b"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("✗ URL fails: aws_iam_user.u → b/* (GET, 1h)")
    assert "internal error" not in captured.err


def test_a_tf_file_too_dense_to_parse_within_memory_is_refused_before_parsing(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The parse tree takes up to ~1.4 KB per bracket, comma or line break: 600 KB of `{\\n\\n},` peaked at 690 MB."""
    statements = ", ".join(["{}"] * 90_000)  # 270,000 structural characters in 360 KB
    (in_tmp / "dense").mkdir()
    (in_tmp / "dense" / "main.tf").write_text(
        f'resource "aws_iam_policy" "p" {{\n  policy = jsonencode({{ Statement = [{statements}] }})\n}}\n'
    )
    (in_tmp / "admin.json").write_text(json.dumps(WIDE_OPEN))
    assert main(["check", ".", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["location"]["file"], e["message"]) for e in report["errors"]] == [
        ("dense/main.tf", "more than 250,000 brackets, commas, equals signs and line breaks; not parsed")
    ]
    assert ("IPP001", "admin.json") in {(f["rule_id"], f["location"]["file"]) for f in report["findings"]}
