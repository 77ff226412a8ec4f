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
    from linter.check import CheckOptions
    from linter.config import Config


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
) -> tuple[str, int]:
    """The report and exit code (0: nothing stops the URL; 1: it fails or may). With `paths` and `signer`, the
    pre-flight for the URL's bucket, key, version, expiry and signing region is part of the answer."""
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
    if checked and signer is not None:
        from linter.presign.command import check_url  # lazy: the pre-flight (40 ms) runs only with PATH and --signer

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
            result, verdict = check_url(paths, config, options, wanted)
        except (ExpectationError, UnknownReference) as error:
            raise ExplainError(str(error)) from None
        if result.errors:
            raise ExplainError("; ".join(e.render() for e in result.errors))
        # X-Amz-Expires is checked above, and so is the signing region against the URL's own endpoint: the
        # pre-flight adds a region problem only where the configuration knows the bucket's region.
        problems += [p for p in verdict.problems if not url.tells_already(p)]
    report = render_url(url, text, at, problems, fmt, checked)
    return report, 0 if overall(problems) is Status.WORKS else 1


def explain_error(text: str, fmt: str) -> str:
    try:
        error = parse_error(text)
    except ErrorParseError as problem:
        raise ExplainError(str(problem)) from None
    return render_error(error, causes(error), fmt)
