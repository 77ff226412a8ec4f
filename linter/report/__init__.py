"""Writers that turn a `CheckResult` into text for a terminal, a machine or a CI system.

Each writer is a pure function returning the whole output as a string ending in a newline; the CLI decides
whether it goes to stdout or a file. Writers are imported on first use, so a run pays only for its format.
`render_chunks` gives the same text in pieces: the JSON and SARIF writers encode one finding at a time, so a large
report is written as it is encoded rather than held whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import linter

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.findings import Severity

FORMATS = ("text", "json", "sarif", "github", "junit")


def render(
    fmt: str,
    result: CheckResult,
    *,
    color: bool = False,
    tool_version: str = linter.__version__,
    fail_on: Severity | None = None,
    findings_fail: bool = True,
) -> str:
    """The report of `result` in format `fmt` (one of FORMATS). `color` applies to text only.

    `fail_on` is the lowest severity that fails the run (`--fail-on`; None: its default, warning); `findings_fail`
    False when no finding fails it (`--exit-zero`). JUnit reports only the findings that fail the run as failures, so
    that its test report agrees with the exit code.
    """
    if fmt == "text":
        from linter.report.text import render_text  # lazy: a run pays only for its format

        return render_text(result, color=color)
    if fmt in ("json", "sarif"):
        return "".join(render_chunks(fmt, result, tool_version=tool_version))
    if fmt == "github":
        from linter.report.github import render_github  # lazy: a run pays only for its format

        return render_github(result)
    if fmt == "junit":
        from linter.report.junit import render_junit  # lazy: a run pays only for its format

        return render_junit(result, fail_on=fail_on, findings_fail=findings_fail)
    raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")


def render_chunks(
    fmt: str,
    result: CheckResult,
    *,
    color: bool = False,
    tool_version: str = linter.__version__,
    fail_on: Severity | None = None,
    findings_fail: bool = True,
) -> Iterator[str]:
    """`render`'s text in pieces that join to it: JSON and SARIF as they are encoded, other formats whole."""
    if fmt == "json":
        from linter.report.json_report import json_report_chunks  # lazy: a run pays only for its format

        return json_report_chunks(result, tool_version=tool_version)
    if fmt == "sarif":
        from linter.report.sarif import sarif_chunks  # lazy: a run pays only for its format

        return sarif_chunks(result, tool_version=tool_version)
    return iter(
        (render(fmt, result, color=color, tool_version=tool_version, fail_on=fail_on, findings_fail=findings_fail),)
    )
