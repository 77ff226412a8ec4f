from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import action_faults


class WildcardMatchesNoAction(Rule):
    """Reports Action wildcards that match none of their service's actions.

    ## What it does
    Expands every wildcard `Action` entry of a known service (`eks:BatchGet*`, `elasticloadbalancing:List*`)
    against the AWS service authorization data and reports those that match no action. The message suggests the
    closest real action and says which version of the data was consulted. Wildcards in `NotAction`, and names of
    unknown services or actions, are IPA001's.

    ## Why it matters
    The entry grants (or denies) nothing today. AWS accepts the policy and nothing breaks, so it is a warning, not
    an error: such entries are usually copied between services (`BatchGet*` for every service of a read-only list)
    or written ahead of actions a service may add. It is worth a look when the pattern was meant to grant
    something now: `s3:Gett*` for `s3:Get*` leaves every download denied.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Action": ["eks:BatchGet*", "eks:Describe*", "eks:List*"], "Resource": "*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["eks:Describe*", "eks:List*"],
      "Resource": "*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IPA012"
    name = "wildcard-matches-no-action"
    severity = Severity.WARNING
    summary = "An Action wildcard matches none of its service's actions, so it grants or denies nothing"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
    tags = ("actions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for fault in action_faults(context.aws, policy, not_action=False):
            if fault.lookup.empty_wildcard:
                yield self.finding(fault.text.loc, fault.message(context.aws), subject=fault.text.value)
