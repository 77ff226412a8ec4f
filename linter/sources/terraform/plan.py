"""`terraform show -json` plans -> the same policies and inventory as the HCL source, from resolved values.

A plan has every value Terraform could compute, but no source positions. When the configuration sits next to the
plan file (the usual `terraform show -json plan.out > plan.json` in the root module), it is loaded too and each plan
policy is located where the configuration wrote it, element by element (joined by address and JSON pointer); a
value the plan leaves unknown falls back to the configuration's own reading. Without the configuration, findings
point at the value in the plan file. Resource references recorded in `configuration` (`references`) join
attachments to roles and policies as the HCL source does.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import Any

from linter.record import record
from linter.sources import Loaded
from linter.sources.jsonpos import JArray, JNode, JObject, JScalar, to_python
from linter.sources.terraform.loader import evaluate_module
from linter.sources.terraform.resources import HANDLERS, InventoryBuilder
from linter.sources.terraform.values import ListVal, ObjVal, Scalar, TfSpan, Unknown, Val, anchored, from_jnode, respan

AFTER_APPLY = "known only after apply"
# Attributes the provider computes from other resources (attachments, inline policy resources) when they are not
# set: a plan marks them unknown, but they hold no policy of their own.
COMPUTED_MIRRORS = {"managed_policy_arns", "inline_policy"}


@record
class PlanView:
    """One planned resource (or a nested block of it) as the resource handlers read it."""

    address: str
    type: str
    values: ObjVal
    unknown: Any  # after_unknown: True, or a dict/list mirroring values
    # This block's expressions in the plan's `configuration` (None: not recorded, as for dynamic blocks): what it
    # sets, and what each argument references. An unknown argument it does not set is one the provider computes
    # (aws_s3_bucket's legacy `policy` and `acl`), not a policy of its own.
    expressions: dict[str, Any] | None = None
    addresses: frozenset[str] = frozenset()  # every planned resource address, to resolve references against
    configured: Any = None  # the configuration's BlockView of this resource, for positions
    refs: dict[str, str] = field(init=False)  # argument -> address of the resource it references

    def __post_init__(self) -> None:
        references = {
            name: list(expr.get("references", [])) if isinstance(expr, dict) else []
            for name, expr in (self.expressions or {}).items()
        }
        self.refs = _resolve_refs(references, self.address, self.addresses)

    def span(self) -> TfSpan:
        return self.configured.span() if self.configured is not None else self.values.span

    def arg_span(self, name: str) -> TfSpan:
        if self.configured is not None:
            span: TfSpan = self.configured.arg_span(name)
            return span
        found = self.values.members.get(name)
        return found[1].span if found else self.values.span

    def _is_unknown(self, name: str) -> bool:
        return self.unknown is True or (isinstance(self.unknown, dict) and self.unknown.get(name) is True)

    def arg(self, name: str) -> Val | None:
        if self._is_unknown(name) and name in COMPUTED_MIRRORS:
            return None
        if self._is_unknown(name) and self.configured is not None:
            # The configuration's own reading: stand-ins for what only apply knows (a role's name, a key's ARN,
            # joined by reference), and None for an argument it does not set.
            configured: Val | None = self.configured.arg(name)
            return configured
        if self._is_unknown(name) and self.expressions is not None and name not in self.expressions:
            return None
        if self._is_unknown(name):
            return Unknown(
                self.arg_span(name), ref=self.refs.get(name), expr=f"{self.address}.{name}", reason=AFTER_APPLY
            )
        value = self.values.get(name)
        if value is None or (isinstance(value, Scalar) and value.value is None):
            return None
        if self.configured is not None and not isinstance(value, Scalar):
            value = anchored(value, self.arg_span(name))
        elif self.configured is not None and isinstance(value, Scalar):
            value = Scalar(self.arg_span(name), value=value.value)
        if name in self.refs and isinstance(value, (Scalar, Unknown)):
            value.ref = self.refs[name]
        return value

    def region(self) -> str | None:
        """The planned `region` (AWS provider 6 records it on every resource), else the configuration's reading."""
        value = None if self._is_unknown("region") else self.values.get("region")
        if isinstance(value, Scalar) and isinstance(value.value, str) and value.value:
            return value.value
        if self.configured is not None:
            region: str | None = self.configured.region()
            return region
        return None

    def blocks(self, kind: str) -> list[PlanView]:
        value = self.values.get(kind)
        if not isinstance(value, ListVal):
            return []
        unknown = self.unknown.get(kind) if isinstance(self.unknown, dict) else None
        # The configuration's blocks of this kind, when they pair one to one with the plan's (dynamic blocks over
        # an unknown collection do not).
        configured = self.configured.blocks(kind) if self.configured is not None else []
        paired = len(configured) == len(value.items)
        written = self.expressions.get(kind) if self.expressions is not None else None
        blocks_written = written if isinstance(written, list) and len(written) == len(value.items) else None
        views = []
        for index, item in enumerate(value.items):
            if isinstance(item, ObjVal):
                item_unknown = unknown[index] if isinstance(unknown, list) and index < len(unknown) else None
                twin = configured[index] if paired else None
                expressions = blocks_written[index] if blocks_written is not None else None
                expressions = expressions if isinstance(expressions, dict) else None
                nested = PlanView(self.address, self.type, item, item_unknown, expressions, self.addresses, twin)
                views.append(nested)
        return views


def load_plan(root: JNode, path: str, display: str) -> Loaded:
    """A plan file (already parsed with positions) -> policies, inventory and, if found, its configuration's notes."""
    assert isinstance(root, JObject)
    plan = respan(root, display)
    assert isinstance(plan, JObject)
    builder = InventoryBuilder()
    loaded = Loaded(files=[display])
    views: dict[str, Any] = {}
    folder = Path(path).parent
    if any(folder.glob("*.tf")):
        configured, configured_builder, views = evaluate_module(folder, extra_inputs=_plan_variables(plan))
        builder.reasons.update(configured_builder.reasons)
        builder.configured = configured_builder.built
        builder.configured_linted = {p.name for p in configured.policies}
        loaded.errors.extend(configured.errors)
        loaded.suppressions.extend(configured.suppressions)
        loaded.files.extend(configured.files)
    changes = _changes(plan)
    written = _expressions(_member(_member(plan, "configuration"), "root_module"), "")
    planned = _member(_member(plan, "planned_values"), "root_module")
    addresses = frozenset(str(to_python(r.get("address") or JScalar("", r.span))) for r in _resources(planned))
    for resource in _resources(planned):
        raw = to_python(resource)
        assert isinstance(raw, dict)
        kind = raw.get("type")
        if raw.get("mode") != "managed" or not isinstance(kind, str) or kind not in HANDLERS:
            continue
        address = str(raw.get("address"))
        values = resource.get("values")
        values_val = from_jnode(values) if isinstance(values, JObject) else ObjVal(TfSpan(1, 1, 1, 1, display))
        assert isinstance(values_val, ObjVal)
        expressions = written.get(_config_key(address))
        after_unknown = changes.get(address)
        builder.add(
            PlanView(address, str(raw["type"]), values_val, after_unknown, expressions, addresses, views.get(address))
        )
    loaded.inventory = builder.finish()
    loaded.policies = builder.policies
    loaded.errors.extend(builder.errors)
    return loaded


def _plan_variables(plan: JObject) -> dict[str, Val]:
    """The variable values the plan was made with: the configuration then resolves what the plan resolved."""
    found: dict[str, Val] = {}
    variables = plan.get("variables")
    for member in variables.members if isinstance(variables, JObject) else []:
        value = _member(member.value, "value")
        if value is not None:
            found[member.key] = from_jnode(value)
    return found


def _member(node: JNode | None, key: str) -> JNode | None:
    return node.get(key) if isinstance(node, JObject) else None


def _resources(module: JNode | None) -> list[JObject]:
    """Resources of a planned module and, recursively, of its child modules."""
    found = [r for r in _items(_member(module, "resources")) if isinstance(r, JObject)]
    for child in _items(_member(module, "child_modules")):
        found.extend(_resources(child))
    return found


def _items(node: JNode | None) -> list[JNode]:
    return node.items if isinstance(node, JArray) else []


def _changes(plan: JObject) -> dict[str, Any]:
    """address -> after_unknown of resource_changes (what only apply will know)."""
    found: dict[str, Any] = {}
    for change in _items(plan.get("resource_changes")):
        raw = to_python(change)
        if isinstance(raw, dict) and isinstance(raw.get("change"), dict):
            found[str(raw.get("address"))] = raw["change"].get("after_unknown") or {}
    return found


def _expressions(module: JNode | None, prefix: str) -> dict[str, dict[str, Any]]:
    """configuration: resource address without instance keys -> its `expressions` (every argument it sets, with the
    module-relative addresses each references; nested blocks as lists of the same)."""
    found: dict[str, dict[str, Any]] = {}
    for resource in _items(_member(module, "resources")):
        raw = to_python(resource)
        if isinstance(raw, dict) and isinstance(raw.get("expressions", {}), dict):
            found[prefix + str(raw.get("address"))] = raw.get("expressions") or {}
    calls = _member(module, "module_calls")
    if isinstance(calls, JObject):
        for call in calls.members:
            found.update(_expressions(_member(call.value, "module"), f"{prefix}module.{call.key}."))
    return found


def _config_key(address: str) -> str:
    """`module.a["x"].aws_iam_role.r[0]` -> `module.a.aws_iam_role.r`: how configuration addresses are written."""
    out, depth = [], 0
    for char in address:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _resolve_refs(refs: dict[str, list[str]], address: str, addresses: frozenset[str]) -> dict[str, str]:
    """Module-relative references -> the planned address they name (the only instance, when indexes differ)."""
    # the module path with its instance keys: everything before the resource's own `type.name`
    parts = address.split(".")
    module_prefix = ".".join(parts[:-2]) + "." if address.startswith("module.") else ""
    resolved: dict[str, str] = {}
    for name, candidates in refs.items():
        for candidate in candidates:
            full = module_prefix + candidate
            if full in addresses:
                resolved[name] = full
                break
            matches = [a for a in addresses if a.startswith(full + "[")]
            if len(matches) == 1:
                resolved[name] = matches[0]
                break
    return resolved
