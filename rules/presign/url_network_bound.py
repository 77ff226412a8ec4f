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


class PresignUrlNetworkBound(Rule):
    """Reports a declared pre-signed URL that works only from some networks.

    ## What it does
    When a declared URL does not say where it is opened from (`source-ips`, `vpce`), tries it from each network the
    policies name in aws:SourceIp / aws:SourceVpce conditions and from elsewhere, and reports where it works.

    ## Why it matters
    A pre-signed request carries the signer's identity but the opener's network: aws:SourceIp is the IP of the
    person who clicks the link. A bucket policy that admits only the office network turns every URL sent to a
    customer into 403 AccessDenied.

    ## Example
    ```toml
    [[tool.iam-preflight.presign]]
    signer = "aws_iam_role.uploader"
    bucket = "aws_s3_bucket.uploads"
    methods = ["PUT"]
    ```

    ## Instead
    ```toml
    [[tool.iam-preflight.presign]]
    signer = "aws_iam_role.uploader"
    bucket = "aws_s3_bucket.uploads"
    methods = ["PUT"]
    source-ips = ["203.0.113.10"]
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip
    """

    id = "IPS003"
    name = "presign-url-network-bound"
    severity = Severity.WARNING
    summary = "A declared pre-signed URL works only when opened from the networks a policy admits"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
    tags = ("presign", "network")
    reports_declared_url = True

    @classmethod
    def reports(cls) -> tuple[Status, frozenset[CauseKind]]:
        """The caveats of a working URL that are about where it is opened from."""
        from linter.presign.causes import CauseKind  # lazy: loaded with the pre-flight, never for policy JSON
        from linter.presign.problem import Status  # lazy: likewise

        return Status.WORKS, frozenset({CauseKind.NETWORK_BOUND, CauseKind.ACCESS_POINT_NETWORK})

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        for check, problem in problems(inventory, context, self.reports()):
            yield finding(self, check, problem)
