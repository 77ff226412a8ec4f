"""Machine output with a stable schema (`json-report.schema.json` beside this module, schema version 1).

    {"version": 1,
     "tool": {"name": "iam-preflight", "version": "0.1.0", "rules": ["IPG001", ...]},   # the rules that ran
     "summary": {"files_checked": 3, "files_skipped": 1, "findings": 2,
                 "by_severity": {"error": 1, "warning": 1, "info": 0},
                 "errors": 0, "suppressed": 0, "baselined": 0},
     "findings": [{"rule_id", "rule_name", "severity", "message",
                   "location": {"file", "line", "column", "end_line", "end_column", "json_path", "address"},
                   "related": [{"message", "location"}], "fingerprint"}],
     "errors": [{"message", "location"}],
     "skipped": [{"file", "reason"}]}

Every key is always present (null when a location has no end or address). Lines and columns are 1-based,
columns count Unicode code points and `end_column` is exclusive. `json_path` is an RFC 6901 pointer inside
the policy document. `fingerprint` is stable across line moves and is what baselines record. Findings are
ordered by file, line, column and rule id; errors by file and position. Adding keys is not a breaking change;
removing or renaming one bumps `version`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from linter.registry import rule_ids
from linter.report.common import (
    TOOL_NAME,
    EachAsEncoded,
    joined,
    json_chunks,
    ordered_errors,
    ordered_findings,
    severity_counts,
)
from linter.safe_text import bounded

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.findings import Finding
    from linter.model import Location

SCHEMA_VERSION = 1


def location_dict(loc: Location) -> dict[str, Any]:
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        # Both come from the inputs (a Terraform label, a policy's keys): shown bounded, as messages are.
        "json_path": bounded(loc.json_path),
        "address": None if loc.address is None else bounded(loc.address),
    }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": location_dict(finding.loc),
        "related": [{"message": r.message, "location": location_dict(r.loc)} for r in finding.related],
        "fingerprint": finding.fingerprint,
    }


def report_dict(result: CheckResult, tool_version: str) -> dict[str, Any]:
    return _document(result, tool_version, streamed=False)


def _document(result: CheckResult, tool_version: str, *, streamed: bool) -> dict[str, Any]:
    """The report; `streamed`: its findings built one by one as they are encoded (`EachAsEncoded`)."""
    findings = ordered_findings(result)
    counts = severity_counts(result.findings)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version, "rules": sorted(rule_ids(result.rules))},
        "summary": {
            "files_checked": len(result.files_checked),
            "files_skipped": len(result.skipped),
            "findings": len(result.findings),
            "by_severity": {severity.value: count for severity, count in counts.items()},
            "errors": len(result.errors),
            "suppressed": result.suppressed,
            "baselined": result.baselined,
        },
        "findings": EachAsEncoded(findings, _finding_dict) if streamed else [_finding_dict(f) for f in findings],
        "errors": [{"message": e.message, "location": location_dict(e.loc)} for e in ordered_errors(result)],
        "skipped": [{"file": file, "reason": reason} for file, reason in sorted(result.skipped)],
    }


def render_json(result: CheckResult, *, tool_version: str) -> str:
    return joined(json_report_chunks(result, tool_version=tool_version))


def json_report_chunks(result: CheckResult, *, tool_version: str) -> Iterator[str]:
    """The JSON report in pieces, each finding encoded as it is reached (the CLI writes them as they come)."""
    # ASCII-only output survives any stdout encoding; every JSON reader decodes the \u escapes.
    return json_chunks(_document(result, tool_version, streamed=True))
