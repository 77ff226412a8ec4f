"""Positioned JSON nodes -> the Policy model.

This is the one place where a policy document's many spellings (single value or list, `"*"` or
`{"AWS": "*"}`, a lone Statement object) are normalised. The Terraform source builds the same positioned nodes
for jsonencode/heredoc/policy_document values and calls `build_policy` too, so no rule ever branches on format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from linter.model import (
    Condition,
    GrammarIssue,
    Location,
    Policy,
    PolicyKind,
    PrincipalRef,
    Principals,
    Statement,
    Text,
)
from linter.sources.jsonpos import JArray, JNode, JObject, JScalar, Span, parse, to_python

# A policy location maker: (span, json pointer) -> Location. Sources decide the file and address.
Locator = Callable[[Span, str], Location]


def file_locator(path: str, address: str | None = None) -> Locator:
    def locate(span: Span, pointer: str) -> Location:
        return Location(
            file=path,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            json_path=pointer,
            address=address,
        )

    return locate


def policy_at(document: dict[str, Any], name: str, loc: Location, kind: PolicyKind) -> Policy:
    """A policy with no text of its own (AWS's default key policy, a stand-in): every element points at `loc`."""

    def at(span: Span, pointer: str) -> Location:
        return loc.model_copy(update={"json_path": pointer})

    return build_policy(parse(json.dumps(document)), name, at, kind)


def _escape(segment: str | int) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def scalar_text(node: JScalar, locate: Locator, pointer: str) -> Text:
    value = node.value
    if node.unresolved is not None:
        return Text(value=str(value), loc=locate(node.span, pointer), unresolved=node.unresolved)
    if isinstance(value, bool):
        return Text(value="true" if value else "false", loc=locate(node.span, pointer), json_type="boolean")
    if value is None:
        return Text(value="", loc=locate(node.span, pointer), json_type="null")
    if isinstance(value, (int, float)):
        return Text(value=json.dumps(value), loc=locate(node.span, pointer), json_type="number")
    return Text(value=value, loc=locate(node.span, pointer))


def _texts(node: JNode | None, locate: Locator, pointer: str) -> list[Text] | None:
    """String-or-list element -> list of Text; non-strings are dropped here and reported by the schema."""
    if node is None:
        return None
    if isinstance(node, JScalar):
        return [scalar_text(node, locate, pointer)] if isinstance(node.value, str) else []
    if isinstance(node, JArray):
        return [
            scalar_text(item, locate, f"{pointer}/{i}")
            for i, item in enumerate(node.items)
            if isinstance(item, JScalar) and isinstance(item.value, str)
        ]
    return []


def _principals(node: JNode | None, locate: Locator, pointer: str) -> Principals | None:
    if node is None:
        return None
    if isinstance(node, JScalar):
        star = node.value == "*"
        refs = [PrincipalRef(type="AWS", value=scalar_text(node, locate, pointer))] if star else []
        return Principals(loc=locate(node.span, pointer), star_form=star, refs=refs)
    refs = []
    if isinstance(node, JObject):
        for member in node.members:
            for text in _texts(member.value, locate, f"{pointer}/{_escape(member.key)}") or []:
                refs.append(PrincipalRef(type=member.key, value=text))
    return Principals(loc=locate(node.span, pointer), refs=refs)


def _conditions(node: JNode | None, locate: Locator, pointer: str) -> list[Condition]:
    if not isinstance(node, JObject):
        return []
    conditions = []
    for op_member in node.members:
        op_pointer = f"{pointer}/{_escape(op_member.key)}"
        operator = Text(value=op_member.key, loc=locate(op_member.key_span, op_pointer))
        if not isinstance(op_member.value, JObject):
            continue
        for key_member in op_member.value.members:
            key_pointer = f"{op_pointer}/{_escape(key_member.key)}"
            key = Text(value=key_member.key, loc=locate(key_member.key_span, key_pointer))
            raw = key_member.value
            items = raw.items if isinstance(raw, JArray) else [raw]
            values = [
                scalar_text(item, locate, f"{key_pointer}/{i}" if isinstance(raw, JArray) else key_pointer)
                for i, item in enumerate(items)
                if isinstance(item, JScalar)
            ]
            conditions.append(
                Condition(operator=operator, key=key, values=values, loc=locate(key_member.key_span, key_pointer))
            )
    return conditions


def _statement(node: JObject, index: int, locate: Locator, pointer: str) -> Statement:
    def text(key: str) -> Text | None:
        value = node.get(key)
        if isinstance(value, JScalar) and isinstance(value.value, str):
            return scalar_text(value, locate, f"{pointer}/{key}")
        return None

    return Statement(
        index=index,
        loc=locate(node.span, pointer),
        sid=text("Sid"),
        effect=text("Effect"),
        action=_texts(node.get("Action"), locate, f"{pointer}/Action"),
        not_action=_texts(node.get("NotAction"), locate, f"{pointer}/NotAction"),
        resource=_texts(node.get("Resource"), locate, f"{pointer}/Resource"),
        not_resource=_texts(node.get("NotResource"), locate, f"{pointer}/NotResource"),
        principal=_principals(node.get("Principal"), locate, f"{pointer}/Principal"),
        not_principal=_principals(node.get("NotPrincipal"), locate, f"{pointer}/NotPrincipal"),
        conditions=_conditions(node.get("Condition"), locate, f"{pointer}/Condition"),
    )


def _find(root: JNode, path: list[str | int]) -> JNode | None:
    node: JNode | None = root
    for segment in path:
        if isinstance(node, JObject) and isinstance(segment, str):
            node = node.get(segment)
        elif isinstance(node, JArray) and isinstance(segment, int) and segment < len(node.items):
            node = node.items[segment]
        else:
            return node
    return node


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("linter.schema").joinpath("iam-policy.schema.json").read_text())
    return Draft202012Validator(schema)


def _schema_message(error: Any) -> str:
    """jsonschema's messages quote whole sub-documents; keep them to one readable line."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".") or "document"
    validator = error.validator
    if validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where}: unexpected element {', '.join(repr(e) for e in extra)}"
    if validator == "required":
        return f"{where}: {error.message.split(' is a required')[0]} is required"
    if validator == "not" and isinstance(error.schema.get("not"), dict):
        pair = error.schema["not"].get("required", [])
        return f"{where}: {' and '.join(pair)} cannot appear together"
    if validator == "anyOf":
        return f"{where}: one of Action or NotAction is required"
    if validator in ("oneOf", "type", "const"):
        return f"{where}: wrong type or shape ({type(error.instance).__name__} not allowed here)"
    return f"{where}: {error.message[:160]}"


_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource"}
_PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}


def _is_text(node: JNode | None) -> bool:
    return isinstance(node, JScalar) and isinstance(node.value, str)


def _is_texts(node: JNode | None) -> bool:
    return _is_text(node) or (isinstance(node, JArray) and all(_is_text(item) for item in node.items))


def _is_condition_value(node: JNode) -> bool:
    def scalar(item: JNode) -> bool:
        return isinstance(item, JScalar) and item.value is not None

    return scalar(node) or (isinstance(node, JArray) and all(scalar(item) for item in node.items))


def _plainly_valid_statement(node: JNode) -> bool:
    if not isinstance(node, JObject) or not _is_text(node.get("Effect")):
        return False
    keys = {m.key for m in node.members}
    if not keys <= _STATEMENT_KEYS | {"Condition"} or len(keys) != len(node.members):
        return False
    if ("Action" in keys) == ("NotAction" in keys) or {"Resource", "NotResource"} <= keys:
        return False
    if {"Principal", "NotPrincipal"} <= keys:
        return False
    for member in node.members:
        value = member.value
        if member.key in ("Principal", "NotPrincipal"):
            star = isinstance(value, JScalar) and value.value == "*"
            typed = isinstance(value, JObject) and all(
                m.key in _PRINCIPAL_TYPES and _is_texts(m.value) for m in value.members
            )
            if not (star or typed):
                return False
        elif member.key == "Condition":
            if not isinstance(value, JObject) or not all(
                isinstance(op.value, JObject) and all(_is_condition_value(k.value) for k in op.value.members)
                for op in value.members
            ):
                return False
        elif member.key in ("Sid", "Effect"):
            if not _is_text(value):
                return False
        elif not _is_texts(value):
            return False
    return True


def plainly_valid(root: JNode) -> bool:
    """True only for documents the JSON Schema certainly accepts, so the common case skips jsonschema (its import
    alone costs a pre-commit run ~70 ms). Anything unusual goes to the schema, which stays the authority; a property
    test holds this function to never accept what the schema rejects."""
    if not isinstance(root, JObject) or not {m.key for m in root.members} <= {"Version", "Id", "Statement"}:
        return False
    if any(m.key in ("Version", "Id") and not _is_text(m.value) for m in root.members):
        return False
    statements = root.get("Statement")
    if isinstance(statements, JArray):
        return all(_plainly_valid_statement(item) for item in statements.items)
    return statements is not None and _plainly_valid_statement(statements)


def _schema_issues(root: JNode, locate: Locator) -> Iterator[GrammarIssue]:
    if plainly_valid(root):
        return
    for error in _validator().iter_errors(to_python(root)):
        path = list(error.absolute_path)
        node = _find(root, path) or root
        pointer = "".join(f"/{_escape(p)}" for p in path)
        yield GrammarIssue(code="schema", message=_schema_message(error), loc=locate(node.span, pointer))


def _duplicate_issues(node: JNode, locate: Locator, pointer: str) -> Iterator[GrammarIssue]:
    if isinstance(node, JObject):
        for duplicate in node.duplicates:
            yield GrammarIssue(
                code="duplicate-key",
                message=f"duplicate key {duplicate.key!r}: AWS keeps only the last one, earlier values are ignored",
                loc=locate(duplicate.key_span, f"{pointer}/{_escape(duplicate.key)}"),
            )
        for member in node.members:
            yield from _duplicate_issues(member.value, locate, f"{pointer}/{_escape(member.key)}")
    elif isinstance(node, JArray):
        for i, item in enumerate(node.items):
            yield from _duplicate_issues(item, locate, f"{pointer}/{i}")


def looks_like_policy(node: JNode) -> bool:
    return isinstance(node, JObject) and node.get("Statement") is not None


def infer_kind(statements: list[Statement]) -> PolicyKind:
    """Best reading of what a policy is from its content; flags and config override it."""
    with_principal = [s for s in statements if s.principal is not None or s.not_principal is not None]
    if not with_principal:
        return PolicyKind.IDENTITY
    actions = [a.value.lower() for s in statements for a in s.actions_or_not()]
    if actions and all(
        a.startswith("sts:assumerole") or a in ("sts:tagsession", "sts:setsourceidentity") for a in actions
    ):
        return PolicyKind.TRUST
    if actions and all(a.startswith("kms:") for a in actions):
        return PolicyKind.KEY
    return PolicyKind.RESOURCE


def build_policy(root: JNode, name: str, locate: Locator, kind: PolicyKind | None = None) -> Policy:
    """Normalise a positioned policy document. Grammar problems become `issues`, never exceptions."""
    issues = list(_schema_issues(root, locate)) + list(_duplicate_issues(root, locate, ""))
    statements: list[Statement] = []
    statement_is_object = False
    version = policy_id = None
    if isinstance(root, JObject):
        raw_statements = root.get("Statement")
        if isinstance(raw_statements, JObject):
            statement_is_object = True
            statements = [_statement(raw_statements, 0, locate, "/Statement")]
        elif isinstance(raw_statements, JArray):
            statements = [
                _statement(item, i, locate, f"/Statement/{i}")
                for i, item in enumerate(raw_statements.items)
                if isinstance(item, JObject)
            ]
        version_node = root.get("Version")
        if isinstance(version_node, JScalar) and isinstance(version_node.value, str):
            version = scalar_text(version_node, locate, "/Version")
        id_node = root.get("Id")
        if isinstance(id_node, JScalar) and isinstance(id_node.value, str):
            policy_id = scalar_text(id_node, locate, "/Id")
    return Policy(
        name=name,
        loc=locate(root.span, ""),
        kind=kind or infer_kind(statements),
        kind_inferred=kind is None,
        version=version,
        id=policy_id,
        statements=statements,
        statement_is_object=statement_is_object,
        issues=issues,
    )
