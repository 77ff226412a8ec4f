from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import data_note, is_provider_claim, key_prefix

# Global keys AWS evaluates but does not document (the console's policy editor flags them too): a condition on one does
# what it says, so reporting it as an error would be a false alarm. Lower-cased, as keys compare.
# - aws:PrincipalOrgMasterAccountId: AWS's own managed policy AWSSSOServiceRolePolicy conditions on it.
# - aws:ARN: the ARN of the resource acted on, as in the widely used "an instance may terminate only itself" policy
#   (`"StringEquals": {"aws:ARN": "${ec2:SourceInstanceARN}"}`, e.g. terraform-aws-github-runner's runners).
UNDOCUMENTED_GLOBAL_KEYS = frozenset(("aws:principalorgmasteraccountid", "aws:arn"))


class UnknownConditionKey(Rule):
    """Reports condition keys that no AWS service defines.

    ## What it does
    Looks every condition key up: global `aws:` keys (including `aws:PrincipalTag/...`-style tag keys), the keys
    each service documents in the service authorization data (with their `${TagKey}`-style patterns) and the
    documented identity-provider keys (`saml:`, `accounts.google.com:`, ...). Keys named after an arbitrary OIDC
    issuer (`token.actions.githubusercontent.com:sub`, `oidc.eks...:aud`) are not judged: any issuer can be one, nor
    are the few global keys AWS evaluates without documenting them (`aws:ARN`, `aws:PrincipalOrgMasterAccountId`).

    ## Why it matters
    IAM accepts any key name. A key that is never in the request context makes the condition false (true for
    negated operators and `...IfExists`): a misspelt `aws:SourceIP` in an Allow grants nothing, and in a Deny with
    `NotIpAddress` denies every request. When the data predates a new key the message's data version shows it.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"StringEquals": {"aws:PrincipalOrg": "o-abc123", "aws:SourceVpcEndpoint": "vpce-1a2b"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123", "aws:SourceVpce": "vpce-1a2b"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IPA006"
    name = "unknown-condition-key"
    severity = Severity.ERROR
    summary = "Condition key is neither a global key nor a key any AWS service defines"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
    tags = ("conditions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        aws = context.aws
        for statement in policy.statements:
            for condition in statement.conditions:
                key = condition.key
                if (
                    key.is_unknown
                    or aws.condition_key(key.value) is not None
                    or key.value.lower() in UNDOCUMENTED_GLOBAL_KEYS
                    or is_provider_claim(aws, key.value)
                ):
                    continue
                prefix = key_prefix(key.value)
                if ":" not in key.value:
                    problem = "has no service prefix (write aws:... or service:...)"
                elif prefix == "aws":
                    problem = "is not a global condition key"
                elif aws.service_exists(prefix):
                    problem = f"is not a condition key of {prefix}"
                else:
                    problem = f"has unknown service prefix {prefix!r}"
                hint = aws.closest_condition_key(key.value if ":" in key.value else f"aws:{key.value}")
                suggestion = f" (did you mean {hint!r}?)" if hint else ""
                message = f"{statement.label}: condition key {key.value!r} {problem}{suggestion}; {data_note(aws)}"
                yield self.finding(key.loc, message, subject=key.value)
