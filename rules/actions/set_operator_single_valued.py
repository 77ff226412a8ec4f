from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import data_note, is_single_valued, known_conditions


class SetOperatorOnSingleValuedKey(Rule):
    """Reports `ForAllValues:` or `ForAnyValue:` on a key that holds a single value.

    ## What it does
    Finds set qualifiers on condition keys that the AWS data documents as single-valued (every key not typed
    `ArrayOf...`), such as `aws:SourceIp`, `aws:PrincipalTag/...` or `s3:prefix`. Identity-provider claims are
    skipped: whether a SAML attribute or an OIDC claim holds several values depends on the provider.

    ## Why it matters
    The qualifiers are for multi-valued keys such as `aws:TagKeys`. On a single-valued key `ForAnyValue:` behaves
    like the plain operator, while `ForAllValues:` is also true when the key is absent, so an Allow meant to
    require a value grants without it. Access Analyzer reports the same pattern.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """

    id = "IPA010"
    name = "set-operator-on-single-valued-key"
    severity = Severity.WARNING
    summary = "ForAllValues/ForAnyValue used on a condition key that holds a single value"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
    tags = ("conditions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for condition, operator in known_conditions(statement):
                key = condition.key.value
                if operator.qualifier is None or not is_single_valued(context.aws, key):
                    continue
                plain = operator.text.split(":", 1)[1]
                absent = " and true when the key is absent" if operator.qualifier == "ForAllValues" else ""
                message = (
                    f"{statement.label}: {operator.text} on {key}, which holds a single value: the qualifier is"
                    f" for multi-valued keys{absent}; use {plain}; {data_note(context.aws)}"
                )
                yield self.finding(condition.key.loc, message, subject=f"{operator.text} {key}")
