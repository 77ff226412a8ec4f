from collections.abc import Iterator
from functools import lru_cache

from linter.awsdata import ActionInfo, AwsData
from linter.engine.operators import Operator
from linter.findings import Finding, Severity
from linter.model import Condition, Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import (
    any_resource_element,
    is_allow,
    is_any_action,
    is_restricted,
    key_name,
    known,
    listing,
)

# Access levels worth scoping: what changes things. Read and List actions on "*" are not reported (parliament
# and cloudsplaining draw the same line), except the reads that hand over data itself, from cloudsplaining's
# READ_ONLY_DATA_EXFILTRATION_ACTIONS (salesforce/cloudsplaining, cloudsplaining/shared/constants.py).
REPORTED_ACCESS_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})
DATA_READ_ACTIONS = frozenset(
    {
        "s3:getobject",
        "ssm:getparameter",
        "ssm:getparameters",
        "ssm:getparametersbypath",
        "secretsmanager:getsecretvalue",
    }
)
# Keys that select resources (ABAC): with a positive condition on one, `Resource: "*"` is scoped after all.
RESOURCE_SCOPING_KEYS = frozenset({"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"})
RESOURCE_SCOPING_PREFIXES = ("aws:resourcetag/", "aws:requesttag/")


def _scopable(info: ActionInfo) -> bool:
    if info.requires_star:
        return False  # no ARN can scope it (s3:ListAllMyBuckets, sts:GetCallerIdentity): `*` is correct
    levels = {level.strip() for level in info.access_level.split(",")}
    return bool(levels & REPORTED_ACCESS_LEVELS) or info.full_name.lower() in DATA_READ_ACTIONS


@lru_cache(maxsize=1 << 15)
def _scopable_names(aws: AwsData, pattern: str) -> tuple[str, ...]:
    """The reported actions an Action value names; the same values recur in statement after statement, file after
    file, and expanding one matches it against every action of its service. Room for every action AWS has (~20,000):
    the AWS managed policies name most of them, and a smaller cache missed on nearly every value."""
    return tuple(info.full_name for info in aws.expand(pattern) if _scopable(info))


def _scopes_resources(condition: Condition, operator: Operator) -> bool:
    name = key_name(condition)
    if name.startswith("aws:"):
        return name in RESOURCE_SCOPING_KEYS or name.startswith(RESOURCE_SCOPING_PREFIXES)
    return True  # service keys (s3:prefix, ec2:ResourceTag/..., kms:ViaService) narrow what the action reaches


class UnscopedResource(Rule):
    """Reports write, permissions-management and data-read actions allowed on `Resource: "*"` that ARNs could scope.

    ## What it does
    For each `Allow` statement of an identity policy with `Resource: "*"`, expands the `Action` patterns against
    the AWS service authorization reference and reports the actions that support resource-level permissions and
    whose access level is Write, Permissions management or Tagging, plus the reads that hand over data
    (`s3:GetObject`, `secretsmanager:GetSecretValue`, `ssm:GetParameter*`).

    Not reported: actions that support only `Resource: "*"` (`s3:ListAllMyBuckets`, `sts:GetCallerIdentity`,
    `ec2:DescribeInstances` — no ARN can scope them, and flagging them is the false positive trivy #5040/#5090
    complain about); other Read and List actions; statements scoped by a positive condition on a resource tag,
    `aws:ResourceAccount`/`aws:ResourceOrgID`/`aws:ResourceOrgPaths` or a service-specific key (attribute-based
    access control); bucket, key and other resource policies, where `*` means the resource the policy is on;
    SCPs and RCPs, where `*` is normal. `Action: "*"` is IPP001's.

    ## Why it matters
    `Resource: "*"` on a write action reaches every resource of that type in the account, including ones created
    after the policy was written and ones that belong to other teams. Scoping by ARN keeps a bug or a leaked
    credential to the resources the workload owns.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:ListAllMyBuckets"],
      "Resource": "*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::presign-demo/uploads/*"},
      {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html
    """

    id = "IPP004"
    name = "unscoped-resource"
    severity = Severity.WARNING
    summary = 'Write or data-read actions allowed on Resource "*" although they support resource ARNs'
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
    tags = ("least-privilege", "wildcard")
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement):
                continue
            resource = any_resource_element(statement)
            if resource is None or is_restricted(statement, _scopes_resources):
                continue
            patterns: list[str] = []
            names: list[str] = []
            for action in known(statement.action):
                if is_any_action(action.value):
                    continue
                found = _scopable_names(context.aws, action.value)
                if found:
                    patterns.append(action.value)
                    names.extend(found)
            if not names:
                continue
            yield self.finding(
                resource.loc,
                f"{statement.label} allows {listing(names)} on every resource ({resource.value!r}), but "
                f"{'this action supports' if len(names) == 1 else 'these actions support'} resource-level "
                "permissions: list the ARNs the statement needs, or scope it with an aws:ResourceTag condition.",
                subject=",".join(sorted(p.lower() for p in patterns)),
            )
