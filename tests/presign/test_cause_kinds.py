"""Every cause of a pre-flight verdict has a kind, one rule that reports it for each status it comes with, and a
fixture folder that shows it: a new cause of a failing URL cannot land in a rule by default."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import linter.presign.preflight as preflight_module
from linter.check import run_check
from linter.config import load_config
from linter.presign.causes import KIND_STATUSES, CauseKind
from linter.presign.preflight import Verdict
from linter.presign.problem import Status
from linter.registry import all_rules
from linter.rule import Rule

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p for p in (ROOT / "rules" / "presign" / "fixtures").glob("*/*/*") if p.is_dir())
DOORS = sorted((ROOT / "linter" / "presign" / "doors").glob("*.py"))

# Kinds no configuration can produce today, and why; they stay worded for the day the premise changes.
UNREACHABLE = {
    CauseKind.RCP_MISSING: "RCPFullAWSAccess cannot be detached (subject._organization_level), so every RCP level "
    "allows; an RCP refuses a URL only by an explicit Deny, which is EXPLICIT_DENY",
}


def _verdict_rules() -> Iterator[tuple[type[Rule], Status, frozenset[CauseKind]]]:
    """The rules that report causes of declared URLs' verdicts, with the status and kinds each declares."""
    for rule in all_rules():
        reports = getattr(rule, "reports", None)
        if reports is not None:
            status, kinds = reports()
            yield rule, status, kinds


def _reporters(kind: CauseKind, status: Status) -> list[str]:
    return [rule.id for rule, reported, kinds in _verdict_rules() if reported is status and kind in kinds]


def test_every_kind_says_which_statuses_it_comes_with() -> None:
    assert set(KIND_STATUSES) == set(CauseKind)


@pytest.mark.parametrize(
    ("kind", "status"),
    [(kind, status) for kind, statuses in KIND_STATUSES.items() for status in sorted(statuses)],
    ids=str,
)
def test_each_kind_is_reported_by_exactly_one_rule_for_each_status(kind: CauseKind, status: Status) -> None:
    assert len(_reporters(kind, status)) == 1, f"{kind.name} ({status}) is reported by {_reporters(kind, status)}"


def test_rules_report_a_kind_only_with_a_status_it_comes_with() -> None:
    for rule, status, kinds in _verdict_rules():
        for kind in kinds:
            assert status in KIND_STATUSES[kind], f"{rule.id} reports {kind.name} as {status}"


@pytest.fixture(scope="module")
def kinds_in_fixtures() -> dict[CauseKind, list[str]]:
    """Each kind, with the fixture folders whose verdicts have it: every presign fixture folder is run."""
    found: dict[CauseKind, list[str]] = {}
    decide = preflight_module.preflight

    def recording(*args: Any, **kwargs: Any) -> Verdict:
        verdict = decide(*args, **kwargs)
        for problem in verdict.problems:
            if isinstance(problem.kind, CauseKind):
                found.setdefault(problem.kind, []).append(folder.name)
        return verdict

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
        patch.setattr(preflight_module, "preflight", recording)
        for folder in FOLDERS:
            run_check([str(folder)], load_config(start=folder))
    return found


@pytest.mark.parametrize("kind", list(CauseKind), ids=str)
def test_every_kind_appears_in_a_fixture_folder(kind: CauseKind, kinds_in_fixtures: dict[CauseKind, list[str]]) -> None:
    if kind in UNREACHABLE:
        assert kind not in kinds_in_fixtures, f"{kind.name} is reachable after all: drop it from UNREACHABLE"
        return
    assert kind in kinds_in_fixtures, f"no folder under rules/presign/fixtures/ shows {kind.name}: add a bad fixture"


@pytest.mark.parametrize("door", DOORS, ids=lambda p: p.stem)
def test_every_door_says_what_it_checks(door: Path) -> None:
    docstring = ast.get_docstring(ast.parse(door.read_text(encoding="utf-8")))
    assert docstring, f"{door.name}: say what the door checks, with its AWS source"
