"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Shaped after the minimal log that passed SARIF Multitool's schema, SARIF and GitHub-ingestion rules (see
docs: terraform-and-ecosystem §5): `$schema`, and every rule with shortDescription, fullDescription, help and
helpUri. Choices beyond that minimum:
- File URIs are relative to `%SRCROOT%` (the project root: the git work tree holding the inputs, named in
  `originalUriBaseIds`) with forward slashes and percent-encoding, the same from whatever folder the check ran;
  a file outside it becomes an absolute `file://` URI, never a bare absolute path (SARIF1004).
- Columns are Unicode code points (`columnKind`), as the sources count them, and `endColumn` is exclusive.
- GitHub shows related locations only when the message links to them, so a finding's related locations are
  appended to its message as SARIF embedded links (`[text](id)`); link syntax already in a message is escaped.
- Input errors are `toolExecutionNotifications` of the one invocation, which is then not successful.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from linter import __homepage__
from linter.findings import Finding, Severity
from linter.lazy_re import lazy_compile
from linter.report.common import (
    TOOL_NAME,
    EachAsEncoded,
    joined,
    json_chunks,
    ordered_errors,
    ordered_findings,
    rules_by_id,
)
from linter.safe_text import bounded

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.model import Location
    from linter.rule import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = __homepage__
FINGERPRINT_KEY = "iam-preflight/v1"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub buckets security-severity as >=9 critical, >=7 high, >=4 medium, else low. An error-level finding is
# a policy that is broken or over-permissive as written; none of our rules sees enough context to call anything
# critical (whether the resource holds sensitive data or is reachable), so the top bucket stays unused.
SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
# Rules are static and deterministic over the model: the same input always yields the same finding.
PRECISION = "high"

_WINDOWS_DRIVE = lazy_compile(r"^[A-Za-z]:/")
# `[text](target)` in a message is an embedded link to SARIF consumers; a message quoting such text literally
# must escape its brackets (SARIF 2.1.0 §3.11.6).
_LINK_LIKE = lazy_compile(r"\[([^\[\]]*)\](?=\([^()]*\))")


def artifact_location(file: str) -> dict[str, str]:
    # Backslashes are taken as Windows separators: raw command-line paths keep them on Windows.
    path = file.replace("\\", "/")
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/")}
    if _WINDOWS_DRIVE.match(path):
        return {"uri": "file:///" + path[:2] + quote(path[2:], safe="/")}
    while path.startswith("./"):
        path = path[2:]
    # quote() also encodes ':' so that a relative path is never read as a URI with a scheme.
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _region(loc: Location) -> dict[str, int]:
    region = {"startLine": loc.line, "startColumn": loc.column}
    if loc.end_line is not None:
        region["endLine"] = loc.end_line
    if loc.end_column is not None:
        region["endColumn"] = loc.end_column
    return region


def _location(loc: Location) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact_location(loc.file), "region": _region(loc)}
    }
    if loc.address:
        location["logicalLocations"] = [{"fullyQualifiedName": bounded(loc.address), "kind": "resource"}]
    return location


def _escape_links(text: str) -> str:
    return _LINK_LIKE.sub(r"\\[\1\\]", text)


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _message(finding: Finding) -> str:
    text = _escape_links(finding.message)
    if finding.related:
        links = "; ".join(f"[{_link_text(r.message)}]({i})" for i, r in enumerate(finding.related, start=1))
        text += f" (see {links})"
    return text


def _help(sections: dict[str, str], summary: str) -> dict[str, str]:
    if not sections:
        return {"text": summary, "markdown": summary}
    return {
        "text": "\n\n".join(f"{title}\n{body}" for title, body in sections.items()),
        "markdown": "\n\n".join(f"## {title}\n\n{body}" for title, body in sections.items()),
    }


def _descriptor(rule_id: str, name: str, severity: Severity, summary: str, sections: dict[str, str]) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": sections.get("What it does", summary)},
        "help": _help(sections, summary),
        "defaultConfiguration": {"level": LEVELS[severity]},
    }


def _rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    descriptor = _descriptor(rule.id, rule.name, rule.severity, rule.summary, rule.doc_sections())
    descriptor["helpUri"] = rule.doc_url
    tags = ["security", *(tag for tag in rule.tags if tag != "security")]
    descriptor["properties"] = {
        "tags": tags,
        "precision": PRECISION,
        "security-severity": SECURITY_SEVERITY[rule.severity],
    }
    return descriptor


def _unknown_rule_descriptor(finding: Finding) -> dict[str, Any]:
    """A finding whose rule is not among the rules that ran still needs a descriptor for its ruleIndex."""
    descriptor = _descriptor(finding.rule_id, finding.rule_name, finding.severity, finding.rule_name, {})
    descriptor["properties"] = {"security-severity": SECURITY_SEVERITY[finding.severity]}
    return descriptor


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_location(finding.loc)],
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, "message": {"text": r.message}, **_location(r.loc)}
            for i, r in enumerate(finding.related, start=1)
        ]
    result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.loc.json_path:
        result["properties"] = {"jsonPath": bounded(finding.loc.json_path)}
    return result


def _uri_base(project_root: str) -> dict[str, Any]:
    """`originalUriBaseIds`: where %SRCROOT% is (the project root every relative `uri` is from), so a viewer that
    is not GitHub can open the files; GitHub maps the relative `uri`s to the repository itself."""
    if not project_root.startswith("/"):
        return {}
    return {"originalUriBaseIds": {SRCROOT: {"uri": "file://" + quote(project_root.rstrip("/") + "/", safe="/")}}}


def sarif_log(result: CheckResult, tool_version: str) -> dict[str, Any]:
    return _log(result, tool_version, streamed=False)


def _log(result: CheckResult, tool_version: str, *, streamed: bool) -> dict[str, Any]:
    """The SARIF log; `streamed`: its results built one by one as they are encoded (`EachAsEncoded`)."""
    findings = ordered_findings(result)
    known = rules_by_id(result.rules)
    descriptors = [_rule_descriptor(rule) for rule in known.values()]
    index = {rule_id: i for i, rule_id in enumerate(known)}
    for finding in findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(_unknown_rule_descriptor(finding))
    errors = ordered_errors(result)
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": e.message}, "locations": [_location(e.loc)]} for e in errors
        ]
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "invocations": [invocation],
        **_uri_base(result.project_root),
        "columnKind": "unicodeCodePoints",
        "results": (
            EachAsEncoded(findings, lambda f: _result(f, index[f.rule_id]))
            if streamed
            else [_result(f, index[f.rule_id]) for f in findings]
        ),
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(result: CheckResult, *, tool_version: str) -> str:
    return joined(sarif_chunks(result, tool_version=tool_version))


def sarif_chunks(result: CheckResult, *, tool_version: str) -> Iterator[str]:
    """The SARIF log in pieces, each result encoded as it is reached (the CLI writes them as they come)."""
    return json_chunks(_log(result, tool_version, streamed=True))
