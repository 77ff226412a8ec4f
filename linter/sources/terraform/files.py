"""Which folders of a tree are Terraform modules, and which files of a folder are its configuration.

The bottom of the Terraform source: the parse cache, the CLI's parse-ahead and the loader all list files the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

# Terraform configuration files: native syntax and JSON syntax.
TERRAFORM_SUFFIXES = (".tf", ".tf.json")
# The files whose folder the parse cache parses ahead (`cache.parse_ahead`): the configuration and its variable files.
PARSED_AHEAD_SUFFIXES = (*TERRAFORM_SUFFIXES, ".tfvars", ".tfvars.json")
SKIPPED_DIRS = {".git", ".terraform", ".venv", "venv", "node_modules", "__pycache__"}


def walk_modules(root: Path) -> list[Path]:
    """Folders under root that hold .tf files (what `check` treats as modules); used by the benchmark."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if any(n.endswith(TERRAFORM_SUFFIXES) for n in names):
            found.append(Path(folder))
    return found


def module_files(folder: Path) -> list[Path]:
    """A module's configuration files (.tf and .tf.json), sorted by name.

    Anything so named that is not a folder is listed, even what cannot be read (a link loop, a FIFO, a link out of
    the tree): reading it then reports why, instead of the module silently missing a file."""
    try:
        with os.scandir(folder) as entries:  # DirEntry.is_dir() needs no stat() on most file systems
            names = sorted(e.name for e in entries if e.name.endswith(TERRAFORM_SUFFIXES) and not _is_folder(e))
    except OSError:
        return []
    return [folder / name for name in names]


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: not a folder, and reading it says what it is
        return False
