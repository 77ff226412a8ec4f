"""Terraform source: a module folder (with its local child modules and variable files) -> policies and inventory.

`load_module(folder, var_files)` is what `linter.check` calls for each module; `load_modules` does the same for
many folders and parses all their files in one batch (in parallel when there are many uncached files). Parsing
goes through a content-hash cache (`cache.py`), so unchanged files never load the HCL parser. python-hcl2 is
imported only when a file actually has to be parsed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the parser (cache, hcl, lalr) is imported without the pydantic model
    from linter.sources import Loaded
    from linter.sources.terraform.evaluate import Instance, ResInst
    from linter.sources.terraform.resources import InventoryBuilder
    from linter.sources.terraform.values import Val

SKIPPED_DIRS = {".git", ".terraform", ".venv", "venv", "node_modules", "__pycache__"}


def load_module(folder: Path, var_files: list[Path] | None = None) -> Loaded:
    """Everything one root module defines: its policies, the inventory, input errors and inline suppressions.

    Given a .tf file (a pre-commit hook passes changed files), its whole module is loaded: policy documents and the
    resources using them often sit in sibling files.
    """
    from linter.sources.terraform.cache import batch

    folder = folder.parent if folder.is_file() else folder
    with batch():  # each file is read once
        prefetch([folder])  # the module and its local modules in one batch: parallel when many files are new
        return evaluate_module(folder, var_files)[0]


def evaluate_module(
    folder: Path, var_files: list[Path] | None = None, extra_inputs: dict[str, Val] | None = None
) -> tuple[Loaded, InventoryBuilder, dict[str, ResInst]]:
    """load_module, also returning the builder (every policy by name) and each resource instance by address.

    `extra_inputs` are variable values that win over every variable file (a plan's own variables).
    """
    from linter.sources.confine import active_roots, checking

    if active_roots() is None:  # called on its own (not from a run): reads stay in this module's tree
        with checking([folder, *(var_files or [])]):
            return evaluate_module(folder, var_files, extra_inputs)
    from linter.model import InputError, Location
    from linter.sources import Loaded
    from linter.sources.terraform.evaluate import Evaluator, Instance, constant, root_inputs
    from linter.sources.terraform.module import display_path
    from linter.sources.terraform.resources import InventoryBuilder

    ev = Evaluator()
    module = ev.module(folder)
    var_paths = list(var_files or [])
    inputs = root_inputs(ev, module, var_paths)
    inputs.update({name: constant(value) for name, value in (extra_inputs or {}).items()})
    root = Instance(ev, module, "", inputs)
    builder = InventoryBuilder(ev.reasons)
    instances = list(root.walk())
    views: dict[str, ResInst] = {}
    for inst in instances:
        for key, declared in inst.module.resources.items():
            try:
                for resource in _resource_instances(inst, key, builder):
                    views[resource.address] = resource
                    builder.add(resource)
            except Exception as error:  # one resource the evaluator cannot handle must not hide the others
                line, column = declared.block["s"][:2]
                where = Location(file=declared.file, line=line, column=column, address=inst.prefixed(key))
                message = f"{inst.prefixed(key)}: cannot evaluate ({type(error).__name__}: {error}); please report it"
                builder.errors.append(InputError(message=message, loc=where))
    _standalone_documents(instances, builder)
    _note_unfollowed_modules(instances, builder)
    inventory = builder.finish().model_copy(update={"root": str(folder)})
    loaded = Loaded(policies=builder.policies, inventory=inventory)
    for child in ev.modules.values():
        loaded.errors.extend(child.errors)
        loaded.suppressions.extend(child.suppressions)
        loaded.files.extend(child.files)
    loaded.errors.extend(ev.errors + builder.errors)
    loaded.files.extend(display_path(p) for p in sorted(ev.read_files) + var_paths)
    loaded.files = list(dict.fromkeys(loaded.files))
    return loaded, builder, views


def load_modules(folders: Sequence[Path], var_files: list[Path] | None = None) -> list[Loaded]:
    """`load_module` for each folder, after parsing every file of all of them in one (parallel) batch."""
    # The evaluator's imports (~0.03 s) come first: the CLI's parse-ahead helpers parse meanwhile.
    from linter.sources import display_path, guarded
    from linter.sources.terraform import evaluate  # noqa: F401
    from linter.sources.terraform.cache import batch

    with batch():
        prefetch(folders)
        return [guarded(partial(load_module, folder, var_files), display_path(folder)) for folder in folders]


def prefetch(folders: Sequence[Path]) -> None:
    """Parse the .tf files of these folders and of the local modules they call, a level of the tree at a time."""
    from linter.sources import resolved
    from linter.sources.confine import inside
    from linter.sources.terraform.cache import module_files, parse_files

    seen: set[Path] = set()
    level = list(folders)  # root folders as given and child folders resolved, as the evaluator names them
    while level:
        fresh = []
        for folder in level:
            key = resolved(folder)
            if key not in seen and folder.is_dir() and inside(folder):  # a call out of the tree is not followed
                seen.add(key)
                fresh.append(folder)
        parsed = parse_files([p for folder in fresh for p in module_files(folder)])
        level = [
            resolved(path.parent / source)
            for path, result in parsed.items()
            if result.ir is not None
            for source in _local_sources(result.ir)
        ]


def _local_sources(ir: dict[str, object]) -> list[str]:
    found = []
    for block in ir["blocks"]:  # type: ignore[attr-defined]
        if block["type"] == "module":
            for attr in block["attrs"]:
                expr = attr["e"]
                if attr["n"] == "source" and expr["k"] == "lit" and str(expr["v"]).startswith(("./", "../")):
                    found.append(str(expr["v"]))
    return found


def _resource_instances(inst: Instance, key: str, builder: InventoryBuilder) -> list[ResInst]:
    """Instances of a resource; one placeholder instance (noted) when count/for_each cannot be resolved."""
    from linter.sources.terraform.evaluate import resource_instance
    from linter.sources.terraform.resources import HANDLERS
    from linter.sources.terraform.values import Unknown

    resource = inst.module.resources[key]
    if resource.mode != "resource" or resource.type not in HANDLERS:
        return []
    found = inst.instances(key)
    if not isinstance(found, Unknown):
        return list(found)
    # The resource may exist any number of times: check it once with count.index / each.* unknown, and say so.
    scope = inst.scope(resource.file)
    unknown = Unknown(found.span, expr=found.expr, reason=found.reason)
    scope = scope.with_names(count=unknown, each=unknown)
    placeholder = resource_instance(resource, inst.prefixed(key) + "[*]", scope, unknown)
    builder.note(found.expr, builder.location(placeholder, found.span), "count/for_each cannot be resolved")
    return [placeholder]


def _standalone_documents(instances: list[Instance], builder: InventoryBuilder) -> None:
    """Policy documents no resource uses (module outputs, say) are still linted, as documents of their own.

    Not linted on their own: a document another such document merges (its statements are linted there, once), and
    one with no statement at all (a module's document whose dynamic statements are all switched off).
    """
    from linter.sources.jsonpos import JObject
    from linter.sources.terraform.policy_document import MERGED_ARGUMENTS, render
    from linter.sources.terraform.values import ListVal, Scalar, Unknown

    rendered: list[tuple[ResInst, Val]] = []
    for inst in instances:
        for key, resource in inst.module.resources.items():
            if resource.mode != "data" or resource.type != "aws_iam_policy_document":
                continue
            found = inst.instances(key)
            if isinstance(found, Unknown):
                continue
            unused = [document for document in found if document.address not in inst.ev.documents]
            rendered.extend((document, render(inst.ev, document)) for document in unused)
    merged: set[int] = set()
    for document, _ in rendered:
        for name in MERGED_ARGUMENTS:
            value = document.arg(name)
            for item in value.items if isinstance(value, ListVal) else [value]:
                if isinstance(item, Scalar) and item.doc is not None:
                    merged.add(id(item.doc))
    for document, value in rendered:
        doc = value.doc if isinstance(value, Scalar) else None
        if id(doc) in merged or (isinstance(doc, JObject) and doc.get("Statement") is None):
            continue
        builder.policy_value(document, value, "json", None)


def _note_unfollowed_modules(instances: list[Instance], builder: InventoryBuilder) -> None:
    """A module call that is not followed (remote source, unknown count) hides its resources: say so."""
    from linter.model import Location
    from linter.sources.terraform.values import Unknown

    for inst in instances:
        for name, call in inst.module.calls.items():
            found = inst.children(name)
            if isinstance(found, Unknown):
                span = found.span
                loc = Location(
                    file=call.file, line=span.line, column=span.column, address=inst.prefixed(f"module.{name}")
                )
                builder.note(found.expr, loc, found.reason)


def walk_modules(root: Path) -> list[Path]:
    """Folders under root that hold .tf files (what `check` treats as modules); used by the benchmark."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if any(n.endswith((".tf", ".tf.json")) for n in names):
            found.append(Path(folder))
    return found
