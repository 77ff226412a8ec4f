"""Policy JSON files (and AWS CLI outputs that carry one, `aws_cli`) -> Policy models, or one-line input errors with
file:line:col."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from linter.lazy_re import lazy_compile
from linter.model import InputError, Location, PolicyKind, Text, with_texts
from linter.sources import Loaded
from linter.sources.confine import TooLarge, read_bytes
from linter.sources.jsonpos import JNode, JObject, JsonSyntaxError, parse, parse_lazily
from linter.sources.policy_document import build_policy, file_locator, looks_like_policy, plain_policy

MAX_BYTES = 5 * 1024 * 1024  # IAM's largest policy is 20 KB (SCPs 5 KB); 5 MB is clearly not a policy


def _error(
    display: str, message: str, line: int = 1, column: int = 1, not_policy: str | None = None, named: bool = True
) -> Loaded:
    """An input error; with `not_policy`, also why the file is no policy at all, so that a directory walk skips it
    instead, and `--skip-non-policy` too unless `named` is False (a file named on the command line alone is still the
    error)."""
    error = InputError(message=message, loc=Location(file=display, line=line, column=column))
    return Loaded(errors=[error], not_policy=not_policy, skipped_when_named=named)


# A Terraform template's placeholder (`templatefile`, `${name}`) or directive (`%{ for ... }`) in a value. IAM's own
# policy variables always hold a colon (`${aws:username}`, `${s3:prefix}`) or are `${*}`, `${?}`, `${$}`, and `$${`
# is a template's escape of one: a `${name}` without a colon is never IAM's.
# Bounded, as it is shown in the skip reason and kept as the unknown value's source: a name of 1 MB is no placeholder.
_TEMPLATE_PLACEHOLDER = lazy_compile(r"(?<!\$)\$\{[ \t]{0,8}[A-Za-z_][A-Za-z0-9_.-]{0,127}[ \t]{0,8}\}|(?<!%)%\{")
_TEMPLATE = "a template: {} stands where JSON needs a value (Terraform templatefile), checked where a module renders it"
_NO_STATEMENT = 'not JSON and without a "Statement" element, not an IAM policy'
# Invalid JSON naming a policy element is a policy someone broke (a truncated file, YAML): an error, never skipped.
_IAM_ELEMENT = lazy_compile(r"\b(Statement|Effect|Action|NotAction|Resource|Principal|Version)\b")


def _template_placeholder(text: str) -> str | None:
    """The first template placeholder of a policy template: a text with a "Statement" and a placeholder (the usual
    policy has no "${" or "%{"; other JSON with placeholders, editor settings say, is no policy for its own reason)."""
    return _template_placeholder_in(text) if '"Statement"' in text else None


def _template_placeholder_in(value: str) -> str | None:
    if "${" not in value and "%{" not in value:
        return None
    found = _TEMPLATE_PLACEHOLDER.search(value)
    return None if found is None else found.group(0)


def _placeholders_unknown(text: Text) -> Text:
    found = _template_placeholder_in(text.value)
    return text if found is None or text.unresolved is not None else replace(text, unresolved=found)


def _unparsable(display: str, text: str, error: JsonSyntaxError) -> Loaded:
    """Invalid JSON: an input error; no policy at all when it is a template, and for a folder walk when it names no
    policy element (JSON with comments: `.vscode/*.json`, `devcontainer.json`, `tsconfig.json`)."""
    message = f"invalid JSON: {error.message}"
    placeholder = _template_placeholder(text)
    if placeholder is not None:
        return _error(display, message, error.line, error.column, not_policy=_TEMPLATE.format(repr(placeholder)))
    if _IAM_ELEMENT.search(text) is None:
        # A walk skips it; named, even to a hook (`--skip-non-policy`), it may be a policy someone broke.
        return _error(display, message, error.line, error.column, not_policy=_NO_STATEMENT, named=False)
    return _error(display, message, error.line, error.column)


def load_json_file(path: str, display: str, kind: PolicyKind | None = None) -> Loaded:
    """Read one file; every failure is reported, none raised."""
    try:
        data = read_bytes(Path(path), MAX_BYTES)
    except FileNotFoundError:
        return _error(display, "no such file")
    except IsADirectoryError:
        return _error(display, "is a directory")
    except TooLarge:
        return _error(display, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; not an IAM policy")
    except OSError as error:
        return _error(display, f"cannot read: {error.strerror or error}")
    return load_json_bytes(data, path, display, kind)


def load_json_bytes(data: bytes, path: str, display: str, kind: PolicyKind | None = None) -> Loaded:
    """A file's bytes (or standard input's, `path` "-"), read as `load_json_file` reads a file."""
    if len(data) > MAX_BYTES:
        return _error(display, f"larger than {MAX_BYTES // (1024 * 1024)} MB; not an IAM policy")
    if b"\x00" in data[:8192]:
        return _error(display, "binary file, not JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return _error(display, f"not UTF-8 text (byte {error.start})")
    if not text.strip():
        # A directory walk skips it; named, even to a hook (`--skip-non-policy`), it may be a policy someone emptied.
        return _error(display, "empty file: expected an IAM policy document", not_policy="an empty file", named=False)
    # The usual policy file, modelled without a positioned tree (the same model); a template, a plan, CLI output,
    # anything else plain_policy declines, is read below, once.
    template = _template_placeholder(text) is not None
    policy = None if template else plain_policy(text, display, kind)
    if policy is not None:
        return Loaded(policies=[policy], files=[display])
    try:
        root = parse_lazily(text)
    except JsonSyntaxError as error:
        return _unparsable(display, text, error)
    if template and looks_like_policy(root):
        # A policy template: checked as written with each value that holds a placeholder unknown (`${Account}` stands
        # for an account id to come: never an error, as a Terraform value known only at apply). One whose
        # placeholder stands outside a string (`"Resource": ${arns}`) is no JSON: `_unparsable` above.
        policy = build_policy(root, display, file_locator(display), kind)
        return Loaded(policies=[with_texts(policy, _placeholders_unknown)], files=[display])
    if looks_like_plan(root):
        from linter.sources.terraform.plan import load_plan  # lazy: the Terraform evaluator, only for a plan file

        # The plan's values become Terraform values, each holding its position: found in one pass, not one by one.
        return load_plan(parse(text), path, display)
    if not looks_like_policy(root):
        from linter.sources import aws_cli  # lazy: a policy file, the common case, never needs it

        carried = aws_cli.carried_document(root)
        if carried is not None:
            return aws_cli.load_cli_output(carried, text, display, kind)
        what = "a JSON object" if isinstance(root, JObject) else "JSON"
        return Loaded(not_policy=f'{what} without a "Statement" element, not an IAM policy')
    return Loaded(policies=[build_policy(root, display, file_locator(display), kind)], files=[display])


def looks_like_plan(root: JNode) -> bool:
    """`terraform show -json` output: a format_version and planned values or resource changes."""
    return (
        isinstance(root, JObject)
        and root.get("format_version") is not None
        and (root.get("planned_values") is not None or root.get("resource_changes") is not None)
    )
