"""`check --statistics`: how many findings each rule made, instead of the findings, as ruff's `--statistics`.

    3  IPA001  error    unknown-action
    1  IPG004  warning  redundant-statement

    4 findings (3 errors, 1 warning, 0 info) in 2 files.

Most first, then by rule id. Input errors come first, one line each, as in the text report (they decide exit 2).
In JSON: `{"version": 1, "statistics": [{"rule_id", "rule_name", "severity", "count"}], "errors": [...]}` with the
errors as the JSON report writes them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from linter.report.common import ordered_errors, summary_line
from linter.report.json_report import location_dict
from linter.report.text import BOLD, Painter, error_lines

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.findings import Severity

SCHEMA_VERSION = 1


def rule_counts(result: CheckResult) -> list[tuple[int, str, str, Severity]]:
    """(count, rule id, rule name, severity) per rule that found something: most first, then by id."""
    counts = Counter((f.rule_id, f.rule_name, f.severity) for f in result.findings)
    return sorted(((n, *key) for key, n in counts.items()), key=lambda row: (-row[0], row[1], row[3].value))


def render_statistics(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    rows = rule_counts(result)
    if fmt == "json":
        document: dict[str, Any] = {
            "version": SCHEMA_VERSION,
            "statistics": [
                {"rule_id": rule_id, "rule_name": name, "severity": severity.value, "count": count}
                for count, rule_id, name, severity in rows
            ],
            "errors": [{"message": e.message, "location": location_dict(e.loc)} for e in ordered_errors(result)],
        }
        return json.dumps(document, indent=2) + "\n"
    blocks = [error_lines(result, color=color)]
    if rows:
        count_width = max(len(str(row[0])) for row in rows)
        id_width = max(len(row[1]) for row in rows)
        severity_width = max(len(row[3].value) for row in rows)
        blocks.append(
            [
                f"{count:>{count_width}}  {rule_id:<{id_width}}  {severity.value:<{severity_width}}  {name}"
                for count, rule_id, name, severity in rows
            ]
        )
    blocks.append([Painter(color)(summary_line(result), BOLD)])
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"
