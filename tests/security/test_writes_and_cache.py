"""Nothing lost, and an untrusted cache (issue 11, points 5 and 6), tried as a hostile pull request or bad luck would.

- Every file the tool writes (`-o`, baselines, cache entries, the cache key) is written beside its target and
  renamed into place: a full disk, a read-only folder, a folder, a missing folder or a symbolic link as the target
  is exit 2 with one line, and the old file is intact. `--write-baseline` does not replace a baseline when an input
  had errors unless `--write-baseline-with-errors` says so.
- A baseline the repository's config names is read only beside the config, and no baseline is ever a FIFO, a device
  or a huge file.
- A closed standard output is exit 2 with one line; a reader that leaves early keeps the verdict's exit code.
- The parse cache believes only entries signed with a key kept outside the cache folder: a planted, corrupt or
  swapped entry is ignored and rewritten, never fatal.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linter import atomic
from linter.cli import main
from linter.sources.terraform import cache

CONSOLE_SCRIPT = str(Path(sys.executable).with_name("iam-preflight"))
# Two IPG001 findings: "Actions" is no IAM element, so the statement has no Action either.
BROKEN_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}
)
BROKEN_FINDINGS = [
    ("IPG001", "broken.json", 1, "2f547ab5fd05a6d4708896433a05951b"),
    ("IPG001", "broken.json", 1, "4b43c8190f0bc63d56443946205df021"),
]
NOT_JSON = '{"Version": "2012-10-17", "Statement": ['
ADMIN_MODULE = """resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""
ADMIN_FINDING = [("IPP001", "infra/main.tf", 4)]
NOT_REGULAR = "not a regular file (a FIFO, device or socket); not read"


@pytest.fixture(autouse=True)
def _isolated_key_and_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A cache key and a cache folder of this test's own; `--no-cache` and the process's memo undone afterwards."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(base / "cache"))
    monkeypatch.delenv("IAM_PREFLIGHT_CACHE_KEY", raising=False)
    monkeypatch.delenv("IAM_PREFLIGHT_NO_CACHE", raising=False)
    cache._memo.clear()
    yield
    cache._switched_off.clear()
    cache._memo.clear()


def _findings(out: str) -> list[tuple[str, str, int, str]]:
    report = json.loads(out)
    return [(f["rule_id"], f["location"]["file"], f["location"]["line"], f["fingerprint"]) for f in report["findings"]]


def _names(folder: Path) -> list[str]:
    """Every entry of a folder, hidden ones included: a temporary file left behind would show here."""
    return sorted(os.listdir(folder))


# --- --write-baseline -------------------------------------------------------------------------------------------------


def test_write_baseline_keeps_the_old_baseline_when_an_input_failed_to_load(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    assert main(["check", "broken.json", "--select", "IPG001", "--write-baseline", "baseline.json"]) == 0
    before = (in_tmp / "baseline.json").read_bytes()
    (in_tmp / "half-written.json").write_text(NOT_JSON)  # the PR breaks a file: its findings would vanish
    capsys.readouterr()
    argv = ["check", "broken.json", "half-written.json", "--select", "IPG001", "--write-baseline", "baseline.json"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "iam-preflight: error: baseline.json: not written: an input has errors (half-written.json) and the baseline "
        "would lose their findings; fix them, or pass --write-baseline-with-errors\n"
    )
    assert (in_tmp / "baseline.json").read_bytes() == before
    assert _names(in_tmp) == ["baseline.json", "broken.json", "half-written.json"]


def test_write_baseline_with_errors_records_the_findings_of_the_inputs_that_loaded(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    (in_tmp / "half-written.json").write_text(NOT_JSON)
    argv = ["check", "broken.json", "half-written.json", "--select", "IPG001", "--write-baseline", "baseline.json"]
    assert main([*argv, "--write-baseline-with-errors"]) == 2  # the input error is still an input error
    assert capsys.readouterr().err == "Wrote 2 findings to baseline.json.\n"
    written = json.loads((in_tmp / "baseline.json").read_text())
    assert [(e["rule"], e["file"], e["fingerprint"]) for e in written["findings"]] == sorted(
        (rule, file, fingerprint) for rule, file, _, fingerprint in BROKEN_FINDINGS
    )


def test_write_baseline_records_every_finding_although_the_config_names_the_baseline_it_replaces(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Filtering by the old baseline first would write only the new findings and drop every entry already there.
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    (in_tmp / ".iam-preflight.toml").write_text('baseline = "baseline.json"\nselect = ["IPG001"]\n')
    assert main(["check", "broken.json", "--write-baseline", "baseline.json"]) == 0
    assert main(["check", "broken.json", "--write-baseline", "baseline.json"]) == 0
    assert capsys.readouterr().err == "Wrote 2 findings to baseline.json.\nWrote 2 findings to baseline.json.\n"
    assert main(["check", "broken.json", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["baselined"] == 2


# --- bad targets: one line, exit 2, the old content intact ------------------------------------------------------------


def _target_cases(root: Path) -> dict[str, tuple[str, str]]:
    """Target name -> the reason in the one line the CLI prints."""
    (root / "a-folder").mkdir()
    (root / "real.txt").write_text("the file the link points to\n")
    (root / "link.txt").symlink_to("real.txt")
    return {
        "a-folder": ("a-folder", "it is a folder"),
        "missing": ("no-such-folder/out.txt", "its folder does not exist"),
        "link": ("link.txt", "it is a symbolic link; name the file it points to instead"),
    }


@pytest.mark.parametrize("case", ["a-folder", "missing", "link"])
@pytest.mark.parametrize(("flag", "what"), [("--output", "output"), ("--write-baseline", "baseline")])
def test_a_bad_target_is_one_line_and_exit_2(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], case: str, flag: str, what: str
) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    target, reason = _target_cases(in_tmp)[case]
    before = {name: (in_tmp / name).read_bytes() for name in ("broken.json", "real.txt")}
    assert main(["check", "broken.json", "--select", "IPG001", flag, target]) == 2
    assert capsys.readouterr().err == f"iam-preflight: error: {target}: cannot write {what}: {reason}\n"
    assert {name: (in_tmp / name).read_bytes() for name in before} == before
    assert (in_tmp / "link.txt").is_symlink()
    assert _names(in_tmp) == ["a-folder", "broken.json", "link.txt", "real.txt"]
    assert _names(in_tmp / "a-folder") == []


def test_simulate_jsonl_into_a_folder_is_one_line_and_exit_2(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "requests.jsonl").write_text("{}\n")
    (in_tmp / "out").mkdir()
    assert main(["simulate", "--jsonl", "requests.jsonl", "-o", "out"]) == 2
    assert capsys.readouterr().err == "iam-preflight: error: out: cannot write output: it is a folder\n"


def _fail_writes_after(monkeypatch: pytest.MonkeyPatch, allowed: int, failure: int) -> None:
    """From the `allowed`+1-th write on, every write to a file fails with `failure` (ENOSPC: a full disk)."""
    real_write = os.write
    count = [0]

    def write(handle: int, data: bytes) -> int:
        count[0] += 1
        if count[0] > allowed:
            raise OSError(failure, os.strerror(failure))
        return real_write(handle, data)

    monkeypatch.setattr(atomic.os, "write", write)


@pytest.mark.parametrize(
    ("argv", "target", "what"),
    [
        (["check", "broken.json", "--select", "IPG001", "-f", "json", "-o", "report.json"], "report.json", "output"),
        (["check", "broken.json", "--select", "IPG001", "--write-baseline", "report.json"], "report.json", "baseline"),
        (["simulate", "--jsonl", "requests.jsonl", "-o", "report.json"], "report.json", "output"),
    ],
    ids=["output", "baseline", "simulate-jsonl"],
)
def test_a_full_disk_leaves_the_old_file_whole_and_no_temporary_file(
    in_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    target: str,
    what: str,
) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    request = {
        "PolicyInputList": ['{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'],
        "ActionNames": ["s3:GetObject"],
    }
    (in_tmp / "requests.jsonl").write_text(f"{json.dumps(request)}\n" * 2)
    (in_tmp / target).write_text("yesterday's report\n")
    _fail_writes_after(monkeypatch, 1 if argv[0] == "simulate" else 0, errno.ENOSPC)  # simulate: mid-stream
    assert main(argv) == 2
    assert capsys.readouterr().err == f"iam-preflight: error: {target}: cannot write {what}: No space left on device\n"
    assert (in_tmp / target).read_text() == "yesterday's report\n"
    assert _names(in_tmp) == ["broken.json", "report.json", "requests.jsonl"]


def test_a_read_only_folder_is_one_line_and_exit_2(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the kernel answers for a read-only mount (also for root, whom a chmod would not stop).
    real_open = os.open

    def open_(path: str, flags: int, mode: int = 0o777, **kwargs: object) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, mode, **kwargs)  # type: ignore[arg-type]

    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    (in_tmp / "report.txt").write_text("yesterday's report\n")
    monkeypatch.setattr(atomic.os, "open", open_)
    assert main(["check", "broken.json", "--select", "IPG001", "-o", "report.txt"]) == 2
    assert capsys.readouterr().err == "iam-preflight: error: report.txt: cannot write output: Read-only file system\n"
    assert (in_tmp / "report.txt").read_text() == "yesterday's report\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a folder whatever its mode")
def test_a_folder_without_write_permission_is_one_line_and_exit_2(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    locked = in_tmp / "locked"
    locked.mkdir()
    (locked / "report.txt").write_text("yesterday's report\n")
    locked.chmod(0o555)
    try:
        assert main(["check", "broken.json", "--select", "IPG001", "-o", "locked/report.txt"]) == 2
    finally:
        locked.chmod(0o755)
    assert (
        capsys.readouterr().err == "iam-preflight: error: locked/report.txt: cannot write output: Permission denied\n"
    )
    assert (locked / "report.txt").read_text() == "yesterday's report\n"


def test_a_replaced_report_keeps_its_mode_and_a_new_one_gets_the_umasks(in_tmp: Path) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    (in_tmp / "kept.txt").write_text("old\n")
    (in_tmp / "kept.txt").chmod(0o640)
    previous = os.umask(0o027)
    try:
        assert main(["check", "broken.json", "--select", "IPG001", "--color", "never", "-o", "kept.txt"]) == 1
        assert main(["check", "broken.json", "--select", "IPG001", "--color", "never", "-o", "new.txt"]) == 1
    finally:
        os.umask(previous)
    assert stat.S_IMODE((in_tmp / "kept.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((in_tmp / "new.txt").stat().st_mode) == 0o640  # 0o666 under umask 027
    assert (in_tmp / "kept.txt").read_text() == (in_tmp / "new.txt").read_text()
    assert (in_tmp / "kept.txt").read_text().startswith("broken.json\n")


def test_a_device_as_the_output_is_written_in_place_never_replaced(in_tmp: Path) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    before = os.stat(os.devnull)
    assert main(["check", "broken.json", "--select", "IPG001", "-o", os.devnull]) == 1
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


# --- baselines the repository's config names --------------------------------------------------------------------------


def _config_baseline_cases(repo: Path) -> dict[str, tuple[str, str]]:
    """Config value -> (the file the error names, its message)."""
    outside = repo.parent / "outside.json"
    outside.write_text('{"version": 1, "findings": []}')
    os.mkfifo(repo / "pipe.json")
    with open(repo / "huge.json", "wb") as huge:  # 1 GB, sparse: takes no disk
        huge.truncate(1024**3)
    (repo / "link.json").symlink_to(outside)
    far = "the config names a baseline outside its own folder; not read (pass it with --baseline to use it)"
    return {
        "/dev/zero": ("/dev/zero", far),
        "../outside.json": (f"{repo}/../outside.json", far),
        "link.json": (f"{repo}/link.json", far),
        "pipe.json": (f"{repo}/pipe.json", f"cannot read baseline: {NOT_REGULAR}"),
        "huge.json": (f"{repo}/huge.json", "baseline larger than 16 MB; not read"),
    }


@pytest.mark.parametrize("value", ["/dev/zero", "../outside.json", "link.json", "pipe.json", "huge.json"])
def test_a_baseline_the_config_names_is_read_only_beside_it_and_only_a_regular_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    where, message = _config_baseline_cases(repo.resolve())[value]
    (repo / ".iam-preflight.toml").write_text(f'baseline = "{value}"\nselect = ["IPG001"]\n')
    (repo / "broken.json").write_text(BROKEN_POLICY)
    assert main(["check", "broken.json", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["location"]["file"], e["message"]) for e in report["errors"]] == [(where, message)]
    assert _findings(json.dumps(report)) == BROKEN_FINDINGS  # nothing hidden by a baseline that was not read


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("/dev/zero", "cannot read baseline: a special file (/proc, /sys, /dev); not read"),
        ("pipe.json", f"cannot read baseline: {NOT_REGULAR}"),
    ],
)
def test_a_baseline_given_on_the_command_line_must_still_be_a_regular_file(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], argument: str, message: str
) -> None:
    os.mkfifo(in_tmp / "pipe.json")
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    assert main(["check", "broken.json", "--select", "IPG001", "-f", "json", "--baseline", argument]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["location"]["file"], e["message"]) for e in report["errors"]] == [(argument, message)]


def test_a_baseline_given_on_the_command_line_may_live_outside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    Path("broken.json").write_text(BROKEN_POLICY)
    assert main(["check", "broken.json", "--select", "IPG001", "--write-baseline", "../kept-elsewhere.json"]) == 0
    assert (
        main(["check", "broken.json", "--select", "IPG001", "-f", "json", "--baseline", "../kept-elsewhere.json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["summary"]["baselined"] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # 2.8 million empty lists in 8 MB: parsed, they would take ~160 MB; refused before parsing.
        (
            '{"version": 1, "findings": [' + "[]," * 2_800_000 + "[]]}",
            "not an iam-preflight baseline (more than 2,000,000 JSON values)",
        ),
        ('{"version": 1, "findings": [], "x": ' + "9" * 5000 + "}", "not an iam-preflight baseline (version 1)"),
        (
            '{"version": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "not an iam-preflight baseline (version 1)",
        ),
    ],
    ids=["many-containers", "5000-digit-number", "deep-nesting"],
)
def test_a_hostile_baseline_is_an_input_error_within_bounds(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    (in_tmp / "baseline.json").write_text(content)
    assert main(["check", "broken.json", "--select", "IPG001", "-f", "json", "--baseline", "baseline.json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [e["message"] for e in report["errors"]] == [message]
    assert _findings(json.dumps(report)) == BROKEN_FINDINGS


def test_a_bare_string_in_the_findings_list_is_no_baseline_entry(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fingerprints = [fingerprint for *_, fingerprint in BROKEN_FINDINGS]
    baseline = {"version": 1, "findings": [fingerprints[0], {"fingerprint": fingerprints[1]}]}
    (in_tmp / "broken.json").write_text(BROKEN_POLICY)
    (in_tmp / "baseline.json").write_text(json.dumps(baseline))
    assert main(["check", "broken.json", "--select", "IPG001", "-f", "json", "--baseline", "baseline.json"]) == 1
    assert _findings(capsys.readouterr().out) == BROKEN_FINDINGS[:1]


# --- standard output (the console script: `run()` ends with os._exit) -------------------------------------------------


def _console(argv: list[str], cwd: Path, shell_redirect: str = "") -> subprocess.CompletedProcess[bytes]:
    """The console script, run the way a CI step's shell would (`exec iam-preflight ARGS >&-`)."""
    command = f'exec "$0" "$@" {shell_redirect}'
    return subprocess.run(["sh", "-c", command, CONSOLE_SCRIPT, *argv], cwd=cwd, capture_output=True, check=False)


CLOSED = b"iam-preflight: error: standard output is closed: the report was lost (write it to a file with -o FILE)\n"


@pytest.mark.parametrize(
    "argv", [["check", "broken.json", "--select", "IPG001"], ["rules", "IPG001"], ["--version"]], ids=" ".join
)
def test_a_closed_standard_output_is_exit_2_with_one_line(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "broken.json").write_text(BROKEN_POLICY)
    done = _console(argv, tmp_path, ">&-")
    assert (done.returncode, done.stderr) == (2, CLOSED)


def test_a_closed_standard_output_does_not_matter_with_an_output_file(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text(BROKEN_POLICY)
    done = _console(["check", "broken.json", "--select", "IPG001", "-f", "json", "-o", "report.json"], tmp_path, ">&-")
    assert (done.returncode, done.stderr) == (1, b"")
    assert _findings((tmp_path / "report.json").read_text()) == BROKEN_FINDINGS


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_full_disk_behind_standard_output_is_exit_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text(BROKEN_POLICY)
    done = _console(["check", "broken.json", "--select", "IPG001"], tmp_path, ">/dev/full")
    assert (done.returncode, done.stderr) == (
        2,
        b"iam-preflight: error: standard output: cannot write the report: No space left on device\n",
    )


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED"])
def test_a_reader_that_leaves_early_does_not_change_the_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unbuffered: str
) -> None:
    # `iam-preflight check . | head -1`: the exit code is still the verdict's (2 here: an input error), and nothing
    # is said. typer's own answer to a closed pipe was exit 1 whatever the run found.
    monkeypatch.setenv("PYTHONUNBUFFERED", unbuffered)  # unbuffered, a partial write ends the report silently
    for index in range(300):  # ~280 KB of JSON report: more than a pipe holds, so the writer meets the closed pipe
        (tmp_path / f"broken-{index:03d}.json").write_text(BROKEN_POLICY)
    (tmp_path / "half-written.json").write_text(NOT_JSON)
    reader = subprocess.Popen(
        [CONSOLE_SCRIPT, "check", ".", "--select", "IPG001", "-f", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.read(1)
    reader.stdout.close()
    errors = reader.stderr.read()
    assert (first, reader.wait(timeout=100), errors) == (b"{", 2, b"")


# --- the parse cache --------------------------------------------------------------------------------------------------


def _module(root: Path) -> Path:
    folder = root / "infra"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(ADMIN_MODULE)
    return folder


def _entry_path(module: Path) -> Path:
    folder = cache.cache_dir()
    assert folder is not None
    return cache._entry(folder, cache._key("tf", (module / "main.tf").read_bytes()))


def _check_module(capsys: pytest.CaptureFixture[str], *extra: str) -> list[tuple[str, str, int]]:
    """`check infra` as a new process would run it: only the cache folder remembers earlier runs."""
    cache._memo.clear()
    cache._looked.clear()
    assert main(["check", "infra", "-f", "json", *extra]) == 1
    cache.reap_writers()  # as the process's exit would: the helpers write their cache entries after their results
    return [(rule, file, line) for rule, file, line, _ in _findings(capsys.readouterr().out)]


def _forged_entry(key: str, payload: bytes) -> bytes:
    """An entry in the current format, signed with a key the attacker made up."""
    signed = b"%s %s\n%s" % (cache.ENTRY_FORMAT, key.encode(), payload)
    return cache._signature(b"attacker-guess-" * 4, signed) + b"\n" + signed


HOSTILE_ENTRIES = {
    # Well-formed and believed before this change: "No findings" for a module with an admin policy.
    "empty-module-old-format": b'{"ir": {"blocks": [], "attrs": [], "suppressions": []}}',
    "empty-module-forged-signature": None,  # built by _forged_entry
    "wrong-shape-ir": b'{"ir": 5}',
    "wrong-shape-error": b'{"error": 3}',
    "a-list": b"[]",
    "truncated": b'{"ir": {"blocks": [{"type": "res',
    "binary": bytes(range(256)) * 4,
    "empty": b"",
}


@pytest.mark.parametrize("name", list(HOSTILE_ENTRIES))
def test_a_planted_or_corrupt_cache_entry_is_never_believed_and_is_rewritten(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    module = _module(in_tmp)
    entry = _entry_path(module)
    entry.parent.mkdir(parents=True)
    planted = HOSTILE_ENTRIES[name]
    if planted is None:
        planted = _forged_entry(entry.stem, b'{"ir":{"blocks":[],"attrs":[],"suppressions":[]}}')
    entry.write_bytes(planted)
    assert _check_module(capsys) == ADMIN_FINDING
    rewritten = entry.read_bytes()
    assert rewritten != planted and rewritten.split(b"\n")[1] == b"iam-preflight-cache-1 " + entry.stem.encode()

    from linter.sources.terraform import hcl

    def no_parsing(text: str) -> object:
        raise AssertionError("parsed again: the rewritten entry was not used")

    monkeypatch.setattr(hcl, "parse_text", no_parsing)
    assert _check_module(capsys) == ADMIN_FINDING  # the rewritten entry is authentic: a hit


def test_an_authentic_entry_moved_under_another_files_key_is_not_believed(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The attacker cannot sign, but can copy: the signed entry of an empty .tf file, renamed to this file's key.
    empty = in_tmp / "empty"
    empty.mkdir()
    (empty / "main.tf").write_text("# nothing here\n")
    cache._memo.clear()
    assert main(["check", "empty", "-f", "json"]) == 0
    cache.reap_writers()
    capsys.readouterr()
    module = _module(in_tmp)
    _entry_path(module).parent.mkdir(parents=True, exist_ok=True)
    _entry_path(module).write_bytes(_entry_path(empty).read_bytes())
    assert _check_module(capsys) == ADMIN_FINDING


@pytest.mark.parametrize("kind", ["symlink-to-dev-zero", "fifo"])
def test_a_cache_entry_that_is_a_link_or_a_fifo_is_never_opened(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    module = _module(in_tmp)
    entry = _entry_path(module)
    entry.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    assert _check_module(capsys) == ADMIN_FINDING
    assert stat.S_ISREG(os.lstat(entry).st_mode)  # replaced by an authentic entry, not written through


def test_an_entry_signed_with_another_users_key_is_not_believed(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(in_tmp)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(in_tmp / "other-user"))
    assert _check_module(capsys) == ADMIN_FINDING
    theirs = _entry_path(module).read_bytes()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(in_tmp / "me"))
    assert _check_module(capsys) == ADMIN_FINDING
    assert _entry_path(module).read_bytes() != theirs  # not believed: parsed and signed anew


def test_the_key_lives_outside_the_cache_folder_private_to_its_user(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _module(in_tmp)
    assert _check_module(capsys) == ADMIN_FINDING
    key = cache.key_file()
    assert key == Path(os.environ["XDG_CONFIG_HOME"]) / "iam-preflight" / "cache-key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(key.read_bytes().strip()) == 64
    folder = cache.cache_dir()
    assert folder is not None and key.read_bytes().strip() not in b"".join(
        path.read_bytes() for path in folder.rglob("*") if path.is_file()
    )


def test_a_team_key_from_the_environment_lets_two_users_share_a_cache(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(in_tmp)
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_KEY", "a-team-secret-of-at-least-32-characters")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(in_tmp / "first-user"))
    assert _check_module(capsys) == ADMIN_FINDING
    written = _entry_path(module).read_bytes()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(in_tmp / "second-user"))

    from linter.sources.terraform import hcl

    def no_parsing(text: str) -> object:
        raise AssertionError("parsed again: the shared entry was not used")

    monkeypatch.setattr(hcl, "parse_text", no_parsing)
    assert _check_module(capsys) == ADMIN_FINDING
    assert _entry_path(module).read_bytes() == written
    assert not (in_tmp / "first-user").exists() and not (in_tmp / "second-user").exists()  # no key file needed


@pytest.mark.parametrize("case", ["short-team-key", "key-others-can-read", "key-cannot-be-created"])
def test_without_a_trustworthy_key_the_cache_is_off_and_the_run_unharmed(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    _module(in_tmp)
    if case == "short-team-key":
        monkeypatch.setenv("IAM_PREFLIGHT_CACHE_KEY", "hunter2")
    elif case == "key-others-can-read":
        key = cache.key_file()
        key.parent.mkdir(parents=True)
        key.write_text("0123456789abcdef" * 4 + "\n")
        key.chmod(0o644)
    else:  # a read-only home, as a folder below a regular file is for root too
        (in_tmp / "a-file").write_text("")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(in_tmp / "a-file" / "config"))
    assert cache.cache_dir() is None
    assert _check_module(capsys) == ADMIN_FINDING
    assert not Path(os.environ["IAM_PREFLIGHT_CACHE_DIR"]).exists()


@pytest.mark.parametrize("command", ["check", "presign"])
def test_no_cache_reads_and_writes_no_entry(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    _module(in_tmp)
    argv = ["check", "infra", "--no-cache"]
    if command == "presign":
        argv = ["presign", "infra", "--no-cache", "--signer", "nobody", "--bucket", "nothing"]
    cache._looked.clear()
    assert main(argv) == (1 if command == "check" else 2)  # presign: no such signer, once the module was read
    assert cache.cache_dir() is None
    assert not Path(os.environ["IAM_PREFLIGHT_CACHE_DIR"]).exists()
    assert not cache.key_file().exists()


def test_no_cache_holds_before_the_console_script_parses_ahead(tmp_path: Path) -> None:
    _module(tmp_path)
    for index in range(20):  # more files than parse_ahead looks at before it forks its helpers
        (tmp_path / "infra" / f"extra-{index}.tf").write_text(f"# file {index}\n")
    done = _console(["check", "infra", "--no-cache", "-f", "json"], tmp_path)
    assert done.returncode == 1
    assert [(rule, file, line) for rule, file, line, _ in _findings(done.stdout.decode())] == ADMIN_FINDING
    assert not Path(os.environ["IAM_PREFLIGHT_CACHE_DIR"]).exists()


def test_the_grammar_tables_lark_unpickles_never_live_in_the_shared_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pickle planted in a CI cache shared across pull requests would run code when Lark loads it."""
    from linter.sources.terraform import hcl

    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "shared-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    own = hcl._own_grammar_cache()
    assert own is not None
    assert own.parent == tmp_path / "config" / "iam-preflight"
    assert (own.parent.stat().st_mode & 0o777) == 0o700
    own.parent.chmod(0o770)  # a folder others may write to is no place for it
    assert hcl._own_grammar_cache() is None
    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
    own.parent.chmod(0o700)
    assert hcl._own_grammar_cache() is None
