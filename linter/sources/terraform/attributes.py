"""What `TYPE.NAME.ATTR` evaluates to: a written argument, an attribute derived from arguments (a bucket's ARN from
its name), or Unknown for what AWS decides at apply time.

Placeholders, chosen so that resources of one configuration compare consistently without pretending to know more:
- The account (data.aws_caller_identity, the account part of an IAM ARN) is `linter.model.THIS_ACCOUNT`, a known
  value: every resource of one root module lives in the one account Terraform runs in, so comparisons between them
  (a key policy's root principal and the signer, a role ARN in a bucket policy) are exact rather than uncertain.
- The region is the ROOT module's `provider "aws" { region = ... }` (a literal, or a variable or local with a
  value), inherited by child modules as Terraform passes providers (`providers = { aws = aws.west }` included), or a
  resource's own `region` argument (AWS provider 6). data.aws_region then resolves to it. When no configuration sets
  it, the region comes from the environment Terraform runs in (AWS_REGION, the profile): the linter never reads its
  own environment for that, so data.aws_region reads as `REGION` below, marked unresolved.
- KMS keys and aliases get stand-in ids, since AWS chooses key ids at apply: `aws_kms_key.x.key_id`/`.id` is the
  key's address, `.arn` is `KmsKey.stand_in_arn("key/ADDRESS", region)` and `aws_kms_alias.x.arn` is
  `KmsKey.stand_in_arn("alias/NAME", region)` -- exactly `KmsKey.arn` of the inventory's key, so a policy naming the
  key matches the ARN the pre-flight asks about; `aws_s3_access_point.x.arn` is `AccessPoint.arn` the same way.
  Without a known region these ARNs read `KmsKey.THIS_REGION`, known: like the account, the region is one for every
  resource of a root module (see `KmsKey`).
- The partition (data.aws_partition) resolves to "aws": the ARNs one configuration builds all share a partition, and
  `Bucket.arn` is written for "aws" too, so comparisons between them are right in any partition.
"""

from __future__ import annotations

from collections.abc import Callable

from linter.model import THIS_ACCOUNT, regional_arn
from linter.sources.terraform.interface import (
    BlockView,
    ExpressionEvaluator,
    ModuleInstance,
    ResInst,
    not_null,
    provider_ref,
    region_of,
)
from linter.sources.terraform.module import attribute
from linter.sources.terraform.policy_document import render
from linter.sources.terraform.values import ObjVal, Scalar, TfSpan, Unknown, Val, is_known, text_of, unknowns

ACCOUNT = THIS_ACCOUNT
REGION = "${data.aws_region.current.name}"
KMS_KEY_TYPES = ("aws_kms_key", "aws_kms_replica_key")
PARTITION = "aws"

Handler = Callable[[ExpressionEvaluator, ResInst, str, TfSpan, str], Val | None]


def attribute_value(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val:
    """`inst.name` as seen from an expression at `span`; carries the instance address for joins."""
    token = (id(inst), f"attribute {name}")
    if token in ev.busy:  # resources whose arguments refer to each other: Terraform refuses the cycle
        return ev.unknown(text, span, f"{inst.address}.{name} refers to itself", error=True)
    ev.busy.add(token)
    try:
        handler = _lookup(inst.mode, inst.type)
        value = handler(ev, inst, name, span, text) if handler else None
        if value is None:
            value = inst.arg(name)
    finally:
        ev.busy.discard(token)
    if value is None:
        kind = "data source" if inst.mode == "data" else "resource"
        value = ev.unknown(text, span, f"{name!r} of {kind} {inst.type} is known only after apply")
    if isinstance(value, (Scalar, Unknown)) and value.ref is None:
        value.ref = inst.address
    return value


def _account(ev: ExpressionEvaluator, span: TfSpan, text: str) -> Scalar:
    return Scalar(span, value=ACCOUNT)


def _named(ev: ExpressionEvaluator, inst: ResInst, argument: str, span: TfSpan, text: str) -> Val:
    """A name AWS gets from the configuration, or Unknown when Terraform generates it (name_prefix, omitted)."""
    value = inst.arg(argument)
    if value is not None:
        return value
    return ev.unknown(text, span, f"{inst.address} has no {argument}: Terraform generates it at apply")


def _iam_arn(ev: ExpressionEvaluator, inst: ResInst, kind: str, span: TfSpan, text: str) -> Val:
    name = _named(ev, inst, "name", span, text)
    path = inst.arg("path") or Scalar(span, value="/")
    if isinstance(name, Unknown):
        return name
    parts: list[str | Val] = [f"arn:{PARTITION}:iam::", _account(ev, span, text), f":{kind}", path, name]
    return ev.render(parts, span)


def _iam_identity(kind: str) -> Handler:
    def handler(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
        if name in ("name", "id"):
            return _named(ev, inst, "name", span, text)
        if name == "arn":
            return _iam_arn(ev, inst, kind, span, text)
        if name == "tags_all" and kind != "group":
            return tags_all(inst)
        return None

    return handler


def tags_all(view: BlockView) -> Val:
    """`tags_all`: the resource's `tags` merged over its provider configuration's `default_tags { tags = ... }`,
    resource tags winning on the same key (HashiCorp, "Default Tags in the Terraform AWS Provider": "Setting default
    tags at the provider level will not supersede tags set on individual resources as resource tags take
    precedence."). A tag set to null is left out. An Unknown when either map is not known as a whole (its keys are
    then unknown too)."""
    merged: dict[str, tuple[TfSpan, Val]] = {}
    for value in (default_tags(view), view.arg("tags")):
        if value is None:
            continue
        if not isinstance(value, ObjVal):
            return value if isinstance(value, Unknown) else Unknown(value.span, expr="tags", reason="tags is not a map")
        merged.update((key, (span, member)) for key, (span, member) in value.members.items() if not_null(member))
    return ObjVal(view.span(), members=merged)


def default_tags(view: BlockView) -> Val | None:
    """The `default_tags { tags = ... }` of the provider configuration the resource uses, found as Terraform passes
    providers to child modules (a module's own block, else the one its call passes, else its parent's default);
    None when that configuration sets none."""
    ref = provider_ref(view.block)
    inst: ModuleInstance | None = view.scope.inst
    while ref is not None and inst is not None:
        config = inst.module.providers.get(ref)
        if config is not None:
            scope = inst.scope(config.file)
            for block, block_scope in inst.ev.blocks(config.node, "default_tags", scope):
                tags = attribute(block, "tags")
                if tags is not None:
                    return not_null(inst.ev.eval(tags["expr"], block_scope))
            return None
        # evaluate.Instance keeps its parent and its call's `providers` argument (None when absent).
        passed: dict[str, str] | None = getattr(inst, "passed", None)
        ref = (ref if "." not in ref else None) if passed is None else passed.get(ref)
        inst = getattr(inst, "parent", None)
    return None


def _iam_policy(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name == "name":
        return _named(ev, inst, "name", span, text)
    if name in ("arn", "id"):
        return _iam_arn(ev, inst, "policy", span, text)
    return None


def _bucket_name(ev: ExpressionEvaluator, inst: ResInst, span: TfSpan, text: str) -> Val:
    return _named(ev, inst, "bucket", span, text)


def _s3_bucket(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("id", "bucket"):
        return _bucket_name(ev, inst, span, text)
    if name == "arn":
        bucket = _bucket_name(ev, inst, span, text)
        return bucket if isinstance(bucket, Unknown) else ev.render([f"arn:{PARTITION}:s3:::", bucket], span)
    return None


def _bucket_child(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """aws_s3_bucket_policy and friends: `id` is the bucket name."""
    if name == "id":
        return inst.arg("bucket")
    return None


def _region_reason(region: Val | None) -> str:
    if region is None:
        return (
            "no provider configuration sets the region: it comes from the environment Terraform runs in "
            '(set `region` in the provider "aws" block)'
        )
    return f"the region depends on {', '.join(unknowns(region)) or 'an unknown value'}"


def resource_type(address: str | None) -> str | None:
    """The resource type of an address: `module.m.aws_kms_key.k["a.b"]` -> `aws_kms_key`."""
    if address is None:
        return None
    plain, depth = [], 0
    for char in address:
        depth += char == "["
        if depth == 0:
            plain.append(char)
        depth -= char == "]"
    parts = "".join(plain).split(".")
    return parts[-2] if len(parts) >= 2 else None


def _regional_arn(ev: ExpressionEvaluator, inst: ResInst, service: str, resource: Val, span: TfSpan, text: str) -> Val:
    """`regional_arn` of a resource of these inputs (a KMS key, alias, access point) in the resource's region.

    Without a known region the ARN reads `KmsKey.THIS_REGION`: the resource and the policies that name it by
    reference share the configuration's one region, so the two compare exactly (see `KmsKey`).
    """
    if isinstance(resource, Unknown):
        return resource
    region = region_of(inst)
    known = text_of(region) if region is not None and is_known(region) else None
    missing = unknowns(resource)
    value = regional_arn(service, text_of(resource) or "", known)
    return Scalar(span, value=value, unresolved=", ".join(dict.fromkeys(missing)) or None)


def _kms_arn(ev: ExpressionEvaluator, inst: ResInst, resource: Val, span: TfSpan, text: str) -> Val:
    """`KmsKey.stand_in_arn` of a key (`key/ADDRESS`) or alias (`alias/NAME`)."""
    return _regional_arn(ev, inst, "kms", resource, span, text)


def _access_point(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """`AccessPoint.arn`; `id` is `ACCOUNT:NAME`; the alias is AWS's choice (unknown, from the default)."""
    if name == "name":
        return _named(ev, inst, "name", span, text)
    if name == "arn":
        point = _named(ev, inst, "name", span, text)
        if isinstance(point, Unknown):
            return point
        return _regional_arn(ev, inst, "s3", ev.render(["accesspoint/", point], span), span, text)
    if name == "id":
        point = _named(ev, inst, "name", span, text)
        return point if isinstance(point, Unknown) else ev.render([_account(ev, span, text), ":", point], span)
    return None


def _kms_key(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """AWS chooses key ids at apply: the address stands in for the id (see the module docstring)."""
    if name in ("id", "key_id"):
        return Scalar(span, value=inst.address)
    if name == "arn":
        return _kms_arn(ev, inst, Scalar(span, value=f"key/{inst.address}"), span, text)
    return None


def _kms_alias(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """An alias's name and ARN; `target_key_arn` is its key's ARN (an alias lives in its key's region)."""
    if name in ("name", "id"):
        return _named(ev, inst, "name", span, text)
    if name == "arn":
        return _kms_arn(ev, inst, _named(ev, inst, "name", span, text), span, text)
    if name == "target_key_arn":
        target = inst.arg("target_key_id")
        if target is not None and target.ref is not None and resource_type(target.ref) in KMS_KEY_TYPES:
            return _kms_arn(ev, inst, Scalar(span, value=f"key/{target.ref}"), span, text)
        if target is not None and (text_of(target) or "").startswith("arn:"):
            return target
    return None


def _stand_in_id(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """VPCs and VPC endpoints: AWS chooses their ids at apply, so the address stands in for the id (as for KMS
    keys): a bucket policy's aws:SourceVpce condition naming `aws_vpc_endpoint.s3.id` then compares exactly with
    the endpoint a pre-signed URL is declared to be opened through."""
    if name == "id":
        return Scalar(span, value=inst.address)
    return None


def _caller_identity(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """`account_id`, and `id`, which the provider sets to the account id too."""
    if name in ("account_id", "id"):
        return _account(ev, span, text)
    return ev.unknown(text, span, "the caller identity is known only when Terraform runs")


def _partition(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("partition", "id"):
        return Scalar(span, value=PARTITION)
    if name == "dns_suffix":
        return Scalar(span, value="amazonaws.com")
    return None


_ARN_PARTS = ("partition", "service", "region", "account", "resource")


def _arn(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """data.aws_arn: the parts of its `arn` argument, as the provider's arn.Parse splits it: `arn:` then partition,
    service, region and account separated by ":", and the rest (colons included) the resource; `id` is the ARN.
    A malformed ARN is the error the provider reports; an unknown one leaves every part unknown."""
    written = inst.arg("arn")
    if name in {"arn", "id"}:
        return written
    if name not in _ARN_PARTS or written is None:
        return None
    arn = text_of(written) if is_known(written) else None
    if arn is None:
        return ev.unknown(text, span, f"the ARN depends on {', '.join(unknowns(written)) or 'an unknown value'}")
    sections = arn.split(":", 5)
    if len(sections) != 6 or sections[0] != "arn":
        return ev.unknown(text, span, f"data.aws_arn: {arn!r} is not an ARN", error=True)
    return Scalar(span, value=sections[1 + _ARN_PARTS.index(name)])


def _region(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    """data.aws_region: the region it names (`name`, `region`), else its provider's; REGION when unknown."""
    if name in ("name", "id", "region"):
        region = inst.arg("name") or region_of(inst)
        known = text_of(region) if region is not None and is_known(region) else None
        if known is not None:
            return Scalar(span, value=known)
        ev.reasons.setdefault(text, _region_reason(region))
        return Scalar(span, value=REGION, unresolved=text)
    return None


def _policy_document(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("json", "minified_json"):
        return render(ev, inst)
    return None


def _data_iam_identity(kind: str) -> Handler:
    def handler(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
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


def _data_s3_bucket(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
    if name in ("id", "bucket"):
        return inst.arg("bucket")
    if name == "arn":
        bucket = inst.arg("bucket")
        return ev.render([f"arn:{PARTITION}:s3:::", bucket], span) if bucket is not None else None
    return ev.unknown(text, span, "data source aws_s3_bucket is read from AWS when Terraform runs")


def _data_default(ev: ExpressionEvaluator, inst: ResInst, name: str, span: TfSpan, text: str) -> Val | None:
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
    ("resource", "aws_s3_access_point"): _access_point,
    ("resource", "aws_vpc"): _stand_in_id,
    ("resource", "aws_vpc_endpoint"): _stand_in_id,
    ("resource", "aws_kms_key"): _kms_key,
    ("resource", "aws_kms_replica_key"): _kms_key,
    ("resource", "aws_kms_alias"): _kms_alias,
    ("data", "aws_caller_identity"): _caller_identity,
    ("data", "aws_partition"): _partition,
    ("data", "aws_arn"): _arn,
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
