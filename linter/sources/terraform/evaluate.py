"""Expression evaluation over a module tree: variables, locals, references, count/for_each, module calls.

Evaluation is lazy and memoised: only what an IAM-bearing resource needs is evaluated. Whatever cannot be known
without running Terraform (a variable without a value, a computed attribute, a data source, a function this module
does not implement) becomes `Unknown` naming its expression; the reason is kept for the IPN001 note.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from linter.model import InputError, Location
from linter.sources import resolved
from linter.sources.confine import inside, read_text
from linter.sources.jsonpos import JObject, JsonNumber, JsonSyntaxError, parse
from linter.sources.terraform.attributes import attribute_value
from linter.sources.terraform.cache import MAX_FILE_BYTES, parse_files
from linter.sources.terraform.functions import binary, call
from linter.sources.terraform.interface import (  # re-exported: callers and tests know them as evaluate.*
    BlockView,
    ExpressionEvaluator,
    ModuleInstance,
    ResInst,
    Scope,
    expression_text,
    iteration,
    not_null,
    provider_ref,
    region_of,
    resource_instance,
    root_of,
)
from linter.sources.terraform.limits import (  # re-exported likewise
    MAX_CHARS,
    MAX_ELEMENTS,
    MAX_EVAL_DEPTH,
    MAX_HANDED_CHARS,
    MAX_INSTANCES,
    MAX_MODULE_DEPTH,
    MAX_PATTERN_LENGTH,
    MAX_STEPS,
    MAX_TOTAL_CHARS,
    MAX_TOTAL_INSTANCES,
    MAX_VALUE_DEPTH,
    REGEX_MEMORY,
    TOO_LONG,
    TOO_MANY,
    Budget,
    limit_of,
    walk_cost,
)
from linter.sources.terraform.module import Located, Module, attribute, display_path, nested, read_module
from linter.sources.terraform.templates import expand_directives, has_directives, heredoc_value
from linter.sources.terraform.types import with_optional_attributes
from linter.sources.terraform.values import (
    ListVal,
    ObjVal,
    Scalar,
    TfSpan,
    Unknown,
    Val,
    anchored,
    from_jnode,
    is_known,
    number_of,
    placeholder,
    respan,
    text_of,
    to_python,
    unknowns,
    whole,
)

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import (
        BigNumber,
        Binary,
        Block,
        CallExpr,
        Conditional,
        Directive,
        Expr,
        ForExpr,
        Heredoc,
        ListExpr,
        Literal_,
        Name,
        ObjectExpr,
        Step,
        Template,
        Traversal,
        Unary,
        Unsupported,
    )

__all__ = [
    "MAX_CHARS",
    "MAX_ELEMENTS",
    "MAX_EVAL_DEPTH",
    "MAX_HANDED_CHARS",
    "MAX_INSTANCES",
    "MAX_MODULE_DEPTH",
    "MAX_PATTERN_LENGTH",
    "MAX_STEPS",
    "MAX_TOTAL_CHARS",
    "MAX_TOTAL_INSTANCES",
    "MAX_VALUE_DEPTH",
    "REGEX_MEMORY",
    "TOO_LONG",
    "TOO_MANY",
    "BlockView",
    "Budget",
    "Evaluator",
    "ExpressionEvaluator",
    "Instance",
    "ModuleInstance",
    "ResInst",
    "Scope",
    "constant",
    "expression_text",
    "iteration",
    "limit_of",
    "not_null",
    "provider_ref",
    "region_of",
    "resource_instance",
    "root_inputs",
    "walk_cost",
]

META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on", "lifecycle", "provider"}


class Expansion(NamedTuple):
    """The instances count/for_each makes of a block: a key and a scope each, and the note when some are left out."""

    keyed: list[tuple[Val, Scope]]
    capped: Unknown | None = None


class Evaluator:
    """State of one load: parsed modules by folder, input errors, and why each unknown expression is unknown."""

    def __init__(self) -> None:
        self.modules: dict[Path, Module] = {}
        self.errors: list[InputError] = []
        self._config_errors: set[tuple[str, int, int]] = set()
        self.reasons: dict[str, str] = {}
        self.busy: set[tuple[int, str]] = set()
        self.read_files: set[Path] = set()  # files read by file()/templatefile(), reported as checked
        self.documents: dict[str, Val] = {}  # rendered aws_iam_policy_document instances by address
        self.budget = Budget()
        self._manifests: dict[Path, dict[str, tuple[str, str]] | None] = {}

    def module(self, folder: Path) -> Module:
        key = resolved(folder)
        if key not in self.modules:
            self.modules[key] = read_module(folder)
        return self.modules[key]

    def manifest(self, root: Path) -> dict[str, tuple[str, str]] | None:
        """`terraform init`'s record of the modules it fetched for a root module: {key: (source, folder)}; None
        when there is none (or it cannot be read: the calls are then not followed, as without one)."""
        key = resolved(root)
        if key not in self._manifests:
            self._manifests[key] = _read_manifest(root / ".terraform" / "modules" / "modules.json")
        return self._manifests[key]

    def unknown(self, expr: str, span: TfSpan, reason: str, error: bool = False) -> Unknown:
        self.reasons.setdefault(expr, reason)
        return Unknown(span, expr=expr, reason=reason, error=error)

    def limited(self, expr: str, span: TfSpan, reason: str) -> Unknown:
        """Unknown because an evaluation limit was reached (not because Terraform could not know it)."""
        self.reasons.setdefault(expr, reason)
        return Unknown(span, expr=expr, reason=reason, limit=True)

    def over_limit(self, value: Val, expr: str, span: TfSpan) -> Unknown | None:
        """The limit a value passes (as an Unknown to use instead), or None."""
        if value.size > MAX_ELEMENTS:
            return self.limited(expr, span, TOO_MANY)
        if value.chars > MAX_CHARS:
            return self.limited(expr, span, TOO_LONG)
        if value.depth > MAX_VALUE_DEPTH:
            return self.limited(expr, span, f"its value would nest lists or objects more than {MAX_VALUE_DEPTH} deep")
        return None

    # --- expressions ---------------------------------------------------------------------------------------------

    def eval(self, node: Expr, scope: Scope) -> Val:
        budget = self.budget
        if budget.depth >= MAX_EVAL_DEPTH:
            reason = f"it is nested more than {MAX_EVAL_DEPTH} expressions deep (references included)"
            return self.limited(expression_text(node), scope.span(node["span"]), reason)
        budget.steps -= 1
        if budget.steps < 0 and not budget.spend():
            return self.limited(expression_text(node), scope.span(node["span"]), str(budget.spent))
        # A table, not getattr(self, f"_e_{kind}"): building the name and a bound method cost on every node.
        handler: Callable[[Evaluator, Any, Scope], Val] = _EXPRESSIONS.get(node["kind"], Evaluator._e_unsupported)
        budget.depth += 1
        try:
            value = handler(self, node, scope)
        except RecursionError:
            # MAX_EVAL_DEPTH and MAX_VALUE_DEPTH keep evaluation far from Python's stack limit; should some path
            # still recurse deeper (a positioned JSON document inside a deep expression), the expression is unknown
            # rather than the run failing.
            return self.limited(expression_text(node), scope.span(node["span"]), "it nests too deeply to evaluate")
        finally:
            budget.depth -= 1
        if isinstance(value, ListVal):
            limited = limit_of(*value.items)
        elif isinstance(value, ObjVal):
            limited = limit_of(*(member for _, member in value.members.values()))
        elif value.chars <= MAX_CHARS:
            return value
        else:
            limited = None
        # A list or object holding a value that passed a limit is unknown for that reason: otherwise `[x, x]` could
        # go on doubling around it, and each element would get a note of its own.
        return limited or self.over_limit(value, expression_text(node), scope.span(node["span"])) or value

    def _e_lit(self, node: Literal_, scope: Scope) -> Val:
        return Scalar(scope.span(node["span"]), value=node["value"])

    def _e_num(self, node: BigNumber, scope: Scope) -> Val:
        """A number literal Python cannot hold (thousands of digits): its text, which IAM compares as a number."""
        return Scalar(scope.span(node["span"]), value=JsonNumber(node["value"]))

    def _e_unsupported(self, node: Unsupported, scope: Scope) -> Val:
        return self.unknown(node.get("text", "?"), scope.span(node["span"]), "this expression form is not evaluated")

    def _e_directive(self, node: Directive, scope: Scope) -> Val:
        return self.unknown(node["text"], scope.span(node["span"]), "template directives (%{...}) are not evaluated")

    def _e_list(self, node: ListExpr, scope: Scope) -> Val:
        return ListVal(scope.span(node["span"]), items=[self.eval(item, scope) for item in node["items"]])

    def _e_obj(self, node: ObjectExpr, scope: Scope) -> Val:
        span = scope.span(node["span"])
        members: dict[str, tuple[TfSpan, Val]] = {}
        for key_node, value_node in node["items"]:
            key = self.eval(key_node, scope)
            text = text_of(key)
            if text is None or not is_known(key):
                return limit_of(key) or self.unknown(node.get("text", "{...}"), span, "an object key is unknown")
            members[text] = (scope.span(key_node["span"]), self.eval(value_node, scope))
        return ObjVal(span, members=members)

    def _e_tpl(self, node: Template, scope: Scope) -> Val:
        parts = node["parts"]
        span = scope.span(node["span"])
        text = node.get("text", "template")
        if has_directives(parts):
            expanded = expand_directives(self, parts, scope, span, text)
            return expanded if not isinstance(expanded, list) else self.render(expanded, span, text)
        if len(parts) == 1 and not isinstance(parts[0], str):
            # "${x}" alone is x itself, whatever its type (HCL's template unwrapping)
            return self.eval(parts[0], scope)
        return self.render([p if isinstance(p, str) else self.eval(p, scope) for p in parts], span, text)

    def render(self, parts: list[str | Val], span: TfSpan, expr: str = "template") -> Val:
        """A string template: literal text and values; unknown parts stay as their placeholder."""
        text: list[str] = []
        missing: list[str] = []
        if not self.budget.spend(len(parts)):
            return self.limited(expr, span, str(self.budget.spent))
        for part in parts:
            if isinstance(part, str):
                text.append(part)
                continue
            if isinstance(part, Unknown):
                if part.limit:  # a string holding a part that passed a limit is unknown for that reason
                    return part
                if part.error:  # Terraform fails the whole template on an error in it (try() must see it)
                    return part
                text.append(placeholder(part.expr))
                missing.append(part.expr)
                continue
            value = text_of(part)
            if value is None:
                return self.unknown(
                    "template", span, "a list, object or null cannot be interpolated into a string", error=True
                )
            text.append(value)
            missing.extend(unknowns(part))
        length = sum(map(len, text))
        if length > MAX_CHARS:
            return self.limited(expr, span, TOO_LONG)
        if not self.budget.spend(chars=length):
            return self.limited(expr, span, str(self.budget.spent))
        return Scalar(span, value="".join(text), unresolved=", ".join(dict.fromkeys(missing)) or None)

    def _e_heredoc(self, node: Heredoc, scope: Scope) -> Val:
        return heredoc_value(self, node, scope)

    def _e_cond(self, node: Conditional, scope: Scope) -> Val:
        condition = self.eval(node["condition"], scope)
        if isinstance(condition, Scalar) and condition.unresolved is None and isinstance(condition.value, bool):
            return self.eval(node["then"] if condition.value else node["otherwise"], scope)
        yes, no = self.eval(node["then"], scope), self.eval(node["otherwise"], scope)
        limited = limit_of(condition, yes, no)
        if limited is not None:
            return limited
        if not self.budget.spend(walk_cost(yes) + walk_cost(no)):
            return self.limited(node["text"], scope.span(node["span"]), str(self.budget.spent))
        if is_known(yes) and is_known(no) and to_python(yes) == to_python(no):
            return yes
        expr = ", ".join(unknowns(condition)) or node["condition"].get("text", "condition")
        return self.unknown(node["text"], scope.span(node["span"]), f"the condition depends on {expr}")

    def _e_un(self, node: Unary, scope: Scope) -> Val:
        operand = self.eval(node["operand"], scope)
        span = scope.span(node["span"])
        if not isinstance(operand, Scalar) or operand.unresolved is not None:
            return limit_of(operand) or self.unknown(
                node["text"], span, f"depends on {', '.join(unknowns(operand)) or node['operand'].get('text')}"
            )
        if node["operator"] == "!" and isinstance(operand.value, bool):
            return Scalar(span, value=not operand.value)
        number = number_of(operand)
        if node["operator"] == "-" and number is not None:
            return Scalar(span, value=-number)
        return self.unknown(node["text"], span, "operand has the wrong type", error=True)

    def _e_bin(self, node: Binary, scope: Scope) -> Val:
        return binary(self, node, scope)

    def _e_call(self, node: CallExpr, scope: Scope) -> Val:
        return call(self, node, scope)

    def _e_for(self, node: ForExpr, scope: Scope) -> Val:
        span = scope.span(node["span"])
        collection = self.eval(node["collection"], scope)
        pairs = iteration(collection)
        if pairs is None:
            if isinstance(collection, Unknown) and (collection.limit or collection.error):
                # what depends on an error is that error (Terraform fails there); on a limit, that limit
                return (
                    collection if collection.limit else self.unknown(node["text"], span, collection.reason, error=True)
                )
            reason = f"iterates over {', '.join(unknowns(collection)) or node['collection'].get('text')}"
            return self.unknown(node["text"], span, reason)
        items: list[Val] = []
        keyed: dict[str, tuple[TfSpan, Val]] = {}
        groups: dict[str, tuple[TfSpan, list[Val]]] = {}
        size = 1
        for key, value in pairs:
            if not self.budget.spend(1):
                return self.limited(node["text"], span, str(self.budget.spent))
            names = {node["value_var"]: value}
            if node["key_var"]:
                names[node["key_var"]] = key
            inner = scope.with_names(**names)
            if node["condition"] is not None:
                keep = self.eval(node["condition"], inner)
                if not (isinstance(keep, Scalar) and keep.unresolved is None and isinstance(keep.value, bool)):
                    return limit_of(keep) or self.unknown(
                        node["text"], span, f"the filter depends on {', '.join(unknowns(keep))}"
                    )
                if not keep.value:
                    continue
            value_out = self.eval(node["value"], inner)
            size += value_out.size
            if size > MAX_ELEMENTS:  # stop iterating now: the list would only be thrown away
                return self.limited(node["text"], span, TOO_MANY)
            key_node = node["key"]  # set for an object: `{for ... : key => value}`
            if not node["is_object"] or key_node is None:
                items.append(value_out)
                continue
            key_out = self.eval(key_node, inner)
            text = text_of(key_out)
            if text is None or not is_known(key_out):
                return limit_of(key_out) or self.unknown(node["text"], span, "a key of the for expression is unknown")
            if node["grouped"]:
                groups.setdefault(text, (key_out.span, []))[1].append(value_out)
            else:
                keyed[text] = (key_out.span, value_out)
        if groups:
            keyed = {text: (key_span, ListVal(span, items=grouped)) for text, (key_span, grouped) in groups.items()}
        return ObjVal(span, members=keyed) if node["is_object"] else ListVal(span, items=items)

    def _e_name(self, node: Name, scope: Scope) -> Val:
        return self._e_trav(
            {"kind": "trav", "base": node, "steps": [], "span": node["span"], "text": node["text"]}, scope
        )

    def _e_trav(self, node: Traversal, scope: Scope) -> Val:
        span = scope.span(node["span"])
        base, ops = node["base"], node["steps"]
        if base["kind"] != "name":
            return self.apply(self.eval(base, scope), ops, scope, node["text"], span)
        head = base["name"]
        if head in scope.names:
            return self.anchored(self.apply(scope.names[head], ops, scope, node["text"], span), span, node["text"])
        inst = scope.inst
        first = ops[0][1] if ops and ops[0][0] == "attr" else None
        self._check_declared(inst, head, first, ops, span)
        if head == "var" and first is not None:
            value = self.apply(inst.var(first), ops[1:], scope, node["text"], span)
        elif head == "local" and first is not None:
            value = self.apply(inst.local(first), ops[1:], scope, node["text"], span)
        elif head == "module" and first is not None:
            value = inst.module_ref(first, ops[1:], scope, node["text"], span)
        elif head == "data" and len(ops) >= 2 and ops[1][0] == "attr" and first is not None:
            value = inst.resource_ref(f"data.{first}.{ops[1][1]}", ops[2:], scope, node["text"], span)
        elif head == "path" and first in ("module", "root", "cwd"):
            folder = (
                inst.module.folder if first == "module" else (inst.root().module.folder if first == "root" else Path())
            )
            value = Scalar(span, value=str(folder.resolve()))
        elif first is not None and f"{head}.{first}" in inst.module.resources:
            value = inst.resource_ref(f"{head}.{first}", ops[1:], scope, node["text"], span)
        elif head in ("count", "each", "self"):
            value = self.unknown(node["text"], span, f"`{head}` is not available here", error=True)
        elif first is not None and "_" in head:
            value = self.unknown(node["text"], span, f"no resource {head}.{first} in this module", error=True)
        else:
            value = self.unknown(node["text"], span, "not evaluated")
        return self.anchored(value, span, node["text"])

    def anchored(self, value: Val, span: TfSpan, expr: str) -> Val:
        """`values.anchored`, which copies the value: paid for from the budget."""
        if value.size > 1 and not self.budget.spend(value.size):
            return self.limited(expr, span, str(self.budget.spent))
        return anchored(value, span)

    def _check_declared(
        self, inst: ModuleInstance, head: str, first: str | None, ops: list[Step], span: TfSpan
    ) -> None:
        """A reference to something the module does not declare is an input error, as `terraform validate` says;
        its value is still only unknown, so the checks that depend on it are uncertain."""
        if first is None:
            return
        module = inst.module
        if head == "var" and first not in module.variables:
            missing = f"var.{first}: no variable {first!r} is declared in this module"
        elif head == "local" and first not in module.locals:
            missing = f"local.{first}: no local value {first!r} is defined in this module"
        elif head == "module" and first not in module.calls:
            missing = f"module.{first}: no module {first!r} is called in this module"
        elif (
            head == "data"
            and len(ops) >= 2
            and ops[1][0] == "attr"
            and f"data.{first}.{ops[1][1]}" not in module.resources
        ):
            missing = f"data.{first}.{ops[1][1]}: no such data source in this module"
        elif head not in ("var", "local", "module", "data", "path", "count", "each", "self", "terraform") and (
            "_" in head and f"{head}.{first}" not in module.resources
        ):
            missing = f"{head}.{first}: no such resource in this module"
        else:
            return
        self.config_error(f"reference to an undeclared name: {missing}", span)

    def config_error(self, message: str, span: TfSpan) -> None:
        """An error Terraform would refuse the configuration for, reported once per place (instances repeat it)."""
        where = (span.file, span.line, span.column)
        if where not in self._config_errors:
            self._config_errors.add(where)
            self.errors.append(
                InputError(message=message, loc=Location(file=span.file, line=span.line, column=span.column))
            )

    def apply(self, value: Val, ops: list[Step], scope: Scope, text: str, span: TfSpan) -> Val:
        """Attribute, index and splat steps on a value."""
        for position, op in enumerate(ops):
            if isinstance(value, Unknown):
                if value.expr == text or value.limit:
                    return value
                return self.unknown(text, span, value.reason, value.error)
            if op[0] == "splat":
                if isinstance(value, Scalar) and value.value is None:
                    return ListVal(span)
                items = value.items if isinstance(value, ListVal) else [value]
                rest = ops[position + 1 :]
                return ListVal(span, items=[self.apply(item, rest, scope, text, span) for item in items])
            if op[0] == "attr":
                value = self._member(value, op[1], text, span)
            else:
                value = self._index(value, self.eval(op[1], scope), text, span)
        return value

    def _member(self, value: Val, name: str, text: str, span: TfSpan) -> Val:
        if isinstance(value, ObjVal):
            found = value.get(name)
            if found is not None:
                return found
        return self.unknown(text, span, f"no attribute {name!r}", error=True)

    def _index(self, value: Val, key: Val, text: str, span: TfSpan) -> Val:
        if not is_known(key):
            return self.unknown(text, span, f"the index {', '.join(unknowns(key))} is unknown")
        if isinstance(value, ListVal):
            index = whole(number_of(key))
            if index is not None and 0 <= index < len(value.items):
                return value.items[index]
        elif isinstance(value, ObjVal):
            found = value.get(text_of(key) or "")
            if found is not None:
                return found
        return self.unknown(text, span, f"index {to_python(key)!r} not found", error=True)

    # --- nested blocks --------------------------------------------------------------------------------------------

    def blocks(self, block: Block, kind: str, scope: Scope) -> list[tuple[Block, Scope]]:
        """Nested blocks of a kind, `dynamic` ones expanded; an unknown for_each yields a block marked unknown."""
        found = [(child, scope) for child in nested(block, kind)]
        for dynamic in nested(block, "dynamic"):
            if dynamic["labels"] != [kind]:
                continue
            content = next(iter(nested(dynamic, "content")), None)
            if content is None:
                continue
            iterator_attr = attribute(dynamic, "iterator")
            iterator = kind
            if iterator_attr is not None and iterator_attr["expr"]["kind"] == "name":
                iterator = iterator_attr["expr"]["name"]
            for_each = attribute(dynamic, "for_each")
            collection = self.eval(for_each["expr"], scope) if for_each else Scalar(scope.span(dynamic["span"]))
            pairs = iteration(collection)
            if pairs is None or not self.budget.spend(len(pairs)):
                expr = for_each["expr"].get("text", "for_each") if for_each else "for_each"
                if pairs is None:  # the reason names what is unknown at its root (the caller's variable, say)
                    root = root_of(collection) if isinstance(collection, Unknown) else ", ".join(unknowns(collection))
                    self.unknown(expr, scope.span(dynamic["span"]), f"dynamic {kind!r} iterates over {root}")
                else:
                    self.limited(expr, scope.span(dynamic["span"]), str(self.budget.spent))
                found.append(({**content, "unknown": expr}, scope))
                continue
            for key, value in pairs:
                item = ObjVal(value.span, members={"key": (key.span, key), "value": (value.span, value)})
                found.append((content, scope.with_names(**{iterator: item})))
        found.sort(key=lambda pair: (pair[0]["span"][0], pair[0]["span"][1]))
        return found


# The evaluator of each expression kind: `_e_<kind>`.
_EXPRESSIONS: dict[str, Callable[..., Val]] = {
    name.removeprefix("_e_"): method for name, method in vars(Evaluator).items() if name.startswith("_e_")
}


# --- module instances -----------------------------------------------------------------------------------------------


class Instance:
    """One instance of a module: the root, or a module call (one per count/for_each key)."""

    def __init__(
        self,
        ev: Evaluator,
        module: Module,
        address: str,
        inputs: dict[str, Callable[[], Val]],
        *,
        parent: Instance | None = None,
        depth: int = 0,
        passed: dict[str, str] | None = None,
    ) -> None:
        self.ev = ev
        self.module = module
        self.address = address  # "" for the root, else "module.app" or 'module.app["k"]'
        self.inputs = inputs
        self.parent = parent
        self.depth = depth
        self.passed = passed  # the call's `providers` argument: this module's provider -> the parent's; None: absent
        self.capped: Unknown | None = None  # the note when its call's count/for_each had more instances than made
        self.call_path: tuple[str, ...] = ()  # the module calls' names from the root (modules.json's key, split)
        self._vars: dict[str, Val] = {}
        self._locals: dict[str, Val] = {}
        self._resources: dict[str, list[ResInst] | Unknown] = {}
        self._children: dict[str, list[tuple[Val | None, Instance]] | Unknown] = {}

    def root(self) -> Instance:
        return self if self.parent is None else self.parent.root()

    def prefixed(self, local_address: str) -> str:
        return f"{self.address}.{local_address}" if self.address else local_address

    def scope(self, file: str) -> Scope:
        return Scope(self, file)

    def _guarded(self, key: str, compute: Callable[[], Val], expr: str, span: TfSpan) -> Val:
        token = (id(self), key)
        if token in self.ev.busy:
            return self.ev.unknown(expr, span, "refers to itself", error=True)
        self.ev.busy.add(token)
        try:
            return compute()
        finally:
            self.ev.busy.discard(token)

    def var(self, name: str) -> Val:
        if name not in self._vars:
            self._vars[name] = self._guarded(
                f"var.{name}", lambda: self._var(name), f"var.{name}", self._var_span(name)
            )
        return self._vars[name]

    def _var_span(self, name: str) -> TfSpan:
        declared = self.module.variables.get(name)
        return TfSpan.of(declared.node["span"], declared.file) if declared else TfSpan(1, 1, 1, 1, "")

    def _var(self, name: str) -> Val:
        span = self._var_span(name)
        declared = self.module.variables.get(name)
        if name in self.inputs:
            return self._typed(self.inputs[name](), declared)
        if declared is None:
            return self.ev.unknown(f"var.{name}", span, f"variable {name!r} is not declared", error=True)
        default = attribute(declared.node, "default")
        if default is not None:
            return self._typed(self.ev.eval(default["expr"], Scope(self, declared.file)), declared)
        if self.parent is None:
            reason = f"variable {name!r} has no default and no value in tfvars or --var-file"
        else:
            reason = f"variable {name!r} has no default and {self.address} does not set it"
        return self.ev.unknown(f"var.{name}", span, reason)

    def _typed(self, value: Val, declared: Located | None) -> Val:
        """The value converted to the variable's type, as far as that changes it (optional attributes)."""
        constraint = attribute(declared.node, "type") if declared is not None else None
        if constraint is None or declared is None:
            return value
        scope = Scope(self, declared.file)
        return with_optional_attributes(
            value, constraint["expr"], lambda node: self.ev.eval(node, scope), declared.file
        )

    def local(self, name: str) -> Val:
        if name not in self._locals:
            declared = self.module.locals.get(name)
            if declared is None:
                return self.ev.unknown(f"local.{name}", TfSpan(1, 1, 1, 1, ""), f"no local {name!r}", error=True)
            span = TfSpan.of(declared.node["span"], declared.file)
            scope = Scope(self, declared.file)
            self._locals[name] = self._guarded(
                f"local.{name}", lambda: self.ev.eval(declared.node["expr"], scope), f"local.{name}", span
            )
        return self._locals[name]

    def output(self, name: str, span: TfSpan, text: str) -> Val:
        declared = self.module.outputs.get(name)
        value = attribute(declared.node, "value") if declared else None
        if declared is None or value is None:
            self.ev.config_error(
                f"reference to an undeclared name: {text}: {self.address} has no output {name!r}", span
            )
            return self.ev.unknown(text, span, f"{self.address} has no output {name!r}", error=True)
        scope = Scope(self, declared.file)
        return self._guarded(f"output.{name}", lambda: self.ev.eval(value["expr"], scope), text, span)

    # -- provider configurations --

    def provider_region(self, ref: str = "aws") -> Val | None:
        """The `region` of provider configuration `ref` ("aws", "aws.west") as this module sees it.

        A module's own provider block decides; a child module without one uses its parent's, through the call's
        `providers` argument when it has one, else the parent's default (un-aliased) configuration, as Terraform
        passes it. None when no configuration sets a region: the region then comes from the environment Terraform
        runs in, which an offline check does not read (AWS_REGION on this machine says nothing about the deploy).
        """
        config = self.module.providers.get(ref)
        if config is not None:
            region = attribute(config.node, "region")
            if region is None:
                return None
            scope = Scope(self, config.file)
            span = scope.span(region["span"])
            return self._guarded(f"provider.{ref}", lambda: self.ev.eval(region["expr"], scope), f"{ref}.region", span)
        if self.parent is None:
            return None
        if self.passed is None:
            return self.parent.provider_region(ref) if "." not in ref else None
        given = self.passed.get(ref)
        return self.parent.provider_region(given) if given is not None else None

    # -- resources --

    def instances(self, key: str) -> list[ResInst] | Unknown:
        """The instances of a resource or data block; Unknown when count/for_each cannot be resolved."""
        if key not in self._resources:
            self._resources[key] = self._expand(key)
        return self._resources[key]

    def _expand(self, key: str) -> list[ResInst] | Unknown:
        resource = self.module.resources[key]
        scope = Scope(self, resource.file)
        address = self.prefixed(key)
        expansion = self.expansion(resource.block, scope)
        if isinstance(expansion, Unknown):
            return expansion
        if not self.ev.budget.make_instances(1 if expansion is None else len(expansion.keyed)):
            return self.ev.limited(address, scope.span(resource.block["span"]), str(self.ev.budget.spent))
        if expansion is None:
            return [resource_instance(resource, address, scope, capped=self.capped)]
        capped = expansion.capped or self.capped
        return [
            resource_instance(resource, f"{address}[{_key_text(k)}]", inner, k, capped) for k, inner in expansion.keyed
        ]

    def expansion(self, block: Block, scope: Scope) -> Expansion | Unknown | None:
        """count/for_each of a block: None without them, the instances (at most MAX_INSTANCES), or Unknown."""
        count = attribute(block, "count")
        for_each = attribute(block, "for_each")
        if count is not None:
            expr, span = count["expr"].get("text", "count"), scope.span(count["span"])
            value = self.ev.eval(count["expr"], scope)
            number = number_of(value) if is_known(value) else None
            if number is None:
                return limit_of(value) or self.ev.unknown(expr, span, "count is unknown")
            total = whole(number)
            if total is None or total < 0:
                return self.ev.unknown(expr, span, "count must be a whole number, 0 or more", error=True)
            keys: list[Val] = [Scalar(value.span, value=i) for i in range(min(total, MAX_INSTANCES))]
            keyed = [(k, scope.with_names(count=ObjVal(k.span, members={"index": (k.span, k)}))) for k in keys]
            return Expansion(keyed, self._capped(expr, span, total))
        if for_each is not None:
            expr, span = for_each["expr"].get("text", "for_each"), scope.span(for_each["span"])
            value = self.ev.eval(for_each["expr"], scope)
            pairs = iteration(value) if is_known(value) or isinstance(value, ObjVal) else None
            if pairs is None:
                return limit_of(value) or self.ev.unknown(expr, span, "for_each is unknown")
            result = []
            for index, item in pairs[:MAX_INSTANCES]:
                each_key = index if isinstance(value, ObjVal) else item
                each = ObjVal(item.span, members={"key": (each_key.span, each_key), "value": (item.span, item)})
                result.append((each_key, scope.with_names(each=each)))
            return Expansion(result, self._capped(expr, span, len(pairs)))
        return None

    def _capped(self, expr: str, span: TfSpan, total: int) -> Unknown | None:
        """The note for instances left out: each would repeat the findings of the first ones, at a cost per copy."""
        if total <= MAX_INSTANCES:
            return None
        return self.ev.limited(expr, span, f"only the first {MAX_INSTANCES} of its {total:,} instances are checked")

    def resource_ref(self, key: str, ops: list[Step], scope: Scope, text: str, span: TfSpan) -> Val:
        if key not in self.module.resources:
            return self.ev.unknown(text, span, f"no {key} in this module", error=True)
        found = self.instances(key)
        if isinstance(found, Unknown):
            return self.ev.unknown(text, span, f"{key} has an unknown count/for_each ({found.expr})")
        expanded = attribute(self.module.resources[key].block, "count") or attribute(
            self.module.resources[key].block, "for_each"
        )
        if not expanded:
            if ops and ops[0][0] == "attr":
                value = attribute_value(self.ev, found[0], ops[0][1], span, text)
                return self.ev.apply(value, ops[1:], scope, text, span)
            return self.ev.unknown(text, span, "a whole resource is not evaluated")
        if ops and ops[0][0] == "splat":
            items = [self._instance_value(inst, ops[1:], scope, text, span) for inst in found]
            return ListVal(span, items=items)
        if ops and ops[0][0] == "index":
            wanted = self.ev.eval(ops[0][1], scope)
            if not is_known(wanted):
                return self.ev.unknown(text, span, f"the index {', '.join(unknowns(wanted))} is unknown")
            for inst in found:
                if inst.key is not None and to_python(inst.key) == to_python(wanted):
                    return self._instance_value(inst, ops[1:], scope, text, span)
            return self.ev.unknown(text, span, f"{key} has no instance {to_python(wanted)!r}", error=True)
        return self.ev.unknown(text, span, f"{key} has count/for_each: index it", error=True)

    def _instance_value(self, inst: ResInst, ops: list[Step], scope: Scope, text: str, span: TfSpan) -> Val:
        if not ops or ops[0][0] != "attr":
            return self.ev.unknown(text, span, "a whole resource is not evaluated")
        return self.ev.apply(attribute_value(self.ev, inst, ops[0][1], span, text), ops[1:], scope, text, span)

    # -- child modules --

    def children(self, name: str) -> list[tuple[Val | None, Instance]] | Unknown:
        if name not in self._children:
            self._children[name] = self._call(name)
        return self._children[name]

    def _call(self, name: str) -> list[tuple[Val | None, Instance]] | Unknown:
        call = self.module.calls[name]
        scope = Scope(self, call.file)
        span = scope.span(call.node["span"])
        source_attr = attribute(call.node, "source")
        source = self.ev.eval(source_attr["expr"], scope) if source_attr else None
        text = text_of(source) if source is not None and is_known(source) else None
        if text is not None and "\x00" in text:  # no file system takes it; Terraform fails to find the module
            return self.ev.unknown(f"module.{name}", span, f"module source {text!r} is not a path", error=True)
        if text is None or not text.startswith(("./", "../")):
            fetched = self._fetched(name, text) if text else None
            if isinstance(fetched, str):
                return self.ev.unknown(f"module.{name}", span, fetched)
            if fetched is None:
                why = f"module source {text!r} is not a local path" if text else "module source is unknown"
                return self.ev.unknown(f"module.{name}", span, f"{why}; it is not followed")
            folder = fetched
        else:
            folder = resolved(self.module.folder / text)
        if not inside(folder):
            reason = f"module source {text!r} is outside the checked tree; it is not read"
            return self.ev.unknown(f"module.{name}", span, reason)
        if not folder.is_dir():
            return self.ev.unknown(f"module.{name}", span, f"module folder {text!r} does not exist", error=True)
        caller = self._caller_in(folder)
        if caller is not None:
            self.ev.config_error(
                f'module "{name}": source "{text}" is {caller}; Terraform refuses a module cycle', span
            )
            return self.ev.unknown(f"module.{name}", span, "a module cycle; it is not followed", error=True)
        if self.depth >= MAX_MODULE_DEPTH:
            reason = f"module calls nest more than {MAX_MODULE_DEPTH} deep; it is not followed"
            return self.ev.limited(f"module.{name}", span, reason)
        child = self.ev.module(folder)
        expansion = self.expansion(call.node, scope)
        if isinstance(expansion, Unknown):
            return self.ev.unknown(f"module.{name}", span, f"the module's count/for_each ({expansion.expr}) is unknown")
        keyed: list[tuple[Val | None, Scope]] = [(None, scope)] if expansion is None else list(expansion.keyed)
        if not self.ev.budget.make_instances(len(keyed)):
            return self.ev.limited(f"module.{name}", span, str(self.ev.budget.spent))
        capped = expansion.capped if expansion is not None else None
        result = []
        for key, inner in keyed:
            address = self.prefixed(f"module.{name}" + (f"[{_key_text(key)}]" if key is not None else ""))
            inputs = {
                attr["name"]: _lazy(self.ev, attr["expr"], inner)
                for attr in call.node["attrs"]
                if attr["name"] not in META_ARGUMENTS
            }
            passed = _passed_providers(call.node)
            child_inst = Instance(self.ev, child, address, inputs, parent=self, depth=self.depth + 1, passed=passed)
            child_inst.call_path = (*self.call_path, name)
            child_inst.capped = capped or self.capped
            result.append((key, child_inst))
        return result

    def _fetched(self, name: str, source: str) -> Path | str | None:
        """The folder `terraform init` downloaded a registry or git module call to, as Terraform finds it: the root
        module's `.terraform/modules/modules.json` lists each call by its key (the calls' names from the root,
        joined with "."; instance keys left out) with its source and the folder, relative to the root module.

        None when nothing was fetched for the call (no manifest, no entry): the call is not followed, as before.
        A reason (str) when the entry cannot be used: fetched for another source (Terraform then asks for `init`
        again), or a folder outside the checked tree (never read)."""
        manifest = self.ev.manifest(self.root().module.folder)
        entry = manifest.get(".".join((*self.call_path, name))) if manifest else None
        if entry is None:
            return None
        recorded, directory = entry
        if recorded not in (source, f"registry.terraform.io/{source}"):
            return f"module source {source!r} was fetched as {recorded!r}: run terraform init again; it is not followed"
        folder = resolved(self.root().module.folder / directory)
        if not inside(folder):
            return f"module source {source!r} was fetched to {directory!r}, outside the checked tree; it is not read"
        return folder

    def _caller_in(self, folder: Path) -> str | None:
        """How to name this module instance or the caller above it that is the module in `folder`, if any is."""
        inst: Instance | None = self
        while inst is not None:
            if resolved(inst.module.folder) == folder:
                if inst is self:
                    return "this module itself"
                return f"{inst.address or 'the root module'}, which this module is called from"
            inst = inst.parent
        return None

    def module_ref(self, name: str, ops: list[Step], scope: Scope, text: str, span: TfSpan) -> Val:
        if name not in self.module.calls:
            return self.ev.unknown(text, span, f"no module {name!r} in this module", error=True)
        found = self.children(name)
        if isinstance(found, Unknown):
            return self.ev.unknown(text, span, found.reason)
        if ops and ops[0][0] == "index":
            wanted = self.ev.eval(ops[0][1], scope)
            match = [inst for key, inst in found if key is not None and to_python(key) == to_python(wanted)]
            if not match:
                return self.ev.unknown(text, span, f"module.{name} has no instance {to_python(wanted)!r}", error=True)
            found, ops = [(None, match[0])], ops[1:]
        if ops and ops[0][0] == "splat":
            items = [
                self.ev.apply(self._outputs(inst, ops[1:], text, span), [], scope, text, span) for _, inst in found
            ]
            return ListVal(span, items=items)
        if len(found) != 1:
            return self.ev.unknown(text, span, f"module.{name} has count/for_each: index it", error=True)
        return self._outputs(found[0][1], ops, text, span, scope)

    def _outputs(self, inst: Instance, ops: list[Step], text: str, span: TfSpan, scope: Scope | None = None) -> Val:
        if not ops or ops[0][0] != "attr":
            return self.ev.unknown(text, span, "a whole module is not evaluated")
        value = inst.output(ops[0][1], span, text)
        return self.ev.apply(value, ops[1:], scope or Scope(self, span.file), text, span)

    def walk(self) -> Iterator[Instance]:
        """This instance and every child module instance that could be followed."""
        yield self
        for name in self.module.calls:
            found = self.children(name)
            if not isinstance(found, Unknown):
                for _, child in found:
                    yield from child.walk()


def _read_manifest(path: Path) -> dict[str, tuple[str, str]] | None:
    """modules.json as Terraform writes it (internal/modsdir): {"Modules": [{"Key", "Source", "Version", "Dir"}]}.
    Read through the confined reader: a manifest outside the checked tree, or a link out of it, is not read."""
    if not path.is_file():
        return None
    try:
        data = json.loads(read_text(path, MAX_FILE_BYTES))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    entries = data.get("Modules") if isinstance(data, dict) else None
    found: dict[str, tuple[str, str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        key, source, folder = entry.get("Key"), entry.get("Source"), entry.get("Dir")
        if (
            isinstance(key, str)
            and key
            and isinstance(source, str)
            and isinstance(folder, str)
            and "\x00" not in folder
        ):
            found[key] = (source, folder)
    return found


def _passed_providers(call: Block) -> dict[str, str] | None:
    """A module call's `providers = { aws = aws.west }` as {"aws": "aws.west"}; None when the call has none."""
    passed = attribute(call, "providers")
    if passed is None:
        return None
    found: dict[str, str] = {}
    if passed["expr"]["kind"] == "obj":
        for key, value in passed["expr"]["items"]:
            name = str(key["value"]) if key["kind"] == "lit" else key.get("text", "")
            found[name] = value.get("text", "")
    return found


def _lazy(ev: Evaluator, node: Expr, scope: Scope) -> Callable[[], Val]:
    return lambda: ev.eval(node, scope)


def _key_text(key: Val | None) -> str:
    value = to_python(key) if key is not None else None
    return json.dumps(value) if isinstance(value, str) else str(value)


# --- the root module and its variable values ------------------------------------------------------------------------


def root_inputs(ev: Evaluator, module: Module, var_files: list[Path]) -> dict[str, Callable[[], Val]]:
    """Variable values as Terraform reads them, later sources winning: terraform.tfvars(.json), *.auto.tfvars(.json)
    in name order, then --var-file in the order given.

    Unlike Terraform, `TF_VAR_*` environment variables are not read: they belong to the machine running the check,
    not to the tree being checked, and a pull request that declares `variable "db_password" {}` and puts it in a
    policy would print the runner's secret in the report."""
    inputs: dict[str, Callable[[], Val]] = {}
    folder = module.folder
    automatic = [folder / "terraform.tfvars", folder / "terraform.tfvars.json"]
    with contextlib.suppress(OSError):
        automatic += sorted(p for p in folder.iterdir() if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))
    for path in [p for p in automatic if p.is_file()] + list(var_files):
        inputs.update(_var_file(ev, path))
    return inputs


def constant(value: Val) -> Callable[[], Val]:
    return lambda: value


def _var_file(ev: Evaluator, path: Path) -> dict[str, Callable[[], Val]]:
    shown = display_path(path)
    if not path.is_file():
        ev.errors.append(InputError(message="no such variable file", loc=Location(file=shown)))
        return {}
    if path.name.endswith(".json"):
        return _json_var_file(ev, path, shown)
    parsed = parse_files([path])[path]
    if parsed.error is not None:
        message, line, column = parsed.error
        ev.errors.append(InputError(message=message, loc=Location(file=shown, line=line, column=column)))
        return {}
    dummy = Instance(ev, Module(folder=path.parent), "", {})
    scope = Scope(dummy, shown)
    return {attr["name"]: _lazy(ev, attr["expr"], scope) for attr in parsed.ir["attrs"]}


def _json_var_file(ev: Evaluator, path: Path, shown: str) -> dict[str, Callable[[], Val]]:
    try:
        root = parse(read_text(path, MAX_FILE_BYTES))
    except (OSError, UnicodeDecodeError, JsonSyntaxError) as error:
        line, column = getattr(error, "line", 1), getattr(error, "column", 1)
        loc = Location(file=shown, line=line, column=column)
        why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        ev.errors.append(InputError(message=f"cannot read variable file: {why}", loc=loc))
        return {}
    if not isinstance(root, JObject):
        ev.errors.append(InputError(message="a .tfvars.json file must hold an object", loc=Location(file=shown)))
        return {}
    root = respan(root, shown)
    assert isinstance(root, JObject)
    return {member.key: constant(from_jnode(member.value)) for member in root.members}
