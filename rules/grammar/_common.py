"""Helpers the grammar rules share: versions, what IPG001 already reported, where a policy uses policy variables."""

from __future__ import annotations

from collections.abc import Iterator

from linter.engine.operators import Family
from linter.engine.variables import Template, parse
from linter.model import Policy, PrincipalRef, Text
from rules._shared.actions import known_conditions

CURRENT_VERSION = "2012-10-17"
LEGACY_VERSION = "2008-10-17"  # what IAM reads a policy without Version as
VERSIONS = (CURRENT_VERSION, LEGACY_VERSION)  # the only policy language versions IAM knows

# Operator families whose values take policy variables (IAM User Guide, policy variables).
_VARIABLE_FAMILIES = {Family.STRING, Family.ARN}


def schema_reported(policy: Policy, pointer: str) -> bool:
    """Whether IPG001 (the schema) already reported the element at `pointer` or something inside it."""
    return any(
        issue.code == "schema" and (issue.loc.json_path == pointer or issue.loc.json_path.startswith(pointer + "/"))
        for issue in policy.issues
    )


def variable_texts(policy: Policy) -> Iterator[Text]:
    """Resource entries and String/Arn condition values that use a policy variable such as `${aws:username}`."""
    for statement in policy.statements:
        texts = list(statement.resources_or_not())
        for condition, operator in known_conditions(statement):
            if operator.family in _VARIABLE_FAMILIES:
                texts.extend(condition.values)
        for text in texts:
            if not text.is_unknown and isinstance(parse(text.value, substitute=True), Template):
                yield text


def partial_wildcard(principal: PrincipalRef) -> bool:
    """A principal entry with `*` or `?` other than the bare `"*"` (everyone), which IAM does not accept."""
    value = principal.value.value
    return ("*" in value or "?" in value) and not (principal.type == "AWS" and value == "*")
