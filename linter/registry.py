"""Finds every rule class in the `rules` package."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator
from functools import cache
from types import ModuleType

import rules
from linter.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every concrete rule of the `rules` package, sorted by id."""
    return rules_in(importlib.import_module(name) for name in _module_names(rules.__path__[0], "rules."))


def rules_in(modules: Iterable[ModuleType]) -> tuple[type[Rule], ...]:
    """The rule classes the modules define (not those they import), sorted by id. An id or a name used by two rules
    is a programming error and fails loudly: a selector, a suppression or a baseline would name either."""
    by_id: dict[str, type[Rule]] = {}
    by_name: dict[str, type[Rule]] = {}
    for module in modules:
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, Rule) and value is not Rule and hasattr(value, "id")):
                continue
            if value.__module__ != module.__name__:
                continue
            same_id = by_id.setdefault(value.id, value)
            same_name = by_name.setdefault(value.name, value)
            if same_id is not value or same_name is not value:
                key, other = ("id", same_id) if same_id is not value else ("name", same_name)
                raise RuntimeError(
                    f"rule {key} {getattr(value, key)} is used by both {other.__module__} and {value.__module__}"
                )
    return tuple(by_id[rule_id] for rule_id in sorted(by_id))


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
