"""The backends of `explain-url` and `explain-error`: read the input, decide, render. The CLI only calls these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from linter.explain import overall, render_error, render_url
from linter.explain.error import ErrorParseError, causes, parse_error
from linter.explain.url import UrlError, parse_url, url_problems
from linter.presign.problem import Status

if TYPE_CHECKING:  # explain-error needs neither the checker nor the config
    from linter.aws.client import ClientSettings
    from linter.aws.confirm import Confirmation
    from linter.check import CheckOptions
    from linter.config import Config
    from linter.presign.preflight import Verdict


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
) -> tuple[str, int]:
    """The report and exit code (0: nothing stops the URL; 1: it fails or may). With `paths` and `signer`, the
    pre-flight for the URL's bucket, key, version, expiry and signing region is part of the answer; with `simulate`
    too, the URL read back is put to AWS's policy simulator as `presign --simulate` puts one, `principal_arn` as
    `presign --principal-arn` (raises AwsCallError)."""
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
    checked = bool(paths) and signer is not None
    if bool(paths) != (signer is not None):
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
    from linter.aws.confirm import as_json, text_lines  # lazy: only with --simulate
    from linter.safe_text import for_terminal, json_text  # lazy: as above

    if fmt == "json":
        import json  # lazy: as above

        document = json.loads(report)
        document["aws"] = as_json(confirmation)
        return json_text(document)
    return report.rstrip("\n") + "\n\n" + "\n".join(for_terminal(line) for line in text_lines(confirmation)) + "\n"


def explain_error(text: str, fmt: str) -> str:
    try:
        error = parse_error(text)
    except ErrorParseError as problem:
        raise ExplainError(str(problem)) from None
    return render_error(error, causes(error), fmt)
