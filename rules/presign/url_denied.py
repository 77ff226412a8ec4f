from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.findings import Finding, Severity
from linter.rule import Rule, RuleContext
from rules.presign._verdicts import finding, problems

if TYPE_CHECKING:  # the pre-flight's vocabulary loads with the pre-flight: a check of policy JSON loads neither
    from linter.model import Inventory  # pydantic models: loaded only when an inventory is built
    from linter.presign.causes import CauseKind
    from linter.presign.problem import Status


class PresignUrlDenied(Rule):
    """Reports a declared pre-signed URL that will not work, or not for as long as it must.

    ## What it does
    For every URL declared in `[[tool.iam-preflight.presign]]` (signer, bucket, key, methods, expiry, where it is
    opened from), evaluates the request the URL makes when it is opened, through the signer's identity policies,
    permissions boundary, SCPs, the bucket policy with Block Public Access, the access point's policy and network
    origin when the URL goes through one, the KMS key policy and grants of an SSE-KMS bucket, and the pre-signed
    request's own context (s3:authType, s3:signatureAge over the whole life, aws:SecureTransport, the opener's
    network). It also checks the expiry against 7 days and against the signer's credential lifetime.

    ## Why it matters
    Signing a URL needs no permission: a signer that may not read the object still produces a URL, and every person
    who opens it gets 403 AccessDenied. Nobody finds out until a customer clicks the link.

    ## Example
    ```hcl
    resource "aws_iam_user_policy" "user_two" {
      user = aws_iam_user.user_two.name
      policy = jsonencode({
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = ["s3:ListAllMyBuckets", "s3:ListBucket"], Resource = "*" }]
      })
    }
    # .iam-preflight.toml: [[presign]] signer = "aws_iam_user.user_two" bucket = "aws_s3_bucket.demo" expires = "30m"
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
    - https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
    """

    id = "IPS001"
    name = "presign-url-denied"
    severity = Severity.ERROR
    summary = "A declared pre-signed URL returns an error when opened, or expires before it should"
    doc_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html"
    tags = ("presign", "s3")
    reports_declared_url = True

    @classmethod
    def reports(cls) -> tuple[Status, frozenset[CauseKind]]:
        """Every cause of a URL that certainly fails (tests/presign/test_cause_kinds.py: each kind has one rule)."""
        from linter.presign.causes import DENIALS, CauseKind  # lazy: loaded with the pre-flight, never for policy JSON
        from linter.presign.problem import Status  # lazy: likewise

        return Status.FAILS, frozenset(
            {
                *DENIALS,  # a certain denial of the permission, by whichever policy
                CauseKind.EXPIRY_LIMIT,
                CauseKind.CREDENTIAL_LIFETIME,
                CauseKind.REGION,
                CauseKind.ACCESS_POINT_NETWORK,
                CauseKind.SIGNATURE_AGE,
                CauseKind.BUCKET_BEHIND_ACCESS_POINT,
                CauseKind.ENDPOINT_POLICY,
                CauseKind.KMS,
                CauseKind.ACL,
                CauseKind.PUBLIC_ACL,
            }
        )

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        for check, problem in problems(inventory, context, self.reports()):
            yield finding(self, check, problem)
