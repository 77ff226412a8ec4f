"""The JSON format follows its published schema and holds exactly what the result holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import jsonschema

from linter.check import CheckResult

SCHEMA = json.loads(resources.files("linter.report").joinpath("json-report.schema.json").read_text(encoding="utf-8"))
Report = Callable[..., str]


def test_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_output_follows_the_schema(case: tuple[str, CheckResult], report: Report) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(report("json", case[1])))


def test_finding_carries_every_location_field_and_the_fingerprint(full: CheckResult, report: Report) -> None:
    first = json.loads(report("json", full))["findings"][0]
    assert first["location"] == {
        "file": "modules/iam/main.tf",
        "line": 12,
        "column": 3,
        "end_line": 18,
        "end_column": 4,
        "json_path": "/Statement/0/Action",
        "address": "aws_iam_policy.admin",
    }
    assert first["fingerprint"] == next(f for f in full.findings if f.rule_id == "IPP999").fingerprint
    assert first["related"][0]["location"]["address"] == "aws_s3_bucket_policy.logs"


def test_summary_counts(full: CheckResult, report: Report) -> None:
    assert json.loads(report("json", full))["summary"] == {
        "files_checked": 3,
        "files_skipped": 1,
        "findings": 3,
        "by_severity": {"error": 1, "warning": 1, "info": 1},
        "errors": 2,
        "suppressed": 2,
        "baselined": 1,
    }


def test_output_is_ascii_and_round_trips_any_text(full: CheckResult, report: Report) -> None:
    message = "clé → \u2028 \x00 done"
    full.findings[0] = full.findings[0].model_copy(update={"message": message})
    output = report("json", full)
    assert output.isascii()
    assert message in {f["message"] for f in json.loads(output)["findings"]}
