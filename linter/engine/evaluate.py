"""Authorization decisions (docs/iam-semantics.md §1; IAM User Guide, policy evaluation logic).

Order: an explicit Deny in any applicable policy is final. Then every RCP level (resource account) and every SCP
level (principal account) must allow, except in the management account. Then the two sides:

- same account: a resource-policy grant naming the caller itself (user, role session, federated user) decides
  alone; one naming the caller's role stands in for the identity allow but the boundary and session policy still
  apply; one naming the account only delegates to the identity policies.
- cross account, and KMS key or role trust policies (which must allow even in the same account): the principal
  side (identity, boundary, session) and the resource side must both allow.

A missing SCP or RCP allow is reported as implicitDeny. The Organizations guide calls it "explicitly denied, even if
the denial is implicit", but no Deny statement matched, and explicitDeny would send the reader looking for one;
`failed_to_allow` names the level ("scp:level 1") instead.

Uncertainty: each statement answers YES, NO or MAYBE (see `tri`). The decision is computed reading every MAYBE
against access (Allows absent, Denies present) and, when there is any doubt, again reading it for access. The first
answer is the decision; when the two differ it is `uncertain`. A possibly-matching Allow therefore never turns an
implicitDeny into allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from linter.engine.context import (
    Caller,
    CallerKind,
    Context,
    ContextInput,
    InvalidRequestError,
    build_context,
    parse_caller,
)
from linter.engine.explain import Decision, DecisionText, MatchedStatement
from linter.engine.policies import CompiledPolicy, CompiledStatement, Role, compile_policy
from linter.engine.principals import Grant, grant_of, names_caller, not_principal_applies
from linter.engine.public_access import is_public
from linter.engine.tri import MAYBE, NO, YES, Tri
from linter.model import Policy


@dataclass(frozen=True, slots=True)
class Request:
    principal: str  # caller ARN (IAM user/root/role, STS assumed-role or federated-user session) or "anonymous"
    action: str
    resource: str = "*"
    resource_owner: str | None = None  # account id or arn:aws:iam::ID:root; default: the ARN's account, else caller's
    context: Mapping[str, ContextInput] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PolicySet:
    identity: Sequence[Policy] = ()  # the user's own and its groups', or the role's
    resource: Policy | None = None
    boundary: Policy | None = None
    session: Policy | None = None
    scps: Sequence[Sequence[Policy]] = ()  # one list per level, organization root first, principal's account last
    rcps: Sequence[Sequence[Policy]] = ()  # likewise, down to the resource's account
    principal_is_management_account: bool = False
    resource_owner_is_management_account: bool = False
    restrict_public_buckets: bool = False  # S3 Block Public Access on the bucket or its account

    @cached_property
    def compiled(self) -> CompiledPolicySet:
        """Compiled and checked once per PolicySet; raises InvalidPolicyError."""
        return CompiledPolicySet(self)


@dataclass(frozen=True, slots=True)
class _Group:
    label: str
    role: Role
    policies: tuple[CompiledPolicy, ...]


def _group(label: str, role: Role, policies: Sequence[Policy]) -> _Group:
    compiled = tuple(compile_policy(p) for p in policies)
    for policy in compiled:
        policy.check(role)
    return _Group(label, role, compiled)


class CompiledPolicySet:
    def __init__(self, source: PolicySet) -> None:
        self.source = source
        self.identity = _group("identity", Role.IDENTITY, source.identity)
        self.boundary = _group("boundary", Role.BOUNDARY, [source.boundary]) if source.boundary else None
        self.session = _group("session", Role.SESSION, [source.session]) if source.session else None
        self.resource = _group("resource", Role.RESOURCE, [source.resource]) if source.resource else None
        self.resource_is_public = self.resource is not None and is_public(self.resource.policies[0])
        self.scps = tuple(_group(f"scp:level {i}", Role.SCP, level) for i, level in enumerate(source.scps))
        self.rcps = tuple(_group(f"rcp:level {i}", Role.RCP, level) for i, level in enumerate(source.rcps))


@dataclass(frozen=True, slots=True)
class _Hit:
    """A statement that matched (YES) or may have matched (MAYBE) this request."""

    statement: CompiledStatement
    label: str
    tri: Tri
    effect: str
    grant: Grant | None = None


_ACCOUNT_ID = re.compile(r"\d{12}")
_ACCOUNT_ROOT = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):root")


def _resource_account(request: Request, caller: Caller) -> str | None:
    owner = request.resource_owner
    if owner:
        if _ACCOUNT_ID.fullmatch(owner):
            return owner
        match = _ACCOUNT_ROOT.fullmatch(owner)
        if match is None:
            raise InvalidRequestError(f"resource owner {owner!r}: expected an account id or arn:aws:iam::ID:root")
        return match.group(1)
    parts = request.resource.split(":", 5)
    if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]):
        return parts[4]
    return caller.account


def _always_needs_resource_policy(action: str, resource: str) -> bool:
    """KMS key policies and role trust policies must allow even in the same account (EVAL)."""
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return False
    service = parts[2].lower()
    return service == "kms" or (
        service == "iam" and parts[5].startswith("role/") and action.lower().startswith("sts:assumerole")
    )


def evaluate(request: Request, policies: PolicySet, *, now: datetime | None = None) -> Decision:
    """Decide one request. Raises InvalidRequestError or InvalidPolicyError for input AWS would reject."""
    caller = parse_caller(request.principal)
    if ":" not in request.action:
        raise InvalidRequestError(f"action {request.action!r}: expected service:Action")
    owner = _resource_account(request, caller)
    context = build_context(caller, request.context, now or datetime.now(UTC), owner)
    return _Evaluation(request, policies.compiled, caller, owner, context).decision()


class _Evaluation:
    def __init__(
        self, request: Request, policies: CompiledPolicySet, caller: Caller, owner: str | None, context: Context
    ) -> None:
        self.policies = policies
        self.caller = caller
        self.action = request.action.lower()
        self.resource = request.resource
        self.context = context
        self.same_account = caller.account is not None and caller.account == owner
        self.missing: set[str] = set()
        self.denies: list[_Hit] = []
        self.notes: list[str] = []
        self.resource_required = policies.resource is not None and _always_needs_resource_policy(
            request.action, request.resource
        )
        if policies.resource is None and _always_needs_resource_policy(request.action, request.resource):
            self.notes.append(
                "no key or trust policy was given: AWS requires it to allow too; only the rest is decided"
            )
        source = policies.source
        principal_policies_apply = caller.kind not in (CallerKind.ANONYMOUS, CallerKind.ROOT)
        if not principal_policies_apply and (source.identity or source.boundary or source.session):
            self.notes.append(f"identity, boundary and session policies do not apply to {caller.kind.value} callers")
        self.identity = self._scan(policies.identity) if principal_policies_apply else []
        self.boundary = self._scan(policies.boundary) if policies.boundary and principal_policies_apply else None
        self.session = self._scan(policies.session) if policies.session and principal_policies_apply else None
        scps_apply = caller.account is not None and not source.principal_is_management_account
        self.scps = [self._scan(group) for group in policies.scps] if scps_apply else []
        rcps_apply = not source.resource_owner_is_management_account
        self.rcps = [self._scan(group) for group in policies.rcps] if rcps_apply else []
        self.grants = self._scan(policies.resource) if policies.resource else []
        if self.grants and source.restrict_public_buckets and policies.resource_is_public and not self.same_account:
            self.grants = []
            self.notes.append(
                "RestrictPublicBuckets: the bucket policy is public, so its grants work only for the owner's principals"
            )

    def _scan(self, group: _Group) -> list[_Hit]:
        """Allow hits of a group; its Deny hits go to self.denies."""
        allows: list[_Hit] = []
        for policy in group.policies:
            for statement in policy.statements:
                found = statement.applies(self.action, self.resource, self.context, self.missing)
                if found is NO:
                    continue
                if statement.principals is None:
                    if statement.deny:
                        self.denies.append(_Hit(statement, group.label, found, "Deny"))
                    if statement.allow:
                        allows.append(_Hit(statement, group.label, found, "Allow"))
                    continue
                if statement.deny:
                    reach = min(found, self._deny_reaches_caller(statement))
                    if reach is not NO:
                        self.denies.append(_Hit(statement, group.label, reach, "Deny"))
                if statement.allow:
                    allows += self._allow_hits(statement, group, found)
        return allows

    def _deny_reaches_caller(self, statement: CompiledStatement) -> Tri:
        assert statement.principals is not None
        if not statement.not_principal:
            return names_caller(statement.principals, self.caller)
        if self.policies.boundary is not None:
            self.notes.append(
                f"{statement.where}: Deny with NotPrincipal always denies principals that have a permissions boundary"
            )
            return YES
        return not_principal_applies(statement.principals, self.caller)

    def _allow_hits(self, statement: CompiledStatement, group: _Group, found: Tri) -> list[_Hit]:
        assert statement.principals is not None
        if group.role is Role.RCP:
            reach = min(found, names_caller(statement.principals, self.caller))
            return [_Hit(statement, group.label, reach, "Allow")] if reach is not NO else []
        if statement.not_principal:
            self.notes.append(f"{statement.where}: current AWS docs say NotPrincipal with Allow is not supported")
            reach = min(found, not_principal_applies(statement.principals, self.caller))
            return [_Hit(statement, group.label, reach, "Allow", Grant.EVERYONE)] if reach is not NO else []
        best: dict[Grant, Tri] = {}
        for entry in statement.principals:
            granted = grant_of(entry, self.caller)
            if granted is not None:
                best[granted[0]] = max(best.get(granted[0], NO), granted[1])
        return [_Hit(statement, group.label, min(found, sure), "Allow", grant) for grant, sure in best.items()]

    def _outcome(self, lenient: bool) -> tuple[DecisionText, list[str], list[_Hit]]:
        """The decision reading MAYBE for access (lenient) or against it."""

        def present(hits: list[_Hit]) -> list[_Hit]:
            return [h for h in hits if h.tri is YES or (lenient and h.tri is MAYBE)]

        denies = [h for h in self.denies if h.tri is YES or (not lenient and h.tri is MAYBE)]
        if denies:
            return "explicitDeny", [], denies
        failed: list[str] = []
        used: list[_Hit] = []

        def require(label: str, hits: list[_Hit]) -> None:
            allowing = present(hits)
            used.extend(allowing)
            if not allowing:
                failed.append(label)

        for index, hits in enumerate(self.rcps):
            require(f"rcp:level {index}", hits)
        for index, hits in enumerate(self.scps):
            require(f"scp:level {index}", hits)
        grants = present(self.grants)
        used += grants
        kinds = {hit.grant for hit in grants}
        caller = self.caller
        if caller.kind is CallerKind.ANONYMOUS:
            if not kinds & {Grant.EVERYONE, Grant.DIRECT}:
                failed.append("resource")
            return ("implicitDeny" if failed else "allowed"), failed, used
        session_like = caller.kind in (CallerKind.ROLE, CallerKind.SESSION)
        direct = Grant.DIRECT in kinds or (Grant.EVERYONE in kinds and (lenient or not session_like))
        if self.same_account and direct:
            return ("implicitDeny" if failed else "allowed"), failed, used
        identity = present(self.identity)
        used += identity
        stands_in = self.same_account and bool(kinds & {Grant.ROLE, Grant.EVERYONE})
        if not (identity or stands_in or caller.kind is CallerKind.ROOT):
            failed.append("identity")
        if self.boundary is not None:
            require("boundary", self.boundary)
        if self.session is not None:
            require("session", self.session)
        needs_resource = not self.same_account or self.resource_required
        if not kinds and (needs_resource or ("identity" in failed and self.policies.resource is not None)):
            failed.append("resource")
        return ("implicitDeny" if failed else "allowed"), failed, used

    def _everyone_grant_is_ambiguous(self) -> bool:
        return (
            self.same_account
            and self.caller.kind in (CallerKind.ROLE, CallerKind.SESSION)
            and any(h.grant is Grant.EVERYONE for h in self.grants)
            and (self.boundary is not None or self.session is not None)
        )

    def _all_hits(self) -> list[_Hit]:
        hits = self.denies + self.identity + self.grants + (self.boundary or []) + (self.session or [])
        for level in self.scps + self.rcps:
            hits += level
        return hits

    def _warnings(self) -> list[str]:
        warnings = []
        for hit in self._all_hits():
            if hit.tri is MAYBE:
                reasons = hit.statement.doubts(self.action, self.resource, self.context)
                because = "; ".join(reasons) or "unresolved Principal or NotPrincipal value"
                warnings.append(
                    f"{hit.statement.where} of {hit.label} policy {hit.statement.policy.name} may or may "
                    f"not apply: {because}"
                )
        if self._everyone_grant_is_ambiguous():
            warnings.append(
                "a same-account grant to Principal '*' and a role session: the docs do not say whether it counts as "
                "naming the session (final) or the role (limited by the boundary and session policy)"
            )
        return list(dict.fromkeys(warnings))

    def decision(self) -> Decision:
        decision, failed, used = self._outcome(lenient=False)
        doubtful = self._everyone_grant_is_ambiguous() or any(h.tri is MAYBE for h in self._all_hits())
        other = self._outcome(lenient=True)[0] if doubtful else decision
        warnings = self._warnings() if doubtful else []
        return Decision(
            decision=decision,
            matched=tuple(dict.fromkeys(_matched(hit) for hit in used)),
            failed_to_allow=tuple(failed),
            warnings=tuple(warnings),
            notes=tuple(dict.fromkeys(self.notes)),
            uncertain=other != decision,
            possible=(decision, other) if other != decision else (decision,),
            missing_context_keys=tuple(sorted(self.missing, key=str.lower)),
            allowed_by_organizations=self._allowed_by(self.scps, "scp:") if self.scps else None,
            allowed_by_boundary=self._allowed_by([self.boundary], "boundary") if self.boundary is not None else None,
        )

    def _allowed_by(self, levels: list[list[_Hit]], label_prefix: str) -> bool:
        denied = any(h.label.startswith(label_prefix) and h.tri is not NO for h in self.denies)
        return not denied and all(any(h.tri is YES for h in level) for level in levels)


def _matched(hit: _Hit) -> MatchedStatement:
    statement = hit.statement.statement
    return MatchedStatement(
        policy=hit.statement.policy.name,
        policy_type=hit.label,
        index=statement.index,
        sid=statement.sid.value if statement.sid is not None and statement.sid.value else None,
        effect="Deny" if hit.effect == "Deny" else "Allow",
        loc=statement.loc,
    )
