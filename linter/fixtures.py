"""Rule fixtures: the good and bad inputs beside each rule, which are both its tests and its documentation.

Layout: `rules/<family>/fixtures/<RULE-ID>/good/<name>.<ext>` must raise nothing for that rule;
`bad/<name>.<ext>` raises exactly the findings written in `bad/<name>.expected`. Each finding is a line
`RULE-ID LINE:COL JSON-POINTER` followed by its message, indented, and one indented `-> LINE:COL message` line per
related location (`FILE:LINE:COL` when it is in another file): for this product the message (which policy, which
statement, what to change) is the answer, so it is pinned as exactly as the location. `# ...` lines are comments,
kept with the finding they precede when the file is rewritten (`make snapshots`). A `<name>.<kind>.json` file name
sets the policy kind (e.g. `deny.scp.json`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from pathlib import Path

from linter.atomic import write_file
from linter.findings import Finding
from linter.model import Location, PolicyKind
from linter.record import record
from linter.rule import Rule

INPUT_SUFFIXES = (".json", ".tf")
_INDENT = "  "


@record(frozen=True)
class ExpectedFile:
    """A parsed `.expected` file: one block of text per finding, and the comments written before some of them."""

    blocks: list[str]
    comments: dict[str, list[str]]  # a finding's header line -> the comment lines written just before it

    @classmethod
    def parse(cls, text: str) -> ExpectedFile:
        blocks: list[list[str]] = []
        comments: dict[str, list[str]] = {}
        pending: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            if line.startswith("#"):
                pending.append(line)
            elif line.startswith(_INDENT) and blocks:
                blocks[-1].append(line.rstrip())
            else:
                blocks.append([line.strip()])
                if pending:
                    comments.setdefault(blocks[-1][0], pending)
                    pending = []
        return cls(["\n".join(block) for block in blocks], comments)

    def render(self, blocks: Iterable[str]) -> str:
        lines: list[str] = []
        for block in blocks:
            header = block.split("\n", 1)[0]
            lines += self.comments.pop(header, [])
            lines.append(block)
        return "\n".join(lines) + "\n" if lines else ""


@record(frozen=True)
class Fixture:
    rule: type[Rule]
    path: Path
    good: bool

    @property
    def kind(self) -> PolicyKind | None:
        parts = self.path.name.split(".")
        if len(parts) >= 3 and parts[-2] in PolicyKind._value2member_map_:
            return PolicyKind(parts[-2])
        return None

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name.split(".")[0] + ".expected")

    def expected_file(self) -> ExpectedFile:
        if self.good:
            return ExpectedFile([], {})
        return ExpectedFile.parse(self.expected_path.read_text())

    def expected_blocks(self) -> list[str]:
        """Each expected finding with its message and related locations, as `finding_block` writes it."""
        return self.expected_file().blocks

    def expected(self) -> list[str]:
        """Each expected finding's `RULE-ID LINE:COL JSON-POINTER` line."""
        return [block.split("\n", 1)[0] for block in self.expected_blocks()]

    def write_expected(self, blocks: list[str]) -> None:
        """Rewrite the expected file with these findings (`make snapshots`), keeping its comments."""
        if self.good:
            return
        old = self.expected_file() if self.expected_path.exists() else ExpectedFile([], {})
        write_file(self.expected_path, old.render(blocks))

    def finding_block(self, finding: Finding) -> str:
        """How an expected file writes `finding`: header, message, related locations."""
        loc = finding.loc
        lines = [f"{finding.rule_id} {loc.line}:{loc.column} {loc.json_path}".strip()]
        lines.append(_INDENT + _one_line(finding.message))
        lines += [f"{_INDENT}-> {self._where(r.loc, loc)} {_one_line(r.message)}" for r in finding.related]
        return "\n".join(lines)

    def _where(self, related: Location, primary: Location) -> str:
        if related.file == primary.file:
            return f"{related.line}:{related.column}"
        base = self.path if self.path.is_dir() else self.path.parent
        name = Path(related.file)
        with contextlib.suppress(ValueError):  # outside the fixture: shown as reported
            name = name.resolve().relative_to(base.resolve())
        return f"{name.as_posix()}:{related.line}:{related.column}"


def in_order(blocks: Iterable[str]) -> list[str]:
    """Findings as expected files list them: by rule, then line and column as numbers, then the rest."""

    def order(block: str) -> tuple[str, int, int, str]:
        rule, position, *_ = (block.split("\n", 1)[0] + " 0:0").split(" ", 2)
        line, _, column = position.partition(":")
        return rule, int(line) if line.isdigit() else 0, int(column) if column.isdigit() else 0, block

    return sorted(blocks, key=order)


def _one_line(text: str) -> str:
    # A message is one line today; should one ever hold a line break, the file stays one finding per block.
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def fixtures_dir(rule: type[Rule]) -> Path:
    module = sys.modules[rule.__module__]
    return Path(str(module.__file__)).parent / "fixtures" / rule.id


def rule_fixtures(rule: type[Rule]) -> list[Fixture]:
    root = fixtures_dir(rule)
    found = []
    for good, folder in ((True, root / "good"), (False, root / "bad")):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.name.endswith(INPUT_SUFFIXES) or path.is_dir():
                    found.append(Fixture(rule, path, good))
    return found
