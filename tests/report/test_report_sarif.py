"""SARIF 2.1.0 as GitHub code scanning ingests it.

The official schema is not installed in any package here and tests run offline, so instead of validating
against it these tests assert every field that GitHub ingestion needs (terraform-and-ecosystem §5: removing
shortDescription, fullDescription, help, rules or $schema, or writing an absolute uri, fails SARIF Multitool's
`Sarif;Gh` rules), and check every object we write against the property names the 2.1.0 schema allows
(its objects have `additionalProperties: false`, so a misspelt or misplaced key is a schema error).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from linter.check import CheckResult
from linter.findings import RelatedLocation, Severity
from linter.model import Location
from linter.report import render
from linter.report.sarif import artifact_location
from linter.rule import Rule

Single = Callable[..., CheckResult]


def _names(text: str) -> set[str]:
    return set(text.split())


# Property names the SARIF 2.1.0 schema defines for the objects this writer emits.
ALLOWED = {
    "log": _names("$schema version runs inlineExternalProperties properties"),
    "run": _names(
        "tool invocations conversion language versionControlProvenance originalUriBaseIds artifacts "
        "logicalLocations graphs results automationDetails runAggregates baselineGuid redactionTokens "
        "defaultEncoding defaultSourceLanguage newlineSequences columnKind externalPropertyFileReferences "
        "threadFlowLocations taxonomies addresses translations policies webRequests webResponses "
        "specialLocations properties"
    ),
    "driver": _names(
        "guid name organization product productSuite shortDescription fullDescription fullName version "
        "semanticVersion dottedQuadFileVersion releaseDateUtc downloadUri informationUri globalMessageStrings "
        "notifications rules taxa locations language contents isComprehensive localizedDataSemanticVersion "
        "minimumRequiredLocalizedDataSemanticVersion associatedComponent translationMetadata "
        "supportedTaxonomies properties"
    ),
    "rule": _names(
        "id deprecatedIds guid deprecatedGuids name deprecatedNames shortDescription fullDescription "
        "messageStrings defaultConfiguration helpUri help relationships properties"
    ),
    "result": _names(
        "ruleId ruleIndex rule kind level message analysisTarget locations guid correlationGuid "
        "occurrenceCount partialFingerprints fingerprints stacks codeFlows graphs graphTraversals "
        "relatedLocations suppressions baselineState rank attachments hostedViewerUri workItemUris provenance "
        "fixes taxa webRequest webResponse properties"
    ),
    "location": _names("id physicalLocation logicalLocations message annotations relationships properties"),
    "physicalLocation": _names("address artifactLocation region contextRegion properties"),
    "artifactLocation": _names("uri uriBaseId index description properties"),
    "region": _names(
        "startLine startColumn endLine endColumn charOffset charLength byteOffset byteLength snippet message "
        "sourceLanguage properties"
    ),
    "logicalLocation": _names("name index fullyQualifiedName decoratedName parentIndex kind properties"),
    "invocation": _names(
        "commandLine arguments responseFiles startTimeUtc endTimeUtc exitCode ruleConfigurationOverrides "
        "notificationConfigurationOverrides toolExecutionNotifications toolConfigurationNotifications "
        "exitCodeDescription exitSignalName exitSignalNumber processStartFailureMessage executionSuccessful "
        "machine account processId executableLocation workingDirectory environmentVariables stdin stdout "
        "stderr stdoutStderr properties"
    ),
    "notification": _names("locations message level threadId timeUtc exception descriptor associatedRule properties"),
    "message": _names("text markdown id arguments properties"),
}
LEVELS = {"none", "note", "warning", "error"}


def _sarif(result: CheckResult) -> dict[str, Any]:
    return json.loads(render("sarif", result, tool_version="1.2.3"))


def _check_keys(kind: str, obj: dict[str, Any]) -> None:
    assert set(obj) <= ALLOWED[kind], f"{kind}: {sorted(set(obj) - ALLOWED[kind])}"


def _check_location(location: dict[str, Any]) -> None:
    _check_keys("location", location)
    physical = location["physicalLocation"]
    _check_keys("physicalLocation", physical)
    _check_keys("artifactLocation", physical["artifactLocation"])
    _check_keys("region", physical["region"])
    assert isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1
    for logical in location.get("logicalLocations", []):
        _check_keys("logicalLocation", logical)
    if "message" in location:
        _check_keys("message", location["message"])


@pytest.fixture
def log(full: CheckResult) -> dict[str, Any]:
    return _sarif(full)


def test_every_object_uses_only_schema_properties(log: dict[str, Any]) -> None:
    _check_keys("log", log)
    (run,) = log["runs"]
    _check_keys("run", run)
    _check_keys("driver", run["tool"]["driver"])
    assert set(run["tool"]) == {"driver"}
    for rule in run["tool"]["driver"]["rules"]:
        _check_keys("rule", rule)
        for key in ("shortDescription", "fullDescription", "help"):
            _check_keys("message", rule[key])
        assert set(rule["defaultConfiguration"]) == {"level"}
    for invocation in run["invocations"]:
        _check_keys("invocation", invocation)
        for notification in invocation.get("toolExecutionNotifications", []):
            _check_keys("notification", notification)
            assert notification["level"] in LEVELS
            for location in notification["locations"]:
                _check_location(location)
    for result in run["results"]:
        _check_keys("result", result)
        assert result["level"] in LEVELS
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            _check_location(location)
        assert all(isinstance(v, str) for v in result["partialFingerprints"].values())


def test_log_header_github_requires(log: dict[str, Any]) -> None:
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "iam-preflight"
    assert driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")


def test_rules_carry_every_field_github_requires(log: dict[str, Any], wildcard_rule: type[Rule]) -> None:
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["IPG999", "IPP999"]
    wildcard = rules[1]
    assert wildcard["name"] == "fake-wildcard-action"
    assert wildcard["shortDescription"] == {"text": wildcard_rule.summary}
    assert wildcard["fullDescription"] == {"text": wildcard_rule.doc_sections()["What it does"]}
    assert wildcard["helpUri"] == wildcard_rule.doc_url
    assert wildcard["defaultConfiguration"] == {"level": "error"}
    assert wildcard["properties"] == {
        "tags": ["security", "least-privilege"],
        "precision": "high",
        "security-severity": "7.5",
    }
    for title, body in wildcard_rule.doc_sections().items():
        assert f"## {title}\n\n{body}" in wildcard["help"]["markdown"]
        assert body in wildcard["help"]["text"]
    assert rules[0]["properties"]["security-severity"] == "5.0"


def test_results_point_at_their_rule_and_place(log: dict[str, Any], full: CheckResult) -> None:
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first = run["results"][0]
    assert first["level"] == "error"
    wildcard = next(f for f in full.findings if f.rule_id == "IPP999")
    assert first["partialFingerprints"] == {"iam-preflight/v1": wildcard.fingerprint}
    (location,) = first["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "modules/iam/main.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 3, "endLine": 18, "endColumn": 4},
    }
    assert location["logicalLocations"] == [{"fullyQualifiedName": "aws_iam_policy.admin", "kind": "resource"}]
    (related,) = first["relatedLocations"]
    assert related["id"] == 1
    assert related["message"] == {"text": "the bucket policy statement that denies"}
    assert f"[the bucket policy statement that denies]({related['id']})" in first["message"]["text"]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]


def test_input_errors_are_failed_execution_notifications(log: dict[str, Any]) -> None:
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["message"]["text"]) for n in notes] == [
        ("error", "no such file or directory"),
        ("error", "expected ',' or '}' after an object member"),
    ]
    assert notes[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 1}


def test_clean_run_is_successful_and_lists_its_rules(duplicate_rule: type[Rule]) -> None:
    log = _sarif(CheckResult(files_checked=["a.json"], rules=[duplicate_rule]))
    run = log["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["IPG999"]


def test_finding_of_a_rule_that_did_not_run_still_gets_a_descriptor(single: Single) -> None:
    result = single("m", Location(file="a.json"))
    result.findings[0] = result.findings[0].model_copy(
        update={"rule_id": "IPA404", "rule_name": "retired-rule", "severity": Severity.ERROR}
    )
    run = _sarif(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    (finding,) = run["results"]
    descriptor = rules[finding["ruleIndex"]]
    assert descriptor["id"] == "IPA404"
    for key in ("shortDescription", "fullDescription", "help"):
        assert descriptor[key]["text"]
    assert descriptor["defaultConfiguration"] == {"level": "error"}


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("policies/admin.json", {"uri": "policies/admin.json", "uriBaseId": "%SRCROOT%"}),
        ("./policies/admin.json", {"uri": "policies/admin.json", "uriBaseId": "%SRCROOT%"}),
        ("policies\\admin.json", {"uri": "policies/admin.json", "uriBaseId": "%SRCROOT%"}),
        ("my policies/a#1%.json", {"uri": "my%20policies/a%231%25.json", "uriBaseId": "%SRCROOT%"}),
        ("c:policy.json", {"uri": "c%3Apolicy.json", "uriBaseId": "%SRCROOT%"}),
        ("politique/clé.json", {"uri": "politique/cl%C3%A9.json", "uriBaseId": "%SRCROOT%"}),
        ("../shared/a.json", {"uri": "../shared/a.json", "uriBaseId": "%SRCROOT%"}),
        ("/etc/iam/a b.json", {"uri": "file:///etc/iam/a%20b.json"}),
        ("C:\\Users\\me\\a.json", {"uri": "file:///C:/Users/me/a.json"}),
    ],
)
def test_artifact_location(file: str, expected: dict[str, str]) -> None:
    assert artifact_location(file) == expected


def test_no_absolute_uri_without_a_scheme(single: Single) -> None:
    result = single("m", Location(file="/abs/a.json"))
    location = _sarif(result)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///abs/a.json"}


def test_link_syntax_in_a_message_is_escaped_and_nothing_else(single: Single) -> None:
    result = single('Action ["s3:*"] (all) and [x](1) at 100% ":" <a> \\ done', Location(file="a.json"))
    text = _sarif(result)["runs"][0]["results"][0]["message"]["text"]
    assert text == 'Action ["s3:*"] (all) and \\[x\\](1) at 100% ":" <a> \\ done'


def test_related_location_text_is_escaped_inside_its_link(single: Single) -> None:
    related = RelatedLocation(message="statement [1] of a\\b", loc=Location(file="b.json", line=2))
    result = single("denied", Location(file="a.json"), related=(related,))
    text = _sarif(result)["runs"][0]["results"][0]["message"]["text"]
    assert text == "denied (see [statement \\[1\\] of a\\\\b](1))"


def test_every_registered_rule_makes_a_complete_descriptor() -> None:
    from linter.registry import all_rules

    rules = _sarif(CheckResult(rules=all_rules()))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(rule.id for rule in all_rules())
    for descriptor in rules:
        _check_keys("rule", descriptor)
        for key in ("shortDescription", "fullDescription", "help"):
            assert descriptor[key]["text"].strip(), (descriptor["id"], key)
        assert "## Example" in descriptor["help"]["markdown"] and "## Instead" in descriptor["help"]["markdown"]
        assert descriptor["helpUri"].startswith("https://")
        assert descriptor["properties"]["security-severity"] in {"7.5", "5.0", "2.0"}
