"""The cause a failing verdict names is the cause: take it away and the answer changes.

For every failing verdict of the presign fixture folders whose cause is a policy (a Deny that applies, an Allow that
is missing, an Allow whose condition the request does not meet), the inventory is rewritten as the finding's fix
says (the named Deny statements dropped; the condition met: the signer tagged with the compared value, or the
condition taken out; the missing Allow added to the policy level that lacked it) and the URL decided again: the
named problem must be gone. A message that names a statement or a condition that did not decide would fail here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from linter.check import CheckOptions, load_all
from linter.config import load_config
from linter.model import AttachedPolicy, Inventory, Policy, PolicyKind, PrincipalResource, Text
from linter.presign.causes import CauseKind
from linter.presign.declared import PresignCheck, all_declared_checks
from linter.presign.preflight import Verdict, preflight
from linter.presign.problem import Problem, Status
from linter.presign.resolve import grantable_arn
from linter.sources.jsonpos import parse
from linter.sources.policy_document import build_policy, file_locator

FIXTURES = Path(__file__).resolve().parents[2] / "rules" / "presign" / "fixtures"
FOLDERS = sorted(p for p in FIXTURES.glob("IPS*/bad/*") if p.is_dir())
# The causes a policy rewrite takes away; the others (expiry, credential lifetime, region, ACLs, KMS...) are about
# the URL's own parameters and are covered by their own tests.
REWRITTEN = frozenset(
    {
        CauseKind.EXPLICIT_DENY,
        CauseKind.IDENTITY_MISSING,
        CauseKind.BOUNDARY_MISSING,
        CauseKind.SCP_MISSING,
        CauseKind.RESOURCE_POLICY_MISSING,
    }
)

M = TypeVar("M")


def _rewrite(value: M, change: Callable[[Policy], Policy]) -> M:
    """`value` with every Policy inside it replaced by `change(policy)`."""
    if isinstance(value, Policy):
        return change(value)  # type: ignore[return-value]
    if hasattr(type(value), "model_fields"):  # an inventory class (dataclasses that offer pydantic's API)
        updates = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = _rewrite(old, change)
            if new is not old:
                updates[name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, list):
        items = [_rewrite(v, change) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value  # type: ignore[return-value]
    if isinstance(value, dict):
        entries = {k: _rewrite(v, change) for k, v in value.items()}
        return entries if any(entries[k] is not value[k] for k in value) else value  # type: ignore[return-value]
    return value


def _allow(statement: dict[str, Any], kind: PolicyKind) -> Policy:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    return build_policy(parse(json.dumps(document)), "added", file_locator("added.json", "added"), kind)


def _with_statement(policy: Policy, added: Policy) -> Policy:
    statements = [
        *policy.statements,
        *(replace(s, index=len(policy.statements)) for s in added.statements),
    ]
    return replace(policy, statements=statements)


def _decide_again(check: PresignCheck, inventory: Inventory) -> Verdict:
    signer = next((p for p in inventory.principals if p.address == check.signer.address), check.signer)
    bucket = next((b for b in inventory.buckets if b.address == check.bucket.address), check.bucket)
    point = check.access_point
    if point is not None:
        point = next(a for a in inventory.access_points if a.address == point.address)
    return preflight(inventory, signer, bucket, check.expectation, point)


def _replace_signer(inventory: Inventory, signer: PrincipalResource) -> Inventory:
    principals = [signer if p.address == signer.address else p for p in inventory.principals]
    return inventory.model_copy(update={"principals": principals})


def _taken_away(check: PresignCheck, problem: Problem) -> Inventory:
    """The inventory as the problem's fix would leave it."""
    inventory, cause = check.inventory, problem.cause
    # The Allow a fix adds covers the objects the URL's key pattern names, as the fix's words say (`.../prefix/*`).
    action, resource = cause.action, cause.resource.rsplit("/", 1)[0] + "/*"
    if problem.kind is CauseKind.EXPLICIT_DENY:
        named = {(s.policy, s.index) for s in cause.statements}
        assert named, problem.message

        def drop(policy: Policy) -> Policy:
            kept = [s for s in policy.statements if (policy.name, s.index) not in named]
            return replace(policy, statements=kept) if len(kept) < len(policy.statements) else policy

        return _rewrite(inventory, drop)
    if cause.conditions:
        miss = cause.conditions[0]
        prefix, _, tag = miss.key.partition("/")
        if prefix.lower() == "aws:principaltag" and miss.values:
            tags = {**(check.signer.tags or {}), tag: Text(value=miss.values[0], loc=check.signer.loc)}
            return _replace_signer(inventory, check.signer.model_copy(update={"tags": tags}))
        where = (miss.statement.policy, miss.statement.index)

        def meet(policy: Policy) -> Policy:
            if policy.name != where[0]:
                return policy
            statements = [
                replace(s, conditions=[c for c in s.conditions if c.key.value != miss.key])
                if s.index == where[1]
                else s
                for s in policy.statements
            ]
            return replace(policy, statements=statements)

        return _rewrite(inventory, meet)
    if problem.kind is CauseKind.IDENTITY_MISSING:
        added = _allow({"Action": action, "Resource": resource}, PolicyKind.IDENTITY)
        attached = AttachedPolicy(policy=added, via="inline", ref=Text(value="added", loc=added.loc))
        signer = check.signer.model_copy(update={"policies": [*check.signer.policies, attached]})
        return _replace_signer(inventory, signer)
    if problem.kind is CauseKind.BOUNDARY_MISSING:
        boundary = check.signer.boundary
        assert boundary is not None and boundary.policy is not None
        grant = _allow({"Action": action, "Resource": resource}, PolicyKind.IDENTITY)
        widened = boundary.model_copy(update={"policy": _with_statement(boundary.policy, grant)})
        return _replace_signer(inventory, check.signer.model_copy(update={"boundary": widened}))
    if problem.kind is CauseKind.SCP_MISSING:
        grant = _allow({"Action": action, "Resource": resource}, PolicyKind.SCP)
        return _rewrite(inventory, lambda p: _with_statement(p, grant) if p.kind is PolicyKind.SCP else p)
    assert problem.kind is CauseKind.RESOURCE_POLICY_MISSING
    grantee = {"AWS": grantable_arn(check.signer)}
    grant = _allow({"Principal": grantee, "Action": action, "Resource": resource}, PolicyKind.RESOURCE)

    def named(policy: Policy) -> Policy:
        # "grant the signer by its ARN instead": a public grant Block Public Access restricts goes.
        if policy.kind is not PolicyKind.RESOURCE:
            return policy
        public = [s for s in policy.statements if s.is_allow and s.principal is not None and s.principal.is_everyone]
        kept = [s for s in policy.statements if s not in public]
        return _with_statement(replace(policy, statements=kept), grant)

    return _rewrite(inventory, named)


def _failing() -> list[tuple[str, PresignCheck, Problem]]:
    """Every failing verdict of the fixture folders with a cause a rewrite takes away (parsed without the cache: at
    collection time no fixture keeps it out of the user's)."""
    found = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
        for folder in FOLDERS:
            found += _failing_in(folder)
    return found


def _failing_in(folder: Path) -> list[tuple[str, PresignCheck, Problem]]:
    config = load_config(start=folder)
    checks, _ = all_declared_checks(config, load_all([str(folder)], config, CheckOptions()).inventories)
    return [
        (f"{folder.parent.parent.name}-{folder.name}-{problem.subject}", check, problem)
        for check in checks
        for problem in check.verdict({}).problems
        if problem.status is Status.FAILS and problem.kind in REWRITTEN
    ]


FAILING = _failing()


def test_the_fixtures_have_failing_verdicts_of_every_rewritten_kind() -> None:
    kinds = {problem.kind for _, _, problem in FAILING}
    assert kinds == REWRITTEN
    assert any(problem.cause.conditions for _, _, problem in FAILING)  # a condition, not a resource, decided


@pytest.mark.parametrize(("name", "check", "problem"), FAILING, ids=[name for name, _, _ in FAILING])
def test_taking_the_named_cause_away_changes_the_answer(name: str, check: PresignCheck, problem: Problem) -> None:
    before = (problem.status, problem.kind, problem.cause.action)
    again = _decide_again(check, _taken_away(check, problem))
    after = {(p.status, p.kind, p.cause.action) for p in again.problems}
    assert before not in after, f"{name}: {problem.message}\nstill: {[p.message for p in again.problems]}"


def _unconditioned(policy: Policy) -> Policy:
    statements = [replace(s, conditions=[]) if s.is_allow else s for s in policy.statements]
    return replace(policy, statements=statements)


MISSING = [
    (name, check, problem)
    for name, check, problem in FAILING
    if problem.kind in (CauseKind.IDENTITY_MISSING, CauseKind.RESOURCE_POLICY_MISSING)
]


@pytest.mark.parametrize(("name", "check", "problem"), MISSING, ids=[name for name, _, _ in MISSING])
def test_a_condition_that_decides_is_named(name: str, check: PresignCheck, problem: Problem) -> None:
    """When the Allows' conditions, not their resources, keep the URL out, the cause names a condition (and the
    message does not say a resource pattern excludes the object)."""
    before = (problem.status, problem.kind, problem.cause.action)
    again = _decide_again(check, _rewrite(check.inventory, _unconditioned))
    decided_by_a_condition = before not in {(p.status, p.kind, p.cause.action) for p in again.problems}
    assert bool(problem.cause.conditions) is decided_by_a_condition, problem.message
    if problem.cause.conditions:
        assert " only on " not in problem.message
