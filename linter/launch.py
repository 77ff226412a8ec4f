"""The console script's entry point: start parsing the .tf files of a `check`, then import and run the CLI.

Importing the CLI (typer, and the pydantic it builds options with) takes about 0.1 s before typer has parsed a
single argument. For `check`, the .tf files its arguments name are parsed meanwhile in a forked helper
(`cache.parse_ahead`), which on a cold cache saves most of the parse of a large tree. The targets are guessed from
argv without the CLI's parser: every word after `check` that is not an option is a candidate, and one that names
neither a folder nor a Terraform file is ignored (an option's value that happens to name one only costs the helper
time). The CLI then parses the arguments as always; files the guess missed are parsed when they are read.

Before either, `shared_import_name` makes sure that `linter` and `rules` are iam-preflight's own packages; and
`defer_unused_imports` lets the modules typer imports for what iam-preflight never asks of it be imported when
first used (`DEFERRED_IMPORTS`, `_PlatformStandIn`), as pydantic's plugin loader is (`skip_pydantic_plugins`).
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any, NoReturn

# pydantic's plugin loader, which iam-preflight replaces by `_NoPydanticPlugins` when plugins are disabled.
PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"
# Modules typer's imports import at their top for what iam-preflight never asks of them, which `defer_unused_imports`
# imports when first used instead: subprocess (with signal, selectors...) to open a URL or a shell's completion,
# shellingham to detect the shell (typer); tokenize to read source code (inspect and linecache); zlib, bz2 and lzma,
# whose presence shutil notes for its archive formats. 21M instructions, 5% of checking one policy.
DEFERRED_IMPORTS = ("subprocess", "shellingham", "tokenize", "zlib", "bz2", "lzma")
# The way out when another distribution's package shares an import name with ours (README, "Install").
OWN_ENVIRONMENT = "install iam-preflight into an environment of its own: pipx install iam-preflight"


def run() -> NoReturn:
    import gc

    # One run is short, and loading already pauses the collector (`cache.batch`): the rest of the run (importing
    # typer, pydantic and the model; rules, report) makes long-lived objects the collector would scan again and again
    # for little to free. From the very start: 1% fewer instructions on a small check than pausing it after typer,
    # 3% on the 60-module corpus than not at all; peak memory on 100 modules 70 MB instead of 66 MB.
    gc.disable()
    keep_standard_descriptors()
    conflict = shared_import_name()
    if conflict is not None:
        if sys.stderr is not None:  # started with descriptor 2 closed: the exit code still says it
            print(conflict, file=sys.stderr)
        raise SystemExit(2)
    skip_pydantic_plugins()
    defer_unused_imports()
    from linter.sources import terraform_targets  # lazy: only once `shared_import_name` vouched for the package

    targets = terraform_targets(guessed_targets(sys.argv[1:]))
    if targets:
        from linter.sources.terraform import cache  # lazy: only a check of .tf files parses ahead

        if "--no-cache" in sys.argv[1:]:  # the helpers fork before the CLI reads its options
            cache.switch_off()
        cache.parse_ahead(targets)
    from linter.cli import run as run_cli  # lazy: typer and pydantic load while the helpers parse, gc off

    run_cli()


def keep_standard_descriptors() -> None:
    """Hold descriptors 0, 1 and 2 open on /dev/null when the process started without them (`>&-`).

    Otherwise the next file this process opens (an input, a cache entry, the temporary file of a report) would get
    the number, and whatever later writes "standard output" at the descriptor level would write into that file.
    Python has set `sys.stdout` (etc.) to None for a closed one; `cli.run` tells the user what that cost."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != descriptor:
                os.dup2(opened, descriptor)
                os.close(opened)


def shared_import_name() -> str | None:
    """The one-line error when another distribution's package answers to `linter` or `rules`, else None.

    iam-preflight installs two generic top-level import names, and PyPI's `rules` (django-rules) uses one of them. In a
    shared environment the two packages share the folder (whichever `__init__.py` was installed last wins), or the
    other one comes first on sys.path; either way the registry would import foreign modules as rules, or find none.
    Checked before anything imports them, for the cost of a spec lookup and one folder listing: `rules` must be the
    package beside this `linter`, holding no module of its own (every rule module sits in a family's subpackage).
    Beyond reach: a foreign `linter` first on sys.path, since this module is then never found (the console script
    fails with ModuleNotFoundError), and a foreign package of subpackages only, merged into our `rules` folder.
    """
    own_linter = sys.modules["linter"]
    if getattr(own_linter, "__distribution__", None) != "iam-preflight":  # another `linter/__init__.py` replaced ours
        return shared_import_name_error("linter", os.path.dirname(os.path.abspath(__file__)))
    from importlib.util import find_spec  # typer and pydantic import it anyway: loading it first adds nothing

    expected = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules", "__init__.py")
    try:
        spec = find_spec("rules")
    except (ImportError, ValueError):  # a finder that fails on the name: importing it would fail the same way
        spec = None
    if spec is None:
        return shared_import_name_error("rules", None)
    if spec.origin is None or not _same_file(spec.origin, expected):  # no origin: a namespace package's folders
        folder = os.path.dirname(spec.origin) if spec.origin else next(iter(spec.submodule_search_locations or ["?"]))
        return shared_import_name_error("rules", folder)
    try:
        with os.scandir(os.path.dirname(expected)) as entries:
            foreign = [e.name for e in entries if e.name.endswith(".py") and e.name != "__init__.py"]
    except OSError:  # not a folder (a zip archive): nothing can have been installed into it
        foreign = []
    return shared_import_name_error("rules", os.path.dirname(expected)) if foreign else None


def _same_file(found: str, expected: str) -> bool:
    if os.path.abspath(found) == expected:
        return True
    try:
        return os.path.samefile(found, expected)  # the same folder reached through a link
    except OSError:
        return False


def shared_import_name_error(name: str, folder: str | None) -> str:
    """The error naming the import name, where it resolved (None: nowhere), and who installed files there."""
    from linter.safe_text import for_terminal  # lazy: only this error needs it

    if folder is None:
        problem = f"the import name {name!r} finds no package"
    else:
        try:
            owners = ", ".join(_other_owners(name, folder))
        except Exception:  # naming the owner is a courtesy: unreadable metadata must not turn the error into a crash
            owners = ""
        where = f"{folder}, installed by {owners}" if owners else folder
        problem = f"the import name {name!r} leads to a package that is not iam-preflight's ({where})"
    return for_terminal(f"iam-preflight: error: {problem}; {OWN_ENVIRONMENT}")


def _other_owners(name: str, folder: str) -> list[str]:
    """The distributions other than iam-preflight whose installed files include files in `folder` (none when the
    folder came from PYTHONPATH or the current directory rather than from an installation)."""
    from importlib.metadata import distribution, packages_distributions  # lazy: ~20 ms, and only on this error

    owners = []
    for owner in dict.fromkeys(packages_distributions().get(name, [])):
        if owner.lower().replace("_", "-") == "iam-preflight":
            continue
        files = distribution(owner).files or []
        if any(os.path.dirname(os.path.abspath(str(file.locate()))) == folder for file in files):
            owners.append(owner)
    return owners


def guessed_targets(arguments: list[str]) -> list[str]:
    """The words of a `check` command line that may be its paths (`parse_ahead` keeps folders and .tf files)."""
    if arguments[:1] != ["check"]:
        return []
    return [word for word in arguments[1:] if not word.startswith("-")]


def skip_pydantic_plugins() -> None:
    """Disable pydantic plugins for this process, without paying for the search that finds none.

    iam-preflight uses no pydantic plugin, so it disables them (`PYDANTIC_DISABLE_PLUGINS`, unless the user set it).
    pydantic still imports its plugin loader the first time it builds a validator, and the loader imports
    `importlib.metadata` and the `email` package at its top: 30M instructions, 3% of a `check` of a small module,
    to learn that plugins are off. With plugins off, the loader's one function answers "no plugins" without them.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in ("__all__", "1", "true"):  # the values pydantic reads as "all off"
        sys.modules.setdefault(PYDANTIC_PLUGIN_LOADER, _NoPydanticPlugins(PYDANTIC_PLUGIN_LOADER))


def defer_unused_imports() -> None:
    """Let the modules of `DEFERRED_IMPORTS` that nothing has imported yet be imported when first used; and
    platform, where `_PlatformStandIn` can answer the one question typer's imports ask of it."""
    for name in DEFERRED_IMPORTS:
        if name not in sys.modules:
            sys.modules[name] = _ImportedOnUse(name)
    if "platform" not in sys.modules and sys.platform in _PlatformStandIn.SYSTEMS:
        sys.modules["platform"] = _PlatformStandIn("platform")


class _ImportedOnUse(types.ModuleType):
    """Stands in for a module until one of its names is used: the first use imports the module, in this stand-in's
    place in `sys.modules`, and every use answers from it (an `import` made meanwhile holds the stand-in)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for `__path__` and the like: a module has none of those
            raise AttributeError(name)
        return getattr(_imported(self), name)


def _imported(stand_in: types.ModuleType) -> types.ModuleType:
    import importlib

    if sys.modules.get(stand_in.__name__) is stand_in:
        del sys.modules[stand_in.__name__]
    return importlib.import_module(stand_in.__name__)


class _PlatformStandIn(_ImportedOnUse):
    """Stands in for `platform` until a question other than `system()` is asked of it.

    typer imports uuid (for UUID options), which asks `platform.system()` at its import to choose how to read the
    MAC address, and nothing else: importing platform for that costs 8.5M instructions, 2% of checking one policy.
    On Linux and macOS, `platform.system()` is `os.uname().sysname` as it comes (its special cases are Windows',
    Java's and OpenVMS's), so the stand-in answers the same."""

    SYSTEMS = ("linux", "darwin")  # the values of sys.platform where the answer is os.uname()'s

    @staticmethod
    def system() -> str:
        return os.uname().sysname


class _NoPydanticPlugins(_ImportedOnUse):
    """Stands in for pydantic's plugin loader: `get_plugins()` finds none; any other name loads the real loader."""

    @staticmethod
    def get_plugins() -> tuple[()]:
        return ()
