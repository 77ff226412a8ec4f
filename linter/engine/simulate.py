"""The engine behind AWS's SimulateCustomPolicy request and response shapes, offline.

Request fields, under AWS's names: CallerArn, ActionNames (no wildcards), ResourceArns (default ["*"]),
ResourceOwner (account id or arn:aws:iam::ID:root), PolicyInputList, PermissionsBoundaryPolicyInputList (at most
one), ResourcePolicy, ContextEntries [{ContextKeyName, ContextKeyValues, ContextKeyType}],
OrderedOrganizationPolicyInputList [{"ServiceControlPolicyInputList": [...]}] (root first). MaxItems, Marker and
ResourceHandlingOption are accepted and ignored. As in AWS, CallerArn may be left out when there is no
ResourcePolicy: the caller is then an unnamed principal of the resource owner's account.
What AWS's API lacks: SessionPolicy, OrderedResourceControlPolicyInputList [{"ResourceControlPolicyInputList": [...]}],
PrincipalIsManagementAccount, ResourceOwnerIsManagementAccount, RestrictPublicBuckets, and a CallerArn that may be a
role session, a federated user or "anonymous". Policies are JSON strings, as AWS takes them, or objects (positions
then refer to the object printed with indent 2).

Response: {"EvaluationResults": [...]}, one result per action x resource with AWS's fields. MatchedStatements name
policies as AWS does ("PolicyInputList.1", "ResourcePolicy", ...); SourcePolicyType is "IAM Policy" for identity
policies, as live responses say, "resource" for the resource policy and "none" otherwise; positions follow AWS's
published example (start just inside the statement's '{', end just past its '}'). OrganizationsDecisionDetail and
PermissionsBoundaryDecisionDetail appear, as in AWS, only when SCPs or a boundary apply. Ours: "Explanation" and
"Warnings".

Batches are the hot path: each distinct policy text is parsed and compiled once, the usual one straight from the values
`json` reads (`PlainDocument`: no model is built but for what a response reports), what a line repeats of the line
before (policy fields, context entries) is not read again, and each distinct decision is encoded once; a response line
is the request's action and resource around that text. Everything here is pure: no printing, no files. Input AWS would
reject raises SimulateRequestError, with a one-line message.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, islice
from json.encoder import encode_basestring_ascii
from typing import Any, Final, NamedTuple

from linter.engine.conditions import decode_binary, parse_bool, parse_date, parse_network, parse_number
from linter.engine.context import ContextInput, InvalidRequestError
from linter.engine.evaluate import PolicySet, decide
from linter.engine.explain import Decision, MatchedStatement
from linter.engine.policies import InvalidPolicyError, PolicyInput
from linter.model import PolicyKind
from linter.safe_text import bounded
from linter.sources import jsonpos
from linter.sources.policy_document import read_document
from linter.workers import ordered_answers, worker_count


class SimulateRequestError(ValueError):
    """A request that cannot be simulated; the message is one line."""


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
    "MaxItems",
    "Marker",
    "ResourceHandlingOption",
}
_SCP_LEVELS: Final = ("OrderedOrganizationPolicyInputList", "ServiceControlPolicyInputList")
_RCP_LEVELS: Final = ("OrderedResourceControlPolicyInputList", "ResourceControlPolicyInputList")
_FLAGS: Final = ("PrincipalIsManagementAccount", "ResourceOwnerIsManagementAccount", "RestrictPublicBuckets")
_SOURCE_POLICY_TYPES: Final = {"identity": "IAM Policy", "resource": "resource"}
_CONTEXT_TYPES: dict[str, Any] = {
    "string": str,
    "numeric": parse_number,
    "boolean": parse_bool,
    "ip": parse_network,
    "binary": decode_binary,
    "date": parse_date,
}


# --- policies ------------------------------------------------------------------------------------------------------


class _PolicyInputs(NamedTuple):
    """Every policy of a request as JSON text: the key under which its PolicySet is built once."""

    identity: tuple[str, ...]
    boundary: tuple[str, ...]
    resource: str | None
    session: str | None
    scps: tuple[tuple[str, ...], ...]
    rcps: tuple[tuple[str, ...], ...]
    flags: tuple[bool, ...]


def _text(value: object, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, indent=2)
    raise SimulateRequestError(f"{name}: a policy must be a JSON string or object")


def _list(request: dict[str, Any], field: str) -> list[Any]:
    value = request.get(field, [])
    if not isinstance(value, list):
        raise SimulateRequestError(f"{field} must be a list")
    return value


def _all_str(values: list[Any]) -> bool:
    for value in values:  # noqa: SIM110 - quicker than all() over a generator, and this runs for every line
        if type(value) is not str:
            return False
    return True


def _texts(values: list[Any], name: str) -> tuple[str, ...]:
    if type(values) is list and _all_str(values):  # what JSON gives: the rest is for objects and messages
        return tuple(values)
    return tuple(value if isinstance(value, str) else _text(value, f"{name}.{i}") for i, value in enumerate(values, 1))


def _optional_text(request: dict[str, Any], field: str) -> str | None:
    value = request.get(field)
    return value if value is None or type(value) is str else _text(value, field)


def _levels(request: dict[str, Any], field: str, inner: str) -> tuple[tuple[str, ...], ...]:
    if field not in request:
        return ()
    levels = []
    for number, level in enumerate(_list(request, field), 1):
        if type(level) is dict and len(level) == 1 and type(texts := level.get(inner)) is list and _all_str(texts):
            levels.append(tuple(texts))  # what JSON gives: the rest is for objects and messages
            continue
        if not isinstance(level, dict) or level.keys() - {inner}:
            raise SimulateRequestError(f"{field}.{number} must be an object with {inner}")
        levels.append(_texts(_list(level, inner), f"{field}.{number}.{inner}"))
    return tuple(levels)


def _flag(request: dict[str, Any], field: str) -> bool:
    value = request.get(field, False)
    if not isinstance(value, bool):
        raise SimulateRequestError(f"{field} must be true or false")
    return value


_NO_FLAGS: Final = (False, False, False)


def _policy_inputs(request: dict[str, Any]) -> _PolicyInputs:
    boundary = _texts(_list(request, "PermissionsBoundaryPolicyInputList"), "PermissionsBoundaryPolicyInputList")
    if len(boundary) > 1:
        raise SimulateRequestError("PermissionsBoundaryPolicyInputList takes at most one policy")
    identity = _texts(_list(request, "PolicyInputList"), "PolicyInputList")
    resource = _optional_text(request, "ResourcePolicy")
    session = _optional_text(request, "SessionPolicy")
    scps = _levels(request, *_SCP_LEVELS)
    rcps = _levels(request, *_RCP_LEVELS)
    flags = _NO_FLAGS if request.keys().isdisjoint(_FLAGS) else tuple(_flag(request, field) for field in _FLAGS)
    return _PolicyInputs(identity, boundary, resource, session, scps, rcps, flags)


@lru_cache(maxsize=2048)
def _parse_policy(text: str, name: str, kind: PolicyKind) -> PolicyInput:
    try:
        return read_document(text, name, kind)
    except jsonpos.JsonSyntaxError as error:
        raise SimulateRequestError(
            f"MalformedPolicyDocument: {name}: line {error.line}, column {error.column}: {error.message}"
        ) from None


def _named(texts: tuple[str, ...], field: str, kind: PolicyKind) -> list[PolicyInput]:
    return [_parse_policy(text, f"{field}.{i}", kind) for i, text in enumerate(texts, 1)]


def _levels_of(
    levels: tuple[tuple[str, ...], ...], fields: tuple[str, str], kind: PolicyKind
) -> list[list[PolicyInput]]:
    outer, inner = fields
    return [_named(texts, f"{outer}.{number}.{inner}", kind) for number, texts in enumerate(levels, 1)]


@lru_cache(maxsize=256)
def _policy_set(inputs: _PolicyInputs) -> PolicySet:
    policies = PolicySet(
        identity=_named(inputs.identity, "PolicyInputList", PolicyKind.IDENTITY),
        boundary=next(iter(_named(inputs.boundary, "PermissionsBoundaryPolicyInputList", PolicyKind.IDENTITY)), None),
        resource=None
        if inputs.resource is None
        else _parse_policy(inputs.resource, "ResourcePolicy", PolicyKind.RESOURCE),
        session=None if inputs.session is None else _parse_policy(inputs.session, "SessionPolicy", PolicyKind.IDENTITY),
        scps=_levels_of(inputs.scps, _SCP_LEVELS, PolicyKind.SCP),
        rcps=_levels_of(inputs.rcps, _RCP_LEVELS, PolicyKind.RCP),
        principal_is_management_account=inputs.flags[0],
        resource_owner_is_management_account=inputs.flags[1],
        restrict_public_buckets=inputs.flags[2],
    )
    try:
        policies.compiled  # noqa: B018 - compiles and checks every policy once, before any decision
    except InvalidPolicyError as error:
        raise SimulateRequestError(f"MalformedPolicyDocument: {error}") from None
    return policies


# --- the rest of the request ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _context_value(values: tuple[str, ...], kind: str) -> ContextInput:
    """The value of one ContextEntries item; raises ValueError with the reason."""
    base = kind.removesuffix("List")
    if base not in _CONTEXT_TYPES:
        raise ValueError(f"unknown ContextKeyType {kind!r}")
    for value in values:
        if _CONTEXT_TYPES[base](value) is None:
            raise ValueError(f"{value!r} is not a {base} value")
    if base == kind:
        if len(values) != 1:
            raise ValueError(f"a {kind} key takes exactly one value (use {kind}List)")
        return values[0]
    return values


def _context(entries: list[Any], last: _LastLine | None = None) -> dict[str, ContextInput]:
    context: dict[str, ContextInput] = {}
    known = last.entries if last is not None else []
    read: list[tuple[object, str, ContextInput]] = []
    for number, entry in enumerate(entries, 1):
        if number <= len(known) and entry == known[number - 1][0]:  # as on the line before: already read
            reused = known[number - 1]
            context[reused[1]] = reused[2]
            read.append(reused)
            continue
        if not isinstance(entry, dict):
            raise SimulateRequestError(f"ContextEntries.{number} must be an object")
        name, values, kind = entry.get("ContextKeyName"), entry.get("ContextKeyValues"), entry.get("ContextKeyType")
        try:
            if not isinstance(name, str) or not name:
                raise ValueError("ContextKeyName must be a non-empty string")
            if not isinstance(values, list) or not (_all_str(values) or all(isinstance(v, str) for v in values)):
                raise ValueError("ContextKeyValues must be a list of strings")
            if kind is not None and not isinstance(kind, str):
                raise ValueError("ContextKeyType must be a string")
            value = context[name] = _context_value(tuple(values), kind or "string")
        except ValueError as error:
            raise SimulateRequestError(f"ContextEntries.{number}: {error}") from None
        read.append((entry, name, value))
    if last is not None:
        last.entries = read
    return context


def _strings(request: dict[str, Any], field: str) -> list[str]:
    values = _list(request, field)
    if not (_all_str(values) or all(isinstance(v, str) for v in values)):
        raise SimulateRequestError(f"{field} must be a list of strings")
    return values


def _actions(request: dict[str, Any]) -> list[str]:
    actions = _strings(request, "ActionNames")
    if not actions:
        raise SimulateRequestError("ActionNames is required")
    for action in actions:
        if ":" not in action or "*" in action or "?" in action:
            raise SimulateRequestError(f"ActionNames: {action!r} must be service:Action without wildcards")
    return actions


# Results (ActionNames x ResourceArns) one request may ask for: each is a response entry, and 1,000 x 1,000 took 36 s
# and 10 GB. AWS's own simulator pages its results, 1,000 at most to a page.
MAX_RESULTS = 10_000


class _Parsed(NamedTuple):
    caller: str | None
    owner: str | None
    actions: list[str]
    resources: list[str]
    context: dict[str, ContextInput]
    policies: PolicySet


_ABSENT: Final = object()
_POLICY_FIELDS: Final = (
    "PolicyInputList",
    "PermissionsBoundaryPolicyInputList",
    "ResourcePolicy",
    "SessionPolicy",
    _SCP_LEVELS[0],
    _RCP_LEVELS[0],
    *_FLAGS,
)
_ABSENTS: Final = (_ABSENT,) * len(_POLICY_FIELDS)


class _LastLine:
    """What the previous line of a batch gave, for the next line to reuse when it repeats it, as lines of a batch
    usually do: comparing is quicker than reading again. The values compared are the batch's own decoded JSON,
    which nothing else holds or changes.

    - `entries`: its ContextEntries with what each gave. An entry reused is a valid one, and a dict equal to it has
      the same strings (a string equals only a string).
    - `fields` and `policies`: its policy fields and the PolicySet they gave, reused only when the fields hold only
      strings (`reusable`, read when a line repeats them: no flags, no policy objects, for a flag of 1 would equal
      True, a policy object with 1 one with 1.0)."""

    __slots__ = ("entries", "fields", "policies", "reusable")

    def __init__(self) -> None:
        self.entries: list[tuple[object, str, ContextInput]] = []
        self.fields: tuple[object, ...] | None = None
        self.policies: PolicySet | None = None
        self.reusable: bool | None = None  # whether `fields` hold only strings, read when a line repeats them

    def policy_set(self, request: dict[str, Any]) -> PolicySet:
        fields = tuple(map(request.get, _POLICY_FIELDS, _ABSENTS))
        if self.policies is not None and fields == self.fields:
            if self.reusable is None:
                self.reusable = _only_strings(fields)
            if self.reusable:
                return self.policies
        policies = _policy_set(_policy_inputs(request))
        self.fields, self.policies, self.reusable = fields, policies, None
        return policies


def _only_strings(fields: tuple[object, ...]) -> bool:
    """Whether policy fields that `_policy_inputs` accepted hold only strings, and no flag."""
    identity, boundary, resource, session, scps, rcps, *flags = fields
    if any(flag is not _ABSENT for flag in flags):
        return False
    values = [value for value in (resource, session) if value is not _ABSENT]
    for listed in (identity, boundary):
        if isinstance(listed, list):
            values += listed
    for levels in (scps, rcps):
        if isinstance(levels, list):
            values += [text for level in levels for texts in level.values() for text in texts]
    return all(type(value) is str for value in values)


def _parse(request: object, last: _LastLine | None = None) -> _Parsed:
    if not isinstance(request, dict):
        raise SimulateRequestError("a simulate request must be a JSON object")
    if not _FIELDS.issuperset(request):
        raise SimulateRequestError(f"unknown request field {min(request.keys() - _FIELDS)!r}")
    caller = request.get("CallerArn")
    if caller is None and request.get("ResourcePolicy") is not None:
        raise SimulateRequestError("CallerArn is required with a ResourcePolicy")
    if caller is not None and (not isinstance(caller, str) or not caller):
        raise SimulateRequestError("CallerArn must be a principal ARN or 'anonymous'")
    owner = request.get("ResourceOwner")
    if owner is not None and not isinstance(owner, str):
        raise SimulateRequestError("ResourceOwner must be a string")
    resources = _strings(request, "ResourceArns") or ["*"]
    actions = _actions(request)
    if len(actions) * len(resources) > MAX_RESULTS:
        raise SimulateRequestError(
            f"{len(actions):,} ActionNames x {len(resources):,} ResourceArns make more than {MAX_RESULTS:,} results: "
            "split the request"
        )
    context = _context(_list(request, "ContextEntries"), last)
    policies = _policy_set(_policy_inputs(request)) if last is None else last.policy_set(request)
    return _Parsed(caller, owner, actions, resources, context, policies)


# --- the response --------------------------------------------------------------------------------------------------


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _position(line: int, column: int | None) -> dict[str, int]:
    return {"Line": line, "Column": column or 1}


def _matched_statement(statement: MatchedStatement) -> dict[str, Any]:
    loc = statement.loc
    return {
        "SourcePolicyId": statement.policy,
        "SourcePolicyType": _SOURCE_POLICY_TYPES.get(statement.policy_type, "none"),
        "StartPosition": _position(loc.line, loc.column + 1),
        "EndPosition": _position(loc.end_line or loc.line, loc.end_column),
    }


# A result is encoded from fragments, as `_compact` would write it (keys in this order, ASCII escapes, no spaces): a
# response line is the hot path of a batch. The tests hold every line equal to its `_compact` re-encoding.
_JSON_BOOL: Final = {True: "true", False: "false"}

# Each statement a decision cites is encoded once, for MatchedStatements and for DecidingStatements.
_CITED: dict[int, tuple[MatchedStatement, str, str]] = {}


def _cited(statement: MatchedStatement) -> tuple[MatchedStatement, str, str]:
    found = _CITED.get(id(statement))
    if found is None or found[0] is not statement:
        if len(_CITED) >= 4096:
            _CITED.clear()
        found = (statement, *_cited_json(statement))
        _CITED[id(statement)] = found
    return found


def _cited_json(statement: MatchedStatement) -> tuple[str, str]:
    """`_compact` of the statement's MatchedStatements entry and of its `to_json`, written from fragments."""
    loc = statement.loc
    line, column, end_line, end_column, index = (
        loc.line,
        loc.column,
        loc.end_line or loc.line,
        loc.end_column,
        statement.index,
    )
    if not (type(line) is int and type(column) is int and type(end_line) is int and type(index) is int) or not (
        end_column is None or type(end_column) is int
    ):
        return _compact(_matched_statement(statement)), _compact(statement.to_json())
    policy = encode_basestring_ascii(statement.policy)
    source_type = encode_basestring_ascii(_SOURCE_POLICY_TYPES.get(statement.policy_type, "none"))
    sid = "null" if statement.sid is None else encode_basestring_ascii(statement.sid)
    matched = (
        f'{{"SourcePolicyId":{policy},"SourcePolicyType":{source_type},'
        f'"StartPosition":{{"Line":{line},"Column":{column + 1 or 1}}},'
        f'"EndPosition":{{"Line":{end_line},"Column":{end_column or 1}}}}}'
    )
    deciding = (
        f'{{"PolicyId":{policy},"PolicyType":{encode_basestring_ascii(statement.policy_type)},'
        f'"StatementIndex":{index},"Sid":{sid},"Effect":{encode_basestring_ascii(statement.effect)},'
        f'"Location":{encode_basestring_ascii(loc.short())}}}'
    )
    return matched, deciding


def _strings_json(values: Iterable[str]) -> str:
    return ",".join(map(encode_basestring_ascii, values))


def _flag_json(value: object) -> str:
    return _JSON_BOOL[value] if type(value) is bool else _compact(value)


def _encoded_rest(decision: Decision) -> str:
    """An EvaluationResults entry after EvalActionName and EvalResourceName, as JSON without its opening brace."""
    cited = [_cited(m) for m in decision.matched]
    verdict = encode_basestring_ascii(decision.decision)
    parts = [
        f'"EvalDecision":{verdict},"MatchedStatements":[{",".join([c[1] for c in cited])}],'
        f'"MissingContextValues":[{_strings_json(decision.missing_context_keys)}]'
    ]
    if decision.allowed_by_organizations is not None:
        detail = _flag_json(decision.allowed_by_organizations)
        parts.append(f',"OrganizationsDecisionDetail":{{"AllowedByOrganizations":{detail}}}')
    if decision.allowed_by_boundary is not None:
        detail = _flag_json(decision.allowed_by_boundary)
        parts.append(f',"PermissionsBoundaryDecisionDetail":{{"AllowedByPermissionsBoundary":{detail}}}')
    parts.append(
        f',"Explanation":{{"Decision":{verdict},"Uncertain":{_flag_json(decision.uncertain)},'
        f'"PossibleDecisions":[{_strings_json(decision.possible)}],'
        f'"DecidingStatements":[{",".join([c[2] for c in cited])}],'
        f'"FailedToAllow":[{_strings_json(decision.failed_to_allow)}],"Notes":[{_strings_json(decision.notes)}]}},'
        f'"Warnings":[{_strings_json(decision.warnings)}]}}'
    )
    return "".join(parts)


# The engine hands out the same Decision object for the same question, so each is encoded once.
_ENCODED: dict[int, tuple[Decision, str]] = {}


def _result_text(action: str, resource: str, decision: Decision) -> str:
    found = _ENCODED.get(id(decision))
    if found is None or found[0] is not decision:
        if len(_ENCODED) >= 4096:
            _ENCODED.clear()
        found = _ENCODED[id(decision)] = (decision, _encoded_rest(decision))
    return (
        f'{{"EvalActionName":{encode_basestring_ascii(action)},"EvalResourceName":{encode_basestring_ascii(resource)},'
        f"{found[1]}"
    )


def _response(request: object, now: datetime | None, last: _LastLine | None = None) -> str:
    caller, owner, actions, resources, context, policies = _parse(request, last)
    # The clock counts in whole seconds (aws:CurrentTime, aws:EpochTime): one moment per second.
    moment = now or datetime.now(UTC).replace(microsecond=0)
    results = []
    for action in actions:
        for resource in resources:
            try:
                decision = decide(caller, action, resource, owner, context, policies, moment)
            except InvalidRequestError as error:
                raise SimulateRequestError(str(error)) from None
            results.append(_result_text(action, resource, decision))
    return f'{{"EvaluationResults":[{",".join(results)}]}}'


def simulate_request(request: object, *, now: datetime | None = None) -> dict[str, Any]:
    """Evaluate a SimulateCustomPolicy-shaped request; raises SimulateRequestError for input AWS would reject."""
    response: dict[str, Any] = json.loads(_response(request, now))
    return response


# json.loads is this scanner between two whitespace skips, in Python; a line is usually one value and nothing else.
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(line: str) -> Any:
    """json.loads(line). A line that is not one JSON value at its start, and nothing after it but JSON whitespace, is
    json.loads's own business, for the exact error."""
    try:
        document, end = _scan(line, 0)
    except (StopIteration, ValueError, TypeError):
        return json.loads(line)
    if end == len(line) or not line[end:].strip(" \t\n\r"):
        return document
    return json.loads(line)


def _error_line(number: int, message: str) -> str:
    return _compact({"Error": {"Line": number, "Message": bounded(message)}})


def _read_line(line: str) -> object:
    """One line's JSON value; raises SimulateRequestError for a line that is not one."""
    if not line.isascii() and _has_surrogate(line):
        # Bytes that are not UTF-8, as a reader with errors="surrogateescape" hands them on (a JSON \ud800 escape is
        # decoded later, by the JSON reader, and is the policy grammar's business).
        raise SimulateRequestError("not UTF-8 text")
    try:
        return _loads(line)
    except json.JSONDecodeError as error:
        raise SimulateRequestError(f"invalid JSON at column {error.colno}: {error.msg}") from None
    except ValueError:  # the only other: Python's limit on the digits of an integer it converts (4300)
        raise SimulateRequestError("invalid JSON: a number has more digits than can be read (4300)") from None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# While a stream runs with the collector on (`simulate --jsonl`), what has outlived a few lines (the caches' policies,
# compiled sets and decisions) is frozen: young collections then look only at the lines since, and older ones no
# longer traverse the caches again and again (3,000 requests with their own policies: collections took 0.43 s of
# 1.9, 0.1 s frozen). Every few thousand lines all is unfrozen and collected in full, so that a reference cycle is
# still freed and memory stays bounded.
# Between freezes, a young collection runs once this many more objects are allocated than freed, not CPython's 700: a
# request with its own policies allocates a few thousand objects that live until its line is answered, and at 700
# each was traversed by several young and middle collections (7% of the instructions of such a batch, 2% now).
_FREEZE_EVERY = 64
_COLLECT_EVERY = 8192
_YOUNG_THRESHOLD = 20_000


class _Collection:
    """The collector's schedule over one process's answers: `answered` after each. Made, it sets the young threshold
    for as long as the process answers (`close` sets it back)."""

    __slots__ = ("count", "threshold")

    def __init__(self) -> None:
        self.count = 0
        self.threshold = gc.get_threshold()
        gc.set_threshold(_YOUNG_THRESHOLD, *self.threshold[1:])

    def close(self) -> None:
        gc.unfreeze()
        gc.set_threshold(*self.threshold)

    def answered(self) -> None:
        self.count += 1
        if self.count % _FREEZE_EVERY == 0:
            if self.count % _COLLECT_EVERY == 0:
                gc.unfreeze()
                gc.collect()
            gc.freeze()


def simulate_jsonl(lines: Iterable[str], *, now: datetime | None = None, jobs: int = 1) -> Iterator[str]:
    """One JSON response per non-blank input line, in order; a bad line yields {"Error": {"Line", "Message"}}.

    Bytes that are not UTF-8 make an error line too: a reader with errors="surrogateescape" lets the batch go on
    after such a line, while a strict reader cannot be read past it, so the batch ends there.

    `jobs`: processes answering a batch of more than one chunk of lines (`_chunks`), 0 for one per processor
    (`linter.workers`); with 1, or where processes cannot be forked, this process answers alone."""
    workers = worker_count(jobs) if jobs != 1 else 0
    if workers:
        yield from _in_workers(lines, now, workers)
        return
    responses = _responses(lines, now)
    if not gc.isenabled():  # the caller manages the collector
        yield from responses
        return
    collection = _Collection()
    try:
        for response in responses:
            yield response
            collection.answered()
    finally:
        collection.close()


def _unreadable_line(number: int) -> str:
    return _error_line(number, "not UTF-8 text at or after this line: the batch ends here")


def _responses(lines: Iterable[str], now: datetime | None, first: int = 1) -> Iterator[str]:
    """The answers to `lines`, numbered from `first` in error lines."""
    last = _LastLine()
    numbered = enumerate(lines, first)
    number = first - 1
    # No `yield` inside an `except` clause: a mypyc-compiled generator suspended there leaves the exception it handles
    # as the one the caller's thread is handling, the `__context__` of any exception raised before it resumes.
    while True:
        try:
            number, line = next(numbered)
        except StopIteration:
            return
        except UnicodeDecodeError:
            break  # the batch ends with the line after the loop
        if not line.strip():
            continue
        try:
            response = _response(_read_line(line), now, last)
        except SimulateRequestError as error:
            response = _error_line(number, str(error))
        except RecursionError:  # a line nested thousands deep must not end the batch
            response = _error_line(number, "invalid JSON: nested too deeply")
        yield response
    yield _unreadable_line(number + 1)


# --- a batch answered by worker processes --------------------------------------------------------------------------

# What a worker answers at a time: this many lines, or fewer that hold this many characters. A chunk is a few to
# twenty milliseconds of work (25 us a typical line, 0.3 ms one of 2 KB that brings its own policies), so that handing
# chunks and answers between processes is a small part of it, and the last chunks leave no worker long alone at the
# end of a batch (3,000 lines with their own policies in chunks of 256: one worker ran 50-120 ms alone). A batch of
# fewer than two chunks is answered without workers.
_CHUNK_LINES = 256
_CHUNK_CHARS = 128 * 1024


class _Chunk(NamedTuple):
    first: int  # the number of its first line
    lines: list[str]
    now: datetime | None


def _chunks(lines: Iterable[str], now: datetime | None, unreadable: list[int]) -> Iterator[_Chunk]:
    """The batch, a chunk at a time (`_CHUNK_LINES`, `_CHUNK_CHARS`). A line that cannot be decoded ends it: its
    number goes to `unreadable`, after the chunk of the lines before it."""
    source = iter(lines)
    first = 1
    while True:
        chunk: list[str] = []
        size = 0
        ended = False
        try:
            for line in source:
                chunk.append(line)
                size += len(line)
                if len(chunk) == _CHUNK_LINES or size >= _CHUNK_CHARS:
                    break
            else:
                ended = True
        except UnicodeDecodeError:
            unreadable.append(first + len(chunk))
        if chunk:
            yield _Chunk(first, chunk, now)
        if ended or unreadable:
            return
        first += len(chunk)


def _in_workers(lines: Iterable[str], now: datetime | None, workers: int) -> Iterator[str]:
    unreadable: list[int] = []
    chunks = _chunks(lines, now, unreadable)
    head = list(islice(chunks, 2))
    if len(head) == 2:
        for answers in ordered_answers(chain(head, chunks), _answer_chunk, workers):
            yield from answers
    elif head:  # one chunk: not worth a worker
        yield from simulate_jsonl(head[0].lines, now=now)
    if unreadable:
        yield _unreadable_line(unreadable[0])


# A worker's own schedule, kept from chunk to chunk (each worker is a process of its own): made by its first chunk.
_WORKER_COLLECTION: list[_Collection] = []


def _answer_chunk(chunk: _Chunk) -> list[str]:
    """A worker's answers to one chunk; its caches serve the chunks after it."""
    answers = []
    collecting = gc.isenabled()
    if collecting and not _WORKER_COLLECTION:
        _WORKER_COLLECTION.append(_Collection())
    for response in _responses(chunk.lines, chunk.now, chunk.first):
        answers.append(response)
        if collecting:
            _WORKER_COLLECTION[0].answered()
    return answers
