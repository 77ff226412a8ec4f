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

Two exceptions come before all of this (docs/iam-semantics.md §1): `sts:GetCallerIdentity` needs no permission and
is allowed whatever the policies say; and a `kms:` request on a key or alias whose key policy is not among the
inputs is read both ways (the key policy does not allow; it grants to the caller), so it is never simply allowed.

Uncertainty: each statement answers YES, NO or MAYBE (see `tri`). The decision is computed reading every MAYBE
against access (Allows absent, Denies present) and, when there is any doubt, again reading it for access. The first
answer is the decision; when the two differ it is `uncertain`. A possibly-matching Allow therefore never turns an
implicitDeny into allowed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal, NamedTuple

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
from linter.engine.matching import Globs, ResourceMatcher
from linter.engine.policies import CompiledStatement, PolicyInput, Role, compile_policy
from linter.engine.principals import Grant, grant_of, names_caller, not_principal_applies
from linter.engine.public_access import is_public
from linter.engine.tri import MAYBE, NO, YES, Tri
from linter.lazy_re import lazy_compile
from linter.record import fast_record, interpreted


class Request(NamedTuple):
    # Caller ARN (IAM user/root/role, STS assumed-role or federated-user session) or "anonymous"; None: an unnamed
    # principal of the resource owner's account, as the simulator assumes without CallerArn (no resource policy then).
    principal: str | None
    action: str
    resource: str = "*"
    resource_owner: str | None = None  # account id or arn:aws:iam::ID:root; default: the ARN's account, else caller's
    context: Mapping[str, ContextInput] = MappingProxyType({})  # shared, hence read-only


@interpreted
@fast_record(frozen=True, eq=False)
class PolicySet:
    identity: Sequence[PolicyInput] = ()  # the user's own and its groups', or the role's
    resource: PolicyInput | None = None
    boundary: PolicyInput | None = None
    session: PolicyInput | None = None
    scps: Sequence[Sequence[PolicyInput]] = ()  # one list per level, organization root first, principal's account last
    rcps: Sequence[Sequence[PolicyInput]] = ()  # likewise, down to the resource's account
    principal_is_management_account: bool = False
    resource_owner_is_management_account: bool = False
    restrict_public_buckets: bool = False  # S3 Block Public Access on the bucket or its account

    @property
    def compiled(self) -> CompiledPolicySet:
        """Compiled and checked once per PolicySet; raises InvalidPolicyError. Kept in the instance's `__dict__`, as a
        `cached_property` would keep it: mypyc compiles a `cached_property` into a plain property, computed at every
        read (CONTRIBUTING.md, "The compiled build")."""
        found: CompiledPolicySet | None = self.__dict__.get("compiled")
        if found is None:
            found = self.__dict__["compiled"] = CompiledPolicySet(self)
        return found


class _Group:
    """Policies playing one part; remembers which statements can concern each action."""

    __slots__ = ("_by_action", "label", "policies", "role")

    def __init__(self, label: str, role: Role, policies: Sequence[PolicyInput]) -> None:
        self.label = label
        self.role = role
        self.policies = tuple([compile_policy(p) for p in policies])
        for policy in self.policies:
            policy.check(role)
        self._by_action: dict[str, tuple[tuple[CompiledStatement, Tri], ...]] = {}

    def candidates(self, action: str) -> tuple[tuple[CompiledStatement, Tri], ...]:
        """Statements whose Action or NotAction may cover `action` (lower-cased), with how surely."""
        found = self._by_action.get(action)
        if found is None:
            found = tuple(
                [
                    (statement, matched)
                    for policy in self.policies
                    for statement in policy.statements
                    if (matched := statement.action_matches(action)) is not NO
                ]
            )
            if len(self._by_action) < 4096:
                self._by_action[action] = found
        return found


# Decisions are remembered per policy set: a batch asks the same question about many object keys.
_DECISIONS_PER_SET: Final = 4096


class _Plan:
    """What a decision about one action can depend on, besides the caller, the resource's account and whether a key
    or trust policy must allow: the context keys its candidate statements read (conditions and policy variables) and
    how the resource matches each of their Resource elements that is not `*`."""

    __slots__ = ("keys", "matchers", "patterns")

    def __init__(self, groups: Sequence[_Group], action: str) -> None:
        keys: dict[str, None] = {}
        patterns: dict[Globs, None] = {}  # elements that match or not by one set of patterns, each set once
        matchers: list[ResourceMatcher] = []  # the others
        for group in groups:
            for statement, _ in group.candidates(action):
                resources = statement.resource_matcher()
                if resources is not None:
                    if resources.context_keys:
                        keys.update(dict.fromkeys(resources.context_keys))
                    plain_pattern = resources.plain_pattern()
                    if plain_pattern is not None:
                        patterns[plain_pattern] = None
                    elif not resources.matches_everything:
                        matchers.append(resources)
                for condition in statement.compiled_conditions():
                    keys[condition.key] = None
                    variables = condition.context_keys
                    if variables:
                        keys.update(dict.fromkeys(variables))
        self.keys = tuple(keys)
        self.patterns = tuple(patterns)
        self.matchers = tuple(matchers)

    def signature(self, resource: str, context: Context) -> tuple[object, ...]:
        """How the resource matches each Resource element that may concern the action. The reasons for a doubt end
        up in warnings, so they are part of what the decision depends on."""
        signature: list[object] = [bool(pattern.fullmatch(resource)) for pattern in self.patterns]
        for resources in self.matchers:
            found = resources.match(resource, context)
            signature.append(found if found is not MAYBE else resources.doubt(resource, context))
        return tuple(signature)


class CompiledPolicySet:
    def __init__(self, source: PolicySet) -> None:
        # What decisions read of `source` itself, copied: holding `source`, which holds this object once compiled,
        # would make a reference cycle, and each PolicySet a cache lets go would wait for a full collection (with
        # every policy it holds) instead of being freed at once.
        self.has_principal_policies = bool(source.identity or source.boundary or source.session)
        self.principal_is_management_account = source.principal_is_management_account
        self.resource_owner_is_management_account = source.resource_owner_is_management_account
        self.restrict_public_buckets = source.restrict_public_buckets
        self.identity = _Group("identity", Role.IDENTITY, source.identity)
        self.boundary = _Group("boundary", Role.BOUNDARY, [source.boundary]) if source.boundary else None
        self.session = _Group("session", Role.SESSION, [source.session]) if source.session else None
        self.resource = _Group("resource", Role.RESOURCE, [source.resource]) if source.resource else None
        # Read only under S3 Block Public Access (RestrictPublicBuckets): most sets never need it.
        self.resource_is_public = (
            self.restrict_public_buckets and self.resource is not None and is_public(self.resource.policies[0])
        )
        self.scps = tuple([_Group(f"scp:level {i}", Role.SCP, level) for i, level in enumerate(source.scps)])
        self.rcps = tuple([_Group(f"rcp:level {i}", Role.RCP, level) for i, level in enumerate(source.rcps)])
        every = (self.identity, self.boundary, self.session, self.resource, *self.scps, *self.rcps)
        self._groups = tuple([group for group in every if group is not None])
        self._plans: dict[str, _Plan] = {}
        self._decisions: dict[Hashable, Decision] = {}
        self._asked = False
        # The first request (`key_of`'s arguments) and its decision, until a second request makes its key.
        self._first: tuple[str | None, str | None, str, int, str, Context] = ("", None, "", 0, "", {})
        self._first_decision: Decision | None = None

    def plan(self, action: str) -> _Plan:
        """What a decision about `action` (lower-cased) depends on."""
        found = self._plans.get(action)
        if found is None:
            found = _Plan(self._groups, action)
            if len(self._plans) < 4096:
                self._plans[action] = found
        return found

    def remembered(
        self, principal: str | None, owner: str | None, action: str, need: int, resource: str, context: Context
    ) -> tuple[Hashable | None, Decision | None]:
        """The key the decision of a request is remembered under, and the decision remembered under it if any.

        The key (`action` lower-cased, `need` what the request needs of the resource policy) holds everything the
        decision depends on: the caller (its ARN names it; without one it is the
        owner's), and the context and resource ARN only as far as the statements that may concern the action read
        them. None for the set's first request: a set asked once (a batch whose requests each bring their own
        policies) gains nothing from keys, which cost a fifth of a decision, so the first one's key is made when a
        second request comes."""
        if not self._asked:
            self._asked = True
            self._first = (principal, owner, action, need, resource, context)
            return None, None
        if self._first_decision is not None:
            first, self._first_decision = self._first_decision, None
            self._decisions[self.remembered(*self._first)[0]] = first
        plan = self.plan(action)
        get = context.get
        key = (
            principal,
            owner,
            action,
            (need, resource) if need == _KEY_POLICY_UNSEEN else need,  # the note names the key
            tuple([get(name) for name in plan.keys]),
            plan.signature(resource, context),
        )
        return key, self._decisions.get(key)

    def remember(self, key: Hashable | None, decision: Decision) -> None:
        """Remember a decision under its key (`remembered`): None for the first request's."""
        if key is None:
            self._first_decision = decision
            return
        if len(self._decisions) >= _DECISIONS_PER_SET:
            self._decisions.clear()
        self._decisions[key] = decision


class _Hit(NamedTuple):
    """A statement that matched (YES) or may have matched (MAYBE) this request."""

    statement: CompiledStatement
    label: str
    tri: Tri
    effect: Literal["Allow", "Deny"]
    grant: Grant | None = None

    @property
    def cited(self) -> MatchedStatement:
        return self.statement.matched(self.label, self.effect)


_ACCOUNT_ID = lazy_compile(r"\d{12}")
_ACCOUNT_ROOT = lazy_compile(r"arn:aws[a-z-]*:iam::(\d{12}):root")


def _resource_account(owner: str | None, resource: str, caller_account: str | None) -> str | None:
    """The explicit owner, else the account in the resource ARN, else the caller's (as the simulator assumes)."""
    if owner:
        return _owner_account(owner)
    parts = resource.split(":", 5)
    if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]):
        return parts[4]
    return caller_account


@lru_cache(maxsize=1024)
def _owner_account(owner: str) -> str:
    if _ACCOUNT_ID.fullmatch(owner):
        return owner
    match = _ACCOUNT_ROOT.fullmatch(owner)
    if match is None:
        raise InvalidRequestError(f"resource owner {owner!r}: expected an account id or arn:aws:iam::ID:root")
    return match.group(1)


# What the request needs of the resource policy: nothing special; a key or trust policy that must allow even in the
# same account; or a KMS key policy that must allow but is not among the inputs.
_ORDINARY, _MUST_ALLOW, _KEY_POLICY_UNSEEN = 0, 1, 2

# The action AWS allows whatever the policies say (docs/iam-semantics.md §1 "Actions that need no permission").
_GET_CALLER_IDENTITY: Final = "sts:getcalleridentity"
_NO_PERMISSION_NEEDED = Decision(
    "allowed",
    notes=(
        "sts:GetCallerIdentity needs no permission: AWS allows it whatever the policies say, an explicit deny "
        "included (STS API Reference, GetCallerIdentity)",
    ),
    possible=("allowed",),
)


def _always_needs_resource_policy(action: str, resource: str) -> bool:
    """KMS key policies and role trust policies must allow even in the same account (EVAL); `action` lower-cased."""
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return False
    service = parts[2].lower()
    return service == "kms" or (
        service == "iam" and parts[5].startswith("role/") and action.startswith("sts:assumerole")
    )


def _unusual_need(action: str, resource: str, given: bool) -> int:
    """`_MUST_ALLOW` or `_KEY_POLICY_UNSEEN` for a request `_always_needs_resource_policy` holds for; `given`: a
    resource policy is among the inputs. A KMS request (`kms:` action) on a key or alias whose key policy is not given
    cannot be decided: every key has exactly one key policy, and identity policies alone never grant use of a key
    (docs/iam-semantics.md §1 KMS keys)."""
    if given or not action.startswith("kms:"):
        return _MUST_ALLOW
    resource_part = resource.split(":", 5)[5]
    return _KEY_POLICY_UNSEEN if resource_part.startswith(("key/", "alias/")) else _MUST_ALLOW


def evaluate(request: Request, policies: PolicySet, *, now: datetime | None = None) -> Decision:
    """Decide one request. Raises InvalidRequestError or InvalidPolicyError for input AWS would reject."""
    return decide(
        request.principal, request.action, request.resource, request.resource_owner, request.context, policies, now
    )


def decide(
    principal: str | None,
    action: str,
    resource: str,
    resource_owner: str | None,
    explicit: Mapping[str, ContextInput],
    policies: PolicySet,
    now: datetime | None = None,
) -> Decision:
    """`evaluate` for a request given as its fields (batches skip building a Request)."""
    if ":" not in action:
        raise InvalidRequestError(f"action {action!r}: expected service:Action")
    if principal is None:
        if policies.resource is not None:
            raise InvalidRequestError("a resource policy needs a named caller")
        owner = _resource_account(resource_owner, resource, None)
        caller = Caller(arn="", kind=CallerKind.UNNAMED, account=owner)
    else:
        caller = parse_caller(principal)
        owner = _resource_account(resource_owner, resource, caller.account)
    # The clock is read in whole seconds (aws:CurrentTime, aws:EpochTime): one context per second.
    context = build_context(caller, explicit, now or datetime.now(UTC).replace(microsecond=0), owner)
    compiled = policies.compiled
    lowered = action.lower()
    if lowered == _GET_CALLER_IDENTITY and caller.kind is not CallerKind.ANONYMOUS:
        return _NO_PERMISSION_NEEDED
    need = (
        _unusual_need(lowered, resource, policies.resource is not None)
        if _always_needs_resource_policy(lowered, resource)
        else _ORDINARY
    )
    key, decision = compiled.remembered(principal, owner, lowered, need, resource, context)
    if decision is None:
        evaluation = _Evaluation(
            caller,
            lowered,
            resource,
            compiled,
            owner=owner,
            context=context,
            need=need,
        )
        decision = evaluation.decision()
        compiled.remember(key, decision)
    return decision


class _Hits:
    """Statements of one policy type that matched the request, surely (YES) or perhaps (MAYBE)."""

    __slots__ = ("maybe", "sure")

    def __init__(self) -> None:
        self.sure: list[_Hit] = []
        self.maybe: list[_Hit] = []

    def add(self, hit: _Hit) -> None:
        (self.sure if hit.tri is YES else self.maybe).append(hit)

    def allowing(self, lenient: bool) -> list[_Hit]:
        """The Allow hits that count: the doubtful ones only when reading doubt for access."""
        return self.sure + self.maybe if lenient and self.maybe else self.sure

    def denying(self, lenient: bool) -> list[_Hit]:
        """The Deny hits that count: the doubtful ones only when reading doubt against access."""
        return self.sure if lenient or not self.maybe else self.sure + self.maybe


_NOTHING: Final = _Hits()


class _Evaluation:
    def __init__(
        self,
        caller: Caller,
        action: str,
        resource: str,
        policies: CompiledPolicySet,
        *,
        owner: str | None,
        context: Context,
        need: int,
    ) -> None:
        self.policies = policies
        self.caller = caller
        self.action = action
        self.resource = resource
        self.context = context
        self.same_account = caller.kind is CallerKind.UNNAMED or (
            caller.account is not None and caller.account == owner
        )
        self.missing: set[str] = set()
        self.denies = _Hits()
        self.notes: list[str] = []
        # A key or trust policy must allow; an unseen key policy is read both ways: it does not allow (strict), or
        # it grants to the caller itself (lenient), so the decision is uncertain unless the rest settles it.
        self.key_policy_unseen = need == _KEY_POLICY_UNSEEN
        self.resource_required = need == _KEY_POLICY_UNSEEN or (need == _MUST_ALLOW and policies.resource is not None)
        if self.key_policy_unseen:
            self.notes.append(
                f"no key policy was given for {resource}: every KMS key has exactly one key policy, and identity "
                "policies alone never grant use of a key, so the decision depends on that key policy"
            )
        elif need == _MUST_ALLOW and policies.resource is None:
            self.notes.append(
                "no key or trust policy was given: AWS requires it to allow too; only the rest is decided"
            )
        principal_policies_apply = caller.kind not in (CallerKind.ANONYMOUS, CallerKind.ROOT)
        if not principal_policies_apply and policies.has_principal_policies:
            self.notes.append(f"identity, boundary and session policies do not apply to {caller.kind.value} callers")
        self.identity = self._scan(policies.identity) if principal_policies_apply else _NOTHING
        self.boundary = self._scan(policies.boundary) if policies.boundary and principal_policies_apply else None
        self.session = self._scan(policies.session) if policies.session and principal_policies_apply else None
        scps_apply = caller.kind is not CallerKind.ANONYMOUS and not policies.principal_is_management_account
        self.scps = [self._scan(group) for group in policies.scps] if scps_apply else []
        rcps_apply = not policies.resource_owner_is_management_account
        self.rcps = [self._scan(group) for group in policies.rcps] if rcps_apply else []
        self.grants = self._scan(policies.resource) if policies.resource else _NOTHING
        if policies.resource_is_public and not self.same_account:  # public, and RestrictPublicBuckets on
            if self.grants.sure or self.grants.maybe:
                self.notes.append(
                    "RestrictPublicBuckets: the bucket policy is public, so its grants work only for the owner's "
                    "principals"
                )
            self.grants = _NOTHING

    def _scan(self, group: _Group) -> _Hits:
        """Allow hits of a group; its Deny hits go to self.denies."""
        allows = _Hits()
        for statement, action_matched in group.candidates(self.action):
            found = statement.applies(action_matched, self.resource, self.context, self.missing)
            if found is NO:
                continue
            if statement.principals is None:
                if statement.deny:
                    self.denies.add(_Hit(statement, group.label, found, "Deny"))
                if statement.allow:
                    allows.add(_Hit(statement, group.label, found, "Allow"))
                continue
            if statement.deny:
                reach = min(found, self._deny_reaches_caller(statement))
                if reach is not NO:
                    self.denies.add(_Hit(statement, group.label, reach, "Deny"))
            if statement.allow:
                for hit in self._allow_hits(statement, group, found):
                    allows.add(hit)
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
        """The decision reading doubt for access (lenient) or against it."""
        denies = self.denies.denying(lenient)
        if denies:
            return "explicitDeny", [], denies
        failed: list[str] = []
        used: list[_Hit] = []

        def require(label: str, hits: _Hits) -> None:
            allowing = hits.allowing(lenient)
            used.extend(allowing)
            if not allowing:
                failed.append(label)

        for index, hits in enumerate(self.rcps):
            require(f"rcp:level {index}", hits)
        for index, hits in enumerate(self.scps):
            require(f"scp:level {index}", hits)
        grants = self.grants.allowing(lenient)
        used += grants
        kinds = {hit.grant for hit in grants}
        if lenient and self.key_policy_unseen:
            kinds.add(Grant.DIRECT)  # the key policy not given may name the caller itself
        caller = self.caller
        if caller.kind is CallerKind.ANONYMOUS:
            if not kinds & {Grant.EVERYONE, Grant.DIRECT}:
                failed.append("resource")
            return ("implicitDeny" if failed else "allowed"), failed, used
        session_like = caller.kind in (CallerKind.ROLE, CallerKind.SESSION)
        direct = Grant.DIRECT in kinds or (Grant.EVERYONE in kinds and (lenient or not session_like))
        if self.same_account and direct:
            return ("implicitDeny" if failed else "allowed"), failed, used
        identity = self.identity.allowing(lenient)
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
            and (self.boundary is not None or self.session is not None)
            and any(h.grant is Grant.EVERYONE for h in self.grants.sure + self.grants.maybe)
        )

    def _doubtful_hits(self) -> list[_Hit]:
        groups = [self.denies, self.identity, self.grants, self.boundary, self.session, *self.scps, *self.rcps]
        return [hit for hits in groups if hits is not None for hit in hits.maybe]

    def _warnings(self, doubtful: list[_Hit], ambiguous: bool) -> list[str]:
        warnings = []
        for hit in doubtful:
            reasons = hit.statement.doubts(self.action, self.resource, self.context)
            because = "; ".join(reasons) or "unresolved Principal or NotPrincipal value"
            where = f"{hit.statement.where} of {hit.label} policy {hit.statement.policy.name}"
            warnings.append(f"{where} may or may not apply: {because}")
        if ambiguous:
            warnings.append(
                "a same-account grant to Principal '*' and a role session: the docs do not say whether it counts as "
                "naming the session (final) or the role (limited by the boundary and session policy)"
            )
        return list(dict.fromkeys(warnings))

    def decision(self) -> Decision:
        decision, failed, used = self._outcome(lenient=False)
        doubtful = self._doubtful_hits()
        ambiguous = self._everyone_grant_is_ambiguous()
        other = self._outcome(lenient=True)[0] if doubtful or ambiguous or self.key_policy_unseen else decision
        denied_by = {hit.label for hit in self.denies.sure + self.denies.maybe}
        return Decision(
            decision=decision,
            # The same statement can count twice (two grants of one statement): cite it once.
            matched=tuple({(id(hit.statement), hit.label, hit.effect): hit.cited for hit in used}.values()),
            failed_to_allow=tuple(failed),
            warnings=tuple(self._warnings(doubtful, ambiguous)) if doubtful or ambiguous else (),
            notes=tuple(dict.fromkeys(self.notes)),
            uncertain=other != decision,
            possible=(decision, other) if other != decision else (decision,),
            missing_context_keys=tuple(sorted(self.missing, key=str.lower)),
            allowed_by_organizations=(
                all(level.sure for level in self.scps) and not any(label.startswith("scp:") for label in denied_by)
                if self.scps
                else None
            ),
            allowed_by_boundary=(
                bool(self.boundary.sure) and "boundary" not in denied_by if self.boundary is not None else None
            ),
        )
