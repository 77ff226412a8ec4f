"""AWS CLI outputs read as the policies they carry (`linter.sources.aws_cli`), one fixture per command's output in
tests/fixtures/awscli, with the findings placed where the file writes them, also inside a policy held in a string."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.check import CheckOptions, run_check
from linter.config import Config
from linter.findings import Finding
from linter.model import PolicyKind
from linter.sources.json_file import load_json_file

REPO = Path(__file__).resolve().parents[2]
FIXTURES = "tests/fixtures/awscli"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # display paths relative to the repository, whatever folder pytest started in


def _written(finding: Finding) -> str:
    """The text the finding points at, as the file writes it."""
    loc = finding.loc
    assert loc.end_line == loc.line and loc.end_column is not None
    return (REPO / loc.file).read_text().splitlines()[loc.line - 1][loc.column - 1 : loc.end_column - 1]


def test_every_command_output_is_checked_where_it_writes_each_element() -> None:
    result = run_check([FIXTURES], Config())
    assert result.errors == [] and result.skipped == []
    assert [(f.rule_id, f.loc.short(), f.loc.json_path, _written(f)) for f in result.findings] == [
        ("IPR001", f"{FIXTURES}/get-bucket-policy.json:2:150", "/Statement/0/Principal", '\\"*\\"'),
        (
            "IPR003",
            f"{FIXTURES}/get-bucket-policy.json:2:303",
            "/Statement/1/Principal/Service",
            '\\"cloudfront.amazonaws.com\\"',
        ),
        ("IPA001", f"{FIXTURES}/get-group-policy.json:11:21", "/Statement/0/Action/0", '"s3:GetObjects"'),
        (
            "IPR004",
            f"{FIXTURES}/get-key-policy.json:2:222",
            "/Statement/0/Principal/AWS",
            '\\"arn:aws:iam::123456789012:root\\"',
        ),
        ("IPR001", f"{FIXTURES}/get-key-policy.json:2:449", "/Statement/1/Principal", '\\"*\\"'),
        ("IPP004", f"{FIXTURES}/get-policy-version-api.json:3:602", "/Statement/0/Resource", "%22%2A%22"),
        ("IPP002", f"{FIXTURES}/get-policy-version.json:9:31", "/Statement/0/Action", '"s3:*"'),
        ("IPP007", f"{FIXTURES}/get-policy-version.json:18:31", "/Statement/1/Action", '"iam:PassRole"'),
        ("IPP004", f"{FIXTURES}/get-policy-version.json:19:33", "/Statement/1/Resource", '"*"'),
        ("IPP004", f"{FIXTURES}/get-role-policy.json:14:29", "/Statement/0/Resource", '"*"'),
        (
            "IPT001",
            f"{FIXTURES}/get-role.json:14:38",
            "/Statement/0/Principal/Federated",
            '"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"',
        ),
        ("IPP005", f"{FIXTURES}/get-user-policy.json:10:21", "/Statement/0/NotAction/0", '"iam:*"'),
    ]
    assert result.policies == 8


def test_the_findings_name_what_the_policy_says() -> None:
    result = run_check([f"{FIXTURES}/get-key-policy.json", f"{FIXTURES}/get-policy-version-api.json"], Config())
    assert [f.message for f in result.findings] == [
        "statement 0 ('Enable IAM User Permissions') delegates this key to account 123456789012's IAM policies: any "
        "principal there whose identity policies allow a kms: action on the key may perform it. This is the default "
        "key policy statement; grant key use in those identity policies.",
        "statement 1 ('Allow use of the key by anyone in the organisation') allows kms:Decrypt, kms:GenerateDataKey "
        "on this key to everyone (Principal '*'), anonymous callers included. Name the principals, or add a "
        "condition such as StringEquals aws:PrincipalOrgID, aws:SourceVpce or aws:SourceArn.",
        "statement 0 ('ReadReports') allows s3:GetObject on every resource ('*'), but this action supports "
        "resource-level permissions: list the ARNs the statement needs, or scope it with an aws:ResourceTag "
        "condition.",
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("get-policy-version", PolicyKind.IDENTITY),
        ("get-policy-version-api", PolicyKind.IDENTITY),
        ("get-role-policy", PolicyKind.IDENTITY),
        ("get-user-policy", PolicyKind.IDENTITY),
        ("get-group-policy", PolicyKind.IDENTITY),
        ("get-role", PolicyKind.TRUST),
        ("get-bucket-policy", PolicyKind.RESOURCE),
        ("get-key-policy", PolicyKind.KEY),
    ],
)
def test_the_command_tells_the_policy_kind(name: str, kind: PolicyKind) -> None:
    path = f"{FIXTURES}/{name}.json"
    loaded = load_json_file(path, path)
    assert [(policy.kind, policy.name, policy.loc.json_path) for policy in loaded.policies] == [(kind, path, "")]


def test_a_kind_given_wins_over_the_commands() -> None:
    path = f"{FIXTURES}/get-role-policy.json"
    assert [policy.kind for policy in load_json_file(path, path, PolicyKind.SCP).policies] == [PolicyKind.SCP]


def _write(folder: Path, name: str, document: object) -> str:
    (folder / name).write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
    return str(folder / name)


KMS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    ],
}


def test_a_bare_policy_string_is_a_bucket_policy_unless_its_content_is_a_key_policy(tmp_path: Path) -> None:
    # Older kms CLIs print get-key-policy's Policy alone, as s3api prints get-bucket-policy's.
    key = _write(tmp_path, "key.json", {"Policy": json.dumps(KMS_ONLY)})
    no_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    bucket = _write(tmp_path, "bucket.json", {"Policy": json.dumps(no_principal)})
    assert [p.kind for p in load_json_file(key, "key.json").policies] == [PolicyKind.KEY]
    assert [p.kind for p in load_json_file(bucket, "bucket.json").policies] == [PolicyKind.RESOURCE]


def test_iam_get_policy_metadata_carries_no_policy(tmp_path: Path) -> None:
    metadata = {
        "Policy": {
            "PolicyName": "ci-deploy",
            "PolicyId": "ANPAQXEXAMPLE3ZT7D4PC",
            "Arn": "arn:aws:iam::123456789012:policy/ci-deploy",
            "DefaultVersionId": "v3",
            "AttachmentCount": 1,
        }
    }
    path = _write(tmp_path, "get-policy.json", metadata)
    loaded = load_json_file(path, "get-policy.json")
    assert (loaded.policies, loaded.not_policy) == (
        [],
        'a JSON object without a "Statement" element, not an IAM policy',
    )


def test_broken_json_in_a_policy_string_is_an_input_error_where_the_file_writes_it(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "bucket.json", '{\n  "Policy": "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": [}"\n}\n'
    )
    loaded = load_json_file(path, "bucket.json")
    assert [e.render() for e in loaded.errors] == [
        "bucket.json:2:60: invalid JSON in the policy string: unexpected character '}': expected a value"
    ]
    assert (Path(path).read_text().splitlines()[1][59], loaded.policies) == ("}", [])


def test_a_policy_string_nested_too_deeply_is_refused_as_a_file_would_be(tmp_path: Path) -> None:
    deep = '{"Version": "2012-10-17", "Statement": ' + "[" * 300 + "]" * 300 + "}"
    path = _write(tmp_path, "bucket.json", {"Policy": deep})
    loaded = load_json_file(path, "bucket.json")
    # The 201st bracket: the object and 200 arrays are as deep as `parse` goes.
    assert [e.render() for e in loaded.errors] == [
        "bucket.json:2:259: invalid JSON in the policy string: nesting too deep"
    ]
    assert Path(path).read_text().splitlines()[1][58:259].count("[") == 201


def test_the_check_reads_an_output_given_by_name(tmp_path: Path) -> None:
    result = run_check([f"{FIXTURES}/get-role.json"], Config(), CheckOptions(select=["IPT"]))
    assert [(f.rule_id, f.loc.short()) for f in result.findings] == [("IPT001", f"{FIXTURES}/get-role.json:14:38")]
