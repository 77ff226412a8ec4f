from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules.trust._federation import has_claim, web_identity_providers


class OidcTrustWithoutAudience(Rule):
    """Reports an OIDC provider trust without an `aud` (audience) condition.

    ## What it does
    For each `Allow` of `sts:AssumeRoleWithWebIdentity` to an OIDC provider ARN
    (`arn:aws:iam::ACCOUNT:oidc-provider/HOST`), checks for a positive condition on `HOST:aud`. For GitHub
    Actions and EKS the audience is `sts.amazonaws.com`. Cognito, Google, Facebook and Login with Amazon trusts
    pin the audience as their subject and are IPT001's.

    ## Why it matters
    The audience says which relying party a token was minted for. Without it, a token the same provider issued for
    another purpose — another cloud, another internal service — is accepted here too, as long as its subject
    matches. AWS's own trust policy templates for GitHub and EKS always include it.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/presign-app:*"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/presign-app:*"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
    """

    id = "IPT002"
    name = "oidc-trust-without-audience"
    severity = Severity.WARNING
    summary = "OIDC provider trust has no HOST:aud condition"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
    tags = ("trust", "oidc", "federation")
    kinds = frozenset({PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for provider in web_identity_providers(statement):
                if provider.audience_claim is None or has_claim(statement, provider, provider.audience_claim):
                    continue
                key = provider.key(provider.audience_claim)
                yield self.finding(
                    provider.principal.loc,
                    f"{statement.label} trusts {provider.host} without a {key} condition: tokens it issued for "
                    f"other audiences are accepted too. Add StringEquals {key} "
                    "(sts.amazonaws.com for GitHub Actions and EKS).",
                    subject=key.lower(),
                )
