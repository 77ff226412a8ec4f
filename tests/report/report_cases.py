"""Hand-built check results for the writer tests: two fake rules and findings that use every field."""

from __future__ import annotations

from linter.check import CheckResult
from linter.findings import Finding, RelatedLocation, Severity
from linter.model import InputError, Location
from linter.rule import Rule

TOOL_VERSION = "9.9.9-test"  # fixed so that releases do not churn the snapshots


class FakeWildcardAction(Rule):
    """Reports an Allow statement that grants every action.

    ## What it does
    Finds `Allow` statements whose `Action` is `"*"`.

    ## Why it matters
    The statement grants every API action of every service, including IAM itself.

    ## Example
    ```json
    {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ```

    ## Instead
    ```json
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::bucket/*"}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """

    id = "IPP999"
    name = "fake-wildcard-action"
    severity = Severity.ERROR
    summary = 'Allow statement grants Action "*"'
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
    tags = ("least-privilege", "security")


class FakeDuplicateKey(Rule):
    """Reports a repeated key.

    ## What it does
    Finds objects that repeat a key.

    ## Why it matters
    Only the last occurrence counts.

    ## Example
    ```json
    {"Condition": {}, "Condition": {}}
    ```

    ## Instead
    ```json
    {"Condition": {}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """

    id = "IPG999"
    name = "fake-duplicate-key"
    severity = Severity.WARNING
    summary = "A JSON object repeats a key; all but the last are ignored"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
    tags = ("grammar",)


def _finding(rule: type[Rule], message: str, loc: Location, **extra: object) -> Finding:
    return Finding(rule_id=rule.id, rule_name=rule.name, severity=rule.severity, message=message, loc=loc, **extra)


WILDCARD = _finding(
    FakeWildcardAction,
    'aws_iam_policy.admin: statement 0 allows Action "*" on Resource "*"',
    Location(
        file="modules/iam/main.tf",
        line=12,
        column=3,
        end_line=18,
        end_column=4,
        json_path="/Statement/0/Action",
        address="aws_iam_policy.admin",
    ),
    related=(
        RelatedLocation(
            message="the bucket policy statement that denies",
            loc=Location(
                file="modules/s3/bucket.tf",
                line=40,
                column=5,
                end_line=40,
                end_column=30,
                json_path="/Statement/1",
                address="aws_s3_bucket_policy.logs",
            ),
        ),
    ),
    subject="Action *",
)
DUPLICATE = _finding(
    FakeDuplicateKey,
    '"Condition" appears twice in statement 0; the first <Bool> block & 100% of its keys, e.g. aws:SecureTransport, '
    "are ignored",
    Location(file="policies/admin.json", line=3, column=5, end_line=3, end_column=16, json_path="/Statement/0/Condition"),
)
# Severity overridden to info by configuration: the finding's severity differs from its rule's.
DUPLICATE_INFO = _finding(
    FakeDuplicateKey,
    '"Sid" appears twice in statement 1',
    Location(file="policies/admin.json", line=10, column=12, end_line=10, end_column=17, json_path="/Statement/1/Sid"),
).model_copy(update={"severity": Severity.INFO})


def full_result() -> CheckResult:
    """Every feature a writer has to show: severities, addresses, related locations, errors, counters."""
    return CheckResult(
        # Deliberately out of order: writers sort.
        findings=[DUPLICATE_INFO, WILDCARD, DUPLICATE],
        errors=[
            InputError(
                message="expected ',' or '}' after an object member",
                loc=Location(file="policies/broken.json", line=4, column=1),
            ),
            InputError(message="no such file or directory", loc=Location(file="missing.json")),
        ],
        files_checked=["modules/iam/main.tf", "policies/admin.json", "policies/clean.json"],
        skipped=[("package.json", "not an IAM policy: no Statement element")],
        rules=[FakeWildcardAction, FakeDuplicateKey],
        suppressed=2,
        baselined=1,
    )


def clean_result() -> CheckResult:
    return CheckResult(
        files_checked=["policies/clean.json", "policies/other.json"],
        rules=[FakeWildcardAction, FakeDuplicateKey],
    )


def one_finding(message: str, loc: Location, **extra: object) -> CheckResult:
    finding = _finding(FakeDuplicateKey, message, loc, **extra)
    return CheckResult(findings=[finding], files_checked=[loc.file], rules=[FakeDuplicateKey])


CASES = {"full": full_result, "clean": clean_result, "empty": CheckResult}
