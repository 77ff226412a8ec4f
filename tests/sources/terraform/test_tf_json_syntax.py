"""`*.tf.json`: Terraform's JSON syntax read into the same model as `.tf`, with element locations in the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from linter.cli import main
from linter.sources.terraform import load_module
from linter.sources.terraform.hcl import HclSyntaxError
from linter.sources.terraform.tfjson import parse_config


def test_a_json_module_reads_like_hcl(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("json-syntax"))
    assert loaded.errors == []
    assert loaded.files == ["json-syntax/main.tf.json"]
    inventory = loaded.inventory
    assert inventory is not None
    assert sorted(p.address for p in inventory.principals) == ["aws_iam_user.reader", "aws_iam_user.user_two"]
    [bucket] = inventory.buckets
    assert bucket.name.value == "presign-demo"  # var.bucket_name's literal default
    reader = tf.policy(loaded, "aws_iam_user_policy.reader.policy")
    # Statement elements point into the JSON file, where the policy document's values are written.
    assert tf.elements(reader) == [
        ("/Statement/0/Sid", "Read", "json-syntax/main.tf.json:46:20", None),
        ("/Statement/0/Effect", "Allow", "json-syntax/main.tf.json:45:11", None),  # the statement block
        ("/Statement/0/Action", "s3:GetObject", "json-syntax/main.tf.json:47:25", None),
        (
            "/Statement/0/Resource",
            "arn:aws:s3:::presign-demo/*",
            "json-syntax/main.tf.json:48:30",
            None,
        ),  # local.objects
        ("/Statement/1/Sid", "List", "json-syntax/main.tf.json:51:20", None),
        ("/Statement/1/Effect", "Allow", "json-syntax/main.tf.json:50:11", None),
        ("/Statement/1/Action", "s3:ListBucket", "json-syntax/main.tf.json:52:25", None),
        ("/Statement/1/Resource", "arn:aws:s3:::presign-demo", "json-syntax/main.tf.json:53:30", None),
        ("/Statement/1/Condition/StringLike/s3:prefix", "public/*", "json-syntax/main.tf.json:57:26", None),
    ]
    assert tf.unresolved(loaded) == []


def test_presign_on_a_json_module(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--bucket", "presign-demo", "--key", "cat.jpg", "--expires", "30m", "--format", "json"]
    assert main(["presign", "json-syntax", "--signer", "user_two", *url]) == 1
    verdict = json.loads(capsys.readouterr().out)["presign"]
    assert [p["location"] for p in verdict["problems"]] == [
        "tests/fixtures/terraform/json-syntax/main.tf.json:33:33"
    ]  # repository-relative
    assert main(["presign", "json-syntax", "--signer", "reader", *url]) == 0


def test_a_comment_key_suppresses_findings_in_its_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "m"
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "terraform" / "json-syntax", module)
    document = json.loads((module / "main.tf.json").read_text())
    document["resource"]["aws_iam_user_policy"]["user_two"]["//"] = "iam-preflight:ignore IPS004 listing only"
    (module / "main.tf.json").write_text(json.dumps(document, indent=2))
    assert main(["check", str(module), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["suppressed"] == 1


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"resource": {', "not valid JSON", 1, 15),
        ("[]", "a .tf.json file holds one JSON object", 1, 1),
        ('{\n  "resources": {}\n}', 'unknown top-level key "resources"', 2, 3),
        ('{"resource": {"aws_iam_user": []}}', "resource aws_iam_user: expected an object of labels", 1, 31),
    ],
)
def test_bad_json_configuration(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(HclSyntaxError) as error:
        parse_config(text)
    assert (error.value.line, error.value.column) == (line, column)
    assert error.value.message.startswith(message)


def test_a_broken_json_file_is_one_error_and_the_rest_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tf.json").write_text('{"resource": {\n  "aws_iam_user": \n}')
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "terraform" / "json-syntax", tmp_path / "ok")
    assert main(["check", str(tmp_path), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [e["location"]["file"] for e in report["errors"]] == [f"{tmp_path}/broken/main.tf.json"]
    assert report["summary"]["findings"] == 1  # the other module's IPS004


def test_dynamic_blocks_and_provider_references() -> None:
    ir = parse_config(
        json.dumps(
            {
                "data": {
                    "aws_iam_policy_document": {
                        "d": {
                            "dynamic": {
                                "statement": {"for_each": "${var.buckets}", "content": {"actions": ["s3:GetObject"]}}
                            }
                        }
                    }
                },
                "resource": {"aws_kms_key": {"k": {"provider": "aws.west"}}},
            }
        )
    )
    document, key = ir["blocks"]
    [dynamic] = document["blocks"]
    assert (dynamic["type"], dynamic["labels"], [b["type"] for b in dynamic["blocks"]]) == (
        "dynamic",
        ["statement"],
        ["content"],
    )
    [provider] = key["attrs"]
    assert (provider["name"], provider["expr"]["kind"], provider["expr"]["text"]) == ("provider", "trav", "aws.west")
