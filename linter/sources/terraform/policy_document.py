"""data "aws_iam_policy_document" -> the positioned JSON the AWS provider would render.

The rendering follows the provider (internal/service/iam/policy_document_data_source.go and policy_model.go), so
that the JSON pointers match the real document: source_policy_documents first, then this document's statements,
then override_policy_documents, a statement with a Sid replacing an earlier one with the same Sid; key order
Version, Id, Statement and Sid, Effect, Action, NotAction, Resource, NotResource, Principal, NotPrincipal,
Condition; a set with one element rendered as a string and larger sets sorted in reverse; `&{` turned into `${` in
resources, principals and condition values; Principal and Condition keys sorted. Each element is located at the
attribute (or list item) that wrote it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from linter.record import record
from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, JsonSyntaxError, Span, parse, to_python
from linter.sources.terraform.interface import ExpressionEvaluator, ResInst, Scope, not_null
from linter.sources.terraform.module import attribute
from linter.sources.terraform.values import (
    ListVal,
    Scalar,
    TfSpan,
    Unknown,
    Val,
    is_known,
    pinned,
    placeholder,
    split_exprs,
    text_of,
    unknowns,
)

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Block

DEFAULT_VERSION = "2012-10-17"
UNKNOWN_PRINCIPAL_TYPE = "AWS"  # the key an unknown principal is read under (see `_principal_entry`)
_SETS = (("actions", "Action", False), ("not_actions", "NotAction", False))
_RESOURCE_SETS = (("resources", "Resource", True), ("not_resources", "NotResource", True))
_SOURCES = ("source_policy_documents", "source_json")
_OVERRIDES = ("override_policy_documents", "override_json")
MERGED_ARGUMENTS = _SOURCES + _OVERRIDES  # the arguments that merge other documents into this one


def render(ev: ExpressionEvaluator, inst: ResInst) -> Val:
    """The data source's `json` attribute: the rendered string, carrying its positioned tree."""
    if inst.address not in ev.documents:
        document = build(ev, inst)
        missing = list(dict.fromkeys(_unresolved(document)))
        text = json.dumps(to_python(document), indent=2)
        ev.documents[inst.address] = Scalar(
            inst.span(), ref=inst.address, value=text, unresolved=", ".join(missing) or None, doc=document
        )
    return ev.documents[inst.address]


def build(ev: ExpressionEvaluator, inst: ResInst) -> JObject:
    span = inst.span()
    version, version_span = _version(inst, "version", DEFAULT_VERSION)
    policy_id: JScalar | None = None
    statements: list[JNode] = []
    for name in _SOURCES:
        version = _merge_documents(ev, inst.arg(name), statements, version, span)
    own = [_statement(ev, block, scope) for block, scope in ev.blocks(inst.block, "statement", inst.scope)]
    _merge(statements, own, overriding=True)  # the document's own statements replace sources' of the same Sid
    for name in _OVERRIDES:
        version = _merge_documents(ev, inst.arg(name), statements, version, span, overriding=True)
    written_id = inst.arg("policy_id")
    if written_id is not None:
        policy_id = _scalar(written_id, False)
    members = [JMember("Version", version_span, version)]
    if policy_id is not None:
        members.append(JMember("Id", inst.arg_span("policy_id"), policy_id))
    if statements:
        members.append(JMember("Statement", span, JArray(statements, span)))
    return JObject(members, span)


def _version(inst: ResInst, name: str, default: str) -> tuple[JScalar, TfSpan]:
    written = inst.arg(name)
    if written is None:
        return JScalar(default, inst.span()), inst.span()
    return _scalar(written, False), inst.arg_span(name)


def _merge_documents(
    ev: ExpressionEvaluator,
    value: Val | None,
    statements: list[JNode],
    version: JScalar,
    span: TfSpan,
    overriding: bool = False,
) -> JScalar:
    """Merge source or override documents (a list of JSON strings, or one for the deprecated *_json).

    An unknown document is one unknown statement. Only an override document can replace statements merged before
    it (the provider refuses source documents that share a Sid), so an unknown override document makes every
    earlier statement with a Sid uncertain, while an unknown source document leaves the others exact."""
    if value is None:
        return version
    if isinstance(value, Unknown):  # the list itself: how many documents, and which, is unknown
        _merge(statements, [unknown_statement(value.expr, value.span)], overriding)
        return version
    documents = value.items if isinstance(value, ListVal) else [value]
    for document in documents:
        root = _document_root(document)
        if root is None:
            expr = _expression(document)
            _merge(statements, [unknown_statement(expr, document.span)], overriding)
            continue
        raw = root.get("Statement")
        found: list[JNode] = raw.items if isinstance(raw, JArray) else ([raw] if isinstance(raw, JObject) else [])
        _merge(statements, found, overriding)
        theirs = root.get("Version")
        if isinstance(theirs, JScalar) and isinstance(theirs.value, str) and str(theirs.value) > str(version.value):
            version = theirs
    return version


def _document_root(value: Val) -> JObject | None:
    """The positioned tree of a merged document; None when it is unknown."""
    if isinstance(value, Scalar) and isinstance(value.doc, JObject):
        return value.doc
    if isinstance(value, Scalar) and isinstance(value.value, str) and value.unresolved is None and value.value:
        try:
            root = pinned(parse(value.value), value.span)
        except JsonSyntaxError:
            return None
        return root if isinstance(root, JObject) else None
    return None


def _expression(value: Val) -> str:
    if isinstance(value, Unknown):
        return value.expr
    if isinstance(value, Scalar) and value.unresolved:
        return value.unresolved
    return "source document"


def _sid(node: JNode) -> str | None:
    if isinstance(node, JObject):
        sid = node.get("Sid")
        if isinstance(sid, JScalar) and isinstance(sid.value, str) and sid.value and sid.unresolved is None:
            return sid.value
    return None


def _merge(statements: list[JNode], new: list[JNode], overriding: bool = False) -> None:
    """The provider's Merge: a statement with a Sid replaces the earlier one with that Sid, others are appended.

    `overriding`: the new statements may replace those merged before (the document's own statements, override
    documents). A new statement whose Sid is unknown (an unknown statement, or an unknown `sid`) may then replace any
    earlier statement with a Sid: those become unknown statements, since which of them survives is not known; the
    statements without a Sid are kept, as nothing replaces them."""
    earlier = set(range(len(statements)))  # what a statement of this layer may replace (one layer has unique Sids)
    for statement in new:
        sid = _sid(statement)
        if sid is None and overriding and _sid_unknown(statement):
            expr = _unknown_sid_expr(statement)
            for index in sorted(earlier):
                if _sid(statements[index]) is not None:
                    statements[index] = unknown_statement(expr, statements[index].span)
                    earlier.discard(index)
        existing = next((i for i, s in enumerate(statements) if sid is not None and _sid(s) == sid), None)
        if existing is None:
            statements.append(statement)
        else:
            statements[existing] = statement
            earlier.discard(existing)


def _sid_unknown(node: JNode) -> bool:
    if isinstance(node, UnknownStatement):
        return True
    sid = node.get("Sid") if isinstance(node, JObject) else None
    return isinstance(sid, JScalar) and sid.unresolved is not None


def _unknown_sid_expr(node: JNode) -> str:
    if isinstance(node, UnknownStatement):
        return node.expr
    sid = node.get("Sid") if isinstance(node, JObject) else None
    return split_exprs(sid.unresolved)[0] if isinstance(sid, JScalar) and sid.unresolved else "Sid"


@record(slots=True)
class UnknownStatement(JObject):
    """A statement whose content is unknown (a `dynamic "statement"` over an unknown collection, a merged document
    that is unknown): any number of statements, each of any content. Every element it has is unresolved; whether it
    names a principal is decided by the policy's use (`with_unknown_principals`)."""

    expr: str = ""


def unknown_statement(expr: str, span: Span, with_principal: bool = False) -> UnknownStatement:
    """A statement whose content is unknown: every element unresolved, so rules treat it as uncertain, not absent."""

    def unknown() -> JScalar:
        return JScalar(placeholder(expr), span, unresolved=expr)

    members = [JMember("Effect", span, unknown()), JMember("Action", span, unknown())]
    members.append(JMember("Resource", span, unknown()))
    if with_principal:
        members.append(JMember("Principal", span, JObject([JMember(UNKNOWN_PRINCIPAL_TYPE, span, unknown())], span)))
    return UnknownStatement(members, span, expr=expr)


def with_unknown_principals(root: JNode) -> JNode:
    """The document as a policy that takes principals reads it (trust, resource, key policies): its unknown
    statements name an unknown principal, since a statement there always names one (a missing Principal would be
    reported as an error that nothing written shows). The document itself is shared, so it is copied, not changed."""
    raw = root.get("Statement") if isinstance(root, JObject) else None
    if not isinstance(root, JObject) or not isinstance(raw, JArray):
        return root
    if not any(isinstance(item, UnknownStatement) and item.get("Principal") is None for item in raw.items):
        return root
    items: list[JNode] = [
        unknown_statement(item.expr, item.span, with_principal=True)
        if isinstance(item, UnknownStatement) and item.get("Principal") is None
        else item
        for item in raw.items
    ]
    members = [JMember(m.key, m.key_span, JArray(items, raw.span) if m.value is raw else m.value) for m in root.members]
    return JObject(members, root.span, root.duplicates)


# --- one statement block -------------------------------------------------------------------------------------------


def _statement(ev: ExpressionEvaluator, block: Block, scope: Scope) -> JNode:
    span = scope.span(block["span"])
    if block.get("unknown"):
        return unknown_statement(block["unknown"], span)

    def arg(name: str) -> tuple[Val, TfSpan] | None:
        written = attribute(block, name)
        value = not_null(ev.eval(written["expr"], scope)) if written else None
        return (value, scope.span(written["span"])) if written and value is not None else None

    members: list[JMember] = []
    sid = arg("sid")
    if sid is not None and text_of(sid[0]) != "":
        members.append(JMember("Sid", sid[1], _scalar(sid[0], False)))
    effect = arg("effect")
    members.append(
        JMember("Effect", effect[1], _scalar(effect[0], False))
        if effect
        else JMember("Effect", span, JScalar("Allow", span))
    )
    for name, key, variables in _SETS + _RESOURCE_SETS:
        written = arg(name)
        node = _string_set(written[0], variables) if written else None
        if node is not None and written is not None:
            members.append(JMember(key, written[1], node))
    for kind, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = _principals(ev, ev.blocks(block, kind, scope))
        if principals is not None:
            members.append(JMember(key, principals.span, principals))
    conditions = _conditions(ev, ev.blocks(block, "condition", scope))
    if conditions is not None:
        members.append(JMember("Condition", conditions.span, conditions))
    return JObject(members, span)


def _scalar(value: Val, variables: bool) -> JScalar:
    """A string element: numbers and bools become their string form (the provider's schema is string-typed)."""
    if isinstance(value, Unknown):
        return JScalar(placeholder(value.expr), value.span, unresolved=value.expr)
    text = text_of(value)
    if text is None:
        return JScalar(None, value.span)
    if variables:
        text = text.replace("&{", "${")
    unresolved = value.unresolved if isinstance(value, Scalar) else None
    return JScalar(text, value.span, unresolved=unresolved)


def _string_set(value: Val, variables: bool) -> JNode | None:
    """A set of strings as the provider renders it: omitted when empty, a string when single, else reverse sorted."""
    if isinstance(value, Unknown):
        return _scalar(value, variables)
    items = value.items if isinstance(value, ListVal) else [value]
    unique: dict[object, JScalar] = {}
    for item in items:
        scalar = _scalar(item, variables)
        unique.setdefault(scalar.value, scalar)
    if not unique:
        return None
    if len(unique) == 1:
        return next(iter(unique.values()))
    ordered = sorted(unique.values(), key=lambda s: str(s.value), reverse=True)
    return JArray(list(ordered), value.span)


def _principals(ev: ExpressionEvaluator, blocks: list[tuple[Block, Scope]]) -> JNode | None:
    """principals blocks -> `"*"` (one `*` of type `*`) or `{type: identifiers}`, types sorted, same types joined."""
    if not blocks:
        return None
    grouped: dict[str, tuple[TfSpan, list[JNode]]] = {}
    for block, scope in blocks:
        span = scope.span(block["span"])
        kind_text, kind_span, ids = _principal_entry(ev, block, scope, span)
        if ids is None:
            continue
        if len(blocks) == 1 and kind_text == "*" and isinstance(ids, JScalar) and ids.value == "*":
            return JScalar("*", span)
        entry = grouped.setdefault(kind_text, (kind_span, []))
        entry[1].extend(ids.items if isinstance(ids, JArray) else [ids])
    members = []
    for kind_text in sorted(grouped):
        kind_span, values = grouped[kind_text]
        node: JNode = values[0] if len(values) == 1 else JArray(list(values), values[0].span)
        members.append(JMember(kind_text, kind_span, node))
    return JObject(members, blocks[0][1].span(blocks[0][0]["span"]))


def _principal_entry(
    ev: ExpressionEvaluator, block: Block, scope: Scope, span: TfSpan
) -> tuple[str, TfSpan, JNode | None]:
    """(type, where the type is written, identifiers) of one principals block; unknown parts stay unresolved."""
    if block.get("unknown"):
        # Principal types are keys, which cannot be unknown: an unknown principal reads as an unknown "AWS" one,
        # as an unknown statement's does; its identifiers, unknown, are what the rules see
        marker = Unknown(span, expr=block["unknown"])
        return UNKNOWN_PRINCIPAL_TYPE, span, _scalar(marker, True)
    kind_attr, ids_attr = attribute(block, "type"), attribute(block, "identifiers")
    kind = ev.eval(kind_attr["expr"], scope) if kind_attr else Scalar(span, value="")
    kind_text = UNKNOWN_PRINCIPAL_TYPE if not is_known(kind) else (text_of(kind) or "")
    kind_span = scope.span(kind_attr["span"]) if kind_attr else span
    ids = _string_set(ev.eval(ids_attr["expr"], scope) if ids_attr else ListVal(span), True)
    if not is_known(kind):  # an identifier of an unknown type cannot be matched either
        missing = ", ".join(unknowns(kind))
        items = ids.items if isinstance(ids, JArray) else [ids] if ids is not None else []
        marked: list[JNode] = [
            JScalar(item.value, item.span, unresolved=item.unresolved or missing) if isinstance(item, JScalar) else item
            for item in items
        ]
        ids = marked[0] if len(marked) == 1 else JArray(marked, ids.span) if ids is not None else None
    return kind_text, kind_span, ids


def _conditions(ev: ExpressionEvaluator, blocks: list[tuple[Block, Scope]]) -> JNode | None:
    if not blocks:
        return None
    tests: dict[str, tuple[TfSpan, dict[str, tuple[TfSpan, list[JScalar]]]]] = {}
    for block, scope in blocks:
        span = scope.span(block["span"])
        if block.get("unknown"):
            marker = Unknown(span, expr=block["unknown"])
            test_text = variable_text = placeholder(marker.expr)
            test_span = variable_span = span
            values = [_scalar(marker, True)]
        else:
            test_text, test_span = _named_text(ev, block, "test", scope)
            variable_text, variable_span = _named_text(ev, block, "variable", scope)
            values_attr = attribute(block, "values")
            written = ev.eval(values_attr["expr"], scope) if values_attr else ListVal(span)
            if isinstance(written, ListVal):
                values = [_scalar(item, True) for item in written.items]
            else:
                values = [_scalar(written, True)]
        variables = tests.setdefault(test_text, (test_span, {}))[1]
        variables.setdefault(variable_text, (variable_span, []))[1].extend(values)
    first_span = blocks[0][1].span(blocks[0][0]["span"])
    operators = []
    for test_text in sorted(tests):
        test_span, variables = tests[test_text]
        keys = []
        for variable_text in sorted(variables):
            variable_span, values = variables[variable_text]
            node: JNode = values[0] if len(values) == 1 else JArray(list(values), variable_span)
            keys.append(JMember(variable_text, variable_span, node))
        operators.append(JMember(test_text, test_span, JObject(keys, test_span)))
    return JObject(operators, first_span)


def _named_text(ev: ExpressionEvaluator, block: Block, name: str, scope: Scope) -> tuple[str, TfSpan]:
    written = attribute(block, name)
    if written is None:
        return "", scope.span(block["span"])
    value = ev.eval(written["expr"], scope)
    text = placeholder(value.expr) if isinstance(value, Unknown) else (text_of(value) or "")
    return text, scope.span(written["span"])


def _unresolved(node: JNode) -> list[str]:
    if isinstance(node, JScalar):
        return split_exprs(node.unresolved) if node.unresolved else []
    if isinstance(node, JArray):
        return [expr for item in node.items for expr in _unresolved(item)]
    return [expr for member in node.members for expr in _unresolved(member.value)]
