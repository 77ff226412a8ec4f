"""Terraform source: a module folder (with its local child modules and variable files) -> policies and inventory.

`load_module(folder, var_files)` is what `linter.check` calls for each module; `load_modules` does the same for
many folders and parses all their files in one batch (in parallel when there are many uncached files). Parsing
goes through a content-hash cache (`cache.py`), so unchanged files never load the HCL parser. python-hcl2 is
imported only when a file actually has to be parsed.

This package's `__init__` runs first whenever any of its modules is imported, and the CLI imports `cache.py` to parse
ahead before anything heavy: so it imports nothing at the top but `files.py`, and the loading lives in `loader.py`.
Layers, bottom up; each module imports only modules of the layers below (tests/test_import_graph.py keeps the graph
acyclic; `ir` is imported for type checking only):
- files (which files are configuration), cache_folder (where the cache and the key live), ir (the parse tree's
  node types), values (evaluated values);
- lalr (the grammar's tables), limits (what an evaluation may cost), types (variable type conversions);
- hcl (the parser), then tfjson (JSON syntax), then cache (parses on a miss, `# lazy:`), then module (a folder's
  configuration);
- interface (what the evaluator hands the modules it calls: a Protocol, scopes, block views);
- policy_document, templates; then attributes, functions; then evaluate (the evaluator) and resources;
- loader (a module tree -> policies and inventory), then plan and this `__init__` (which imports loader lazily).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from linter.sources.terraform.files import walk_modules as walk_modules  # re-exported: the benchmark's import

if TYPE_CHECKING:
    from linter.sources import Loaded
    from linter.sources.terraform.interface import ResInst
    from linter.sources.terraform.resources import InventoryBuilder
    from linter.sources.terraform.values import Val


def load_module(folder: Path, var_files: list[Path] | None = None) -> Loaded:
    """Everything one root module defines: its policies, the inventory, input errors and inline suppressions.

    Given a .tf file (a pre-commit hook passes changed files), its whole module is loaded: policy documents and the
    resources using them often sit in sibling files.
    """
    from linter.sources.terraform import loader  # lazy: the evaluator loads only when a module does

    return loader.load_module(folder, var_files)


def evaluate_module(
    folder: Path, var_files: list[Path] | None = None, extra_inputs: dict[str, Val] | None = None
) -> tuple[Loaded, InventoryBuilder, dict[str, ResInst]]:
    """`load_module`, also returning the builder (every policy by name) and each resource instance by address.

    `extra_inputs` are variable values that win over every variable file (a plan's own variables).
    """
    from linter.sources.terraform import loader  # lazy: the evaluator loads only when a module does

    return loader.evaluate_module(folder, var_files, extra_inputs)


def load_modules(folders: Sequence[Path], var_files: list[Path] | None = None) -> Iterator[Loaded]:
    """`load_module` for each folder, after parsing every file of all of them in one (parallel) batch; each module is
    yielded as soon as it is loaded."""
    # The evaluator's imports (~0.03 s) come first: the CLI's parse-ahead helpers parse meanwhile.
    from linter.sources.terraform import loader  # lazy: the evaluator loads only when a module does

    # `load_module` as this package has it now (a test replaces it to make one folder fail)
    return loader.load_modules(folders, var_files, load_module)
