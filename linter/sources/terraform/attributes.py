"""What `TYPE.NAME.ATTR` evaluates to: a written argument, an attribute derived from arguments (a bucket's ARN from
its name), or Unknown for what AWS decides at apply time.

Placeholders, chosen so that resources of one configuration compare consistently without pretending to know more:
- The account (data.aws_caller_identity, the account part of an IAM ARN) is `linter.model.THIS_ACCOUNT`, a known
  value: every resource of one root module lives in the one account Terraform runs in, so comparisons between them
  (a key policy's root principal and the signer, a role ARN in a bucket policy) are exact rather than uncertain.
- The region (data.aws_region) likewise reads as `REGION`, marked unresolved.
- The partition (data.aws_partition) resolves to "aws": the ARNs one configuration builds all share a partition, and
  `Bucket.arn` is written for "aws" too, so comparisons between them are right in any partition.
"""

from __future__ import annotations

from collections.abc import Callable

from linter.model import THIS_ACCOUNT
from linter.sources.terraform.evaluate import Evaluator, ResInst
from linter.sources.terraform.values import Scalar, TfSpan, Unknown, Val, is_known, text_of

ACCOUNT = THIS_ACCOUNT
REGION = "${data.aws_region.current.name}"
PARTITION = "aws"

Handler = Callable[[Evaluator, ResInst, str, TfSpan, str], Val | None]


def attribute_value(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val:
    """`inst.name` as seen from an expression at `span`; carries the instance address for joins."""
    handler = _lookup(inst.mode, inst.type)
    value = handler(ev, inst, name, span, text) if handler else None
    if value is None:
        value = inst.arg(name)
    if value is None:
        kind = "data source" if inst.mode == "data" else "resource"
        value = ev.unknown(text, span, f"{name!r} of {kind} {inst.type} is known only after apply")
    if isinstance(value, (Scalar, Unknown)) and value.ref is None:
        value.ref = inst.address
    return value


def _account(ev: Evaluator, span: TfSpan, text: str) -> Scalar:
    return Scalar(span, value=ACCOUNT)


def _named(ev: Evaluator, inst: ResInst, argument: str, span: TfSpan, text: str) -> Val:
    """A name AWS gets from the configuration, or Unknown when Terraform generates it (name_prefix, omitted)."""
    value = inst.arg(argument)
    if value is not None:
        return value
    return ev.unknown(text, span, f"{inst.address} has no {argument}: Terraform generates it at apply")


def _iam_arn(ev: Evaluator, inst: ResInst, kind: str, span: TfSpan, text: str) -> Val:
    name = _named(ev, inst, "name", span, text)
    path = inst.arg("path") or Scalar(span, value="/")
    if isinstance(name, Unknown):
        return name
    parts: list[str | Val] = [f"arn:{PARTITION}:iam::", _account(ev, span, text), f":{kind}", path, name]
    return ev.render(parts, span)


def _iam_identity(kind: str) -> Handler:
    def handler(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
        if name in ("name", "id"):
            return _named(ev, inst, "name", span, text)
        if name == "arn":
            return _iam_arn(ev, inst, kind, span, text)
        return None

    return handler


def _iam_policy(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name == "name":
        return _named(ev, inst, "name", span, text)
    if name in ("arn", "id"):
        return _iam_arn(ev, inst, "policy", span, text)
    return None


def _bucket_name(ev: Evaluator, inst: ResInst, span: TfSpan, text: str) -> Val:
    return _named(ev, inst, "bucket", span, text)


def _s3_bucket(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("id", "bucket"):
        return _bucket_name(ev, inst, span, text)
    if name == "arn":
        bucket = _bucket_name(ev, inst, span, text)
        return bucket if isinstance(bucket, Unknown) else ev.render([f"arn:{PARTITION}:s3:::", bucket], span)
    return None


def _bucket_child(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """aws_s3_bucket_policy and friends: `id` is the bucket name."""
    if name == "id":
        return inst.arg("bucket")
    return None


def _generated(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """KMS key ids and ARNs are chosen by AWS: unknown, but `ref` still joins them to the key."""
    if name in ("arn", "id", "key_id"):
        return ev.unknown(text, span, f"the {name} of {inst.address} is chosen by AWS at apply")
    return None


def _caller_identity(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name == "account_id":
        return _account(ev, span, text)
    return ev.unknown(text, span, "the caller identity is known only when Terraform runs")


def _partition(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("partition", "id"):
        return Scalar(span, value=PARTITION)
    if name == "dns_suffix":
        return Scalar(span, value="amazonaws.com")
    return None


def _region(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("name", "id", "region"):
        written = inst.arg("name") or inst.arg("region")
        if written is not None and is_known(written):
            return written
        ev.reasons.setdefault(text, "the region comes from the provider configuration")
        return Scalar(span, value=REGION, unresolved=text)
    return None


def _policy_document(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("json", "minified_json"):
        from linter.sources.terraform.policy_document import render

        return render(ev, inst)
    return None


def _data_iam_identity(kind: str) -> Handler:
    def handler(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
        if name == "arn":
            written = inst.arg("arn")
            if written is not None:
                return written
            role_name = inst.arg("name") or inst.arg("role_name") or inst.arg("user_name")
            if role_name is not None and text_of(role_name) is not None:
                return ev.render([f"arn:{PARTITION}:iam::", _account(ev, span, text), f":{kind}/", role_name], span)
        if name in ("name", "id"):
            return inst.arg("name")
        return ev.unknown(text, span, f"data source {inst.type} is read from AWS when Terraform runs")

    return handler


def _data_s3_bucket(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("id", "bucket"):
        return inst.arg("bucket")
    if name == "arn":
        bucket = inst.arg("bucket")
        return ev.render([f"arn:{PARTITION}:s3:::", bucket], span) if bucket is not None else None
    return ev.unknown(text, span, "data source aws_s3_bucket is read from AWS when Terraform runs")


def _data_default(ev: Evaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """A data source's written arguments are known; everything it reads is not."""
    return inst.arg(name) or ev.unknown(text, span, f"data source {inst.type} is read from AWS when Terraform runs")


_HANDLERS: dict[tuple[str, str], Handler] = {
    ("resource", "aws_iam_role"): _iam_identity("role"),
    ("resource", "aws_iam_user"): _iam_identity("user"),
    ("resource", "aws_iam_group"): _iam_identity("group"),
    ("resource", "aws_iam_policy"): _iam_policy,
    ("resource", "aws_s3_bucket"): _s3_bucket,
    ("resource", "aws_s3_bucket_policy"): _bucket_child,
    ("resource", "aws_s3_bucket_public_access_block"): _bucket_child,
    ("resource", "aws_s3_bucket_server_side_encryption_configuration"): _bucket_child,
    ("resource", "aws_s3_bucket_ownership_controls"): _bucket_child,
    ("resource", "aws_kms_key"): _generated,
    ("resource", "aws_kms_replica_key"): _generated,
    ("data", "aws_caller_identity"): _caller_identity,
    ("data", "aws_partition"): _partition,
    ("data", "aws_region"): _region,
    ("data", "aws_iam_policy_document"): _policy_document,
    ("data", "aws_iam_role"): _data_iam_identity("role"),
    ("data", "aws_iam_user"): _data_iam_identity("user"),
    ("data", "aws_iam_group"): _data_iam_identity("group"),
    ("data", "aws_s3_bucket"): _data_s3_bucket,
}


def _lookup(mode: str, kind: str) -> Handler | None:
    if (mode, kind) in _HANDLERS:
        return _HANDLERS[(mode, kind)]
    return _data_default if mode == "data" else None
