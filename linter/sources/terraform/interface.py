"""What the evaluator offers the modules it calls, so that they take it as a parameter instead of importing it.

`evaluate.py` evaluates expressions and calls out to `functions.py` (function calls, operators), `templates.py`
(heredocs, template directives, file() and templatefile()), `attributes.py` (`TYPE.NAME.ATTR`) and
`policy_document.py` (data "aws_iam_policy_document"); those in turn evaluate their arguments. Each of them is
handed the evaluator (an `ExpressionEvaluator`) and the module instance a scope belongs to (a `ModuleInstance`):
they import this module and never `evaluate.py`, which keeps the import graph acyclic (tests/test_import_graph.py).
The small classes every side builds or reads (a scope, a block seen in its scope, a resource instance) live here
too, with the helpers over them.
"""

from __future__ import annotations

import json
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from linter.record import fast_record
from linter.sources.terraform.limits import MAX_CHARS, TOO_LONG, Budget
from linter.sources.terraform.module import Module, Resource, attribute
from linter.sources.terraform.values import ListVal, ObjVal, Scalar, TfSpan, Unknown, Val, is_known, text_of

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Block, Expr, Step


class ExpressionEvaluator(Protocol):
    """The evaluator of one load (`evaluate.Evaluator`), as the modules it calls see it."""

    budget: Budget
    reasons: dict[str, str]  # why each unknown expression is unknown, by expression text
    busy: set[tuple[int, str]]  # what is being evaluated now: a second visit is a reference cycle
    read_files: set[Path]  # files read by file()/templatefile(), reported as checked
    documents: dict[str, Val]  # rendered aws_iam_policy_document instances by address

    def eval(self, node: Expr, scope: Scope) -> Val: ...

    def unknown(self, expr: str, span: TfSpan, reason: str, error: bool = False) -> Unknown: ...

    def limited(self, expr: str, span: TfSpan, reason: str) -> Unknown: ...

    def render(self, parts: list[str | Val], span: TfSpan, expr: str = "template") -> Val: ...

    def blocks(self, block: Block, kind: str, scope: Scope) -> list[tuple[Block, Scope]]: ...

    def config_error(self, message: str, span: TfSpan) -> None:
        """An error Terraform would refuse the configuration for: an input error at that place."""


class ModuleInstance(Protocol):
    """One instance of a module (`evaluate.Instance`): what a scope's names other than its own resolve in."""

    @property
    def ev(self) -> ExpressionEvaluator: ...

    @property
    def module(self) -> Module: ...

    @property
    def address(self) -> str: ...

    def root(self) -> ModuleInstance: ...

    def scope(self, file: str) -> Scope: ...

    def var(self, name: str) -> Val: ...

    def local(self, name: str) -> Val: ...

    def module_ref(self, name: str, ops: list[Step], scope: Scope, text: str, span: TfSpan) -> Val: ...

    def resource_ref(self, key: str, ops: list[Step], scope: Scope, text: str, span: TfSpan) -> Val: ...

    def provider_region(self, ref: str = "aws") -> Val | None: ...


@fast_record
class Scope:
    """Where an expression is evaluated: its module instance, the file it is written in (spans name it), and the
    names bound around it (`each`, `count`, a for expression's or a dynamic block's iterator, template variables)."""

    inst: ModuleInstance
    file: str
    names: dict[str, Val] = field(default_factory=dict)

    def with_names(self, **names: Val) -> Scope:
        return Scope(self.inst, self.file, {**self.names, **names})

    def span(self, raw: list[int]) -> TfSpan:
        return TfSpan.of(raw, self.file)


@fast_record
class BlockView:
    """A block (resource, data source or nested block) with the scope its arguments are evaluated in."""

    block: Block
    scope: Scope
    address: str  # of the resource the block belongs to
    type: str

    def span(self) -> TfSpan:
        return self.scope.span(self.block["span"])

    def arg(self, name: str) -> Val | None:
        """An argument as written (None when absent or null, as Terraform reads an argument set to null); every
        argument of an unknown dynamic block is unknown."""
        if self.block.get("unknown"):
            return Unknown(self.span(), expr=self.block["unknown"], reason="dynamic block over an unknown collection")
        attr = attribute(self.block, name)
        if attr is None:
            return None
        ev = self.scope.inst.ev
        value = ev.eval(attr["expr"], self.scope)
        # What the rules will check, as long as its JSON text (an element takes a few characters besides its strings)
        if not ev.budget.spend(handed=value.chars + 4 * value.size):
            return ev.limited(expression_text(attr["expr"]), value.span, str(ev.budget.spent))
        return not_null(value)

    def arg_span(self, name: str) -> TfSpan:
        attr = attribute(self.block, name)
        return self.scope.span(attr["span"]) if attr is not None else self.span()

    def blocks(self, kind: str) -> list[BlockView]:
        return [
            BlockView(block, scope, self.address, self.type)
            for block, scope in self.scope.inst.ev.blocks(self.block, kind, self.scope)
        ]

    def region(self) -> str | None:
        """The region the resource is created in when the configuration says (see `region_of`)."""
        value = region_of(self)
        return text_of(value) if value is not None and is_known(value) else None


@fast_record
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


class Call(NamedTuple):
    """One call of a Terraform function: what its implementation (`functions.py`, `templates.py`) works with."""

    ev: ExpressionEvaluator
    scope: Scope
    span: TfSpan
    text: str
    name: str

    def unknown(self, reason: str, error: bool = False) -> Unknown:
        return self.ev.unknown(self.text, self.span, reason, error)

    def limited(self, reason: str) -> Unknown:
        return self.ev.limited(self.text, self.span, reason)

    def too_long(self, length: int) -> Unknown | None:
        """Unknown when a string of this length would pass the limit (checked before it is built)."""
        return self.limited(TOO_LONG) if length > MAX_CHARS else None

    def depends(self, *values: Val) -> Unknown | None:
        """Unknown when any argument is wholly unknown (its type, length or value cannot be known)."""
        missing = [v for v in values if isinstance(v, Unknown)]
        if not missing:
            return None
        limited = [v for v in missing if v.limit]
        if limited:  # the note names the expression that passed a limit, wherever its value went
            return limited[0]
        if any(v.error for v in missing):
            return self.unknown(missing[0].reason, error=True)
        return self.unknown(f"depends on {', '.join(dict.fromkeys(root_of(v) for v in missing))}")

    def string(self, value: str) -> Scalar:
        return Scalar(self.span, value=value)


def root_of(value: Unknown) -> str:
    """What an unknown value comes from, for a reason: what it depends on in turn when it is a call or operation
    over unknown arguments (`distinct(compact(var.x))` depends on var.x), else its own expression."""
    for prefix in ("depends on ", "iterates over "):
        if value.reason.startswith(prefix):
            return value.reason.removeprefix(prefix)
    return value.expr


def expression_text(node: Expr) -> str:
    """An expression as written; the IR keeps no text for literals, lists and objects (a cache entry would hold
    every nested one again), so those read as their value or their shape."""
    if "text" in node:
        return str(node["text"])
    if node["kind"] == "lit":
        text = json.dumps(node["value"])
        return text if len(text) <= 60 else text[:56] + '..."'
    return _SHAPES.get(node["kind"], "expression")


_SHAPES = {"list": "[...]", "obj": "{...}"}


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


def provider_ref(block: Block) -> str | None:
    """The provider configuration a resource uses: its `provider` meta-argument ("aws.west"), else "aws".

    None when it names something other than an AWS provider configuration.
    """
    chosen = attribute(block, "provider")
    if chosen is None:
        return "aws"
    expr = chosen["expr"]
    text = (
        str(expr["value"]) if expr["kind"] == "lit" else str(expr.get("text", ""))
    )  # "aws.west": Terraform 0.11's spelling
    return text if text == "aws" or text.startswith("aws.") else None


def region_of(view: BlockView) -> Val | None:
    """The region a resource is created in: its own `region` argument, else its provider configuration's.

    None when neither is written (the environment Terraform runs in decides); a nested block reads its module's
    default provider.
    """
    written = view.arg("region")
    if written is not None:
        return written
    ref = provider_ref(view.block)
    return view.scope.inst.provider_region(ref) if ref is not None else None
