from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.findings import Finding, Severity
from linter.rule import Rule, RuleContext

if TYPE_CHECKING:
    from linter.model import Inventory  # pydantic models: loaded only when an inventory is built


class UnresolvedValue(Rule):
    """Reports a value iam-preflight could not resolve, so verdicts that depend on it are uncertain.

    ## What it does
    Lists every Terraform expression the source could not turn into a value: a variable with no default and no
    tfvars value, a data source other than the placeholders it knows, a function it does not evaluate. Anything
    that depends on such a value is reported as "uncertain" rather than passed or failed.

    ## Why it matters
    Linters that silently skip what they cannot resolve pass policies they never read (checkov #4540, trivy #5013).
    Saying which expression was not understood tells you what to pin in tfvars, or which check to confirm with
    AWS's IAM policy simulator.

    ## Example
    ```hcl
    resource "aws_iam_user_policy" "reader" {
      user   = aws_iam_user.reader.name
      policy = var.reader_policy  # no default, no tfvars
    }
    ```

    ## Instead
    ```hcl
    variable "reader_policy" {
      type    = string
      default = "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": []}"
    }
    ```

    ## References
    - https://developer.hashicorp.com/terraform/language/values/variables
    """

    id = "IPN001"
    name = "unresolved-value"
    severity = Severity.INFO
    summary = "A Terraform value could not be resolved; checks that depend on it are uncertain"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html"
    tags = ("terraform", "uncertain")

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        for item in inventory.unresolved:
            reason = f": {item.reason}" if item.reason else ""
            yield self.finding(
                item.loc,
                f"cannot resolve `{item.expression}`{reason}; checks that depend on it are uncertain",
                subject=item.expression,
            )
