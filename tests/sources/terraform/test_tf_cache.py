"""The parse cache: unchanged files are not parsed again; it can be moved or turned off; it never breaks a run."""

from __future__ import annotations

import concurrent.futures
import gc
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from linter.sources.terraform import cache, hcl, load_module, load_modules

MODULE = 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [] })\n}\n'


def _module(tmp_path: Path, name: str = "m") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "main.tf").write_text(MODULE)
    return folder


def test_unchanged_files_come_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = _module(tmp_path)
    first = load_module(folder, [])
    assert list((tmp_path / "cache" / "hcl").glob("*/*.json"))

    def no_parsing(text: str) -> dict[str, object]:
        raise AssertionError("parsed again")

    monkeypatch.setattr(hcl, "parse_text", no_parsing)
    cache._memo.clear()  # a new process: only the cache folder remembers
    again = load_module(folder, [])
    assert [asdict(p) for p in again.policies] == [asdict(p) for p in first.policies]
    (folder / "main.tf").write_text(MODULE + "\n")  # changed content: parsed again
    # (and a failure inside the parser costs that one file, reported, never a traceback)
    [error] = load_module(folder, []).errors
    assert error.render() == "m/main.tf:1:1: cannot read this file (AssertionError: parsed again); please report it"


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
    assert cache.cache_dir() is None
    load_module(_module(tmp_path), [])
    assert not (tmp_path / "cache").exists()


def test_default_location_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IAM_PREFLIGHT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "iam-preflight"


def test_corrupt_or_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    folder = _module(tmp_path)
    load_module(folder, [])
    for entry in (tmp_path / "cache" / "hcl").glob("*/*.json"):
        entry.write_text("{not json")
    assert [p.name for p in load_module(folder, []).policies] == ["aws_iam_policy.p.policy"]
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(blocked))
    assert [p.name for p in load_module(folder, []).policies] == ["aws_iam_policy.p.policy"]


def test_many_uncached_files_are_parsed_in_parallel_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "PARALLEL_LINES", 10)
    monkeypatch.setattr(cache, "usable_processors", lambda: cache.PARALLEL_CPUS)
    pools = []

    class Pool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    folders = [_module(tmp_path, f"m{i}") for i in range(8)]
    for index, folder in enumerate(folders):  # distinct content, so that nothing is cached yet
        (folder / "main.tf").write_text(MODULE.replace('"p"', f'"p{index}"'))
    loaded = list(load_modules(folders))
    assert pools == [cache.PARALLEL_CPUS]
    assert [[p.name for p in one.policies] for one in loaded] == [
        [f"aws_iam_policy.p{i}.policy"] for i in range(len(folders))
    ]


def test_a_load_lets_go_of_a_module_s_decoded_files_once_it_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load holds the decoded IR of one module tree at a time, and of the files read last (`DECODED_KEPT`, none
    here): before the next module is loaded, nothing is left of the first one's (the reference cycles of its
    evaluation included), only the compact copy another module that reads the file would decode (`cache._memo`)."""
    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
    monkeypatch.setattr(cache, "_memo", cache.ParsedFiles())
    monkeypatch.setattr(cache.ParsedFiles, "DECODED_KEPT", 0)
    monkeypatch.chdir(tmp_path)
    first, second = _module(tmp_path, "first"), _module(tmp_path, "second")
    (first / "main.tf").write_text(MODULE.replace('"p"', '"first_only"'))
    modules = load_modules([first, second])
    loaded = next(modules)
    assert [p.name for p in loaded.policies] == ["aws_iam_policy.first_only.policy"]
    assert _decoded_blocks_labelled("first_only") == []
    assert len(cache._memo) == 2
    assert [p.name for one in modules for p in one.policies] == ["aws_iam_policy.p.policy"]


def _decoded_blocks_labelled(label: str) -> list[object]:
    labels = ["aws_iam_policy", label]
    return [node for node in gc.get_objects() if isinstance(node, dict) and node.get("labels") == labels]


def test_grammar_cache_goes_to_our_private_folder_when_site_packages_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Lark's grammar cache every process pays ~3.5 s; a read-only install must not mean that. The tables
    are unpickled, so they go to the private folder beside the cache key, never to the shared cache folder."""
    from hcl2 import parser as hcl2_parser

    from linter.sources.terraform import lalr

    read_only = tmp_path / "read-only" / ".lark_cache.bin"
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(hcl2_parser, "PARSER_FILE", read_only)
    monkeypatch.setattr(lalr, "default_cache", lambda: read_only)
    monkeypatch.setattr(hcl.os, "access", lambda path, mode: False)
    hcl._parser.cache_clear()
    try:
        assert not isinstance(hcl._parser(), lalr.Parser)  # no grammar cache anywhere yet: Lark builds one
        assert hcl.parse_text('a = "b"\n')["attrs"][0]["name"] == "a"
        assert list((tmp_path / "config" / "iam-preflight").glob("lark-hcl2-*.bin"))
        assert not list((tmp_path / "cache").glob("**/*.bin"))
        hcl._parser.cache_clear()  # the next process runs the cached tables without Lark
        assert isinstance(hcl._parser(), lalr.Parser)
        assert hcl.parse_text('a = "b"\n')["attrs"][0]["name"] == "a"
    finally:
        hcl._parser.cache_clear()


def _modules_to_parse(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for index in range(count):
        folder = tmp_path / "tree" / f"m{index}"
        folder.mkdir(parents=True)
        path = folder / "main.tf"
        path.write_text(MODULE.replace('"p"', f'"p{index}"'))
        paths.append(path)
    return paths


def test_files_parsed_ahead_are_handed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")  # the results can only come through the helpers' pipes
    monkeypatch.setattr(cache, "_memo", cache.ParsedFiles())
    paths = _modules_to_parse(tmp_path, 12)
    cache.parse_ahead([str(tmp_path / "tree")])
    helpers = [helper.pid for ahead in cache._pending for helper in ahead.helpers]
    assert helpers or cache.sys.platform != "linux"
    parsed = cache.parse_files(paths)
    assert not cache._pending
    for pid in helpers:  # every helper has exited and been waited for
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert parsed == {path: cache.parse_source(path.read_text(), "tf") for path in paths}


@pytest.mark.skipif(sys.platform != "linux", reason="parse helpers are forked on Linux only")
def test_a_load_takes_files_over_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within a load, a module's files are handed over as the helpers parse them: the first module is evaluated
    while the helpers may still parse the others; the rest is taken over when the load ends."""
    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")  # the results can only come through the helpers' pipes
    monkeypatch.setattr(cache, "_memo", cache.ParsedFiles())
    paths = _modules_to_parse(tmp_path, 12)
    cache.parse_ahead([str(tmp_path / "tree")])
    helpers = [helper.pid for ahead in cache._pending for helper in ahead.helpers]
    assert helpers
    with cache.batch():
        first = cache.parse_files(paths[:1])
        assert cache._pending  # the other files are not waited for yet
        rest = cache.parse_files(paths[1:])
    assert not cache._pending and not cache._taking
    for pid in helpers:  # every helper has exited and been waited for
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert {**first, **rest} == {path: cache.parse_source(path.read_text(), "tf") for path in paths}


def test_a_file_the_parent_claims_is_skipped_by_the_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent parses a file it needs that no helper has reached (claim 2); a helper then skips it, and hands
    over every other file of its share with its content key."""
    import mmap

    monkeypatch.setenv("IAM_PREFLIGHT_NO_CACHE", "1")
    monkeypatch.setattr(cache, "_memo", cache.ParsedFiles())  # files parsed before would be skipped too
    paths = _modules_to_parse(tmp_path, 3)
    ahead = cache._Ahead(paths, mmap.mmap(-1, len(paths)), [])
    monkeypatch.setattr(cache, "_pending", [ahead])
    monkeypatch.setattr(cache, "_taking", [])
    key = cache._key("tf", paths[1].read_bytes())
    assert cache._parsed_ahead(paths[1], key) is None  # nobody has it: this process parses it
    assert ahead.claims[1] == 2
    sent: list[tuple[int, str | None, object]] = []
    found = cache._parse_claimed(ahead, range(3), 1, write=False, send=lambda *record: sent.append(record))
    assert [index for index, _, _ in sent] == [0, 2]
    assert {key for _, key, _ in sent} == set(found) and key not in found
    decoded = [cache._decoded(compact) for _, _, compact in sent if compact is not None]
    assert decoded == [cache.parse_source(paths[i].read_text(), "tf") for i in (0, 2)]
    assert cache._parsed_ahead(paths[1], key) is None  # claimed by this process: never waited for


def test_the_cli_parses_what_the_helpers_left_only_when_that_pays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the grammar here costs what a helper takes for ~20 files: a few files left are the helpers' to parse."""
    import mmap

    def ahead(files: int, claimed: int, helpers: int) -> Any:
        claims = mmap.mmap(-1, files)
        claims[:claimed] = b"\1" * claimed
        return cache._Ahead([Path(f"f{i}.tf") for i in range(files)], claims, [cache._Helper(0, -1)] * helpers)

    monkeypatch.setitem(sys.modules, "linter.sources.terraform.hcl", None)  # the grammar is not loaded here
    start = cache.PARENT_START_FILES
    assert not cache._worth_helping(ahead(100, 100 - start, 1))
    assert cache._worth_helping(ahead(100, 99 - start, 1))
    assert not cache._worth_helping(ahead(100, 100 - 4 * start, 2))  # two helpers share the rest
    assert cache._worth_helping(ahead(3, 0, 0))  # no helper: nobody else parses them
    monkeypatch.setitem(sys.modules, "linter.sources.terraform.hcl", hcl)
    hcl._parser()
    assert cache._worth_helping(ahead(100, 99, 1))  # loaded already: helping costs nothing extra


def test_helpers_of_a_run_that_reads_no_tf_file_are_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    paths = _modules_to_parse(tmp_path, 2)
    cache.parse_ahead([str(paths[0]), str(tmp_path / "missing")])
    helpers = [helper.pid for ahead in cache._pending for helper in ahead.helpers]
    cache.abandon_helpers()  # what the exit handler does
    cache._pending.clear()
    for pid in helpers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@pytest.mark.skipif(sys.platform != "linux", reason="parse helpers are forked on Linux only")
def test_a_small_tree_parsed_before_forks_no_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_memo", cache.ParsedFiles())
    paths = _modules_to_parse(tmp_path, 3)
    cache.parse_files(paths)  # a first run fills the cache
    monkeypatch.setattr(cache, "_memo", cache.ParsedFiles())  # a new process: only the cache folder remembers
    monkeypatch.setattr(cache, "_looked", set())

    cache.parse_ahead([str(tmp_path / "tree")])
    assert cache._pending == []

    paths[1].write_text(MODULE.replace('"p"', '"changed"'))
    cache.parse_ahead([str(tmp_path / "tree")])  # the same run looks again (`check` after the console script)
    assert cache._pending == []  # its files were looked at already: not read a second time
    monkeypatch.setattr(cache, "_looked", set())  # the next run
    cache.parse_ahead([str(tmp_path / "tree")])
    assert len(cache._pending) == 1 and cache._pending[0].helpers  # one file changed: helpers parse ahead
    parsed = cache.parse_files(paths)
    assert parsed[paths[1]] == cache.parse_source(paths[1].read_text(), "tf")


def test_the_files_read_last_are_kept_decoded_the_rest_compact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Root modules that read the same child module get the same decoded IR while it is among the last read; after
    that a file parsed in this process is decoded again from its compact copy, and one read from the cache folder is
    not kept (the folder is read again)."""
    monkeypatch.setattr(cache.ParsedFiles, "DECODED_KEPT", 2)
    files = cache.ParsedFiles()
    parsed = {name: cache.Parsed(ir={"resource": [name]}) for name in ("a", "b", "c")}
    files.add("a", parsed["a"])
    files.add("b", parsed["b"])
    files.keep_decoded("from-folder", cache.Parsed(ir={"resource": ["f"]}))  # lets go of a, read first
    assert files.get("b") is parsed["b"]
    again = files.get("a")
    assert again == parsed["a"] and again is not parsed["a"]  # decoded from its compact copy
    assert files.get("from-folder") is None and "from-folder" not in files  # let go of for a: the folder has it
    files.add_compact("c", cache._compact(parsed["c"]))  # handed over by a helper: decoded when read
    assert files.get("c") == parsed["c"] and files.get("c") is files.get("c")
    assert len(files) == 3
