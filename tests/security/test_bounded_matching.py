"""Issue 11, points 3 and 4: IAM globs match in linear time, big policies are checked in bounded work and reported
against AWS's size quotas, and a number too large for Python is an ordinary value.

Written as the author of a hostile pull request would write them: a glob of many stars against a long ARN, in every
place IAM globs (Action, Resource, StringLike and ArnLike values, Principal); 300,000 empty statements; nesting
100,000 deep; a 5,000-digit integer in a condition, in a policy file, in Terraform and in a plan. Boundedness is shown
by structure (the documented answer, the documented refusal); `signal.alarm` only breaks a hang, it times nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linter.awsdata import aws_data
from linter.cli import main
from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.matching import ActionMatcher, ResourceMatcher, arn_matches, glob_matches
from linter.engine.tri import MAYBE, NO, YES
from linter.model import Location, Policy, PolicyKind, Text
from linter.rule import RuleContext
from linter.sources import jsonpos, policy_document
from linter.sources.jsonpos import JsonNumber, parse
from linter.sources.policy_document import build_policy, file_locator
from rules._shared.actions import can_name
from rules.grammar.policy_size import PolicySize, resource_type

NOW = datetime(2030, 1, 2, tzinfo=UTC)
ALICE = "arn:aws:iam::111111111111:user/alice"
# 21 stars: the backtracking regex this replaced needed minutes for 30 characters of `a`.
STARS = "*a" * 20 + "*b"
LONG = "a" * 200_000


def texts(*values: str) -> list[Text]:
    return [Text(value=value, loc=Location(file="p.json")) for value in values]


def policy(*statements: dict[str, object], kind: PolicyKind | None = None) -> Policy:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return build_policy(parse(text), "p.json", file_locator("p.json"), kind)


def decide(action: str, resource: str, identity: Policy, context: dict[str, str] | None = None) -> str:
    request = Request(ALICE, action, resource, None, context or {})
    return evaluate(request, PolicySet(identity=[identity]), now=NOW).decision


# --- IAM globs ------------------------------------------------------------------------------------------------------


def test_many_stars_in_action_against_a_long_action() -> None:
    matcher = ActionMatcher(texts("s3:" + STARS))
    assert matcher.match("s3:" + LONG) is NO
    assert matcher.match("s3:" + LONG + "b") is YES
    assert matcher.match("S3:" + LONG.upper() + "B") is YES  # actions ignore case


def test_many_stars_in_action_with_question_marks_is_still_linear() -> None:
    matcher = ActionMatcher(texts("s3:" + "*a?" * 20 + "*b"))
    assert matcher.match("s3:" + LONG) is NO
    assert matcher.match("s3:" + LONG + "b") is YES  # `?` is a wildcard in Action (IAM User Guide, Action element)


def test_many_stars_in_resource_against_a_long_arn() -> None:
    identity = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + STARS})
    assert decide("s3:GetObject", "arn:aws:s3:::" + LONG, identity) == "implicitDeny"
    assert decide("s3:GetObject", "arn:aws:s3:::" + LONG + "b", identity) == "allowed"


def test_many_stars_in_every_arn_segment_against_a_long_arn() -> None:
    pattern = ":".join(["arn", STARS, STARS, STARS, STARS, STARS])
    assert not arn_matches(pattern, ":".join(["arn", LONG, LONG, LONG, LONG, LONG]))
    assert arn_matches(pattern, ":".join(["arn", *[LONG + "b"] * 5]))
    # A colon-free segment `*` never swallows the colons a later segment needs.
    assert not arn_matches(pattern, "arn:" + "a:" * 100_000 + "b")


def test_segment_final_star_read_as_crossing_colons_is_maybe_and_linear() -> None:
    # Many colon-free stars and a final one that may cross the colons that follow.
    matcher = ResourceMatcher(texts("arn:aws*:s3*:" + "*a" * 20 + "*:b*"), substitute=True)
    assert matcher.match("arn:aws:s3:" + "a" * 20 + ":x" * 100_000 + ":b", {}) is MAYBE
    assert matcher.match("arn:aws:s3:" + "a" * 20 + ":x" * 100_000 + ":c", {}) is NO
    assert matcher.match("arn:aws:s3:" + "a" * 19 + ":a" * 100_000 + ":b", {}) is NO


def test_many_stars_in_string_like_against_a_long_context_value() -> None:
    identity = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:UserAgent": STARS}},
        }
    )
    assert decide("s3:GetObject", "arn:aws:s3:::b/k", identity, {"aws:UserAgent": LONG}) == "implicitDeny"
    assert decide("s3:GetObject", "arn:aws:s3:::b/k", identity, {"aws:UserAgent": LONG + "b"}) == "allowed"


def test_many_stars_in_arn_like_against_a_long_source_arn() -> None:
    identity = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:" + STARS}},
        }
    )
    source = "arn:aws:sns:eu-west-1:111111111111:" + LONG
    assert decide("s3:GetObject", "arn:aws:s3:::b/k", identity, {"aws:SourceArn": source}) == "implicitDeny"
    assert decide("s3:GetObject", "arn:aws:s3:::b/k", identity, {"aws:SourceArn": source + "b"}) == "allowed"


def test_many_stars_in_a_principal_are_refused_not_matched(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": STARS}, "Action": "s3:GetObject", "Resource": "*"}],
    }
    (in_tmp / "bucket.json").write_text(json.dumps(bucket))
    assert main(["check", "bucket.json", "--select", "IPG013", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["location"]["json_path"]) for f in findings] == [("IPG013", "/Statement/0/Principal/AWS")]


def test_literal_stars_from_a_policy_variable_stay_literal_in_a_long_glob() -> None:
    pattern = "arn:aws:s3:::b/" + "\ue000a" * 20 + "*"  # `${*}a` twenty times, then a real wildcard
    assert arn_matches(pattern, "arn:aws:s3:::b/" + "*a" * 20 + LONG)
    assert not arn_matches(pattern, "arn:aws:s3:::b/" + "xa" * 20 + LONG)
    assert glob_matches("\ue000" * 5 + "*", "*****" + LONG)


def test_resource_type_of_a_long_arn_is_judged_only_up_to_the_longest_arn() -> None:
    # No AWS ARN is longer than 2,048 characters; a longer pattern is not judged (no finding), nor walked.
    assert can_name("arn:aws:s3:::b/" + "*a" * 2_000_000, "arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert can_name("arn:aws:s3:::b/" + "*a" * 1000, "arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert not can_name("arn:aws:s3:::b" + "*a" * 1000, "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")


# --- big policies ---------------------------------------------------------------------------------------------------


def test_300000_empty_statements_are_checked_and_reported_too_large(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "big.json").write_text('{"Version": "2012-10-17", "Statement": [' + ", ".join(["{}"] * 300_000) + "]}")
    assert main(["check", "big.json", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    schema = [f["message"] for f in findings if f["rule_id"] == "IPG001"]
    assert schema[:3] == [
        "more than 100 IPG001 findings in this policy; only the first are listed",
        "Statement[0]: 'Effect' is required",
        "Statement[0]: one of Action or NotAction is required",
    ]
    assert schema[-1] == "Statement[49]: one of Action or NotAction is required"
    assert len(schema) == 101
    assert [f["message"] for f in findings if f["rule_id"] != "IPG001"] == [
        "the policy is at least 900,038 characters without white space, over the 10,240 AWS accepts for any identity "
        "policy (a role's inline policies, the largest): AWS rejects it"
    ]


def test_statements_past_the_memory_budget_are_counted_not_modelled(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each `{"Effect": "Allow"}` statement is 2 JSON values, ~2 KB of model; the tree of the whole document comes first.
    document = parse(json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}] * 1000}))
    tree_bytes = policy_document.document_size(document).tree_bytes
    monkeypatch.setattr(policy_document, "_MEMORY_BUDGET", tree_bytes + 10 * 2_000)
    built = build_policy(document, "p.json", file_locator("p.json"))
    assert [s.index for s in built.statements] == list(range(10))
    unchecked = [(i.code, i.message, i.loc.json_path) for i in built.issues if i.code != "schema"]
    assert unchecked == [
        ("statements-not-checked", "only the first 10 of its 1,000 statements were checked", "/Statement/10")
    ]


def test_nesting_100000_deep_in_a_condition_is_an_input_error(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", '
        '"Condition": {"StringEquals": {"k": '
    )
    level = '{"a":'
    for name, deep in (
        ("arrays.json", "[" * 100_000 + "]" * 100_000),
        ("objects.json", level * 100_000 + "1" + "}" * 100_000),
    ):
        (in_tmp / name).write_text(prefix + deep + "}}}]}")
    assert main(["check", "arrays.json", "objects.json"]) == 2
    # The condition value is the 5th level; the 201st is refused where it opens.
    assert capsys.readouterr().out.splitlines() == [
        f"arrays.json:1:{len(prefix) + 196 + 1}: error: invalid JSON: nesting too deep",
        f"objects.json:1:{len(prefix) + 196 * len(level) + 1}: error: invalid JSON: nesting too deep",
        "",
        "No findings in 0 files; 2 input errors.",
    ]


def test_more_values_than_any_policy_or_plan_holds_are_an_input_error(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonpos, "MAX_VALUES", 1_000)  # 1,000,000 in use: the same refusal, a thousand times sooner
    (in_tmp / "many.json").write_text("[" + ",".join(["0"] * 1_000) + "]")
    assert main(["check", "many.json"]) == 2
    # The list is the first value, so its 1,000th item is the one too many.
    assert capsys.readouterr().out.splitlines()[0] == (
        f"many.json:1:{1 + 2 * 999 + 1}: error: invalid JSON: more than 1,000 values: too large for an IAM policy or "
        "a Terraform plan"
    )


def test_a_four_megabyte_string_parses_without_a_mark_per_character() -> None:
    root = parse('{"Resource": "' + "a" * 4_000_000 + '\\n"}')
    assert isinstance(root, jsonpos.JObject)
    resource = root.get("Resource")
    assert isinstance(resource, jsonpos.JScalar) and resource.value == "a" * 4_000_000 + "\n"


# --- AWS size quotas (IPG014) ---------------------------------------------------------------------------------------


def _padded(kind: PolicyKind | None, characters: int, **extra: object) -> Policy:
    """A policy of exactly `characters` characters without white space, padded in its Sid."""
    statement: dict[str, object] = {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **extra}
    bare = len(json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":")))
    statement["Sid"] = "x" * (characters - bare)
    return policy(statement, kind=kind)


def _size_findings(built: Policy) -> list[tuple[str, str]]:
    return [(f.severity.value, f.message) for f in PolicySize().check_policy(built, RuleContext(aws=aws_data()))]


@pytest.mark.parametrize(
    ("kind", "characters", "expected"),
    [
        (PolicyKind.IDENTITY, 6_144, []),
        (
            PolicyKind.IDENTITY,
            6_145,
            [
                (
                    "warning",
                    "over the 6,144 AWS accepts for a managed policy (only a role's inline policies may be larger): "
                    "AWS may reject it",
                )
            ],
        ),
        (
            PolicyKind.IDENTITY,
            10_241,
            [
                (
                    "error",
                    "over the 10,240 AWS accepts for any identity policy (a role's inline policies, the largest): "
                    "AWS rejects it",
                )
            ],
        ),
        (PolicyKind.SCP, 5_121, [("error", "over the 5,120 AWS accepts for a service control policy: AWS rejects it")]),
        (PolicyKind.RCP, 5_120, []),
        (
            PolicyKind.KEY,
            32_769,
            [("error", "over the 32,768 AWS accepts for a KMS key policy (32 KB): AWS rejects it")],
        ),
    ],
)
def test_size_quota_by_kind(kind: PolicyKind, characters: int, expected: list[tuple[str, str]]) -> None:
    found = _size_findings(_padded(kind, characters))
    prefix = f"the policy is at least {characters:,} characters without white space, "
    assert found == [(severity, prefix + rest) for severity, rest in expected]


def test_trust_policy_over_the_default_quota_is_a_warning_over_the_raised_one_an_error() -> None:
    principal = {"Principal": {"Service": "ec2.amazonaws.com"}}
    warning = _size_findings(_padded(PolicyKind.TRUST, 2_049, **principal))
    error = _size_findings(_padded(PolicyKind.TRUST, 8_193, **principal))
    assert warning == [
        (
            "warning",
            "the policy is at least 2,049 characters without white space, over the 2,048 AWS accepts for a role trust "
            "policy unless the account's quota was raised: AWS may reject it",
        )
    ]
    assert error == [
        (
            "error",
            "the policy is at least 8,193 characters without white space, over the 8,192 AWS accepts for a role trust "
            "policy, with the quota raised as far as AWS allows: AWS rejects it",
        )
    ]


def test_bucket_policy_quota_applies_when_every_resource_is_in_s3() -> None:
    s3 = _padded(PolicyKind.RESOURCE, 20_481, Principal="*", Resource="arn:aws:s3:::b/*")
    elsewhere = _padded(PolicyKind.RESOURCE, 20_481, Principal="*", Resource="arn:aws:sqs:eu-west-1:111111111111:q")
    assert [severity for severity, _ in _size_findings(s3)] == ["error"]
    assert [severity for severity, _ in _size_findings(elsewhere)] == ["warning"]


def test_white_space_does_not_count_toward_a_quota() -> None:
    compact = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "a b", "Effect": "Allow"}]})
    assert policy_document.document_size(parse(compact)).characters == len(
        '{"Version":"2012-10-17","Statement":[{"Sid":"ab","Effect":"Allow"}]}'
    )
    spread = '{\n  "Version" : "2012-10-17",\n\t"Statement" : [ { "Sid" : "a b", "Effect" : "Allow" } ]\n}'
    assert (
        policy_document.document_size(parse(spread)).characters
        == policy_document.document_size(parse(compact)).characters
    )


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("aws_iam_role_policy.reader", "aws_iam_role_policy"),
        ('module.m["x.aws_s3_bucket_policy.y"].aws_iam_user_policy.p[0]', "aws_iam_user_policy"),
        ('aws_iam_group_policy.g["a]b"]', "aws_iam_group_policy"),
        ("data.aws_iam_policy_document.d", None),
        (None, None),
    ],
)
def test_resource_type_of_an_address_ignores_what_index_keys_say(address: str | None, expected: str | None) -> None:
    assert resource_type(address) == expected


# --- numbers Python cannot hold -------------------------------------------------------------------------------------

DIGITS = "1" * 5000


def _numeric_policy(value: str) -> str:
    condition = '{"NumericLessThan": {"s3:max-keys": ' + value + "}}"
    statement = '{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": ' + condition + "}"
    return '{"Version": "2012-10-17", "Statement": [' + statement + "]}"


def test_5000_digit_integer_in_a_policy_file_is_compared_as_a_number(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "number.json").write_text(_numeric_policy(DIGITS))
    (in_tmp / "text.json").write_text(_numeric_policy(f'"{DIGITS}"'))
    assert main(["check", "number.json", "text.json"]) == 0
    assert capsys.readouterr().out == "No findings in 2 files.\n"
    for value in (DIGITS, f'"{DIGITS}"'):
        built = build_policy(parse(_numeric_policy(value)), "p.json", file_locator("p.json"))
        assert [v.value for v in built.statements[0].conditions[0].values] == [DIGITS]
        assert decide("s3:ListBucket", "arn:aws:s3:::b", built, {"s3:max-keys": "5"}) == "allowed"
        assert decide("s3:ListBucket", "arn:aws:s3:::b", built, {"s3:max-keys": DIGITS + "0"}) == "implicitDeny"


def test_numbers_beyond_float_range_keep_their_text() -> None:
    root = parse("[1e400, -1e400, 1.5, 12, " + DIGITS + "]")
    assert isinstance(root, jsonpos.JArray)
    values = [item.value for item in root.items if isinstance(item, jsonpos.JScalar)]
    assert values == ["1e400", "-1e400", 1.5, 12, DIGITS]
    assert [type(v) for v in values] == [JsonNumber, JsonNumber, float, int, JsonNumber]


def test_5000_digit_integer_in_terraform_condition_values(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "main.tf").write_text(
        f"""
resource "aws_iam_policy" "quoted" {{
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*",
      Condition = {{ NumericLessThan = {{ "s3:max-keys" = "{DIGITS}" }} }} }}]
  }})
}}

data "aws_iam_policy_document" "d" {{
  statement {{
    actions   = ["s3:ListBucket"]
    resources = ["*"]
    condition {{
      test     = "NumericLessThan"
      variable = "s3:max-keys"
      values   = ["{DIGITS}"]
    }}
  }}
}}

resource "aws_iam_policy" "document" {{
  policy = data.aws_iam_policy_document.d.json
}}
"""
    )
    assert main(["check", "."]) == 0
    assert capsys.readouterr().out == "No findings in 1 file.\n"


def test_5000_digit_integer_literal_in_terraform(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "main.tf").write_text(
        f"""
resource "aws_iam_policy" "literal" {{
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*",
      Condition = {{ NumericLessThan = {{ "s3:max-keys" = {DIGITS} }} }} }}]
  }})
}}
"""
    )
    assert main(["check", "."]) == 0
    assert capsys.readouterr().out == "No findings in 1 file.\n"


def test_5000_digit_integer_in_a_plan(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs.amazonaws.com"}}
            ],
        }
    )
    resources = [
        '{"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p", '
        f'"values": {{"name": "p", "policy": {json.dumps(_numeric_policy(DIGITS))}}}}}',
        '{"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", '
        f'"values": {{"name": "r", "assume_role_policy": {json.dumps(trust)}, "max_session_duration": {DIGITS}}}}}',
    ]
    plan = (
        '{"format_version": "1.2", "planned_values": {"root_module": {"resources": ['
        + ", ".join(resources)
        + ']}}, "resource_changes": []}'
    )
    (in_tmp / "plan.json").write_text(plan)
    assert main(["check", "plan.json"]) == 0
    assert capsys.readouterr().out == "No findings in 1 file.\n"


def test_cidr_prefix_of_5000_digits_or_unicode_digits_is_an_invalid_value(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, network in (("long.json", "10.0.0.0/" + DIGITS), ("superscript.json", "10.0.0.0/\u00b2")):
        statement = {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"IpAddress": {"aws:SourceIp": network}},
        }
        (in_tmp / name).write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert main(["check", "long.json", "superscript.json", "--select", "IPA", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["location"]["file"], f["location"]["json_path"]) for f in findings] == [
        ("IPA008", "long.json", "/Statement/0/Condition/IpAddress/aws:SourceIp"),
        ("IPA008", "superscript.json", "/Statement/0/Condition/IpAddress/aws:SourceIp"),
    ]


def test_a_rule_lists_its_first_hundred_findings_of_a_policy_then_says_there_are_more(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """100,000 unknown condition keys in one 3 MB policy: listing each (with a suggestion) took 14 s and 680 MB."""
    keys = {f"aws:Unknownkey{i}": "x" for i in range(5_000)}
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": keys}}
    (in_tmp / "p.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert main(["check", "p.json", "--format", "json", "--select", "IPA006"]) == 1
    messages = [f["message"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert len(messages) == 101
    assert messages[0] == "more than 100 IPA006 findings in this policy; only the first are listed"
    assert messages[1].startswith("statement 0: condition key 'aws:Unknownkey0' is not a global condition key")
