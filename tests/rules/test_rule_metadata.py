from __future__ import annotations

from pathlib import Path

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


def test_the_registry_finds_the_modules_pkgutil_would_find_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pkgutil

    import rules
    from linter.registry import _module_names

    # A rule package with a fixtures folder (no __init__.py), a helper module and a nested package.
    package = tmp_path / "demo"
    (package / "family" / "fixtures").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "family" / "__init__.py").write_text("")
    (package / "family" / "b_rule.py").write_text("")
    (package / "family" / "_helpers.py").write_text("")
    (package / "family" / "fixtures" / "bad.py").write_text("")
    (package / "a_rule.py").write_text("")
    (package / "notes.txt").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))  # pkgutil imports each package to walk into it
    expected = [m.name for m in pkgutil.walk_packages([str(package)], prefix="demo.")]
    assert (
        list(_module_names(str(package), "demo."))
        == expected
        == [
            "demo.a_rule",
            "demo.family",
            "demo.family._helpers",
            "demo.family.b_rule",
        ]
    )
    assert list(_module_names(rules.__path__[0], "rules.")) == [
        m.name for m in pkgutil.walk_packages(rules.__path__, prefix="rules.")
    ]
