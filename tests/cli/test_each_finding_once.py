"""Each finding once: a module called by several root modules (its examples) is checked for every caller, and what
it finds is reported once (`linter.check.each_finding_once`).

The fixture (tests/fixtures/realcode/dedup) is a Lambda execution-role module called by three examples: `complete`
and `minimal` pass the same actions, `queue-consumer` passes others under another module name.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.awsdata import aws_data
from linter.check import (
    CheckOptions,
    CheckResult,
    InputFinding,
    each_finding_once,
    load_all,
    run_check,
    run_rules_per_input,
    selected_rules,
)
from linter.cli import main
from linter.config import Config, Suppression
from linter.findings import Finding, Severity
from linter.model import InputError, Location
from linter.rule import RuleContext
from linter.sources import Loaded, terraform

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "realcode" / "dedup"
MODULE = "dedup/modules/function-role/main.tf"
LOGS = (
    "statement 0 ('Logs') allows logs:CreateLogStream, logs:PutLogEvents on every resource ('*'), but these actions "
    "support resource-level permissions: list the ARNs the statement needs, or scope it with an aws:ResourceTag "
    "condition."
)
EXTRA_S3 = (
    "statement 1 ('Extra') allows s3:GetObject, s3:PutObject on every resource ('*'), but these actions support "
    "resource-level permissions: list the ARNs the statement needs, or scope it with an aws:ResourceTag condition."
)
EXTRA_SQS = (
    "statement 1 ('Extra') allows sqs:DeleteMessage on every resource ('*'), but this action supports resource-level "
    "permissions: list the ARNs the statement needs, or scope it with an aws:ResourceTag condition."
)
FUNCTION_ROLE = "module.function_role.aws_iam_role_policy.this"
CONSUMER_ROLE = "module.consumer_role.aws_iam_role_policy.this"
ONLY_UNSCOPED = CheckOptions(select=["IPP004"])


def _fixture(folder: Path) -> Path:
    shutil.copytree(FIXTURE, folder / "dedup")
    return folder / "dedup"


def _shown(finding: Finding) -> tuple[str, str, str | None, str, list[str]]:
    related = [f"{r.loc.short()} {r.loc.address} {r.message}" for r in finding.related]
    return finding.rule_id, finding.loc.short(), finding.loc.address, finding.message, related


def _found(config: Config) -> list[InputFinding]:
    """The rules' findings, with the root module each was found for, before the stage that keeps each once."""
    loaded = load_all(["dedup"], config, ONLY_UNSCOPED)
    found, errors = run_rules_per_input(loaded.inputs, selected_rules(config, ONLY_UNSCOPED), RuleContext(aws_data()))
    assert errors == []
    return found


def _every_copy(config: Config) -> list[Finding]:
    return [finding for finding, _ in _found(config)]


def _check(config: Config, options: CheckOptions = ONLY_UNSCOPED) -> CheckResult:
    result = run_check(["dedup"], config, options)
    assert result.errors == []
    return result


def test_a_module_called_by_three_examples_reports_each_finding_once(in_tmp: Path) -> None:
    _fixture(in_tmp)
    # What the rules find: the module once per example, so the Logs statement three times.
    assert [(f.loc.short(), f.loc.address, f.message) for f in _every_copy(Config())] == [
        (f"{MODULE}:27:20", FUNCTION_ROLE, LOGS),
        (f"{MODULE}:33:20", FUNCTION_ROLE, EXTRA_S3),
        (f"{MODULE}:27:20", FUNCTION_ROLE, LOGS),
        (f"{MODULE}:33:20", FUNCTION_ROLE, EXTRA_S3),
        (f"{MODULE}:27:20", CONSUMER_ROLE, LOGS),
        (f"{MODULE}:33:20", CONSUMER_ROLE, EXTRA_SQS),
    ]
    # What is reported: each once; the two that differ by their callers' values say which callers they are from.
    assert [_shown(f) for f in _check(Config()).findings] == [
        ("IPP004", f"{MODULE}:27:20", FUNCTION_ROLE, LOGS, []),
        (
            "IPP004",
            f"{MODULE}:33:20",
            FUNCTION_ROLE,
            EXTRA_S3,
            [
                "dedup/examples/complete:1:1 module.function_role "
                "root module dedup/examples/complete calls it as module.function_role",
                "dedup/examples/minimal:1:1 module.function_role "
                "root module dedup/examples/minimal calls it as module.function_role",
            ],
        ),
        (
            "IPP004",
            f"{MODULE}:33:20",
            CONSUMER_ROLE,
            EXTRA_SQS,
            [
                "dedup/examples/queue-consumer:1:1 module.consumer_role "
                "root module dedup/examples/queue-consumer calls it as module.consumer_role"
            ],
        ),
    ]


def test_the_finding_kept_is_the_first_with_its_fingerprint_and_its_copies_fingerprints(in_tmp: Path) -> None:
    _fixture(in_tmp)
    copies = [f for f in _every_copy(Config()) if f.message == LOGS]
    kept = [f for f in _check(Config()).findings if f.message == LOGS]
    # complete and minimal name the module alike: one fingerprint; queue-consumer's address gives another.
    assert [f.fingerprint for f in copies] == [copies[0].fingerprint, copies[0].fingerprint, copies[2].fingerprint]
    assert copies[0].fingerprint != copies[2].fingerprint
    assert [f.fingerprint for f in kept] == [copies[0].fingerprint]
    assert each_finding_once(_found(Config()))[1] == {copies[0].fingerprint: {copies[2].fingerprint}}


def _baseline(folder: Path, fingerprints: list[str]) -> str:
    path = folder / "baseline.json"
    entries = [
        {"fingerprint": fingerprint, "rule": "IPP004", "file": MODULE, "message": ""} for fingerprint in fingerprints
    ]
    path.write_text(json.dumps({"version": 1, "findings": entries}))
    return str(path)


def test_a_baseline_that_recorded_any_copy_holds_the_finding(in_tmp: Path) -> None:
    _fixture(in_tmp)
    consumer_copy = next(f for f in _every_copy(Config()) if f.message == LOGS and f.loc.address == CONSUMER_ROLE)
    options = CheckOptions(select=["IPP004"], baseline=_baseline(in_tmp, [consumer_copy.fingerprint]))
    result = _check(Config(), options)
    assert [f.message for f in result.findings] == [EXTRA_S3, EXTRA_SQS]
    assert result.baselined == 1


def test_a_baseline_written_before_each_finding_once_still_holds_every_finding(in_tmp: Path) -> None:
    _fixture(in_tmp)
    before = sorted({f.fingerprint for f in _every_copy(Config())})  # what --write-baseline recorded then
    result = _check(Config(), CheckOptions(select=["IPP004"], baseline=_baseline(in_tmp, before)))
    assert (result.findings, result.baselined) == ([], 3)


def test_an_inline_suppression_in_the_module_silences_the_finding_once(in_tmp: Path) -> None:
    module = _fixture(in_tmp) / "modules" / "function-role" / "main.tf"
    lines = module.read_text().splitlines(keepends=True)
    assert lines[26] == '        Resource = "*"\n'  # the Logs statement's
    lines[26] = '        Resource = "*" # iam-preflight:ignore IPP004 Lambda names its log group at first run\n'
    module.write_text("".join(lines))
    result = _check(Config(), CheckOptions(select=["IPP004", "IPN002"]))
    assert [f.message for f in result.findings] == [EXTRA_S3, EXTRA_SQS]
    assert result.suppressed == 1  # one finding, not one per caller


def test_a_config_suppression_silences_every_caller(in_tmp: Path) -> None:
    _fixture(in_tmp)
    config = Config(suppress=[Suppression(rule="unscoped-resource", paths=["dedup/modules/*"])])
    result = _check(config)
    assert (result.findings, result.suppressed) == ([], 3)


def test_the_reports_show_the_callers(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fixture(in_tmp)
    assert main(["check", "dedup", "--select", "IPP004", "--no-cache", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [
        [(r["location"]["file"], r["location"]["address"], r["message"]) for r in f["related"]]
        for f in report["findings"]
    ] == [
        [],
        [
            (
                "dedup/examples/complete",
                "module.function_role",
                "root module dedup/examples/complete calls it as module.function_role",
            ),
            (
                "dedup/examples/minimal",
                "module.function_role",
                "root module dedup/examples/minimal calls it as module.function_role",
            ),
        ],
        [
            (
                "dedup/examples/queue-consumer",
                "module.consumer_role",
                "root module dedup/examples/queue-consumer calls it as module.consumer_role",
            )
        ],
    ]
    assert report["summary"]["findings"] == 3


def _note(message: str, address: str) -> Finding:
    loc = Location(file="modules/x/main.tf", line=3, column=5, address=address)
    return Finding(rule_id="IPN001", rule_name="unresolved-value", severity=Severity.INFO, message=message, loc=loc)


def test_a_finding_from_many_callers_names_a_few_and_counts_the_rest() -> None:
    found: list[InputFinding] = [
        (_note("cannot resolve `a`", f"module.x{i}.aws_iam_policy.p"), f"examples/{i}") for i in range(5)
    ]
    found.append((_note("cannot resolve `b`", 'module.y["k"].module.z.aws_iam_policy.p'), "examples/9"))
    assert [[(r.loc.file, r.loc.address, r.message) for r in f.related] for f in each_finding_once(found)[0]] == [
        [
            ("examples/0", "module.x0", "root module examples/0 calls it as module.x0"),
            ("examples/1", "module.x1", "root module examples/1 calls it as module.x1"),
            ("examples/2", "module.x2", "root module examples/2 calls it as module.x2 (and 2 more root modules)"),
        ],
        [("examples/9", 'module.y["k"].module.z', 'root module examples/9 calls it as module.y["k"].module.z')],
    ]


def test_findings_that_differ_alike_for_every_caller_name_no_caller() -> None:
    # Two unknowns in one value, in both examples: the messages differ, but not because of the callers.
    found = [
        (_note(f"cannot resolve `{name}`", "module.x.aws_iam_policy.p"), root)
        for root in ("examples/a", "examples/b")
        for name in ("a", "b")
    ]
    assert [(f.message, f.related) for f in each_finding_once(found)[0]] == [
        ("cannot resolve `a`", ()),
        ("cannot resolve `b`", ()),
    ]


def test_an_input_error_in_the_module_is_reported_once(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Were the evaluator to report an error of a called module with each root module that reaches it, it is one error.
    _fixture(in_tmp)
    error = InputError(message="Too many function arguments", loc=Location(file=MODULE, line=2, column=10))

    def load_modules(folders: list[Path], var_files: list[Path]) -> list[Loaded]:
        return [Loaded(errors=[error], files=[f"{folder}/main.tf", MODULE]) for folder in folders]

    monkeypatch.setattr(terraform, "load_modules", load_modules)
    result = run_check(["dedup/examples"], Config(), ONLY_UNSCOPED)
    assert [error.render() for error in result.errors] == [f"{MODULE}:2:10: Too many function arguments"]
