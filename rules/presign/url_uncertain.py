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


class PresignUrlUncertain(Rule):
    """Reports a declared pre-signed URL whose fate cannot be decided offline.

    ## What it does
    Lists what stopped the pre-flight from deciding a declared URL: a policy attached by an ARN that is not defined
    in the configuration, a value Terraform only knows after apply, a KMS key defined elsewhere, a KMS grant that
    may or may not cover the signer (a grant to its role or account, with constraints, or on an unresolved key), a
    condition on a key whose value nobody can know before the request, a credential lifetime AWS does not document.

    ## Why it matters
    Saying a URL works when it will not is the worst mistake a pre-flight checker can make. Where the answer depends
    on something unknown, iam-preflight says so instead of guessing, and names what to pin.

    ## Example
    ```hcl
    resource "aws_iam_user_policy_attachment" "reader" {
      user       = aws_iam_user.reader.name
      policy_arn = var.reader_policy_arn  # defined in another repository
    }
    ```

    ## Instead
    ```hcl
    resource "aws_iam_user_policy_attachment" "reader" {
      user       = aws_iam_user.reader.name
      policy_arn = aws_iam_policy.reader.arn  # defined here, so it can be read
    }
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
    """

    id = "IPS002"
    name = "presign-url-uncertain"
    severity = Severity.WARNING
    summary = "Whether a declared pre-signed URL works depends on something that cannot be known offline"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html"
    tags = ("presign", "uncertain")
    reports_declared_url = True

    @classmethod
    def reports(cls) -> tuple[Status, frozenset[CauseKind]]:
        """Every cause that leaves a URL undecided (tests/presign/test_cause_kinds.py: each kind has one rule)."""
        from linter.presign.causes import CauseKind  # lazy: loaded with the pre-flight, never for policy JSON
        from linter.presign.problem import Status  # lazy: likewise

        return Status.UNCERTAIN, frozenset(
            {
                CauseKind.CREDENTIAL_LIFETIME,
                CauseKind.UNKNOWN_BUCKET_NAME,
                CauseKind.UNKNOWN_BOUNDARY,
                CauseKind.REGION,
                CauseKind.ACCESS_POINT_NETWORK,
                CauseKind.UNDECIDED,
                CauseKind.UNREADABLE_POLICIES,
                CauseKind.SIGNATURE_AGE,
                CauseKind.BUCKET_BEHIND_ACCESS_POINT,
                CauseKind.EXTERNAL_BUCKET,
                CauseKind.KMS,
                CauseKind.UNKNOWN_KMS_KEY,
                CauseKind.ACL,
                CauseKind.PUBLIC_ACL,
                CauseKind.OBJECT_WRITER,
                CauseKind.OTHER_ACCOUNT_SIGNER,
                CauseKind.READINGS_DISAGREE,
            }
        )

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        for check, problem in problems(inventory, context, self.reports()):
            yield finding(self, check, problem)
