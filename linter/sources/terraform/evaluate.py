"""Expression evaluation over a module tree: variables, locals, references, count/for_each, module calls.

Evaluation is lazy and memoised: only what an IAM-bearing resource needs is evaluated. Whatever cannot be known
without running Terraform (a variable without a value, a computed attribute, a data source, a function this module
does not implement) becomes `Unknown` naming its expression; the reason is kept for the IPN001 note.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from linter.model import InputError, Location
from linter.record import Record
from linter.sources import resolved
from linter.sources.confine import inside
from linter.sources.terraform.module import IR, Located, Module, Resource, attribute, display_path, nested, read_module
from linter.sources.terraform.types import with_optional_attributes
from linter.sources.terraform.values import (
    ListVal,
    ObjVal,
    Scalar,
    TfSpan,
    Unknown,
    Val,
    anchored,
    is_known,
    number_of,
    placeholder,
    text_of,
    to_python,
    unknowns,
    whole,
)

META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on", "lifecycle", "provider"}

# --- limits ---------------------------------------------------------------------------------------------------------
# A configuration is the pull request author's input, and a few lines of it can ask for 2^63 list elements (`concat`
# doubling a local), 2^30 iterations (three nested `for`), a string of gigabytes or recursion deeper than Python's
# stack. Whatever passes one of these limits becomes unknown with one IPN001 note naming the expression, and the run
# goes on. Measured on terraform-aws-modules' iam, s3-bucket and eks and cloudposse's s3-bucket and iam-role (every
# example folder a module tree), real modules stay far below: at most 18 expressions and 8 lists deep, 862 elements
# and 18,000 characters in one value; for a whole tree 6,600 steps, 7,200 characters built, 145 instances and 53,000
# characters handed to the rules. The worst input for each limit finishes within 4 s and 150 MB through the whole
# CLI on one core (benchmarks/bench_hostile.py).
MAX_MODULE_DEPTH = 12  # module calls nested in one another
MAX_EVAL_DEPTH = 100  # expressions evaluated inside one another, references included: ~5 of Python's 1,000 frames each
MAX_VALUE_DEPTH = 32  # lists and objects nested in one another (each a frame or two in every walk over the value)
MAX_ELEMENTS = 50_000  # elements of one value, shared parts counted as copies (see `Val.size`)
MAX_CHARS = 4_000_000  # characters of the strings of one value, likewise
MAX_INSTANCES = 256  # count/for_each beyond this is not expanded (each instance would repeat the same findings)
# Shared by a whole module tree, so that many values each under the limits above cannot add up to an explosion.
# A step is a few microseconds: an expression evaluated, an iteration, an element built or copied, a character of
# JSON parsed.
MAX_STEPS = 500_000
MAX_TOTAL_CHARS = 32_000_000  # characters of the strings built
MAX_TOTAL_INSTANCES = 4096  # module and resource instances
# Resource arguments handed to the rules, as the length of their JSON text: what the rules then check is bounded as
# a policy file's size bounds it (one evaluated policy is often handed to many resource instances).
MAX_HANDED_CHARS = 1_000_000
# Regular expressions run with RE2 (linear in the text, as Terraform's Go regexp): these bound a pattern's program
# and its matching memory (RE2's own default is 8 MB per pattern, and google-re2 keeps 128 patterns compiled).
MAX_PATTERN_LENGTH = 4096
REGEX_MEMORY = 1 << 20
# Why a value past a per-value limit is unknown
TOO_MANY = f"its value would have more than {MAX_ELEMENTS:,} elements"
TOO_LONG = f"its value would hold more than {MAX_CHARS:,} characters"


class Budget:
    """What the evaluation of one module tree may still spend; once anything runs out, every expression evaluated
    after that is unknown (`spent` says why)."""

    __slots__ = ("chars", "depth", "handed", "instances", "spent", "steps")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.chars = MAX_TOTAL_CHARS
        self.instances = MAX_TOTAL_INSTANCES
        self.handed = MAX_HANDED_CHARS
        self.depth = 0  # expressions being evaluated inside one another now
        self.spent: str | None = None

    def spend(self, steps: int = 0, chars: int = 0, instances: int = 0, handed: int = 0) -> bool:
        """Take from the budget; False once it is spent (now or before)."""
        self.steps -= steps
        self.chars -= chars
        self.instances -= instances
        self.handed -= handed
        if self.spent is None and min(self.steps, self.chars, self.instances, self.handed) < 0:
            if self.steps < 0:
                self.spent = f"evaluating the module tree would take more than {MAX_STEPS:,} steps"
            elif self.chars < 0:
                self.spent = f"the module tree would build more than {MAX_TOTAL_CHARS:,} characters of strings"
            elif self.instances < 0:
                self.spent = (
                    f"the module tree would have more than {MAX_TOTAL_INSTANCES:,} module and resource instances"
                )
            elif self.handed < 0:
                self.spent = (
                    f"the module tree's resources would hold more than {MAX_HANDED_CHARS:,} characters of values"
                )
            self.steps = min(self.steps, -1)  # `Evaluator.eval` looks at the steps alone
        return self.spent is None

    def make_instances(self, count: int) -> bool:
        """Take instances; False when there are too many. Once something else has run out, instances are still
        made: each one's arguments are then unknown at once, with a note, where an unexpanded resource would hide
        what it is."""
        self.instances -= count
        return self.instances >= 0 or self.spend()


@dataclass(repr=False, eq=False)
class Scope(Record):
    inst: Instance
    file: str
    names: dict[str, Val] = field(default_factory=dict)

    def with_names(self, **names: Val) -> Scope:
        return Scope(self.inst, self.file, {**self.names, **names})

    def span(self, raw: list[int]) -> TfSpan:
        return TfSpan.of(raw, self.file)


@dataclass(repr=False, eq=False)
class BlockView(Record):
    """A block (resource, data source or nested block) with the scope its arguments are evaluated in."""

    block: IR
    scope: Scope
    address: str  # of the resource the block belongs to
    type: str

    def span(self) -> TfSpan:
        return self.scope.span(self.block["s"])

    def arg(self, name: str) -> Val | None:
        """An argument as written (None when absent or null, as Terraform reads an argument set to null); every
        argument of an unknown dynamic block is unknown."""
        if self.block.get("unknown"):
            return Unknown(self.span(), expr=self.block["unknown"], reason="dynamic block over an unknown collection")
        attr = attribute(self.block, name)
        if attr is None:
            return None
        ev = self.scope.inst.ev
        value = ev.eval(attr["e"], self.scope)
        # What the rules will check, as long as its JSON text (an element takes a few characters besides its strings)
        if not ev.budget.spend(handed=value.chars + 4 * value.size):
            return ev.limited(expression_text(attr["e"]), value.span, str(ev.budget.spent))
        return not_null(value)

    def arg_span(self, name: str) -> TfSpan:
        attr = attribute(self.block, name)
        return self.scope.span(attr["s"]) if attr is not None else self.span()

    def blocks(self, kind: str) -> list[BlockView]:
        return [
            BlockView(block, scope, self.address, self.type)
            for block, scope in self.scope.inst.ev.blocks(self.block, kind, self.scope)
        ]

    def region(self) -> str | None:
        """The region the resource is created in when the configuration says (see `attributes.region_of`)."""
        from linter.sources.terraform.attributes import region_of

        value = region_of(self)
        return text_of(value) if value is not None and is_known(value) else None


@dataclass(repr=False, eq=False)
class ResInst(BlockView):
    """One instance of a resource or data block (count/for_each expanded)."""

    resource: Resource | None = None
    key: Val | None = None  # count.index or each.key; None without count/for_each
    capped: Unknown | None = None  # its count/for_each, or its module's, had more instances than are checked

    @property
    def mode(self) -> str:
        return self.resource.mode if self.resource else "resource"


def resource_instance(
    resource: Resource, address: str, scope: Scope, key: Val | None = None, capped: Unknown | None = None
) -> ResInst:
    return ResInst(resource.block, scope, address, resource.type, resource, key, capped)


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

    def module(self, folder: Path) -> Module:
        key = resolved(folder)
        if key not in self.modules:
            self.modules[key] = read_module(folder)
        return self.modules[key]

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

    def eval(self, node: IR, scope: Scope) -> Val:
        budget = self.budget
        if budget.depth >= MAX_EVAL_DEPTH:
            reason = f"it is nested more than {MAX_EVAL_DEPTH} expressions deep (references included)"
            return self.limited(expression_text(node), scope.span(node["s"]), reason)
        budget.steps -= 1
        if budget.steps < 0 and not budget.spend():
            return self.limited(expression_text(node), scope.span(node["s"]), str(budget.spent))
        handler: Callable[[IR, Scope], Val] = getattr(self, f"_e_{node['k']}", self._e_unsupported)
        budget.depth += 1
        try:
            value = handler(node, scope)
        except RecursionError:
            # MAX_EVAL_DEPTH and MAX_VALUE_DEPTH keep evaluation far from Python's stack limit; should some path
            # still recurse deeper (a positioned JSON document inside a deep expression), the expression is unknown
            # rather than the run failing.
            return self.limited(expression_text(node), scope.span(node["s"]), "it nests too deeply to evaluate")
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
        return limited or self.over_limit(value, expression_text(node), scope.span(node["s"])) or value

    def _e_lit(self, node: IR, scope: Scope) -> Val:
        return Scalar(scope.span(node["s"]), value=node["v"])

    def _e_num(self, node: IR, scope: Scope) -> Val:
        """A number literal Python cannot hold (thousands of digits): its text, which IAM compares as a number."""
        from linter.sources.jsonpos import JsonNumber

        return Scalar(scope.span(node["s"]), value=JsonNumber(node["v"]))

    def _e_unsupported(self, node: IR, scope: Scope) -> Val:
        return self.unknown(node.get("t", "?"), scope.span(node["s"]), "this expression form is not evaluated")

    def _e_directive(self, node: IR, scope: Scope) -> Val:
        return self.unknown(node["t"], scope.span(node["s"]), "template directives (%{...}) are not evaluated")

    def _e_list(self, node: IR, scope: Scope) -> Val:
        return ListVal(scope.span(node["s"]), items=[self.eval(item, scope) for item in node["items"]])

    def _e_obj(self, node: IR, scope: Scope) -> Val:
        span = scope.span(node["s"])
        members: dict[str, tuple[TfSpan, Val]] = {}
        for key_node, value_node in node["items"]:
            key = self.eval(key_node, scope)
            text = text_of(key)
            if text is None or not is_known(key):
                return limit_of(key) or self.unknown(node.get("t", "{...}"), span, "an object key is unknown")
            members[text] = (scope.span(key_node["s"]), self.eval(value_node, scope))
        return ObjVal(span, members=members)

    def _e_tpl(self, node: IR, scope: Scope) -> Val:
        from linter.sources.terraform.templates import expand_directives, has_directives

        parts = node["p"]
        span = scope.span(node["s"])
        text = node.get("t", "template")
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

    def _e_heredoc(self, node: IR, scope: Scope) -> Val:
        from linter.sources.terraform.templates import heredoc_value

        return heredoc_value(self, node, scope)

    def _e_cond(self, node: IR, scope: Scope) -> Val:
        condition = self.eval(node["c"], scope)
        if isinstance(condition, Scalar) and condition.unresolved is None and isinstance(condition.value, bool):
            return self.eval(node["a"] if condition.value else node["b"], scope)
        yes, no = self.eval(node["a"], scope), self.eval(node["b"], scope)
        limited = limit_of(condition, yes, no)
        if limited is not None:
            return limited
        if not self.budget.spend(walk_cost(yes) + walk_cost(no)):
            return self.limited(node["t"], scope.span(node["s"]), str(self.budget.spent))
        if is_known(yes) and is_known(no) and to_python(yes) == to_python(no):
            return yes
        expr = ", ".join(unknowns(condition)) or node["c"].get("t", "condition")
        return self.unknown(node["t"], scope.span(node["s"]), f"the condition depends on {expr}")

    def _e_un(self, node: IR, scope: Scope) -> Val:
        operand = self.eval(node["a"], scope)
        span = scope.span(node["s"])
        if not isinstance(operand, Scalar) or operand.unresolved is not None:
            return limit_of(operand) or self.unknown(
                node["t"], span, f"depends on {', '.join(unknowns(operand)) or node['a'].get('t')}"
            )
        if node["op"] == "!" and isinstance(operand.value, bool):
            return Scalar(span, value=not operand.value)
        number = number_of(operand)
        if node["op"] == "-" and number is not None:
            return Scalar(span, value=-number)
        return self.unknown(node["t"], span, "operand has the wrong type", error=True)

    def _e_bin(self, node: IR, scope: Scope) -> Val:
        from linter.sources.terraform.functions import binary

        return binary(self, node, scope)

    def _e_call(self, node: IR, scope: Scope) -> Val:
        from linter.sources.terraform.functions import call

        return call(self, node, scope)

    def _e_for(self, node: IR, scope: Scope) -> Val:
        span = scope.span(node["s"])
        collection = self.eval(node["coll"], scope)
        pairs = iteration(collection)
        if pairs is None:
            if isinstance(collection, Unknown) and (collection.limit or collection.error):
                # what depends on an error is that error (Terraform fails there); on a limit, that limit
                return collection if collection.limit else self.unknown(node["t"], span, collection.reason, error=True)
            reason = f"iterates over {', '.join(unknowns(collection)) or node['coll'].get('t')}"
            return self.unknown(node["t"], span, reason)
        items: list[Val] = []
        keyed: dict[str, tuple[TfSpan, Val]] = {}
        groups: dict[str, tuple[TfSpan, list[Val]]] = {}
        size = 1
        for key, value in pairs:
            if not self.budget.spend(1):
                return self.limited(node["t"], span, str(self.budget.spent))
            names = {node["vv"]: value}
            if node["kv"]:
                names[node["kv"]] = key
            inner = scope.with_names(**names)
            if node["cond"] is not None:
                keep = self.eval(node["cond"], inner)
                if not (isinstance(keep, Scalar) and keep.unresolved is None and isinstance(keep.value, bool)):
                    return limit_of(keep) or self.unknown(
                        node["t"], span, f"the filter depends on {', '.join(unknowns(keep))}"
                    )
                if not keep.value:
                    continue
            value_out = self.eval(node["val"], inner)
            size += value_out.size
            if size > MAX_ELEMENTS:  # stop iterating now: the list would only be thrown away
                return self.limited(node["t"], span, TOO_MANY)
            if not node["obj"]:
                items.append(value_out)
                continue
            key_out = self.eval(node["key"], inner)
            text = text_of(key_out)
            if text is None or not is_known(key_out):
                return limit_of(key_out) or self.unknown(node["t"], span, "a key of the for expression is unknown")
            if node["grp"]:
                groups.setdefault(text, (key_out.span, []))[1].append(value_out)
            else:
                keyed[text] = (key_out.span, value_out)
        if groups:
            keyed = {text: (key_span, ListVal(span, items=grouped)) for text, (key_span, grouped) in groups.items()}
        return ObjVal(span, members=keyed) if node["obj"] else ListVal(span, items=items)

    def _e_name(self, node: IR, scope: Scope) -> Val:
        return self._e_trav({"k": "trav", "b": node, "ops": [], "s": node["s"], "t": node["t"]}, scope)

    def _e_trav(self, node: IR, scope: Scope) -> Val:
        span = scope.span(node["s"])
        base, ops = node["b"], node["ops"]
        if base["k"] != "name":
            return self.apply(self.eval(base, scope), ops, scope, node["t"], span)
        head = base["n"]
        if head in scope.names:
            return self.anchored(self.apply(scope.names[head], ops, scope, node["t"], span), span, node["t"])
        inst = scope.inst
        first = ops[0][1] if ops and ops[0][0] == "attr" else None
        self._check_declared(inst, head, first, ops, span)
        if head == "var" and first is not None:
            value = self.apply(inst.var(first), ops[1:], scope, node["t"], span)
        elif head == "local" and first is not None:
            value = self.apply(inst.local(first), ops[1:], scope, node["t"], span)
        elif head == "module" and first is not None:
            value = inst.module_ref(first, ops[1:], scope, node["t"], span)
        elif head == "data" and len(ops) >= 2 and ops[1][0] == "attr" and first is not None:
            value = inst.resource_ref(f"data.{first}.{ops[1][1]}", ops[2:], scope, node["t"], span)
        elif head == "path" and first in ("module", "root", "cwd"):
            folder = (
                inst.module.folder if first == "module" else (inst.root().module.folder if first == "root" else Path())
            )
            value = Scalar(span, value=str(folder.resolve()))
        elif first is not None and f"{head}.{first}" in inst.module.resources:
            value = inst.resource_ref(f"{head}.{first}", ops[1:], scope, node["t"], span)
        elif head in ("count", "each", "self"):
            value = self.unknown(node["t"], span, f"`{head}` is not available here", error=True)
        elif first is not None and "_" in head:
            value = self.unknown(node["t"], span, f"no resource {head}.{first} in this module", error=True)
        else:
            value = self.unknown(node["t"], span, "not evaluated")
        return self.anchored(value, span, node["t"])

    def anchored(self, value: Val, span: TfSpan, expr: str) -> Val:
        """`values.anchored`, which copies the value: paid for from the budget."""
        if value.size > 1 and not self.budget.spend(value.size):
            return self.limited(expr, span, str(self.budget.spent))
        return anchored(value, span)

    def _check_declared(self, inst: Instance, head: str, first: str | None, ops: list[list[Any]], span: TfSpan) -> None:
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

    def apply(self, value: Val, ops: list[list[Any]], scope: Scope, text: str, span: TfSpan) -> Val:
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

    def blocks(self, block: IR, kind: str, scope: Scope) -> list[tuple[IR, Scope]]:
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
            if iterator_attr is not None and iterator_attr["e"]["k"] == "name":
                iterator = iterator_attr["e"]["n"]
            for_each = attribute(dynamic, "for_each")
            collection = self.eval(for_each["e"], scope) if for_each else Scalar(scope.span(dynamic["s"]))
            pairs = iteration(collection)
            if pairs is None or not self.budget.spend(len(pairs)):
                expr = for_each["e"].get("t", "for_each") if for_each else "for_each"
                if pairs is None:
                    self.unknown(expr, scope.span(dynamic["s"]), f"dynamic {kind!r} iterates over {expr}")
                else:
                    self.limited(expr, scope.span(dynamic["s"]), str(self.budget.spent))
                found.append(({**content, "unknown": expr}, scope))
                continue
            for key, value in pairs:
                item = ObjVal(value.span, members={"key": (key.span, key), "value": (value.span, value)})
                found.append((content, scope.with_names(**{iterator: item})))
        found.sort(key=lambda pair: (pair[0]["s"][0], pair[0]["s"][1]))
        return found


def expression_text(node: IR) -> str:
    """An expression as written; the IR keeps no text for literals, lists and objects (a cache entry would hold
    every nested one again), so those read as their value or their shape."""
    if "t" in node:
        return str(node["t"])
    if node["k"] == "lit":
        text = json.dumps(node["v"])
        return text if len(text) <= 60 else text[:56] + '..."'
    return _SHAPES.get(node["k"], "expression")


_SHAPES = {"list": "[...]", "obj": "{...}"}


def walk_cost(value: Val) -> int:
    """Steps a walk over the whole value takes (comparing, encoding): its elements, and its strings at about a
    thousand characters a step."""
    return value.size + value.chars // 1024


def limit_of(*values: Val) -> Unknown | None:
    """The first of these values that an evaluation limit made unknown: what depends on it is unknown for the same
    reason, and the note names the expression that reached the limit rather than each one depending on it."""
    return next((v for v in values if isinstance(v, Unknown) and v.limit), None)


def not_null(value: Val) -> Val | None:
    """None for a known null: an argument set to null is one left out."""
    return None if isinstance(value, Scalar) and value.value is None and value.unresolved is None else value


def iteration(collection: Val) -> list[tuple[Val, Val]] | None:
    """(key, value) pairs of a list, set or map; None when the collection is unknown."""
    if isinstance(collection, ListVal):
        return [(Scalar(item.span, value=index), item) for index, item in enumerate(collection.items)]
    if isinstance(collection, ObjVal):
        return [(Scalar(key_span, value=key), value) for key, (key_span, value) in collection.members.items()]
    if isinstance(collection, Scalar) and collection.value is None:
        return []
    return None


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
        return TfSpan.of(declared.node["s"], declared.file) if declared else TfSpan(1, 1, 1, 1, "")

    def _var(self, name: str) -> Val:
        span = self._var_span(name)
        declared = self.module.variables.get(name)
        if name in self.inputs:
            return self._typed(self.inputs[name](), declared)
        if declared is None:
            return self.ev.unknown(f"var.{name}", span, f"variable {name!r} is not declared", error=True)
        default = attribute(declared.node, "default")
        if default is not None:
            return self._typed(self.ev.eval(default["e"], Scope(self, declared.file)), declared)
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
        return with_optional_attributes(value, constraint["e"], lambda node: self.ev.eval(node, scope), declared.file)

    def local(self, name: str) -> Val:
        if name not in self._locals:
            declared = self.module.locals.get(name)
            if declared is None:
                return self.ev.unknown(f"local.{name}", TfSpan(1, 1, 1, 1, ""), f"no local {name!r}", error=True)
            span = TfSpan.of(declared.node["s"], declared.file)
            scope = Scope(self, declared.file)
            self._locals[name] = self._guarded(
                f"local.{name}", lambda: self.ev.eval(declared.node["e"], scope), f"local.{name}", span
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
        return self._guarded(f"output.{name}", lambda: self.ev.eval(value["e"], scope), text, span)

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
            span = scope.span(region["s"])
            return self._guarded(f"provider.{ref}", lambda: self.ev.eval(region["e"], scope), f"{ref}.region", span)
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
            return self.ev.limited(address, scope.span(resource.block["s"]), str(self.ev.budget.spent))
        if expansion is None:
            return [resource_instance(resource, address, scope, capped=self.capped)]
        capped = expansion.capped or self.capped
        return [
            resource_instance(resource, f"{address}[{_key_text(k)}]", inner, k, capped) for k, inner in expansion.keyed
        ]

    def expansion(self, block: IR, scope: Scope) -> Expansion | Unknown | None:
        """count/for_each of a block: None without them, the instances (at most MAX_INSTANCES), or Unknown."""
        count = attribute(block, "count")
        for_each = attribute(block, "for_each")
        if count is not None:
            expr, span = count["e"].get("t", "count"), scope.span(count["s"])
            value = self.ev.eval(count["e"], scope)
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
            expr, span = for_each["e"].get("t", "for_each"), scope.span(for_each["s"])
            value = self.ev.eval(for_each["e"], scope)
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

    def resource_ref(self, key: str, ops: list[list[Any]], scope: Scope, text: str, span: TfSpan) -> Val:
        from linter.sources.terraform.attributes import attribute_value

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

    def _instance_value(self, inst: ResInst, ops: list[list[Any]], scope: Scope, text: str, span: TfSpan) -> Val:
        from linter.sources.terraform.attributes import attribute_value

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
        span = scope.span(call.node["s"])
        source_attr = attribute(call.node, "source")
        source = self.ev.eval(source_attr["e"], scope) if source_attr else None
        text = text_of(source) if source is not None and is_known(source) else None
        if text is None or not text.startswith(("./", "../")):
            why = f"module source {text!r} is not a local path" if text else "module source is unknown"
            return self.ev.unknown(f"module.{name}", span, f"{why}; it is not followed")
        if "\x00" in text:  # no file system takes it; Terraform fails to find the module
            return self.ev.unknown(f"module.{name}", span, f"module source {text!r} is not a path", error=True)
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
                attr["n"]: _lazy(self.ev, attr["e"], inner)
                for attr in call.node["attrs"]
                if attr["n"] not in META_ARGUMENTS
            }
            passed = _passed_providers(call.node)
            child_inst = Instance(self.ev, child, address, inputs, parent=self, depth=self.depth + 1, passed=passed)
            child_inst.capped = capped or self.capped
            result.append((key, child_inst))
        return result

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

    def module_ref(self, name: str, ops: list[list[Any]], scope: Scope, text: str, span: TfSpan) -> Val:
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

    def _outputs(
        self, inst: Instance, ops: list[list[Any]], text: str, span: TfSpan, scope: Scope | None = None
    ) -> Val:
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


def _passed_providers(call: IR) -> dict[str, str] | None:
    """A module call's `providers = { aws = aws.west }` as {"aws": "aws.west"}; None when the call has none."""
    passed = attribute(call, "providers")
    if passed is None:
        return None
    found: dict[str, str] = {}
    if passed["e"]["k"] == "obj":
        for key, value in passed["e"]["items"]:
            name = str(key["v"]) if key["k"] == "lit" else key.get("t", "")
            found[name] = value.get("t", "")
    return found


def provider_ref(block: IR) -> str | None:
    """The provider configuration a resource uses: its `provider` meta-argument ("aws.west"), else "aws".

    None when it names something other than an AWS provider configuration.
    """
    chosen = attribute(block, "provider")
    if chosen is None:
        return "aws"
    expr = chosen["e"]
    text = str(expr["v"]) if expr["k"] == "lit" else str(expr.get("t", ""))  # "aws.west": Terraform 0.11's spelling
    return text if text == "aws" or text.startswith("aws.") else None


def _lazy(ev: Evaluator, node: IR, scope: Scope) -> Callable[[], Val]:
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
    from linter.sources.terraform.cache import parse_files

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
    return {attr["n"]: _lazy(ev, attr["e"], scope) for attr in parsed.ir["attrs"]}


def _json_var_file(ev: Evaluator, path: Path, shown: str) -> dict[str, Callable[[], Val]]:
    from linter.sources.confine import read_text
    from linter.sources.jsonpos import JObject, JsonSyntaxError, parse
    from linter.sources.terraform.cache import MAX_FILE_BYTES
    from linter.sources.terraform.values import from_jnode, respan

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
