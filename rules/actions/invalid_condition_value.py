import base64
import binascii
from collections.abc import Callable, Iterator

from linter.engine.conditions import parse_date, parse_network, parse_number
from linter.engine.operators import Family
from linter.findings import Finding, Severity
from linter.model import Policy
from linter.rule import Rule, RuleContext
from rules._shared.actions import known_conditions


def _is_flag(text: str) -> bool:
    return text.lower() in ("true", "false")


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# What a valid value of each typed operator family looks like; String and Arn values are any text.
_VALID: dict[Family, tuple[Callable[[str], object], str]] = {
    Family.BOOL: (_is_flag, "true or false"),
    Family.NULL: (_is_flag, "true (key absent) or false (key present)"),
    Family.NUMERIC: (parse_number, "an integer or decimal number"),
    Family.DATE: (parse_date, "an ISO 8601 date such as 2030-01-01T00:00:00Z, or epoch seconds"),
    Family.IP: (parse_network, "an IPv4 or IPv6 address or CIDR block such as 203.0.113.0/24"),
    Family.BINARY: (_is_base64, "base64-encoded bytes"),
}


class InvalidConditionValue(Rule):
    """Reports condition values that the operator cannot read.

    ## What it does
    Checks each value against its operator's type: `Bool` and `Null` take `true`/`false`; `Numeric...` integers or
    decimals; `Date...` ISO 8601 dates or epoch seconds; `IpAddress`/`NotIpAddress` IPv4/IPv6 addresses or CIDR
    blocks; `BinaryEquals` base64. Policy variables are substituted only in `Bool` among these (under Version
    2012-10-17: the condition operators page, Boolean section), so `${...}` in the others is invalid too.

    ## Why it matters
    A value the operator cannot parse never matches: an Allow conditioned on it grants nothing and a Deny with a
    negated operator denies everything. IAM rejects some of these when the policy is saved and silently keeps
    others, such as `"Bool": {"aws:SecureTransport": "yes"}`.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
      "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/33"}, "Bool": {"aws:SecureTransport": "no"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
      "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "Bool": {"aws:SecureTransport": "false"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """

    id = "IPA008"
    name = "invalid-condition-value"
    severity = Severity.ERROR
    summary = "A condition value is not of the type its operator compares (Bool, Null, Numeric, Date, IP, Binary)"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
    tags = ("conditions",)

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            for condition, operator in known_conditions(statement):
                check = _VALID.get(operator.family)
                if check is None:
                    continue
                valid, expected = check
                # A Bool value may be a policy variable, substituted when the request is decided (2012-10-17 only).
                variables_allowed = operator.family is Family.BOOL and policy.supports_variables
                for value in condition.values:
                    if value.is_unknown or valid(value.value) or (variables_allowed and "${" in value.value):
                        continue
                    variables = " (policy variables are not substituted here)" if "${" in value.value else ""
                    message = (
                        f"{statement.label}: {operator.text} {condition.key.value}: {value.value!r} is not a valid"
                        f" {operator.family.value} value{variables}; write {expected}"
                    )
                    subject = f"{operator.text} {condition.key.value} {value.value}"
                    yield self.finding(value.loc, message, subject=subject)
