from collections.abc import Iterator
from typing import NamedTuple

from linter.findings import Finding, Severity
from linter.lazy_re import lazy_compile
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext


class Quota(NamedTuple):
    limit: int  # characters, white space not counted
    what: str  # what AWS caps at `limit`, for the message
    certain: bool  # False: the account may have it raised, or the policy may be meant for a roomier place


# AWS's quotas (IAM and STS quotas; Organizations quotas; S3 and KMS quotas). Only a certain quota gives an error.
_MANAGED = Quota(6_144, "a managed policy", certain=True)
_ROLE_INLINE = Quota(10_240, "a role's inline policies together", certain=True)
_INLINE = {
    "aws_iam_role": _ROLE_INLINE,  # inline_policy blocks
    "aws_iam_role_policy": _ROLE_INLINE,
    "aws_iam_user_policy": Quota(2_048, "a user's inline policies together", certain=True),
    "aws_iam_group_policy": Quota(5_120, "a group's inline policies together", certain=True),
    "aws_iam_policy": _MANAGED,
}
# Written in a file, an identity policy may become a managed policy or a role's inline one.
_IDENTITY_ANYWHERE = (
    Quota(6_144, "a managed policy (only a role's inline policies may be larger)", certain=False),
    Quota(10_240, "any identity policy (a role's inline policies, the largest)", certain=True),
)
_TRUST = (
    Quota(2_048, "a role trust policy unless the account's quota was raised", certain=False),
    Quota(8_192, "a role trust policy, with the quota raised as far as AWS allows", certain=True),
)
_BUCKET = Quota(20_480, "an S3 bucket policy (20 KB)", certain=True)
_S3_RESOURCES = {"aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_access_point"}
# Resource policies of other services have quotas of their own; 20 KB is S3's, Lambda's and Secrets Manager's.
_RESOURCE_ANYWHERE = (Quota(20_480, "an S3 bucket policy and most resource policies (20 KB)", certain=False),)
_BY_KIND = {
    PolicyKind.TRUST: _TRUST,
    PolicyKind.SCP: (Quota(5_120, "a service control policy", certain=True),),
    PolicyKind.RCP: (Quota(5_120, "a resource control policy", certain=True),),
    PolicyKind.KEY: (Quota(32_768, "a KMS key policy (32 KB)", certain=True),),
}
_QUOTED = lazy_compile(r'"(?:[^"\\]++|\\.)*+"')  # possessive: one pass, whatever the key holds


def resource_type(address: str | None) -> str | None:
    """The resource type of a Terraform address (`aws_iam_role_policy`), None for a data source or no address."""
    if not address:
        return None
    parts = _without_keys(address).split(".")
    return parts[-2] if len(parts) >= 2 and (len(parts) < 3 or parts[-3] != "data") else None


def _without_keys(address: str) -> str:
    """`module.a["x.y"].aws_iam_role_policy.b[0]` without its index keys, which are the input's to write (dots and
    brackets included): one pass, skipping a quoted key to its closing quote."""
    kept, position = [], 0
    while (start := address.find("[", position)) >= 0:
        kept.append(address[position:start])
        position = start + 1
        if address.startswith('"', position):
            quoted = _QUOTED.match(address, position)
            position = quoted.end() if quoted else len(address)  # an unterminated key runs to the end
        end = address.find("]", position)
        position = len(address) if end < 0 else end + 1
    kept.append(address[position:])
    return "".join(kept)


def quotas(policy: Policy) -> tuple[Quota, ...]:
    """The size quotas that apply to the policy, smallest first."""
    if policy.kind in _BY_KIND:
        return _BY_KIND[policy.kind]
    where = resource_type(policy.loc.address)
    if policy.kind is PolicyKind.IDENTITY:
        return (_INLINE[where],) if where in _INLINE else _IDENTITY_ANYWHERE
    if where in _S3_RESOURCES or (where is None and _names_only_s3(policy)):
        return (_BUCKET,)
    return _RESOURCE_ANYWHERE


def _names_only_s3(policy: Policy) -> bool:
    """Every Resource names S3 (a bucket, its objects, an access point): the policy is a bucket's or access point's."""
    resources = [t.value for s in policy.statements for t in s.resources_or_not() if not t.is_unknown]
    return bool(resources) and all(r.split(":", 3)[2:3] == ["s3"] for r in resources)


class PolicySize(Rule):
    """Reports a policy larger than AWS accepts for its kind.

    ## What it does
    Measures the document as AWS counts it against its size quotas, white space left out, and compares it with the
    quota of the place the policy goes: 6,144 characters for a managed policy; 2,048, 10,240 and 5,120 for the inline
    policies of a user, a role and a group; 2,048 for a role trust policy (8,192 once the quota is raised); 20 KB
    for an S3 bucket policy, 32 KB for a KMS key policy, 5,120 characters for an SCP or RCP. Terraform resources
    name the place; a policy file is measured against the largest place its kind can go. Over a quota that nothing
    can raise, the finding is an error; over one the account may have raised (trust policies), or that applies only
    to some of the places the policy may go, it is a warning. Values Terraform cannot know yet count as nothing,
    and a document with more statements than the linter models says how many were checked.

    ## Why it matters
    AWS rejects the whole document (`LimitExceeded: Cannot exceed quota for PolicySize`), so the deployment fails
    and the account keeps the last version that fitted. Inline quotas are per principal, for all its inline
    policies together: one document over the quota is certainly rejected, several under it may still be.

    ## Example
    A `jsonencode` that lists one ARN per bucket for a user: 120 ARNs make about 3,500 characters, far over the
    2,048 of a user's inline policies.
    ```hcl
    resource "aws_iam_user_policy" "reports" {
      user   = "reports"
      policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject",
        Resource = [for n in range(120) : "arn:aws:s3:::reports-${n}/*"] }] })
    }
    ```

    ## Instead
    Name the resources with a wildcard or a tag condition, or move the grant to a managed policy and attach it.
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports-*/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
    - https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
    """

    id = "IPG014"
    name = "policy-too-large"
    severity = Severity.ERROR
    summary = "Policy is larger than AWS accepts for its kind (IAM, Organizations, S3 and KMS size quotas)"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
    tags = ("grammar", "quotas")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        exceeded = [quota for quota in quotas(policy) if policy.size > quota.limit]
        unchecked = [issue.message for issue in policy.issues if issue.code == "statements-not-checked"]
        if not exceeded:
            return
        quota = next((q for q in reversed(exceeded) if q.certain), exceeded[-1])
        verdict = "AWS rejects it" if quota.certain else "AWS may reject it"
        message = (
            f"the policy is at least {policy.size:,} characters without white space, over the {quota.limit:,} "
            f"AWS accepts for {quota.what}: {verdict}"
        )
        if unchecked:
            message += f"; {unchecked[0]}"
        finding = self.finding(policy.loc, message, subject=f"size>{quota.limit}")
        yield finding if quota.certain else finding.model_copy(update={"severity": Severity.WARNING})
