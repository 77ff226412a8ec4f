from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.findings import Finding, RelatedLocation, Severity
from linter.rule import Rule, RuleContext

if TYPE_CHECKING:
    from linter.model import Inventory  # pydantic models: loaded only when an inventory is built


class PresignAwsDisagrees(Rule):
    """Reports a declared pre-signed URL on which AWS's policy simulator and the local verdict disagree.

    ## What it does
    With `check --simulate`, every declared URL is also put to AWS's IAM policy simulator
    (`iam:SimulateCustomPolicy`) with the same policies and the same pre-signed request the local engine decided.
    Where both decided a permission and decided it differently, this rule reports it, with what each side matched.

    ## Why it matters
    One of the two is wrong: either the local engine misreads AWS's semantics (a bug worth reporting), or the
    policies sent are not the ones that will be deployed. Until it is understood, neither "works" nor "fails" can be
    trusted for that URL.

    ## Example
    ```toml
    # .iam-preflight.toml: the URL is declared, and CI runs `iam-preflight check infra/ --simulate`
    [[presign]]
    signer = "aws_iam_user.reports"
    bucket = "aws_s3_bucket.reports"
    key = "monthly/*.pdf"
    ```

    ## Instead
    Read both sides' matched statements: fix the policy if AWS is right, or report the disagreement (with the
    policies) if the local engine is.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
    """

    id = "IPS006"
    name = "presign-aws-disagrees"
    severity = Severity.ERROR
    summary = "AWS's policy simulator and the local verdict decide a declared pre-signed URL differently"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html"
    tags = ("presign", "aws")
    needs_presign_verdicts = True

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        for check in context.presign:
            if check.inventory is not inventory:
                continue
            # Left by `check --simulate` (presign.command.DeclaredConfirmations); absent in an offline run.
            from linter.presign.declared import confirmation_key  # lazy: the pre-flight loads only with URLs

            confirmation = context.shared.get(confirmation_key(check))
            if confirmation is None:
                continue
            from linter.aws.confirm import Confirmation, disagreement  # lazy: AWS's answers exist only with --simulate

            assert isinstance(confirmation, Confirmation)
            declared = check.expectation.declared_at
            related = [RelatedLocation(message="the URL is declared here", loc=declared)] if declared else []
            for comparison in confirmation.disagreements:
                yield self.finding(
                    check.signer.loc,
                    disagreement(comparison) + ". One of the two is wrong: read what each matched.",
                    subject=f"{check.signer.address}->{check.bucket.address}/{check.expectation.key}:"
                    f"{comparison.aws.action}:{comparison.aws.resource}",
                    related=related,
                )
