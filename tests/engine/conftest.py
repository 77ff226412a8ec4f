"""Helpers for the engine tests: policies built from statement dicts through the real JSON source (so locations are
real), decisions on a fixed clock, and `outcome`, the exact summary every test asserts. Tests run in importlib mode,
so everything they share is a fixture here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from linter.engine.context import ContextInput
from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.explain import Decision
from linter.model import Policy, PolicyKind
from linter.sources import jsonpos
from linter.sources.policy_document import build_policy, file_locator, read_document

NOW = datetime(2030, 1, 2, tzinfo=UTC)
Outcome = tuple[str, list[str], tuple[str, ...]]


def _mark_unresolved(node: Any, pointers: set[str]) -> None:
    """Set `unresolved` on every dumped Text whose JSON pointer is listed (as a Terraform source would)."""
    if isinstance(node, dict):
        loc = node.get("loc")
        if "value" in node and isinstance(loc, dict) and loc.get("json_path") in pointers:
            node["unresolved"] = f"var.{loc['json_path'].strip('/').replace('/', '_')}"
        for child in node.values():
            _mark_unresolved(child, pointers)
    elif isinstance(node, list):
        for child in node:
            _mark_unresolved(child, pointers)


class Engine:
    """`route`: how policies reach the engine. "model": their model (`build_policy`), as every source but `simulate`
    gives them; "plain": a usual document unmodelled (`read_document`), as `simulate` gives it, the model built only
    for what a decision reports. Every engine test runs both ways."""

    now = NOW

    def __init__(self, route: str = "model") -> None:
        self.route = route

    def policy(
        self,
        *statements: Mapping[str, Any],
        name: str = "identity.json",
        version: str | None = "2012-10-17",
        kind: PolicyKind | None = None,
        unresolved: Iterable[str] = (),
    ) -> Policy:
        document: dict[str, Any] = {"Statement": list(statements)}
        if version is not None:
            document = {"Version": version, **document}
        text = json.dumps(document, indent=2)
        pointers = set(unresolved)
        if self.route == "plain" and not pointers:
            return read_document(text, name, kind)  # type: ignore[return-value]  # the engine takes either
        policy = build_policy(jsonpos.parse(text), name, file_locator(name), kind=kind)
        if not pointers:
            return policy
        adapter = TypeAdapter(Policy)
        dumped = adapter.dump_python(policy)
        _mark_unresolved(dumped, pointers)
        return adapter.validate_python(dumped)

    def decide(
        self,
        principal: str | None,
        action: str,
        target: str = "*",
        *,
        context: Mapping[str, ContextInput] | None = None,
        owner: str | None = None,
        identity: Sequence[Policy] = (),
        **policy_set: Any,
    ) -> Decision:
        request = Request(principal, action, target, owner, context or {})
        return evaluate(request, PolicySet(identity=identity, **policy_set), now=self.now)

    @staticmethod
    def outcome(decision: Decision) -> Outcome:
        """(decision, matched statements as "policy#index", policy types that failed to allow)."""
        matched = [f"{m.policy}#{m.index}" for m in decision.matched]
        return decision.decision, matched, decision.failed_to_allow

    def check(self, principal: str, action: str, target: str = "*", **kwargs: Any) -> Outcome:
        """`outcome` of a decision that must be certain; `target` is the requested resource ARN."""
        decision = self.decide(principal, action, target, **kwargs)
        assert not decision.uncertain, decision.explain()
        return self.outcome(decision)


@pytest.fixture(params=["model", "plain"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return Engine(request.param)
