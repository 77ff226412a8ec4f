"""Terraform source tests: an isolated parse cache, and the fixture modules as the working directory."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from linter.model import Policy, Text
from linter.sources import Loaded

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terraform"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never write into the user's cache; one cache for the session keeps the suite fast."""
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "iam-preflight-cache"))
    monkeypatch.delenv("IAM_PREFLIGHT_NO_CACHE", raising=False)


@pytest.fixture
def fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the fixtures folder so display paths read `signer/main.tf`."""
    monkeypatch.chdir(FIXTURES)
    return FIXTURES


# --- compact, exact views of loaded policies (value, file:line:col, JSON pointer, unresolved) ---------------------


def where(text: Text) -> str:
    return f"{text.loc.file}:{text.loc.line}:{text.loc.column}"


def elements(policy: Policy) -> list[tuple[str, str, str, str | None]]:
    """Every Sid, Effect, Action, Resource, Principal and Condition value of a policy, in document order."""
    found: list[tuple[str, str, str, str | None]] = []

    def add(text: Text | None) -> None:
        if text is not None:
            found.append((text.loc.json_path, text.value, where(text), text.unresolved))

    for statement in policy.statements:
        add(statement.sid)
        add(statement.effect)
        for texts in (statement.action, statement.not_action, statement.resource, statement.not_resource):
            for text in texts or []:
                add(text)
        for principals in (statement.principal, statement.not_principal):
            for ref in principals.refs if principals else []:
                add(ref.value)
        for condition in statement.conditions:
            for value in condition.values:
                add(value)
    return found


def policy(loaded: Loaded, name: str) -> Policy:
    matches = [p for p in loaded.policies if p.name == name]
    assert len(matches) == 1, [p.name for p in loaded.policies]
    return matches[0]


def unresolved(loaded: Loaded) -> list[tuple[str, str, str | None, str]]:
    assert loaded.inventory is not None
    return sorted(
        (u.expression, f"{u.loc.file}:{u.loc.line}:{u.loc.column}", u.loc.address, u.reason)
        for u in loaded.inventory.unresolved
    )


@pytest.fixture
def tf() -> SimpleNamespace:
    """The helpers above, for test modules (pytest's importlib mode does not import siblings)."""
    return SimpleNamespace(where=where, elements=elements, policy=policy, unresolved=unresolved)
