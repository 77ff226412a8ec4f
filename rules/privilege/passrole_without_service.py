from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import (
    PASS_ROLE,
    every_role_element,
    is_allow,
    is_restricted,
    listing,
    on_keys,
    pass_role_grant,
    resources_text,
)

_PASSED_TO_SERVICE = on_keys("iam:PassedToService")


class PassRoleWithoutService(Rule):
    """Reports `iam:PassRole` allowed without an `iam:PassedToService` condition.

    ## What it does
    Finds `Allow` statements in identity policies that grant `iam:PassRole` on named roles but with no positive
    `iam:PassedToService` condition (a negated operator or `...IfExists` does not count). Grants on every role are
    IPP007's error instead.

    ## Why it matters
    Without the condition the role can be passed to any service that accepts roles — a role meant for Lambda can
    be given to an EC2 instance, a Glue endpoint or a CloudFormation stack the caller controls, each of which runs
    the caller's code with the role's permissions.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole",
      "Resource": "arn:aws:iam::111122223333:role/presign-lambda"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole",
      "Resource": "arn:aws:iam::111122223333:role/presign-lambda",
      "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """

    id = "IPP008"
    name = "passrole-without-service"
    severity = Severity.WARNING
    summary = "iam:PassRole allowed without an iam:PassedToService condition"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html"
    tags = ("least-privilege", "privilege-escalation", "passrole")
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement):
                continue
            grant = pass_role_grant(statement)
            if grant is None or every_role_element(statement) is not None:
                continue
            if is_restricted(statement, _PASSED_TO_SERVICE):
                continue
            how = "" if grant.value.lower() == PASS_ROLE.lower() else f" (through {grant.value!r})"
            yield self.finding(
                grant.loc,
                f"{statement.label} allows {PASS_ROLE}{how} on {resources_text(statement, policy.kind)} to any "
                "service: add a StringEquals iam:PassedToService condition naming the service that needs the role "
                "(for example lambda.amazonaws.com).",
                subject=f"{grant.value.lower()} on {listing(sorted(t.value for t in statement.resources_or_not()))}",
            )
