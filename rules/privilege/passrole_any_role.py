from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import PASS_ROLE, every_role_element, is_allow, pass_role_grant


class PassRoleAnyRole(Rule):
    """Reports `iam:PassRole` allowed on every role.

    ## What it does
    Finds `Allow` statements in identity policies that grant `iam:PassRole` — by name or through `iam:Pass*`,
    `iam:*`, `*` or `NotAction` — on `Resource: "*"`, on `arn:aws:iam::ACCOUNT:role/*`, or through `NotResource`,
    unless a positive `aws:ResourceTag`/`iam:ResourceTag` condition limits the roles. An `iam:PassedToService`
    condition does not help here: it limits the service, not the role handed to it. A full-administrator
    statement (`*` on `*`) is IPP001's alone.

    ## Why it matters
    Passing a role hands its permissions to a service the caller controls: with `lambda:CreateFunction`,
    `ec2:RunInstances` or `cloudformation:CreateStack` the caller runs code as any role in the account,
    administrator roles included. It is the most common privilege-escalation path in AWS.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole",
      "Resource": "arn:aws:iam::111122223333:role/presign-lambda",
      "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    """

    id = "IPP007"
    name = "passrole-any-role"
    severity = Severity.ERROR
    summary = "iam:PassRole allowed on every role"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
    tags = ("least-privilege", "privilege-escalation", "passrole")
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement):
                continue
            grant = pass_role_grant(statement)
            resource = every_role_element(statement) if grant is not None else None
            if grant is None or resource is None:
                continue
            how = "" if grant.value.lower() == PASS_ROLE.lower() else f" (through {grant.value!r})"
            scope = (
                f"every role except {resource.value!r}"
                if statement.resource is None
                else f"every role ({resource.value!r})"
            )
            yield self.finding(
                grant.loc,
                f"{statement.label} allows {PASS_ROLE}{how} on {scope}: the caller can hand any role, "
                "administrator roles included, to a service it controls. List the role ARNs it must pass and add "
                "an iam:PassedToService condition.",
                subject=f"{grant.value.lower()} on {resource.value}",
            )
