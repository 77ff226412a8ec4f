from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules.grammar._common import partial_wildcard


class PartialPrincipalWildcard(Rule):
    """Reports wildcards inside a principal, such as `arn:aws:iam::111111111111:user/*`.

    ## What it does
    Finds `Principal`/`NotPrincipal` entries that contain `*` or `?` but are not the bare `"*"` (everyone):
    `arn:aws:iam::111111111111:role/app-*`, `arn:aws:iam::*:root`, `*.amazonaws.com`.

    ## Why it matters
    The Principal element does not glob. IAM rejects the policy (`Invalid principal in policy`), so the deployment
    fails, or, in the policy types that keep it, the entry matches no caller. Tools that glob principals like
    resources report access that AWS never grants.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111111111111:role/app-*"},
      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*",
      "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/app-*"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """

    id = "IPG013"
    name = "partial-principal-wildcard"
    severity = Severity.ERROR
    summary = 'Principal entry has a wildcard other than the bare "*"; principals do not glob'
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
    tags = ("grammar", "principals")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for element, principals in (("Principal", statement.principal), ("NotPrincipal", statement.not_principal)):
                for ref in principals.refs if principals is not None else ():
                    if ref.value.is_unknown or not partial_wildcard(ref):
                        continue
                    instead = (
                        '"*" with a condition such as ArnLike aws:PrincipalArn or StringEquals aws:PrincipalAccount'
                        if ref.type == "AWS"
                        else f"each {ref.type} value written out"
                    )
                    message = (
                        f"{statement.label}: {element} {ref.type} {ref.value.value!r} has a wildcard, which principals"
                        f" do not accept; use {instead}"
                    )
                    yield self.finding(ref.value.loc, message, subject=f"{ref.type} {ref.value.value}")
