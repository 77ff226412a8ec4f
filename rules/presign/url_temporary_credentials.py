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


class PresignUrlTemporaryCredentials(Rule):
    """Notes a declared pre-signed URL signed with temporary credentials, which may end it before its expiry.

    ## What it does
    For every declared URL whose signer signs with temporary credentials (a role session, instance profile, task
    or function role, GetSessionToken) and that must live longer than 5 minutes, notes that the URL stops working
    when those credentials expire. The credentials' full lifetime is checked by IPS001; this is about when in that
    lifetime the URL is signed.

    ## Why it matters
    A pre-signed URL dies with the credentials that signed it, whatever X-Amz-Expires says. SDKs refresh temporary
    credentials only minutes before they expire, so a 1-hour URL signed 10 minutes before a refresh lives 10
    minutes: links that "sometimes" expire early, and only in production.

    ## Example
    ```toml
    [[tool.iam-preflight.presign]]
    signer = "aws_iam_role.api"          # an ECS task role: credentials refreshed by the SDK
    bucket = "aws_s3_bucket.reports"
    expires = "1h"
    ```

    ## Instead
    ```toml
    [[tool.iam-preflight.presign]]
    signer = "aws_iam_role.api"          # assumes the role with DurationSeconds >= 1h just before signing
    bucket = "aws_s3_bucket.reports"
    expires = "5m"                       # or: hand out short links, minted when the user clicks
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
    """

    id = "IPS005"
    name = "presign-url-temporary-credentials"
    severity = Severity.INFO
    summary = "A declared pre-signed URL is signed with temporary credentials that may end it early"
    doc_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html"
    tags = ("presign", "credentials")
    reports_declared_url = True

    @classmethod
    def reports(cls) -> tuple[Status, frozenset[CauseKind]]:
        """The caveat of a working URL that is about when in its credentials' life it is signed."""
        from linter.presign.causes import CauseKind  # lazy: loaded with the pre-flight, never for policy JSON
        from linter.presign.problem import Status  # lazy: likewise

        return Status.WORKS, frozenset({CauseKind.CREDENTIAL_REFRESH})

    def check_inventory(self, inventory: Inventory, context: RuleContext) -> Iterator[Finding]:
        for check, problem in problems(inventory, context, self.reports()):
            yield finding(self, check, problem)
