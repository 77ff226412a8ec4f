"""JUnit XML: valid whatever the inputs hold, with counts that add up and checkov's testcase naming."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from linter.check import CheckResult
from linter.model import Location
from linter.report import render

Single = Callable[..., CheckResult]


def _parse(output: str) -> ET.Element:
    return ET.fromstring(output.encode("utf-8"))


def test_parses_and_counts_add_up(case: tuple[str, CheckResult]) -> None:
    root = _parse(render("junit", case[1]))
    assert root.tag == "testsuites"
    assert root.get("name") == "iam-preflight"
    suites = root.findall("testsuite")
    for key, tag in (("tests", "testcase"), ("failures", "testcase/failure"), ("errors", "testcase/error")):
        assert int(root.get(key, "-1")) == sum(len(s.findall(tag)) for s in suites)
        for suite in suites:
            assert int(suite.get(key, "-1")) == len(suite.findall(tag))


def test_one_suite_per_file_and_a_passing_case_for_a_clean_file(full: CheckResult) -> None:
    root = _parse(render("junit", full))
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "missing.json",
        "modules/iam/main.tf",
        "policies/admin.json",
        "policies/broken.json",
        "policies/clean.json",
    ]
    clean = root.findall("testsuite")[-1]
    (case,) = clean.findall("testcase")
    assert case.attrib == {"classname": "policies/clean.json", "name": "iam-preflight", "file": "policies/clean.json"}
    assert len(case) == 0


def test_failing_case_is_named_and_described(full: CheckResult) -> None:
    root = _parse(render("junit", full))
    case = root.find("testsuite[@name='modules/iam/main.tf']/testcase")
    assert case is not None
    assert case.get("classname") == "modules/iam/main.tf"
    assert (
        case.get("name")
        == '[ERROR][IPP999] Allow statement grants Action "*" — modules/iam/main.tf:12:3 (aws_iam_policy.admin)'
    )
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert failure.get("message") == 'statement 0 allows Action "*" on Resource "*"'
    assert (failure.text or "").splitlines() == [
        "Rule: IPP999 fake-wildcard-action",
        "File: modules/iam/main.tf:12:3",
        "Address: aws_iam_policy.admin",
        "JSON path: /Statement/0/Action",
        'Message: statement 0 allows Action "*" on Resource "*"',
        "Related: modules/s3/bucket.tf:40:5 the bucket policy statement that denies",
        "Help: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html",
    ]


def test_input_error_is_an_error_case(full: CheckResult) -> None:
    root = _parse(render("junit", full))
    error = root.find("testsuite[@name='policies/broken.json']/testcase/error")
    assert error is not None
    assert error.get("message") == "expected ',' or '}' after an object member"
    assert error.text == "policies/broken.json:4:1: expected ',' or '}' after an object member"


def test_markup_and_characters_xml_cannot_hold_survive(single: Single) -> None:
    message = "a <b> & \"c\" 'd' ]]> \x00\x1b\x7f tab\tnew\nline \ud800 \ufffe é"
    result = single(message, Location(file="x&<y>.json"))
    root = _parse(render("junit", result))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    # Shown escaped as in the text format: a CI log prints the report, and XML 1.0 cannot carry some of them.
    expected = "a <b> & \"c\" 'd' ]]> \\x00\\x1b\\x7f tab\\tnew\\nline \\ud800 \\ufffe é"
    assert failure.get("message") == expected
    assert f"Message: {expected}" in (failure.text or "")
    assert root.find("testsuite[@name='x&<y>.json']") is not None


def test_only_findings_at_or_above_fail_on_are_failures(full: CheckResult) -> None:
    from linter.findings import Severity

    def failing(fail_on: Severity | None) -> list[str]:
        root = _parse(render("junit", full, fail_on=fail_on))
        return [f.get("type", "") for f in root.iter("failure")]

    assert failing(Severity.INFO) == ["error", "warning", "info"]
    assert failing(None) == failing(Severity.WARNING) == ["error", "warning"]
    assert failing(Severity.ERROR) == ["error"]


def test_finding_below_fail_on_is_a_passing_case_that_describes_it(full: CheckResult) -> None:
    from linter.findings import Severity

    root = _parse(render("junit", full, fail_on=Severity.ERROR))
    suite = root.find("testsuite[@name='policies/admin.json']")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")
    for case in suite.findall("testcase"):
        assert [child.tag for child in case] == ["system-out"]
    warning = suite.findall("testcase/system-out")[0]
    assert (warning.text or "").splitlines()[0] == "Rule: IPG999 fake-duplicate-key"
    assert root.get("failures") == "1"
