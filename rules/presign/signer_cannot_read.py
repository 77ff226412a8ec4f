from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.findings import Finding, Severity
from linter.rule import Rule, RuleContext

if TYPE_CHECKING:
    from linter.model import Inventory  # pydantic models: loaded only when an inventory is built


class SignerCannotRead(Rule):
    """Reports a principal that can reach a bucket but whose pre-signed URLs for its objects would all fail.

    ## What it does
    Without any declaration, finds users and roles that may list a bucket or act on some of its objects, yet may
    neither s3:GetObject nor s3:PutObject there, and says what every URL they sign for that bucket would return.
    A module is examined for its first 20,000 (signer, bucket) pairs that some statement may join, each access
    point of the bucket counting as one more; past them, as whenever it is not sure, the rule stays quiet.

    ## Why it matters
    This is AWS's own console demo: "user two" may list the bucket and see its contents but not open an object. It
    can still sign pre-signed URLs, and each of them returns 403 AccessDenied to whoever opens it.

    ## Example
    ```hcl
    resource "aws_iam_user_policy" "user_two" {
      user = aws_iam_user.user_two.name
      policy = jsonencode({
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = ["s3:ListAllMyBuckets", "s3:ListBucket"], Resource = "*" }]
      })
    }
    ```

    ## Instead
    ```hcl
    resource "aws_iam_user_policy" "user_two" {
      user = aws_iam_user.user_two.name
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          { Effect = "Allow", Action = ["s3:ListAllMyBuckets", "s3:ListBucket"], Resource = "*" },
          { Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.demo.arn}/*" },
        ]
      })
    }
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
    """

    id = "IPS004"
    name = "signer-cannot-read"
    severity = Severity.WARNING
    summary = "A principal can reach a bucket, but pre-signed URLs it signs for the bucket's objects return 403"
    doc_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html"
    tags = ("presign", "s3")
    needs_presign_verdicts = True

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        from linter.presign.inference import unusable_signers  # lazy: the engine loads only for a Terraform inventory

        declared = {(c.signer.address, c.bucket.address) for c in context.presign if c.inventory is inventory}
        for found in unusable_signers(inventory, declared):
            message = (
                f"{found.signer.address} may {found.reach} on {found.bucket.name.value} and can sign URLs for its "
                f"objects, but every one returns 403 AccessDenied: {found.problem.reason}. "
                f"Fix: {found.problem.fix}, or declare the URL in [[tool.iam-preflight.presign]]."
            )
            yield self.finding(
                found.problem.loc or found.signer.loc,
                message,
                subject=f"{found.signer.address}->{found.bucket.address}",
                related=found.problem.related,
            )
