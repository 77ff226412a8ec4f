from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext


class MissingPrincipal(Rule):
    """Reports a statement without `Principal` or `NotPrincipal` in a policy that needs one.

    ## What it does
    Checks that every statement of a resource policy (bucket, queue, topic, ...), role trust policy, KMS key policy
    or RCP names who it applies to with `Principal` or `NotPrincipal`.

    ## Why it matters
    A policy attached to a resource applies to callers only through its principals. IAM, S3, KMS and the other
    services reject a statement without one (`MalformedPolicyDocument: Missing required field Principal`), so the
    deployment fails; a statement copied from a role policy into a bucket policy is the usual cause.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*",
      "Resource": "arn:aws:s3:::presign-demo/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
      "Resource": "arn:aws:s3:::presign-demo/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """

    id = "IPG011"
    name = "missing-principal"
    severity = Severity.ERROR
    summary = "Statement of a resource, trust, key or RCP policy has no Principal or NotPrincipal"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
    tags = ("grammar", "principals")
    kinds = frozenset(kind for kind in PolicyKind if kind.takes_principal)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if statement.principal is None and statement.not_principal is None:
                message = (
                    f"{statement.label}: a {policy.kind.value} policy statement needs a Principal (or NotPrincipal)"
                    " naming whom it applies to; IAM rejects it without one"
                )
                yield self.finding(statement.loc, message, subject=statement.label)
