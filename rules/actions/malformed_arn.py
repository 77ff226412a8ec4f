from collections.abc import Iterator
from functools import cache

from linter.awsdata import AwsData
from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import can_name
from rules._shared.arn import ACCOUNT_ID, PARTITIONS, is_pattern, split_arn

# Accounts that are not 12-digit ids but appear in real ARNs: AWS managed policies (`arn:aws:iam::aws:policy/...`).
_NAMED_ACCOUNTS = {"aws"}


class MalformedArn(Rule):
    """Reports Resource and NotResource entries that are not well-formed ARNs.

    ## What it does
    Checks that every `Resource`/`NotResource` entry is `*` or has the six parts
    `arn:partition:service:region:account:resource`, with a known partition (`aws`, `aws-cn`, `aws-us-gov`, the
    ISO partitions, `aws-eusc`), a service, and an account that is empty, a 12-digit id or `aws`. It also knows
    two shapes people get wrong: IAM ARNs have no region, and S3 bucket and object ARNs have neither region nor
    account (`arn:aws:s3:::bucket/key`; access points and jobs do have both). Wildcards and policy variables inside
    a segment are accepted.

    ## Why it matters
    IAM rejects some malformed ARNs outright; the rest are accepted and match nothing, so the statement silently
    grants or denies nothing. `arn:aws:s3:us-east-1:111111111111:presign-demo/*` looks reasonable and never matches
    an object.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:us-east-1:111111111111:presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html
    """

    id = "IPA003"
    name = "malformed-arn"
    severity = Severity.ERROR
    summary = "Resource or NotResource entry is not a well-formed ARN for its service"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"
    tags = ("resources", "arn")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for text in statement.resources_or_not():
                if text.is_unknown or text.value == "*":
                    continue
                problem = arn_problem(context.aws, text.value)
                if problem is not None:
                    yield self.finding(text.loc, f"{statement.label}: {text.value!r} {problem}", subject=text.value)


def arn_problem(aws: AwsData, value: str) -> str | None:
    arn = split_arn(value)
    if arn is None:
        return "is not an ARN: write arn:partition:service:region:account:resource (six colon-separated parts) or *"
    if not is_pattern(arn.partition) and arn.partition.lower() not in PARTITIONS:
        return f"has unknown partition {arn.partition!r} (one of {', '.join(sorted(PARTITIONS))})"
    if not arn.service:
        return "has no service segment"
    if _bad_account(arn.account):
        return f"has account {arn.account!r}, which is not a 12-digit account id"
    service = arn.service.lower()
    if service == "iam" and arn.region.strip("*"):
        return f"has region {arn.region!r}: IAM is global and its ARNs have an empty region (arn:aws:iam::ACCOUNT:...)"
    if service == "s3" and not _any_s3_type(aws, value):
        if arn.region or arn.account:
            return (
                "has a region or account: S3 bucket and object ARNs take neither "
                f"(arn:{arn.partition}:s3:::{arn.resource}); only access points, jobs and the like have them"
            )
        return "is neither a bucket ARN (arn:aws:s3:::bucket) nor an object ARN (arn:aws:s3:::bucket/key)"
    return None


def _bad_account(account: str) -> bool:
    if not account or is_pattern(account) or account.lower() in _NAMED_ACCOUNTS:
        return False
    return ACCOUNT_ID.fullmatch(account) is None


def _any_s3_type(aws: AwsData, value: str) -> bool:
    """Whether the ARN can name some S3 resource type (access points and jobs do carry a region and account)."""
    return any(can_name(value, template) for template in _s3_templates(aws))


@cache
def _s3_templates(aws: AwsData) -> tuple[str, ...]:
    """S3's ARN templates, bucket and object (no region, no account) first: they are what most ARNs are."""
    return tuple(sorted((rt.arn_template for rt in aws.resource_types("s3").values()), key=lambda t: ":::" not in t))
