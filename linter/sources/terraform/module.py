"""A Terraform module folder as configuration: its variables, locals, outputs, resources, data sources and calls.

All `.tf` files of the folder are one module (Terraform's rule); a file that does not parse is reported as an input
error with its position and the rest of the module is still read. Inline `# iam-preflight:ignore` comments become
suppressions here, because they belong to the files, not to evaluation.
"""

from __future__ import annotations

import os
import re
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, cast

from linter.model import InputError, Location
from linter.record import record
from linter.sources import InlineSuppression, project_root
from linter.sources import display_path as display_source_path
from linter.sources.terraform.cache import Parsed, module_files, parse_files

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import Attribute, Block, FileIR

# A rule id (IPP001) or a kebab-case rule name; a single plain word is more likely the start of a reason.
# Matched with re.match (compiled on first use, ~1 ms, only for files with suppression comments).
_RULE_KEY = r"^(?:IP[A-Z][0-9]{3}|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)$"


_shown: dict[tuple[Path, str, str], str] = {}


def display_path(path: Path) -> str:
    """`linter.sources.display_path` (one definition of how paths are shown), remembered: it resolves two paths."""
    key = (path, str(project_root()), os.getcwd())  # a relative path and the root it is shown from
    found = _shown.get(key)
    if found is None:
        found = _shown[key] = display_source_path(path)
    return found


class Resource(NamedTuple):
    mode: str  # "resource" | "data"
    type: str
    name: str
    block: Block
    file: str  # display path

    @property
    def key(self) -> str:
        return f"{self.type}.{self.name}" if self.mode == "resource" else f"data.{self.type}.{self.name}"


NodeT = TypeVar("NodeT", "Block", "Attribute")


class Located(NamedTuple, Generic[NodeT]):
    """An IR node (a block, or a local value's attribute) and the display path of the file it was written in."""

    node: NodeT
    file: str


@record
class Module:
    folder: Path
    files: list[str] = field(default_factory=list)
    variables: dict[str, Located[Block]] = field(default_factory=dict)
    locals: dict[str, Located[Attribute]] = field(default_factory=dict)
    outputs: dict[str, Located[Block]] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    calls: dict[str, Located[Block]] = field(default_factory=dict)
    providers: dict[str, Located[Block]] = field(
        default_factory=dict
    )  # provider blocks by reference: "aws", "aws.west"
    errors: list[InputError] = field(default_factory=list)
    suppressions: list[InlineSuppression] = field(default_factory=list)


def is_override_file(name: str) -> bool:
    """`override.tf`, `*_override.tf` and their `.tf.json` forms: merged into the module's other files."""
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def read_module(folder: Path, parsed: dict[Path, Parsed] | None = None) -> Module:
    """Read every .tf file of a folder (from `parsed` when the caller already parsed them).

    As Terraform does: the other files first, then the override files in name order, each block of which is merged
    into the block it names (`_merged`). A block defined twice, or an override with nothing to override, is an input
    error (Terraform refuses both) and the first definition stands.
    """
    module = Module(folder=folder)
    paths = module_files(folder)
    if parsed is None or any(p not in parsed for p in paths):
        parsed = parse_files(paths)
    ordered = [p for p in paths if not is_override_file(p.name)] + [p for p in paths if is_override_file(p.name)]
    for path in ordered:
        shown = display_path(path)
        module.files.append(shown)
        result = parsed[path]
        if result.error is not None:
            message, line, column = result.error
            module.errors.append(InputError(message=message, loc=Location(file=shown, line=line, column=column)))
            continue
        if is_override_file(path.name):
            _merge_file(module, in_file(result.ir, shown), shown)
        else:
            _add_file(module, result.ir, shown)
        _add_suppressions(module, result.ir, shown)
    return module


def _table(module: Module, block: Block) -> tuple[dict[str, Any], str, str] | None:
    """Where a top-level block is kept, under which key, and how Terraform names it; None for blocks not kept."""
    kind, labels = block["type"], block["labels"]
    if kind == "variable" and labels:
        return module.variables, labels[0], f'variable "{labels[0]}"'
    if kind == "output" and labels:
        return module.outputs, labels[0], f'output "{labels[0]}"'
    if kind in ("resource", "data") and len(labels) >= 2:
        key = f"{labels[0]}.{labels[1]}" if kind == "resource" else f"data.{labels[0]}.{labels[1]}"
        return module.resources, key, f'{kind} "{labels[0]}" "{labels[1]}"'
    if kind == "module" and labels:
        return module.calls, labels[0], f'module "{labels[0]}"'
    if kind == "provider" and labels:
        alias = attribute(block, "alias")
        if alias is None:
            return module.providers, labels[0], f'provider "{labels[0]}"'
        if alias["expr"]["kind"] == "lit":  # Terraform requires a literal alias
            key = f"{labels[0]}.{alias['expr']['value']}"
            return module.providers, key, f'provider "{labels[0]}" (alias {alias["expr"]["value"]})'
    return None


def _kept(block: Block, shown: str) -> Resource | Located[Block]:
    kind, labels = block["type"], block["labels"]
    if kind in ("resource", "data"):
        return Resource(kind, labels[0], labels[1], block, shown)
    return Located(block, shown)


def _add_file(module: Module, ir: FileIR, shown: str) -> None:
    for block in ir["blocks"]:
        if block["type"] == "locals":
            for attr in block["attrs"]:
                _define(module, module.locals, attr["name"], f'local value "{attr["name"]}"', Located(attr, shown))
            continue
        found = _table(module, block)
        if found is not None:
            table, key, what = found
            _define(module, table, key, what, _kept(block, shown))


def _define(
    module: Module, table: dict[str, Any], key: str, what: str, item: Resource | Located[Block] | Located[Attribute]
) -> None:
    first = table.get(key)
    if first is None:
        table[key] = item
        return
    line, column = item.node["span"][:2] if isinstance(item, Located) else item.block["span"][:2]
    at = first.node["span"] if isinstance(first, Located) else first.block["span"]
    module.errors.append(
        InputError(
            message=f"duplicate {what}: already defined at {first.file}:{at[0]}:{at[1]} (Terraform refuses this)",
            loc=Location(file=item.file, line=line, column=column),
        )
    )


def _merge_file(module: Module, ir: FileIR, shown: str) -> None:
    """An override file's blocks merged into the blocks they name (`ir`'s spans already name this file)."""
    for block in ir["blocks"]:
        if block["type"] == "locals":  # one local value at a time, whichever locals block defined it
            for attr in block["attrs"]:
                if attr["name"] in module.locals:
                    module.locals[attr["name"]] = Located(attr, shown)
                else:
                    _nothing_to_override(module, f'local value "{attr["name"]}"', attr, shown)
            continue
        found = _table(module, block)
        if found is None:
            continue  # terraform, moved, import, check...: nothing iam-preflight reads
        table, key, what = found
        base = table.get(key)
        if base is None:
            _nothing_to_override(module, what, block, shown)
        elif isinstance(base, Resource):
            table[key] = base._replace(block=_merged(base.block, block))
        else:
            table[key] = base._replace(node=_merged(base.node, block))


def _nothing_to_override(module: Module, what: str, node: Block | Attribute, shown: str) -> None:
    line, column = node["span"][:2]
    module.errors.append(
        InputError(
            message=f"{what} overrides nothing: no other file of the module defines it (Terraform refuses this)",
            loc=Location(file=shown, line=line, column=column),
        )
    )


def _merged(base: Block, override: Block) -> Block:
    """Terraform's merge of an override block: its arguments replace the base's of the same name, and its nested
    blocks replace every base block of the same type (a `dynamic "x"` block is of type x), without merging inside
    them. The block keeps the base's header and position."""
    names = {attr["name"] for attr in override["attrs"]}
    kinds = {_nested_kind(block) for block in override["blocks"]}
    return {
        **base,
        "attrs": [attr for attr in base["attrs"] if attr["name"] not in names] + override["attrs"],
        "blocks": [block for block in base["blocks"] if _nested_kind(block) not in kinds] + override["blocks"],
    }


def _nested_kind(block: Block) -> str:
    return str(block["labels"][0]) if block["type"] == "dynamic" and block["labels"] else str(block["type"])


def _add_suppressions(module: Module, ir: FileIR, shown: str) -> None:
    for line, column, rules, reason, first, last in ir["suppressions"]:
        loc = Location(file=shown, line=line, column=column)
        keys = tuple(r for r in rules.split(",") if r)
        if not keys or not all(re.match(_RULE_KEY, k, re.IGNORECASE) for k in keys):
            module.errors.append(
                InputError(message="iam-preflight:ignore needs a rule id or name, e.g. `ignore IPP001 reason`", loc=loc)
            )
            continue
        module.suppressions.append(InlineSuppression(keys, reason, loc, first, last))


def attribute(node: Block, name: str) -> Attribute | None:
    """The attribute `name` of a block, or None."""
    for attr in node["attrs"]:
        if attr["name"] == name:
            return attr
    return None


def nested(node: Block, kind: str) -> list[Block]:
    return [block for block in node["blocks"] if block["type"] == kind]


IrT = TypeVar("IrT")


def in_file(node: IrT, file: str) -> IrT:
    """A copy of an IR subtree whose spans name `file`: nodes merged from an override file into a block written in
    another file keep pointing at the file they were written in (`TfSpan.of` reads the fifth element)."""
    return cast(IrT, _in_file(node, file))


def _in_file(node: object, file: str) -> object:
    if isinstance(node, list):
        return [_in_file(item, file) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _in_file(value, file) for key, value in node.items()}
    span = node.get("span")
    if isinstance(span, list) and len(span) == 4:
        copied["span"] = [*span, file]
    return copied
