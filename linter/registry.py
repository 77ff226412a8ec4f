"""Finds every rule class in the `rules` package; and, for a run, the rules it selects without importing them all.

`all_rules` imports every rule module (the `rules` command, the docs, the tests). A check needs a rule's class only
when the rule has something to check: a run over identity policies never runs the trust, resource-policy or
pre-signed URL rules, whose modules (and helpers) cost ~13M instructions of checking one policy. So a run selects
rules by the index `linter.rule_index` (each rule's id, name, module, class, policy kinds and what it checks), and
`RuleRef.rule` imports a rule's module the first time the run needs the class. The index is generated from the
rules themselves (`write_index`); tests/rules/test_rule_metadata.py fails while it differs from them.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import overload

import rules
from linter.rule import Rule
from linter.rule_index import RULES, IndexEntry

# What a rule checks, as the index spells it (`RuleRef.checks`): one letter for each of the rule's declarations.
CHECKS_POLICIES = "P"  # overrides `check_policy`
CHECKS_INVENTORIES = "I"  # overrides `check_inventory`
CHECKS_SUPPRESSIONS = "S"  # overrides `check_suppressions`
READS_DECLARED_URLS = "U"  # `reads_declared_urls()`


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


# --- a run's rules, by reference ---------------------------------------------------------------------------------


class RuleRef:
    """One rule as a run sees it before it needs the class: id, name, the policy kinds it applies to (None: every
    kind) and what it checks (`CHECKS_POLICIES`...); `rule` imports its module the first time it is asked for."""

    __slots__ = ("_rule", "checks", "class_name", "id", "kinds", "module", "name")

    def __init__(
        self,
        entry: IndexEntry,
        rule: type[Rule] | None = None,
    ) -> None:
        self.id, self.name, self.module, self.class_name, kinds, self.checks = entry
        self.kinds = None if kinds is None else frozenset(kinds)
        self._rule = rule

    @classmethod
    def of(cls, rule: type[Rule]) -> RuleRef:
        """The reference of a class at hand (a test's rule, one the index does not list)."""
        return cls(index_entry(rule), rule)

    @property
    def rule(self) -> type[Rule]:
        if self._rule is None:
            self._rule = getattr(importlib.import_module(self.module), self.class_name)
        return self._rule

    def applies_to(self, kind: str) -> bool:
        """`Rule.applies_to`, without the class."""
        return self.kinds is None or kind in self.kinds

    def __repr__(self) -> str:
        return f"RuleRef({self.id})"


class LazyRules(Sequence[type[Rule]]):
    """The rules a run selected, as a sequence of classes: indexing or iterating imports each rule's module (a report
    that shows the rules' metadata); `refs` answers what the pipeline asks without importing any."""

    def __init__(self, refs: Iterable[RuleRef]) -> None:
        self.refs = tuple(refs)

    @overload
    def __getitem__(self, index: int) -> type[Rule]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[type[Rule]]: ...

    def __getitem__(self, index: int | slice) -> type[Rule] | Sequence[type[Rule]]:
        if isinstance(index, slice):
            return [ref.rule for ref in self.refs[index]]
        return self.refs[index].rule

    def __len__(self) -> int:
        return len(self.refs)

    def __repr__(self) -> str:
        return f"LazyRules({[ref.id for ref in self.refs]})"


def rule_refs(selected: Sequence[type[Rule]]) -> tuple[RuleRef, ...]:
    """The references of a run's rules: those of `LazyRules`, or of each class of a plain sequence."""
    if isinstance(selected, LazyRules):
        return selected.refs
    return tuple(RuleRef.of(rule) for rule in selected)


def rule_ids(selected: Sequence[type[Rule]]) -> list[str]:
    """The ids of a run's rules, without importing a rule that was not imported yet."""
    return [ref.id for ref in rule_refs(selected)]


@cache
def indexed_rules() -> tuple[RuleRef, ...]:
    """Every rule of the `rules` package, by reference (`linter.rule_index`), sorted by id as `all_rules`."""
    return tuple(RuleRef(entry) for entry in RULES)


# --- the index -----------------------------------------------------------------------------------------------------


def index_entry(rule: type[Rule]) -> IndexEntry:
    """What the index records of a rule: what a run asks of it before it needs the class."""
    checks = "".join(
        letter
        for letter, declared in (
            (CHECKS_POLICIES, rule.check_policy is not Rule.check_policy),
            (CHECKS_INVENTORIES, rule.check_inventory is not Rule.check_inventory),
            (CHECKS_SUPPRESSIONS, rule.check_suppressions is not Rule.check_suppressions),
            (READS_DECLARED_URLS, rule.reads_declared_urls()),
        )
        if declared
    )
    kinds = None if rule.kinds is None else tuple(sorted(kind.value for kind in rule.kinds))
    return (rule.id, rule.name, rule.__module__, rule.__qualname__, kinds, checks)


INDEX_FILE = Path(__file__).with_name("rule_index.py")
_INDEX_HEAD = '''"""Every rule of the `rules` package, for `linter.registry` to select a run's rules by.

Generated from the rules by `linter.registry.write_index` (`.venv/bin/python -c "from linter.registry import
write_index; write_index()"`): do not edit. tests/rules/test_rule_metadata.py fails while it differs from the rules.
"""

# (id, name, module, class, the policy kinds it applies to (None: every kind), what it checks: P policies,
# I inventories, S unused suppressions, U reads the declared pre-signed URLs' verdicts)
IndexEntry = tuple[str, str, str, str, tuple[str, ...] | None, str]

RULES: tuple[IndexEntry, ...] = (
'''


def index_text(every_rule: Iterable[type[Rule]]) -> str:
    """The text of `linter/rule_index.py` for these rules, as `ruff format` leaves it: an entry a line per field."""
    lines = []
    for rule in every_rule:
        rule_id, name, module, class_name, kinds, checks = index_entry(rule)
        kinds_text = "None" if kinds is None else f"({', '.join(map(_quoted, kinds))}{',' if len(kinds) == 1 else ''})"
        fields = [*map(_quoted, (rule_id, name, module, class_name)), kinds_text, _quoted(checks)]
        lines += ["    (\n", *(f"        {field},\n" for field in fields), "    ),\n"]
    return _INDEX_HEAD + "".join(lines) + ")\n"


def _quoted(text: str) -> str:
    return json.dumps(text)  # a Python string literal too, double-quoted as `ruff format` writes them


def write_index() -> None:
    """Rewrite `linter/rule_index.py` from the rules (after adding, renaming or moving one)."""
    from linter.atomic import write_file  # lazy: only the maintainers' `make docs` writes the index

    write_file(INDEX_FILE, index_text(all_rules()))
