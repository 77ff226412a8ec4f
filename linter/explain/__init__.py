"""Debugging a link that fails: `explain-url` reads a pre-signed URL back, `explain-error` reads the error S3 sent.

Both work offline. Given the Terraform (or policies) and the signer, `explain-url` also runs the pre-flight for the
URL's own bucket, key, version, expiry and signing region, which names the policy and statement that deny it.
Nothing secret is printed: the URL is shown with its signature and session token replaced (`url.redact`). The URL,
the error and the policies may come from anyone, so every text line is made safe for a terminal or a CI log
(`linter.safe_text`), and JSON has every control character escaped.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from linter.explain.codes import error_code, problem_cause, problem_code
from linter.explain.error import Cause, S3Error
from linter.explain.url import SignedUrl, redact
from linter.presign.lifetime import describe_duration
from linter.presign.problem import Problem, Status
from linter.safe_text import for_terminal, json_text

SYMBOLS = {Status.WORKS: "✓", Status.FAILS: "✗", Status.UNCERTAIN: "?"}


def overall(problems: list[Problem]) -> Status:
    statuses = {p.status for p in problems}
    for status in (Status.FAILS, Status.UNCERTAIN):
        if status in statuses:
            return status
    return Status.WORKS


def url_facts(url: SignedUrl, text: str, at: datetime) -> dict[str, object]:
    return {
        "url": redact(text),
        "bucket": url.bucket,
        "access_point": url.access_point,
        "key": url.key,
        "version_id": url.version_id,
        "endpoint_region": url.host_region,
        "signature_version": url.signature_version,
        "signed_region": url.signed_region,
        "access_key": url.access_key,
        "access_key_kind": url.key_kind,
        "temporary_credentials": url.temporary,
        "signed_at": url.signed_at.isoformat() if url.signed_at else None,
        "expires_seconds": url.expires_seconds,
        "expires_at": url.expires_at.isoformat(),
        "checked_at": at.isoformat(),
        "signed_headers": list(url.signed_headers),
    }


def problem_json(problem: Problem) -> dict[str, object]:
    """One problem as JSON: its stable `code`, the pre-flight's finer `cause` (null for what the URL alone tells),
    and its words."""
    location = problem.loc.short() if problem.loc else None
    return {
        "code": problem_code(problem).value,
        "cause": problem_cause(problem),
        "status": problem.status.value,
        "message": problem.message,
        "fix": problem.fix,
        "location": location,
    }


def render_url(
    url: SignedUrl, text: str, at: datetime, problems: list[Problem], fmt: str, checked_policies: bool
) -> str:
    status = overall(problems)
    if fmt == "json":
        document = {
            **url_facts(url, text, at),
            "status": status.value,
            "policies_checked": checked_policies,
            "problems": [problem_json(p) for p in problems],
        }
        return json_text(document)
    headline = {
        Status.FAILS: "URL fails",
        Status.UNCERTAIN: "URL may fail",
        Status.WORKS: "nothing in the URL stops it" if not checked_policies else "URL works",
    }[status]
    signed = f"{url.signed_at:%Y-%m-%d %H:%M:%S} UTC, " if url.signed_at else ""
    scope = f" for {url.signed_region}" if url.signed_region else ""
    version = "SigV4" if url.signature_version != "AWS" else "SigV2"
    life = (
        f" (X-Amz-Expires={url.expires_seconds}, {describe_duration(url.expires_seconds)})"
        if url.expires_seconds
        else ""
    )
    lines = [
        f"{SYMBOLS[status]} {headline}: {url.object_label}",
        f"  url        {redact(text)}",
        f"  endpoint   {url.host}" + (f" ({url.host_region})" if url.host_region else ""),
        f"  signed     {signed}{version}{scope}, by {url.access_key} ({url.key_kind})",
        f"  expires    {url.expires_at:%Y-%m-%d %H:%M:%S} UTC{life}",
        f"  checked at {at:%Y-%m-%d %H:%M:%S} UTC",
    ]
    if url.version_id:
        lines.append(f"  version    {url.version_id} (needs s3:GetObjectVersion)")
    lines.append("")
    for problem in problems:
        where = f" ({problem.loc.short()})" if problem.loc else ""
        fix = f" Fix: {problem.fix}." if problem.fix else ""
        lines.append(f"  {SYMBOLS[problem.status]} {problem.message}{where}.{fix}  [{problem_code(problem)}]")
    if not checked_policies:
        lines.append(
            "  Policies were not checked: pass the Terraform or policy files and --signer to run the pre-flight "
            "for this URL."
        )
    return "\n".join(for_terminal(line) for line in lines).rstrip() + "\n"


class SignerFound(NamedTuple):
    """The resource of the inputs behind the principal an error names (or `--signer`), as the pre-flight found it."""

    address: str
    location: str
    principal: str | None  # the principal ARN of the error it stands for; None when --signer named it


# What an AccessDenied message may name, in the order they are shown.
DENIAL_FIELDS = ("principal", "action", "resource", "policy_type", "denial", "policy_arn")


def _denial_fields(error: S3Error) -> dict[str, str | None]:
    """What an AccessDenied message names; a field it does not name is None (null in JSON, left out in text)."""
    denied = error.denial
    if denied is None:
        return dict.fromkeys(DENIAL_FIELDS)
    return {
        "principal": denied.principal,
        "action": denied.action,
        "resource": denied.resource,
        "policy_type": denied.policy_type.value if denied.policy_type else None,
        "denial": denied.denial,
        "policy_arn": denied.policy_arn,
    }


def render_error(error: S3Error, found: list[Cause], fmt: str, signer: SignerFound | None = None) -> str:
    code = error_code(error)
    parsed = _denial_fields(error)
    if fmt == "json":
        document = {
            "code": code.value,
            "s3_code": error.code,
            "message": error.message,
            **parsed,
            "fields": error.fields,
            "signer": signer._asdict() if signer else None,
            "causes": [
                {
                    "cause": c.summary,
                    "fix": c.fix,
                    "prevention": c.prevention or None,
                    "problem": problem_json(c.problem) if c.problem else None,
                }
                for c in found
            ],
        }
        return json_text(document)
    lines = [f"{error.code}: {error.message}" if error.message else error.code]
    lines += [f"  {name}: {value}" for name, value in error.fields.items()]
    lines.append(f"  code: {code}")
    lines += [f"  {name}: {value}" for name, value in parsed.items() if value is not None]
    lines.append("")
    if signer is not None:
        resource = f"{signer.address} ({signer.location})"
        if signer.principal is None:
            lines.append(f"Signer: {resource}, as --signer says.")
        elif signer.principal != signer.address:
            lines.append(f"Signer: {signer.principal} is {resource}.")
        else:  # read from AWS: the principal is its own address
            lines.append(f"Signer: {resource}.")
    for cause in found:
        where = f"  [{problem_code(cause.problem)}]" if cause.problem else ""
        lines.append(f"Cause: {cause.summary}.{where}")
        lines.append(f"Fix: {cause.fix}.")
        if cause.prevention:
            lines.append(f"Before it ships: {cause.prevention}.")
    return "\n".join(for_terminal(line) for line in lines) + "\n"
