from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext


class DuplicateKey(Rule):
    """Reports a key that appears twice in the same JSON object.

    ## What it does
    Finds objects in the policy document that repeat a key, such as two `Condition` blocks or two `Action`
    elements in one statement.

    ## Why it matters
    JSON parsers, IAM's included, keep only the last occurrence: the earlier value is silently discarded. A second
    `"Condition"` block written to add a restriction instead replaces the first one, and the policy grants more
    than it reads.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": "true"}},
      "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": "true"}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """

    id = "IPG002"
    name = "duplicate-key"
    severity = Severity.ERROR
    summary = "A JSON object repeats a key; all but the last are ignored"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for issue in policy.issues:
            if issue.code == "duplicate-key":
                yield self.finding(issue.loc, issue.message, subject=issue.loc.json_path)
