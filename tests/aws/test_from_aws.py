"""`check --from-aws` and `presign --from-aws` (issue 14): the deployed state read read-only and checked like PATH.

Against moto (tests/aws/test_deployed.py's fixture and demo): fake credentials, region us-east-1, no real account.
A refused read is a moto client with that one call replaced (`Refusing`), handed to the CLI through
`linter.aws.from_aws.aws_clients`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linter.aws import from_aws
from linter.aws.client import CONNECT_TIMEOUT_SECONDS
from linter.aws.deployed import AwsClients
from linter.cli import main
from tests.aws.test_deployed import ACCOUNT, BUCKET_ARN, READ, USER_TWO, Refusing, aws, make_demo

__all__ = ["aws"]  # the moto fixture, used by name

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "presign-demo"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
EVERYTHING_FILE = f"{USER_TWO}#inline/everything"
LIST_FILE = f"{USER_TWO}#inline/list-buckets-and-contents"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--color", "never"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def demo(aws: AwsClients) -> Iterator[AwsClients]:
    make_demo(aws)
    yield aws


def test_check_from_aws_runs_every_rule_on_the_deployed_policies(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    code, out, err = run(capsys, "check", "--from-aws", "--format", "json")
    assert (code, err) == (1, "")
    report = json.loads(out)
    found = [
        (f["rule_id"], f["location"]["file"], f["location"]["line"], f["location"]["column"])
        for f in report["findings"]
    ]
    assert found == [
        ("IPP002", EVERYTHING_FILE, 6, 17),
        ("IPP004", EVERYTHING_FILE, 7, 19),
    ]
    assert report["summary"]["files_checked"] == 2  # the two inline policies' documents
    assert report["errors"] == []


def test_check_from_aws_text_names_the_documents(demo: AwsClients, capsys: pytest.CaptureFixture[str]) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    code, out, _ = run(capsys, "check", "--from-aws")
    assert code == 1
    assert out.splitlines()[0] == EVERYTHING_FILE
    assert "  6:17  warning  IPP002" in out and f"    at {USER_TWO}" in out


def test_check_from_aws_sarif_names_a_deployed_document_by_a_relative_uri(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    code, out, _ = run(capsys, "check", "--from-aws", "--format", "sarif")
    assert code == 1
    [result, _] = json.loads(out)["runs"][0]["results"]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    # ':' and '#' percent-encoded: a relative reference with no scheme and no fragment, as SARIF's uri requires.
    assert artifact == {
        "uri": "arn%3Aaws%3Aiam%3A%3A123456789012%3Auser/user-two%23inline/everything",
        "uriBaseId": "%SRCROOT%",
    }


def test_check_from_aws_github_annotations_name_no_repository_file(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    code, out, _ = run(capsys, "check", "--from-aws", "--format", "github")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert annotations and all("file=" not in line.split("::")[1] for line in annotations)
    assert f"%0Ain {EVERYTHING_FILE}:6:17" in annotations[0]  # the place stays in the message


def test_check_from_aws_with_a_path_checks_both(demo: AwsClients, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(DEMO), "--from-aws", "--format", "json")
    assert code == 1  # the URL the demo's .iam-preflight.toml declares fails, as without --from-aws
    report = json.loads(out)
    assert report["summary"]["files_checked"] == 2  # main.tf and the deployed inline policy
    assert [(f["rule_id"], Path(f["location"]["file"]).name) for f in report["findings"]] == [("IPS001", "main.tf")]


def test_a_refused_read_is_one_note_and_the_run_goes_on(
    demo: AwsClients, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = demo._replace(s3=Refusing(demo.s3, "get_bucket_policy"))
    monkeypatch.setattr(from_aws, "aws_clients", lambda settings: refusing)
    code, out, err = run(capsys, "check", "--from-aws", "--format", "json")
    assert (code, err) == (0, "")  # an info note fails no run
    [note] = json.loads(out)["findings"]
    assert (note["rule_id"], note["location"]["file"]) == ("IPN001", f"{BUCKET_ARN}")
    assert note["message"] == (
        f"cannot resolve `s3:GetBucketPolicy {BUCKET_ARN}`: AccessDenied: the credentials that read the account may "
        "not call s3:GetBucketPolicy; checks that depend on it are uncertain"
    )


def _demo_presign(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "presign", *argv, "--key", "cat.jpg", "--format", "json")


def test_presign_from_aws_fails_for_user_two_as_the_demo_does(
    demo: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    offline = _demo_presign(capsys, str(DEMO), "--signer", "aws_iam_user.user_two", "--bucket", "aws_s3_bucket.demo")
    deployed = _demo_presign(capsys, "--from-aws", "--signer", USER_TWO, "--bucket", "presign-demo")
    assert (offline[0], deployed[0], deployed[2]) == (1, 1, "")
    [offline_finding] = json.loads(offline[1])["findings"]
    [deployed_finding] = json.loads(deployed[1])["findings"]
    assert deployed_finding["rule_id"] == offline_finding["rule_id"] == "IPS001"
    # The same words; only the places differ: the Terraform addresses and file, or the ARN and the pseudo-file.
    expected = offline_finding["message"].replace("aws_iam_user.user_two", USER_TWO)
    expected = expected.replace(
        "aws_iam_user_policy.user_two.policy at examples/presign-demo/main.tf:24:23", f"{LIST_FILE} at {LIST_FILE}:1:1"
    )
    assert re.sub(r"[^ ]*examples/presign-demo/main\.tf", "examples/presign-demo/main.tf", expected) == expected
    assert deployed_finding["message"] == expected
    assert "000000000000" not in deployed[1]  # places and headline name the real account, as the messages do


def test_presign_from_aws_works_once_the_user_may_read(demo: AwsClients, capsys: pytest.CaptureFixture[str]) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    code, out, err = run(
        capsys, "presign", "--from-aws", "--signer", "user-two", "--bucket", "presign-demo", "--key", "cat.jpg"
    )
    assert (code, err) == (0, "")
    # The deployed principal's own ARN, never the stand-in account the verdict is decided under.
    assert out.startswith(f"✓ URL works for its whole life: {USER_TWO} → presign-demo/cat.jpg (GET, 1h)\n")
    assert "000000000000" not in out


def test_presign_from_aws_on_a_refused_read_is_uncertain_with_one_note(
    demo: AwsClients, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.iam.put_user_policy(UserName="user-two", PolicyName="read", PolicyDocument=json.dumps(READ))
    refusing = demo._replace(s3=Refusing(demo.s3, "get_bucket_policy"))
    monkeypatch.setattr(from_aws, "aws_clients", lambda settings: refusing)
    code, out, err = run(
        capsys, "presign", "--from-aws", "--signer", "user-two", "--bucket", "presign-demo", "--key", "cat.jpg"
    )
    assert code == 1
    assert out.startswith("? ")
    assert err == (
        f"iam-preflight: note: --from-aws: s3:GetBucketPolicy on {BUCKET_ARN}: AccessDenied; "
        "unknown: the bucket policy\n"
    )


def _no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--from-aws"],
        ["presign", "--from-aws", "--signer", "user-two", "--bucket", "presign-demo"],
    ],
)
def test_no_credentials_is_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_credentials(monkeypatch, tmp_path)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == (
        "iam-preflight: error: --from-aws needs AWS credentials and found none: set AWS_PROFILE (or --aws-profile), "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role provides them\n"
    )


def test_credentials_aws_does_not_accept_are_exit_2_without_a_secret(
    demo: AwsClients, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = demo._replace(sts=Refusing(demo.sts, "get_caller_identity", code="InvalidClientTokenId"))
    monkeypatch.setattr(from_aws, "aws_clients", lambda settings: refusing)
    code, out, err = run(capsys, "check", "--from-aws")
    assert (code, out) == (2, "")
    assert err == (
        "iam-preflight: error: AWS did not accept the credentials in use (InvalidClientTokenId): "
        "refresh or replace them\n"
    )
    assert "testing" not in err


def test_path_is_required_without_from_aws(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check")
    assert (code, out) == (2, "")
    assert err == (
        "iam-preflight: error: missing argument PATHS: name the files or folders to check, or pass --from-aws\n"
    )


def test_the_readme_policy_lists_every_permission_the_reader_calls() -> None:
    source = (REPO / "linter" / "aws" / "deployed.py").read_text()
    called = set(re.findall(r'"((?:iam|s3|kms):[A-Za-z]+)"', source))
    for noun in ("User", "Group", "Role"):
        called |= {f"iam:List{noun}Policies", f"iam:Get{noun}Policy", f"iam:ListAttached{noun}Policies"}
    assert called == set(from_aws.READ_PERMISSIONS)
    readme = (REPO / "README.md").read_text()
    assert all(f'"{permission}"' in readme for permission in from_aws.READ_PERMISSIONS)


def test_the_clients_share_the_settings(monkeypatch: pytest.MonkeyPatch, aws: Any) -> None:
    clients = from_aws.aws_clients(from_aws.ClientSettings(region="eu-west-1"))
    assert [client.meta.service_model.service_name for client in clients] == ["iam", "s3", "s3control", "kms", "sts"]
    assert {client.meta.region_name for client in clients[1:]} == {"eu-west-1"}  # IAM: the global endpoint
    assert {client.meta.config.connect_timeout for client in clients} == {CONNECT_TIMEOUT_SECONDS}
    assert ACCOUNT


def test_a_listing_cut_at_the_limit_is_said_on_standard_error(demo: AwsClients) -> None:
    demo.iam.create_user(UserName="user-three")
    state = from_aws.read_from_aws(from_aws.ClientSettings(), everything=True, limit=1, clients=demo)
    assert [p.name.value for p in state.inventory.principals] == ["user-two"]  # ListUsers sorts by name
    assert from_aws.notes_to_show(state, unresolved_reported=True) == [
        f"iam-preflight: note: --from-aws: iam:ListUsers on account {ACCOUNT}: Truncated; "
        "only the first 1 users were read"
    ]
    loaded = from_aws.deployed_input(state)
    assert (loaded.root, loaded.files) == (f"aws account {ACCOUNT}", [LIST_FILE])
    assert [policy.loc.file for policy in loaded.policies] == [LIST_FILE]
