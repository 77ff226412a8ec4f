"""JUnit XML shaped like checkov's, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

One `<testsuite>` per file; each finding is a failing `<testcase>` named `[SEVERITY][RULE-ID] summary — place`,
each input error a `<testcase>` with `<error>`, and a file with neither gets one passing testcase, so a clean
run still shows which files were checked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from linter.lazy_re import lazy_compile
from linter.report.common import TOOL_NAME, ordered_errors, ordered_findings, rules_by_id

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.findings import Finding
    from linter.model import InputError
    from linter.rule import Rule

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them raw and break the file.
_NOT_XML = lazy_compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else "\ufffd", text)


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _xml_safe(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _xml_safe(text)
    return element


def _place(finding: Finding) -> str:
    place = finding.loc.short()
    return f"{place} ({finding.loc.address})" if finding.loc.address else place


def _failure_body(finding: Finding, rule: type[Rule] | None) -> str:
    lines = [f"Rule: {finding.rule_id} {finding.rule_name}", f"File: {finding.loc.short()}"]
    if finding.loc.address:
        lines.append(f"Address: {finding.loc.address}")
    if finding.loc.json_path:
        lines.append(f"JSON path: {finding.loc.json_path}")
    lines.append(f"Message: {finding.message}")
    lines.extend(f"Related: {r.loc.short()} {r.message}" for r in finding.related)
    if rule is not None:
        lines.append(f"Help: {rule.doc_url}")
    return "\n".join(lines)


def _add_finding(suite: ET.Element, finding: Finding, rule: type[Rule] | None) -> None:
    summary = rule.summary if rule is not None else finding.rule_name
    name = f"[{finding.severity.value.upper()}][{finding.rule_id}] {summary} — {_place(finding)}"
    case = _element(suite, "testcase", classname=finding.loc.file, name=name, file=finding.loc.file)
    _element(case, "failure", _failure_body(finding, rule), type=finding.severity.value, message=finding.message)


def _add_error(suite: ET.Element, error: InputError) -> None:
    name = f"input error — {error.loc.short()}"
    case = _element(suite, "testcase", classname=error.loc.file, name=name, file=error.loc.file)
    _element(case, "error", error.render(), type="input-error", message=error.message)


def render_junit(result: CheckResult) -> str:
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
        for finding in findings:
            _add_finding(suite, finding, rules.get(finding.rule_id))
        if not findings and not errors:
            _element(suite, "testcase", classname=file, name=TOOL_NAME, file=file)
        counts = {"tests": len(suite), "failures": len(findings), "errors": len(errors)}
        suite.attrib.update({key: str(value) for key, value in counts.items()})
        for key, value in counts.items():
            totals[key] += value
    root.attrib.update({"name": TOOL_NAME, **{key: str(value) for key, value in totals.items()}})
    ET.indent(root)
    # The declaration is written by hand: ElementTree's names the locale's encoding when asked for a str.
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
