"""What several writers share: deterministic ordering, rule look-up and the one-line summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from linter.findings import Finding, Severity

if TYPE_CHECKING:
    from linter.check import CheckResult
    from linter.model import InputError
    from linter.rule import Rule

TOOL_NAME = "iam-preflight"
ItemT = TypeVar("ItemT")


class EachAsEncoded(list[Any], Generic[ItemT]):
    """A list, to `json`'s encoder, whose items are built one by one as the encoder reaches them.

    A report of thousands of findings then never holds their dicts all at once, nor (`json_chunks`) its whole text:
    `--format json` on the managed policies peaked ~38 MB above the text report when the document was built and then
    dumped. Only for encoding: the list itself stays empty, so anything else reading it (equality, indexing) would
    see nothing; the writers' `*_dict`/`*_log` functions still return plain lists.
    """

    def __init__(self, items: Sequence[ItemT], build: Callable[[ItemT], Any]) -> None:
        super().__init__()
        self._items = items
        self._build = build

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Any]:
        return map(self._build, self._items)


def json_chunks(document: object) -> Iterator[str]:
    """`json.dumps(document, indent=2) + "\n"` in pieces: the same encoder (with indent, `json.dumps` joins exactly
    these chunks), so the text is byte for byte the same."""
    yield from json.JSONEncoder(indent=2).iterencode(document)
    yield "\n"


def joined(chunks: Iterable[str]) -> str:
    return "".join(chunks)


def ordered_findings(result: CheckResult) -> list[Finding]:
    """File, position, rule, then message and fingerprint, so equal inputs always render identically."""
    return sorted(result.findings, key=lambda f: (*f.sort_key(), f.message, f.fingerprint))


def ordered_errors(result: CheckResult) -> list[InputError]:
    return sorted(result.errors, key=lambda e: (e.loc.file, e.loc.line, e.loc.column, e.message))


def rules_by_id(rules: Sequence[type[Rule]]) -> dict[str, type[Rule]]:
    return {rule.id: rule for rule in sorted(rules, key=lambda r: r.id)}


def severity_counts(findings: Sequence[Finding]) -> dict[Severity, int]:
    counts = Counter(f.severity for f in findings)
    return {severity: counts[severity] for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def summary_line(result: CheckResult) -> str:
    """`3 findings (1 error, 1 warning, 1 info) in 2 files; 1 suppressed.` or `No findings in 2 files.`"""
    files = plural(len(result.files_checked), "file")
    if result.findings:
        counts = severity_counts(result.findings)
        breakdown = ", ".join(
            (
                plural(counts[Severity.ERROR], "error"),
                plural(counts[Severity.WARNING], "warning"),
                f"{counts[Severity.INFO]} info",
            )
        )
        head = f"{plural(len(result.findings), 'finding')} ({breakdown}) in {files}"
    else:
        head = f"No findings in {files}"
    extras = []
    if result.errors:
        extras.append(plural(len(result.errors), "input error"))
    if result.suppressed:
        extras.append(f"{result.suppressed} suppressed")
    if result.baselined:
        extras.append(f"{result.baselined} baselined")
    if result.skipped:
        extras.append(plural(len(result.skipped), "non-policy file") + " skipped")
    return head + ("; " + ", ".join(extras) if extras else "") + "."
