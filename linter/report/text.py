"""Human output: input errors first, then findings grouped under a header per file, then one summary line.

    policies/admin.json
      3:5  error    IPG002  "Condition" appears twice; the first is ignored  [duplicate-key]
        at aws_iam_policy.admin
        ↳ policies/bucket.json:7:9 the statement that denies

Colours are plain ANSI escapes, written only when asked for: importing rich would cost more start-up time than
the whole check. Text that came from the inputs goes through `linter.safe_text`: its control characters are shown
escaped, so a policy cannot move the cursor or recolour a terminal, and a file name that starts a line cannot start
it with a CI command (`::error::`). Every value stays on its line, messages included: no rule writes a line break
into a message, so one there is an input's (a bucket named "a\\n::error::b"), shown as `\\n` the way the input
holds it, and no input can add a line to the report, forged findings or commands alike.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from linter.findings import Finding, Severity
from linter.report.common import ordered_errors, ordered_findings, summary_line
from linter.safe_text import bounded, escape_controls, for_terminal

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.model import Location

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
UNDERLINE = "\x1b[4m"
RED = "\x1b[31m"
YELLOW = "\x1b[33m"
CYAN = "\x1b[36m"
SEVERITY_COLOURS = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.INFO: CYAN}
SEVERITY_WIDTH = max(len(s.value) for s in Severity)


class Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        return "".join(codes) + text + RESET if self.color and codes else text


def _position(loc: Location) -> str:
    return f"{loc.line}:{loc.column}"


def _finding_lines(finding: Finding, position_width: int, rule_width: int, paint: Painter) -> list[str]:
    severity = finding.severity
    position = _position(finding.loc).ljust(position_width)
    # Padding goes outside the escape codes, which have no width on screen but would count in str.ljust.
    label = paint(severity.value, SEVERITY_COLOURS[severity]) + " " * (SEVERITY_WIDTH - len(severity.value))
    rule_id = paint(finding.rule_id, BOLD) + " " * (rule_width - len(finding.rule_id))
    message = escape_controls(finding.message)
    lines = [f"  {position}  {label}  {rule_id}  {message}  {paint(f'[{finding.rule_name}]', DIM)}"]
    if finding.loc.address:
        lines.append(f"    at {escape_controls(bounded(finding.loc.address))}")
    for related in finding.related:
        lines.append(f"    ↳ {paint(escape_controls(related.loc.short()), DIM)} {escape_controls(related.message)}")
    return lines


def error_lines(result: CheckResult, *, color: bool = False) -> list[str]:
    """One line per input error, `file:line:col: error: message`, in file order."""
    paint = Painter(color)
    return [
        f"{for_terminal(e.loc.short())}: {paint('error', BOLD, RED)}: {escape_controls(e.message)}"
        for e in ordered_errors(result)
    ]


def render_text(result: CheckResult, *, color: bool = False) -> str:
    paint = Painter(color)
    blocks: list[list[str]] = []
    errors = error_lines(result, color=color)
    if errors:
        blocks.append(errors)
    for file, group in groupby(ordered_findings(result), key=lambda f: f.loc.file):
        findings = list(group)
        position_width = max(len(_position(f.loc)) for f in findings)
        rule_width = max(len(f.rule_id) for f in findings)
        lines = [paint(for_terminal(file), BOLD, UNDERLINE)]
        for finding in findings:
            lines.extend(_finding_lines(finding, position_width, rule_width, paint))
        blocks.append(lines)
    blocks.append([paint(summary_line(result), BOLD)])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
