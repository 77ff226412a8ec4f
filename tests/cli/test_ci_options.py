"""The names CI users bring from other linters: `-h`, ruff's `--output-format` and `--exit-zero`."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from linter.cli import main

COMMANDS = ["check", "rules", "simulate", "presign", "explain-url", "explain-error"]
BROKEN_EFFECT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}],
}


def _broken(folder: Path) -> None:
    (folder / "broken.json").write_text(json.dumps(BROKEN_EFFECT, indent=2))


def test_h_is_help_on_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    long = capsys.readouterr().out
    assert main(["-h"]) == 0
    assert capsys.readouterr().out == long
    assert "-h, --help" in long


@pytest.mark.parametrize("command", COMMANDS)
def test_h_is_help_on_every_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    long = capsys.readouterr().out
    assert main([command, "-h"]) == 0
    assert capsys.readouterr().out == long
    assert f"Usage: iam-preflight {command}" in long
    assert "-h, --help" in long


@pytest.mark.parametrize("command", ["check", "presign", "explain-url", "explain-error"])
def test_output_format_is_listed_beside_format(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "--format, --output-format" in capsys.readouterr().out


def test_check_takes_output_format_as_format(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json"]) == 1
    by_format = capsys.readouterr().out
    assert main(["check", "broken.json", "--select", "IPG001", "--output-format", "json"]) == 1
    assert capsys.readouterr().out == by_format
    assert json.loads(by_format)["findings"]
    assert main(["check", "broken.json", "--output-format", "xml"]) == 2


def test_explain_error_takes_output_format(capsys: pytest.CaptureFixture[str]) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    assert main(["explain-error", body, "--output-format", "json"]) == 0
    json.loads(capsys.readouterr().out)


def test_exit_zero_reports_as_usual_and_exits_0(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json"]) == 1
    failing = capsys.readouterr().out
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json", "--exit-zero"]) == 0
    assert capsys.readouterr().out == failing
    assert json.loads(failing)["findings"]


def test_exit_zero_keeps_2_for_input_and_usage_errors(in_tmp: Path) -> None:
    (in_tmp / "bad.json").write_text('{"Version": "2012-10-17", "Statement": [')
    assert main(["check", "bad.json", "--exit-zero"]) == 2
    assert main(["check", "missing.json", "--exit-zero"]) == 2
    _broken(in_tmp)
    assert main(["check", "broken.json", "--exit-zero", "--fail-on", "fatal"]) == 2


# --- Paths relative to the repository root, whatever the working folder (issue 15, "must hold" 1) ---


def _repository(root: Path) -> Path:
    """A git work tree (only the presence of `.git` makes one) with a policy in a subfolder."""
    (root / ".git").mkdir(parents=True)
    (root / "iam").mkdir()
    _broken(root / "iam")
    return root


def _sarif_places(out: str) -> list[tuple[str, str, str]]:
    [run] = json.loads(out)["runs"]
    return [
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            result["partialFingerprints"]["iam-preflight/v1"],
        )
        for result in run["results"]
    ]


def test_sarif_paths_and_fingerprints_are_the_same_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repository(tmp_path / "repo")
    runs = []
    for cwd, target in [
        (repo, "iam/broken.json"),
        (repo / "iam", "broken.json"),
        (repo / "iam", str(repo / "iam" / "broken.json")),
        (tmp_path, "repo/iam"),
    ]:
        monkeypatch.chdir(cwd)
        assert main(["check", target, "--select", "IPG001", "--format", "sarif"]) == 1
        out = capsys.readouterr().out
        runs.append(_sarif_places(out))
        [run] = json.loads(out)["runs"]
        assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": f"file://{repo.resolve()}/"}}
    assert runs[0] == runs[1] == runs[2] == runs[3]
    assert {uri for uri, _, _ in runs[0]} == {"iam/broken.json"}
    assert {base for _, base, _ in runs[0]} == {"%SRCROOT%"}


def test_every_format_names_files_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repository(tmp_path / "repo")
    monkeypatch.chdir(repo / "iam")
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "json"]) == 1
    assert {f["location"]["file"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"iam/broken.json"}
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith("::error file=iam/broken.json,line=")
    assert main(["check", "broken.json", "--select", "IPG001"]) == 1
    assert capsys.readouterr().out.startswith("iam/broken.json\n")
    assert main(["check", "missing.json"]) == 2
    assert capsys.readouterr().out.startswith("iam/missing.json:1:1: error: no such file")


def test_a_baseline_written_at_the_root_matches_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repository(tmp_path / "repo")
    monkeypatch.chdir(repo)
    assert main(["check", "iam", "--select", "IPG001", "--write-baseline", "baseline.json"]) == 0
    entries = json.loads((repo / "baseline.json").read_text())["findings"]
    assert {entry["file"] for entry in entries} == {"iam/broken.json"}
    monkeypatch.chdir(repo / "iam")
    for target in ["broken.json", str(repo / "iam" / "broken.json")]:
        capsys.readouterr()
        assert main(["check", target, "--select", "IPG001", "--baseline", "../baseline.json"]) == 0
        assert f"{len(entries)} baselined" in capsys.readouterr().out


def test_project_root_overrides_the_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repository(tmp_path / "repo")
    monkeypatch.chdir(repo)
    assert main(["check", "iam", "--select", "IPG001", "--format", "json", "--project-root", "iam"]) == 1
    assert {f["location"]["file"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"broken.json"}


def test_outside_any_work_tree_paths_are_from_the_working_folder(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "iam").mkdir()
    _broken(in_tmp / "iam")
    assert main(["check", "iam", "--select", "IPG001", "--format", "json"]) == 1
    assert {f["location"]["file"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"iam/broken.json"}


# --- Side outputs (semgrep's names) beside the report on standard output ---


def test_side_outputs_write_each_format_in_the_same_run(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _broken(in_tmp)
    alone = {}
    for fmt in ["sarif", "json", "junit"]:
        assert main(["check", "broken.json", "--select", "IPG001", "--format", fmt]) == 1
        alone[fmt] = capsys.readouterr().out
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "github"]) == 1
    github = capsys.readouterr().out
    sides = ["--sarif-output", "out.sarif", "--json-output", "out.json", "--junit-output", "out.xml"]
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "github", *sides]) == 1
    assert capsys.readouterr().out == github
    assert (in_tmp / "out.sarif").read_text() == alone["sarif"]
    assert (in_tmp / "out.json").read_text() == alone["json"]
    assert (in_tmp / "out.xml").read_text() == alone["junit"]


def test_a_side_output_that_cannot_be_written_is_one_line_and_exit_2(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--sarif-output", "no/such/folder/out.sarif"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iam-preflight: error: no/such/folder/out.sarif: cannot write output:")
    assert err.count("\n") == 1


# --- --statistics (ruff's) ---


def test_statistics_count_findings_by_rule(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _broken(in_tmp)
    (in_tmp / "star.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    )
    assert main(["check", ".", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert main(["check", ".", "--statistics", "--format", "json"]) == 1
    statistics = json.loads(capsys.readouterr().out)["statistics"]
    expected: dict[str, int] = {}
    for finding in findings:
        expected[finding["rule_id"]] = expected.get(finding["rule_id"], 0) + 1
    assert {row["rule_id"]: row["count"] for row in statistics} == expected
    assert [row["count"] for row in statistics] == sorted(expected.values(), reverse=True)
    assert main(["check", ".", "--statistics"]) == 1
    text = capsys.readouterr().out.splitlines()
    first = statistics[0]
    assert text[0].split() == [str(first["count"]), first["rule_id"], first["severity"], first["rule_name"]]
    assert text[-1].startswith(f"{len(findings)} findings")
    assert main(["check", ".", "--statistics", "--format", "sarif"]) == 2
    assert capsys.readouterr().err == "iam-preflight: error: --statistics shows text or json, not sarif\n"


# --- `check -` reads one policy from standard input ---


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def test_check_dash_reads_a_policy_from_stdin(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, json.dumps(BROKEN_EFFECT, indent=2))
    assert main(["check", "-", "--select", "IPG001", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert {f["location"]["file"] for f in found} == {"-"}
    _stdin(monkeypatch, json.dumps(BROKEN_EFFECT, indent=2))
    assert main(["check", "-", "--stdin-filename", "iam/app.json", "--select", "IPG001", "--format", "json"]) == 1
    named = json.loads(capsys.readouterr().out)["findings"]
    assert {f["location"]["file"] for f in named} == {"iam/app.json"}
    assert [(f["location"]["line"], f["message"]) for f in named] == [
        (f["location"]["line"], f["message"]) for f in found
    ]


def test_check_dash_applies_kind(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}
    no_principal = {"Version": "2012-10-17", "Statement": [statement]}
    _stdin(monkeypatch, json.dumps(no_principal))
    assert main(["check", "-", "--kind", "identity", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    _stdin(monkeypatch, json.dumps(no_principal))
    assert main(["check", "-", "--kind", "resource", "--format", "json"]) == 1
    resource = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["location"]["json_path"]) for f in resource] == [("IPG011", "/Statement/0")]


def test_check_dash_errors_are_one_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, '{"Statement": [')
    assert main(["check", "-", "--stdin-filename", "p.json"]) == 2
    assert capsys.readouterr().out.startswith("p.json:1:16: error: invalid JSON")
    _stdin(monkeypatch, '{"rules": []}')
    assert main(["check", "-"]) == 2
    assert '-:1:1: error: a JSON object without a "Statement" element' in capsys.readouterr().out
    assert main(["check", "x.json", "--stdin-filename", "p.json"]) == 2
    assert "pass - as the PATH" in capsys.readouterr().err
    assert main(["check", "-", "-"]) == 2


# --- FORCE_COLOR (force-color.org), beside NO_COLOR ---


def test_force_color_colours_a_report_that_is_no_terminal(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--select", "IPG001"]) == 1
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["check", "broken.json", "--select", "IPG001"]) == 1
    assert "\x1b[31merror" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")  # the user's "no" wins
    assert main(["check", "broken.json", "--select", "IPG001"]) == 1
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.delenv("NO_COLOR")
    assert main(["check", "broken.json", "--select", "IPG001", "--color", "never"]) == 1
    assert "\x1b[" not in capsys.readouterr().out


def test_presign_names_files_from_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "repo" / "examples" / "presign-demo"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "presign-demo", demo)
    (tmp_path / "repo" / ".git").mkdir()
    monkeypatch.chdir(demo)
    url = ["--signer", "aws_iam_user.user_two", "--bucket", "aws_s3_bucket.demo", "--key", "cat.jpg", "-f", "json"]
    assert main(["presign", ".", *url]) == 1
    [problem] = json.loads(capsys.readouterr().out)["presign"]["problems"]
    assert problem["location"] == "examples/presign-demo/main.tf:24:23"
    assert main(["presign", ".", *url, "--project-root", "."]) == 1
    [problem] = json.loads(capsys.readouterr().out)["presign"]["problems"]
    assert problem["location"] == "main.tf:24:23"


def test_soft_fail_names_exit_zero_and_junit_then_shows_no_failure(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken(in_tmp)
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "junit"]) == 1
    failing = capsys.readouterr().out
    assert "<failure" in failing
    for soft in (["--exit-zero"], ["--soft-fail"], ["--fail-on", "never"], ["--fail-on", "NEVER"]):
        assert main(["check", "broken.json", "--select", "IPG001", "--format", "junit", *soft]) == 0
        passing = capsys.readouterr().out
        assert "<failure" not in passing and 'failures="0"' in passing
        assert passing.count("<testcase") == failing.count("<testcase")  # every finding still reported
    (in_tmp / "bad.json").write_text("{")
    assert main(["check", "bad.json", "--fail-on", "never"]) == 2


def test_check_reads_a_config_of_any_name_given_with_config(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `--config ci.toml` holds its settings at the top, as `.iam-preflight.toml` does (ruff's `--config`): it was
    # silently ignored, and the full-admin policy failed a run whose config said to check grammar only.
    (in_tmp / "admin.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
    )
    (in_tmp / "ci.toml").write_text('select = ["IPG"]\n')
    assert main(["check", "admin.json"]) == 1
    assert "IPP001" in capsys.readouterr().out
    assert main(["check", "admin.json", "--config", "ci.toml"]) == 0
    assert capsys.readouterr().out == "No findings in 1 file.\n"
