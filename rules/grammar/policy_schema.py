from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext


class PolicySchema(Rule):
    """Reports elements that break the IAM policy grammar.

    ## What it does
    Validates the document against the IAM JSON policy grammar: only `Version`, `Id` and `Statement` at the top,
    only the known elements in a statement, `Effect` present, exactly one of `Action`/`NotAction`, at most one of
    `Resource`/`NotResource` and of `Principal`/`NotPrincipal`, strings or lists of strings where IAM wants them.

    ## Why it matters
    IAM rejects a malformed policy when it is created (`MalformedPolicyDocument`), so the deployment fails; where a
    tool passes the text through unchecked, the statement never takes effect the way it reads.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """

    id = "IPG001"
    name = "policy-schema"
    severity = Severity.ERROR
    summary = "Document does not follow the IAM policy grammar"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for issue in policy.issues:
            if issue.code == "schema":
                yield self.finding(issue.loc, issue.message, subject=issue.message)
