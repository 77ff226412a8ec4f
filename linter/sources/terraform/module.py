"""A Terraform module folder as configuration: its variables, locals, outputs, resources, data sources and calls.

All `.tf` files of the folder are one module (Terraform's rule); a file that does not parse is reported as an input
error with its position and the rest of the module is still read. Inline `# iam-preflight:ignore` comments become
suppressions here, because they belong to the files, not to evaluation.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from linter.model import InputError, Location
from linter.sources import InlineSuppression
from linter.sources.terraform.cache import Parsed, module_files, parse_files

IR = dict[str, Any]

# A rule id (IPP001) or a kebab-case rule name; a single plain word is more likely the start of a reason.
# Matched with re.match (compiled on first use, ~1 ms, only for files with suppression comments).
_RULE_KEY = r"^(?:IP[A-Z][0-9]{3}|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)$"


_shown: dict[tuple[Path, str], str] = {}


def display_path(path: Path) -> str:
    """`linter.sources.display_path` (one definition of how paths are shown), remembered: it resolves two paths."""
    key = (path, os.getcwd())
    found = _shown.get(key)
    if found is None:
        from linter.sources import display_path as shown

        found = _shown[key] = shown(path)
    return found


class Resource(NamedTuple):
    mode: str  # "resource" | "data"
    type: str
    name: str
    block: IR
    file: str  # display path

    @property
    def key(self) -> str:
        return f"{self.type}.{self.name}" if self.mode == "resource" else f"data.{self.type}.{self.name}"


class Located(NamedTuple):
    """An IR node (attribute or block) and the display path of the file it was written in."""

    node: IR
    file: str


@dataclass
class Module:
    folder: Path
    files: list[str] = field(default_factory=list)
    variables: dict[str, Located] = field(default_factory=dict)
    locals: dict[str, Located] = field(default_factory=dict)
    outputs: dict[str, Located] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    calls: dict[str, Located] = field(default_factory=dict)
    providers: dict[str, Located] = field(default_factory=dict)  # provider blocks by reference: "aws", "aws.west"
    errors: list[InputError] = field(default_factory=list)
    suppressions: list[InlineSuppression] = field(default_factory=list)


def read_module(folder: Path, parsed: dict[Path, Parsed] | None = None) -> Module:
    """Read every .tf file of a folder (from `parsed` when the caller already parsed them)."""
    module = Module(folder=folder)
    paths = module_files(folder)
    if parsed is None or any(p not in parsed for p in paths):
        parsed = parse_files(paths)
    for path in paths:
        shown = display_path(path)
        module.files.append(shown)
        result = parsed[path]
        if result.error is not None:
            message, line, column = result.error
            module.errors.append(InputError(message=message, loc=Location(file=shown, line=line, column=column)))
            continue
        _add_file(module, result.ir, shown)
    return module


def _add_file(module: Module, ir: IR, shown: str) -> None:
    for block in ir["blocks"]:
        kind, labels = block["type"], block["labels"]
        if kind == "variable" and labels:
            module.variables[labels[0]] = Located(block, shown)
        elif kind == "locals":
            for attr in block["attrs"]:
                module.locals[attr["n"]] = Located(attr, shown)
        elif kind == "output" and labels:
            module.outputs[labels[0]] = Located(block, shown)
        elif kind in ("resource", "data") and len(labels) >= 2:
            resource = Resource(kind, labels[0], labels[1], block, shown)
            module.resources[resource.key] = resource
        elif kind == "module" and labels:
            module.calls[labels[0]] = Located(block, shown)
        elif kind == "provider" and labels:
            alias = attribute(block, "alias")
            if alias is None:
                module.providers[labels[0]] = Located(block, shown)
            elif alias["e"]["k"] == "lit":  # Terraform requires a literal alias
                module.providers[f"{labels[0]}.{alias['e']['v']}"] = Located(block, shown)
    for line, column, rules, reason, first, last in ir["suppressions"]:
        loc = Location(file=shown, line=line, column=column)
        keys = tuple(r for r in rules.split(",") if r)
        if not keys or not all(re.match(_RULE_KEY, k, re.IGNORECASE) for k in keys):
            module.errors.append(
                InputError(message="iam-preflight:ignore needs a rule id or name, e.g. `ignore IPP001 reason`", loc=loc)
            )
            continue
        module.suppressions.append(InlineSuppression(keys, reason, loc, first, last))


def attribute(node: IR, name: str) -> IR | None:
    """The attribute `name` of a block, or None."""
    for attr in node["attrs"]:
        if attr["n"] == name:
            found: IR = attr
            return found
    return None


def nested(node: IR, kind: str) -> list[IR]:
    return [block for block in node["blocks"] if block["type"] == kind]
