from collections.abc import Iterator

from linter.awsdata import AwsData
from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules.privilege._statements import (
    SENSITIVE_SERVICES,
    is_allow,
    is_delegation,
    listing,
    resources_text,
    service_wildcards,
)


def powerful_actions(aws: AwsData, service: str) -> str:
    """A few of the service's permissions-management actions, to show what `service:*` gives away."""
    names = [
        info.full_name
        for info in aws.actions(service).values()
        if "Permissions management" in info.access_level
    ]
    if not names:
        return ""
    return f", including {len(names)} that change permissions ({listing(sorted(names), 3)})"


class ServiceWildcard(Rule):
    """Reports `service:*` in an Allow statement: every action of the service, present and future.

    ## What it does
    Finds `Allow` statements whose `Action` names a whole service, such as `s3:*` or `dynamodb:*`. In identity
    policies the services that control access itself (`iam`, `sts`, `organizations`, `kms`, `sso`) are left to
    IPP003, which reports them as errors. In bucket, queue, topic and key policies every service counts: there the
    wildcard is limited to the one resource, but still hands over its policy, its deletion and its data.

    Statements whose principals are whole accounts (`arn:aws:iam::111122223333:root`) are not reported: they
    delegate to that account's IAM, whose policies decide what anyone there may do — the standard KMS key policy
    statement `kms:*` for the account root is exactly that.

    ## Why it matters
    `s3:*` also grants `s3:PutBucketPolicy`, `s3:DeleteBucket` and `s3:PutBucketPublicAccessBlock`; the set grows
    whenever AWS adds an action. Least privilege means naming the actions the workload calls.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IPP002"
    name = "service-wildcard"
    severity = Severity.WARNING
    summary = "Allow statement grants every action of a service (`s3:*`)"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
    tags = ("least-privilege", "wildcard")
    kinds = frozenset({PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.KEY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or is_delegation(statement):
                continue
            for action, service in service_wildcards(statement):
                if policy.kind is PolicyKind.IDENTITY and service in SENSITIVE_SERVICES:
                    continue  # IPP003
                yield self.finding(
                    action.loc,
                    f"{statement.label} allows every {service} action ({action.value!r}) on "
                    f"{resources_text(statement)}{powerful_actions(context.aws, service)}. "
                    "List the actions the workload calls.",
                    subject=action.value.lower(),
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
                        f"{resources_text(statement)}{powerful_actions(context.aws, service)}: "
                        f"{service} controls access itself, so this is a path to every other permission. "
                        "List the actions the workload calls.",
                        subject=action.value.lower(),
                    )
