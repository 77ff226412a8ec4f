from collections.abc import Iterator

from linter.awsdata import documented_form, placed_by_action_data
from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import action_keys, data_note, key_prefix, name_actions, statement_actions


class ConditionKeyNotForAction(Rule):
    """Reports a service condition key that none of the statement's actions supports.

    ## What it does
    For statements whose `Action` list can be expanded (no `*`, no `NotAction`, every name known), checks each
    service-specific condition key against the keys the AWS service authorization data documents for those
    actions and their resource types. `s3:prefix` is a key of `s3:ListBucket`, not of `s3:GetObject`. Global
    `aws:` keys are not judged: AWS sets many of them on every request. Nor are keys the data cannot place (IPA013
    notes them): keys it lists for no action, and keys of the credentials a request is signed with, which AWS sets
    on every request made with them (`ssm:SourceInstanceARN`, `ec2:SourceInstanceARN`, `lambda:SourceFunctionArn`).

    ## Why it matters
    A key the action does not support is absent from the request. The condition is then false, or true for
    negated operators and `...IfExists`: an Allow never applies, and a Deny with `StringNotEquals` applies to every
    request. Either way the statement does not do what it reads.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*", "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/home/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """

    id = "IPA007"
    name = "condition-key-not-for-action"
    severity = Severity.WARNING
    summary = "A service condition key is not supported by any of the statement's actions"
    doc_url = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
    tags = ("conditions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        aws = context.aws
        for statement in policy.statements:
            if not statement.conditions:
                continue
            actions = statement_actions(aws, statement)
            if not actions:
                continue
            supported: frozenset[str] | None = None
            for condition in statement.conditions:
                key = condition.key
                info = None if key.is_unknown or key_prefix(key.value) == "aws" else aws.condition_key(key.value)
                # A key the action data cannot place on actions is IPA013's, an info.
                if info is None or not placed_by_action_data(aws, info):
                    continue
                if supported is None:
                    supported = frozenset().union(*(action_keys(aws, text.value) for text in statement.action or ()))
                if documented_form(info.name) not in supported:
                    message = (
                        f"{statement.label}: condition key {key.value!r} is not in the request context of"
                        f" {name_actions(actions)} (the action data lists it for other {info.service} actions"
                        f" only): the condition is false, or true for negated operators and ...IfExists;"
                        f" {data_note(aws)}"
                    )
                    yield self.finding(key.loc, message, subject=key.value)
