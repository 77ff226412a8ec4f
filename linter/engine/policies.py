"""Policies compiled for evaluation, and the checks AWS makes before it stores a policy.

Each `Policy` object is compiled once (matchers, conditions, principals) and the compiled form is cached by object
identity, so a caller that evaluates thousands of requests against the same policies pays for compilation once. A
`PlainDocument` (the usual policy text, read and checked but not modelled: `simulate`) is compiled from its values
(`CompiledStatement._plain`) to the same compiled form, its model built only for what a decision reports.
Whether a policy is valid depends on the part it plays (`Role`): a Principal is required in a resource policy and
forbidden in an identity policy. Invalid policies raise `InvalidPolicyError`; AWS would refuse to store them, so there
is no decision to make.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import StrEnum
from typing import Final, Literal, cast

from linter.engine.conditions import CompiledCondition
from linter.engine.context import UNKNOWN, Context
from linter.engine.explain import MatchedStatement
from linter.engine.matching import UNBUILT, ActionMatcher, ResourceMatcher, Unbuilt, direct_resource_match
from linter.engine.principals import EntryKind, InvalidPrincipalError, PrincipalEntry, parse_entry, parse_principal
from linter.engine.tri import MAYBE, NO, YES, Tri, negate
from linter.model import Policy, Statement
from linter.sources.policy_document import PlainDocument

# What the engine decides from: a policy's model, or a usual policy text read and checked, whose model is built only
# for what a decision reports (`simulate`).
PolicyInput = Policy | PlainDocument


class InvalidPolicyError(ValueError):
    """A policy AWS would reject (MalformedPolicyDocument); the message starts with file:line:column."""


class Role(StrEnum):
    """The part a policy plays in a request."""

    IDENTITY = "identity"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"
    RESOURCE = "resource"

    @property
    def takes_principal(self) -> bool:
        return self in (Role.RESOURCE, Role.RCP)


class CompiledStatement:
    __slots__ = (
        "_conditions",
        "_document",
        "_matched",
        "_resources",
        "_statement",
        "actions",
        "allow",
        "certainty",
        "deny",
        "doubts_of_its_own",
        "first_question",
        "has_resource",
        "index",
        "not_action",
        "not_principal",
        "not_resource",
        "policy",
        "principals",
        "problems",
        "substitute",
    )
    # Built the first time a request reaches the statement (`resource_matcher`, `compiled_conditions`; `UNBUILT` until
    # then): a batch whose requests each bring their own policies asks about one or two statements of each, and
    # matchers cost more to build than to run once. A statement compiled from a `PlainDocument` builds its model
    # (`statement`) only when asked for too.
    _resources: ResourceMatcher | Unbuilt | None
    _conditions: tuple[CompiledCondition, ...] | Unbuilt
    _statement: Statement | Unbuilt
    doubts_of_its_own: tuple[str, ...]  # about the statement as a whole (unresolved Effect or Version)
    policy: Policy | PlainDocument
    problems: list[str]
    _matched: dict[tuple[str, str], MatchedStatement]

    def __init__(
        self, policy: Policy | PlainDocument, statement: Statement | int, substitute: bool | None = None
    ) -> None:
        """A statement's model, or (`statement` an index) statement `statement` of a `PlainDocument`, compiled from
        its elements' values (`_plain`). `substitute`: whether the policy substitutes variables, when the caller has
        read it already (always, for a PlainDocument). One constructor for both: a class that mypyc compiles
        (setup.py) makes its instances only by calling it."""
        if isinstance(statement, int):
            self._plain(policy, statement, substitute)  # type: ignore[arg-type]  # a PlainDocument's, as said
            return
        policy = cast(Policy, policy)
        self._begin(policy, statement.index, policy.supports_variables if substitute is None else substitute)
        self._statement = statement
        self._document: PlainDocument | None = None
        # Doubts about the statement as a whole cap every answer it gives at MAYBE.
        doubts = []
        effect = statement.effect
        if effect is None:
            self.allow = self.deny = False
        elif effect.unresolved is not None:
            # An unresolved Effect may be either: the statement sits in both lists.
            doubts.append(f"unresolved Effect {effect.unresolved}")
            self.allow = self.deny = True
        else:
            self._effect(effect.value)
        version = policy.version
        if version is not None and version.unresolved is not None and _mentions_variables(statement):
            doubts.append(f"unresolved Version {version.unresolved} decides what '${{' means")
        self.doubts_of_its_own = tuple(doubts)
        self.certainty = MAYBE if doubts else YES
        action = statement.action
        self.not_action = action is None
        if action is None and statement.not_action is None:
            self.problems.append("a statement needs Action or NotAction")
        self.actions = ActionMatcher(action if action is not None else (statement.not_action or []))
        resource, not_resource = statement.resource, statement.not_resource
        self.not_resource = resource is None and not_resource is not None
        self.has_resource = resource is not None or not_resource is not None
        self._resource_problems(
            [
                text.value
                for text in (resource if resource is not None else (not_resource or ()))
                if text.unresolved is None and text.value != "*"
            ]
        )
        element = statement.principal or statement.not_principal
        self.not_principal = statement.not_principal is not None
        self.principals: tuple[PrincipalEntry, ...] | None = None
        if element is not None:
            entries = []
            for ref in element.refs:
                try:
                    entries.append(parse_entry(ref))
                except InvalidPrincipalError as error:
                    self.problems.append(str(error))
            self.principals = tuple(entries)

    def _plain(self, document: PlainDocument, index: int, substitute: bool) -> None:
        """Statement `index` of a `PlainDocument`, compiled as the rest of `__init__` compiles its model: the values
        are known, and their shapes are those the model's builder takes. The hot path of a batch whose requests bring
        their own policies: written out rather than through `_begin` and `_effect`."""
        self.policy = self._document = document
        self.index = index
        self.substitute = substitute
        self._resources = self._conditions = self._statement = UNBUILT
        self.doubts_of_its_own = ()
        self._matched = {}
        self.certainty = YES
        self.first_question = True
        elements = document.elements[index]
        get = elements.get
        problems: list[str] = []
        effect = elements["Effect"]
        self.allow = allow = effect == "Allow"
        self.deny = deny = effect == "Deny"
        if not (allow or deny):
            problems.append(_effect_problem(effect))
        action = get("Action")
        self.not_action = action is None
        patterns = action if action is not None else elements["NotAction"]
        self.actions = ActionMatcher.known((patterns,) if type(patterns) is str else tuple(patterns))
        values = get("Resource")
        self.not_resource = values is None and "NotResource" in elements
        if values is None:
            values = get("NotResource")
        self.has_resource = values is not None
        if values is not None:
            for value in (values,) if type(values) is str else values:
                if value != "*" and not value.lower().startswith("arn:"):
                    problems.append(_resource_problem(value))
        element = get("Principal")
        self.not_principal = element is None and "NotPrincipal" in elements
        if element is None:
            element = get("NotPrincipal")
        self.principals = None
        if element is not None:
            entries = []
            for principal_type, texts in (("AWS", element),) if type(element) is str else element.items():
                for text in (texts,) if type(texts) is str else texts:
                    try:
                        entries.append(parse_principal(principal_type, text))
                    except InvalidPrincipalError as error:
                        problems.append(str(error))
            self.principals = tuple(entries)
        self.problems = problems

    def _begin(self, policy: Policy | PlainDocument, index: int, substitute: bool) -> None:
        self.first_question = False
        self.policy = policy
        self.index = index
        self.substitute = substitute
        self._resources = self._conditions = UNBUILT
        self.problems = []
        self._matched = {}

    def _effect(self, value: str) -> None:
        self.allow = value == "Allow"
        self.deny = value == "Deny"
        if not (self.allow or self.deny):
            self.problems.append(_effect_problem(value))

    def _resource_problems(self, values: list[str]) -> None:
        """`values`: the known Resource or NotResource values other than `*`."""
        for value in values:
            if not value.lower().startswith("arn:"):
                self.problems.append(_resource_problem(value))

    @property
    def statement(self) -> Statement:
        """The statement's model (a plain statement's is built when first asked for)."""
        found = self._statement
        if found is UNBUILT:
            found = self._statement = self._document.statement(self.index)  # type: ignore[union-attr]
        return found

    def resource_matcher(self) -> ResourceMatcher | None:
        """The matcher of the statement's Resource or NotResource (before negation), None without one. Neither this
        nor `compiled_conditions` can fail to build: what AWS would refuse is in `problems` already."""
        found = self._resources
        if found is UNBUILT:
            found = None
            if self.has_resource:
                document = self._document
                if document is not None:
                    found = ResourceMatcher.known(document.resource_values(self.index), self.substitute)
                else:
                    found = ResourceMatcher(self.statement.resources_or_not(), self.substitute)
            self._resources = found
        return found

    def compiled_conditions(self) -> tuple[CompiledCondition, ...]:
        """The statement's Condition, an entry per operator and key."""
        found = self._conditions
        if found is UNBUILT:
            substitute = self.substitute
            document = self._document
            if document is not None:
                found = tuple(
                    CompiledCondition.known(operator, key, values, substitute)
                    for operator, key, values in document.condition_values(self.index)
                )
            else:
                found = tuple(CompiledCondition(c, substitute) for c in self.statement.conditions)
            self._conditions = found
        return found

    def applies(self, action: Tri, resource: str, context: Context, missing: set[str]) -> Tri:
        """Whether the statement applies given how its Action/NotAction matched (`action`), its Resource and its
        Condition; Principal is the caller's business. Adds the condition keys the context lacks to `missing`."""
        found = action
        if self.first_question:
            self.first_question = False
            matched = self._first_resource_match(resource, context)
        else:
            resources = self._resources
            if resources is UNBUILT:
                resources = self.resource_matcher()
            matched = None if resources is None else resources.match(resource, context)
        if matched is not None:
            if self.not_resource:
                matched = negate(matched)
            if matched is NO:
                return NO
            found = min(found, matched)
        conditions = self._conditions
        if conditions is UNBUILT:
            conditions = self.compiled_conditions()
        if conditions:
            for condition in conditions:
                value = context.get(condition.key)
                if value is None or value is UNKNOWN:
                    missing.add(condition.key_name)
            for condition in conditions:
                holds = condition.evaluate(context)
                if holds is NO:
                    return NO
                found = min(found, holds)
        return min(found, self.certainty)

    def _first_resource_match(self, resource: str, context: Context) -> Tri | None:
        """How a plain statement's Resource or NotResource (before negation) matches the first resource asked about,
        None without one: usual patterns are compared directly (`direct_resource_match`), as the matcher would, and
        the matcher is built only for the others, or when a second question comes."""
        if not self.has_resource:
            return None
        values = self._document.resource_values(self.index)  # type: ignore[union-attr]
        found = direct_resource_match(values, resource, self.substitute)
        if found is None:
            return self.resource_matcher().match(resource, context)  # type: ignore[union-attr]
        return found

    def action_matches(self, action: str) -> Tri:
        """Action or NotAction against a lower-cased action name."""
        found = self.actions.match(action)
        return negate(found) if self.not_action else found

    def doubts(self, action: str, resource: str, context: Context) -> list[str]:
        """Why `applies` answered MAYBE."""
        reasons = list(self.doubts_of_its_own)
        if self.actions.match(action) is MAYBE:
            reasons.append(self.actions.doubt(action))
        resources = self.resource_matcher()
        if resources is not None and resources.match(resource, context) is MAYBE:
            reasons.append(resources.doubt(resource, context))
        for condition in self.compiled_conditions():
            if condition.evaluate(context) is MAYBE:
                reasons.append(f"condition {condition.text}: {condition.doubt(context)}")
        return reasons

    def matched(self, policy_type: str, effect: Literal["Allow", "Deny"]) -> MatchedStatement:
        """How a decision cites this statement (built once per policy type and effect)."""
        found = self._matched.get((policy_type, effect))
        if found is None:
            document = self._document
            if document is not None:  # its model is not needed
                sid = document.elements[self.index].get("Sid") or None
                loc = document.location(self.index)
            else:
                sid = self.statement.sid.value if self.statement.sid is not None and self.statement.sid.value else None
                loc = self.statement.loc
            found = self._matched[(policy_type, effect)] = MatchedStatement(
                policy=self.policy.name, policy_type=policy_type, index=self.index, sid=sid, effect=effect, loc=loc
            )
        return found

    @property
    def where(self) -> str:
        return f"{self.statement.loc.short()} ({self.statement.label})"


def _effect_problem(value: str) -> str:
    return f"Effect must be 'Allow' or 'Deny', not {value!r}"


def _resource_problem(value: str) -> str:
    return f"Resource {value!r} must be '*' or an ARN"


def _mentions_variables(statement: Statement) -> bool:
    values = statement.resources_or_not() + [v for c in statement.conditions for v in c.values]
    return any("${" in text.value for text in values)


def _role_problem(statement: CompiledStatement, role: Role, takes_principal: bool) -> str | None:
    """Why AWS would reject the statement in a policy of this role: Principal or NotPrincipal first, then Resource."""
    if statement.principals is None:
        if takes_principal:
            return f"{role.value} policy statements need a Principal"
    elif not takes_principal:
        element = "NotPrincipal" if statement.not_principal else "Principal"
        return f"{element} is not allowed in {role.value} policies"
    elif role is Role.RCP and (
        statement.not_principal or any(e.kind is not EntryKind.EVERYONE for e in statement.principals)
    ):
        return 'a resource control policy supports only "Principal": "*"'
    # Resource policies may omit Resource (trust policies must); the statement then covers the policy's resource.
    if not statement.has_resource and role is not Role.RESOURCE:
        return "a statement needs Resource or NotResource"
    return None


class CompiledPolicy:
    __slots__ = ("_checked", "policy", "statements")

    def __init__(self, policy: Policy | PlainDocument) -> None:
        self.policy = policy
        substitute = policy.supports_variables
        if isinstance(policy, PlainDocument):
            self.statements = tuple([CompiledStatement(policy, i, substitute) for i in range(len(policy.elements))])
        else:
            self.statements = tuple([CompiledStatement(policy, s, substitute) for s in policy.statements])
        self._checked: set[Role] = set()

    def check(self, role: Role) -> None:
        """Raise InvalidPolicyError when AWS would reject this policy in this role."""
        if role in self._checked:
            return
        for issue in self.policy.issues:  # a PlainDocument has none: the schema certainly accepts it
            if issue.code == "schema":
                raise InvalidPolicyError(f"{issue.loc.short()}: {issue.message}")
        takes_principal = role.takes_principal  # read once: a property, and the roles are enum members
        for statement in self.statements:
            # The statement's own problems come first, then the role's.
            problems = statement.problems
            problem = problems[0] if problems else _role_problem(statement, role, takes_principal)
            if problem is not None:
                raise InvalidPolicyError(f"{statement.where}: {problem}")
        self._checked.add(role)


# Ordered, so that the oldest entry goes in O(1): deleting a plain dict's first key again and again leaves its first
# slots empty for the next `next(iter(...))` to walk past (~1 us an eviction at 2,048 entries).
_CACHE: OrderedDict[int, CompiledPolicy] = OrderedDict()
# As many as `simulate` keeps parsed policies: an entry keeps its policy alive, and a batch of requests that each
# bring their own policies kept ~1M objects alive at 8,192 (peak RSS 178 MB on 3,000 requests, 94 MB now).
_CACHE_LIMIT: Final = 2048


def compile_policy(policy: Policy | PlainDocument) -> CompiledPolicy:
    """The compiled form of `policy`, built once per Policy (or PlainDocument) object."""
    found = _CACHE.get(id(policy))
    if found is not None and found.policy is policy:
        return found
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.popitem(last=False)
    compiled = _CACHE[id(policy)] = CompiledPolicy(policy)
    return compiled
