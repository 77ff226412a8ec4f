"""Baseline files: adopt the tool on an existing repo by recording today's findings and reporting only new ones.

A finding is known by its fingerprint (rule, file, Terraform address, JSON path inside the policy, subject),
not by its line, so edits elsewhere in a file do not resurrect baselined findings.

A baseline is read as the untrusted input it may be (the repository's config names it, and the config is part of
the pull request): a regular file only (never a FIFO or a device such as /dev/zero, which would block or never
end), at most `MAX_BASELINE_BYTES`, and, when the config names it, inside the folder holding that config. A
baseline is written atomically (`linter.atomic`), so a failed write leaves the old one intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from linter.atomic import write_file
from linter.findings import Finding
from linter.record import record
from linter.sources.confine import ReadRefused, TooLarge, inside, read_bytes, real_path

FORMAT_VERSION = 1
# About 70,000 findings as written (~240 bytes each).
MAX_BASELINE_BYTES = 16 * 1024 * 1024
# JSON values a baseline may hold, counted as its commas and opening brackets (~6 per finding, some in messages):
# what bounds the memory parsing takes, since 16 MB of `[],[],...` would otherwise be 5 million lists (~300 MB).
MAX_BASELINE_ITEMS = 2_000_000


class BaselineError(ValueError):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@record
class Baseline:
    fingerprints: set[str] = field(default_factory=set)

    def contains(self, finding: Finding) -> bool:
        return finding.fingerprint in self.fingerprints

    @classmethod
    def read(cls, path: str, confined_to: Path | None = None) -> Baseline:
        """The baseline at `path`; with `confined_to` (the folder of the config that names it), only inside it."""
        if confined_to is not None and not inside(Path(path), [real_path(confined_to)]):
            raise BaselineError(
                "the config names a baseline outside its own folder; not read (pass it with --baseline to use it)"
            )
        try:
            # Anywhere the user points (`--baseline`), yet never a special file: the confinement checked above.
            data = read_bytes(Path(path), MAX_BASELINE_BYTES, [Path("/")])
        except FileNotFoundError:
            raise BaselineError("baseline file not found (create it with --write-baseline)") from None
        except TooLarge:
            raise BaselineError(f"baseline larger than {MAX_BASELINE_BYTES // (1024 * 1024)} MB; not read") from None
        except ReadRefused as error:
            raise BaselineError(f"cannot read baseline: {error.strerror}") from None
        except OSError as error:
            raise BaselineError(f"cannot read baseline: {error.strerror or error}") from None
        if data.count(b",") + data.count(b"[") + data.count(b"{") > MAX_BASELINE_ITEMS:
            raise BaselineError(f"not an iam-preflight baseline (more than {MAX_BASELINE_ITEMS:,} JSON values)")
        try:
            document = json.loads(data.decode("utf-8"), object_pairs_hook=_entry_fingerprint)
        except UnicodeDecodeError as error:
            raise BaselineError(f"cannot read baseline: not UTF-8 text (byte {error.start})") from None
        except json.JSONDecodeError as error:
            raise BaselineError(f"invalid baseline JSON: {error.msg}", error.lineno, error.colno) from None
        except (ValueError, RecursionError):  # a 5,000-digit number, nesting deeper than the parser goes
            raise BaselineError(f"not an iam-preflight baseline (version {FORMAT_VERSION})") from None
        if (
            not isinstance(document, dict)
            or document.get("version") != FORMAT_VERSION
            or not isinstance(document.get("findings"), list)
        ):
            raise BaselineError(f"not an iam-preflight baseline (version {FORMAT_VERSION})")
        return cls({entry for entry in document["findings"] if isinstance(entry, _Fingerprint)})

    @staticmethod
    def write(path: str, findings: Iterable[Finding]) -> int:
        """Record the findings at `path`, replacing it atomically; raises linter.atomic.CannotWrite."""
        entries = sorted(
            (
                {"fingerprint": f.fingerprint, "rule": f.rule_id, "file": f.loc.file, "message": f.message}
                for f in findings
            ),
            key=lambda e: (e["file"], e["rule"], e["fingerprint"]),
        )
        write_file(path, json.dumps({"version": FORMAT_VERSION, "findings": entries}, indent=2) + "\n")
        return len(entries)


class _Fingerprint(str):
    """The fingerprint of one entry of the findings list (a bare string in the list is none)."""

    __slots__ = ()


def _entry_fingerprint(pairs: list[tuple[str, Any]]) -> Any:
    """A JSON object as it is parsed: the document itself stays a dict; an entry becomes its fingerprint alone.

    So a baseline costs memory for its fingerprints, not for a dict per entry (~230 bytes each)."""
    keys = {key for key, _ in pairs}
    if "version" in keys and "findings" in keys:
        return dict(pairs)
    fingerprint = next((value for key, value in pairs if key == "fingerprint"), None)
    return _Fingerprint(fingerprint) if isinstance(fingerprint, str) else None
