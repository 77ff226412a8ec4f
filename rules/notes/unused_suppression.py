from collections.abc import Iterator, Sequence

from linter.findings import Finding, Severity
from linter.rule import Rule
from linter.sources import InlineSuppression


class UnusedSuppression(Rule):
    """Reports an `# iam-preflight:ignore` comment that silences nothing.

    ## What it does
    After all rules have run, lists every inline suppression whose rule raised no finding in the block or
    attribute it covers.

    ## Why it matters
    A suppression that no longer matches anything hides the next real finding at that spot, and usually means the
    code it was written for has changed. Removing it keeps suppressions honest, as ruff's RUF100 does for `noqa`.

    ## Example
    ```hcl
    # iam-preflight:ignore IPP001 legacy admin role, remove after migration
    resource "aws_iam_role_policy" "reader" {
      role   = aws_iam_role.reader.name
      policy = data.aws_iam_policy_document.read_only.json
    }
    ```

    ## Instead
    ```hcl
    resource "aws_iam_role_policy" "reader" {
      role   = aws_iam_role.reader.name
      policy = data.aws_iam_policy_document.read_only.json
    }
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_policy-validator.html
    """

    id = "IPN002"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "An inline iam-preflight:ignore comment suppresses no finding"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_policy-validator.html"
    tags = ("suppression",)

    def check_suppressions(self, unused: Sequence[InlineSuppression]) -> Iterator[Finding]:
        for suppression in unused:
            rules = ", ".join(suppression.rules)
            yield self.finding(
                suppression.loc,
                f"suppression of {rules} matches no finding on lines {suppression.first_line}-{suppression.last_line}",
                subject=rules,
            )
