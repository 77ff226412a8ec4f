from collections.abc import Iterator
from dataclasses import replace

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules.grammar._common import CURRENT_VERSION, schema_reported, variable_texts


class MissingVersion(Rule):
    """Reports a policy without a `Version` element.

    ## What it does
    Finds policies that leave out `"Version"`. A policy that also uses policy variables is reported by IPG005
    instead, which explains what the missing Version breaks.

    ## Why it matters
    Without `Version` IAM reads the policy under the 2008-10-17 language: policy variables are literal text and
    newer features do not work. Every AWS example and generator writes `"Version": "2012-10-17"`; leaving it out
    is an accident waiting for the first `${aws:username}`.

    ## Example
    ```json
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """

    id = "IPG003"
    name = "missing-version"
    severity = Severity.WARNING
    summary = 'Policy has no Version element; write "Version": "2012-10-17"'
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        if policy.version is not None or schema_reported(policy, "/Version"):
            return
        if next(variable_texts(policy), None) is not None:
            return
        message = f'no Version element, so IAM reads the policy as 2008-10-17; add "Version": "{CURRENT_VERSION}"'
        # Located at the document, with the pointer where the element belongs.
        loc = replace(policy.loc, json_path="/Version")
        yield self.finding(loc, message, subject="Version")
