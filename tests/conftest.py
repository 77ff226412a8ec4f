from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linter.sources import forget_project_root

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the user's real cache folder or cache key."""
    monkeypatch.setenv("IAM_PREFLIGHT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    # The cache key and the grammar tables live with the user's configuration: never the real one in tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "config"))
    monkeypatch.delenv("IAM_PREFLIGHT_CACHE_KEY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    yield
    # `--no-cache` switches the cache off for the rest of the process (one command per process); a test running a
    # command in-process must not leave it off for the tests after it.
    folder_module = sys.modules.get("linter.sources.terraform.cache_folder")
    if folder_module is not None:
        folder_module._switched_off.clear()


@pytest.fixture(autouse=True)
def _no_project_root_left_over() -> Iterator[None]:
    """Paths are shown from a run's own project root: none is left for the next test (which may call a loader
    directly, not through a command that chooses its root)."""
    yield
    forget_project_root()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder so the repository's own config is not picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
