from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, Statement
from linter.rule import Rule, RuleContext
from rules._shared.actions import data_note
from rules._shared.arn import is_pattern, split_arn


class ResourceServiceMismatch(Rule):
    """Reports a resource ARN of a service that the statement's actions never act on.

    ## What it does
    When every `Action` of a statement belongs to one service, checks that each `Resource`/`NotResource` ARN is of
    a service that service's actions can act on, according to the resource types in the AWS service
    authorization data. This allows the real cross-service cases: `sts:AssumeRole` on an `iam` role,
    `ssm:SendCommand` on an `ec2` instance; and the prefixes of a renamed service name the same resources:
    `codestar-connections` actions act on `codeconnections` ARNs and the other way round (`linter.awsdata.RENAMES`).
    A service whose resource types name any service (AWS Backup's recovery points) is not judged.

    ## Why it matters
    A resource of another service never matches a request for these actions: the statement grants (or denies, or
    exempts) nothing for it. It is usually a copy-paste slip, such as a bucket ARN left in a KMS statement, that
    leaves the intended resource without access.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
      "Resource": "arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    - https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html (AWS CodeStar Connections renamed AWS
      CodeConnections: both prefixes stay available)
    """

    id = "IPA004"
    name = "resource-service-mismatch"
    severity = Severity.WARNING
    summary = "A Resource ARN belongs to a service that none of the statement's actions act on"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
    tags = ("resources", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            service = _single_service(statement)
            if service is None or not context.aws.service_exists(service):
                continue
            accepted = context.aws.arn_services(service)
            # A template whose service segment is a variable (AWS Backup's recovery points, `arn:${Partition}:
            # ${Vendor}:...`, are EBS snapshots, RDS snapshots...) acts on resources of any service.
            if any(is_pattern(arn_service) for arn_service in accepted):
                continue
            for text in statement.resources_or_not():
                arn = None if text.is_unknown else split_arn(text.value)
                if arn is None or is_pattern(arn.service) or arn.service.lower() in accepted:
                    continue
                services = ", ".join(sorted(accepted))
                message = (
                    f"{statement.label}: {text.value!r} names a resource of service {arn.service!r}, but the"
                    f" statement's actions are all {service} actions, which act on {services} resources only;"
                    f" {data_note(context.aws)}"
                )
                yield self.finding(text.loc, message, subject=text.value)


def _single_service(statement: Statement) -> str | None:
    """The one service prefix of the statement's Action entries, or None (NotAction, `*`, unresolved, several)."""
    if not statement.action:
        return None
    services = set()
    for text in statement.action:
        service, sep, _ = text.value.partition(":")
        if text.is_unknown or not sep or is_pattern(service):
            return None
        services.add(service.lower())
    return services.pop() if len(services) == 1 else None
