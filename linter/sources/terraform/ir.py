"""The parse tree (IR) of a Terraform file: the one definition of its node types, shared by everything that reads it.

`hcl.py` (native syntax) and `tfjson.py` (JSON syntax) build it, `cache.py` stores it as JSON, and the module reader,
the evaluator and the functions read it. The nodes are plain dicts, typed with a `TypedDict` per node kind rather than
classes: the parse cache stores them as JSON and reads them back with `json.loads`, which builds dicts in C; classes
would cost a conversion of every node in both directions on every cache hit (the cache's whole point is that a hit is
cheap). The field names say what a field is; `kind` tells which node type a dict is.

Every node has a `span`: [line, column, end_line, end_column] (1-based, end exclusive as Lark reports it), with the
file's display path as a fifth element when the node was merged from an override file into a block written in
another file (`module.in_file`). Non-literal expressions also keep their source `text`, which names them when they
cannot be resolved; an expression parsed from a `${...}` in a heredoc or template keeps the `width` of that `${...}`.

Change the shape (a field, a kind) and bump `cache.IR_VERSION`, so that entries of the old shape are never read.

Import it for type checking only (`if TYPE_CHECKING:`), as every module of this package does: creating these classes
takes ~1.5 ms (each annotation becomes a compiled forward reference), which no run needs, since the nodes are dicts.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

# [line, column, end_line, end_column], or with a fifth element, the file it was written in (see the module docstring)
Span = list[Any]


class _Node(TypedDict):
    span: Span
    text: NotRequired[str]  # the expression as written (not kept for literals, lists and objects)
    width: NotRequired[int]  # the width of the `${...}` it was parsed from, in a heredoc or template


class Literal_(_Node):
    """A string, number, bool or null written literally (a string without interpolations)."""

    kind: Literal["lit"]
    value: str | int | float | bool | None


class BigNumber(_Node):
    """A number literal Python cannot hold (thousands of digits), kept as its text."""

    kind: Literal["num"]
    value: str


class Name(_Node):
    """A bare name: `var`, `local`, `each`, a for expression's variable..."""

    kind: Literal["name"]
    name: str


class Template(_Node):
    """A quoted string with interpolations: literal text and expressions."""

    kind: Literal["tpl"]
    parts: list[str | Expr]


class Heredoc(_Node):
    """`<<EOF` / `<<-EOF`: its parts (as a template's), the line its body starts on, and the indentation `<<-`
    removes."""

    kind: Literal["heredoc"]
    parts: list[str | Expr]
    body_line: int
    indent: int


class ListExpr(_Node):
    kind: Literal["list"]
    items: list[Expr]


class ObjectExpr(_Node):
    """`{ key = value }`: each item a [key, value] pair of expressions (a bare key is a literal string)."""

    kind: Literal["obj"]
    items: list[list[Expr]]


class CallExpr(_Node):
    """`name(args)`; `expand` when the last argument is followed by `...` (spread into arguments)."""

    kind: Literal["call"]
    name: str
    args: list[Expr]
    expand: bool


class Conditional(_Node):
    """`condition ? then : otherwise`."""

    kind: Literal["cond"]
    condition: Expr
    then: Expr
    otherwise: Expr


class Binary(_Node):
    kind: Literal["bin"]
    operator: str
    left: Expr
    right: Expr


class Unary(_Node):
    kind: Literal["un"]
    operator: str  # "!" or "-"
    operand: Expr


# One step of a traversal: ["attr", name], ["index", key expression] or ["splat"] (`[*]` and `.*`).
Step = list[Any]


class Traversal(_Node):
    """`base.attr[index][*].attr`: an expression (often a name) and the steps taken from it."""

    kind: Literal["trav"]
    base: Expr
    steps: list[Step]


class ForExpr(_Node):
    """`[for key_var, value_var in collection : value if condition]`, or `{for ... : key => value...}` (an object,
    `grouped` with `...`)."""

    kind: Literal["for"]
    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None  # objects only
    value: Expr
    condition: Expr | None
    is_object: bool
    grouped: bool


class Directive(_Node):
    """A template directive (`%{ if }`, `%{ for }`...), kept as its text; `templates.py` takes it apart."""

    kind: Literal["directive"]


class Unsupported(_Node):
    """An expression form the converter does not read; evaluated as unknown."""

    kind: Literal["unsupported"]
    reason: str


Expr = (
    Literal_
    | BigNumber
    | Name
    | Template
    | Heredoc
    | ListExpr
    | ObjectExpr
    | CallExpr
    | Conditional
    | Binary
    | Unary
    | Traversal
    | ForExpr
    | Directive
    | Unsupported
)


class Attribute(TypedDict):
    """`name = expr` in a body."""

    name: str
    span: Span
    expr: Expr


class Block(TypedDict):
    """`type "label" ... { attrs and nested blocks }`."""

    type: str
    labels: list[str]
    span: Span
    attrs: list[Attribute]
    blocks: list[Block]
    # Set by the evaluator on the content of a `dynamic` block whose for_each is unknown: that expression's text
    unknown: NotRequired[str]


# An `iam-preflight:ignore` comment: [line, column, rules ("" for none), reason, first_line, last_line covered]
Suppression = list[Any]


class FileIR(TypedDict):
    """A whole .tf or .tf.json file."""

    blocks: list[Block]
    attrs: list[Attribute]  # top-level arguments: a .tfvars file's variable values
    suppressions: list[Suppression]


# A template file (templatefile()) or heredoc body: literal text and expressions
TemplateIR = list[str | Expr]
