from collections.abc import Iterator

from linter.engine.operators import OperatorError, parse_operator
from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import operator_of


class UnknownConditionOperator(Rule):
    """Reports condition operators that AWS does not know.

    ## What it does
    Parses every operator of every `Condition` block: an optional `ForAllValues:`/`ForAnyValue:` qualifier, one of
    the documented operators (`StringEquals`, `ArnLike`, `IpAddress`, ...) with its exact spelling, and an optional
    `IfExists` suffix (which `Null` does not take). The message suggests the closest real operator.

    ## Why it matters
    IAM rejects the policy (`MalformedPolicyDocument: Invalid Condition type`), so the deployment fails; a tool
    that passes the text through unchecked only finds out at `terraform apply`.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
      "Condition": {"StringNotEqual": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
      "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """

    id = "IPA005"
    name = "unknown-condition-operator"
    severity = Severity.ERROR
    summary = "Condition uses an operator that AWS does not know"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
    tags = ("conditions",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            reported = set()
            for condition in statement.conditions:
                operator = condition.operator
                if operator.is_unknown or operator.loc.json_path in reported:
                    continue
                reported.add(operator.loc.json_path)
                if operator_of(operator.value) is not None:
                    continue
                try:
                    parse_operator(operator.value)
                except OperatorError as error:
                    yield self.finding(operator.loc, f"{statement.label}: {error}", subject=operator.value)
