from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind, PrincipalRef, Statement
from linter.rule import Rule, RuleContext
from rules._shared.principals import pins_otherwise, pins_to_services, public_principal, refs_of_type, ties_to_source
from rules._shared.statements import (
    is_allow,
    is_restricted,
    key_name,
    listing,
    resources_text,
    restricting_conditions,
)


class ServicePrincipalWithoutSource(Rule):
    """Reports a service principal granted access in a resource policy without an aws:SourceArn/SourceAccount condition.

    ## What it does
    Finds `Allow` statements in resource and key policies that grant to a service principal
    (`{"Service": "logging.s3.amazonaws.com"}`, `sns.amazonaws.com`, `cloudtrail.amazonaws.com` …) without a
    positive condition on `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOrgPaths` or
    `aws:SourceOwner` (or, in key policies, a `kms:EncryptionContext:` key the service sets to the source resource).
    `"Principal": "*"` kept to AWS's services by `aws:PrincipalIsAWSService` (`true`) or `aws:PrincipalServiceName`
    alone is such a grant too, to every service at once.

    Role trust policies are not checked: services such as Lambda and EC2 assume their roles without sending
    `aws:SourceArn`, and a trust condition on it would lock the service out.

    ## Why it matters
    A service principal acts for every customer of that service. Without a source condition, anyone can point
    their own resource — a CloudTrail trail, an S3 access-log configuration, an SNS subscription — at yours, and
    the service will write to or read from it on their behalf: the cross-service confused deputy problem.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::access-logs/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::access-logs/*",
      "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::presign-demo"},
                    "StringEquals": {"aws:SourceAccount": "111122223333"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn
    """

    id = "IPR003"
    name = "service-principal-without-source"
    severity = Severity.WARNING
    summary = "Service principal allowed without aws:SourceArn or aws:SourceAccount: confused deputy"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
    tags = ("principal", "confused-deputy")
    kinds = frozenset({PolicyKind.RESOURCE, PolicyKind.KEY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or is_restricted(statement, ties_to_source):
                continue
            actions = listing(t.value for t in statement.actions_or_not())
            for service, who in _service_grants(statement):
                yield self.finding(
                    service.value.loc,
                    f"{statement.label} allows {who} to call {actions} on "
                    f"{resources_text(statement, policy.kind)} for any source: add aws:SourceArn (the resource "
                    "that uses it) or aws:SourceAccount (your account) so other customers of the service cannot "
                    "use it here.",
                    subject=service.value.value.lower(),
                )


def _service_grants(statement: Statement) -> list[tuple[PrincipalRef, str]]:
    """The statement's grants to service principals, each with how the message names it: its `Service` entries, and
    a `*` that only `aws:PrincipalIsAWSService` or `aws:PrincipalServiceName` keeps to AWS's services (one that
    another condition pins, to an organization or a network, is no service grant; an unpinned one is IPR001's)."""
    grants = [(service, service.value.value) for service in refs_of_type(statement, "Service")]
    everyone = public_principal(statement)
    if everyone is None or is_restricted(statement, pins_otherwise):
        return grants
    pinning = next(restricting_conditions(statement, pins_to_services), None)
    if pinning is not None:
        if key_name(pinning) == "aws:principalisawsservice":
            who = "every AWS service (Principal '*' with aws:PrincipalIsAWSService true)"
        else:
            who = f"{listing(v.value for v in pinning.values)} (Principal '*' with aws:PrincipalServiceName)"
        grants.append((everyone, who))
    return grants
