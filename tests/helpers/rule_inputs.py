"""One rule fixture loaded into the model, by its format, for tests that run rules on it without the whole check."""

from __future__ import annotations

from pathlib import Path

from linter.model import PolicyKind
from linter.sources import Loaded
from linter.sources.json_file import load_json_file
from linter.sources.terraform import load_module
from linter.sources.terraform.cache import TERRAFORM_SUFFIXES


def load_inputs(path: Path, display: str, kind: PolicyKind | None = None) -> Loaded:
    """A JSON file, or the Terraform module of a folder or of a .tf file."""
    if path.is_dir() or path.name.endswith(TERRAFORM_SUFFIXES):
        return load_module(path if path.is_dir() else path.parent, [])
    return load_json_file(str(path), display, kind)
