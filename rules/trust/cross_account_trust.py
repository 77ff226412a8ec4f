from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import THIS_ACCOUNT, Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.principals import public_principal, refs_of_type, unrestricted_public
from rules._shared.statements import account_of, grants_action, is_allow, is_restricted, on_keys

_PINS_CALLER = on_keys("sts:ExternalId", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn")


class CrossAccountTrust(Rule):
    """Reports a role trust to a whole account (or to `*`) without sts:ExternalId, aws:PrincipalOrgID or PrincipalArn.

    ## What it does
    Finds `Allow` statements in trust policies that grant `sts:AssumeRole` to an account principal
    (`arn:aws:iam::ACCOUNT:root` or the bare account id), or to `*` already limited by some other condition, with
    no positive condition on `sts:ExternalId`, `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` or
    `aws:PrincipalArn`. An unrestricted `*` is IPR001's error. Trusting your own account's root is reported too
    when the account is written as a literal id (a policy does not say which account it lives in); in Terraform,
    the account of `data.aws_caller_identity` is the configuration's own and is not reported.

    ## Why it matters
    Trusting an account lets every principal there that its administrators allow `sts:AssumeRole` become this role.
    For a third party (a SaaS vendor), that is the confused-deputy problem: another of the vendor's customers can
    ask the vendor to assume your role; `sts:ExternalId` is AWS's fix. For your own accounts, `aws:PrincipalArn`
    names the role that may assume it, and `aws:PrincipalOrgID` keeps it inside your organization.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"sts:ExternalId": "c8b6a7e2-vendor-issued-id"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    """

    id = "IPT004"
    name = "cross-account-trust-without-external-id"
    severity = Severity.WARNING
    summary = "Role trusts a whole account without sts:ExternalId, aws:PrincipalOrgID or aws:PrincipalArn"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html"
    tags = ("trust", "cross-account", "confused-deputy")
    kinds = frozenset({PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or grants_action(statement, "sts:AssumeRole") is None:
                continue
            if is_restricted(statement, _PINS_CALLER) or unrestricted_public(statement) is not None:
                continue
            everyone = public_principal(statement)
            for ref in refs_of_type(statement, "AWS"):
                account = account_of(ref.value.value)
                if ref is everyone:
                    who = "any AWS principal that meets its other conditions"
                elif account == THIS_ACCOUNT:
                    continue  # Terraform's own account (data.aws_caller_identity): not a cross-account trust
                elif account is not None:
                    who = f"every principal in account {account} that its administrators allow sts:AssumeRole"
                else:
                    continue
                yield self.finding(
                    ref.value.loc,
                    f"{statement.label} lets {who} assume this role. Add StringEquals sts:ExternalId for a third "
                    "party, or aws:PrincipalArn / aws:PrincipalOrgID for your own accounts.",
                    subject=account or "*",
                )
