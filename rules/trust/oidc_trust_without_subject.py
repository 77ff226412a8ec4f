from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules.trust._federation import Scope, claim_pin, web_identity_providers


class OidcTrustWithoutSubject(Rule):
    """Reports a web identity (OIDC) trust that does not pin who may assume the role.

    ## What it does
    For each `Allow` of `sts:AssumeRoleWithWebIdentity` to a `Federated` principal, checks that a positive
    condition pins the claim that names the caller:

    - OIDC providers (`arn:aws:iam::ACCOUNT:oidc-provider/HOST`: GitHub Actions, EKS, GitLab, Terraform Cloud …):
      `HOST:sub`. For GitHub (`token.actions.githubusercontent.com`) a `StringLike` value must fix the owner:
      `*`, `repo:*` and `repo:*/app` pin nothing. (A whole owner, `repo:my-org/*`, is IPT003's warning.)
    - Cognito identity pools: `cognito-identity.amazonaws.com:aud`, the identity pool id; Google, Facebook and
      Login with Amazon: their app id claim (`accounts.google.com:aud`, `graph.facebook.com:app_id`,
      `www.amazon.com:app_id`).

    `StringNotEquals`, `...IfExists` and `ForAllValues:` conditions do not count: each is true when the claim is
    missing. An unresolved condition is assumed to pin.

    ## Why it matters
    The provider signs tokens for everyone who uses it. Without a subject condition, every GitHub repository in the
    world — or every pod in the cluster, every identity pool — can exchange its token for this role's credentials.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:my-org/presign-app:ref:refs/heads/main"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
    - https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    """

    id = "IPT001"
    name = "oidc-trust-without-subject"
    severity = Severity.ERROR
    summary = "OIDC / web identity trust does not pin the subject (or Cognito pool): anyone with a token can assume it"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
    tags = ("trust", "oidc", "federation")
    kinds = frozenset({PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for provider in web_identity_providers(statement):
                pin = claim_pin(statement, provider, provider.pin_claim)
                if pin.scope is not Scope.ANY:
                    continue
                key = provider.key(provider.pin_claim)
                if pin.evidence is None:
                    problem = f"has no {key} condition"
                    loc = provider.principal.loc
                else:
                    problem = f"lets {key} be {pin.evidence.value!r}"
                    loc = pin.evidence.loc
                example = (
                    "repo:OWNER/REPO:ref:refs/heads/main"
                    if provider.is_github
                    else ("your identity pool id" if provider.pin_claim == "aud" else "the identities you trust")
                )
                yield self.finding(
                    loc,
                    f"{statement.label} trusts {provider.host} but {problem}: {provider.who()} can assume this role. "
                    f"Add StringEquals {key} with {example}.",
                    subject=key.lower(),
                )
