"""Terraform's JSON configuration syntax (`*.tf.json`) -> the same IR `hcl.py` makes of a `.tf` file.

Terraform reads a JSON object whose top-level keys are block types (`resource`, `data`, `module`, `provider`,
`variable`, `locals`, `output`, `terraform`), with one level of object per block label. Inside a block, JSON cannot
say whether a key is an argument or a nested block: Terraform asks the provider's schema. Without schemas, the keys
that are nested blocks of the resources iam-preflight reads are listed here (`NESTED_BLOCKS`); any other key is an
argument. Strings are templates (`"${aws_s3_bucket.b.arn}/*"`), a string that is one interpolation is that
expression's value, a variable's `default` is literal JSON, and `"//"` keys are comments: one that holds
`iam-preflight:ignore RULE reason` suppresses findings in the object it sits in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, JsonSyntaxError, parse
from linter.sources.jsonpos import Span as JSpan
from linter.sources.terraform.hcl import (
    IGNORE_COMMENT,
    IGNORE_MARK,
    HclSyntaxError,
    parse_interpolation,
    template_parts,
)

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import (
        Attribute,
        Block,
        Expr,
        FileIR,
        ListExpr,
        Literal_,
        ObjectExpr,
        Span,
        Suppression,
        Template,
    )

# Block types at the top level, with how many labels each has.
_LABELS = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "provider": 1,
    "variable": 1,
    "output": 1,
    "locals": 0,
    "terraform": 0,
}
# Top-level block types that carry nothing iam-preflight reads.
_IGNORED = frozenset({"moved", "import", "removed", "check"})
# Keys that are nested blocks, not arguments, in the blocks iam-preflight reads (the provider schema says so for
# Terraform): aws_iam_policy_document, aws_iam_role, the S3 bucket resources, access points, providers, meta-blocks.
NESTED_BLOCKS = frozenset(
    {
        "statement",
        "principals",
        "not_principals",
        "condition",
        "inline_policy",
        "server_side_encryption_configuration",
        "rule",
        "apply_server_side_encryption_by_default",
        "vpc_configuration",
        "public_access_block_configuration",
        "assume_role",
        "default_tags",
        "lifecycle",
        "provisioner",
        "connection",
        "validation",
        "backend",
        "required_providers",
    }
)
_COMMENT = "//"


def parse_config(text: str) -> FileIR:
    """Parse `.tf.json` text into the IR; raises HclSyntaxError with a one-line message and the position."""
    try:
        root = parse(text)
    except JsonSyntaxError as error:
        raise HclSyntaxError(f"not valid JSON: {error.message}", error.line, error.column) from None
    if not isinstance(root, JObject):
        raise HclSyntaxError("a .tf.json file holds one JSON object", root.span.line, root.span.column)
    reader = _Reader()
    blocks: list[Block] = []
    for member in root.members:
        if member.key == _COMMENT or member.key in _IGNORED:
            continue
        labels = _LABELS.get(member.key)
        if labels is None:
            raise HclSyntaxError(
                f'unknown top-level key "{member.key}" (a block type such as resource, data, module, variable)',
                member.key_span.line,
                member.key_span.column,
            )
        blocks += reader.labelled(member.key, member.value, labels, [])
    return {"blocks": blocks, "attrs": [], "suppressions": reader.suppressions}


def _span(span: JSpan) -> Span:
    return [span.line, span.column, span.end_line, span.end_column]


def _literal(value: str | int | float | bool | None, span: Span) -> Literal_:
    return {"kind": "lit", "value": value, "span": span}


def _key(member: JMember) -> Expr:
    """An object key: a literal string at the key's position."""
    return _literal(member.key, _span(member.key_span))


def _list(items: list[Expr], node: JNode) -> ListExpr:
    return {"kind": "list", "items": items, "span": _span(node.span)}


def _object(items: list[list[Expr]], node: JNode) -> ObjectExpr:
    return {"kind": "obj", "items": items, "span": _span(node.span)}


def _member_span(member: JMember) -> Span:
    return [member.key_span.line, member.key_span.column, member.value.span.end_line, member.value.span.end_column]


class _Reader:
    def __init__(self) -> None:
        self.suppressions: list[Suppression] = []

    def labelled(self, kind: str, node: JNode, labels_left: int, labels: list[str]) -> list[Block]:
        """`{"LABEL": {...}}` levels down to the block bodies (one object, or an array of them)."""
        if labels_left == 0:
            bodies = node.items if isinstance(node, JArray) else [node]
            return [self.block(kind, labels, body) for body in bodies]
        if not isinstance(node, JObject):
            raise HclSyntaxError(
                f"{kind} {' '.join(labels)}: expected an object of labels", node.span.line, node.span.column
            )
        found: list[Block] = []
        for member in node.members:
            if member.key != _COMMENT:
                found += self.labelled(kind, member.value, labels_left - 1, [*labels, member.key])
        return found

    def block(self, kind: str, labels: list[str], body: JNode) -> Block:
        if not isinstance(body, JObject):
            raise HclSyntaxError(f"{kind}: expected an object", body.span.line, body.span.column)
        attrs: list[Attribute] = []
        blocks: list[Block] = []
        for member in body.members:
            if member.key == _COMMENT:
                self.comment(member, body)
            elif kind == "variable" and member.key == "default":
                attrs.append({"name": member.key, "span": _member_span(member), "expr": self.literal(member.value)})
            elif member.key == "dynamic" and isinstance(member.value, JObject):
                blocks += self.labelled("dynamic", member.value, 1, [])
            elif kind == "dynamic" and member.key == "content":
                blocks.append(self.block("content", [], member.value))
            elif member.key in NESTED_BLOCKS and isinstance(member.value, (JObject, JArray)):
                bodies = member.value.items if isinstance(member.value, JArray) else [member.value]
                blocks += [self.block(member.key, [], b) for b in bodies if isinstance(b, JObject)]
            elif member.key in ("provider", "providers") and kind in ("resource", "data", "module"):
                # In HCL these are references (`aws.west`); JSON writes them as strings.
                attrs.append({"name": member.key, "span": _member_span(member), "expr": self.reference(member.value)})
            else:
                attrs.append({"name": member.key, "span": _member_span(member), "expr": self.expr(member.value)})
        return {"type": kind, "labels": labels, "span": _span(body.span), "attrs": attrs, "blocks": blocks}

    def comment(self, member: JMember, around: JObject) -> None:
        text = member.value.value if isinstance(member.value, JScalar) else None
        if not isinstance(text, str) or IGNORE_MARK not in text:
            return
        match = IGNORE_COMMENT.search(text)
        if match is None:
            return
        rules = "".join((match[1] or "").split())
        span = member.key_span
        self.suppressions.append(
            [span.line, span.column, rules, match[2].strip(), around.span.line, around.span.end_line]
        )

    def expr(self, node: JNode) -> Expr:
        if isinstance(node, JArray):
            return _list([self.expr(i) for i in node.items], node)
        if isinstance(node, JObject):
            return _object([[_key(m), self.expr(m.value)] for m in node.members if m.key != _COMMENT], node)
        span = _span(node.span)
        if not isinstance(node.value, str):
            return _literal(node.value, span)
        # A JSON string is a template; its text starts one column after the opening quote.
        parts = template_parts(node.value, node.span.line, node.span.column + 1)
        texts = [p for p in parts if isinstance(p, str)]
        if len(texts) == len(parts):
            return _literal("".join(texts), span)
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0]  # "${expr}" alone is the expression's value, as in HCL
        template: Template = {"kind": "tpl", "parts": parts, "span": span, "text": node.value}
        return template

    def literal(self, node: JNode) -> Expr:
        """Literal JSON: no templates (a variable's default)."""
        if isinstance(node, JArray):
            return _list([self.literal(i) for i in node.items], node)
        if isinstance(node, JObject):
            return _object([[_key(m), self.literal(m.value)] for m in node.members], node)
        return _literal(node.value, _span(node.span))

    def reference(self, node: JNode) -> Expr:
        if isinstance(node, JObject):
            return _object([[_key(m), self.reference(m.value)] for m in node.members], node)
        if isinstance(node, JScalar) and isinstance(node.value, str):
            return parse_interpolation("${" + node.value.removeprefix("${").removesuffix("}") + "}", _span(node.span))
        return self.expr(node)
