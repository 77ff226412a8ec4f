"""`presign --simulate`: the URL's permissions put to AWS's policy simulator, answered here by botocore's Stubber
with AWS-shaped SimulateCustomPolicy responses (moto does not implement the simulator: iam-semantics.md §6), and
once end to end by a stand-in IAM endpoint on loopback. No real account, no network beyond 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.stub import Stubber

from linter.aws import client
from linter.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "presign-demo"
USER_TWO = ["--signer", "aws_iam_user.user_two", "--bucket", "aws_s3_bucket.demo", "--key", "cat.jpg"]
OBJECT = "arn:aws:s3:::presign-demo/cat.jpg"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documentation example: never a real key

FIXED_USER = """
resource "aws_s3_bucket" "demo" {
  bucket = "presign-demo"
}

resource "aws_iam_user" "user_two" {
  name = "user-two"
}

resource "aws_iam_user_policy" "user_two" {
  name = "read-objects"
  user = aws_iam_user.user_two.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      { Sid = "ReadObjects", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::presign-demo/*" }
    ]
  })
}
"""


@pytest.fixture(autouse=True)
def _dummy_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials and no config files: nothing here can reach a real account or the instance metadata."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _result(action: str, resource: str, decision: str, *matched: tuple[str, int, int]) -> dict[str, Any]:
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision,
        "MatchedStatements": [
            {
                "SourcePolicyId": policy_id,
                "SourcePolicyType": "user",
                "StartPosition": {"Line": line, "Column": column},
                "EndPosition": {"Line": line + 9, "Column": 6},
            }
            for policy_id, line, column in matched
        ],
        "MissingContextValues": [],
    }


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """An IAM client whose answers the test queues; `--simulate` gets it instead of one it would make."""
    iam = boto3.session.Session().client("iam", region_name="us-east-1")
    stubber = Stubber(iam)
    monkeypatch.setattr(client, "iam_client", lambda settings: iam)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["presign", *argv, "--color", "never"])
    out, err = capsys.readouterr()
    return code, out, err


def _fixed(tmp_path: Path) -> Path:
    module = tmp_path / "fixed"
    module.mkdir()
    (module / "main.tf").write_text(FIXED_USER)
    return module


def test_user_two_aws_and_the_local_verdict_agree_on_the_denial(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "implicitDeny")], "IsTruncated": False},
        expected_params=None,
    )
    code, out, err = _run(capsys, str(DEMO), *USER_TWO, "--expires", "30m", "--simulate")
    assert code == 1
    assert err == ""
    assert "✗ URL fails: aws_iam_user.user_two → presign-demo/cat.jpg (GET, 30m)" in out
    assert f"  confirmed: s3:GetObject on {OBJECT}: implicitDeny (no statement matched)" in out
    assert "  local only: SCPs and RCPs, Block Public Access" in out


def test_the_request_carries_the_signers_policy_and_the_pre_signed_context(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    sent: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        sent.append(params)

    stubbed.client.meta.events.register("provide-client-params.iam.SimulateCustomPolicy", keep)
    stubbed.add_response(
        "simulate_custom_policy", {"EvaluationResults": [_result("s3:GetObject", OBJECT, "implicitDeny")]}
    )
    _run(capsys, str(DEMO), *USER_TWO, "--expires", "30m", "--source-ip", "203.0.113.7", "--simulate")
    [request] = sent
    assert request["ActionNames"] == ["s3:GetObject"]
    assert request["ResourceArns"] == [OBJECT]
    assert json.loads(request["PolicyInputList"][0])["Statement"][0]["Action"] == [
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
    ]
    context = {e["ContextKeyName"]: (e["ContextKeyType"], e["ContextKeyValues"]) for e in request["ContextEntries"]}
    assert context == {
        "s3:authType": ("string", ["REST-QUERY-STRING"]),
        "s3:signatureversion": ("string", ["AWS4-HMAC-SHA256"]),
        "s3:signatureAge": ("numeric", ["1800000"]),  # at the end of the URL's 30 minutes
        "aws:SecureTransport": ("boolean", ["true"]),
        "aws:SourceIp": ("ip", ["203.0.113.7"]),
    }
    assert "ResourcePolicy" not in request  # the demo bucket has no policy


def test_a_key_pattern_is_asked_for_sample_keys_and_every_page_is_read(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    samples = ["arn:aws:s3:::presign-demo/reports/example", "arn:aws:s3:::presign-demo/reports/dir/example"]
    statement = ("PolicyInputList.1", 4, 5)
    stubbed.add_response(
        "simulate_custom_policy",
        {
            "EvaluationResults": [_result("s3:GetObject", samples[0], "allowed", statement)],
            "IsTruncated": True,
            "Marker": "page-2",
        },
    )
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", samples[1], "allowed", statement)], "IsTruncated": False},
        expected_params={
            "PolicyInputList": stubbed_any(),
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": samples,
            "ContextEntries": stubbed_any(),
            "Marker": "page-2",
        },
    )
    code, out, _ = _run(
        capsys,
        str(_fixed(tmp_path)),
        *USER_TWO[:4],
        "--key",
        "reports/*",
        "--source-ip",
        "203.0.113.7",
        "--simulate",
    )
    assert code == 0, out
    for sample in samples:
        assert (
            f"  confirmed: s3:GetObject on {sample} from 203.0.113.7: allowed (matched PolicyInputList.1 "
            "(aws_iam_user_policy.user_two.policy) line 4 column 5)"
        ) in out


def stubbed_any() -> Any:
    from botocore.stub import ANY

    return ANY


def test_a_fixed_user_both_allow(stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "allowed", ("PolicyInputList.1", 4, 5))]},
    )
    code, out, _ = _run(capsys, str(_fixed(tmp_path)), *USER_TWO, "--source-ip", "203.0.113.7", "--simulate")
    assert code == 0, out
    assert out.startswith("✓ URL works for its whole life")
    assert f"  confirmed: s3:GetObject on {OBJECT} from 203.0.113.7: allowed" in out


def test_aws_allowing_what_the_local_verdict_denies_is_a_disagreement_shown_both_ways(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "allowed", ("PolicyInputList.1", 4, 5))]},
    )
    code, out, _ = _run(capsys, str(DEMO), *USER_TWO, "--simulate")
    assert code == 1
    assert f"  error  AWS and the local verdict disagree on s3:GetObject on {OBJECT}:" in out
    aws = "         AWS: allowed, matched PolicyInputList.1 (aws_iam_user_policy.user_two.policy) line 4 column 5"
    assert aws in out
    assert "         local: implicitDeny, no statement matched" in out


def test_the_json_output_says_what_aws_confirmed_and_what_stayed_local(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    stubbed.add_response(
        "simulate_custom_policy", {"EvaluationResults": [_result("s3:GetObject", OBJECT, "implicitDeny")]}
    )
    code, out, _ = _run(capsys, str(DEMO), *USER_TWO, "--simulate", "--format", "json")
    assert code == 1
    aws = json.loads(out)["presign"]["aws"]
    assert aws["confirmed_with_aws"] == [
        {
            "part": "object permission",
            "action": "s3:GetObject",
            "resource": OBJECT,
            "opened_from": None,
            "agreement": "confirmed",
            "aws": {"decision": "implicitDeny", "matched": [], "missing_context": []},
            "local": {"decision": "implicitDeny", "matched": [], "missing_context": []},
            "sources": {"PolicyInputList.1": "aws_iam_user_policy.user_two.policy"},
        }
    ]
    assert {"what": "Block Public Access", "why": "the simulator is not given it"} in aws["local_only"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AccessDenied", "the credentials in use lack iam:SimulateCustomPolicy (AccessDenied)"),
        ("InvalidClientTokenId", "AWS did not accept the credentials in use (InvalidClientTokenId)"),
    ],
)
def test_an_aws_refusal_is_one_line_naming_what_is_missing(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], code: str, expected: str
) -> None:
    stubbed.add_client_error(
        "simulate_custom_policy",
        service_error_code=code,
        service_message=f"User: arn:aws:iam::111111111111:user/ci is not authorized; key {SECRET}",
        http_status_code=403,
    )
    exit_code, out, err = _run(capsys, str(DEMO), *USER_TWO, "--simulate")
    assert exit_code == 2
    assert out == ""
    assert err.count("\n") == 1 and expected in err
    assert SECRET not in err


def test_no_credentials_is_one_line_saying_how_to_provide_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, out, err = _run(capsys, str(DEMO), *USER_TWO, "--simulate")
    assert code == 2
    assert out == ""
    assert err == (
        "iam-preflight: error: --simulate needs AWS credentials and found none: set AWS_PROFILE (or --aws-profile), "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role provides them\n"
    )


def test_the_aws_options_need_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(DEMO), *USER_TWO, "--aws-profile", "ci")
    assert code == 2
    assert err == "iam-preflight: error: --aws-profile and --aws-region go with --simulate\n"


def test_without_simulate_aws_is_never_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(settings: client.ClientSettings) -> None:
        raise AssertionError("AWS asked without --simulate")

    monkeypatch.setattr(client, "iam_client", refuse)
    code, out, _ = _run(capsys, str(DEMO), *USER_TWO)
    assert code == 1
    assert "Confirmed with AWS" not in out


def test_a_role_signer_keeps_the_bucket_policy_local(tmp_path: Path) -> None:
    from linter.aws.simulate import plan, url_request
    from linter.check import CheckOptions
    from linter.config import Config
    from linter.presign.command import decided_url
    from linter.presign.declared import expectation

    module = tmp_path / "role"
    module.mkdir()
    (module / "main.tf").write_text(
        FIXED_USER.replace('resource "aws_iam_user" "user_two" {\n  name = "user-two"\n}', "")
        .replace("aws_iam_user_policy", "aws_iam_role_policy")
        .replace("user = aws_iam_user.user_two.name", "role = aws_iam_role.app.name")
        + """
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_s3_bucket_policy" "demo" {
  bucket = aws_s3_bucket.demo.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "arn:aws:s3:::presign-demo/*",
                   Condition = { Bool = { "aws:SecureTransport" = "false" } } }]
  })
}
"""
    )
    wanted = expectation(signer="aws_iam_role.app", bucket="aws_s3_bucket.demo", key="cat.jpg")
    steps = plan(url_request(decided_url([str(module)], Config(), CheckOptions(), wanted).check))
    [part] = steps.parts
    assert "ResourcePolicy" not in part.request and "CallerArn" not in part.request
    assert [(s.what, s.why) for s in steps.not_simulated] == [
        ("bucket policy", "AWS cannot simulate a resource policy for a role's session")
    ]


def test_a_policy_value_known_only_at_apply_is_not_simulated(tmp_path: Path) -> None:
    from linter.aws.simulate import plan, url_request
    from linter.check import CheckOptions
    from linter.config import Config
    from linter.presign.command import decided_url
    from linter.presign.declared import expectation

    module = tmp_path / "unknown"
    module.mkdir()
    (module / "main.tf").write_text(
        FIXED_USER.replace('"arn:aws:s3:::presign-demo/*"', '"${aws_s3_bucket.demo.arn}/${var.prefix}*"')
        + 'variable "prefix" {\n  type = string\n}\n'
    )
    wanted = expectation(signer="aws_iam_user.user_two", bucket="aws_s3_bucket.demo", key="cat.jpg")
    steps = plan(url_request(decided_url([str(module)], Config(), CheckOptions(), wanted).check))
    assert steps.parts == []
    [skipped] = steps.not_simulated
    assert skipped.what == "object permission" and skipped.why.startswith("a policy holds a value known only at apply")


# --- end to end: a stand-in IAM endpoint on loopback ---------------------------------------------------------------

THROTTLED = """<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
  <RequestId>00000000-0000-0000-0000-000000000001</RequestId>
</ErrorResponse>"""

DENIED = """<SimulateCustomPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulateCustomPolicyResult>
    <IsTruncated>false</IsTruncated>
    <EvaluationResults>
      <member>
        <EvalActionName>s3:GetObject</EvalActionName>
        <EvalResourceName>arn:aws:s3:::presign-demo/cat.jpg</EvalResourceName>
        <EvalDecision>implicitDeny</EvalDecision>
        <MatchedStatements/>
        <MissingContextValues/>
      </member>
    </EvaluationResults>
  </SimulateCustomPolicyResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000002</RequestId></ResponseMetadata>
</SimulateCustomPolicyResponse>"""


class _StandInIam(BaseHTTPRequestHandler):
    answers: list[tuple[int, str]] = []
    asked: list[dict[str, list[str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).asked.append(parse_qs(body))
        status, text = type(self).answers.pop(0)
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in_iam(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[tuple[int, str]]], type[_StandInIam]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandInIam)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", f"http://127.0.0.1:{server.server_address[1]}")

    def answering(answers: list[tuple[int, str]]) -> type[_StandInIam]:
        _StandInIam.answers = list(answers)
        _StandInIam.asked = []
        return _StandInIam

    yield answering
    server.shutdown()
    server.server_close()
    thread.join()


def test_end_to_end_a_throttled_call_is_retried_and_the_denial_confirmed(
    stand_in_iam: Callable[[list[tuple[int, str]]], type[_StandInIam]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    handler = stand_in_iam([(400, THROTTLED), (200, DENIED)])
    demo = tmp_path / "presign-demo"
    shutil.copytree(DEMO, demo)
    code, out, err = _run(capsys, str(demo), *USER_TWO, "--simulate")
    assert code == 1, err
    assert f"  confirmed: s3:GetObject on {OBJECT}: implicitDeny (no statement matched)" in out
    assert [a["Action"] for a in handler.asked] == [["SimulateCustomPolicy"], ["SimulateCustomPolicy"]]
    assert handler.asked[0]["ActionNames.member.1"] == ["s3:GetObject"]
    assert SECRET not in out + err


def test_end_to_end_throttling_that_never_ends_is_one_line_after_the_retries(
    stand_in_iam: Callable[[list[tuple[int, str]]], type[_StandInIam]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = stand_in_iam([(400, THROTTLED)] * client.MAX_ATTEMPTS)
    code, _, err = _run(capsys, str(DEMO), *USER_TWO, "--simulate")
    assert code == 2
    assert err == f"iam-preflight: error: AWS IAM kept throttling after {client.MAX_ATTEMPTS} attempts (Throttling)\n"
    assert len(handler.asked) == client.MAX_ATTEMPTS


SSE_KMS_USER = (
    FIXED_USER.replace(
        'Action = "s3:GetObject", Resource = "arn:aws:s3:::presign-demo/*" }',
        'Action = "s3:GetObject", Resource = "arn:aws:s3:::presign-demo/*" },\n'
        '      { Sid = "UseTheKey", Effect = "Allow", Action = "kms:Decrypt", Resource = "*" }',
    )
    + """
resource "aws_kms_key" "objects" {
  description = "objects"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "demo" {
  bucket = aws_s3_bucket.demo.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.objects.arn
    }
  }
}
"""
)


def test_an_sse_kms_bucket_asks_a_second_call_for_the_key_with_its_key_policy(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = tmp_path / "kms"
    module.mkdir()
    (module / "main.tf").write_text(SSE_KMS_USER)
    sent: list[dict[str, Any]] = []
    stubbed.client.meta.events.register(
        "provide-client-params.iam.SimulateCustomPolicy", lambda params, **_: sent.append(params)
    )
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "allowed", ("PolicyInputList.1", 4, 5))]},
    )
    key_arn = "arn:aws:kms:this-region:000000000000:key/aws_kms_key.objects"  # the key's address stands in for its id
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("kms:Decrypt", key_arn, "allowed", ("ResourcePolicy", 4, 5))]},
    )
    code, out, _ = _run(capsys, str(module), *USER_TWO, "--source-ip", "203.0.113.7", "--simulate")
    kms_call = sent[1]
    assert kms_call["ResourceArns"] == [key_arn]
    assert kms_call["ActionNames"] == ["kms:Decrypt"]
    assert kms_call["CallerArn"] == "arn:aws:iam::000000000000:user/user-two"
    key_policy = json.loads(kms_call["ResourcePolicy"])  # the default key policy: the account's IAM policies decide
    assert key_policy["Statement"][0]["Principal"] == {"AWS": ["arn:aws:iam::000000000000:root"]}
    assert "  confirmed: s3:GetObject on" in out
    assert f"  confirmed: kms:Decrypt on {key_arn}: allowed (matched ResourcePolicy (aws_kms_key.objects) line 4" in out
    assert code == 0, out


def test_an_asked_pair_aws_does_not_answer_stays_local(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stubbed.add_response("simulate_custom_policy", {"EvaluationResults": []})
    code, out, _ = _run(capsys, str(_fixed(tmp_path)), *USER_TWO, "--source-ip", "203.0.113.7", "--simulate")
    assert code == 0
    assert f"  local only: s3:GetObject on {OBJECT}: AWS's answer did not include it" in out


def test_an_answer_the_engine_could_not_give_is_decided_by_aws() -> None:
    from linter.aws.confirm import Agreement, Comparison
    from linter.aws.simulate import EvalResult, PartKind, SimulationPart

    part = SimulationPart(PartKind.OBJECT, {}, {})
    aws = EvalResult("s3:GetObject", OBJECT, "allowed", (), ())
    uncertain = aws._replace(decision="implicitDeny", uncertain=True)
    assert Comparison(part, aws, uncertain).agreement is Agreement.DECIDED_BY_AWS
    assert Comparison(part, aws, None).agreement is Agreement.DECIDED_BY_AWS
    assert Comparison(part, aws, aws).agreement is Agreement.CONFIRMED
    assert Comparison(part, aws, uncertain._replace(uncertain=False)).agreement is Agreement.DISAGREE


def _segment_final_star(tmp_path: Path) -> Path:
    """`arn:aws:s3:*` matches the object only if a segment-final `*` crosses colons, which AWS documents as "can":
    the engine cannot tell (iam-semantics.md §7 open questions), and says to ask the simulator."""
    module = tmp_path / "star"
    module.mkdir()
    (module / "main.tf").write_text(FIXED_USER.replace('"arn:aws:s3:::presign-demo/*"', '"arn:aws:s3:*"'))
    return module


@pytest.mark.parametrize(
    ("aws_decision", "headline", "exit_code"),
    [
        ("allowed", "✓ URL works for its whole life", 0),
        ("implicitDeny", "? URL uncertain (cannot be decided offline)", 1),
    ],
)
def test_what_the_engine_cannot_tell_aws_decides(
    stubbed: Stubber,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    aws_decision: str,
    headline: str,
    exit_code: int,
) -> None:
    module = _segment_final_star(tmp_path)
    assert _run(capsys, str(module), *USER_TWO, "--source-ip", "203.0.113.7")[0] == 1  # offline: uncertain
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, aws_decision, ("PolicyInputList.1", 4, 5))]},
    )
    code, out, _ = _run(capsys, str(module), *USER_TWO, "--source-ip", "203.0.113.7", "--simulate")
    assert code == exit_code, out
    assert out.startswith(headline)
    assert f"  decided by AWS: s3:GetObject on {OBJECT} from 203.0.113.7: {aws_decision}" in out


def test_the_signers_tags_go_into_the_context(tmp_path: Path) -> None:
    from linter.aws.simulate import plan, url_request
    from linter.check import CheckOptions
    from linter.config import Config
    from linter.presign.command import decided_url
    from linter.presign.declared import expectation

    module = tmp_path / "tags"
    module.mkdir()
    (module / "main.tf").write_text(
        FIXED_USER.replace('name = "user-two"', 'name = "user-two"\n  tags = { team = "data" }').replace(
            'Resource = "arn:aws:s3:::presign-demo/*" }',
            'Resource = "arn:aws:s3:::presign-demo/*",\n'
            '        Condition = { StringEquals = { "aws:PrincipalTag/team" = "data" } } }',
        )
    )
    wanted = expectation(signer="aws_iam_user.user_two", bucket="aws_s3_bucket.demo", key="cat.jpg")
    [part] = plan(url_request(decided_url([str(module)], Config(), CheckOptions(), wanted).check)).parts
    assert {"ContextKeyName": "aws:principaltag/team", "ContextKeyValues": ["data"], "ContextKeyType": "string"} in (
        part.request["ContextEntries"]
    )


# --- check --simulate: every declared URL confirmed as presign --simulate confirms one ------------------------------

DECLARED = """
[[presign]]
signer = "aws_iam_user.user_two"
bucket = "aws_s3_bucket.demo"
key = "cat.jpg"
expires = "30m"

[[presign]]
signer = "aws_iam_user.user_two"
bucket = "aws_s3_bucket.demo"
key = "dog.jpg"
expires = "1h"
"""
DOG = "arn:aws:s3:::presign-demo/dog.jpg"


def _declared(tmp_path: Path) -> Path:
    module = _fixed(tmp_path)
    (module / ".iam-preflight.toml").write_text(DECLARED)
    return module


def _check(capsys: pytest.CaptureFixture[str], module: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["check", str(module), "--config", str(module / ".iam-preflight.toml"), "--color", "never", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _agree_on_cat_not_on_dog(stubbed: Stubber) -> None:
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "allowed", ("PolicyInputList.1", 4, 6))]},
        expected_params=None,
    )
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", DOG, "implicitDeny")], "IsTruncated": False},
        expected_params=None,
    )


def test_check_confirms_each_declared_url_and_a_disagreement_fails_it(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _declared(tmp_path)
    assert _check(capsys, module) == (0, "No findings in 1 file.\n", "")  # offline: both URLs work
    _agree_on_cat_not_on_dog(stubbed)
    code, out, err = _check(capsys, module, "--simulate")
    assert code == 1
    assert err == ""
    where = f"{module / 'main.tf'}\n  6:1  error    IPS006  "
    finding = (
        f"AWS's policy simulator and the local verdict disagree on s3:GetObject on {DOG}: AWS says implicitDeny (no "
        "statement matched), the local engine allowed (matched PolicyInputList.1 (aws_iam_user_policy.user_two.policy)"
        " line 4 column 6). One of the two is wrong: read what each matched.  [presign-aws-disagrees]\n"
    )
    findings, _, confirmations = out.partition("1 finding (1 error, 0 warnings, 0 info) in 1 file.\n\n")
    assert findings.startswith(where + finding)  # the disagreement is a finding (IPS006), in every format
    assert confirmations == (
        "✓ URL works for its whole life: aws_iam_user.user_two → presign-demo/cat.jpg (GET, 30m)\n"
        "Confirmed with AWS (iam:SimulateCustomPolicy):\n"
        f"  confirmed: s3:GetObject on {OBJECT}: allowed (matched PolicyInputList.1 "
        "(aws_iam_user_policy.user_two.policy) line 4 column 6)\n"
        "\n"
        "✓ URL works for its whole life: aws_iam_user.user_two → presign-demo/dog.jpg (GET, 1h)\n"
        "Confirmed with AWS (iam:SimulateCustomPolicy):\n"
        f"  error  AWS and the local verdict disagree on s3:GetObject on {DOG}:\n"
        "         AWS: implicitDeny, no statement matched\n"
        "         local: allowed, matched PolicyInputList.1 (aws_iam_user_policy.user_two.policy) line 4 column 6\n"
        "\n"
        "  local only: SCPs and RCPs, Block Public Access, ACLs and Object Ownership, credential lifetime, region, "
        "VPC endpoint policies (the simulator is not given them)\n"
    )


def test_check_simulate_in_json_and_in_sarif(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _declared(tmp_path)
    _agree_on_cat_not_on_dog(stubbed)
    code, out, err = _check(capsys, module, "--simulate", "--format", "json")
    assert code == 1
    assert err == ""
    confirmed = json.loads(out)["presign_aws"]
    assert [(u["url"]["key"], [c["agreement"] for c in u["aws"]["confirmed_with_aws"]]) for u in confirmed] == [
        ("cat.jpg", ["confirmed"]),
        ("dog.jpg", ["disagreement"]),
    ]
    _agree_on_cat_not_on_dog(stubbed)
    code, out, err = _check(capsys, module, "--simulate", "--format", "sarif")
    assert code == 1
    assert [result["ruleId"] for result in json.loads(out)["runs"][0]["results"]] == ["IPS006"]
    assert f"  error  AWS and the local verdict disagree on s3:GetObject on {DOG}:\n" in err


def test_check_without_simulate_refuses_the_aws_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _check(capsys, _declared(tmp_path), "--aws-profile", "ci")
    assert (code, out, err) == (2, "", "iam-preflight: error: --aws-profile and --aws-region go with --simulate\n")


def test_check_simulate_aws_refusal_is_one_line(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stubbed.add_client_error("simulate_custom_policy", "AccessDenied", "not authorized", http_status_code=403)
    code, out, err = _check(capsys, _declared(tmp_path), "--simulate")
    assert (code, out) == (2, "")
    assert err == (
        "iam-preflight: error: AWS refused the simulation: the credentials in use lack iam:SimulateCustomPolicy "
        "(AccessDenied)\n"
    )


# --- explain-url --simulate: the URL read back, confirmed the same way ---------------------------------------------

# A SigV4 URL for presign-demo/cat.jpg, signed 2026-11-27T10:00Z for 30 minutes (the signature is a stand-in).
SIGNED = (
    "https://presign-demo.s3.us-east-1.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T100000Z"
    "&X-Amz-Expires=1800&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
)


def _explain(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["explain-url", SIGNED, *argv, "--at", "2026-11-27T10:05:00Z"])
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_url_simulate_confirms_the_url_read_back(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _fixed(tmp_path)
    offline_code, offline, _ = _explain(capsys, str(module), "--signer", "aws_iam_user.user_two")
    assert offline_code == 0
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "allowed", ("PolicyInputList.1", 4, 6))]},
        expected_params=None,
    )
    code, out, err = _explain(capsys, str(module), "--signer", "aws_iam_user.user_two", "--simulate")
    assert (code, err) == (0, "")
    assert out.startswith(offline.rstrip("\n") + "\n\nConfirmed with AWS (iam:SimulateCustomPolicy):\n")
    assert (
        f"  confirmed: s3:GetObject on {OBJECT}: allowed (matched PolicyInputList.1 "
        "(aws_iam_user_policy.user_two.policy) line 4 column 6)\n"
    ) in out


def test_explain_url_simulate_a_denial_by_aws_fails_it_and_json_says_so(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "explicitDeny", ("PolicyInputList.1", 4, 6))]},
        expected_params=None,
    )
    argv = [str(_fixed(tmp_path)), "--signer", "aws_iam_user.user_two", "--simulate", "--format", "json"]
    code, out, err = _explain(capsys, *argv)
    assert (code, err) == (1, "")
    assert [(c["agreement"], c["aws"]["decision"]) for c in json.loads(out)["aws"]["confirmed_with_aws"]] == [
        ("disagreement", "explicitDeny")
    ]


def test_explain_url_simulate_needs_the_inputs_and_the_signer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(capsys, "--simulate")
    assert (code, out) == (2, "")
    assert err == (
        "iam-preflight: error: --simulate needs the inputs (PATH...) and --signer: AWS is asked about their policies\n"
    )


# --- --principal-arn: a deployed principal's own policies (SimulatePrincipalPolicy) ----------------------------------

USER_ARN = "arn:aws:iam::123456789012:user/user-two"
ROLE_ARN = "arn:aws:iam::123456789012:role/app"
WITH_BUCKET_POLICY = (
    FIXED_USER
    + """
resource "aws_s3_bucket_policy" "demo" {
  bucket = aws_s3_bucket.demo.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "DenyHttp", Effect = "Deny", Principal = "*", Action = "s3:*",
      Resource = "arn:aws:s3:::presign-demo/*", Condition = { Bool = { "aws:SecureTransport" = "false" } } }]
  })
}
"""
)


def _principal_result(decision: str, *matched: tuple[str, int, int]) -> dict[str, Any]:
    return {"EvaluationResults": [_result("s3:GetObject", OBJECT, decision, *matched)], "IsTruncated": False}


def _principal_call(principal: str, module: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return _run(capsys, str(module), *USER_TWO, "--expires", "30m", "--simulate", "--principal-arn", principal)


def test_principal_arn_asks_simulate_principal_policy_with_the_principal_as_caller(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _fixed(tmp_path)
    (module / "main.tf").write_text(WITH_BUCKET_POLICY)
    seen: list[dict[str, Any]] = []
    stubbed.client.meta.events.register(
        "provide-client-params.iam.SimulatePrincipalPolicy", lambda params, **_: seen.append(dict(params))
    )
    stubbed.add_response(
        "simulate_principal_policy", _principal_result("allowed", ("read-objects", 1, 1)), expected_params=None
    )
    code, out, err = _principal_call(USER_ARN, module, capsys)
    assert (code, err) == (0, "")
    [request] = seen
    assert request["PolicySourceArn"] == USER_ARN
    assert "PolicyInputList" not in request and "PermissionsBoundaryPolicyInputList" not in request
    assert request["CallerArn"] == USER_ARN
    assert request["ActionNames"] == ["s3:GetObject"] and request["ResourceArns"] == [OBJECT]
    assert "Confirmed with AWS (iam:SimulatePrincipalPolicy):\n" in out
    assert f"  confirmed: s3:GetObject on {OBJECT}: allowed (matched read-objects (the principal's, in AWS)" in out


def test_principal_arn_of_a_role_keeps_the_bucket_policy_local_and_sends_no_caller(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _fixed(tmp_path)
    (module / "main.tf").write_text(WITH_BUCKET_POLICY)
    seen: list[dict[str, Any]] = []
    stubbed.client.meta.events.register(
        "provide-client-params.iam.SimulatePrincipalPolicy", lambda params, **_: seen.append(dict(params))
    )
    stubbed.add_response("simulate_principal_policy", _principal_result("implicitDeny"), expected_params=None)
    code, out, err = _principal_call(ROLE_ARN, module, capsys)
    assert (code, err) == (1, "")  # AWS denies what the local verdict allows: a disagreement
    [request] = seen
    assert request["PolicySourceArn"] == ROLE_ARN
    assert not {"CallerArn", "ResourcePolicy", "ResourceOwner", "PolicyInputList"} & set(request)
    assert f"  error  AWS and the local verdict disagree on s3:GetObject on {OBJECT}:\n" in out
    assert "  local only: bucket policy: AWS cannot simulate a resource policy for a role's session\n" in out


@pytest.mark.parametrize(
    ("code", "status", "said"),
    [
        ("NoSuchEntity", 404, f"no principal {USER_ARN} in this account"),
        (
            "AccessDenied",
            403,
            "AWS refused the simulation: the credentials in use lack iam:SimulatePrincipalPolicy (AccessDenied)",
        ),
    ],
)
def test_principal_arn_faults_are_one_line(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path, code: str, status: int, said: str
) -> None:
    stubbed.add_client_error("simulate_principal_policy", code, "refused", http_status_code=status)
    assert _principal_call(USER_ARN, _fixed(tmp_path), capsys) == (2, "", f"iam-preflight: error: {said}\n")


def test_principal_arn_pages_are_all_read(stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first = {"EvaluationResults": [], "IsTruncated": True, "Marker": "page-2"}
    stubbed.add_response("simulate_principal_policy", first, expected_params=None)
    stubbed.add_response(
        "simulate_principal_policy", _principal_result("allowed", ("read-objects", 1, 1)), expected_params=None
    )
    code, out, _ = _principal_call(USER_ARN, _fixed(tmp_path), capsys)
    assert code == 0
    assert f"  confirmed: s3:GetObject on {OBJECT}: allowed" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--principal-arn", USER_ARN], "--principal-arn goes with --simulate"),
        (
            ["--simulate", "--principal-arn", "arn:aws:sts::123456789012:assumed-role/app/s"],
            "--principal-arn 'arn:aws:sts::123456789012:assumed-role/app/s': not the ARN of an IAM user or role "
            "(arn:aws:iam::123456789012:role/NAME)",
        ),
    ],
)
def test_principal_arn_usage(capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    assert _run(capsys, str(DEMO), *USER_TWO, *argv) == (2, "", f"iam-preflight: error: {said}\n")


def test_explain_url_principal_arn(stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stubbed.add_response(
        "simulate_principal_policy", _principal_result("allowed", ("read-objects", 1, 1)), expected_params=None
    )
    argv = [str(_fixed(tmp_path)), "--signer", "aws_iam_user.user_two", "--simulate", "--principal-arn", USER_ARN]
    code, out, err = _explain(capsys, *argv)
    assert (code, err) == (0, "")
    assert "Confirmed with AWS (iam:SimulatePrincipalPolicy):\n" in out


def test_check_simulate_aws_settles_what_the_engine_cannot_tell_and_the_rules_report_what_remains(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _segment_final_star(tmp_path)
    (module / ".iam-preflight.toml").write_text(
        '[[presign]]\nsigner = "aws_iam_user.user_two"\nbucket = "aws_s3_bucket.demo"\nkey = "cat.jpg"\n'
        'source-ips = ["203.0.113.7"]\n'
    )
    code, out, _ = _check(capsys, module, "--format", "json")
    # Offline: the URL is uncertain (IPS002); the ARN `arn:aws:s3:*` is malformed either way (IPA003).
    assert (code, [f["rule_id"] for f in json.loads(out)["findings"]]) == (1, ["IPS002", "IPA003"])
    stubbed.add_response(
        "simulate_custom_policy",
        {"EvaluationResults": [_result("s3:GetObject", OBJECT, "allowed", ("PolicyInputList.1", 4, 6))]},
        expected_params=None,
    )
    code, out, err = _check(capsys, module, "--simulate", "--format", "json")
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert [f["rule_id"] for f in document["findings"]] == ["IPA003"]
    [url] = document["presign_aws"]
    assert url["url"]["status"] == "works"
    assert [c["agreement"] for c in url["aws"]["confirmed_with_aws"]] == ["decided by AWS"]


def test_check_simulate_asks_nothing_when_an_input_has_errors(
    stubbed: Stubber, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = _declared(tmp_path)
    (module / "broken.tf").write_text('resource "aws_iam_user" "x" {\n')
    code, out, err = _check(capsys, module, "--simulate")
    assert code == 2
    assert "internal error" not in err  # the Stubber has no answer queued: a call would have failed the run
    assert "Confirmed with AWS" not in out + err
