from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext


class PrincipalInIdentityPolicy(Rule):
    """Reports `Principal` or `NotPrincipal` in an identity policy or SCP.

    ## What it does
    Finds statements with `Principal` or `NotPrincipal` in policies of kind `identity` or `scp`. Kinds come from
    the file name, the configuration or `--kind`; a policy whose kind is inferred and that names principals is
    read as a resource policy instead, so this rule speaks only when the kind was given.

    ## Why it matters
    An identity policy applies to the user, group or role it is attached to, and an SCP to the accounts it is
    attached to; neither has a principal to name. IAM and Organizations reject the policy
    (`MalformedPolicyDocument: Policy document should not specify a principal`). It usually means a bucket or trust
    policy was pasted where a role policy was expected.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html
    """

    id = "IPG010"
    name = "principal-in-identity-policy"
    severity = Severity.ERROR
    summary = "Identity policies and SCPs take no Principal or NotPrincipal"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
    tags = ("grammar", "principals")
    kinds = frozenset({PolicyKind.IDENTITY, PolicyKind.SCP})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        what = "an SCP" if policy.kind is PolicyKind.SCP else "an identity policy"
        for statement in policy.statements:
            for element, principals in (("Principal", statement.principal), ("NotPrincipal", statement.not_principal)):
                if principals is None:
                    continue
                message = (
                    f"{statement.label}: {element} in {what}, which applies to whatever it is attached to and names"
                    " no principal; IAM rejects it. Remove it, or check the policy's kind"
                )
                yield self.finding(principals.loc, message, subject=element)
