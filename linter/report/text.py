"""Human output: input errors first, then findings grouped under a header per file, then one summary line.

    policies/admin.json
      3:5  error    IPG002  "Condition" appears twice; the first is ignored  [duplicate-key]
        at aws_iam_policy.admin
        ↳ policies/bucket.json:7:9 the statement that denies

Colours are plain ANSI escapes, written only when asked for: importing rich would cost more start-up time than
the whole check. Text that came from the inputs has its control characters shown escaped, so a policy cannot
move the cursor or recolour a terminal.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from linter.findings import Finding, Severity
from linter.lazy_re import lazy_compile
from linter.report.common import ordered_errors, ordered_findings, summary_line

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

# C0 and C1 controls except tab and newline; C1 matters too (0x9b is a one-byte CSI on some terminals).
_CONTROL = lazy_compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _one_line(text: str) -> str:
    return _printable(text).replace("\n", "\\n")


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        return "".join(codes) + text + RESET if self.color and codes else text


def _position(loc: Location) -> str:
    return f"{loc.line}:{loc.column}"


def _finding_lines(finding: Finding, position_width: int, rule_width: int, paint: _Painter) -> list[str]:
    severity = finding.severity
    position = _position(finding.loc).ljust(position_width)
    # Padding goes outside the escape codes, which have no width on screen but would count in str.ljust.
    label = paint(severity.value, SEVERITY_COLOURS[severity]) + " " * (SEVERITY_WIDTH - len(severity.value))
    rule_id = paint(finding.rule_id, BOLD) + " " * (rule_width - len(finding.rule_id))
    message = _printable(finding.message).replace("\n", "\n    ")
    lines = [f"  {position}  {label}  {rule_id}  {message}  {paint(f'[{finding.rule_name}]', DIM)}"]
    if finding.loc.address:
        lines.append(f"    at {_one_line(finding.loc.address)}")
    for related in finding.related:
        lines.append(f"    ↳ {paint(_one_line(related.loc.short()), DIM)} {_one_line(related.message)}")
    return lines


def render_text(result: CheckResult, *, color: bool = False) -> str:
    paint = _Painter(color)
    blocks: list[list[str]] = []
    errors = ordered_errors(result)
    if errors:
        blocks.append(
            [f"{_one_line(e.loc.short())}: {paint('error', BOLD, RED)}: {_one_line(e.message)}" for e in errors]
        )
    for file, group in groupby(ordered_findings(result), key=lambda f: f.loc.file):
        findings = list(group)
        position_width = max(len(_position(f.loc)) for f in findings)
        rule_width = max(len(f.rule_id) for f in findings)
        lines = [paint(_one_line(file), BOLD, UNDERLINE)]
        for finding in findings:
            lines.extend(_finding_lines(finding, position_width, rule_width, paint))
        blocks.append(lines)
    blocks.append([paint(summary_line(result), BOLD)])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
