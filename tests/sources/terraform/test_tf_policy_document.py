"""data "aws_iam_policy_document" -> the JSON the AWS provider renders, with each element's .tf position."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from linter.model import PolicyKind
from linter.sources.jsonpos import to_python
from linter.sources.terraform import load_module
from linter.sources.terraform.evaluate import Evaluator, Instance
from linter.sources.terraform.policy_document import render
from linter.sources.terraform.values import Scalar, Unknown


def test_sources_overrides_dynamic_statements_and_unknown_ones(
    fixtures: Path, tf: SimpleNamespace, tmp_path: Path
) -> None:
    # With the override document's dynamic statement switched off, every statement is known
    var_file = tmp_path / "none.tfvars"
    var_file.write_text("extra_statements = []\n")
    loaded = load_module(Path("dynamic-documents"), [var_file])
    assert loaded.errors == []
    policy = tf.policy(loaded, "aws_s3_bucket_policy.data.policy")
    assert policy.kind is PolicyKind.RESOURCE
    where = "dynamic-documents/main.tf"
    assert tf.elements(policy) == [
        # from source document "base"
        ("/Statement/0/Sid", "DenyInsecureTransport", f"{where}:17:14", None),
        ("/Statement/0/Effect", "Deny", f"{where}:18:14", None),
        ("/Statement/0/NotAction", "s3:GetBucketLocation", f"{where}:19:20", None),
        ("/Statement/0/Resource/0", "arn:aws:s3:::acme-data/*", f"{where}:20:44", None),
        ("/Statement/0/Resource/1", "arn:aws:s3:::acme-data", f"{where}:20:18", None),
        ("/Statement/0/NotPrincipal/AWS", "arn:aws:iam::111122223333:role/breakglass", f"{where}:24:22", None),
        ("/Statement/0/Condition/Bool/aws:SecureTransport", "false", f"{where}:30:19", None),
        # "ReadForAll" of base, replaced in place by the override document's statement with the same Sid
        ("/Statement/1/Sid", "ReadForAll", f"{where}:64:17", None),
        ("/Statement/1/Effect", "Deny", f"{where}:65:17", None),
        ("/Statement/1/Action", "s3:GetObject", f"{where}:66:18", None),
        ("/Statement/1/Resource", "arn:aws:s3:::acme-data/public/*", f"{where}:67:18", None),
        ("/Statement/1/Principal/AWS", "*", f"{where}:71:22", None),
        # two condition blocks with the same test and variable: one key, values in order
        ("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID/0", "o-abc123", f"{where}:77:19", None),
        ("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID/1", "o-def456", f"{where}:77:31", None),
        ("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID/2", "o-ghi789", f"{where}:82:19", None),
        # the dynamic statement of source document "readers", expanded over var.readers
        ("/Statement/2/Sid", "ReadAnalytics", f"{where}:50:19", None),
        ("/Statement/2/Effect", "Allow", f"{where}:49:5", None),
        ("/Statement/2/Action", "s3:GetObject", f"{where}:51:20", None),
        ("/Statement/2/Resource/0", "arn:aws:s3:::acme-data/reports/*", f"{where}:52:61", None),
        ("/Statement/2/Resource/1", "arn:aws:s3:::acme-data/exports/*", f"{where}:52:61", None),
        ("/Statement/2/Principal/AWS", "arn:aws:iam::111122223333:role/analytics", f"{where}:56:23", None),
    ]
    assert policy.issues == []


def test_an_unknown_override_statement_makes_the_statements_it_may_replace_unknown(
    fixtures: Path, tf: SimpleNamespace
) -> None:
    # The override document's dynamic statement iterates over var.extra_statements, which has no value: it may be
    # any number of statements with any Sids, and a statement of an override document replaces the earlier one
    # with its Sid (registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document,
    # override_policy_documents). So "DenyInsecureTransport" and "ReadAnalytics" may be replaced: unknown, located
    # where they were written. "ReadForAll" was replaced by the override document's own statement, whose Sid no
    # other statement of that document may share (the provider refuses duplicate Sids in one document): exact.
    loaded = load_module(Path("dynamic-documents"), [])
    assert loaded.errors == []
    policy = tf.policy(loaded, "aws_s3_bucket_policy.data.policy")
    where = "dynamic-documents/main.tf"
    unknown = "${var.extra_statements}"

    def unknown_statement(index: int, at: str) -> list[tuple[str, str, str, str | None]]:
        # a bucket policy statement always names a principal: an unknown one (IPG011 must not say it has none)
        return [
            (f"/Statement/{index}/{element}", unknown, f"{where}:{at}", "var.extra_statements")
            for element in ("Effect", "Action", "Resource", "Principal/AWS")
        ]

    assert tf.elements(policy) == [
        *unknown_statement(0, "16:3"),
        ("/Statement/1/Sid", "ReadForAll", f"{where}:64:17", None),
        ("/Statement/1/Effect", "Deny", f"{where}:65:17", None),
        ("/Statement/1/Action", "s3:GetObject", f"{where}:66:18", None),
        ("/Statement/1/Resource", "arn:aws:s3:::acme-data/public/*", f"{where}:67:18", None),
        ("/Statement/1/Principal/AWS", "*", f"{where}:71:22", None),
        ("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID/0", "o-abc123", f"{where}:77:19", None),
        ("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID/1", "o-def456", f"{where}:77:31", None),
        ("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID/2", "o-ghi789", f"{where}:82:19", None),
        *unknown_statement(2, "49:5"),
        # the dynamic statement itself: present, every element unknown
        *unknown_statement(3, "88:5"),
    ]
    assert policy.issues == []  # the unknown statements raise no schema issue
    # one note for the one unknown value, at the first element that depends on it
    assert [(u[0], u[1]) for u in tf.unresolved(loaded)] == [("var.extra_statements", f"{where}:16:3")]


def _document(tmp_path: Path, body: str) -> Scalar:
    (tmp_path / "main.tf").write_text(f'data "aws_iam_policy_document" "d" {{\n{body}\n}}\n')
    ev = Evaluator()
    root = Instance(ev, ev.module(tmp_path), "", {})
    instances = root.instances("data.aws_iam_policy_document.d")
    assert not isinstance(instances, Unknown)
    rendered = render(ev, instances[0])
    assert isinstance(rendered, Scalar) and rendered.doc is not None
    return rendered


def test_rendering_matches_the_provider(tmp_path: Path) -> None:
    rendered = _document(
        tmp_path,
        """
  policy_id = "doc"
  statement {
    sid       = "One"
    actions   = ["s3:GetObject", "s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::b/&{aws:userid}/*"]
    principals {
      type        = "Service"
      identifiers = ["b.amazonaws.com", "a.amazonaws.com"]
    }
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:signatureAge"
      values   = [600000]
    }
  }
  statement {
    effect      = "Deny"
    not_actions = ["iam:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
""",
    )
    assert rendered.doc is not None
    assert to_python(rendered.doc) == {
        "Version": "2012-10-17",
        "Id": "doc",
        "Statement": [
            {
                "Sid": "One",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetObject"],
                "Resource": "arn:aws:s3:::b/${aws:userid}/*",
                "Principal": {
                    "AWS": "arn:aws:iam::111122223333:root",
                    "Service": ["b.amazonaws.com", "a.amazonaws.com"],
                },
                "Condition": {"NumericLessThan": {"s3:signatureAge": "600000"}},
            },
            {"Effect": "Deny", "NotAction": "iam:*", "Principal": "*"},
        ],
    }
    assert json.loads(str(rendered.value)) == to_python(rendered.doc)


def test_empty_document_has_no_statement(tmp_path: Path) -> None:
    rendered = _document(tmp_path, '  version = "2008-10-17"')
    assert rendered.doc is not None and to_python(rendered.doc) == {"Version": "2008-10-17"}


PLACEHOLDER_MODULE = """
resource "aws_s3_bucket" "b" {
  bucket = "acme-logs"
}

data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Deliver"
    actions   = ["s3:PutObject"]
    resources = ["_BUCKET_ARN_/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = replace(data.aws_iam_policy_document.d.json, %s)
}
"""


def test_replace_in_a_document_keeps_its_positions(tmp_path: Path, tf: SimpleNamespace) -> None:
    (tmp_path / "main.tf").write_text(PLACEHOLDER_MODULE % '"_BUCKET_ARN_", aws_s3_bucket.b.arn')
    loaded = load_module(tmp_path, [])
    elements = [
        (pointer, value, at.rsplit("main.tf:", 1)[1])
        for pointer, value, at, _ in tf.elements(tf.policy(loaded, "aws_s3_bucket_policy.p.policy"))
    ]
    assert elements == [
        ("/Statement/0/Sid", "Deliver", "8:17"),
        ("/Statement/0/Effect", "Allow", "7:3"),
        ("/Statement/0/Action", "s3:PutObject", "9:18"),
        ("/Statement/0/Resource", "arn:aws:s3:::acme-logs/*", "10:18"),
        ("/Statement/0/Principal/Service", "logging.s3.amazonaws.com", "13:22"),
    ]


def test_replace_across_json_syntax_keeps_the_value_without_positions(tmp_path: Path, tf: SimpleNamespace) -> None:
    # The replacement rewrites JSON syntax, not string contents: the positioned tree no longer matches the text.
    (tmp_path / "main.tf").write_text(PLACEHOLDER_MODULE % r'"\"Allow\"", "\"Deny\""')
    loaded = load_module(tmp_path, [])
    elements = tf.elements(tf.policy(loaded, "aws_s3_bucket_policy.p.policy"))
    assert ("/Statement/0/Effect", "Deny") in [(pointer, value) for pointer, value, _, _ in elements]
    assert {at.rsplit("main.tf:", 1)[1] for _, _, at, _ in elements} == {"20:12"}  # all at the policy attribute


def test_replace_with_an_unknown_value_leaves_only_the_strings_holding_the_placeholder_unknown(
    tmp_path: Path, tf: SimpleNamespace
) -> None:
    # terraform-aws-modules/s3-bucket fills its ELB log-delivery statement this way: one unknown region must not
    # make the rest of the bucket policy unknown.
    module = PLACEHOLDER_MODULE % '"_BUCKET_ARN_", var.bucket_arn'
    (tmp_path / "main.tf").write_text('variable "bucket_arn" {\n  type = string\n}\n' + module)
    loaded = load_module(tmp_path, [])
    elements = [
        (pointer, value, at.rsplit("main.tf:", 1)[1], unresolved)
        for pointer, value, at, unresolved in tf.elements(tf.policy(loaded, "aws_s3_bucket_policy.p.policy"))
    ]
    assert elements == [
        ("/Statement/0/Sid", "Deliver", "11:17", None),
        ("/Statement/0/Effect", "Allow", "10:3", None),
        ("/Statement/0/Action", "s3:PutObject", "12:18", None),
        ("/Statement/0/Resource", "${var.bucket_arn}/*", "13:18", "var.bucket_arn"),
        ("/Statement/0/Principal/Service", "logging.s3.amazonaws.com", "16:22", None),
    ]
    assert [(u[0], u[1].rsplit("main.tf:", 1)[1]) for u in tf.unresolved(loaded)] == [("var.bucket_arn", "13:18")]

    # A placeholder the document does not hold: nothing is replaced, whatever the replacement is.
    (tmp_path / "main.tf").write_text(
        'variable "bucket_arn" {\n  type = string\n}\n' + module.replace('"_BUCKET_ARN_", var', '"_ABSENT_", var')
    )
    loaded = load_module(tmp_path, [])
    assert [e[1] for e in tf.elements(tf.policy(loaded, "aws_s3_bucket_policy.p.policy"))][3] == "_BUCKET_ARN_/*"
    assert tf.unresolved(loaded) == []

    # A placeholder in a key cannot become an unknown key: the whole policy stays unknown, as before.
    keyed = module.replace('identifiers = ["logging.s3.amazonaws.com"]', 'identifiers = ["x"]').replace(
        '"Service"', '"_BUCKET_ARN_"'
    )
    (tmp_path / "main.tf").write_text('variable "bucket_arn" {\n  type = string\n}\n' + keyed)
    loaded = load_module(tmp_path, [])
    assert [p.name for p in loaded.policies] == []


def test_arguments_set_to_null_are_left_out(tmp_path: Path) -> None:
    # Modules pass optional statement parts through as `try(statement.value.not_actions, null)`.
    rendered = _document(
        tmp_path,
        """
  policy_id               = null
  source_policy_documents = null
  statement {
    sid           = null
    effect        = null
    actions       = ["kms:Decrypt"]
    not_actions   = null
    resources     = ["*"]
    not_resources = null
  }
""",
    )
    assert rendered.doc is not None
    assert to_python(rendered.doc) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}],
    }


UNUSED_DOCUMENTS = """
data "aws_iam_policy_document" "%s" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "%s" {
  source_policy_documents   = [data.aws_iam_policy_document.%s.json]
  override_policy_documents = data.aws_iam_policy_document.switched_off[*].json
}

data "aws_iam_policy_document" "switched_off" {
  dynamic "statement" {
    for_each = []
    content {
      actions   = ["s3:PutObject"]
      resources = ["*"]
    }
  }
}
"""


def test_unused_documents_are_linted_once_and_empty_ones_not_at_all(tmp_path: Path) -> None:
    # A document merged into another is linted there, whichever comes first; one without statements is a module's
    # building block with its dynamic statements switched off, and nothing grants or attaches it.
    for part, whole in (("part", "whole"), ("z_part", "a_whole")):
        folder = tmp_path / part
        folder.mkdir()
        (folder / "main.tf").write_text(UNUSED_DOCUMENTS % (part, whole, part))
        loaded = load_module(folder, [])
        assert loaded.errors == []
        assert [p.name for p in loaded.policies] == [f"data.aws_iam_policy_document.{whole}.json"]
