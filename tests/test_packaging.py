"""What the distribution promises: metadata, dependencies that match the imports, the files of the sdist and the
wheel, and the one-line error when another distribution's package answers to `linter` or `rules`."""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import linter

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OWN_PACKAGES = ("linter", "rules")
# Modules of the standard library of a later Python the package supports, not of the one running the tests.
LATER_STDLIB = ("_sha2",)  # 3.12: CPython's own SHA-2 (linter/digest.py)
REMEDY = "pipx install iam-preflight"
# What the compiled build (setup.py, `make compiled`) adds to a tree: extension modules, the one holding mypyc's
# shared runtime at the top of it. `make test-compiled` runs this suite in such a tree.
EXTENSION_SUFFIXES = (".so", ".pyd")
DOTTED_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+")


def _code_files() -> list[Path]:
    return sorted(path for package in OWN_PACKAGES for path in (REPO / package).rglob("*.py"))


def _top(module: str) -> str:
    return module.partition(".")[0]


def _third_party(module: str) -> bool:
    return _top(module) not in (*sys.stdlib_module_names, *LATER_STDLIB, *OWN_PACKAGES, "__future__")


def _imported_modules(path: Path) -> Iterator[str]:
    """Every absolute module an import statement of `path` names, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _named_modules(path: Path) -> Iterator[str]:
    """Dotted module names written as strings (`sys.modules` keys, `import_module` arguments)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_NAME.fullmatch(node.value):
            yield node.value


def _declared() -> dict[str, Requirement]:
    requirements = (Requirement(text) for text in PROJECT["dependencies"])
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def _distribution_of(module: str) -> str:
    owners = packages_distributions().get(_top(module), [])
    assert owners, f"{module} is imported but no installed distribution provides it"
    return canonicalize_name(owners[0])


# --- metadata ----------------------------------------------------------------------------------------------------


def test_metadata_says_what_the_package_is_and_where_it_lives() -> None:
    classifiers = set(PROJECT["classifiers"])
    assert {
        "Development Status :: 4 - Beta",
        "Environment :: Console",
        "Operating System :: OS Independent",
        "Topic :: Security",
        "Topic :: Software Development :: Quality Assurance",
    } <= classifiers
    # The Python versions named are those requires-python admits, from its lower bound up.
    versions = sorted(
        (int(found[1]), int(found[2]))
        for text in classifiers
        if (found := re.fullmatch(r"Programming Language :: Python :: (\d+)\.(\d+)", text))
    )
    assert versions == [(3, 11), (3, 12), (3, 13)]
    assert PROJECT["requires-python"] == ">=3.11"
    assert not any(text.startswith("License ::") for text in classifiers), "the SPDX `license` field says it"
    assert {"aws", "iam", "terraform", "linter"} <= set(PROJECT["keywords"])
    urls = PROJECT["urls"]
    assert set(urls) == {"Homepage", "Repository", "Issues", "Changelog"}
    assert urls["Homepage"] == linter.__homepage__  # the SARIF report's informationUri
    assert urls["Issues"] == urls["Repository"] + "/issues"
    assert urls["Changelog"].startswith(urls["Repository"] + "/") and urls["Changelog"].endswith("/CHANGELOG.md")


# --- dependencies ------------------------------------------------------------------------------------------------


def test_every_third_party_module_the_code_imports_is_a_declared_dependency() -> None:
    """A module that only arrives with another dependency (botocore with boto3, lark with python-hcl2) may leave
    with that dependency's next release: what the code imports, it declares."""
    imported = {_top(module) for path in _code_files() for module in _imported_modules(path)}
    third_party = sorted(module for module in imported if _third_party(module))
    assert {"typer", "pydantic", "hcl2", "lark", "botocore", "re2"} <= set(third_party)  # the scan sees imports
    undeclared = sorted(module for module in third_party if _distribution_of(module) not in _declared())
    assert undeclared == []


def test_a_private_module_of_a_dependency_is_used_only_under_an_upper_bound() -> None:
    """Where the code imports (or stands in for) a dependency's private module, the next release may move it: the
    dependency must carry an upper bound, and the list below grows only with a bound and a comment why."""
    private = {
        module
        for path in _code_files()
        for module in [*_imported_modules(path), *_named_modules(path)]
        if _third_party(module)
        and any(part.startswith("_") and not part.startswith("__") for part in module.split("."))
        and packages_distributions().get(_top(module))
    }
    assert private == {
        "typer._click",
        "typer._click.utils",
        "typer._coercion",
        "typer._param_types",
        "pydantic.plugin._loader",
    }
    declared = _declared()
    for module in private:
        specifier = declared[_distribution_of(module)].specifier
        assert any(clause.operator in ("<", "==", "~=") for clause in specifier), f"{module}: no upper bound"


# --- the sdist and the wheel -------------------------------------------------------------------------------------


def _tree_files(*roots: str) -> set[str]:
    """The files under `roots` as a build sees them: no bytecode, no grammar cache a parse left behind."""
    found = set()
    for root in roots:
        for path in (REPO / root).rglob("*"):
            left_behind = (
                "__pycache__" in path.parts or path.name == ".lark_cache.bin" or path.name.endswith(EXTENSION_SUFFIXES)
            )
            if path.is_file() and not left_behind:
                found.add(path.relative_to(REPO).as_posix())
    return found


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """What shutil.copytree leaves out of a copy of the repository: version control, environments, build output
    and caches at its top; bytecode and the compiled build's extension modules everywhere (`make dist` builds from
    sources)."""
    at_top = {".git", ".venv", "build", "dist", ".mypy_cache", ".ruff_cache", ".hypothesis", ".bench"}
    skipped = {
        name for name in names if name == "__pycache__" or name.endswith((".pyc", ".egg-info", *EXTENSION_SUFFIXES))
    }
    return skipped | (at_top & set(names) if Path(folder) == REPO else set())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel built from it, as `make dist` builds them: offline, with this environment's build."""
    pytest.importorskip("build", reason="the dev extras install `build`")
    # From a copy without what earlier builds left: setuptools adds the files an old *.egg-info/SOURCES.txt lists.
    source = tmp_path_factory.mktemp("source") / "iam-preflight"
    shutil.copytree(REPO, source, ignore=_not_sources)
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def test_the_sdist_carries_the_project_to_test_and_run_it(built: tuple[Path, Path]) -> None:
    sdist, _ = built
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = {name.removeprefix(top + "/") for name in archive.getnames() if archive.getmember(name).isfile()}
    roots = ("linter", "rules", "tests", "examples", "docs", "benchmarks")
    assert {name for name in names if name.split("/")[0] in roots} == _tree_files(*roots)
    assert {"README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml", "MANIFEST.in", "Makefile", ".ci/run"} <= names


def test_the_wheel_carries_the_two_packages_with_their_data_and_nothing_else(built: tuple[Path, Path]) -> None:
    _, wheel = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = (name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
        entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
    dist_info = metadata_name.split("/")[0]
    assert {name.split("/")[0] for name in names} == {"linter", "rules", dist_info}
    # Every file of the packages, data included: the JSON the code reads, rule fixtures (`rules --markdown` renders
    # them) with the fixture folders' dotfiles.
    assert {name for name in names if not name.startswith(dist_info)} == _tree_files(*OWN_PACKAGES)
    assert "rules/presign/fixtures/IPS006/good/aws-agrees/.iam-preflight.toml" in names
    assert "iam-preflight = linter.launch:run" in entry_points
    assert metadata["License-Expression"] == "Apache-2.0"
    assert set(metadata.get_all("Classifier")) == set(PROJECT["classifiers"])
    assert {f"{name}, {url}" for name, url in PROJECT["urls"].items()} == set(metadata.get_all("Project-URL"))
    assert {str(Requirement(text)) for text in metadata.get_all("Requires-Dist") if "extra ==" not in text} == {
        str(Requirement(text)) for text in PROJECT["dependencies"]
    }


# --- another distribution's `rules` or `linter` --------------------------------------------------------------------


def _run(arguments: list[str], python_path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The console script's code (`linter.launch.run`) with `python_path` first on sys.path."""
    environment = {**os.environ, "PYTHONPATH": str(python_path)}
    return subprocess.run(
        [sys.executable, "-c", "from linter.launch import run; run()", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )


def _linked_copy(package: str, into: Path, init_text: str | None = None) -> Path:
    """`into/package`: a folder of links to the package's files, with its own `__init__.py` (another distribution
    installed into the same folder overwrites it) unless `init_text` is None."""
    folder = into / package
    folder.mkdir(parents=True)
    for entry in (REPO / package).iterdir():
        if entry.name != "__pycache__" and not (entry.name == "__init__.py" and init_text is not None):
            (folder / entry.name).symlink_to(entry)
    if init_text is not None:
        (folder / "__init__.py").write_text(init_text)
    return folder


def _installed_by(distribution: str, site: Path, files: list[str]) -> None:
    """Record `files` under `site` as installed by `distribution`, as pip writes it."""
    info = site / f"{distribution.replace('-', '_')}-3.5.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 3.5\n")
    (info / "RECORD").write_text("".join(f"{name},,\n" for name in files))


def _one_error_line(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("iam-preflight: error: ") and lines[0].endswith(REMEDY)
    return lines[0]


@pytest.mark.parametrize("arguments", [["check", "policy.json"], ["rules"], ["--version"], []])
def test_another_rules_package_first_on_the_path_stops_every_command(tmp_path: Path, arguments: list[str]) -> None:
    (tmp_path / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    other = tmp_path / "elsewhere"
    (other / "rules").mkdir(parents=True)
    (other / "rules" / "__init__.py").write_text("VERSION = (3, 5, 0)\n")
    line = _one_error_line(_run(arguments, other, tmp_path))
    assert f"the import name 'rules' leads to a package that is not iam-preflight's ({other / 'rules'});" in line


def test_another_distributions_modules_in_the_rules_folder_stop_the_run(tmp_path: Path) -> None:
    # django-rules installed into the same site-packages: its modules beside the families, our __init__.py kept.
    site = tmp_path / "site"
    _linked_copy("linter", site)
    rules = _linked_copy("rules", site)
    (rules / "predicates.py").write_text("from django.contrib.auth import models\n")
    _installed_by("rules", site, ["rules/__init__.py", "rules/predicates.py"])
    line = _one_error_line(_run(["rules"], site, tmp_path))
    assert (
        f"the import name 'rules' leads to a package that is not iam-preflight's ({rules}, installed by rules);" in line
    )


def test_a_rules_folder_that_lost_its_init_stops_the_run(tmp_path: Path) -> None:
    # Uninstalling the other distribution removed the `rules/__init__.py` both had installed: a namespace package.
    site = tmp_path / "site"
    _linked_copy("linter", site)
    rules = _linked_copy("rules", site)
    (rules / "__init__.py").unlink()
    line = _one_error_line(_run(["check", "."], site, tmp_path))
    assert f"the import name 'rules' leads to a package that is not iam-preflight's ({rules});" in line


def test_the_same_tree_without_another_distribution_runs(tmp_path: Path) -> None:
    """The check above fires on the foreign module, not on a package folder reached through links."""
    site = tmp_path / "site"
    _linked_copy("linter", site)
    _linked_copy("rules", site)
    for runtime in REPO.glob("*__mypyc*"):  # the compiled build's shared runtime, beside the packages as installed
        (site / runtime.name).symlink_to(runtime)
    completed = _run(["rules"], site, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "IPG001" in completed.stdout


def test_another_linter_init_in_our_folder_stops_the_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    own_linter = _linked_copy("linter", site, init_text='"""Another distribution\'s `linter`."""\n')
    _linked_copy("rules", site)
    line = _one_error_line(_run(["--version"], site, tmp_path))
    assert f"the import name 'linter' leads to a package that is not iam-preflight's ({own_linter});" in line


def test_the_check_reads_no_distribution_metadata_unless_it_fails(tmp_path: Path) -> None:
    """importlib.metadata costs ~20 ms a run (a pre-commit hook runs often): only the error, which names the other
    distribution, may import it."""
    code = (
        "import sys; from linter.launch import shared_import_name; "
        "print(shared_import_name() is None, 'importlib.metadata' in sys.modules)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    happy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    assert happy.stdout.split() == ["True", "False"]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "__init__.py").write_text("")
    shadowed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert shadowed.stdout.split() == ["False", "True"]


def test_the_remedy_is_the_install_the_readme_gives() -> None:
    install = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    assert REMEDY in install


# --- the compiled build -----------------------------------------------------------------------------------------


def _compiled_modules() -> list[str]:
    """The modules setup.py's COMPILED names, as import names."""
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    (assignment,) = (
        node
        for node in tree.body
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets)
    )
    paths = ast.literal_eval(assignment.value)
    return [path.removesuffix(".py").replace("/", ".") for path in paths]


def test_every_module_the_compiled_build_names_is_one_of_the_sources() -> None:
    modules = _compiled_modules()
    assert modules and len(set(modules)) == len(modules)
    for module in modules:
        assert (REPO / (module.replace(".", "/") + ".py")).is_file(), module


def test_the_compiled_build_runs_its_compiled_modules() -> None:
    """`make test-compiled` runs this suite on the compiled build: it must not quietly run the sources instead."""
    if os.environ.get("IAM_PREFLIGHT_EXPECT_COMPILED") != "1":
        pytest.skip("the pure-Python build; `make test-compiled` runs the suite on the compiled one")
    loaded = {module: importlib.import_module(module).__file__ or "" for module in _compiled_modules()}
    assert {module: path for module, path in loaded.items() if not path.endswith(EXTENSION_SUFFIXES)} == {}
