"""Finds every rule class in the `rules` package."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from functools import cache

from linter.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every concrete rule, sorted by id. Duplicate ids are a programming error and fail loudly."""
    import rules

    found: dict[str, type[Rule]] = {}
    for name in _module_names(rules.__path__[0], "rules."):
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and hasattr(value, "id"):
                if value.__module__ != module.__name__:
                    continue
                existing = found.get(value.id)
                if existing is not None and existing is not value:
                    raise RuntimeError(
                        f"rule id {value.id} is used by both {existing.__module__} and {value.__module__}"
                    )
                found[value.id] = value
    return tuple(found[rule_id] for rule_id in sorted(found))


def _module_names(folder: str, prefix: str) -> Iterator[str]:
    """Every module under a package folder, packages first, as pkgutil.walk_packages finds them in a source tree.

    pkgutil costs 7M instructions more per run (it asks the import system about every file); a folder is a package
    when it holds `__init__.py` (rule fixtures do not), a module is a `.py` file.
    """
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir():
            if os.path.isfile(os.path.join(entry.path, "__init__.py")):
                yield prefix + entry.name
                yield from _module_names(entry.path, f"{prefix}{entry.name}.")
        elif entry.name.endswith(".py") and entry.name != "__init__.py":
            yield prefix + entry.name[:-3]


def rule_by_id_or_name(key: str) -> type[Rule] | None:
    lowered = key.lower()
    for rule in all_rules():
        if rule.id.lower() == lowered or rule.name == lowered:
            return rule
    return None
