from collections.abc import Iterator

from linter.awsdata import CREDENTIAL_KEYS, documented_form, placed_by_action_data
from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import data_note, key_prefix, name_actions, statement_actions


class ConditionKeyNotInActionData(Rule):
    """Notes a service condition key that the action data lists for no action, so it cannot be checked here.

    ## What it does
    For statements whose `Action` list can be expanded, notes each service-specific condition key that its
    service documents but that the AWS service authorization data cannot place on actions. Two kinds of keys are
    like that: keys of the credentials a request is signed with, which AWS sets on every request made with them
    whatever the action (`ssm:SourceInstanceARN`, `ec2:SourceInstanceARN`, `lambda:SourceFunctionArn`,
    `glue:RoleAssumedBy`; `linter.awsdata.CREDENTIAL_KEYS`, each with AWS's page), and keys the action data lists
    for no action, which its tables have not caught up with. Whether the request context of the statement's
    actions holds the key is not known here, so this is information, not a problem.

    ## Why it matters
    IPA007 reports a key the data places on other actions than the statement's. For these keys it cannot, and
    says nothing: this note shows which conditions went unchecked, so that they can be checked against the
    service's documentation (a condition on a key that is absent is false, or true for negated operators and
    `...IfExists`).

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::presign-demo/*", "Condition": {"ArnEquals":
      {"lambda:SourceFunctionArn": "arn:aws:lambda:eu-west-1:111111111111:function:uploader"}}}]}
    ```

    ## Instead
    Nothing to change when the service documents the key for these requests (Lambda documents
    `lambda:SourceFunctionArn` for every request a function's execution role makes). Otherwise use a key the
    actions support:
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::presign-demo/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html
    - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
    - https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-creds.html (`ssm:SourceInstanceARN` with
      `ssm:DeregisterManagedInstance` on the requests of hybrid nodes)
    """

    id = "IPA013"
    name = "condition-key-not-in-action-data"
    severity = Severity.INFO
    summary = "A service condition key is listed for no action in the AWS data, so its use is not checked"
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
            for condition in statement.conditions:
                key = condition.key
                info = None if key.is_unknown or key_prefix(key.value) == "aws" else aws.condition_key(key.value)
                if info is None or placed_by_action_data(aws, info):
                    continue
                named = name_actions(actions)
                if documented_form(info.name) in CREDENTIAL_KEYS:
                    what = (
                        "describes the credentials a request is signed with, not an action: AWS sets it on the"
                        f" requests for {named} made with such credentials, whatever the action data lists"
                    )
                else:
                    what = f"is listed for no {info.service} action in the action data: its use with {named}"
                    what += " is not checked"
                message = f"{statement.label}: condition key {key.value!r} {what}; {data_note(aws)}"
                yield self.finding(key.loc, message, subject=key.value)
