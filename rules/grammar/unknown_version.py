from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules.grammar._common import CURRENT_VERSION, VERSIONS


class UnknownVersion(Rule):
    """Reports a `Version` value other than `2012-10-17` or `2008-10-17`.

    ## What it does
    Checks that `Version` is one of the two policy language versions IAM knows. A date, such as today's, is a
    common mistake: the Version names the language, not the policy's revision.

    ## Why it matters
    IAM rejects the policy (`MalformedPolicyDocument: The policy failed legacy parsing`), so the deployment fails.

    ## Example
    ```json
    {"Version": "2024-05-01",
     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """

    id = "IPG004"
    name = "unknown-version"
    severity = Severity.ERROR
    summary = "Version is neither 2012-10-17 nor 2008-10-17"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        version = policy.version
        if version is None or version.is_unknown or version.value in VERSIONS:
            return
        message = (
            f"Version {version.value!r} is not a policy language version (the only ones are"
            f' {" and ".join(VERSIONS)}); write "{CURRENT_VERSION}"'
        )
        yield self.finding(version.loc, message, subject=version.value)
