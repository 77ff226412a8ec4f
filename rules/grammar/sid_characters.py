import re
from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.lazy_re import lazy_compile
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext

_ALPHANUMERIC = lazy_compile(r"[A-Za-z0-9]*")


class SidCharacters(Rule):
    """Reports a `Sid` with characters other than letters and digits in an identity policy.

    ## What it does
    Checks that every `Sid` of an identity policy consists of ASCII letters and digits only. Resource policies
    (bucket, queue, topic, key policies) accept more characters, such as spaces and dashes, and are not checked.

    ## Why it matters
    IAM accepts only `[A-Za-z0-9]` in the Sids of identity policies and rejects the policy otherwise
    (`MalformedPolicyDocument: Statement IDs (SID) must be alpha-numeric`). A Sid copied from a bucket policy
    (`"Sid": "Allow-Read"`) breaks the deployment of the role policy it is pasted into.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Sid": "Allow-Read", "Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Sid": "AllowRead", "Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """

    id = "IPG008"
    name = "sid-characters"
    # An error: IAM rejects the policy (the Sid page: "supports ASCII uppercase letters, lowercase letters, and
    # numbers" for IAM policies).
    severity = Severity.ERROR
    summary = "Sid of an identity policy has characters other than A-Z, a-z and 0-9"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html"
    tags = ("grammar",)
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            sid = statement.sid
            if sid is None or sid.is_unknown or _ALPHANUMERIC.fullmatch(sid.value):
                continue
            suggestion = re.sub(r"[^A-Za-z0-9]", "", sid.value)
            hint = f" such as {suggestion!r}" if suggestion else ""
            message = f"{statement.label}: identity policy Sids take only letters and digits; use a Sid{hint}"
            yield self.finding(sid.loc, message, subject=sid.value)
