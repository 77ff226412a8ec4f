"""The engine behind AWS's SimulateCustomPolicy request and response shapes, offline.

Request fields, under AWS's names: CallerArn, ActionNames (no wildcards), ResourceArns (default ["*"]),
ResourceOwner (account id or arn:aws:iam::ID:root), PolicyInputList, PermissionsBoundaryPolicyInputList (at most one),
ResourcePolicy, ContextEntries [{ContextKeyName, ContextKeyValues, ContextKeyType}], OrderedOrganizationPolicyInputList
[{"ServiceControlPolicyInputList": [...]}] (root first); MaxItems, Marker and ResourceHandlingOption are accepted and
ignored. What AWS's API lacks: SessionPolicy, OrderedResourceControlPolicyInputList
[{"ResourceControlPolicyInputList": [...]}], PrincipalIsManagementAccount, ResourceOwnerIsManagementAccount,
RestrictPublicBuckets, and a CallerArn that may be a role session, federated user or "anonymous".
Policies are JSON strings, as AWS takes them, or objects (positions then refer to the object printed with indent 2).

Response: {"EvaluationResults": [...]}, one result per action x resource with AWS's fields (MatchedStatements name
policies as AWS does: "PolicyInputList.1", "ResourcePolicy", ...; SourcePolicyType is "IAM Policy" for identity
policies as live responses say, "resource" for the resource policy and "none" otherwise), plus our own "Explanation",
"Warnings". OrganizationsDecisionDetail and PermissionsBoundaryDecisionDetail appear, as in AWS, only when SCPs or a
boundary apply.

Everything here is pure: no printing, no files. Input AWS would reject raises SimulateRequestError (one line).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from linter.engine.conditions import decode_binary, parse_date, parse_network, parse_number
from linter.engine.context import ContextInput, InvalidRequestError
from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.explain import Decision
from linter.engine.policies import InvalidPolicyError
from linter.model import Policy, PolicyKind
from linter.sources import jsonpos
from linter.sources.policy_document import build_policy, file_locator


class SimulateRequestError(ValueError):
    """A request that cannot be simulated; the message is one line."""


_IGNORED_FIELDS = {"MaxItems", "Marker", "ResourceHandlingOption"}
_FIELDS = {
    "CallerArn",
    "ActionNames",
    "ResourceArns",
    "ResourceOwner",
    "PolicyInputList",
    "PermissionsBoundaryPolicyInputList",
    "ResourcePolicy",
    "SessionPolicy",
    "ContextEntries",
    "OrderedOrganizationPolicyInputList",
    "OrderedResourceControlPolicyInputList",
    "PrincipalIsManagementAccount",
    "ResourceOwnerIsManagementAccount",
    "RestrictPublicBuckets",
} | _IGNORED_FIELDS

_SOURCE_POLICY_TYPES = {"identity": "IAM Policy", "resource": "resource"}

_VALUE_CHECKS: dict[str, Any] = {
    "string": lambda v: v,
    "numeric": parse_number,
    "boolean": lambda v: v if v.lower() in ("true", "false") else None,
    "ip": parse_network,
    "binary": decode_binary,
    "date": parse_date,
}


@lru_cache(maxsize=2048)
def _parse_policy(text: str, name: str, kind: PolicyKind) -> Policy:
    try:
        root = jsonpos.parse(text)
    except jsonpos.JsonSyntaxError as error:
        raise SimulateRequestError(
            f"MalformedPolicyDocument: {name}: line {error.line}, column {error.column}: {error.message}"
        ) from None
    return build_policy(root, name, file_locator(name), kind=kind)


def _policy(value: object, name: str, kind: PolicyKind) -> Policy:
    if isinstance(value, dict):
        return _parse_policy(json.dumps(value, indent=2), name, kind)
    if isinstance(value, str):
        return _parse_policy(value, name, kind)
    raise SimulateRequestError(f"{name}: a policy must be a JSON string or object")


def _list(request: dict[str, Any], field: str) -> list[Any]:
    value = request.get(field, [])
    if not isinstance(value, list):
        raise SimulateRequestError(f"{field} must be a list")
    return value


def _policies(request: dict[str, Any], field: str, kind: PolicyKind) -> list[Policy]:
    return [_policy(value, f"{field}.{i}", kind) for i, value in enumerate(_list(request, field), 1)]


def _levels(request: dict[str, Any], field: str, inner: str, kind: PolicyKind) -> list[list[Policy]]:
    levels = []
    for number, level in enumerate(_list(request, field), 1):
        if not isinstance(level, dict) or set(level) - {inner}:
            raise SimulateRequestError(f"{field}.{number} must be an object with {inner}")
        names = f"{field}.{number}.{inner}"
        levels.append([_policy(value, f"{names}.{i}", kind) for i, value in enumerate(_list(level, inner), 1)])
    return levels


def _single_policy(request: dict[str, Any], field: str, kind: PolicyKind) -> Policy | None:
    value = request.get(field)
    return None if value is None else _policy(value, field, kind)


def _flag(request: dict[str, Any], field: str) -> bool:
    value = request.get(field, False)
    if not isinstance(value, bool):
        raise SimulateRequestError(f"{field} must be true or false")
    return value


def _strings(request: dict[str, Any], field: str) -> list[str]:
    values = _list(request, field)
    if not all(isinstance(v, str) for v in values):
        raise SimulateRequestError(f"{field} must be a list of strings")
    return values


def _context(entries: list[Any]) -> dict[str, ContextInput]:
    context: dict[str, ContextInput] = {}
    for number, entry in enumerate(entries, 1):
        where = f"ContextEntries.{number}"
        if not isinstance(entry, dict):
            raise SimulateRequestError(f"{where} must be an object")
        name, values, kind = entry.get("ContextKeyName"), entry.get("ContextKeyValues"), entry.get("ContextKeyType")
        if not isinstance(name, str) or not name:
            raise SimulateRequestError(f"{where}: ContextKeyName must be a non-empty string")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SimulateRequestError(f"{where}: ContextKeyValues must be a list of strings")
        kind = kind or "string"
        base = kind[: -len("List")] if isinstance(kind, str) and kind.endswith("List") else kind
        if base not in _VALUE_CHECKS:
            raise SimulateRequestError(f"{where}: unknown ContextKeyType {kind!r}")
        bad = [v for v in values if _VALUE_CHECKS[base](v) is None]
        if bad:
            raise SimulateRequestError(f"{where}: {bad[0]!r} is not a {base} value")
        if base == kind and len(values) != 1:
            raise SimulateRequestError(f"{where}: a {kind} key takes exactly one value (use {kind}List)")
        context[name] = values[0] if base == kind else tuple(values)
    return context


def _policy_set(request: dict[str, Any]) -> PolicySet:
    boundaries = _policies(request, "PermissionsBoundaryPolicyInputList", PolicyKind.IDENTITY)
    if len(boundaries) > 1:
        raise SimulateRequestError("PermissionsBoundaryPolicyInputList takes at most one policy")
    return PolicySet(
        identity=_policies(request, "PolicyInputList", PolicyKind.IDENTITY),
        resource=_single_policy(request, "ResourcePolicy", PolicyKind.RESOURCE),
        boundary=boundaries[0] if boundaries else None,
        session=_single_policy(request, "SessionPolicy", PolicyKind.IDENTITY),
        scps=_levels(request, "OrderedOrganizationPolicyInputList", "ServiceControlPolicyInputList", PolicyKind.SCP),
        rcps=_levels(
            request, "OrderedResourceControlPolicyInputList", "ResourceControlPolicyInputList", PolicyKind.RCP
        ),
        principal_is_management_account=_flag(request, "PrincipalIsManagementAccount"),
        resource_owner_is_management_account=_flag(request, "ResourceOwnerIsManagementAccount"),
        restrict_public_buckets=_flag(request, "RestrictPublicBuckets"),
    )


def _actions(request: dict[str, Any]) -> list[str]:
    actions = _strings(request, "ActionNames")
    if not actions:
        raise SimulateRequestError("ActionNames is required")
    for action in actions:
        if ":" not in action or "*" in action or "?" in action:
            raise SimulateRequestError(f"ActionNames: {action!r} must be service:Action without wildcards")
    return actions


def _position(line: int, column: int | None) -> dict[str, int]:
    return {"Line": line, "Column": column or 1}


def result_json(action: str, resource: str, decision: Decision) -> dict[str, Any]:
    """One EvaluationResults entry."""
    result: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision.decision,
        "MatchedStatements": [
            {
                "SourcePolicyId": m.policy,
                "SourcePolicyType": _SOURCE_POLICY_TYPES.get(m.policy_type, "none"),
                "StartPosition": _position(m.loc.line, m.loc.column),
                "EndPosition": _position(m.loc.end_line or m.loc.line, m.loc.end_column),
            }
            for m in decision.matched
        ],
        "MissingContextValues": list(decision.missing_context_keys),
    }
    if decision.allowed_by_organizations is not None:
        result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": decision.allowed_by_organizations}
    if decision.allowed_by_boundary is not None:
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": decision.allowed_by_boundary}
    result["Explanation"] = decision.explanation()
    result["Warnings"] = list(decision.warnings)
    return result


def requests_of(request: object) -> tuple[list[Request], PolicySet]:
    """The engine's requests (action x resource) and policy set for one simulate request."""
    if not isinstance(request, dict):
        raise SimulateRequestError("a simulate request must be a JSON object")
    unknown = sorted(set(request) - _FIELDS)
    if unknown:
        raise SimulateRequestError(f"unknown request field {unknown[0]!r}")
    caller = request.get("CallerArn")
    if not isinstance(caller, str) or not caller:
        raise SimulateRequestError("CallerArn is required")
    owner = request.get("ResourceOwner")
    if owner is not None and not isinstance(owner, str):
        raise SimulateRequestError("ResourceOwner must be a string")
    resources = _strings(request, "ResourceArns") or ["*"]
    context = _context(_list(request, "ContextEntries"))
    policies = _policy_set(request)
    try:
        policies.compiled  # noqa: B018 - compiles and checks every policy once, before any decision
    except InvalidPolicyError as error:
        raise SimulateRequestError(f"MalformedPolicyDocument: {error}") from None
    requests = [
        Request(caller, action, resource, owner, context) for action in _actions(request) for resource in resources
    ]
    return requests, policies


def simulate_request(request: object, *, now: datetime | None = None) -> dict[str, Any]:
    """Evaluate a SimulateCustomPolicy-shaped request; raises SimulateRequestError for input AWS would reject."""
    requests, policies = requests_of(request)
    moment = now or datetime.now(UTC)
    results = []
    for one in requests:
        try:
            decision = evaluate(one, policies, now=moment)
        except InvalidRequestError as error:
            raise SimulateRequestError(str(error)) from None
        results.append(result_json(one.action, one.resource, decision))
    return {"EvaluationResults": results}


def simulate_jsonl(lines: Iterable[str], *, now: datetime | None = None) -> Iterator[str]:
    """One JSON response per non-blank input line, in order; a bad line yields {"Error": {"Line", "Message"}}."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            response: dict[str, Any] = simulate_request(json.loads(line), now=now)
        except json.JSONDecodeError as error:
            response = {"Error": {"Line": number, "Message": f"invalid JSON at column {error.colno}: {error.msg}"}}
        except SimulateRequestError as error:
            response = {"Error": {"Line": number, "Message": str(error)}}
        yield json.dumps(response, separators=(",", ":"))
