from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules.grammar._common import CURRENT_VERSION, LEGACY_VERSION, schema_reported, variable_texts


class LiteralPolicyVariable(Rule):
    """Reports policy variables in a policy whose Version does not substitute them.

    ## What it does
    Finds `${...}` policy variables in `Resource`/`NotResource` entries and in String and ARN condition values of a
    policy whose `Version` is missing or `2008-10-17`.

    ## Why it matters
    Only Version `2012-10-17` substitutes policy variables; under any other version `${aws:username}` is literal
    text. `arn:aws:s3:::presign-demo/home/${aws:username}/*` then matches only a folder literally named
    `${aws:username}`, and the statement grants nothing (or, in a Deny, denies nothing).

    ## Example
    ```json
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/home/${aws:username}/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/home/${aws:username}/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """

    id = "IPG005"
    name = "literal-policy-variable"
    severity = Severity.ERROR
    summary = "Policy variables are literal text because Version is missing or 2008-10-17"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
    tags = ("grammar", "variables")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        version = policy.version
        if version is not None and (version.is_unknown or version.value != LEGACY_VERSION):
            return
        if version is None and schema_reported(policy, "/Version"):
            return
        why = "the policy has no Version" if version is None else "Version is 2008-10-17"
        for text in variable_texts(policy):
            message = (
                f"{text.value!r} uses a policy variable, but {why}, so it is literal text and matches"
                f' only itself; write "Version": "{CURRENT_VERSION}"'
            )
            yield self.finding(text.loc, message, subject=text.value)
