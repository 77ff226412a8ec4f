from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import is_allow, is_delegation, listing


class AllowNotResource(Rule):
    """Reports `NotResource` in an Allow statement: it grants the actions on every resource except the listed ones.

    ## What it does
    Finds `Allow` statements that use `NotResource`. `Deny` with `NotResource` ("deny outside these buckets") is
    the normal use and is never reported; nor are SCPs and RCPs, nor statements whose principals are whole
    accounts (they delegate to that account's IAM).

    ## Why it matters
    `Allow` + `NotResource` reaches every resource of every account and Region that is not listed: other teams'
    buckets, resources created later, and — for actions that name other accounts' resources — resources outside
    the account. It reads as a restriction and works as a wildcard.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "NotResource": "arn:aws:s3:::payroll/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    """

    id = "IPP006"
    name = "allow-not-resource"
    severity = Severity.WARNING
    summary = "Allow statement uses NotResource and so grants every resource not listed"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html"
    tags = ("least-privilege", "not-resource")
    kinds = frozenset({PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.KEY, PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or not statement.not_resource or is_delegation(statement):
                continue
            excluded = [t.value for t in statement.not_resource]
            actions = listing(t.value for t in statement.actions_or_not())
            verb = "every action except " if statement.action is None else ""
            yield self.finding(
                statement.not_resource[0].loc,
                f"{statement.label} allows {verb}{actions} on every resource except {listing(excluded)}: "
                "that includes resources created later and other accounts' resources that trust this account. "
                "List the resources in Resource.",
                subject=",".join(sorted(excluded)),
            )
