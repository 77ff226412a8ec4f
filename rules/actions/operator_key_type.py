from collections.abc import Iterator, Sequence

from linter.engine.operators import Family
from linter.findings import Finding, Severity
from linter.model import Policy, Text
from linter.rule import Rule, RuleContext
from rules._shared.actions import data_note, known_conditions

# Key types (service authorization data, without ArrayOf) each operator family is meant for. String operators also
# read ARN keys, as the IAM docs' own examples do (`StringLike` on `aws:PrincipalArn`).
_FAMILY_KEY_TYPES: dict[Family, frozenset[str]] = {
    Family.STRING: frozenset({"String", "ARN"}),
    Family.ARN: frozenset({"ARN"}),
    Family.NUMERIC: frozenset({"Numeric"}),
    Family.DATE: frozenset({"Date"}),
    Family.BOOL: frozenset({"Bool"}),
    Family.IP: frozenset({"IPAddress"}),
}
# aws:EpochTime is documented as "Date, Numeric": numeric operators read it as epoch seconds.
_ALSO_NUMERIC = {"aws:epochtime"}
_OPERATORS_FOR = {
    "String": "a String operator (StringEquals, StringLike, ...)",
    "ARN": "ArnEquals/ArnLike (or a String operator)",
    "Numeric": "a Numeric operator (NumericEquals, NumericLessThan, ...)",
    "Date": "a Date operator (DateLessThan, DateGreaterThan, ...)",
    "Bool": "Bool",
    "IPAddress": "IpAddress/NotIpAddress",
}


def _all_arns(values: Sequence[Text]) -> bool:
    """Every value is an ARN, or may be one: Terraform's `arn:aws:logs:${var.region}:...` is one whatever its unknown
    parts, and a value known only at apply may be one."""
    return bool(values) and all(v.value.startswith("arn:") or v.is_unknown for v in values)


class OperatorKeyTypeMismatch(Rule):
    """Reports a condition operator of another type than its condition key.

    ## What it does
    Compares the operator's family with the key's documented type: String operators for String and ARN keys,
    `Arn...` for ARN keys (and for String keys whose values are all ARNs, such as
    `kms:EncryptionContext:aws:logs:arn`, Terraform's with parts known only at apply included), `Numeric...`,
    `Date...`, `Bool` and `IpAddress` for keys of those types (`aws:EpochTime` takes Numeric operators too). `Null`
    and `BinaryEquals` fit every key. Keys the data does not describe are skipped.

    ## Why it matters
    The IAM documentation tells you to use the operator of the key's type. A String operator compares text
    (`StringEquals` on `aws:CurrentTime` never matches a date written another way, `"True"` is not `"true"`), and an
    `Arn` operator on a key that holds no ARN never matches: the condition does not test what it appears to.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
      "Condition": {"StringEquals": {"aws:SecureTransport": "false"},
                    "ArnEquals": {"aws:SourceAccount": "111111111111"}}}]}
    ```

    ## Instead
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": "false"},
                    "StringEquals": {"aws:SourceAccount": "111111111111"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    """

    id = "IPA009"
    name = "operator-key-type-mismatch"
    severity = Severity.WARNING
    summary = "Condition operator's type does not match the condition key's type"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
    tags = ("conditions", "aws-data")

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        aws = context.aws
        for statement in policy.statements:
            for condition, operator in known_conditions(statement):
                accepted = _FAMILY_KEY_TYPES.get(operator.family)
                info = aws.condition_key(condition.key.value) if accepted else None
                if accepted is None or info is None or info.scalar_type in accepted:
                    continue
                if operator.family is Family.NUMERIC and info.name.lower() in _ALSO_NUMERIC:
                    continue
                if operator.family is Family.ARN and _all_arns(condition.values):
                    continue  # a String key that holds ARNs (AWS's own key policies use ArnLike on them)
                key_type = info.scalar_type
                instead = _OPERATORS_FOR.get(key_type, f"an operator for {key_type} values")
                message = (
                    f"{statement.label}: {operator.text} compares {operator.family.value} values, but"
                    f" {condition.key.value} holds {key_type} values: use {instead}; {data_note(aws)}"
                )
                yield self.finding(condition.key.loc, message, subject=f"{operator.text} {condition.key.value}")
