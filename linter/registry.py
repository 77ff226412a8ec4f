"""Finds every rule class in the `rules` package."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from linter.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every concrete rule, sorted by id. Duplicate ids are a programming error and fail loudly."""
    import rules

    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.walk_packages(rules.__path__, prefix="rules."):
        module = importlib.import_module(module_info.name)
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


def rule_by_id_or_name(key: str) -> type[Rule] | None:
    lowered = key.lower()
    for rule in all_rules():
        if rule.id.lower() == lowered or rule.name == lowered:
            return rule
    return None
