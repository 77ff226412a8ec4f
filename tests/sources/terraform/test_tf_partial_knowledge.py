"""Partial knowledge is kept: one unknown string leaves every element that does not depend on it exact."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from linter.sources.jsonpos import JArray, JObject, JScalar
from linter.sources.terraform import load_module
from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.values import ListVal, ObjVal, Scalar, Unknown, Val

DOCUMENT = """
variable "suffix" {
  type = string
}

resource "random_pet" "this" {}

data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::_BUCKET_/*"]
  }
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::_BUCKET_", "arn:aws:s3:::fixed-${var.suffix}"]
  }
  statement {
    sid       = "Other"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::other/*"]
  }
}
"""


def _local(folder: Path, expr: str, extra: str = DOCUMENT) -> Val:
    (folder / "main.tf").write_text(f"locals {{\n  x = {expr}\n}}\n{extra}")
    ev = Evaluator()
    module = ev.module(folder)
    assert module.errors == []
    return Instance(ev, module, "", root_inputs(ev, module, [])).local("x")


def _strings(value: Val) -> list[tuple[object, str | None]]:
    assert isinstance(value, Scalar) and value.doc is not None
    found: list[tuple[object, str | None]] = []

    def walk(node: object) -> None:
        if isinstance(node, JScalar):
            if isinstance(node.value, str):
                found.append((node.value, node.unresolved))
        elif isinstance(node, JArray):
            for item in node.items:
                walk(item)
        elif isinstance(node, JObject):
            for member in node.members:
                walk(member.value)

    walk(value.doc)
    return found


def test_replace_with_an_unknown_makes_only_the_strings_holding_the_placeholder_unknown(tmp_path: Path) -> None:
    result = _local(tmp_path, 'replace(data.aws_iam_policy_document.d.json, "_BUCKET_", random_pet.this.id)')
    assert isinstance(result, Scalar)
    assert result.unresolved == "var.suffix, random_pet.this.id"
    assert [s for s in _strings(result) if s[0].startswith("arn:")] == [  # type: ignore[union-attr]
        ("arn:aws:s3:::${random_pet.this.id}/*", "random_pet.this.id"),
        ("arn:aws:s3:::fixed-${var.suffix}", "var.suffix"),
        ("arn:aws:s3:::${random_pet.this.id}", "random_pet.this.id"),
        ("arn:aws:s3:::other/*", None),
    ]


def test_replace_chains_on_a_partly_unknown_document_stay_exact(tmp_path: Path) -> None:
    # The second replace() sees a document already partly unknown: its known strings are still rewritten, and the
    # placeholders of its unknown parts are left alone
    expr = 'replace(replace(data.aws_iam_policy_document.d.json, "_BUCKET_", random_pet.this.id), "other", "known")'
    result = _local(tmp_path, expr)
    assert [s for s in _strings(result) if s[0].startswith("arn:")] == [  # type: ignore[union-attr]
        ("arn:aws:s3:::${random_pet.this.id}/*", "random_pet.this.id"),
        ("arn:aws:s3:::fixed-${var.suffix}", "var.suffix"),
        ("arn:aws:s3:::${random_pet.this.id}", "random_pet.this.id"),
        ("arn:aws:s3:::known/*", None),
    ]
    assert isinstance(result, Scalar) and '"arn:aws:s3:::known/*"' in str(result.value)


def test_replace_that_may_touch_more_than_strings_stays_unknown(tmp_path: Path) -> None:
    # A key holds the pattern: a key cannot become unknown
    assert isinstance(
        _local(tmp_path, 'replace(data.aws_iam_policy_document.d.json, "Sid", random_pet.this.id)'), Unknown
    )
    # The pattern holds a quote: it may cross a string's end, so per-string replacement is not the same
    quoted = 'replace(data.aws_iam_policy_document.d.json, "\\"Read", random_pet.this.id)'
    assert isinstance(_local(tmp_path, quoted), Unknown)
    # The pattern is in the JSON punctuation (": "): the same
    assert isinstance(
        _local(tmp_path, 'replace(data.aws_iam_policy_document.d.json, ": ", random_pet.this.id)'), Unknown
    )


def test_templates_and_format_keep_their_known_text(tmp_path: Path) -> None:
    value = _local(tmp_path, 'format("arn:aws:s3:::%s/%s", random_pet.this.id, "logs/*")')
    assert isinstance(value, Scalar)
    assert (value.value, value.unresolved) == ("arn:aws:s3:::${random_pet.this.id}/logs/*", "random_pet.this.id")


def test_an_unknown_source_document_leaves_the_others_exact(tmp_path: Path, tf: SimpleNamespace) -> None:
    # Source documents may not share Sids (the provider refuses them), so an unknown one replaces nothing
    (tmp_path / "main.tf").write_text(
        """
variable "extra" {
  type = string
}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
  }
}

data "aws_iam_policy_document" "combined" {
  source_policy_documents = [data.aws_iam_policy_document.base.json, var.extra]
}

resource "aws_iam_policy" "p" {
  name   = "p"
  policy = data.aws_iam_policy_document.combined.json
}
"""
    )
    loaded = load_module(tmp_path)
    policy = tf.policy(loaded, "aws_iam_policy.p.policy")
    assert [(e[0], e[1], e[3]) for e in tf.elements(policy)] == [
        ("/Statement/0/Sid", "Read", None),
        ("/Statement/0/Effect", "Allow", None),
        ("/Statement/0/Action", "s3:GetObject", None),
        ("/Statement/0/Resource", "arn:aws:s3:::b/*", None),
        # an identity policy: the unknown statement names no principal
        ("/Statement/1/Effect", "${var.extra}", "var.extra"),
        ("/Statement/1/Action", "${var.extra}", "var.extra"),
        ("/Statement/1/Resource", "${var.extra}", "var.extra"),
    ]


def test_concat_and_merge_keep_their_known_elements(tmp_path: Path) -> None:
    # An unknown element leaves the list's length and its other elements known
    listed = _local(tmp_path, 'concat(["arn:aws:s3:::a"], [random_pet.this.id])')
    assert isinstance(listed, ListVal)
    assert [(item.value, item.unresolved) if isinstance(item, Scalar) else item.expr for item in listed.items] == [  # type: ignore[union-attr]
        ("arn:aws:s3:::a", None),
        "random_pet.this.id",
    ]
    # An unknown member value leaves the object's keys and other members known
    merged = _local(tmp_path, 'merge({ a = "x" }, { b = random_pet.this.id })')
    assert isinstance(merged, ObjVal) and list(merged.members) == ["a", "b"]
    assert isinstance(merged.get("b"), Unknown)
    # A wholly unknown list or map: which elements or keys there are is unknown, so the result is (never guessed)
    assert isinstance(_local(tmp_path, 'concat(["a"], var.suffix == "" ? [] : ["b"])'), Unknown)
    assert isinstance(_local(tmp_path, 'merge({ a = "x" }, var.suffix == "" ? {} : { b = "y" })'), Unknown)
