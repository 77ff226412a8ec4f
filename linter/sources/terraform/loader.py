"""Loading Terraform modules: parse a module tree (in one batch), evaluate it, and build policies and the inventory.

The package's `__init__` is imported by the CLI's parse-ahead before anything heavy (`cache.py` is inside the
package), so the loading itself lives here, with the evaluator and the inventory model imported at the top; the
package's `load_module`, `load_modules` and `evaluate_module` import this module when they are first called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from linter.model import InputError, Location
from linter.sources import Loaded, display_path, guarded, resolved
from linter.sources.confine import active_roots, checking, inside
from linter.sources.jsonpos import JObject
from linter.sources.terraform.cache import batch, module_files, parse_files, parsing_ahead
from linter.sources.terraform.evaluate import Evaluator, Instance, ResInst, constant, resource_instance, root_inputs
from linter.sources.terraform.module import display_path as display_module_path
from linter.sources.terraform.policy_document import MERGED_ARGUMENTS, render
from linter.sources.terraform.resources import HANDLERS, InventoryBuilder
from linter.sources.terraform.values import ListVal, Scalar, Unknown, Val

if TYPE_CHECKING:  # the node types cost start-up time to create and no run needs them (ir.py)
    from linter.sources.terraform.ir import FileIR


def load_module(folder: Path, var_files: list[Path] | None = None) -> Loaded:
    """Everything one root module defines: its policies, the inventory, input errors and inline suppressions.

    Given a .tf file (a pre-commit hook passes changed files), its whole module is loaded: policy documents and the
    resources using them often sit in sibling files.
    """
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
    if active_roots() is None:  # called on its own (not from a run): reads stay in this module's tree
        with checking([folder, *(var_files or [])]):
            return evaluate_module(folder, var_files, extra_inputs)

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
                line, column = declared.block["span"][:2]
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
    loaded.files.extend(display_module_path(p) for p in sorted(ev.read_files) + var_paths)
    loaded.files = list(dict.fromkeys(loaded.files))
    return loaded, builder, views


def load_modules(
    folders: Sequence[Path],
    var_files: list[Path] | None = None,
    load_one: Callable[[Path, list[Path] | None], Loaded] = load_module,
) -> Iterator[Loaded]:
    """`load_one` (`load_module`) for each folder in turn, after parsing every file of all of them in one (parallel)
    batch; each module is yielded as soon as it is loaded, so that the caller can check it and let it go before the
    next one is loaded (each module's decoded files are let go of as it is loaded: `cache.batch`).

    A folder whose loading fails (a bug of ours) is an input error there; the others are still loaded."""
    with batch():
        # Files parsed ahead are handed over one by one: each module is evaluated as soon as its own files are in,
        # while the helpers parse the later modules' files. Else all at once, in parallel if many are new.
        if not parsing_ahead():
            prefetch(folders)
        for folder in folders:
            yield guarded(partial(load_one, folder, var_files), display_path(folder))


def prefetch(folders: Sequence[Path]) -> None:
    """Parse the .tf files of these folders and of the local modules they call, a level of the tree at a time."""
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


def _local_sources(ir: FileIR) -> list[str]:
    found = []
    for block in ir["blocks"]:
        if block["type"] == "module":
            for attr in block["attrs"]:
                expr = attr["expr"]
                if attr["name"] == "source" and expr["kind"] == "lit" and str(expr["value"]).startswith(("./", "../")):
                    found.append(str(expr["value"]))
    return found


def _resource_instances(inst: Instance, key: str, builder: InventoryBuilder) -> list[ResInst]:
    """Instances of a resource; one placeholder instance (noted) when count/for_each cannot be resolved."""
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
    for inst in instances:
        for name, call in inst.module.calls.items():
            found = inst.children(name)
            if isinstance(found, Unknown):
                span = found.span
                loc = Location(
                    file=call.file, line=span.line, column=span.column, address=inst.prefixed(f"module.{name}")
                )
                builder.note(found.expr, loc, found.reason)
