"""Whole modules -> exact policies, locations and inventory (fixtures in tests/fixtures/terraform)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from linter.model import THIS_ACCOUNT, PolicyKind
from linter.sources.terraform import load_module

ACCOUNT = THIS_ACCOUNT


def test_signer_policies_point_at_elements_inside_documents_jsonencode_and_heredoc(
    fixtures: Path, tf: SimpleNamespace
) -> None:
    loaded = load_module(Path("signer"), [])
    assert loaded.errors == []
    assert loaded.files == ["signer/main.tf", "signer/variables.tf"]
    assert sorted(p.name for p in loaded.policies) == [
        "aws_iam_policy.signer.policy",
        "aws_iam_role.signer.assume_role_policy",
        "aws_iam_role_policy.kms.policy",
    ]
    trust = tf.policy(loaded, "aws_iam_role.signer.assume_role_policy")
    assert trust.kind is PolicyKind.TRUST and not trust.kind_inferred
    assert (trust.loc.file, trust.loc.line, trust.loc.address) == ("signer/main.tf", 39, "aws_iam_role.signer")
    assert tf.elements(trust) == [
        ("/Statement/0/Effect", "Allow", "signer/main.tf:42:19", None),
        ("/Statement/0/Action", "sts:AssumeRole", "signer/main.tf:43:19", None),
        ("/Statement/0/Principal/Service", "lambda.amazonaws.com", "signer/main.tf:44:31", None),
    ]
    # The policy document: its source document's statement first, actions reverse-sorted as the provider renders
    # them, `&{...}` turned into a policy variable; each element on the line of the attribute that wrote it.
    signer = tf.policy(loaded, "aws_iam_policy.signer.policy")
    assert (signer.loc.file, signer.loc.line, signer.loc.address) == ("signer/main.tf", 21, "aws_iam_policy.signer")
    assert signer.version is not None and signer.version.value == "2012-10-17"
    assert tf.elements(signer) == [
        ("/Statement/0/Sid", "ReadObjects", "signer/main.tf:12:15", None),
        ("/Statement/0/Effect", "Allow", "signer/main.tf:11:3", None),
        ("/Statement/0/Action/0", "s3:ListBucket", "signer/main.tf:13:32", None),
        ("/Statement/0/Action/1", "s3:GetObject", "signer/main.tf:13:16", None),
        ("/Statement/0/Resource/0", "arn:aws:s3:::acme-uploads/*", "signer/main.tf:16:7", None),
        ("/Statement/0/Resource/1", "arn:aws:s3:::acme-uploads", "signer/main.tf:15:7", None),
        ("/Statement/1/Sid", "WriteOwnPrefix", "signer/main.tf:25:17", None),
        ("/Statement/1/Effect", "Allow", "signer/main.tf:24:3", None),
        ("/Statement/1/Action", "s3:PutObject", "signer/main.tf:26:18", None),
        ("/Statement/1/Resource", "arn:aws:s3:::acme-uploads/${aws:username}/*", "signer/main.tf:27:18", None),
        (
            "/Statement/1/Condition/StringEquals/s3:x-amz-server-side-encryption",
            "aws:kms",
            "signer/main.tf:32:19",
            None,
        ),
    ]
    # A <<-EOT heredoc: columns are those of the file, even after interpolations on the same line.
    kms = tf.policy(loaded, "aws_iam_role_policy.kms.policy")
    assert tf.elements(kms) == [
        ("/Statement/0/Effect", "Allow", "signer/main.tf:68:21", None),
        ("/Statement/0/Action/0", "kms:Decrypt", "signer/main.tf:69:22", None),
        ("/Statement/0/Action/1", "kms:GenerateDataKey", "signer/main.tf:69:37", None),
        (
            "/Statement/0/Resource",
            f"arn:aws:kms:*:{ACCOUNT}:key/*",
            "signer/main.tf:70:23",
            None,
        ),
    ]


def test_signer_inventory_joins_attachments_and_keeps_the_unknown_policy(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("signer"), [])
    inventory = loaded.inventory
    assert inventory is not None
    [role] = inventory.principals
    assert (role.type, role.name.value, role.address) == ("role", "acme-signer", "aws_iam_role.signer")
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/acme-signer"
    assert role.max_session_duration == 3600
    assert role.trust is not None and role.trust.name == "aws_iam_role.signer.assume_role_policy"
    assert [(a.via, a.policy.name if a.policy else None, a.ref.value) for a in role.policies] == [
        ("managed", "aws_iam_policy.signer.policy", f"arn:aws:iam::{ACCOUNT}:policy/acme-signer"),
        ("inline", "aws_iam_role_policy.kms.policy", "kms"),
        ("inline", "aws_iam_role_policy.extra.policy", "extra"),
    ]
    # var.extra_policy_json has no value: the policy is one unknown statement, never an empty (denying) one.
    extra = role.policies[2].policy
    assert extra is not None and len(extra.statements) == 1
    statement = extra.statements[0]
    assert statement.effect is not None and statement.effect.unresolved == "var.extra_policy_json"
    assert [a.unresolved for a in statement.action or []] == ["var.extra_policy_json"]
    assert extra.issues == []
    assert list(inventory.managed_policies) == ["aws_iam_policy.signer"]
    [bucket] = inventory.buckets
    assert (bucket.name.value, bucket.arn, bucket.address) == (
        "acme-uploads",
        "arn:aws:s3:::acme-uploads",
        "aws_s3_bucket.uploads",
    )
    # count = var.create_legacy_admin ? 1 : 0 with the default false: the resource does not exist.
    assert not any("legacy_admin" in p.name for p in loaded.policies)
    assert tf.unresolved(loaded) == [
        (
            "var.extra_policy_json",
            "signer/main.tf:86:12",
            "aws_iam_role_policy.extra",
            "variable 'extra_policy_json' has no default and no value in tfvars or --var-file",
        ),
    ]


def test_var_file_overrides_tfvars_and_defaults(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("signer"), [Path("signer/prod.tfvars")])
    assert loaded.inventory is not None
    assert loaded.inventory.principals[0].max_session_duration == 7200
    assert "signer/prod.tfvars" in loaded.files


def test_a_single_file_loads_its_whole_module(fixtures: Path) -> None:
    loaded = load_module(Path("signer/variables.tf"), [])
    assert loaded.files == ["signer/main.tf", "signer/variables.tf"]
    assert len(loaded.policies) == 3


def test_nested_modules_are_followed_with_addresses_and_for_each(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("nested-modules"), [])
    assert loaded.errors == []
    assert loaded.files == [
        "nested-modules/main.tf",
        "nested-modules/modules/bucket/main.tf",
        "nested-modules/modules/reader-role/main.tf",
    ]
    assert sorted(p.name for p in loaded.policies) == [
        'module.bucket["logs"].aws_s3_bucket_policy.this.policy',
        'module.bucket["reports"].aws_s3_bucket_policy.this.policy',
        "module.reader.aws_iam_role.this.assume_role_policy",
        "module.reader.aws_iam_role_policy.read.policy",
    ]
    logs = tf.policy(loaded, 'module.bucket["logs"].aws_s3_bucket_policy.this.policy')
    assert logs.kind is PolicyKind.RESOURCE
    assert logs.loc.address == 'module.bucket["logs"].aws_s3_bucket_policy.this'
    assert tf.elements(logs) == [
        ("/Statement/0/Sid", "DenyInsecureTransport", "nested-modules/modules/bucket/main.tf:20:21", None),
        ("/Statement/0/Effect", "Deny", "nested-modules/modules/bucket/main.tf:21:21", None),
        ("/Statement/0/Action", "s3:*", "nested-modules/modules/bucket/main.tf:23:21", None),
        ("/Statement/0/Resource/0", "arn:aws:s3:::acme-logs", "nested-modules/modules/bucket/main.tf:24:22", None),
        ("/Statement/0/Resource/1", "arn:aws:s3:::acme-logs/*", "nested-modules/modules/bucket/main.tf:24:46", None),
        ("/Statement/0/Principal", "*", "nested-modules/modules/bucket/main.tf:22:21", None),
        (
            "/Statement/0/Condition/Bool/aws:SecureTransport",
            "false",
            "nested-modules/modules/bucket/main.tf:25:56",
            None,
        ),
        ("/Statement/1/Sid", "AllowReaders", "nested-modules/modules/bucket/main.tf:28:21", None),
        ("/Statement/1/Effect", "Allow", "nested-modules/modules/bucket/main.tf:29:21", None),
        ("/Statement/1/Action/0", "s3:GetObject", "nested-modules/modules/bucket/main.tf:31:22", None),
        ("/Statement/1/Resource", "arn:aws:s3:::acme-logs/*", "nested-modules/modules/bucket/main.tf:32:21", None),
        # The reader role's ARN comes from a sibling module's output, through the module's input variable.
        (
            "/Statement/1/Principal/AWS/0",
            f"arn:aws:iam::{ACCOUNT}:role/acme-reader",
            "nested-modules/modules/bucket/main.tf:30:29",
            None,
        ),
    ]
    read = tf.policy(loaded, "module.reader.aws_iam_role_policy.read.policy")
    assert [(e[0], e[1]) for e in tf.elements(read)] == [
        ("/Statement/0/Effect", "Allow"),
        ("/Statement/0/Action/0", "s3:GetObject"),
        ("/Statement/0/Resource/0", "arn:aws:s3:::acme-logs/*"),
        ("/Statement/0/Resource/1", "arn:aws:s3:::acme-reports/*"),
    ]
    inventory = loaded.inventory
    assert inventory is not None
    assert [(b.address, b.name.value, b.policy.name if b.policy else None) for b in inventory.buckets] == [
        (
            'module.bucket["logs"].aws_s3_bucket.this',
            "acme-logs",
            'module.bucket["logs"].aws_s3_bucket_policy.this.policy',
        ),
        (
            'module.bucket["reports"].aws_s3_bucket.this',
            "acme-reports",
            'module.bucket["reports"].aws_s3_bucket_policy.this.policy',
        ),
    ]
    [role] = inventory.principals
    assert [(a.via, a.policy.name if a.policy else None) for a in role.policies] == [
        ("inline", "module.reader.aws_iam_role_policy.read.policy")
    ]
    assert tf.unresolved(loaded) == [
        (
            "module.remote",
            "nested-modules/main.tf:25:1",
            "module.remote",
            "module source 'terraform-aws-modules/iam/aws//modules/iam-policy' is not a local path; it is not followed",
        ),
        (
            "var.trusted_account_id",
            "nested-modules/modules/reader-role/main.tf:20:27",
            "module.reader.aws_iam_role.this",
            "variable 'trusted_account_id' has no default and module.reader does not set it",
        ),
    ]


def test_templatefile_and_file_policies_point_into_their_files(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("templates"), [])
    assert loaded.errors == []
    assert loaded.files == ["templates/main.tf", "templates/policies/read.json", "templates/policies/write.json.tpl"]
    written = tf.policy(loaded, "aws_iam_policy.from_template.policy")
    assert (written.loc.file, written.loc.line) == ("templates/policies/write.json.tpl", 1)
    assert written.loc.address == "aws_iam_policy.from_template"
    assert tf.elements(written) == [
        ("/Statement/0/Sid", "WriteArtifacts", "templates/policies/write.json.tpl:5:14", None),
        ("/Statement/0/Effect", "Allow", "templates/policies/write.json.tpl:6:17", None),
        ("/Statement/0/Action/0", "s3:PutObject", "templates/policies/write.json.tpl:7:18", None),
        ("/Statement/0/Action/1", "s3:PutObjectAcl", "templates/policies/write.json.tpl:7:34", None),
        ("/Statement/0/Resource", "arn:aws:s3:::acme-artifacts/*", "templates/policies/write.json.tpl:8:19", None),
        ("/Statement/1/Sid", "UseKey", "templates/policies/write.json.tpl:11:14", None),
        ("/Statement/1/Effect", "Allow", "templates/policies/write.json.tpl:12:17", None),
        ("/Statement/1/Action", "kms:GenerateDataKey", "templates/policies/write.json.tpl:13:17", None),
        (
            "/Statement/1/Resource",
            "arn:aws:kms:us-east-1:${var.account_id}:key/*",
            "templates/policies/write.json.tpl:14:19",
            "var.account_id",
        ),
    ]
    read = tf.policy(loaded, "aws_iam_policy.from_file.policy")
    assert tf.elements(read) == [
        ("/Statement/0/Effect", "Allow", "templates/policies/read.json:5:17", None),
        ("/Statement/0/Action", "s3:GetObject", "templates/policies/read.json:6:17", None),
        ("/Statement/0/Resource", "arn:aws:s3:::acme-artifacts/*", "templates/policies/read.json:7:19", None),
    ]
    decoded = tf.policy(loaded, "aws_iam_policy.decoded.policy")
    assert decoded.id is not None and (decoded.id.value, decoded.id.loc.line) == ("decoded", 22)
    assert tf.elements(decoded) == tf.elements(read)


def test_inventory_of_buckets_keys_groups_and_organization_policies(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("inventory"), [])
    assert loaded.errors == []
    inventory = loaded.inventory
    assert inventory is not None
    shown = {
        p.address: (
            p.type,
            p.name.value,
            p.groups,
            [(a.via, a.policy.name if a.policy else None, a.ref.value) for a in p.policies],
            p.boundary.policy.name if p.boundary and p.boundary.policy else None,
            p.max_session_duration,
        )
        for p in inventory.principals
    }
    read_only, power_user = "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/PowerUserAccess"
    boundary_arn = f"arn:aws:iam::{ACCOUNT}:policy/developer-boundary"
    group_policies = [
        ("group aws_iam_group.developers (managed)", None, read_only),
        ("group aws_iam_group.developers (inline)", "aws_iam_group_policy.developers_deny_iam.policy", "deny-iam"),
    ]
    assert shown == {
        "aws_iam_group.developers": (
            "group",
            "developers",
            [],
            [("managed", None, read_only), ("inline", "aws_iam_group_policy.developers_deny_iam.policy", "deny-iam")],
            None,
            None,
        ),
        "aws_iam_user.alice": (
            "user",
            "alice",
            ["aws_iam_group.developers"],
            group_policies,
            "aws_iam_policy.boundary.policy",
            None,
        ),
        "aws_iam_user.bob": (
            "user",
            "bob",
            ["aws_iam_group.developers"],
            [("managed", "aws_iam_policy.boundary.policy", boundary_arn), *group_policies],
            None,
            None,
        ),
        "aws_iam_role.ci": (
            "role",
            "ci",
            [],
            [
                ("inline", "aws_iam_role.ci.inline_policy[0].policy", "deploy"),
                ("managed", "aws_iam_policy.boundary.policy", boundary_arn),
                ("managed", None, power_user),
            ],
            None,
            43200,
        ),
    }
    uploads, legacy = inventory.buckets
    assert uploads.public_access_block is not None
    assert uploads.public_access_block.model_dump(exclude={"loc"}) == {
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": None,  # var.restrict_public_buckets has no value
    }
    assert uploads.object_ownership == "BucketOwnerEnforced"
    assert uploads.encryption is not None and uploads.encryption.algorithm == "aws:kms"
    assert uploads.encryption.kms_key is not None and uploads.encryption.kms_key.value == "aws_kms_key.uploads"
    assert (legacy.acl.value if legacy.acl else None, legacy.encryption.algorithm if legacy.encryption else None) == (
        "public-read",
        "AES256",
    )
    assert [(k.address, k.policy.name if k.policy else None, k.aliases) for k in inventory.keys] == [
        ("aws_kms_key.uploads", "aws_kms_key_policy.uploads.policy", ["alias/uploads"]),
        ("aws_kms_key.default_policy", None, []),  # None: AWS's default key policy
    ]
    [scp] = inventory.organization_policies
    assert (scp.address, scp.policy.kind, [t.value for t in scp.targets]) == (
        "aws_organizations_policy.deny_leave",
        PolicyKind.SCP,
        ["r-ab12"],
    )
    account = inventory.account_public_access_block
    assert account is not None and (account.block_public_acls, account.restrict_public_buckets) == (True, False)
    assert tf.unresolved(loaded) == [
        (
            "var.restrict_public_buckets",
            "inventory/s3.tf:53:3",
            "aws_s3_bucket_public_access_block.uploads",
            "variable 'restrict_public_buckets' has no default and no value in tfvars or --var-file",
        ),
    ]


def test_syntax_errors_are_reported_per_file_and_the_rest_is_checked(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("broken"), [])
    assert [e.render() for e in loaded.errors] == [
        "broken/bad.tf:3:12: syntax error: unexpected '='",
        "broken/unclosed.tf:3:1: syntax error: unexpected end of file (unclosed block or bracket?)",
        "broken/badjson.tf:7:61: aws_iam_role_policy.not_json.policy: invalid JSON: trailing comma before '}'",
    ]
    assert [p.name for p in loaded.policies] == ["aws_iam_policy.fine.policy"]


def test_inline_suppressions_cover_the_block_or_attribute_they_precede(fixtures: Path, tf: SimpleNamespace) -> None:
    loaded = load_module(Path("suppressions"), [])
    assert [(s.rules, s.reason, s.loc.short(), s.first_line, s.last_line) for s in loaded.suppressions] == [
        (("IPP001",), "break-glass role, reviewed 2026-10", "suppressions/main.tf:1:1", 2, 13),
        (("IPP002", "least-privilege-wildcard"), "temporary", "suppressions/main.tf:9:22", 9, 9),
        (("IPP003",), "", "suppressions/main.tf:19:3", 20, 20),
    ]
    assert [e.render() for e in loaded.errors] == [
        "suppressions/main.tf:23:1: iam-preflight:ignore needs a rule id or name, e.g. `ignore IPP001 reason`"
    ]


UNDECLARED = """\
resource "aws_iam_user" "u" {
  for_each = toset(["a"])
  name     = "${each.key}-${local.missing_name}"
}

resource "aws_iam_user_policy" "p" {
  user = aws_iam_user.nope.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "${var.undeclared}/*" }]
  })
}

resource "aws_iam_role" "r" {
  name               = module.child.missing_output
  assume_role_policy = data.aws_iam_policy_document.absent.json
}

module "child" {
  source = "./child"
}
"""


def test_references_to_undeclared_names_are_input_errors_and_stay_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tf: SimpleNamespace
) -> None:
    # `terraform validate` refuses each of these; the values stay unknown, so what depends on them is uncertain.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(UNDECLARED)
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('output "arn" {\n  value = "x"\n}\n')
    loaded = load_module(tmp_path)
    prefix = "reference to an undeclared name: "
    assert sorted((e.loc.short(), e.message.removeprefix(prefix)) for e in loaded.errors) == [
        ("main.tf:10:77", "var.undeclared: no variable 'undeclared' is declared in this module"),
        ("main.tf:15:24", "module.child.missing_output: module.child has no output 'missing_output'"),
        ("main.tf:16:24", "data.aws_iam_policy_document.absent: no such data source in this module"),
        ("main.tf:3:29", "local.missing_name: no local value 'missing_name' is defined in this module"),
        ("main.tf:7:10", "aws_iam_user.nope: no such resource in this module"),
    ]
    assert all(e.message.startswith(prefix) for e in loaded.errors)
    assert [u[0] for u in tf.unresolved(loaded)] == [
        "aws_iam_user.nope.name",
        "data.aws_iam_policy_document.absent.json",
        "local.missing_name",
        "module.child.missing_output",
        "var.undeclared",
    ]
