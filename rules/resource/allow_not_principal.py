from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import is_allow, listing, resources_text


class AllowNotPrincipal(Rule):
    """Reports `NotPrincipal` in an Allow statement: it grants to everyone not listed, anonymous callers included.

    ## What it does
    Finds `Allow` statements that use `NotPrincipal`. `Deny` with `NotPrincipal` ("deny everyone but these") is a
    documented, if fragile, pattern and is not reported here.

    ## Why it matters
    `Allow` + `NotPrincipal` matches every principal except the listed ones: every other AWS account and every
    unauthenticated caller (iam-semantics §1, IAM User Guide "NotPrincipal"). It reads like an exclusion list and
    works as `Principal: "*"`.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/presign-signer"}, "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """

    id = "IPR002"
    name = "allow-not-principal"
    severity = Severity.ERROR
    summary = "Allow statement uses NotPrincipal and so grants to everyone not listed, anonymous callers included"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
    tags = ("public", "principal", "not-principal")
    kinds = frozenset({PolicyKind.RESOURCE, PolicyKind.KEY, PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or statement.not_principal is None:
                continue
            excluded = [ref.value.value for ref in statement.not_principal.refs]
            actions = listing(t.value for t in statement.actions_or_not())
            yield self.finding(
                statement.not_principal.loc,
                f"{statement.label} allows {actions} on {resources_text(statement, policy.kind)} to every "
                f"principal except {listing(excluded) or 'none'}: every other account and anonymous callers included. "
                "Use Principal with the principals that need access.",
                subject=",".join(sorted(excluded)),
            )
