"""JUnit XML shaped like checkov's, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

One `<testsuite>` per file; each finding is a `<testcase>` named `[SEVERITY][RULE-ID] summary — place`, each input
error a `<testcase>` with `<error>`, and a file with neither gets one passing testcase, so a clean run still shows
which files were checked. A finding at or above `--fail-on` is a `<failure>`; one below it (which does not fail the
run) is a passing testcase with its description as `<system-out>`, so the test report agrees with the exit code.

CI systems print these reports into their logs, so text from the inputs is made safe as for a terminal
(`linter.safe_text`) before ElementTree escapes it for XML: every value is one line with its controls shown
escaped (which also covers the characters XML 1.0 cannot carry), and each line of a failure's text starts with a
label of ours, or with a file name that cannot start a CI command.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from linter.findings import Severity
from linter.report.common import TOOL_NAME, ordered_errors, ordered_findings, rules_by_id
from linter.safe_text import bounded, escape_controls, for_terminal

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.findings import Finding
    from linter.model import InputError
    from linter.rule import Rule

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """`text` is written as given: the callers build it, line by line, from values already made safe."""
    element = ET.SubElement(parent, tag, {key: escape_controls(value) for key, value in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _place(finding: Finding) -> str:
    place = finding.loc.short()
    return f"{place} ({bounded(finding.loc.address)})" if finding.loc.address else place


def _failure_body(finding: Finding, rule: type[Rule] | None) -> str:
    lines = [f"Rule: {finding.rule_id} {finding.rule_name}", f"File: {escape_controls(finding.loc.short())}"]
    if finding.loc.address:
        lines.append(f"Address: {escape_controls(bounded(finding.loc.address))}")
    if finding.loc.json_path:
        lines.append(f"JSON path: {escape_controls(bounded(finding.loc.json_path))}")
    lines.append(f"Message: {escape_controls(finding.message)}")
    lines.extend(f"Related: {escape_controls(r.loc.short())} {escape_controls(r.message)}" for r in finding.related)
    if rule is not None:
        lines.append(f"Help: {rule.doc_url}")
    return "\n".join(lines)


def _add_finding(suite: ET.Element, finding: Finding, rule: type[Rule] | None, fails: bool) -> None:
    """A failing testcase when the finding `fails` the run; otherwise a passing one that still describes it."""
    summary = rule.summary if rule is not None else finding.rule_name
    name = f"[{finding.severity.value.upper()}][{finding.rule_id}] {summary} — {_place(finding)}"
    case = _element(suite, "testcase", classname=finding.loc.file, name=name, file=finding.loc.file)
    if fails:
        _element(case, "failure", _failure_body(finding, rule), type=finding.severity.value, message=finding.message)
    else:
        _element(case, "system-out", _failure_body(finding, rule))


def _add_error(suite: ET.Element, error: InputError) -> None:
    name = f"input error — {error.loc.short()}"
    case = _element(suite, "testcase", classname=error.loc.file, name=name, file=error.loc.file)
    _element(case, "error", for_terminal(error.render()), type="input-error", message=error.message)


def render_junit(result: CheckResult, fail_on: Severity | None = None, findings_fail: bool = True) -> str:
    """`fail_on`: the lowest severity that fails the run (None: warning, the default of `--fail-on`); with
    `findings_fail` False (`--exit-zero`), no finding fails it, and none is a failure."""
    threshold = (fail_on or Severity.WARNING).rank
    rules = rules_by_id(result.rules)
    findings_by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in ordered_findings(result):
        findings_by_file[finding.loc.file].append(finding)
    errors_by_file: dict[str, list[InputError]] = defaultdict(list)
    for error in ordered_errors(result):
        errors_by_file[error.loc.file].append(error)
    files = sorted({*result.files_checked, *findings_by_file, *errors_by_file})

    root = ET.Element("testsuites")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file in files:
        findings, errors = findings_by_file[file], errors_by_file[file]
        suite = _element(root, "testsuite", name=file)
        for error in errors:
            _add_error(suite, error)
        failures = 0
        for finding in findings:
            fails = findings_fail and finding.severity.rank >= threshold
            failures += fails
            _add_finding(suite, finding, rules.get(finding.rule_id), fails)
        if not findings and not errors:
            _element(suite, "testcase", classname=file, name=TOOL_NAME, file=file)
        counts = {"tests": len(suite), "failures": failures, "errors": len(errors)}
        suite.attrib.update({key: str(value) for key, value in counts.items()})
        for key, value in counts.items():
            totals[key] += value
    root.attrib.update({"name": TOOL_NAME, **{key: str(value) for key, value in totals.items()}})
    ET.indent(root)
    # The declaration is written by hand: ElementTree's names the locale's encoding when asked for a str.
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
