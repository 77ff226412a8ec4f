"""What a statement grants, read the way IAM reads it; shared by the privilege, trust and resource rules.

Every helper here treats a value whose `Text.is_unknown` is true (an unresolved Terraform expression) as
something it cannot judge: unknown actions and resources grant nothing it can name, and an unknown condition
counts as restricting, so no rule reports a guess as a fact (unknowns are reported by their own mechanism).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from linter.awsdata import INPUT_KEYED_CACHE, AwsData
from linter.engine.matching import Globs, compile_any, fold, glob_source
from linter.engine.operators import Family, Operator, OperatorError, parse_operator
from linter.engine.variables import plain
from linter.lazy_re import lazy_compile
from linter.model import Condition, PolicyKind, Statement, Text

# --- effect ---------------------------------------------------------------------------------------------------


def is_allow(statement: Statement) -> bool:
    """A known Allow. Deny statements are never judged as grants; an unresolved Effect is not judged at all."""
    return statement.effect is not None and not statement.effect.is_unknown and statement.is_allow


def known(texts: Iterable[Text] | None) -> list[Text]:
    return [text for text in texts or () if not text.is_unknown]


# --- actions --------------------------------------------------------------------------------------------------

_ANY_ACTION = lazy_compile(r"^\*+(?::\*+)?$")


@lru_cache(maxsize=4096)
def _action_glob(pattern: str) -> Globs:
    """IAM action matching: case-insensitive, `*` any run, `?` one character (iam-semantics §2), linear in the action
    whatever the pattern."""
    return compile_any((glob_source(pattern),), ignore_case=True)


def action_matches(pattern: str, action: str) -> bool:
    """Does the Action element value `pattern` cover the concrete action `service:Name`?"""
    return bool(_action_glob(pattern).fullmatch(action))


def is_any_action(pattern: str) -> bool:
    """`*`, `*:*` and their look-alikes: every action of every service."""
    return _ANY_ACTION.match(pattern) is not None


@lru_cache(maxsize=1 << 15)
def service_wildcard(pattern: str) -> str | None:
    """The service of a `service:*` pattern (every action of one service), else None. Cached: three rules ask it of
    every Action value, and the AWS managed policies hold ~20,000 distinct ones."""
    service, sep, name = pattern.partition(":")
    if sep and service and "*" not in service and "?" not in service and name and set(name) == {"*"}:
        return service.lower()
    return None


# Services whose every action (`iam:*`) is an error rather than a warning in identity policies: each can grant,
# assume or unlock every other permission (identities and policies, sessions, the organization, keys, SSO).
SENSITIVE_SERVICES = frozenset({"iam", "sts", "organizations", "kms", "sso"})


def service_wildcards(statement: Statement) -> Iterator[tuple[Text, str]]:
    """The `service:*` values of a statement's Action element, with their (lower-case) service."""
    for text in known(statement.action):
        service = service_wildcard(text.value)
        if service is not None:
            yield text, service


def grants_action(statement: Statement, action: str) -> Text | None:
    """The Action (or NotAction) element that makes this statement cover `action`, or None.

    With `NotAction` the statement covers every action none of the listed patterns match; the first NotAction
    value stands for the element. An unknown value could be anything, so it neither grants nor excludes.
    """
    return granted_actions(statement, (action,)).get(action)


def granted_actions(statement: Statement, actions: tuple[str, ...]) -> dict[str, Text]:
    """`grants_action` for several actions at once: those of `actions` the statement covers, each with the element
    that covers it. A rule that asks about the same few actions of every statement (IPP009's 25) pays one lookup
    per Action value instead of a match per value and action."""
    named = _by_name(actions)
    if statement.action is not None:
        granted: dict[str, Text] = {}
        for text in known(statement.action):
            for action in _covered(text.value, actions, named):
                granted.setdefault(action, text)
        return granted
    if statement.not_action and not any(t.is_unknown for t in statement.not_action):
        excluded = set().union(*(_covered(t.value, actions, named) for t in statement.not_action))
        return {action: statement.not_action[0] for action in actions if action not in excluded}
    return {}


def _covered(pattern: str, actions: tuple[str, ...], named: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The `actions` an Action value matches (`named`: them by `_by_name`). Most values name one action and are
    looked up, compared as the case-insensitive match compares (`fold`; the markers of `plain` are not ASCII): large
    policies hold tens of thousands of distinct values, too many to keep a matcher for each (the matchers' caches
    then missed on nearly every value, compiling it again)."""
    if "*" in pattern or "?" in pattern:
        return _covered_by_glob(pattern, actions)
    return named.get(fold(pattern if pattern.isascii() else plain(pattern)), ())


@lru_cache(maxsize=4096)
def _covered_by_glob(pattern: str, actions: tuple[str, ...]) -> tuple[str, ...]:
    glob = _action_glob(pattern)
    return tuple(action for action in actions if glob.fullmatch(action))


@lru_cache(maxsize=INPUT_KEYED_CACHE)
def _by_name(actions: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The `actions` by their folded name (rules ask about a few fixed tuples of them)."""
    named: dict[str, tuple[str, ...]] = {}
    for action in actions:
        key = fold(action)
        named[key] = (*named.get(key, ()), action)
    return named


# --- resources ------------------------------------------------------------------------------------------------

_ANY_ARN = lazy_compile(r"^arn:(?:\*+|aws[a-z-]*):\*+:\*+:\*+:\*+$", re.IGNORECASE)
# An ARN whose resource part is a wildcard over a whole resource type: `role/*`, `function:*`, `*`.
_TYPE_WIDE_ARN = lazy_compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:(?:[A-Za-z0-9_-]+[/:])?\*+$")


def is_any_resource(value: str) -> bool:
    """`*` (or `arn:*:*:*:*:*`): every resource."""
    return (bool(value) and set(value) == {"*"}) or _ANY_ARN.match(value) is not None


def is_type_wide_resource(value: str) -> bool:
    """Every resource, or every resource of one type (`arn:aws:iam::111122223333:role/*`)."""
    return is_any_resource(value) or _TYPE_WIDE_ARN.match(value) is not None


def any_resource_element(statement: Statement) -> Text | None:
    """The `Resource: "*"` value of a statement, if it has one."""
    return next((t for t in known(statement.resource) if is_any_resource(t.value)), None)


def _arn_service_may_be(value: str, service: str) -> bool:
    parts = value.split(":")
    return len(parts) >= 6 and action_matches(parts[2], service)


def broad_resource_element(statement: Statement, service: str) -> Text | None:
    """The value that makes the statement reach every resource of one of `service`'s types: `*`, a type-wide
    ARN of that service (`arn:aws:lambda:*:111122223333:function:*`), or NotResource."""
    if statement.resource is not None:
        return next(
            (
                t
                for t in known(statement.resource)
                if is_any_resource(t.value)
                or (is_type_wide_resource(t.value) and _arn_service_may_be(t.value, service))
            ),
            None,
        )
    if statement.not_resource and not any(t.is_unknown for t in statement.not_resource):
        return statement.not_resource[0]
    return None


def may_name_role(value: str) -> bool:
    """Could this Resource value match some IAM role ARN? (`arn:aws:s3:::bkt/*` cannot; `*` and `role/app-*` can.)"""
    if is_any_resource(value):
        return True
    if not _arn_service_may_be(value, "iam"):
        return False
    resource = value.split(":", 5)[5]
    head = re.split(r"[*?]", resource, maxsplit=1)[0]
    return head.startswith("role/") or (head != resource and "role/".startswith(head))


# --- conditions -----------------------------------------------------------------------------------------------

# Context keys that do not narrow who can use a grant or on what: every SDK call sets aws:SecureTransport, a
# caller picks its own Region and User-Agent, and MFA or token age says how a session was made, not whose it is.
NON_NARROWING_KEYS = frozenset(
    {
        "aws:securetransport",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:requestedregion",
        "aws:useragent",
        "aws:referer",
        "aws:currenttime",
        "aws:epochtime",
        "aws:tokenissuetime",
    }
)


def condition_is_unknown(condition: Condition) -> bool:
    return condition.operator.is_unknown or condition.key.is_unknown or any(v.is_unknown for v in condition.values)


@lru_cache(maxsize=INPUT_KEYED_CACHE)
def _operator(text: str) -> Operator | None:
    try:
        return parse_operator(text)
    except OperatorError:
        return None


def is_wildcard_only(value: str) -> bool:
    return bool(value) and set(value) <= {"*", "?"}


def positive_operator(condition: Condition, *, key_always_present: bool = False) -> Operator | None:
    """The parsed operator when it can be false for a request that lacks the key, else None.

    A negated operator, `...IfExists` and `ForAllValues:` are all true when the key is absent (iam-semantics §3),
    and `Null` only tests presence: none of them restricts an Allow. An operator AWS rejects restricts nothing.
    For a key every request carries (`key_always_present`), `ForAllValues:` over its values restricts as the plain
    operator does.
    """
    operator = _operator(condition.operator.value)
    if operator is None or operator.negated or operator.if_exists or operator.family is Family.NULL:
        return None
    if operator.qualifier == "ForAllValues" and not key_always_present:
        return None
    return operator


def restricting_operator(condition: Condition, *, key_always_present: bool = False) -> Operator | None:
    """`positive_operator`, unless a like-operator value is a bare `*` (which matches everything)."""
    operator = positive_operator(condition, key_always_present=key_always_present)
    like = operator is not None and operator.base.comparison == "like"
    if like and any(is_wildcard_only(v.value) for v in condition.values):
        return None
    return operator


def restricting_conditions(
    statement: Statement, accept: Callable[[Condition, Operator], bool], *, key_always_present: bool = False
) -> Iterator[Condition]:
    """Conditions that restrict the statement and that `accept` deems relevant; unknown ones always count."""
    for condition in statement.conditions:
        if condition_is_unknown(condition):
            yield condition
            continue
        operator = restricting_operator(condition, key_always_present=key_always_present)
        if operator is not None and accept(condition, operator):
            yield condition


def is_restricted(statement: Statement, accept: Callable[[Condition, Operator], bool]) -> bool:
    return next(restricting_conditions(statement, accept), None) is not None


def key_name(condition: Condition) -> str:
    return condition.key.value.lower()


def on_keys(*keys: str) -> Callable[[Condition, Operator], bool]:
    """An `accept` for conditions on these keys (case-insensitive); a key ending in `/` matches its tag family."""
    exact = frozenset(k.lower() for k in keys if not k.endswith("/"))
    prefixes = tuple(k.lower() for k in keys if k.endswith("/"))

    def accept(condition: Condition, operator: Operator) -> bool:
        name = key_name(condition)
        return name in exact or (bool(prefixes) and name.startswith(prefixes))

    return accept


def narrows(condition: Condition, operator: Operator) -> bool:
    """An `accept` for any condition that narrows the grant (see NON_NARROWING_KEYS)."""
    return key_name(condition) not in NON_NARROWING_KEYS


# --- grants ---------------------------------------------------------------------------------------------------


def full_admin_elements(statement: Statement) -> tuple[Text, Text] | None:
    """The `*` action and `*` resource of an Allow that no condition narrows: full administrator access."""
    if not is_allow(statement):
        return None
    action = next((t for t in known(statement.action) if is_any_action(t.value)), None)
    resource = any_resource_element(statement)
    if action is None or resource is None or is_restricted(statement, narrows):
        return None
    return action, resource


# --- principals -----------------------------------------------------------------------------------------------

_ACCOUNT = lazy_compile(r"^(?:arn:aws[a-z-]*:iam::(\d{12}):root|(\d{12}))$", re.IGNORECASE)


def account_of(principal: str) -> str | None:
    """The account id of an account principal (`arn:aws:iam::ID:root` or a bare `ID`), else None."""
    match = _ACCOUNT.match(principal)
    return (match.group(1) or match.group(2)) if match else None


# An account's root whose account Terraform knows only at apply (`arn:${partition}:iam::${var.account_id}:root`, as
# evaluated with its unknown parts left as written): whatever the value, a valid principal of that shape is the root.
_UNKNOWN_ACCOUNT_ROOT = lazy_compile(r"arn:(?:aws[a-z-]*|\$\{[^{}]+\}):iam::\$\{[^{}]+\}:root", re.IGNORECASE)


def is_account_root(text: Text) -> bool:
    """The principal is a whole account (`arn:aws:iam::ID:root`, a bare ID), its account known or not."""
    if text.is_unknown:
        return _UNKNOWN_ACCOUNT_ROOT.fullmatch(text.value) is not None
    return account_of(text.value) is not None


def is_delegation(statement: Statement) -> bool:
    """Every principal is a whole account: the statement delegates to that account's IAM and grants nothing itself.

    iam-semantics §1 ("account principals delegate"): what such a statement allows is decided by the identity
    policies in that account, which are linted where they are written.
    """
    principals = statement.principal
    if principals is None or not principals.refs:
        return False
    return all(ref.type == "AWS" and is_account_root(ref.value) for ref in principals.refs)


# --- messages -------------------------------------------------------------------------------------------------


def listing(names: Iterable[str], limit: int = 4) -> str:
    """`a, b, c and 3 more`: a readable, stable list for messages."""
    items = list(dict.fromkeys(names))
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def resources_text(statement: Statement, kind: PolicyKind) -> str:
    """How messages name what a statement applies to (in a key policy `*` is the key; a trust policy has none)."""
    if statement.resource is not None:
        if kind is PolicyKind.KEY and all(is_any_resource(t.value) for t in known(statement.resource)):
            return "this key"
        return listing(t.value for t in statement.resource) or "no resource"
    if statement.not_resource is not None:
        return "every resource except " + (listing(t.value for t in statement.not_resource) or "nothing")
    return {PolicyKind.TRUST: "this role", PolicyKind.KEY: "this key"}.get(kind, "the resource the policy is on")


def powerful_actions(aws: AwsData, service: str) -> str:
    """A few of the service's permissions-management actions, to show what `service:*` gives away."""
    names = [info.full_name for info in aws.actions(service).values() if "Permissions management" in info.access_level]
    if not names:
        return ""
    best_known_first = sorted(names, key=lambda name: ("Policy" not in name, name))  # PutBucketPolicy, PutKeyPolicy
    return f", including {len(names)} that change permissions ({listing(best_known_first, 3)})"


# --- iam:PassRole ---------------------------------------------------------------------------------------------

PASS_ROLE = "iam:PassRole"
_EVERY_ROLE = lazy_compile(r"^arn:[^:]*:iam::[^:]*:(?:\*+|role/\*+)$", re.IGNORECASE)
_ROLE_TAG_KEYS = on_keys("aws:ResourceTag/", "iam:ResourceTag/")


def pass_role_grant(statement: Statement) -> Text | None:
    """The element granting iam:PassRole on some role, unless it is the `*` of a full-admin statement (IPP001's)."""
    grant = grants_action(statement, PASS_ROLE)
    if grant is None or (is_any_action(grant.value) and full_admin_elements(statement) is not None):
        return None
    if statement.resource is not None and not any(t.is_unknown or may_name_role(t.value) for t in statement.resource):
        return None  # the statement's resources are no roles: it passes nothing
    return grant


def every_role_element(statement: Statement) -> Text | None:
    """The Resource/NotResource value that lets a PassRole grant cover every role, unless role tags scope it."""
    if is_restricted(statement, _ROLE_TAG_KEYS):
        return None
    if statement.resource is not None:
        return next(
            (t for t in known(statement.resource) if is_any_resource(t.value) or _EVERY_ROLE.match(t.value)), None
        )
    return broad_resource_element(statement, "iam")
