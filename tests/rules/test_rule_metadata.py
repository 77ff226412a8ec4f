from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from linter.findings import Severity
from linter.registry import all_rules, rules_in
from linter.rule import DOC_SECTIONS, Rule, RuleDefinitionError


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_docstring_has_fixed_sections_in_order(rule: type[Rule]) -> None:
    sections = rule.doc_sections()
    assert tuple(sections) == DOC_SECTIONS
    assert all(text.strip() for text in sections.values()), "every section needs content"


def _module_of_one_rule(module: str, rule_id: str, name: str) -> ModuleType:
    """A module defining one rule, as a file of `rules/` does (the registry reads the module's names)."""
    rule = type(
        "Fake",
        (Rule,),
        {
            "__module__": module,
            "id": rule_id,
            "name": name,
            "severity": Severity.INFO,
            "summary": "A rule for this test",
            "doc_url": "https://docs.aws.amazon.com/IAM/latest/UserGuide/",
        },
    )
    found = ModuleType(module)
    found.Fake = rule  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (("IPN901", "fake-one"), ("IPN901", "fake-two"), "rule id IPN901 is used by both fake_a and fake_b"),
        (("IPN901", "fake-one"), ("IPN902", "fake-one"), "rule name fake-one is used by both fake_a and fake_b"),
    ],
)
def test_the_registry_refuses_an_id_or_a_name_two_rules_use(
    first: tuple[str, str], second: tuple[str, str], message: str
) -> None:
    modules = [_module_of_one_rule("fake_a", *first), _module_of_one_rule("fake_b", *second)]
    with pytest.raises(RuntimeError, match=message):
        rules_in(modules)


def test_the_registry_counts_a_rule_where_it_is_defined_not_where_it_is_imported() -> None:
    defined = _module_of_one_rule("fake_a", "IPN901", "fake-one")
    importer = ModuleType("fake_b")
    importer.Fake = defined.Fake  # type: ignore[attr-defined]  # `from fake_a import Fake`
    assert rules_in([defined, importer]) == (defined.Fake,)


def test_the_presign_command_runs_the_rules_that_report_a_declared_url() -> None:
    # What the rules declare about themselves, never their ids, decides what the pipeline does with them.
    reporters = {rule.id for rule in all_rules() if rule.reports_declared_url}
    readers = {rule.id for rule in all_rules() if rule.reads_declared_urls()}
    assert reporters == {"IPS001", "IPS002", "IPS003", "IPS005"}
    assert readers == {*reporters, "IPS004", "IPS006"}
    assert [rule.id for rule in all_rules() if rule.check_suppressions is not Rule.check_suppressions] == ["IPN002"]


def test_a_flag_that_is_no_bool_is_refused_when_the_rule_is_defined() -> None:
    with pytest.raises(RuleDefinitionError, match="reports_declared_url must be True or False"):
        type(
            "Fake",
            (Rule,),
            {
                "id": "IPN901",
                "name": "fake-one",
                "severity": Severity.INFO,
                "summary": "A rule for this test",
                "doc_url": "https://docs.aws.amazon.com/IAM/latest/UserGuide/",
                "reports_declared_url": "yes",
            },
        )


def test_a_rule_reading_the_declared_urls_checks_no_single_policy() -> None:
    # `check` runs check_policy on a policy file as it is loaded, before the declared URLs are resolved.
    with pytest.raises(RuleDefinitionError, match="checks inventories, not single policies"):
        type(
            "Fake",
            (Rule,),
            {
                "id": "IPN902",
                "name": "fake-two",
                "severity": Severity.INFO,
                "summary": "A rule for this test",
                "doc_url": "https://docs.aws.amazon.com/IAM/latest/UserGuide/",
                "needs_presign_verdicts": True,
                "check_policy": lambda self, policy, context: iter(()),
            },
        )


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


# --- the rule index: what a run knows of a rule before it imports it ------------------------------------------------


def test_the_rule_index_is_generated_from_the_rules_as_they_are() -> None:
    from linter.registry import INDEX_FILE, index_text

    # A rule added, renamed or moved without the index would never run in a check (or run where it should not).
    assert INDEX_FILE.read_text(encoding="utf-8") == index_text(all_rules()), (
        "linter/rule_index.py is stale: rewrite it with "
        '.venv/bin/python -c "from linter.registry import write_index; write_index()" and read the diff'
    )


def test_each_indexed_rule_is_the_class_it_names_and_answers_as_it() -> None:
    from linter.model import PolicyKind
    from linter.registry import (
        CHECKS_INVENTORIES,
        CHECKS_POLICIES,
        CHECKS_SUPPRESSIONS,
        READS_DECLARED_URLS,
        indexed_rules,
    )

    refs = indexed_rules()
    assert [ref.rule for ref in refs] == list(all_rules())
    for ref in refs:
        rule = ref.rule
        assert (ref.id, ref.name) == (rule.id, rule.name)
        assert [ref.applies_to(kind) for kind in PolicyKind] == [rule.applies_to(kind) for kind in PolicyKind]
        assert (CHECKS_POLICIES in ref.checks) == (rule.check_policy is not Rule.check_policy)
        assert (CHECKS_INVENTORIES in ref.checks) == (rule.check_inventory is not Rule.check_inventory)
        assert (CHECKS_SUPPRESSIONS in ref.checks) == (rule.check_suppressions is not Rule.check_suppressions)
        assert (READS_DECLARED_URLS in ref.checks) == rule.reads_declared_urls()


def test_a_run_imports_only_the_rules_that_check_what_it_loaded(tmp_path: Path) -> None:
    import subprocess
    import sys

    policy = tmp_path / "p.json"
    policy.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}')
    code = (
        "import sys, io, contextlib; from linter.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['check', {str(policy)!r}, '--format', 'json'])\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('rules.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = set(done.stdout.split())
    from linter.model import PolicyKind
    from linter.registry import indexed_rules

    identity = {ref.module for ref in indexed_rules() if "P" in ref.checks and ref.applies_to(PolicyKind.IDENTITY)}
    assert identity <= imported  # the run did check the policy with every rule that checks an identity policy
    others = {ref.module for ref in indexed_rules()} - identity
    assert others and imported.isdisjoint(others)  # the trust, resource-policy, pre-signed URL rules and notes
