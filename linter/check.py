"""`iam-preflight check`: find inputs, load them into the model, run the rules, filter, decide the exit code.

The CLI only parses flags and calls `run_check`; everything a check does is here so it can be tested and
reused without a terminal. `run_check` is the pipeline, one stage after the other, each returning what it produced:
`selected_rules`, `load_all`, `resolve_declared_urls`, `run_rules_per_input`, `each_finding_once`, `finish`. The
stages name no rule: they ask the selected rules what they declare (`linter.rule.Rule`). An input that needs
nothing from the others in the stages between loading and the rules (a policy file; a Terraform module, unless a
declared URL may join two of them) is checked by `load_all` as soon as it is loaded, and its model dropped
(`RulesAsLoaded`); `run_rules_per_input` runs the rules on the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from linter.awsdata import aws_data
from linter.config import CONFIG_NAMES, Config, ConfigError, read_config
from linter.findings import Finding, RelatedLocation, Severity
from linter.lazy_re import lazy_compile
from linter.model import MAX_LISTED_PER_RULE, InputError, Location, Policy, PolicyKind
from linter.record import record
from linter.registry import (
    CHECKS_INVENTORIES,
    CHECKS_POLICIES,
    CHECKS_SUPPRESSIONS,
    READS_DECLARED_URLS,
    LazyRules,
    RuleRef,
    indexed_rules,
    rule_refs,
)
from linter.rule import Rule, RuleContext
from linter.sources import InlineSuppression, Loaded, display_path, guarded, project_root, use_project_root
from linter.sources.confine import checking
from linter.sources.json_file import load_json_bytes, load_json_file
from linter.sources.terraform.files import TERRAFORM_SUFFIXES

if TYPE_CHECKING:
    from linter.baseline import Baseline
    from linter.model import Inventory  # loaded only when a Terraform input builds one
    from linter.presign.declared import PresignCheck

# Folders never worth walking into: tool caches and vendored dependencies.
SKIPPED_DIRS = {".git", ".terraform", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".tox"}
VAR_FILE_SUFFIXES = (".tfvars", ".tfvars.json")
# The path that names standard input (`check -`), as ruff and most linters spell it.
STDIN = "-"


@record
class CheckResult:
    """What a run found: the findings kept, the input errors, the files read and skipped, the rules it ran."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files_checked: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why) for valid non-policy inputs
    rules: Sequence[type[Rule]] = ()
    suppressed: int = 0
    baselined: int = 0
    policies: int = 0  # how many policies the inputs held: none is no clean result (`no_policy_found`)
    # The folder every path in it is relative to (`linter.sources.use_project_root`); SARIF names it as %SRCROOT%.
    project_root: str = ""

    def exit_code(self, fail_on: Severity) -> int:
        if self.errors:
            return 2
        return 1 if any(f.severity.rank >= fail_on.rank for f in self.findings) else 0


def no_policy_found(paths: Sequence[str], result: CheckResult) -> str | None:
    """What to say when the inputs held no IAM policy at all, so that an empty report is not read as a clean one
    (a folder of `aws iam get-role` outputs used to give "No findings in 0 files"); None when a policy was checked,
    or when an input error already says what went wrong (exit 2)."""
    if result.policies or result.errors:
        return None
    where = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
    # The files read: JSON that holds no policy (skipped), Terraform modules or plans that define none.
    count = len(result.skipped) + len(result.files_checked)
    if count == 0:
        why = "no policy JSON, Terraform or plan file"
    else:
        why = "1 file read, no policy in it" if count == 1 else f"{count} files read, no policy in them"
    return f"iam-preflight: no IAM policy found in {where} ({why})"


@record
class CheckOptions:
    """What the command line adds to the config for one run."""

    kind: PolicyKind | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    baseline: str | None = None
    var_files: list[str] = field(default_factory=list)
    # Inputs loaded elsewhere, checked beside the paths' (`--from-aws`: the deployed state, `linter.aws.from_aws`).
    loaded_elsewhere: list[Loaded] = field(default_factory=list)
    # `--project-root`: what paths are shown relative to; None: the git work tree of the inputs, else the cwd.
    project_root: str | None = None
    # `check -`: the policy read from standard input, and the name it is reported under (`--stdin-filename`).
    stdin: StdinInput | None = None
    # A file named as a PATH that holds no policy (or no iam-preflight config) is skipped as in a folder walk, not an
    # input error: a pre-commit hook picks files by name, and content-security-policy.json is named like a policy.
    skip_non_policy: bool = False


class StdinInput(NamedTuple):
    data: bytes
    filename: str | None  # a path in the project, as `--stdin-filename` names it; None: shown as "-"


@record
class Inputs:
    """What to load: policy/plan JSON files and Terraform modules (a folder of .tf files is one module)."""

    json_files: list[Path] = field(default_factory=list)
    modules: list[Path] = field(default_factory=list)
    explicit: set[Path] = field(default_factory=set)
    errors: list[InputError] = field(default_factory=list)
    # Config files named as PATHs that hold no iam-preflight settings (`pyproject.toml` of a plain Python project),
    # each with why it is not checked; an input error unless `skip_non_policy` (`_load_all`).
    not_configs: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): valid, but nothing to check in it

    def add_module(self, folder: Path) -> None:
        if folder not in self.modules:
            self.modules.append(folder)


def discover(paths: Iterable[str], config: Config) -> Inputs:
    """Expand folders; a missing path is an input error and the others are still checked."""
    inputs = Inputs()
    for raw in paths:
        path = Path(raw)
        if raw == STDIN or config.matches(raw, config.exclude):  # standard input is read by `_load_stdin`
            continue
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(
                    d for d in dirs if d not in SKIPPED_DIRS and not config.matches(f"{folder}/{d}", config.exclude)
                )
                for name in sorted(names):
                    candidate = Path(folder) / name
                    if config.matches(str(candidate), config.exclude):
                        continue
                    if name.endswith(TERRAFORM_SUFFIXES):
                        inputs.add_module(Path(folder))
                    elif name.endswith(".json") and not name.endswith(VAR_FILE_SUFFIXES):
                        inputs.json_files.append(candidate)
        elif path.is_file():
            inputs.explicit.add(path)
            if path.name in CONFIG_NAMES:
                _add_config_modules(path, inputs)
            elif path.name.endswith(TERRAFORM_SUFFIXES):
                # Policy documents often live in a sibling file: a lone .tf file is checked with its module.
                inputs.add_module(path.parent)
            elif path.name.endswith(VAR_FILE_SUFFIXES):
                inputs.add_module(path.parent)
            else:
                inputs.json_files.append(path)
        else:
            inputs.errors.append(InputError(message="no such file or directory", loc=Location(file=display_path(path))))
    return inputs


def _add_config_modules(path: Path, inputs: Inputs) -> None:
    """A config file named as a PATH (a pre-commit run on a changed `.iam-preflight.toml`): the Terraform modules
    its `[[presign]]` declarations name (`module`, relative to its folder), and its own folder when that is a module
    (holds .tf files), where its settings and its declarations without a `module` apply. The settings themselves
    are read here too, so a broken config fails the run (exit 2) rather than passing unread."""
    display = display_path(path)
    try:
        settings = read_config(path)
    except ConfigError as error:
        # ConfigError names the file first; the input error's location names it already.
        message = str(error).removeprefix(f"{path}: ")
        inputs.errors.append(InputError(message=message, loc=Location(file=display)))
        return
    if settings is None:
        inputs.not_configs.append(
            (path, "a TOML file without a [tool.iam-preflight] table, not an iam-preflight config")
        )
        return
    modules: list[Path] = []
    for index, entry in enumerate(settings.presign):
        if entry.module is None:
            continue
        module = path.parent / entry.module
        if module.is_dir():
            modules.append(module)
        else:
            message = f"[[presign]] #{index + 1}: module {entry.module!r}: no such folder (relative to this config)"
            inputs.errors.append(InputError(message=message, loc=Location(file=display)))
    if any(child.is_file() and child.name.endswith(TERRAFORM_SUFFIXES) for child in path.parent.iterdir()):
        modules.append(path.parent)
    for module in modules:
        inputs.add_module(module)
    if not modules and all(entry.module is None for entry in settings.presign):
        inputs.skipped.append((display, "a config that names no Terraform module and is in none"))


def _selectors(keys: Iterable[str]) -> list[str]:
    """Rule selectors as given, split on commas (`--select IPG,IPA` as well as `--select IPG --select IPA`)."""
    return [part.strip() for key in keys for part in key.split(",") if part.strip()]


def selected_rules(config: Config, options: CheckOptions) -> LazyRules:
    """The rules this run applies; a selector that names no rule is an error, never a silent no-op. Selected by the
    rule index: a rule's module is imported when the run first needs the class (`linter.registry`)."""
    select = _selectors(options.select or config.select)
    ignore = _selectors([*config.ignore, *options.ignore])
    rules = indexed_rules()

    def named(rule: RuleRef, key: str) -> bool:
        return rule.id.startswith(key.upper()) or rule.name == key.lower()

    unknown = [key for key in (*select, *ignore) if not any(named(rule, key) for rule in rules)]
    if unknown:
        raise ConfigError(f"no rule is named {unknown[0]!r}: `iam-preflight rules` lists them")
    return LazyRules(
        r for r in rules if (not select or any(named(r, k) for k in select)) and not any(named(r, k) for k in ignore)
    )


def run_rules(
    policies: Iterable[Policy],
    rules: Sequence[type[Rule]],
    context: RuleContext,
    inventories: Iterable[Inventory] = (),
) -> Iterator[Finding]:
    """Every rule over every policy, then over every inventory; a rule that fails raises (tests, fixtures)."""
    yield from RuleSet(rules).findings(policies, inventories, context, None)


def run_rules_contained(
    policies: Iterable[Policy],
    rules: Sequence[type[Rule]],
    context: RuleContext,
    inventories: Iterable[Inventory] = (),
) -> tuple[list[Finding], list[InputError]]:
    """`run_rules` for a run: a rule that fails on one input (a bug of ours) costs only that rule on that input. The
    failure is returned as an input error there (exit 2), and every other check still runs."""
    errors: list[InputError] = []
    findings = RuleSet(rules).findings(policies, inventories, context, errors if _contain_failures() else None)
    return findings, errors


# A finding and the input it was found in (`Loaded.root`): a module several root modules call is evaluated, and
# checked, for each of them. A plain tuple: a NamedTuple class costs start-up time on every check.
InputFinding = tuple[Finding, str]


def run_rules_per_input(
    inputs: Sequence[Loaded],
    rules: Sequence[type[Rule]],
    context: RuleContext,
    checked: Sequence[CheckedInput | None] = (),
) -> tuple[list[InputFinding], list[InputError]]:
    """`run_rules_contained` over each input in turn, every finding with the input it came from. `checked` says,
    input by input, what the rules found in those checked as they were loaded (`RulesAsLoaded`); None: not yet."""
    ruleset = RuleSet(rules)  # once: a check of 1,000 files has 1,000 inputs
    contain = _contain_failures()
    found: list[InputFinding] = []
    errors: list[InputError] = []
    for index, one in enumerate(inputs):
        done = checked[index] if index < len(checked) else None
        if done is None:
            done = _checked(ruleset, one, context, contain)
        errors.extend(done.errors)
        root = one.root
        found.extend((finding, root) for finding in done.found)
    return found, errors


def _checked(
    ruleset: RuleSet, one: Loaded, context: RuleContext, contain: bool, declared_errors: list[InputError] | None = None
) -> CheckedInput:
    errors: list[InputError] = []
    found = ruleset.findings(one.policies, _present(one.inventory), context, errors if contain else None)
    return CheckedInput(found, errors, len(one.policies), declared_errors or [])


def _present(inventory: Inventory | None) -> list[Inventory]:
    return [] if inventory is None else [inventory]


def _contain_failures() -> bool:
    """Whether a rule's failure becomes an input error, unless IAM_PREFLIGHT_DEBUG=1 lets the exception through (as
    it does a loader's, `linter.sources.guarded`). Asked once per run: a check of 1,000 files runs 44,000 checks."""
    return not os.environ.get("IAM_PREFLIGHT_DEBUG")


class CheckedInput(NamedTuple):
    """What the rules found in one input, and the errors of those that failed on it."""

    found: list[Finding]
    errors: list[InputError]
    policies: int  # how many policies the input held (its model may be gone: `RulesAsLoaded`)
    # The errors of the pre-signed URLs its folder declares, resolved with it as it was loaded (`RulesAsLoaded`).
    declared_errors: list[InputError]


class RulesAsLoaded:
    """The rules of a run, over each input as soon as it is loaded, whose model is then dropped: memory grows with the
    largest input, not with the whole run (every parsed policy, and every module's policies and inventory, used to be
    kept until the rules ran).

    A policy needs nothing from the other inputs: the rules that read the declared pre-signed URLs check inventories
    only (`linter.rule.Rule`). A Terraform module (an inventory) is checked as it is loaded when `config` is given:
    the URLs it declares are then those of its own folder's config, resolved against its inventory alone, as
    `resolve_declared_urls` would. Without `config` it waits for that stage, which resolves the declared URLs against
    every inventory: the run's config may declare a URL whose signer and bucket are in two inputs, and a stage
    between resolving the URLs and the rules (`check --simulate`) sees them all."""

    def __init__(self, rules: Sequence[type[Rule]], context: RuleContext, config: Config | None = None) -> None:
        self.rules = rules
        self.ruleset = RuleSet(rules)
        self.context = context
        self.contain = _contain_failures()
        self.config = config

    def check(self, loaded: Loaded) -> CheckedInput | None:
        """What the rules find in `loaded`, its model dropped; None when it has to wait (an inventory)."""
        inventory = loaded.inventory
        if inventory is None:
            done = _checked(self.ruleset, loaded, self.context, self.contain)
        elif self.config is None:
            return None
        else:
            declared, declared_errors = _declared_urls([inventory], self.rules, self.config)
            self.context.presign = declared
            done = _checked(self.ruleset, loaded, self.context, self.contain, declared_errors)
            self.context.presign = []
            for presign_check in declared:  # no rule asks for its verdict again, which holds the inventory
                self.context.shared.pop(presign_check, None)
        loaded.policies, loaded.inventory = [], None
        return done


class RuleSet:
    """The selected rules of a run, each instantiated once, with those that check each policy kind, and those that
    check inventories, worked out once rather than asked of every rule for every policy (a rule that does not
    override a check method finds nothing with it). Worked out when first needed, from the rules' references: a
    rule is imported only when a policy of a kind it checks, or an inventory it checks, comes (`linter.registry`)."""

    def __init__(self, rules: Sequence[type[Rule]]) -> None:
        self.refs = rule_refs(rules)
        self.instances: dict[str, Rule] = {}  # by rule id, as first needed
        self.for_kind = _RulesForKind(self)
        self._for_inventory: list[Rule] | None = None

    def instance(self, ref: RuleRef) -> Rule:
        found = self.instances.get(ref.id)
        if found is None:
            found = self.instances[ref.id] = ref.rule()
        return found

    @property
    def for_inventory(self) -> list[Rule]:
        if self._for_inventory is None:
            self._for_inventory = [self.instance(ref) for ref in self.refs if CHECKS_INVENTORIES in ref.checks]
        return self._for_inventory

    def findings(
        self,
        policies: Iterable[Policy],
        inventories: Iterable[Inventory],
        context: RuleContext,
        errors: list[InputError] | None,
    ) -> list[Finding]:
        """Every rule over the policies, then over the inventories. A rule that fails on one of them is an input
        error there when `errors` is a list (what it found before failing is kept), else the exception goes on."""
        found: list[Finding] = []
        for policy in policies:
            for rule in self.for_kind[policy.kind]:
                _take(found, rule, rule.check_policy, policy, context, policy.loc, errors, MAX_LISTED_PER_RULE)
        for inventory in inventories:
            loc = Location(file=display_path(Path(inventory.root)) if inventory.root else "")
            for rule in self.for_inventory:
                _take(found, rule, rule.check_inventory, inventory, context, loc, errors, None)
        return found


class _RulesForKind(dict[PolicyKind, list[Rule]]):
    """The rules that check policies of each kind, in the order of the run's rules, worked out for a kind when its
    first policy comes (a plain dict lookup for every policy after)."""

    def __init__(self, ruleset: RuleSet) -> None:
        super().__init__()
        self.ruleset = ruleset

    def __missing__(self, kind: PolicyKind) -> list[Rule]:
        refs = (ref for ref in self.ruleset.refs if CHECKS_POLICIES in ref.checks and ref.applies_to(kind))
        found = self[kind] = [self.ruleset.instance(ref) for ref in refs]
        return found


# What a rule checks: one policy (`check_policy`), or everything one root module defines (`check_inventory`).
Checked = TypeVar("Checked", Policy, "Inventory")


def _take(
    found: list[Finding],
    rule: Rule,
    check: Callable[[Checked, RuleContext], Iterator[Finding]],
    checked: Checked,
    context: RuleContext,
    loc: Location,
    errors: list[InputError] | None,
    limit: int | None,
) -> None:
    """The findings of one rule on one policy (or inventory) into `found`: at most `limit` (a policy's
    MAX_LISTED_PER_RULE), then one saying there are more: a rule's findings are computed as they are taken, so the
    rest cost nothing (a 3 MB policy can hold 100,000 unknown condition keys, and listing each, with its
    suggestion, took 14 s and 680 MB)."""
    count = 0
    try:
        for finding in check(checked, context):
            if count == limit:
                message = (
                    f"more than {MAX_LISTED_PER_RULE} {rule.id} findings in this policy; only the first are listed"
                )
                found.append(rule.finding(loc, message, subject="(further findings not listed)"))
                return
            found.append(finding)
            count += 1
    except Exception as error:  # a bug of ours: reported where it happened, the rest of the run goes on
        if errors is None:
            raise
        message = f"internal error in rule {rule.id} ({type(error).__name__}: {error}); please report it"
        errors.append(InputError(message=message, loc=loc))


def _with_severity(finding: Finding, config: Config) -> Finding:
    override = config.severity.get(finding.rule_id) or config.severity.get(finding.rule_name)
    return finding.model_copy(update={"severity": override}) if override else finding


def _rule_named(finding: Finding, key: str) -> bool:
    return key.upper() == finding.rule_id or key.lower() == finding.rule_name


def _config_suppressed(finding: Finding, config: Config) -> bool:
    return any(
        _rule_named(finding, entry.rule) and config.matches(finding.loc.file, entry.paths) for entry in config.suppress
    )


def _inline_suppression(finding: Finding, suppressions: list[InlineSuppression]) -> InlineSuppression | None:
    for suppression in suppressions:
        if (
            suppression.loc.file == finding.loc.file
            and suppression.first_line <= finding.loc.line <= suppression.last_line
            and any(_rule_named(finding, rule) for rule in suppression.rules)
        ):
            return suppression
    return None


class Coverage:
    """The files each input of a run read, in the order they were loaded, to tell the inputs another input covers:
    a child module called by a root module that is also checked, or the configuration beside a plan file that was
    joined to it. Checking both would report every finding twice, so a covered input is dropped."""

    def __init__(self) -> None:
        self.file_sets: list[set[str]] = []
        self.readers: dict[str, list[int]] = {}  # the inputs that read each file

    def add(self, loaded: Loaded) -> int:
        """Records the files of the next input; returns its index."""
        index = len(self.file_sets)
        self.file_sets.append(set(loaded.files))
        for name in self.file_sets[index]:
            self.readers.setdefault(name, []).append(index)
        return index

    def covered(self, index: int) -> bool:
        """Whether an input added so far read every file this one read and more, or the same files before it. Asked
        as an input is added, the answer is already final: the inputs added later can only cover it further."""
        files = self.file_sets[index]
        if not files:
            return False
        # Only inputs that read one of this input's files can cover it.
        candidates = self.readers[next(iter(files))]
        return any(
            files < self.file_sets[other] or (files == self.file_sets[other] and other < index)
            for other in candidates
            if other != index
        )


class LoadedInputs(NamedTuple):
    """Everything the inputs of one run produced, in the model, and what could not be loaded."""

    inputs: list[Loaded]  # each with its policies and inventory, and the name of the input (`root`)
    suppressions: list[InlineSuppression]
    errors: list[InputError]
    files_checked: list[str]
    skipped: list[tuple[str, str]]  # (file, why) for valid non-policy inputs
    # Input by input, what the rules found in those checked as they were loaded, their models dropped
    # (`RulesAsLoaded`); None for the others.
    checked: list[CheckedInput | None]

    @property
    def policies(self) -> list[Policy]:
        """The policies of the inputs whose model is kept (all of them unless the rules ran as they were loaded)."""
        return [policy for one in self.inputs for policy in one.policies]

    @property
    def policy_count(self) -> int:
        """How many policies the inputs held, models dropped or not."""
        return sum(
            len(one.policies) if done is None else done.policies
            for one, done in zip(self.inputs, self.checked, strict=True)
        )

    @property
    def inventories(self) -> list[Inventory]:
        return [one.inventory for one in self.inputs if one.inventory is not None]


def load_all(
    paths: Sequence[str], config: Config, options: CheckOptions, as_loaded: RulesAsLoaded | None = None
) -> LoadedInputs:
    """Discover and load every input: the model, the input errors, the files checked and the files skipped; with
    `as_loaded`, the rules run on each input that allows it as soon as it is loaded, and its model is dropped.

    Every read stays inside the trees of the paths given (and of the variable files the user named): see
    `linter.sources.confine`. Every path the model holds is relative to the project root (`use_project_root`)."""
    use_project_root(paths, options.project_root)
    with checking([*paths, *options.var_files]):
        loaded = _load_all(paths, config, options, as_loaded)
    for one in options.loaded_elsewhere:
        loaded.inputs.append(one)
        loaded.checked.append(None)
        loaded.files_checked.extend(one.files)
    return loaded


def _load_all(
    paths: Sequence[str], config: Config, options: CheckOptions, as_loaded: RulesAsLoaded | None
) -> LoadedInputs:
    inputs = discover(paths, config)
    errors = list(inputs.errors)
    skipped = list(inputs.skipped)
    for path, why in inputs.not_configs:
        if options.skip_non_policy:
            skipped.append((display_path(path), why))
        else:
            errors.append(InputError(message=why, loc=Location(file=display_path(path))))
    loads: list[Loaded] = []
    coverage = Coverage()
    # What the rules found in the inputs checked as they were loaded, by `id` of the input (all kept in `loads`).
    # An input that one loaded before it covers is neither checked nor kept (a child module a root module checked
    # too calls, walked after it). One covered by an input loaded after it is known only at the end: it is checked,
    # and its findings are dropped with it (a module an example further down the tree calls; a policy file a module
    # reads).
    checked: dict[int, CheckedInput | None] = {}

    def keep(loaded: Loaded) -> None:
        loads.append(loaded)
        if coverage.covered(coverage.add(loaded)):
            loaded.policies, loaded.inventory = [], None
        elif as_loaded is not None:
            checked[id(loaded)] = as_loaded.check(loaded)

    for path in inputs.json_files:
        display = display_path(path)
        kind = options.kind or config.kind_for(str(path))
        loaded = guarded(partial(load_json_file, str(path), display, kind), display)
        if loaded.not_policy is not None:
            if path in inputs.explicit and not (options.skip_non_policy and loaded.skipped_when_named):
                errors.extend(_not_a_policy(loaded, display))
            else:
                skipped.append((display, loaded.not_policy))
            continue
        loaded.root = display
        keep(loaded)
    if options.stdin is not None and STDIN in paths:
        keep(_load_stdin(options.stdin, config, options, errors))
    if inputs.modules:
        from linter.sources.terraform import load_modules  # lazy: a run over policy JSON never loads the HCL machinery

        modules = load_modules(inputs.modules, [Path(v) for v in options.var_files])
        for folder, loaded in zip(inputs.modules, modules, strict=True):
            loaded.root = display_path(folder)
            keep(loaded)
    everything = LoadedInputs([], [], [], [], skipped, [])
    # A module several root modules call is read for each: its input errors and suppression comments are each one,
    # as its findings are (`each_finding_once`).
    unique_errors = dict.fromkeys(errors)
    suppressions: dict[InlineSuppression, None] = {}
    for index, loaded in enumerate(loads):
        if coverage.covered(index):
            continue
        unique_errors.update(dict.fromkeys(loaded.errors))
        everything.files_checked.extend(f for f in loaded.files if f not in everything.files_checked)
        everything.inputs.append(loaded)
        everything.checked.append(checked.get(id(loaded)))
        suppressions.update(dict.fromkeys(loaded.suppressions))
    everything.errors.extend(unique_errors)
    everything.suppressions.extend(suppressions)
    return everything


def _not_a_policy(loaded: Loaded, display: str) -> list[InputError]:
    """The input errors of a file named on the command line that is no policy: why it could not be read (invalid
    JSON, at its line and column), else why it is no policy."""
    return loaded.errors or [InputError(message=loaded.not_policy or "not an IAM policy", loc=Location(file=display))]


def _load_stdin(stdin: StdinInput, config: Config, options: CheckOptions, errors: list[InputError]) -> Loaded:
    """The one policy of `check -`: a policy, an AWS CLI output or a plan, as a file of that name would be read (its
    kind from --kind or the config's `kinds` by `--stdin-filename`); JSON that is no policy is an input error."""
    display = display_path(Path(stdin.filename)) if stdin.filename else STDIN
    kind = options.kind or (config.kind_for(stdin.filename) if stdin.filename else None)
    loaded = guarded(partial(load_json_bytes, stdin.data, STDIN, display, kind), display)
    if loaded.not_policy is not None:
        errors.extend(_not_a_policy(loaded, display))
        return Loaded()
    loaded.root = display
    return loaded


def resolve_declared_urls(
    loaded: LoadedInputs, rules: Sequence[type[Rule]], config: Config
) -> tuple[list[PresignCheck], list[InputError]]:
    """The stage between loading and the rules: the pre-signed URLs the config declares, each resolved to the
    signer and bucket an inventory defines, and the errors of the declarations that resolve to nothing.

    Those of the modules checked as they were loaded were resolved then (`RulesAsLoaded`): their errors come first,
    as those modules come before the inventories still held (loaded elsewhere: `--from-aws`)."""
    resolved_as_loaded = [error for done in loaded.checked if done is not None for error in done.declared_errors]
    checks, errors = _declared_urls(loaded.inventories, rules, config)
    return checks, [*resolved_as_loaded, *errors]


def _declared_urls(
    inventories: Sequence[Inventory], rules: Sequence[type[Rule]], config: Config
) -> tuple[list[PresignCheck], list[InputError]]:
    """The declared URLs resolved against these inventories (`presign.declared.all_declared_checks`).

    Only a selected rule that reads the verdicts needs them; and declarations are checked against what Terraform
    defines, so with neither a declaration nor an inventory (a run over policy JSON) there is nothing to resolve."""
    if not (config.presign or inventories) or not _reads_declared_urls(rules):
        return [], []
    from linter.presign.declared import all_declared_checks  # lazy: ~40M instructions a one-policy run never needs

    return all_declared_checks(config, inventories)


def _reads_declared_urls(rules: Sequence[type[Rule]]) -> bool:
    return any(READS_DECLARED_URLS in ref.checks for ref in rule_refs(rules))


# The root modules a finding names as its callers (related locations), at most: a module with twenty examples would
# otherwise bury the finding under them.
MAX_CALLERS_NAMED = 3
_MODULE_CALL = lazy_compile(r'(?:module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?\.)*')


# The copies of one finding (rule, place, message) as the rules found them, first first.
_Copies = list[InputFinding]
# The fingerprints a finding's copies had, by the fingerprint of the finding kept (`each_finding_once`).
CopyFingerprints = dict[str, set[str]]


def each_finding_once(found: Sequence[InputFinding]) -> tuple[list[Finding], CopyFingerprints]:
    """The stage after the rules: each finding once. A module that several root modules call (its examples) is
    evaluated for each caller, and what it finds was reported once per caller.

    The same finding is the same rule saying the same message about the same place (file, line, column, JSON path).
    It is kept as it was first found, fingerprint included: baselines hold fingerprints, and the one reported first
    stays the one reported. Its copies' fingerprints, which differ when the callers name the module differently, are
    returned too (`CopyFingerprints`): a baseline that recorded any copy still holds the finding (`finish`). Where the
    callers' values make the findings at one place differ, each names the root modules it was found for, as related
    locations: the messages alone would not say which is whose.
    """
    places: dict[tuple[str, str, int, int, str], dict[str, _Copies]] = {}
    for finding, root in found:
        loc = finding.loc
        place = (finding.rule_id, loc.file, loc.line, loc.column, loc.json_path)
        places.setdefault(place, {}).setdefault(finding.message, []).append((finding, root))
    kept: list[Finding] = []
    copy_fingerprints: CopyFingerprints = {}
    for by_message in places.values():
        name_callers = len(by_message) > 1 and _callers_differ(list(by_message.values()))
        for copies in by_message.values():
            first = copies[0][0]
            if len(copies) > 1:
                others = {finding.fingerprint for finding, _ in copies[1:]} - {first.fingerprint}
                if others:
                    copy_fingerprints.setdefault(first.fingerprint, set()).update(others)
            kept.append(
                first.model_copy(update={"related": (*first.related, *_callers(copies))}) if name_callers else first
            )
    return kept, copy_fingerprints


def _callers_differ(findings: list[_Copies]) -> bool:
    """Whether different findings at one place come from different callers. Those that every caller produced
    alike differ for another reason (two unknowns in one value), which the callers would not explain."""
    callers = [list(dict.fromkeys(root for _, root in copies)) for copies in findings]
    return any(roots != callers[0] for roots in callers)


def _callers(copies: _Copies) -> list[RelatedLocation]:
    """A related location for each root module the finding was found for (its folder), naming the module call that
    leads from it to the finding (`module.lambda_function`, the start of the finding's address)."""
    calls: dict[tuple[str, str], None] = {}
    for finding, root in copies:
        match = _MODULE_CALL.match(finding.loc.address or "")
        calls[(root, match.group().rstrip(".") if match else "")] = None
    named = list(calls)[:MAX_CALLERS_NAMED]
    related = []
    for index, (root, call) in enumerate(named):
        # The root named in words too: SARIF viewers show a related location by its message alone.
        message = f"root module {root} calls it as {call}" if call else f"found for the root module {root}"
        if index == len(named) - 1 and len(calls) > len(named):
            message += f" (and {len(calls) - len(named)} more root modules)"
        related.append(RelatedLocation(message=message, loc=Location(file=root, address=call or None)))
    return related


def finish(
    loaded: LoadedInputs,
    rules: Sequence[type[Rule]],
    findings: Iterable[Finding],
    errors: Sequence[InputError],
    config: Config,
    options: CheckOptions,
    copy_fingerprints: CopyFingerprints | None = None,
) -> CheckResult:
    """The result of a run: severity overrides, suppressions (inline, config), what the rules say about the inline
    suppressions left unused, and the baseline, applied to the findings; `errors` are those of the stages after
    loading (declared URLs, rules that failed); `copy_fingerprints` those of the copies `each_finding_once` left out,
    which the baseline may hold."""
    adjusted = [_with_severity(f, config) for f in findings]
    kept: list[Finding] = []
    used: set[int] = set()
    for finding in adjusted:
        inline = _inline_suppression(finding, loaded.suppressions)
        if inline is not None:
            used.add(id(inline))
        elif not _config_suppressed(finding, config):
            kept.append(finding)
    suppressed = len(adjusted) - len(kept)
    unused = [suppression for suppression in loaded.suppressions if id(suppression) not in used]
    if unused:
        # Only the rules that check suppressions (a rule that does not finds nothing with it): no other is imported.
        readers = [ref.rule for ref in rule_refs(rules) if CHECKS_SUPPRESSIONS in ref.checks]
        kept.extend(finding for rule in readers for finding in rule().check_suppressions(unused))
    result_errors = [*loaded.errors, *errors]
    baselined = 0
    baseline_path = options.baseline or (str(config.root / config.baseline) if config.baseline else None)
    if baseline_path is not None:
        from linter.baseline import Baseline, BaselineError  # lazy: most runs have no baseline

        try:
            # A baseline the repository's config names is part of the (untrusted) change: read only beside it.
            baseline = Baseline.read(baseline_path, confined_to=None if options.baseline else config.root)
        except BaselineError as error:
            loc = Location(file=baseline_path, line=error.line, column=error.column)
            result_errors.append(InputError(message=str(error), loc=loc))
            baseline = Baseline()
        known = partial(_baselined, baseline=baseline, copy_fingerprints=copy_fingerprints or {})
        baselined = sum(1 for f in kept if known(f))
        kept = [f for f in kept if not known(f)]
    return CheckResult(
        findings=sorted(kept, key=Finding.sort_key),
        errors=result_errors,
        files_checked=loaded.files_checked,
        skipped=loaded.skipped,
        rules=rules,
        suppressed=suppressed,
        baselined=baselined,
        policies=loaded.policy_count,
        project_root=project_root().as_posix(),
    )


def _baselined(finding: Finding, baseline: Baseline, copy_fingerprints: CopyFingerprints) -> bool:
    """In the baseline under its fingerprint, or under one of its copies' (`each_finding_once`)."""
    copies = copy_fingerprints.get(finding.fingerprint)
    return baseline.contains(finding) or (copies is not None and not baseline.fingerprints.isdisjoint(copies))


# A stage between resolving the declared URLs and the rules (`check --simulate`: `presign.command`'s
# `DeclaredConfirmations`): it may settle a URL's verdict in the context the rules read. Raises to stop the run.
ConfirmStage = Callable[[Sequence["PresignCheck"], RuleContext], None]


def run_check(
    paths: Sequence[str], config: Config, options: CheckOptions | None = None, confirm_urls: ConfirmStage | None = None
) -> CheckResult:
    """The pipeline: select the rules, load the inputs, resolve the declared URLs, (confirm them with AWS,) run the
    rules, keep each finding once, finish."""
    options = options or CheckOptions()
    rules = selected_rules(config, options)
    context = RuleContext(aws=aws_data())
    # Each module is checked as it is loaded, unless a URL the run's config declares may join two modules'
    # inventories, or `--simulate` asks AWS about every declared URL before the rules run.
    modules_alone = confirm_urls is None and not (config.presign and _reads_declared_urls(rules))
    loaded = load_all(paths, config, options, RulesAsLoaded(rules, context, config if modules_alone else None))
    declared, declared_errors = resolve_declared_urls(loaded, rules, config)
    context.presign = declared
    if confirm_urls is not None and not (loaded.errors or declared_errors):
        confirm_urls(declared, context)
    found, rule_errors = run_rules_per_input(loaded.inputs, rules, context, loaded.checked)
    findings, copy_fingerprints = each_finding_once(found)
    return finish(loaded, rules, findings, [*declared_errors, *rule_errors], config, options, copy_fingerprints)
