"""`iam-preflight presign`: one URL expectation, decided over the given inputs, rendered for a person or a CI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from linter.awsdata import aws_data
from linter.check import CheckOptions, CheckResult, LoadedInputs, finish, load_all, run_rules_contained
from linter.config import Config
from linter.findings import Severity
from linter.presign.causes import CauseKind
from linter.presign.declared import PresignCheck, confirmation_key, resolve
from linter.presign.lifetime import describe_duration
from linter.presign.preflight import Status, Verdict
from linter.presign.request import Expectation
from linter.registry import all_rules
from linter.report import render as render_report
from linter.rule import RuleContext
from linter.safe_text import bounded, for_terminal, json_text

if TYPE_CHECKING:  # types only: AWS is asked only with --simulate
    from linter.aws.client import ClientSettings
    from linter.aws.confirm import Confirmation, Simulator

SYMBOLS = {Status.WORKS: "✓", Status.FAILS: "✗", Status.UNCERTAIN: "?"}
# `check`'s default --fail-on: `cli.presign` passes the config's (`config.fail_on`) when it passes one.
DEFAULT_FAIL_ON: Severity = Config.model_fields["fail_on"].default
NETWORK_BOUND = "!"  # works, but only from some networks, and nobody said where it is opened from


def check_url(
    paths: Sequence[str], config: Config, options: CheckOptions, wanted: Expectation
) -> tuple[CheckResult, Verdict]:
    """Load the inputs and decide the URL; raises UnknownReference when signer or bucket names nothing.

    The rules are those that report a declared URL's verdict (`Rule.reports_declared_url`), whatever the config or
    `options` select: rules that infer problems from the whole inventory are for `check`, not for one named URL."""
    url = decided_url(paths, config, options, wanted)
    return url.result, url.verdict


class UrlCheck(NamedTuple):
    """One URL decided, with the loaded inputs and the resolved check that `--simulate` puts to AWS."""

    loaded: LoadedInputs
    check: PresignCheck
    result: CheckResult
    verdict: Verdict


def decided_url(paths: Sequence[str], config: Config, options: CheckOptions, wanted: Expectation) -> UrlCheck:
    """`check_url`, keeping what `settled_by_aws` needs."""
    loaded = load_all(paths, config, options)
    presign_check: PresignCheck = resolve(loaded.inventories, wanted)  # UnknownReference: a usage error
    result, verdict = _reported(loaded, presign_check, config, options)
    return UrlCheck(loaded, presign_check, result, verdict)


def _reported(
    loaded: LoadedInputs,
    presign_check: PresignCheck,
    config: Config,
    options: CheckOptions,
    verdict: Verdict | None = None,
) -> tuple[CheckResult, Verdict]:
    """The rules that report a declared URL, run on its verdict: decided here, or `verdict` when given."""
    rules = [rule for rule in all_rules() if rule.reports_declared_url]
    context = RuleContext(aws=aws_data(), presign=[presign_check])
    if verdict is not None:
        context.shared[presign_check] = verdict  # the rules word this verdict instead of deciding the URL again
    findings, errors = run_rules_contained([], rules, context, [presign_check.inventory])
    decided = presign_check.verdict(context.shared)
    return finish(loaded, rules, findings, errors, config, options), decided


def confirm_with_aws(
    presign_check: PresignCheck, settings: ClientSettings, principal_arn: str | None = None
) -> Confirmation:
    """`--simulate`: the URL's permissions put to AWS's policy simulator (with `--principal-arn`, that principal's
    deployed policies in place of the signer's in the inputs); raises AwsCallError (exit 2)."""
    return AwsConfirmer(settings, principal_arn).confirm(presign_check)


class AwsConfirmer:
    """Puts URLs to AWS's policy simulator (`presign`, `explain-url` and `check` with `--simulate`), with one IAM
    client made when the first call needs it: a URL with nothing to ask needs no credentials."""

    def __init__(
        self, settings: ClientSettings, principal_arn: str | None = None, ask: Simulator | None = None
    ) -> None:
        self.settings = settings
        self.principal_arn = principal_arn
        self._client: object | None = None
        self._ask = ask  # answers recorded from AWS (the rule fixtures'); None: the IAM client's calls

    def confirm(self, presign_check: PresignCheck) -> Confirmation:
        """Raises AwsCallError (exit 2)."""
        from linter.aws import client  # lazy: boto3 and the AWS modules load only with --simulate
        from linter.aws.confirm import confirm  # lazy: as above
        from linter.aws.simulate import plan, url_request  # lazy: as above

        steps = plan(url_request(presign_check), self.principal_arn)
        if not steps.parts:
            return confirm(steps, lambda request: [])  # nothing to ask: no client, so no credentials needed
        if self._ask is not None:
            return confirm(steps, self._ask)
        if self._client is None:
            self._client = client.iam_client(self.settings)
        iam = self._client
        return confirm(steps, lambda request: client.simulate_policy(iam, request))


def settled_verdict(verdict: Verdict, confirmation: Confirmation) -> Verdict | None:
    """AWS's answer decides the parts it simulated: where the engine could not tell whether an action is allowed
    and AWS settled it (`Confirmation.settled_actions`), that doubt leaves the verdict; None when nothing changed.
    A denial or a disagreement needs nothing here: `Confirmation.exit_code` fails the run for it."""
    settled = confirmation.settled_actions
    kept = [p for p in verdict.problems if not (p.kind is CauseKind.UNDECIDED and p.cause.action in settled)]
    return None if len(kept) == len(verdict.problems) else replace(verdict, problems=kept)


def settled_by_aws(url: UrlCheck, confirmation: Confirmation, config: Config, options: CheckOptions) -> UrlCheck:
    """`settled_verdict` for one URL, and the rules report what remains."""
    settled = settled_verdict(url.verdict, confirmation)
    if settled is None:
        return url
    result, verdict = _reported(url.loaded, url.check, config, options, settled)
    return url._replace(result=result, verdict=verdict)


class DeclaredConfirmations:
    """`check --simulate`: the stage between resolving the declared URLs and the rules (`run_check`'s
    `confirm_urls`). Each URL is confirmed as `presign --simulate` confirms one; where AWS settled what the engine
    could not, the settled verdict is what the rules read (`RuleContext.shared`, as `PresignCheck.verdict` caches)."""

    def __init__(self, settings: ClientSettings, ask: Simulator | None = None) -> None:
        self.confirmer = AwsConfirmer(settings, ask=ask)
        self.confirmed: list[tuple[Verdict, Confirmation]] = []
        self.ran = False  # `run_check` skips the stage when an input has errors (exit 2): nothing was asked

    def __call__(self, declared: Sequence[PresignCheck], context: RuleContext) -> None:
        self.ran = True
        for presign_check in declared:
            confirmation = self.confirmer.confirm(presign_check)
            verdict = presign_check.verdict(context.shared)
            settled = settled_verdict(verdict, confirmation)
            if settled is not None:
                context.shared[presign_check] = settled
            context.shared[confirmation_key(presign_check)] = confirmation  # what IPS006 reports disagreements from
            self.confirmed.append((settled or verdict, confirmation))

    def exit_code(self, local: int) -> int:
        for _, confirmation in self.confirmed:
            local = confirmation.exit_code(local)
        return local

    def text(self) -> str:
        """Each URL's confirmation under its headline; what stays local for every URL is said once, at the end."""
        from linter.aws.confirm import local_only_line, text_lines  # lazy: only with --simulate

        blocks = [
            "\n".join(for_terminal(line) for line in [headline(verdict), *text_lines(confirmation, always=False)])
            for verdict, confirmation in self.confirmed
        ]
        if not blocks:
            blocks.append("Confirmed with AWS (iam:SimulateCustomPolicy): the config declares no pre-signed URL")
        return "\n\n".join([*blocks, local_only_line()]) + "\n"

    def as_json(self) -> list[dict[str, object]]:
        from linter.aws.confirm import as_json  # lazy: only with --simulate

        return [{"url": verdict_json(verdict), "aws": as_json(confirmed)} for verdict, confirmed in self.confirmed]


def exit_code(result: CheckResult, verdict: Verdict, fail_on: Severity = DEFAULT_FAIL_ON) -> int:
    """2 for input errors; 1 when the URL fails or is uncertain, or when a finding about it is at or above `fail_on`
    (the config's, as `check` reads it): a URL that works only from some networks (IPS003, a warning) fails at the
    default threshold, as the same URL declared in the config fails `check`."""
    if result.errors:
        return 2
    if verdict.status is not Status.WORKS:
        return 1
    return result.exit_code(fail_on)


def headline(verdict: Verdict) -> str:
    """The verdict's first line; bounded, as a finding's message is: the object's name may be an input's expression of
    any length."""
    return bounded(_headline(verdict))


def _headline(verdict: Verdict) -> str:
    wanted = verdict.expectation
    methods = ", ".join(wanted.methods)
    what = f"{verdict.signer.address} → {verdict.object_label} ({methods}, {describe_duration(wanted.expires)})"
    if verdict.status is Status.WORKS and verdict.works_only_from:
        return f"{NETWORK_BOUND} URL works only from {', '.join(verdict.works_only_from)}: {what}"
    if verdict.status is Status.WORKS:
        return f"{SYMBOLS[verdict.status]} URL works for its whole life: {what}"
    if verdict.status is Status.UNCERTAIN:
        return f"{SYMBOLS[verdict.status]} URL uncertain (cannot be decided offline): {what}"
    return f"{SYMBOLS[verdict.status]} URL fails: {what}"


def verdict_json(verdict: Verdict) -> dict[str, object]:
    wanted = verdict.expectation
    return {
        "status": verdict.status.value,
        # Names and messages from the inputs, bounded as a finding's message is (`bounded`).
        "signer": bounded(verdict.signer.address),
        "bucket": bounded(verdict.bucket.address),
        "access_point": bounded(verdict.access_point.address) if verdict.access_point else None,
        "key": bounded(wanted.key),
        "methods": list(wanted.methods),
        "expires_seconds": wanted.expires,
        "works_for_seconds": verdict.lifetime if verdict.status is Status.WORKS else 0,
        # A URL that works only from some networks says from which (the key is absent for any other verdict).
        **({"works_only_from": verdict.works_only_from} if verdict.works_only_from else {}),
        "problems": [
            {
                "status": p.status.value,
                "message": bounded(p.message),
                "fix": None if p.fix is None else bounded(p.fix),
                "location": p.loc.short() if p.loc else None,
            }
            for p in verdict.problems
        ],
    }


def render(
    fmt: str,
    result: CheckResult,
    verdict: Verdict,
    *,
    color: bool,
    confirmation: Confirmation | None = None,
    fail_on: Severity = DEFAULT_FAIL_ON,
) -> str:
    """`fail_on`: the threshold the exit code uses (`exit_code`), so that a JUnit report agrees with it."""
    body = render_report(fmt, result, color=color, fail_on=fail_on)
    if fmt == "text":
        # The headline names the signer and the object, which the Terraform (or the command line) wrote.
        text = f"{for_terminal(headline(verdict))}\n\n{body}"
        if confirmation is not None:
            from linter.aws.confirm import after_report  # lazy: only with --simulate

            text = after_report(text, confirmation)
        return text
    if fmt == "json":
        document = json.loads(body)
        document["presign"] = verdict_json(verdict)
        if confirmation is not None:
            from linter.aws.confirm import as_json  # lazy: only with --simulate

            document["presign"]["aws"] = as_json(confirmation)
        return json_text(document)
    return body
