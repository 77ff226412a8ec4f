"""Baseline files: adopt the tool on an existing repo by recording today's findings and reporting only new ones.

A finding is known by its fingerprint (rule, file, Terraform address, JSON path inside the policy, subject),
not by its line, so edits elsewhere in a file do not resurrect baselined findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from linter.findings import Finding
from linter.record import Record

FORMAT_VERSION = 1


class BaselineError(ValueError):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(repr=False, eq=False)
class Baseline(Record):
    fingerprints: set[str] = field(default_factory=set)

    def contains(self, finding: Finding) -> bool:
        return finding.fingerprint in self.fingerprints

    @classmethod
    def read(cls, path: str) -> Baseline:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError("baseline file not found (create it with --write-baseline)") from None
        except (OSError, UnicodeDecodeError) as error:
            raise BaselineError(f"cannot read baseline: {error}") from None
        except json.JSONDecodeError as error:
            raise BaselineError(f"invalid baseline JSON: {error.msg}", error.lineno, error.colno) from None
        if (
            not isinstance(data, dict)
            or data.get("version") != FORMAT_VERSION
            or not isinstance(data.get("findings"), list)
        ):
            raise BaselineError(f"not an iam-preflight baseline (version {FORMAT_VERSION})")
        return cls({str(entry.get("fingerprint")) for entry in data["findings"] if isinstance(entry, dict)})

    @staticmethod
    def write(path: str, findings: Iterable[Finding]) -> int:
        entries = sorted(
            (
                {"fingerprint": f.fingerprint, "rule": f.rule_id, "file": f.loc.file, "message": f.message}
                for f in findings
            ),
            key=lambda e: (e["file"], e["rule"], e["fingerprint"]),
        )
        Path(path).write_text(json.dumps({"version": FORMAT_VERSION, "findings": entries}, indent=2) + "\n")
        return len(entries)
