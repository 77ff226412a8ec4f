from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import (
    SENSITIVE_SERVICES,
    is_allow,
    powerful_actions,
    resources_text,
    service_wildcards,
)


class SensitiveServiceWildcard(Rule):
    """Reports `iam:*`, `sts:*`, `organizations:*`, `kms:*` or `sso:*` in an identity policy.

    ## What it does
    Finds `Allow` statements in identity policies whose `Action` names every action of a service that controls
    access itself: IAM, STS, Organizations, KMS and IAM Identity Center (`sso`). Other services' wildcards are
    IPP002 warnings. Key policies are not checked here: `kms:*` in a key policy covers one key, and for the
    account root it is the standard delegation to IAM.

    ## Why it matters
    Each of these wildcards is a path to every other permission: `iam:*` can attach `AdministratorAccess` to the
    caller, `sts:*` assumes any role that trusts the account, `organizations:*` can detach the SCPs that guard it,
    `kms:*` on `*` can rewrite key policies and decrypt any data the account's keys protect.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    ```

    ## Instead
    Name the actions and the resources:
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles"],
      "Resource": "*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    """

    id = "IPP003"
    name = "sensitive-service-wildcard"
    severity = Severity.ERROR
    summary = "Identity policy grants every action of IAM, STS, Organizations, KMS or SSO"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
    tags = ("least-privilege", "wildcard", "privilege-escalation")
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement):
                continue
            for action, service in service_wildcards(statement):
                if service in SENSITIVE_SERVICES:
                    yield self.finding(
                        action.loc,
                        f"{statement.label} allows every {service} action ({action.value!r}) on "
                        f"{resources_text(statement, policy.kind)}{powerful_actions(context.aws, service)}: "
                        f"{service} controls access itself, so this is a path to every other permission. "
                        "List the actions the workload calls.",
                        subject=action.value.lower(),
                    )
