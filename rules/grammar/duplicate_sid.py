from collections.abc import Iterator

from linter.findings import Finding, RelatedLocation, Severity
from linter.model import Policy, Text
from linter.rule import Rule, RuleContext


class DuplicateSid(Rule):
    """Reports two statements of one policy with the same `Sid`.

    ## What it does
    Finds statements whose `Sid` repeats the `Sid` of an earlier statement of the same policy, and points at the
    earlier one.

    ## Why it matters
    Bucket policies, SQS and SNS policies, KMS key policies and SCPs reject duplicate Sids outright; where they are
    accepted, every tool and person that refers to a statement by its Sid (Terraform's `aws_iam_policy_document`
    merges statements by Sid, for one) may pick the wrong statement.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"},
      {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::presign-demo"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Sid": "ReadObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::presign-demo/*"},
      {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::presign-demo"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """

    id = "IPG007"
    name = "duplicate-sid"
    severity = Severity.ERROR
    summary = "Two statements of the policy have the same Sid"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html"
    tags = ("grammar",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        first: dict[str, tuple[int, Text]] = {}
        for statement in policy.statements:
            sid = statement.sid
            if sid is None or sid.is_unknown or not sid.value:
                continue
            if sid.value not in first:
                first[sid.value] = (statement.index, sid)
                continue
            index, earlier = first[sid.value]
            message = f"{statement.label}: Sid {sid.value!r} is already used by statement {index}; Sids must be unique"
            related = [RelatedLocation(message=f"first use of Sid {sid.value!r}", loc=earlier.loc)]
            yield self.finding(sid.loc, message, subject=sid.value, related=related)
