from __future__ import annotations

import pytest

from linter.registry import all_rules
from linter.rule import DOC_SECTIONS, Rule


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_docstring_has_fixed_sections_in_order(rule: type[Rule]) -> None:
    sections = rule.doc_sections()
    assert tuple(sections) == DOC_SECTIONS
    assert all(text.strip() for text in sections.values()), "every section needs content"


def test_ids_and_names_are_unique() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
