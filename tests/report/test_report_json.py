"""The JSON format follows its published schema, and holds exactly what the result holds."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from report_cases import CASES, TOOL_VERSION, WILDCARD, full_result

from linter.report import render

SCHEMA = json.loads(resources.files("linter.report").joinpath("json-report.schema.json").read_text(encoding="utf-8"))


def test_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("case", CASES)
def test_output_follows_the_schema(case: str) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(render("json", CASES[case]())))


def test_finding_carries_every_location_field_and_the_fingerprint() -> None:
    report = json.loads(render("json", full_result(), tool_version=TOOL_VERSION))
    first = report["findings"][0]
    assert first["location"] == {
        "file": "modules/iam/main.tf",
        "line": 12,
        "column": 3,
        "end_line": 18,
        "end_column": 4,
        "json_path": "/Statement/0/Action",
        "address": "aws_iam_policy.admin",
    }
    assert first["fingerprint"] == WILDCARD.fingerprint
    assert first["related"][0]["location"]["address"] == "aws_s3_bucket_policy.logs"


def test_summary_counts() -> None:
    report = json.loads(render("json", full_result()))
    assert report["summary"] == {
        "files_checked": 3,
        "files_skipped": 1,
        "findings": 3,
        "by_severity": {"error": 1, "warning": 1, "info": 1},
        "errors": 2,
        "suppressed": 2,
        "baselined": 1,
    }


def test_output_is_ascii_and_round_trips_non_ascii_text() -> None:
    result = full_result()
    result.findings[0] = result.findings[0].model_copy(update={"message": "clé → \u2028 done"})
    output = render("json", result)
    assert output.isascii()
    assert "clé → \u2028 done" in {f["message"] for f in json.loads(output)["findings"]}
