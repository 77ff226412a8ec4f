from collections.abc import Iterator
from typing import NamedTuple

from linter.findings import Finding, RelatedLocation, Severity
from linter.model import Policy, PolicyKind, Statement, Text
from linter.rule import Rule, RuleContext
from rules._shared.statements import (
    PASS_ROLE,
    action_matches,
    broad_resource_element,
    every_role_element,
    granted_actions,
    is_allow,
    is_any_action,
    key_name,
    narrows,
    restricting_conditions,
    restricting_operator,
    service_wildcard,
)


class EscalationPath(NamedTuple):
    method: int  # Rhino Security Labs' method number
    actions: tuple[str, ...]
    how: str  # what the caller does with them, completing "the caller can ..."
    passed_to: str | None = None  # the service the passed role goes to, for iam:PassedToService


# Rhino Security Labs, Spencer Gietzen, "AWS IAM Privilege Escalation - Methods and Mitigation" (2018),
# https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/, methods 1-21 as numbered there.
# Method 14 lists sts:AssumeRole with iam:UpdateAssumeRolePolicy; it is left out here because a same-account trust
# policy that names the caller's own ARN grants the assumption without any identity-policy allow (iam-semantics §1).
ESCALATION_PATHS: tuple[EscalationPath, ...] = (
    EscalationPath(1, ("iam:CreatePolicyVersion",), "rewrite a managed policy attached to itself and make it default"),
    EscalationPath(2, ("iam:SetDefaultPolicyVersion",), "switch a managed policy to an older, broader version"),
    EscalationPath(3, (PASS_ROLE, "ec2:RunInstances"), "start an instance with a privileged role", "ec2.amazonaws.com"),
    EscalationPath(4, ("iam:CreateAccessKey",), "create access keys for another, more privileged user"),
    EscalationPath(5, ("iam:CreateLoginProfile",), "set a console password for a user that has none"),
    EscalationPath(6, ("iam:UpdateLoginProfile",), "change another user's console password"),
    EscalationPath(7, ("iam:AttachUserPolicy",), "attach AdministratorAccess to itself"),
    EscalationPath(8, ("iam:AttachGroupPolicy",), "attach AdministratorAccess to its own group"),
    EscalationPath(9, ("iam:AttachRolePolicy",), "attach AdministratorAccess to its own role"),
    EscalationPath(10, ("iam:PutUserPolicy",), "write an inline admin policy for itself"),
    EscalationPath(11, ("iam:PutGroupPolicy",), "write an inline admin policy for its own group"),
    EscalationPath(12, ("iam:PutRolePolicy",), "write an inline admin policy for its own role"),
    EscalationPath(13, ("iam:AddUserToGroup",), "add itself to an administrators group"),
    EscalationPath(14, ("iam:UpdateAssumeRolePolicy",), "make any role trust it, then assume that role"),
    EscalationPath(
        15,
        (PASS_ROLE, "lambda:CreateFunction", "lambda:InvokeFunction"),
        "create a Lambda function with a privileged role and invoke it",
        "lambda.amazonaws.com",
    ),
    EscalationPath(
        16,
        (PASS_ROLE, "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        "create a Lambda function with a privileged role and trigger it from a DynamoDB stream",
        "lambda.amazonaws.com",
    ),
    EscalationPath(
        17, ("lambda:UpdateFunctionCode",), "replace the code of a function that runs with a privileged role"
    ),
    EscalationPath(
        18,
        (PASS_ROLE, "glue:CreateDevEndpoint"),
        "open a Glue development endpoint with a privileged role",
        "glue.amazonaws.com",
    ),
    EscalationPath(19, ("glue:UpdateDevEndpoint",), "add its SSH key to a Glue endpoint that has a privileged role"),
    EscalationPath(
        20,
        (PASS_ROLE, "cloudformation:CreateStack"),
        "create a stack that runs with a privileged role",
        "cloudformation.amazonaws.com",
    ),
    EscalationPath(
        21,
        (PASS_ROLE, "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
        "define a pipeline that runs commands with a privileged role",
        "datapipeline.amazonaws.com",
    ),
)


def _passes_to(statement: Statement, service: str | None) -> bool:
    """True when no condition narrows the statement, except iam:PassedToService conditions that allow `service`."""
    for condition in restricting_conditions(statement, narrows):
        operator = restricting_operator(condition)
        if service is None or operator is None or key_name(condition) != "iam:passedtoservice":
            return False  # narrowed (or unknown): not counted as an open grant
        if operator.base.comparison == "like":
            allowed = any(action_matches(v.value, service) for v in condition.values)
        else:
            allowed = any(v.value.lower() == service for v in condition.values)
        if not allowed:
            return False
    return True


# Every action some method needs, each once: what `granted_actions` is asked of each Allow statement.
ESCALATION_ACTIONS: tuple[str, ...] = tuple(
    dict.fromkeys(action for path in ESCALATION_PATHS for action in path.actions)
)


def _open_grant(statement: Statement, granted: dict[str, Text], action: str, passed_to: str | None) -> Text | None:
    """The element by which an Allow statement grants `action` on every resource of its type, unconditionally
    (`granted`: what `granted_actions` found the statement grants of ESCALATION_ACTIONS)."""
    grant = granted.get(action)
    if grant is None:
        return None
    if action == PASS_ROLE:
        if every_role_element(statement) is None or not _passes_to(statement, passed_to):
            return None
    elif broad_resource_element(statement, action.split(":", 1)[0]) is None or not _passes_to(statement, None):
        return None
    return grant


def _explicit(statement: Statement, grant: Text) -> bool:
    """Named by an Action pattern narrower than `*` or `service:*` (which IPP001-IPP003 already report)."""
    return statement.action is not None and not is_any_action(grant.value) and service_wildcard(grant.value) is None


class PrivilegeEscalation(Rule):
    """Reports permission sets in one identity policy that let the holder grant itself more (Rhino's 21 methods).

    ## What it does
    Checks each identity policy for the privilege-escalation methods published by Rhino Security Labs — for
    example `iam:CreatePolicyVersion`, `iam:AttachUserPolicy`, `iam:CreateAccessKey`, or `iam:PassRole` together
    with `lambda:CreateFunction` and `lambda:InvokeFunction`. A method counts when every action it needs is allowed
    somewhere in the policy on every resource of its type (`*`, `arn:aws:iam::ACCOUNT:user/*`, `NotResource`).

    Not counted: grants on named resources (`user/${aws:username}` is self-service, not escalation); statements
    narrowed by a condition such as `iam:PermissionsBoundary` or `iam:PolicyARN` (AWS's documented safe delegation
    patterns; conditions on transport, Region, MFA or time do not count); `iam:PassRole` whose
    `iam:PassedToService` excludes the service the method needs. A method whose every action comes only from `*`,
    `service:*` or `NotAction` is left to IPP001-IPP003 and IPP005, which already report those grants.

    ## Why it matters
    Each method turns a limited principal into an administrator: it rewrites its own permissions, takes over
    another identity, or runs code as a more privileged role. Scoped-looking policies hide these paths.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}
    ```

    ## Instead
    Name the role and functions, and bind the passed role to its service:
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/presign-lambda",
       "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
      {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
       "Resource": "arn:aws:lambda:eu-central-1:111122223333:function:presign-*"}]}
    ```

    ## References
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """

    id = "IPP009"
    name = "privilege-escalation"
    severity = Severity.WARNING
    summary = "Identity policy allows a known privilege-escalation combination of actions"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
    tags = ("least-privilege", "privilege-escalation")
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        allows = [
            (s, granted)
            for s in policy.statements
            if is_allow(s) and (granted := granted_actions(s, ESCALATION_ACTIONS))
        ]
        if not allows:  # most policies: no method can be complete, and asking each costs 21 walks of the statements
            return
        for path in ESCALATION_PATHS:
            grants: list[tuple[str, Statement, Text]] = []
            for action in path.actions:
                found = next(
                    (
                        (s, g)
                        for s, granted in allows
                        if (g := _open_grant(s, granted, action, path.passed_to)) is not None
                    ),
                    None,
                )
                if found is None:
                    break
                grants.append((action, *found))
            else:
                explicit = [(a, s, g) for a, s, g in grants if _explicit(s, g)]
                if not explicit:
                    continue
                grant = explicit[0][2]
                described = " + ".join(
                    f"{a} ({s.label}{'' if g.value.lower() == a.lower() else f', via {g.value!r}'})"
                    for a, s, g in grants
                )
                elsewhere: dict[int, tuple[Text, list[str]]] = {}
                for a, _, g in grants:
                    if g is not grant:
                        elsewhere.setdefault(id(g), (g, []))[1].append(a)
                yield self.finding(
                    grant.loc,
                    f"This policy allows {described} on every resource of their type, so the caller can {path.how} "
                    f"(Rhino Security Labs escalation method {path.method}). Scope these actions to named resources, "
                    "or add a condition such as iam:PermissionsBoundary, iam:PolicyARN or iam:PassedToService.",
                    subject=" + ".join(a.lower() for a in path.actions),
                    related=[
                        RelatedLocation(message=f"{', '.join(names)} allowed here", loc=g.loc)
                        for g, names in elsewhere.values()
                    ],
                )
