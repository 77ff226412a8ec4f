"""Variable type constraints, for the one conversion that changes what a configuration reads: optional attributes.

Terraform converts a variable's value to its declared type. An attribute of an `object({...})` type declared
`optional(T)` or `optional(T, default)` that the value leaves out (or sets to null) reads as null, or as that default
converted to `T`; so `var.settings.rule != null` is known for a default of `{}`. The other conversions (string to
number, tuple to list) change nothing iam-preflight compares, so they are not made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from linter.sources.terraform.values import ListVal, ObjVal, Scalar, TfSpan, Val

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Expr, ObjectExpr


def with_optional_attributes(value: Val, type_node: Expr, default_of: Callable[[Expr], Val], file: str) -> Val:
    """The value with the optional attributes its type declares filled in; `default_of` evaluates a default."""
    if type_node["kind"] != "call" or not type_node["args"]:
        return value  # a primitive type, `any`, or not a type at all
    kind, inner = type_node["name"], type_node["args"][0]
    if kind in ("list", "set") and isinstance(value, ListVal):
        items = [with_optional_attributes(item, inner, default_of, file) for item in value.items]
        return ListVal(value.span, value.ref, items=items)
    if kind == "map" and isinstance(value, ObjVal):
        members = {
            key: (key_span, with_optional_attributes(member, inner, default_of, file))
            for key, (key_span, member) in value.members.items()
        }
        return ObjVal(value.span, value.ref, members=members)
    if kind == "object" and isinstance(value, ObjVal) and inner["kind"] == "obj":
        return _object(value, inner, default_of, file)
    return value


def _object(value: ObjVal, attributes: ObjectExpr, default_of: Callable[[Expr], Val], file: str) -> ObjVal:
    members = dict(value.members)
    for key_node, attribute_type in attributes["items"]:
        name = key_node.get("value", key_node.get("name"))
        if not isinstance(name, str):
            continue
        # `optional(T)` or `optional(T, default)`
        optional_args = (
            attribute_type["args"] if attribute_type["kind"] == "call" and attribute_type["name"] == "optional" else []
        )
        optional = bool(optional_args)
        declared = optional_args[0] if optional else attribute_type
        found = members.get(name)
        given = found[1] if found else None
        if optional and (given is None or _is_null(given)):
            span = TfSpan.of(attribute_type["span"], file)
            default = optional_args[1] if len(optional_args) > 1 else None
            given = default_of(default) if default is not None else Scalar(span, value=None)
            found = (found[0] if found else span, given)
        if found is not None and given is not None:
            members[name] = (found[0], with_optional_attributes(given, declared, default_of, file))
    return ObjVal(value.span, value.ref, members=members)


def _is_null(value: Val) -> bool:
    return isinstance(value, Scalar) and value.value is None and value.unresolved is None
