from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules.trust._federation import Scope, claim_pin, web_identity_providers


class OidcTrustBroadSubject(Rule):
    """Reports a GitHub Actions trust that admits every repository of an owner (`repo:my-org/*`).

    ## What it does
    For `Allow` of `sts:AssumeRoleWithWebIdentity` to the GitHub Actions OIDC provider, reports a
    `token.actions.githubusercontent.com:sub` condition whose narrowest value fixes the owner but leaves the
    repository open (`repo:my-org/*`, `repo:my-org/*:ref:refs/heads/main`). Unpinned owners are IPT001's error.

    ## Why it matters
    Every repository of the owner can assume the role — including forks kept in the organization, archived
    experiments, and any repository a member is allowed to create, with any workflow in it. Pinning the repository
    (and, for deployment roles, the branch or environment) keeps the role for the pipeline it was made for.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/*"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:my-org/presign-app:environment:production"}}}]}
    ```

    ## References
    - https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub
    """

    id = "IPT003"
    name = "oidc-trust-broad-subject"
    severity = Severity.WARNING
    summary = "GitHub Actions trust admits every repository of an owner (repo:OWNER/*)"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
    tags = ("trust", "oidc", "federation", "github")
    kinds = frozenset({PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for provider in web_identity_providers(statement):
                if not provider.is_github:
                    continue
                pin = claim_pin(statement, provider, provider.pin_claim)
                if pin.scope is not Scope.OWNER or pin.evidence is None:
                    continue
                owner = pin.evidence.value[len("repo:") :].split("/", 1)[0]
                yield self.finding(
                    pin.evidence.loc,
                    f"{statement.label} lets {provider.key('sub')} be {pin.evidence.value!r}: every repository "
                    f"of {owner}, and every workflow in it, can assume this role. Name the repository "
                    "(repo:OWNER/REPO:...) and, for deployments, the branch or environment.",
                    subject=pin.evidence.value,
                )
