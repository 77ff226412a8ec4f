"""Hand-built check results for the writer tests (two fake rules, findings that use every field), a `report`
fixture that renders with a fixed tool version, and exact snapshot comparison.

After an intended output change, rewrite every snapshot with `make snapshots`
and read the diff. Tests run in importlib mode, so everything they share is a fixture here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from linter.check import CheckResult
from linter.findings import Finding, RelatedLocation, Severity
from linter.model import InputError, Location
from linter.report import render
from linter.rule import Rule

SNAPSHOTS = Path(__file__).parent / "snapshots"
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


def _finding(
    rule: type[Rule], message: str, loc: Location, *, related: tuple[RelatedLocation, ...] = (), subject: str = ""
) -> Finding:
    return Finding(
        rule_id=rule.id,
        rule_name=rule.name,
        severity=rule.severity,
        message=message,
        loc=loc,
        related=related,
        subject=subject,
    )


WILDCARD = _finding(
    FakeWildcardAction,
    'statement 0 allows Action "*" on Resource "*"',
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
    Location(
        file="policies/admin.json", line=3, column=5, end_line=3, end_column=16, json_path="/Statement/0/Condition"
    ),
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


def one_finding(message: str, loc: Location, *, related: tuple[RelatedLocation, ...] = ()) -> CheckResult:
    finding = _finding(FakeDuplicateKey, message, loc, related=related)
    return CheckResult(findings=[finding], files_checked=[loc.file], rules=[FakeDuplicateKey])


CASES = {"full": full_result, "clean": clean_result, "empty": CheckResult}


@pytest.fixture
def snapshot() -> Callable[[str, str], None]:
    """Compare output with `snapshots/<name>` exactly; rewrite it instead when UPDATE_SNAPSHOTS=1."""

    def check(name: str, actual: str) -> None:
        path = SNAPSHOTS / name
        if os.environ.get("UPDATE_SNAPSHOTS") == "1":
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        assert path.exists(), f"no snapshot {path}; create it with UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/report"
        assert actual == path.read_bytes().decode("utf-8")

    return check


@pytest.fixture
def report() -> Callable[..., str]:
    """`render` with the fixed tool version of the snapshots."""

    def rendered(fmt: str, result: CheckResult, *, color: bool = False) -> str:
        return render(fmt, result, color=color, tool_version=TOOL_VERSION)

    return rendered


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, CheckResult]:
    """Each sample result by name: `full`, `clean` (findings-free) and `empty` (nothing checked)."""
    return request.param, CASES[request.param]()


@pytest.fixture
def full() -> CheckResult:
    return full_result()


@pytest.fixture
def single() -> Callable[..., CheckResult]:
    """A result holding one warning of the fake duplicate-key rule: `single(message, loc, related=...)`."""
    return one_finding


@pytest.fixture
def wildcard_rule() -> type[Rule]:
    return FakeWildcardAction


@pytest.fixture
def duplicate_rule() -> type[Rule]:
    return FakeDuplicateKey
