"""`iam-preflight check`: find inputs, load them into the model, run the rules, filter, decide the exit code.

The CLI only parses flags and calls `run_check`; everything a check does is here so it can be tested and
reused without a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from linter.awsdata import aws_data
from linter.baseline import Baseline, BaselineError
from linter.config import Config
from linter.findings import Finding, Severity
from linter.model import InputError, Location, Policy, PolicyKind
from linter.registry import all_rules
from linter.rule import Rule, RuleContext
from linter.sources.json_file import Loaded, load_json_file

# Folders never worth walking into: tool caches and vendored dependencies.
SKIPPED_DIRS = {".git", ".terraform", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".tox"}
POLICY_SUFFIXES = (".json",)


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files_checked: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why) for valid non-policy inputs
    rules: Sequence[type[Rule]] = ()
    suppressed: int = 0
    baselined: int = 0

    def exit_code(self, fail_on: Severity) -> int:
        if self.errors:
            return 2
        return 1 if any(f.severity.rank >= fail_on.rank for f in self.findings) else 0


@dataclass
class CheckOptions:
    kind: PolicyKind | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    baseline: str | None = None


def display_path(path: Path) -> str:
    """Paths are shown relative to the working directory when inside it, as linters conventionally do."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Iterable[str], config: Config) -> tuple[list[Path], list[InputError]]:
    """Expand folders into policy files; a missing path is an input error, the others are still checked."""
    files: list[Path] = []
    errors: list[InputError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not config.matches(f"{folder}/{d}", config.exclude))
                for name in sorted(names):
                    candidate = Path(folder) / name
                    if name.endswith(POLICY_SUFFIXES) and not config.matches(str(candidate), config.exclude):
                        files.append(candidate)
        elif path.exists() or path.is_symlink():
            if not config.matches(str(path), config.exclude):
                files.append(path)
        else:
            errors.append(InputError(message="no such file or directory", loc=Location(file=raw)))
    return files, errors


def selected_rules(config: Config, options: CheckOptions) -> list[type[Rule]]:
    select = options.select or config.select
    ignore = [*config.ignore, *options.ignore]

    def named(rule: type[Rule], keys: list[str]) -> bool:
        return any(rule.id.startswith(key.upper()) or rule.name == key.lower() for key in keys)

    return [r for r in all_rules() if (not select or named(r, select)) and not named(r, ignore)]


def load_inputs(path: Path, display: str, kind: PolicyKind | None = None) -> Loaded:
    """One input path into the model, by its format."""
    return load_json_file(str(path), display, kind)


def run_rules(policies: Iterable[Policy], rules: Sequence[type[Rule]], context: RuleContext) -> Iterator[Finding]:
    instances = [rule() for rule in rules]
    for policy in policies:
        for rule in instances:
            if rule.applies_to(policy):
                yield from rule.check_policy(policy, context)


def _with_severity(finding: Finding, config: Config) -> Finding:
    override = config.severity.get(finding.rule_id) or config.severity.get(finding.rule_name)
    return finding.model_copy(update={"severity": override}) if override else finding


def _suppressed(finding: Finding, config: Config) -> bool:
    return any(
        (entry.rule.upper() == finding.rule_id or entry.rule == finding.rule_name)
        and config.matches(finding.loc.file, entry.paths)
        for entry in config.suppress
    )


def run_check(paths: Sequence[str], config: Config, options: CheckOptions | None = None) -> CheckResult:
    options = options or CheckOptions()
    rules = selected_rules(config, options)
    result = CheckResult(rules=rules)
    files, result.errors = discover(paths, config)
    explicit = {Path(p) for p in paths}
    policies: list[Policy] = []
    for path in files:
        display = display_path(path)
        loaded = load_inputs(path, display, options.kind or config.kind_for(str(path)))
        result.errors.extend(loaded.errors)
        if loaded.not_policy is not None:
            if path in explicit:
                result.errors.append(InputError(message=loaded.not_policy, loc=Location(file=display)))
            else:
                result.skipped.append((display, loaded.not_policy))
            continue
        result.files_checked.append(display)
        policies.extend(loaded.policies)
    context = RuleContext(aws=aws_data())
    findings = [_with_severity(f, config) for f in run_rules(policies, rules, context)]
    kept = [f for f in findings if not _suppressed(f, config)]
    result.suppressed = len(findings) - len(kept)
    baseline_path = options.baseline or config.baseline
    if baseline_path is not None:
        try:
            baseline = Baseline.read(baseline_path)
        except BaselineError as error:
            loc = Location(file=baseline_path, line=error.line, column=error.column)
            result.errors.append(InputError(message=str(error), loc=loc))
            baseline = Baseline()
        known = [f for f in kept if baseline.contains(f)]
        result.baselined = len(known)
        kept = [f for f in kept if not baseline.contains(f)]
    result.findings = sorted(kept, key=Finding.sort_key)
    return result
