"""The build's one switch beyond pyproject.toml: with IAM_PREFLIGHT_COMPILE=1, the engine's hot modules are compiled.

Every build is pure Python unless asked: `pip install`, pre-commit's install from the repository, `make` and `make
dist` build the packages as they are. `make dist-compiled` sets IAM_PREFLIGHT_COMPILE=1 and builds, from the same
sources, a wheel for this platform in which the modules of `COMPILED` are C extensions made by mypyc (the
compiler that ships with mypy, as black and mypy ship their own wheels): each answers as its Python source does,
and `make test-compiled` holds that by running the whole suite on them. Row a of benchmarks/README.md is their
reason: a batch of `simulate --jsonl` requests that each bring their own policies spends its time in these modules.
"""

from __future__ import annotations

import os

from setuptools import setup

# The modules a `simulate --jsonl` request runs through, from reading its policies to writing its answer (with the
# positions it cites).
COMPILED = [
    "linter/engine/conditions.py",
    "linter/engine/context.py",
    "linter/engine/evaluate.py",
    "linter/engine/explain.py",
    "linter/engine/matching.py",
    "linter/engine/operators.py",
    "linter/engine/policies.py",
    "linter/engine/principals.py",
    "linter/engine/simulate.py",
    "linter/engine/tri.py",
    "linter/engine/variables.py",
    "linter/sources/policy_document.py",
]


def extensions() -> list[object]:
    if os.environ.get("IAM_PREFLIGHT_COMPILE") != "1":
        return []
    from mypyc.build import mypycify  # only a compiled build needs mypy, from the dev environment

    return list(mypycify(COMPILED, opt_level="3"))


setup(ext_modules=extensions())
