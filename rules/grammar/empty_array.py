from collections.abc import Iterator
from dataclasses import replace

from linter.findings import Finding, Severity
from linter.model import Policy, Principals, Statement, Text
from linter.rule import Rule, RuleContext
from rules.grammar._common import schema_reported

_LISTS = ("Action", "NotAction", "Resource", "NotResource")


class EmptyArray(Rule):
    """Reports elements whose list of values is empty.

    ## What it does
    Finds `"Action": []`, `"NotAction": []`, `"Resource": []`, `"NotResource": []`, a condition key with `[]` as
    its values, and a `Principal`/`NotPrincipal` that names no principal (`{}` or `{"AWS": []}`).

    ## Why it matters
    IAM rejects most of these when the policy is saved; where a tool generates them (a Terraform list that came out
    empty) the statement matches nothing, so an Allow grants nothing and a Deny protects nothing. An empty
    `NotAction` or `NotResource` is worse: it excludes nothing, so the statement covers everything.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": [],
      "Condition": {"StringEquals": {"aws:PrincipalTag/team": []}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """

    id = "IPG009"
    name = "empty-array"
    severity = Severity.ERROR
    summary = "Action, Resource, Principal or a condition key has an empty list of values"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for element, values in zip(_LISTS, _lists(statement), strict=True):
                pointer = statement.loc.child(element)
                if values is not None and not values and not schema_reported(policy, pointer):
                    # The model keeps no location for the list itself: point at its statement.
                    loc = replace(statement.loc, json_path=pointer)
                    yield self.finding(loc, _message(statement, element), subject=element)
            for element, principals in (("Principal", statement.principal), ("NotPrincipal", statement.not_principal)):
                if (
                    principals is not None
                    and _names_nobody(principals)
                    and not schema_reported(policy, principals.loc.json_path)
                ):
                    yield self.finding(principals.loc, _message(statement, element), subject=element)
            for condition in statement.conditions:
                if not condition.values and not schema_reported(policy, condition.loc.json_path):
                    element = f"condition {condition.operator.value} {condition.key.value}"
                    yield self.finding(condition.loc, _message(statement, element), subject=element)


def _lists(statement: Statement) -> tuple[list[Text] | None, ...]:
    return statement.action, statement.not_action, statement.resource, statement.not_resource


def _names_nobody(principals: Principals) -> bool:
    return not principals.star_form and not principals.refs


def _message(statement: Statement, element: str) -> str:
    if element.startswith("Not"):
        consequence = "excludes nothing, so the statement covers everything"
    elif element.startswith("condition"):
        consequence = "compares with nothing"
    else:
        consequence = "matches nothing"
    return f"{statement.label}: {element} is empty; IAM rejects it, and where it is kept it {consequence}"
