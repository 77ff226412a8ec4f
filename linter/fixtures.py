"""Rule fixtures: the good and bad inputs beside each rule, which are both its tests and its documentation.

Layout: `rules/<family>/fixtures/<RULE-ID>/good/<name>.<ext>` must raise nothing for that rule;
`bad/<name>.<ext>` raises exactly the findings listed in `bad/<name>.expected`, one per line as
`RULE-ID LINE:COL JSON-POINTER`. A `<name>.<kind>.json` file name sets the policy kind (e.g. `deny.scp.json`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from linter.model import PolicyKind
from linter.rule import Rule

INPUT_SUFFIXES = (".json", ".tf")


@dataclass(frozen=True)
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

    def expected(self) -> list[str]:
        if self.good:
            return []
        lines = self.expected_path.read_text().splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


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
