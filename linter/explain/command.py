"""The backends of `explain-url` and `explain-error`: read the input, decide, render. The CLI only calls these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from linter.explain import SignerFound, overall, render_error, render_url
from linter.explain.denial import Denial
from linter.explain.error import Cause, ErrorParseError, causes, parse_error
from linter.explain.url import SignedUrl, UrlError, mask_key, parse_url, url_problems
from linter.presign.problem import Status

if TYPE_CHECKING:  # explain-error needs neither the checker nor the config
    from linter.aws.client import ClientSettings
    from linter.aws.confirm import Confirmation
    from linter.check import CheckOptions
    from linter.config import Config
    from linter.explain.error import S3Error
    from linter.presign.preflight import Verdict
    from linter.sources import Loaded


class ExplainError(ValueError):
    """Input that cannot be explained (not a pre-signed URL, no S3 error, a bad time): one line, exit 2."""


def parse_time(text: str | None) -> datetime:
    """`--at`: an ISO 8601 time (UTC when it has no zone); now when not given."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExplainError(f"invalid time {text!r}: use ISO 8601, such as 2026-11-27T10:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def explain_url(
    text: str,
    paths: Sequence[str],
    signer: str | None,
    method: str,
    at: datetime,
    config: Config,
    options: CheckOptions,
    account: str | None,
    fmt: str,
    simulate: ClientSettings | None = None,
    principal_arn: str | None = None,
    from_aws: ClientSettings | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[str, int]:
    """The report and exit code (0: nothing stops the URL; 1: it fails or may). With `paths` and `signer`, the
    pre-flight for the URL's bucket, key, version, expiry and signing region is part of the answer; with `simulate`
    too, the URL read back is put to AWS's policy simulator as `presign --simulate` puts one, `principal_arn` as
    `presign --principal-arn` (raises AwsCallError). With `from_aws`, the pre-flight runs on the deployed signer and
    bucket (beside `paths`, which may be left out); the signer, when not given, is the user of the URL's long-term
    access key (iam:GetAccessKeyLastUsed); each note of the read goes to `warn`."""
    from linter.presign.declared import (  # lazy: explain-error shares this module, 18 ms it never needs
        ExpectationError,
        UnknownReference,
        expectation,
    )

    try:
        url = parse_url(text)
    except UrlError as error:
        raise ExplainError(str(error)) from None
    problems = url_problems(url, at)
    if from_aws is not None:
        if (url.access_point or url.bucket) is None:
            raise ExplainError(f"{url.host} is not an S3 endpoint: cannot tell which bucket the URL is for")
        signer = signer or _signer_of(text, url, from_aws)
        # A Terraform address (`aws_iam_user.user_two`) is looked up in PATH, as `presign --from-aws` does.
        principals = [] if signer.startswith(("aws_", "module.", "data.")) else [signer]
        loaded, deployed_account = _deployed(from_aws, principals, [url.bucket] if url.bucket else [], warn)
        options = replace(options, loaded_elsewhere=[*options.loaded_elsewhere, loaded])
        account = account or config.account or deployed_account
    checked = (bool(paths) or from_aws is not None) and signer is not None
    if from_aws is None and bool(paths) != (signer is not None):
        raise ExplainError("give both the inputs (PATH...) and --signer to check the URL against the policies")
    if simulate is not None and not checked:
        raise ExplainError("--simulate needs the inputs (PATH...) and --signer: AWS is asked about their policies")
    confirmation: Confirmation | None = None
    verdict: Verdict | None = None
    if checked and signer is not None:
        from linter.presign.command import decided_url  # lazy: the pre-flight (40 ms) runs only with PATH and --signer

        target = url.access_point or url.bucket
        if target is None:
            raise ExplainError(f"{url.host} is not an S3 endpoint: cannot tell which bucket the URL is for")
        # The URL's whole life as signed; SigV2 URLs carry only an end time.
        expires = url.expires_seconds or max(1, int((url.expires_at - (url.signed_at or at)).total_seconds()))
        try:
            wanted = expectation(
                signer=signer,
                bucket=target,
                key=url.key,
                methods=[method],
                expires=expires,
                version_id=url.version_id is not None,
                region=url.signed_region,
                account=account or config.account,
            )
            decided = decided_url(paths, config, options, wanted)
        except (ExpectationError, UnknownReference) as error:
            raise ExplainError(str(error)) from None
        if decided.result.errors:
            raise ExplainError("; ".join(e.render() for e in decided.result.errors))
        if simulate is not None:
            from linter.presign.command import confirm_with_aws, settled_by_aws  # lazy: AWS only with --simulate

            confirmation = confirm_with_aws(decided.check, simulate, principal_arn)
            decided = settled_by_aws(decided, confirmation, config, options)
        verdict = decided.verdict
        # X-Amz-Expires is checked above, and so is the signing region against the URL's own endpoint: the
        # pre-flight adds a region problem only where the configuration knows the bucket's region.
        problems += [p for p in verdict.problems if not url.tells_already(p)]
    report = render_url(url, text, at, problems, fmt, checked)
    # A URL a policy admits only from some networks fails where it is opened elsewhere: 1, as `presign` and `check`
    # answer for it at the default threshold.
    network_bound = verdict is not None and bool(verdict.works_only_from)
    code = 0 if overall(problems) is Status.WORKS and not network_bound else 1
    if confirmation is None:
        return report, code
    return _with_confirmation(report, fmt, confirmation), confirmation.exit_code(code)


def _with_confirmation(report: str, fmt: str, confirmation: Confirmation) -> str:
    """The report, then what AWS confirmed (text), or under "aws" (JSON), as `presign --simulate` renders it."""
    from linter.aws.confirm import after_report, as_json  # lazy: only with --simulate
    from linter.safe_text import json_text  # lazy: as above

    if fmt == "json":
        import json  # lazy: as above

        document = json.loads(report)
        document["aws"] = as_json(confirmation)
        return json_text(document)
    return after_report(report, confirmation)


def _key_id(text: str) -> str:
    """The URL's access key id, in full: only to ask AWS whose it is, never shown (`mask_key`)."""
    from urllib.parse import parse_qsl, urlsplit  # lazy: only with --from-aws

    query = {name.lower(): value for name, value in parse_qsl(urlsplit(text.strip()).query, keep_blank_values=True)}
    return query.get("x-amz-credential", "").partition("/")[0] or query.get("awsaccesskeyid", "")


def _signer_of(text: str, url: SignedUrl, settings: ClientSettings) -> str:
    """`explain-url --from-aws` without --signer: the user of a long-term key (AKIA); a temporary key (ASIA) names
    its account only, so the one line that stops the run asks for --signer."""
    from linter.aws.from_aws import key_account, key_user  # lazy: AWS only with --from-aws

    key_id = _key_id(text)
    shown = mask_key(key_id)
    if key_id.startswith("AKIA"):
        return key_user(settings, key_id, shown)
    if key_id.startswith("ASIA"):
        account = key_account(settings, key_id, shown)
        raise ExplainError(
            f"{shown} is a temporary key of account {account}: AWS does not tell which role or user it was issued to; "
            "pass --signer ARN or --principal-arn ARN (the role the signer assumed, or the user)"
        )
    raise ExplainError(f"cannot tell who signed with {shown} ({url.key_kind}): pass --signer ARN")


def _deployed(
    settings: ClientSettings, principals: list[str], buckets: list[str], warn: Callable[[str], None] | None
) -> tuple[Loaded, str]:
    """The deployed principals and buckets as one input of the pre-flight, and their account; notes to `warn`."""
    from linter.aws.from_aws import deployed_input, notes_to_show, read_from_aws  # lazy: AWS only with --from-aws

    state = read_from_aws(settings, principals, buckets)
    for line in notes_to_show(state, unresolved_reported=False):
        if warn is not None:
            warn(line)
    return deployed_input(state), state.account


def explain_error(
    text: str,
    fmt: str,
    from_aws: ClientSettings | None = None,
    config: Config | None = None,
    warn: Callable[[str], None] | None = None,
    paths: Sequence[str] = (),
    signer: str | None = None,
    account: str | None = None,
    options: CheckOptions | None = None,
) -> str:
    """What the error means. With `paths` or `from_aws`, the request an AccessDenied names (its principal, or
    `signer` instead, its action and object) is run through the pre-flight on those inputs, as `explain-url` runs a
    URL: the signer's resource and the statement that denies (or the grant that is missing) come first. With
    `from_aws`, the deployed principal and bucket are read (raises AwsCallError)."""
    try:
        error = parse_error(text)
    except ErrorParseError as problem:
        raise ExplainError(str(problem)) from None
    found = causes(error)
    signer_found: SignerFound | None = None
    if paths or from_aws is not None:
        checked, signer_found = _preflight_causes(error, paths, signer, account, from_aws, config, options, warn)
        found = [*checked, *found]
    return render_error(error, found, fmt, signer_found)


# The request an AccessDenied names -> the method of the URL that made it, and whether it named a version.
_METHODS = {"s3:GetObject": ("GET", False), "s3:GetObjectVersion": ("GET", True), "s3:PutObject": ("PUT", False)}
_OBJECT_ARN = "arn:aws:s3:::"


def _preflight_causes(
    error: S3Error,
    paths: Sequence[str],
    signer: str | None,
    account: str | None,
    settings: ClientSettings | None,
    config: Config | None,
    options: CheckOptions | None,
    warn: Callable[[str], None] | None,
) -> tuple[list[Cause], SignerFound | None]:
    """The pre-flight's answer for the request the error names: its failing problems as causes, and the signer."""
    if settings is None and (error.code != "AccessDenied" or error.request_expired):
        return [
            Cause(
                f"PATH was not checked: S3 answers {error.code} apart from the policies"
                + (" (the URL expired)" if error.request_expired else ""),
                "see the next cause",
            )
        ], None
    denied = error.denial
    method = _METHODS.get(denied.action) if denied else None
    bucket, _, key = denied.resource.removeprefix(_OBJECT_ARN).partition("/") if denied else ("", "", "")
    if denied is None or method is None or not denied.resource.startswith(_OBJECT_ARN) or not bucket or not key:
        return [_cannot_check(denied, signer, settings is not None)], None
    from linter.check import CheckOptions  # lazy: explain-error without PATH or --from-aws loads no inputs
    from linter.config import load_config  # lazy: as above
    from linter.presign.command import decided_url  # lazy: as above
    from linter.presign.declared import ExpectationError, UnknownReference, expectation  # lazy: as above

    principal = signer or _principal_of(denied.principal)
    wanted_config = config or load_config()
    run_options = options or CheckOptions()
    deployed_account = None
    if settings is not None:
        # A Terraform address (`aws_iam_user.user_two`) is looked up in PATH, as `explain-url --from-aws` does.
        principals = [] if principal.startswith(("aws_", "module.", "data.")) else [principal]
        loaded, deployed_account = _deployed(settings, principals, [bucket], warn)
        run_options = replace(run_options, loaded_elsewhere=[*run_options.loaded_elsewhere, loaded])
    try:
        wanted = expectation(
            signer=principal,
            bucket=bucket,
            key=key,
            methods=[method[0]],
            expires=60,  # the shortest URL: the deny is about who may, not for how long
            version_id=method[1],
            account=account or wanted_config.account or deployed_account,
        )
        decided = decided_url(paths, wanted_config, run_options, wanted)
    except (ExpectationError, UnknownReference) as problem:
        raise ExplainError(str(problem)) from None
    if decided.result.errors:
        raise ExplainError("; ".join(e.render() for e in decided.result.errors))
    resolved = decided.verdict.signer
    found = SignerFound(resolved.address, resolved.loc.short(), denied.principal if signer is None else None)
    failing = [p for p in decided.verdict.problems if p.status is not Status.WORKS]
    if not failing:
        allowed = (
            f"the deployed policies of {principal} and {bucket}, read now, allow"
            if settings is not None
            else f"the policies in PATH allow {resolved.address}"
        )
        return [
            Cause(
                f"{allowed} {denied.action} on {bucket}/{key}: what denied is a policy the pre-flight does not read "
                "(SCP, RCP, session or VPC endpoint policy, or one attached outside the inputs), or the policies "
                "changed since",
                "look at the policy type the message names; compare the time of the error with the policy changes",
            )
        ], found
    # Read from AWS alone, every statement named is a deployed one; beside PATH, each location says where it is.
    prefix = "deployed: " if settings is not None and not paths else ""
    return [
        Cause(
            prefix + p.message + (f" ({p.loc.short()})" if p.loc else ""),
            p.fix or "see the statement named",
            problem=p,
        )
        for p in failing
    ], found


def _cannot_check(denied: Denial | None, signer: str | None, from_aws: bool) -> Cause:
    """What the error lacks for the pre-flight to run, and how to give it: never a guessed principal or object."""
    if denied is None:
        missing = "no action or object" if signer else "no principal, action or object"
        told = (
            "--from-aws could not tell whose request it was"
            if from_aws
            else "PATH cannot be checked against this error"
        )
        return Cause(
            f"{told}: the message names {missing} (S3 names them only to callers of the bucket owner's account or "
            'organization; older messages say only "Access Denied")',
            "run explain-url URL --from-aws with the failing URL: its access key names the signer"
            if from_aws
            else "run explain-url URL PATH --signer SIGNER with the failing URL: the URL names the object and the "
            "request, --signer who signed it",
        )
    return Cause(
        f"the pre-flight cannot be run for {denied.action} on {denied.resource}: it checks the requests a pre-signed "
        "URL for an object makes (s3:GetObject, s3:GetObjectVersion, s3:PutObject on arn:aws:s3:::BUCKET/KEY)",
        "run explain-url URL PATH --signer SIGNER with the failing URL",
    )


def _principal_of(arn: str) -> str:
    """An AccessDenied's principal as the pre-flight's signer: a role session (`assumed-role/ROLE/SESSION`) is its
    role's."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
    return arn
