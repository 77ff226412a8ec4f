"""A network-bound URL is not "works": `presign` and `check` agree on it.

A pre-signed request carries the signer's identity but the opener's network (IAM User Guide,
reference_policies_condition-keys, aws:SourceIp: "Use this key to compare the requester's IP address with the IP
address that you specify in the policy."). Without a stated opener network, a URL a policy admits only from some
networks "works only from ..." (IPS003, a warning), which fails at the default --fail-on (warning) in both commands;
opened from inside the admitted network, it works in both.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.check import CheckOptions, run_check
from linter.cli import main
from linter.config import load_config
from linter.findings import Severity
from linter.presign.command import check_url, exit_code
from linter.presign.declared import expectation

FIXTURES = Path(__file__).resolve().parents[2] / "rules" / "presign" / "fixtures" / "IPS003"
REPORTS = ["--signer", "aws_iam_user.reports", "--bucket", "aws_s3_bucket.reports", "--key", "monthly/may.pdf"]


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
    for kind in ("bad", "good"):
        shutil.copytree(FIXTURES / kind / "identity-source-ip-undeclared", tmp_path / kind)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(folder: Path) -> int:
    return run_check([str(folder)], load_config(start=folder)).exit_code(Severity.WARNING)


def test_undeclared_network_fails_both_commands(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(folders / "bad") == 1
    assert main(["presign", "bad", *REPORTS, "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "! URL works only from 198.51.100.0/24: aws_iam_user.reports → acme-monthly-reports/monthly/may.pdf (GET, 1h)\n"
    )


def test_json_says_where_it_works(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presign", "bad", *REPORTS, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["presign"]["status"], report["presign"]["works_only_from"]) == ("works", ["198.51.100.0/24"])


def test_opened_from_inside_the_network_works_in_both(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(folders / "good") == 0  # its declaration says source-ips = ["198.51.100.20"]
    assert main(["presign", "bad", *REPORTS, "--source-ip", "198.51.100.20", "--color", "never"]) == 0
    assert capsys.readouterr().out.startswith("✓ URL works for its whole life:")


def test_opened_from_outside_fails_in_both(folders: Path) -> None:
    assert main(["presign", "bad", *REPORTS, "--source-ip", "203.0.113.9"]) == 1


def test_a_higher_threshold_lets_the_caveat_pass_as_check_would(folders: Path) -> None:
    # `exit_code` reads the findings at or above the threshold `check` reads (the config's fail-on), so both commands
    # move together when a project raises it.
    wanted = expectation(signer="aws_iam_user.reports", bucket="aws_s3_bucket.reports", key="monthly/may.pdf")
    result, verdict = check_url(["bad"], load_config(start=folders / "bad"), CheckOptions(), wanted)
    assert verdict.works_only_from == ["198.51.100.0/24"]
    assert exit_code(result, verdict) == 1
    assert exit_code(result, verdict, Severity.ERROR) == 0
    assert run_check(["bad"], load_config(start=folders / "bad")).exit_code(Severity.ERROR) == 0


def test_the_command_reads_the_projects_threshold(folders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = folders / "bad" / ".iam-preflight.toml"
    config.write_text('fail-on = "error"\n' + config.read_text())
    monkeypatch.chdir(folders / "bad")  # the config is found from the working folder
    assert main(["check", "."]) == 0
    assert main(["presign", ".", *REPORTS]) == 0


def test_its_junit_agrees_with_its_exit_code(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # IPS003 (a warning) fails at the default threshold, in the exit code and in JUnit alike; at `fail-on = "error"`
    # neither fails.
    assert main(["presign", "bad", *REPORTS, "--format", "junit"]) == 1
    assert "<failure" in capsys.readouterr().out
    config = folders / "bad" / ".iam-preflight.toml"
    config.write_text('fail-on = "error"\n' + config.read_text())
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folders / "bad")
        assert main(["presign", ".", *REPORTS, "--format", "junit"]) == 0
    assert "<failure" not in capsys.readouterr().out
