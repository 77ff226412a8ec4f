from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import action_faults


class RetiredService(Rule):
    """Reports Action and NotAction entries of a service AWS has retired.

    ## What it does
    Finds `Action` and `NotAction` entries whose service prefix belongs to a service AWS has ended and removed from
    its service authorization data: AWS CodeStar, Amazon Elastic Inference, Amazon CloudWatch Evidently, AWS IoT
    1-Click and AWS IoT Events, each recorded with the AWS page that announces its end (`RETIRED_SERVICES` in
    `linter/awsdata.py`). Any other prefix the data does not list is IPA001's: most likely a misspelling.

    ## Why it matters
    The service no longer exists, so the entry grants (or, in a Deny, denies) nothing: it is dead weight that makes a
    reviewer wonder what it still allows. AWS accepts the policy, and its own managed policies still carry such
    entries (`evidently:` and `iotevents:` in about a hundred statements), so this is a warning to clean up, not
    IPA001's error with a "did you mean" pointing at an unrelated service.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["evidently:GetProject", "s3:GetObject"],
      "Resource": "*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Evidently.html
    - https://docs.aws.amazon.com/iotevents/latest/developerguide/doc-history.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IPA014"
    name = "retired-service"
    severity = Severity.WARNING
    summary = "Action or NotAction names an action of a service AWS has retired: it matches no request now"
    doc_url = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
    tags = ("actions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for fault in action_faults(context.aws, policy):
            if fault.problem.retired:
                yield self.finding(fault.text.loc, fault.message(context.aws), subject=fault.text.value)
