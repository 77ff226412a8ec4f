from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import (
    SENSITIVE_SERVICES,
    is_allow,
    is_delegation,
    powerful_actions,
    resources_text,
    service_wildcards,
)


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
                    f"{resources_text(statement, policy.kind)}{powerful_actions(context.aws, service)}. "
                    "List the actions the workload calls.",
                    subject=action.value.lower(),
                )
