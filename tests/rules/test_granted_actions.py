"""`granted_actions` looks most Action values up instead of matching them: it must answer as matching would."""

from __future__ import annotations

import pytest

from linter.engine.variables import LITERAL_MARKERS
from linter.model import PolicyKind, Statement
from rules._shared.statements import PASS_ROLE, action_matches, granted_actions, grants_action
from rules.privilege.privilege_escalation import ESCALATION_ACTIONS
from tests.rules.test_privilege_trust_resource import policy_of

LITERAL_STAR = next(marker for marker, char in LITERAL_MARKERS.items() if char == "*")
VALUES = [
    "iam:PassRole",
    "IAM:passrole",
    "iam:Pa\u017f\u017fRole",  # long s: re.IGNORECASE matches it to s
    "iam:\u212aeep",  # Kelvin sign: K
    "iam:PassRole ",
    f"iam:PassRole{LITERAL_STAR}",  # a literal star (`${*}`): names no action
    "iam:Pass*",
    "iam:*Policy",
    "iam:?ttachUserPolicy",
    "lambda:Create*",
    "s3:GetObject",
    "*",
    "iam:*",
]


def _expected(statement: Statement, actions: tuple[str, ...]) -> dict[str, object]:
    """What matching each value against each action says (the definition `granted_actions` must agree with)."""
    if statement.action is not None:
        found: dict[str, object] = {}
        for text in statement.action:
            for action in actions:
                if action_matches(text.value, action):
                    found.setdefault(action, text)
        return found
    excluded = {a for a in actions for t in statement.not_action or () if action_matches(t.value, a)}
    return {a: (statement.not_action or [])[0] for a in actions if a not in excluded}


@pytest.mark.parametrize("element", ["Action", "NotAction"])
@pytest.mark.parametrize("value", VALUES)
def test_granted_actions_agrees_with_matching(element: str, value: str) -> None:
    policy = policy_of(
        [{"Effect": "Allow", element: [value, "iam:CreateAccessKey"], "Resource": "*"}], PolicyKind.IDENTITY
    )
    [statement] = policy.statements
    for actions in (ESCALATION_ACTIONS, (PASS_ROLE,), ("iam:Keep", "IAM:PASSROLE", "iam:passrole")):
        assert granted_actions(statement, actions) == _expected(statement, actions)
        for action in actions:
            assert grants_action(statement, action) == _expected(statement, actions).get(action)
