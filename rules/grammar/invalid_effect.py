from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext

EFFECTS = ("Allow", "Deny")


class InvalidEffect(Rule):
    """Reports an `Effect` that is not exactly `Allow` or `Deny`.

    ## What it does
    Checks the value of every statement's `Effect`. The comparison is case-sensitive, as IAM's is: `allow`,
    `DENY` and `Allowed` are all rejected.

    ## Why it matters
    IAM rejects the policy (`MalformedPolicyDocument`), so the deployment fails. Tools that compare effects
    case-insensitively pass the policy and the failure shows up only at apply time.

    ## Example
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    """

    id = "IPG006"
    name = "invalid-effect"
    severity = Severity.ERROR
    summary = "Effect is not exactly Allow or Deny (the value is case-sensitive)"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            effect = statement.effect
            if effect is None or effect.is_unknown or effect.value in EFFECTS:
                continue
            meant = next((e for e in EFFECTS if e.lower() == effect.value.strip().lower()), None)
            hint = f"write {meant!r} (Effect is case-sensitive)" if meant else "write 'Allow' or 'Deny'"
            message = f"{statement.label}: Effect {effect.value!r} is not valid; {hint}"
            yield self.finding(effect.loc, message, subject=effect.value)
