"""Which condition kept an Allow from applying: the statements of a policy level that grant the action on the object,
each with the first of its conditions the request does not meet, as the engine's condition evaluation answers it.

A denial names the condition that decided it (key, operator, the value compared) instead of a resource pattern
that does match the object: the cause's `conditions` (problem.ConditionMiss), worded in linter/presign/wording.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from linter.engine.conditions import CompiledCondition
from linter.engine.context import Caller, InvalidRequestError, Unknown, build_context, parse_caller
from linter.engine.explain import MatchedStatement
from linter.engine.matching import ActionMatcher, ResourceMatcher
from linter.engine.principals import Grant, InvalidPrincipalError, grant_of, parse_entry
from linter.engine.tri import NO, YES
from linter.model import THIS_ACCOUNT, Policy, Statement
from linter.presign.problem import ConditionMiss
from linter.presign.request import UrlContext
from linter.presign.subject import DEFAULT_NOW, Subject, request_keys


def unmet_conditions(
    subject: Subject,
    action: str,
    resource: str,
    context: UrlContext,
    policies: Iterable[Policy],
    policy_type: str,
    resource_policy: Policy | None = None,
    *,
    filter_policy: bool = False,
) -> tuple[ConditionMiss, ...]:
    """The Allows of `policies` that grant `action` on `resource` but whose condition this request does not meet; of
    `resource_policy` (when it is one of `policies`), only those that name the signer — unless it is a filter such as
    a VPC endpoint policy (`filter_policy`), which grants nothing and whose `"*"` Allows are the ones that decide.

    Only a certain answer counts: an action, resource or condition the engine cannot decide is not named."""
    keys = request_keys(subject, action, context, resource_policy)
    try:
        caller = parse_caller(subject.caller)
    except InvalidRequestError:
        return ()  # the engine could not put the request either: its decision says so
    request = build_context(caller, keys, DEFAULT_NOW, THIS_ACCOUNT)
    found: list[ConditionMiss] = []
    for policy in policies:
        substitute = policy.version is not None and policy.version.value == "2012-10-17"
        for statement in policy.statements:
            if not statement.is_allow or not statement.action or not statement.resource or not statement.conditions:
                continue
            if ActionMatcher(statement.action).match(action) is not YES:
                continue
            if ResourceMatcher(statement.resource, substitute).match(resource, request) is not YES:
                continue
            if resource_policy is policy and not filter_policy and not _grants_caller(statement, caller):
                continue
            for condition in statement.conditions:
                compiled = CompiledCondition(condition, substitute)
                if compiled.evaluate(request) is not NO:
                    continue
                value = request.get(compiled.key)
                if isinstance(value, Unknown):
                    continue
                cited = MatchedStatement(
                    policy=policy.name,
                    policy_type=policy_type,
                    index=statement.index,
                    sid=statement.sid.value if statement.sid is not None else None,
                    effect="Allow",
                    loc=statement.loc,
                )
                values = tuple(v.value for v in condition.values)
                found.append(ConditionMiss(cited, condition.key.value, condition.operator.value, values, value or None))
                break
    return tuple(found)


def _grants_caller(statement: Statement, caller: Caller) -> bool:
    """Whether a resource policy's Allow names the caller itself (its ARN, or its role): a grant to its account or to
    everyone is not one this request would get from the statement alone."""
    for ref in statement.principal.refs if statement.principal else []:
        try:
            entry = parse_entry(ref)
        except InvalidPrincipalError:
            continue
        found = grant_of(entry, caller)
        if found is not None and found[0] in (Grant.DIRECT, Grant.ROLE) and found[1] is YES:
            return True
    return False
