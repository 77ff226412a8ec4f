"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.

GitHub shows only about ten annotations of each type per step, so SARIF stays the complete record; this format
is for a quick look at a pull request. Escaping follows the runner: `%`, CR and LF in the message, and also
`:` and `,` in property values, which would otherwise end the value. Text from the inputs has its control
characters shown escaped (`linter.safe_text`), so each command stays one line, the log viewer gets no terminal
codes, and a value cannot add a line to an annotation. The summary line holds only counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.findings import Finding, Severity
from linter.report.common import ordered_errors, ordered_findings, summary_line
from linter.safe_text import bounded, escape_controls, workflow_command_data, workflow_command_property

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.model import Location

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


# Where a deployed policy lives (`--from-aws`: `arn:aws:iam::…#inline/NAME`): no file of the repository, so the
# annotation names none (GitHub shows it on the run, not on a line of a changed file); the message keeps the place.
_NOT_A_FILE = ("arn:", "aws:")


def _position(loc: Location) -> list[tuple[str, str]]:
    if loc.file.startswith(_NOT_A_FILE):
        return []
    properties = [("file", loc.file), ("line", str(loc.line))]
    if loc.end_line is not None:
        properties.append(("endLine", str(loc.end_line)))
    # Annotations take columns only within one line; the checks API rejects them on a multi-line span.
    if loc.end_line is None or loc.end_line == loc.line:
        properties.append(("col", str(loc.column)))
        if loc.end_column is not None:
            properties.append(("endColumn", str(loc.end_column)))
    return properties


def _command(name: str, properties: list[tuple[str, str]], lines: list[str]) -> str:
    """One workflow command. A property keeps its exact value (a file name must name the file); the annotation's
    line breaks are ours alone: one inside a value is shown escaped, as every other format shows it."""
    fields = ",".join(f"{key}={workflow_command_property(value)}" for key, value in properties)
    message = "\n".join(escape_controls(line) for line in lines)
    return f"::{name} {fields}::{workflow_command_data(message)}"


def _annotation(finding: Finding) -> str:
    lines = [finding.message]
    if finding.loc.file.startswith(_NOT_A_FILE):
        lines.append(f"in {finding.loc.short()}")
    if finding.loc.address:
        lines.append(f"at {bounded(finding.loc.address)}")
    lines.extend(f"↳ {r.loc.short()} {r.message}" for r in finding.related)
    title = f"{finding.rule_id} {finding.rule_name}"
    return _command(COMMANDS[finding.severity], [*_position(finding.loc), ("title", title)], lines)


def render_github(result: CheckResult) -> str:
    lines = [_command("error", _position(e.loc), [e.message]) for e in ordered_errors(result)]
    lines.extend(_annotation(f) for f in ordered_findings(result))
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
