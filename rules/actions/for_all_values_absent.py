from collections.abc import Iterator

from linter.engine.operators import Family
from linter.findings import Finding, Severity
from linter.model import Policy, Statement
from linter.rule import Rule, RuleContext
from rules._shared.actions import is_single_valued, known_conditions


class ForAllValuesWithoutPresenceCheck(Rule):
    """Reports `ForAllValues:` in an Allow that is also true when the key is missing.

    ## What it does
    Finds Allow statements with a `ForAllValues:` condition on a key that no other condition of the statement
    requires to be present: neither `"Null": {"key": "false"}` nor a `ForAnyValue:` test on the same key. An
    `...IfExists` operator says that absence is intended and is not reported; keys the data documents as
    single-valued are left to IPA010.

    ## Why it matters
    `ForAllValues:` is true when every value in the request is allowed, and so also when the request has no value
    at all (the empty set). An Allow meant to limit which tags may be set (`aws:TagKeys`) also allows the request
    that sets none, and one on `aws:CalledVia` allows direct calls.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
                    "Null": {"aws:TagKeys": "false"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """

    id = "IPA011"
    name = "for-all-values-without-presence-check"
    severity = Severity.WARNING
    summary = "ForAllValues in an Allow is also true when the key is absent; add a Null or ForAnyValue check"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
    tags = ("conditions",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not statement.is_allow:
                continue
            present = _required_present(statement)
            for condition, operator in known_conditions(statement):
                key = condition.key.value
                if operator.qualifier != "ForAllValues" or operator.if_exists or key.lower() in present:
                    continue
                if is_single_valued(context.aws, key):
                    continue
                message = (
                    f"{statement.label}: {operator.text} on {key} is also true when the request has no {key}, so"
                    f' this Allow grants requests without it; add "Null": {{"{key}": "false"}}'
                )
                yield self.finding(condition.key.loc, message, subject=f"{operator.text} {key}")


def _required_present(statement: Statement) -> set[str]:
    """Lower-cased keys another condition of the statement requires to be present."""
    keys = set()
    for condition, operator in known_conditions(statement):
        requires = (
            operator.family is Family.NULL and any(v.value.lower() == "false" for v in condition.values)
        ) or operator.qualifier == "ForAnyValue"
        if requires:
            keys.add(condition.key.value.lower())
    return keys
