"""Realistic Terraform (tests/fixtures/realcode), in the shapes public modules are written in: the whole check's
findings, exact, and the policies the evaluator builds from them.

- lambda-like: a module called from two example roots; its trust policy mixes service names (strings) and
  {type, identifiers} objects in one list (`try(tostring(x), "")`), and has dynamic principals, statements and
  conditions, over known lists, lists with unknown elements and unknown variables.
- bucket-like: a bucket policy combined from several documents (source_policy_documents) whose bucket ARN and
  account placeholders are replace()d in the combined JSON, the bucket named after a random_pet.
- fetched: a root module after `terraform init`: registry and git module calls resolved through
  .terraform/modules/modules.json (a label module followed at "this" and "reader_role.this"), one call not
  fetched and one fetched outside the checked tree.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from linter.check import CheckOptions, run_check
from linter.config import load_config
from linter.sources.terraform import load_module

REALCODE = Path(__file__).resolve().parents[2] / "fixtures" / "realcode"
PET = (
    "cannot resolve `random_pet.this.id`: 'id' of resource random_pet is known only after apply; checks that depend"
    " on it are uncertain"
)


@pytest.fixture
def realcode(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REALCODE)
    return REALCODE


def _findings(folder: str) -> list[tuple[str, str, str | None, str]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
        # Paths relative to the fixture folder, the working one (the project root would be the repository's)
        result = run_check([folder], load_config(start=Path(folder)), CheckOptions(project_root="."))
    assert not result.errors, [e.render() for e in result.errors]
    # The AWS data version a message ends with changes with the data, not with the finding
    return [
        (f.rule_id, f"{f.loc.file}:{f.loc.line}:{f.loc.column}", f.loc.address, f.message.split("; AWS data:")[0])
        for f in result.findings
    ]


def test_lambda_like_module_from_two_roots(realcode: Path) -> None:
    module = "lambda-like/module/main.tf"
    partner = "module.lambda_trusting_partner.aws_iam_role.lambda"
    assert _findings("lambda-like") == [
        (
            "IPN001",
            "lambda-like/examples/dynamic/main.tf:5:1",
            "aws_iam_role.ci",
            "cannot resolve `aws_iam_role.ci.name`: the name is generated; checks that depend on it are uncertain",
        ),
        (
            "IPN001",
            f"{module}:26:21",
            partner,
            'cannot resolve `distinct(compact(concat( ["lambda.amazonaws.com"], [for entity in var.trusted_entities :'
            ' try(tostring(entity), "")] )))`: depends on var.partner_entities; checks that depend on it are uncertain',
        ),
        (
            "IPN001",
            f"{module}:31:7",
            partner,
            "cannot resolve `local.trusted_principals`: dynamic 'principals' iterates over var.partner_entities;"
            " checks that depend on it are uncertain",
        ),
        (
            "IPN001",
            f"{module}:33:23",
            "module.lambda_trusting_ci.aws_iam_role.lambda",
            "cannot resolve `aws_iam_role.ci.arn`: aws_iam_role.ci has no name: Terraform generates it at apply;"
            " checks that depend on it are uncertain",
        ),
        (
            "IPN001",
            f"{module}:39:7",
            "module.lambda_trusting_partner_role.aws_iam_role.lambda",
            "cannot resolve `var.trust_conditions`: dynamic 'condition' iterates over var.partner_conditions;"
            " checks that depend on it are uncertain",
        ),
        (
            "IPN001",
            f"{module}:49:5",
            partner,
            "cannot resolve `var.assume_role_statements`: dynamic 'statement' iterates over var.partner_statements;"
            " checks that depend on it are uncertain",
        ),
        ("IPN001", f"{module}:66:3", "module.lambda_mixed_entities.aws_iam_role.lambda", PET),
        ("IPN001", f"{module}:74:18", "module.lambda_mixed_entities.aws_iam_role_policy.reports", PET),
        ("IPN001", f"{module}:79:3", "module.lambda_mixed_entities.aws_iam_role_policy.reports", PET),
    ]
    # No IPG001 (a null principal), IPG011 (no principal), IPA005 (an unknown operator) nor IPT004 (the partner
    # account's root trusted without conditions: its conditions are unknown) is reported.


def test_mixed_trusted_entities_give_exact_principals(realcode: Path, tf: SimpleNamespace) -> None:
    # `try(tostring(entity), "")` is "" for an object (tostring() of an object is an error, which try() catches):
    # compact() drops it, and the objects become principals blocks. Nothing is null, nothing unknown.
    loaded = load_module(Path("lambda-like/examples/simple"))
    trust = tf.policy(loaded, "module.lambda_mixed_entities.aws_iam_role.lambda.assume_role_policy")
    module = "lambda-like/module/main.tf"
    assert tf.elements(trust) == [
        ("/Statement/0/Effect", "Allow", f"{module}:21:15", None),
        ("/Statement/0/Action", "sts:AssumeRole", f"{module}:22:16", None),
        ("/Statement/0/Principal/AWS", "arn:aws:iam::111122223333:role/deployer", f"{module}:33:23", None),
        ("/Statement/0/Principal/Service/0", "lambda.amazonaws.com", f"{module}:26:21", None),
        ("/Statement/0/Principal/Service/1", "appsync.amazonaws.com", f"{module}:26:21", None),
        ("/Statement/0/Principal/Service/2", "codedeploy.amazonaws.com", f"{module}:33:23", None),
    ]
    assert trust.issues == []


def test_unknown_dynamic_blocks_are_unknown_principals_statements_and_conditions(
    realcode: Path, tf: SimpleNamespace
) -> None:
    loaded = load_module(Path("lambda-like/examples/dynamic"))
    module = "lambda-like/module/main.tf"
    services = (
        'distinct(compact(concat( ["lambda.amazonaws.com"], [for entity in var.trusted_entities :'
        ' try(tostring(entity), "")] )))'
    )
    statements = "var.assume_role_statements"
    partner = tf.policy(loaded, "module.lambda_trusting_partner.aws_iam_role.lambda.assume_role_policy")
    assert tf.elements(partner) == [
        ("/Statement/0/Effect", "Allow", f"{module}:21:15", None),
        ("/Statement/0/Action", "sts:AssumeRole", f"{module}:22:16", None),
        # dynamic "principals" over an unknown list: an unknown principal, not none
        ("/Statement/0/Principal/AWS", "${local.trusted_principals}", f"{module}:31:7", "local.trusted_principals"),
        ("/Statement/0/Principal/Service", "${" + services + "}", f"{module}:26:21", services),
        # dynamic "statement" over an unknown map, in a trust policy: its principal is unknown too
        *[
            (f"/Statement/1/{element}", "${" + statements + "}", f"{module}:49:5", statements)
            for element in ("Effect", "Action", "Resource", "Principal/AWS")
        ],
    ]
    conditions = tf.policy(loaded, "module.lambda_trusting_partner_role.aws_iam_role.lambda.assume_role_policy")
    [statement] = conditions.statements
    [condition] = statement.conditions
    # dynamic "condition" over an unknown list: operator, key and value unknown (no unknown-operator error)
    assert [(t.value, t.unresolved) for t in (condition.operator, condition.key, *condition.values)] == [
        ("${var.trust_conditions}", "var.trust_conditions")
    ] * 3


def test_combined_and_replaced_bucket_policy_keeps_what_is_known(realcode: Path, tf: SimpleNamespace) -> None:
    # One note per unknown value of a policy (at its first element), however many of its ARNs hold the bucket name
    assert _findings("bucket-like") == [
        (
            "IPR001",
            "bucket-like/example/main.tf:15:5",
            "module.reports_bucket.aws_s3_bucket_policy.this",
            "statement 2 ('PublicReports') allows s3:GetObject on arn:aws:s3:::reports-${random_pet.this.id}/public/*"
            " to everyone (Principal '*'), anonymous callers included. Name the principals, or add a condition such"
            " as StringEquals aws:PrincipalOrgID, aws:SourceVpce or aws:SourceArn.",
        ),
        ("IPN001", "bucket-like/module/main.tf:36:3", "module.reports_bucket.aws_s3_bucket.this", PET),
        ("IPN001", "bucket-like/module/main.tf:48:7", "module.reports_bucket.aws_s3_bucket_policy.this", PET),
    ]
    loaded = load_module(Path("bucket-like/example"))
    policy = tf.policy(loaded, "module.reports_bucket.aws_s3_bucket_policy.this.policy")
    module, example, pet = "bucket-like/module/main.tf", "bucket-like/example/main.tf", "random_pet.this.id"
    bucket = "arn:aws:s3:::reports-${random_pet.this.id}"
    # Only the strings that held _BUCKET_ARN_ are unknown; _ACCOUNT_ID_ became the account (known), the rest is exact
    assert tf.elements(policy) == [
        ("/Statement/0/Sid", "DenyInsecureTransport", f"{module}:43:15", None),
        ("/Statement/0/Effect", "Deny", f"{module}:44:15", None),
        ("/Statement/0/Action", "s3:*", f"{module}:45:16", None),
        ("/Statement/0/Resource/0", f"{bucket}/*", f"{module}:48:7", pet),
        ("/Statement/0/Resource/1", bucket, f"{module}:47:7", pet),
        ("/Statement/0/Principal", "*", f"{module}:51:5", None),
        ("/Statement/0/Condition/Bool/aws:SecureTransport", "false", f"{module}:59:19", None),
        ("/Statement/1/Sid", "AWSLogDeliveryWrite", f"{module}:68:17", None),
        ("/Statement/1/Effect", "Allow", f"{module}:67:3", None),
        ("/Statement/1/Action", "s3:PutObject", f"{module}:69:18", None),
        ("/Statement/1/Resource", f"{bucket}/AWSLogs/000000000000/*", f"{module}:70:18", pet),
        ("/Statement/1/Principal/Service", "delivery.logs.amazonaws.com", f"{module}:74:22", None),
        ("/Statement/1/Condition/StringEquals/aws:SourceAccount", "000000000000", f"{module}:80:19", None),
        ("/Statement/2/Sid", "PublicReports", f"{example}:11:17", None),
        ("/Statement/2/Effect", "Allow", f"{example}:10:3", None),
        ("/Statement/2/Action", "s3:GetObject", f"{example}:12:18", None),
        ("/Statement/2/Resource", f"{bucket}/public/*", f"{example}:13:18", pet),
        ("/Statement/2/Principal", "*", f"{example}:15:5", None),
    ]
    assert policy.issues == []


def test_modules_fetched_by_terraform_init_are_followed(realcode: Path) -> None:
    fetched = "fetched/.terraform/modules/reader_role/main.tf"
    assert _findings("fetched") == [
        (
            "IPT004",
            f"{fetched}:24:22",
            "module.reader_role.aws_iam_role.this[0]",
            "statement 0 lets every principal in account 111122223333 that its administrators allow sts:AssumeRole"
            " assume this role. Add StringEquals sts:ExternalId for a third party, or aws:PrincipalArn /"
            " aws:PrincipalOrgID for your own accounts.",
        ),
        (
            # the bucket name comes through two label modules (module.this, then reader_role's own module.this)
            "IPA002",
            f"{fetched}:39:34",
            "module.reader_role.aws_iam_role_policy.read[0]",
            "statement 0 ('ReadData'): 's3:ListBucket' cannot apply to arn:aws:s3:::acme-prod-reports-data/*:"
            " s3:ListBucket needs a resource of type accesspoint"
            " (arn:aws:s3:<Region>:<Account>:accesspoint/<AccessPointName>) or bucket (arn:aws:s3:::<BucketName>)",
        ),
        (
            "IPN001",
            "fetched/main.tf:24:1",
            "module.notifications",
            "cannot resolve `module.notifications`: module source 'acme/notifications/aws' is not a local path;"
            " it is not followed; checks that depend on it are uncertain",
        ),
        (
            "IPN001",
            "fetched/main.tf:32:1",
            "module.escaping",
            "cannot resolve `module.escaping`: module source 'acme/escape/aws' was fetched to"
            " '/opt/terraform-modules/escape', outside the checked tree; it is not read; checks that depend on it"
            " are uncertain",
        ),
    ]
