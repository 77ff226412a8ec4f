from collections.abc import Iterable, Iterator

from linter.awsdata import ActionInfo, AwsData, readable_template
from linter.findings import Finding, Severity
from linter.model import Policy, Statement, Text
from linter.rule import Rule, RuleContext
from rules._shared.actions import action_templates, can_name, data_note, lookup_action, resource_types_of
from rules._shared.arn import split_arn


class ActionResourceMismatch(Rule):
    """Reports an allowed action that none of the statement's resources can be.

    ## What it does
    For each action of an `Allow` statement, checks whether at least one `Resource` entry can name a resource of a
    type the action acts on, using the ARN formats from the AWS service authorization data: `s3:GetObject` needs an
    object (`arn:aws:s3:::bucket/key`), `s3:ListBucket` a bucket (`arn:aws:s3:::bucket`). Actions that act on no
    resource type (`s3:ListAllMyBuckets`, `ec2:Describe*`) need `"Resource": "*"`. A wildcard action is reported
    only when none of the actions it matches fits. Statements with an unresolved or malformed resource are skipped,
    and a policy is judged for its first 100,000 resource x resource-type pairs (AWS's largest managed policy needs
    7,601; no policy AWS accepts comes near).
    Resources AWS owns and shares with every account are named as AWS writes them, with an empty account field:
    public SSM parameters (`arn:aws:ssm:REGION::parameter/aws/service/...`), AWS's SSM documents and runbooks
    (`arn:aws:ssm:REGION::document/AWS-RunShellScript`), public AMIs and snapshots (`arn:aws:ec2:REGION::image/*`).

    ## Why it matters
    IAM accepts the statement and it never grants the action: the classic case is `s3:GetObject` on the bucket ARN,
    which leaves every download (and every pre-signed GET URL the role signs) with `403 AccessDenied`.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": "arn:aws:s3:::presign-demo"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"},
      {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::presign-demo"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    - https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-finding-public-parameters.html
      (public parameters: `arn:aws:ssm:REGION::parameter/aws/service/...`)
    - https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-ssm-sharing.html (AWS's documents)
    - https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies
      (images and snapshots: `arn:aws:ec2:REGION::image/IMAGE-ID`)
    """

    id = "IPA002"
    name = "action-resource-mismatch"
    severity = Severity.ERROR
    summary = "An allowed action acts on no resource type that the statement's Resource entries can name"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
    tags = ("actions", "resources", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        budget = _PAIRS_JUDGED_PER_POLICY
        for statement in policy.statements:
            patterns = _judgeable_resources(statement)
            if not statement.is_allow or statement.action is None or patterns is None or "*" in patterns:
                continue  # `*` names a resource of every type (`can_name`), so no action mismatches it
            for text in statement.action:
                templates = None if text.is_unknown else action_templates(context.aws, text.value)
                if templates is None:
                    continue
                named, budget = _names_any(patterns, templates, budget)
                if budget <= 0:
                    return  # the rest is not judged (see _PAIRS_JUDGED_PER_POLICY)
                if not named:
                    actions = lookup_action(context.aws, text.value).actions
                    yield self._mismatch(context.aws, statement, text, actions, patterns)

    def _mismatch(
        self, aws: AwsData, statement: Statement, text: Text, actions: tuple[ActionInfo, ...], patterns: list[str]
    ) -> Finding:
        resources = ", ".join(patterns)
        if len(actions) > 1:
            needs = f"none of the {len(actions)} actions it matches acts on {resources}"
        elif actions[0].requires_star:
            needs = f'{actions[0].full_name} acts on no resource type and is granted only by "Resource": "*"'
        else:
            types = resource_types_of(aws, actions[0]) or []
            listed = " or ".join(f"{rt.name} ({readable_template(rt.arn_template)})" for rt in types)
            needs = f"{actions[0].full_name} needs a resource of type {listed}"
        message = f"{statement.label}: {text.value!r} cannot apply to {resources}: {needs}; {data_note(aws)}"
        return self.finding(text.loc, message, subject=text.value)


# Resource pattern x resource type pairs judged in one policy, at most: AWS's largest managed policy needs 7,601, and a
# policy AWS accepts (20 KB at most) a few thousand; a hostile one (20,000 ARNs against `ec2:*`'s 150 resource types)
# would take seconds per policy, so what lies past this many pairs is not judged.
_PAIRS_JUDGED_PER_POLICY = 100_000


def _names_any(patterns: list[str], templates: Iterable[str], budget: int) -> tuple[bool, int]:
    """Whether some pattern can name a resource of some template, and the budget left; past the budget, True."""
    for template in templates:
        for pattern in patterns:
            budget -= 1
            if budget <= 0:
                return True, 0
            if can_name(pattern, template):
                return True, budget
    return False, budget


def _judgeable_resources(statement: Statement) -> list[str] | None:
    """The Resource patterns when all of them are known and well formed; a `*` entry fits every action."""
    if statement.resource is None:
        return None
    patterns = []
    for text in statement.resource:
        if text.is_unknown or (text.value != "*" and split_arn(text.value) is None):
            return None
        patterns.append(text.value)
    return patterns or None
