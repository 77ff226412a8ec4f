import re
from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.lazy_re import lazy_compile
from linter.model import Policy, PrincipalRef
from linter.rule import Rule, RuleContext
from rules._shared.arn import ACCOUNT_ID, PARTITIONS, split_arn
from rules.grammar._common import partial_wildcard

# Unique ids of users and roles (AIDA..., AROA...): AWS shows them in place of a principal that was deleted.
_UNIQUE_ID = lazy_compile(r"(AIDA|AROA)[A-Z0-9]{12,}")
# Possessive, without captures: a principal of megabytes is matched in one pass and no backtracking stack.
_IAM_PRINCIPAL = lazy_compile(r"root|(?:user|role)/(?:[\w+=,.@-]++/)*+[\w+=,.@-]++")
_STS_PRINCIPAL = lazy_compile(r"assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+")
_SERVICE = lazy_compile(r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?", re.IGNORECASE)
# Service principals outside amazonaws.com that AWS documents (Alexa skills invoking Lambda functions).
_OTHER_SERVICES = {"alexa-appkit.amazon.com", "alexa-connectedhome.amazon.com"}
_PROVIDER = lazy_compile(r"(saml-provider|oidc-provider)/.+")
_CANONICAL_USER = lazy_compile(r"[0-9a-f]{64}", re.IGNORECASE)
# A CloudFront origin access identity (the legacy way to let CloudFront read an S3 origin) has an ARN of its own in
# an account field that is not a number: `arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE`.
_CLOUDFRONT_OAI = lazy_compile(r"user/CloudFront Origin Access Identity [A-Z0-9]+")


class MalformedPrincipal(Rule):
    """Reports principal entries that IAM does not accept as principals.

    ## What it does
    Checks each `Principal`/`NotPrincipal` entry by its type. `AWS`: `*`, a 12-digit account id, or the ARN of an
    account root, IAM user or role (`arn:aws:iam::ID:root|user/...|role/...`) or of a role session or federated
    user (`arn:aws:sts::ID:assumed-role/...|federated-user/...`); IAM groups are never principals. `Service`: a
    service principal such as `ec2.amazonaws.com`. `Federated`: a SAML or OIDC provider ARN, or a web identity
    provider name. `CanonicalUser`: a 64-character hex id. The ARN of a CloudFront origin access identity
    (`arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID`) is accepted too: it is the one principal
    ARN AWS documents with a name in place of the account id. Wildcards inside an entry are IPG013's concern.

    ## Why it matters
    IAM rejects the policy (`MalformedPolicyDocument: Invalid principal in policy`), so the deployment fails. A
    group ARN, a session ARN written under `iam`, or a service name without its domain (`"Service": "lambda"`) are
    the usual slips.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
      "Principal": {"AWS": "arn:aws:iam::111111111111:group/deployers", "Service": "lambda"}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
      "Principal": {"AWS": "arn:aws:iam::111111111111:role/deployer", "Service": "lambda.amazonaws.com"}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
      (legacy origin access identity: the bucket policy's principal)
    """

    id = "IPG012"
    name = "malformed-principal"
    severity = Severity.ERROR
    summary = "Principal entry is not an account, user, role, session, service or provider IAM accepts"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
    tags = ("grammar", "principals")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for element, principals in (("Principal", statement.principal), ("NotPrincipal", statement.not_principal)):
                for ref in principals.refs if principals is not None else ():
                    if ref.value.is_unknown or partial_wildcard(ref):
                        continue
                    problem = principal_problem(ref)
                    if problem is not None:
                        message = f"{statement.label}: {element} {ref.type} {ref.value.value!r} {problem}"
                        yield self.finding(ref.value.loc, message, subject=f"{ref.type} {ref.value.value}")


def principal_problem(ref: PrincipalRef) -> str | None:
    """Why IAM would reject the entry, or None. Types other than the four IAM knows are the schema's (IPG001)."""
    value = ref.value.value
    if ref.type == "AWS":
        return _aws_problem(value)
    if ref.type == "Service":
        if _SERVICE.fullmatch(value) or value.lower() in _OTHER_SERVICES:
            return None
        hint = f" such as '{value}.amazonaws.com'" if re.fullmatch(r"[a-z0-9-]+", value) else ""
        return f"is not a service principal; write the service's principal name{hint}"
    if ref.type == "Federated":
        arn = split_arn(value)
        if arn is None:
            return None if value and not any(c.isspace() for c in value) else "is not an identity provider"
        if (
            arn.service.lower() != "iam"
            or not ACCOUNT_ID.fullmatch(arn.account)
            or not _PROVIDER.fullmatch(arn.resource)
        ):
            return "is not a SAML or OIDC provider ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME or oidc-provider/HOST)"
        return None
    if ref.type == "CanonicalUser" and not _CANONICAL_USER.fullmatch(value):
        return "is not a canonical user id (64 hexadecimal characters)"
    return None


def _aws_problem(value: str) -> str | None:
    if value == "*" or ACCOUNT_ID.fullmatch(value) or _UNIQUE_ID.fullmatch(value):
        return None
    arn = split_arn(value)
    if arn is None:
        return "is neither *, a 12-digit account id nor an IAM principal ARN"
    service, resource = arn.service.lower(), arn.resource
    if arn.partition.lower() not in PARTITIONS:
        return f"has unknown partition {arn.partition!r}"
    if service == "iam" and arn.account == "cloudfront" and not arn.region and _CLOUDFRONT_OAI.fullmatch(resource):
        return None
    if not ACCOUNT_ID.fullmatch(arn.account):
        return f"has account {arn.account!r}, which is not a 12-digit account id"
    if arn.region:
        return "has a region; principal ARNs have none"
    if service == "iam" and resource.startswith("group/"):
        return "is an IAM group, and groups are never principals: name its users or roles, or the account"
    if service == "iam" and resource.startswith(("assumed-role/", "federated-user/")):
        return f"is a session, whose ARNs are in sts: arn:{arn.partition}:sts::{arn.account}:{resource}"
    if (service == "iam" and _IAM_PRINCIPAL.fullmatch(resource)) or (
        service == "sts" and _STS_PRINCIPAL.fullmatch(resource)
    ):
        return None
    return "is not the ARN of an account root, IAM user, IAM role, role session or federated user"
