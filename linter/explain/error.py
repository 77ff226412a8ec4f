"""An S3 error a pre-signed URL returned, read back: which check failed, why, and what to do.

Takes the XML body S3 sends (`<Error><Code>AccessDenied</Code><Message>…</Message>…</Error>`), the line an SDK
prints (`An error occurred (AccessDenied) when calling the GetObject operation: …`), or a bare message. Since 2023,
same-account and same-organization AccessDenied messages name the policy type that decided (S3 User Guide,
troubleshoot-403-errors; iam-semantics.md §4 S3-403); older and cross-account ones say only "Access Denied".

The body of a SignatureDoesNotMatch error echoes what was signed (`SignatureProvided`, `StringToSign`,
`CanonicalRequest`): those fields are never read, and an access key id is shown masked.
"""

from __future__ import annotations

import html
import re
from dataclasses import field
from functools import cached_property

from linter.explain.denial import Denial, PolicyType, parse_denial
from linter.explain.url import mask_key
from linter.lazy_re import lazy_compile
from linter.presign.problem import Problem
from linter.record import record

_TAG = lazy_compile(r"<(?P<tag>[A-Za-z][\w-]*)>(?P<value>[^<]*)</(?P=tag)>")
_SDK_LINE = lazy_compile(
    r"An error occurred \((?P<code>[\w.]+)\) when calling the \w+ operation: (?P<message>.*)", re.S
)
# Fields worth showing; anything else (SignatureProvided, StringToSign, CanonicalRequest...) is left unread.
_SHOWN_FIELDS = ("RequestId", "Expires", "ServerTime", "X-Amz-Expires", "Region", "Endpoint", "Bucket", "Key")
_ACCESS_KEY_FIELD = "AWSAccessKeyId"


class ErrorParseError(ValueError):
    """Nothing in the input looks like an S3 error."""


@record(frozen=True)
class S3Error:
    code: str  # S3's own (`AccessDenied`)
    message: str
    fields: dict[str, str] = field(default_factory=dict)  # shown fields only, access key masked

    @property
    def request_expired(self) -> bool:
        """S3 answers a URL past its X-Amz-Expires with AccessDenied, "Request has expired"."""
        return self.code == "AccessDenied" and "Request has expired" in self.message

    @cached_property
    def denial(self) -> Denial | None:
        """Who was denied what, for an AccessDenied message that names them."""
        return parse_denial(self.message) if self.code == "AccessDenied" else None


@record(frozen=True)
class Cause:
    """What an error means, what to change, and how iam-preflight would have caught it before it shipped."""

    summary: str
    fix: str
    prevention: str = ""
    # The pre-flight's problem this cause tells, when PATH or --from-aws ran it for the error's request.
    problem: Problem | None = None


def parse_error(text: str) -> S3Error:
    tags: dict[str, str] = {}
    for match in _TAG.finditer(text):
        tags.setdefault(match["tag"], html.unescape(match["value"]).strip())
    if "Code" in tags:
        shown = {name: tags[name] for name in _SHOWN_FIELDS if name in tags}
        if _ACCESS_KEY_FIELD in tags:
            shown[_ACCESS_KEY_FIELD] = mask_key(tags[_ACCESS_KEY_FIELD])
        return S3Error(tags["Code"], tags.get("Message", ""), shown)
    line = _SDK_LINE.search(text)
    if line:
        return S3Error(line["code"], line["message"].strip())
    stripped = text.strip()
    if parse_denial(stripped) is not None:
        return S3Error("AccessDenied", stripped)
    known = next((code for code in _BY_CODE if code in stripped), None)
    if known:
        return S3Error(known, stripped)
    raise ErrorParseError("no S3 error found: paste the XML body (<Error><Code>…) or the SDK's error line")


# The policy type an enhanced AccessDenied message names, and whether it denies explicitly -> what to change.
_POLICY_TYPES: dict[tuple[PolicyType | None, bool | None], tuple[str, str]] = {
    (PolicyType.IDENTITY, False): (
        "no identity policy of {principal} allows {action} on {resource}",
        "allow {action} on {resource} in the signer's identity policy",
    ),
    (PolicyType.IDENTITY, True): (
        "an identity policy of {principal} denies {action}",
        "find the Deny in the signer's identity policies and exempt this request",
    ),
    (PolicyType.RESOURCE, True): (
        "the {resource_policy} denies {action} for {principal}",
        "find the Deny in the {resource_policy} (its conditions: s3:authType, s3:signatureAge, aws:SourceIp, "
        "aws:SecureTransport...) and exempt this request",
    ),
    (PolicyType.RESOURCE, False): (
        "the {resource_policy} does not grant {action} to {principal}, which a request from another account needs",
        "grant {action} to the signer's ARN in the {resource_policy}",
    ),
    (PolicyType.SCP, True): (
        "a service control policy denies {action}",
        "change the SCP, or sign with a principal of an account it does not cover",
    ),
    (PolicyType.SCP, False): (
        "no service control policy allows {action} (an allow-list SCP)",
        "allow {action} in the SCPs on the signer's account and OUs",
    ),
    (PolicyType.RCP, True): (
        "a resource control policy denies {action} on {resource}",
        "change the RCP (a data perimeter that refuses pre-signed requests?)",
    ),
    (PolicyType.BOUNDARY, True): (
        "the permissions boundary of {principal} denies {action}",
        "exempt this request in the boundary",
    ),
    (PolicyType.BOUNDARY, False): (
        "the permissions boundary of {principal} does not allow {action}",
        "add {action} to the signer's permissions boundary",
    ),
    (PolicyType.SESSION, True): (
        "the session policy {principal} was assumed with denies {action}",
        "assume the role without that session policy (or with one that allows {action})",
    ),
    (PolicyType.SESSION, False): (
        "the session policy {principal} was assumed with does not allow {action}",
        "assume the role with a session policy that allows {action}, or none",
    ),
    (PolicyType.VPC_ENDPOINT, True): (
        "the VPC endpoint's policy denies {action}",
        "allow the request in the endpoint policy, or open the URL from outside that VPC",
    ),
    (PolicyType.VPC_ENDPOINT, False): (
        "the VPC endpoint's policy does not allow {action} on {resource}",
        "allow {action} on the bucket in the policy of the VPC endpoint the URL was opened through",
    ),
}

_PREFLIGHT = (
    "iam-preflight presign PATH --signer {signer} --bucket {bucket} --key {key} --expires DURATION "
    "(or declare the URL in [[tool.iam-preflight.presign]]) checks this before deployment"
)

_BY_CODE: dict[str, Cause] = {
    "SignatureDoesNotMatch": Cause(
        "the request does not match what was signed: a header the URL was signed with is missing or different "
        "(Content-Type on a PUT is the usual one), the URL was changed after signing (a key re-encoded, a parameter "
        "added), or it was signed with a wrong secret key",
        "send exactly the headers that were signed (X-Amz-SignedHeaders), pass the URL on untouched, and check "
        "the signer's secret key",
        "iam-preflight explain-url URL lists the signed headers",
    ),
    "InvalidAccessKeyId": Cause(
        "the access key that signed the URL does not exist (any more): the signer's user or key was deleted or "
        "the key deactivated (a URL dies with it), or the URL is used in another partition",
        "sign with an active key; rotating a key ends every URL it signed",
    ),
    "ExpiredToken": Cause(
        "the temporary credentials that signed the URL have expired: a URL dies with them, whatever X-Amz-Expires says",
        "sign with credentials that outlive the URL (a longer session, or an IAM user's keys)",
        "IPS001/IPS005 check a declared URL's life against the signer's credentials",
    ),
    "AuthorizationQueryParametersError": Cause(
        "the URL's signing parameters are invalid: signed for another region than the bucket's, or X-Amz-Expires "
        "over 7 days (604800 s)",
        "sign with a client for the bucket's region, for at most 7 days",
        "iam-preflight explain-url URL checks both",
    ),
    "NoSuchKey": Cause(
        "the object does not exist (a typo, a key encoded twice, or not uploaded yet); S3 says so because the "
        "signer may s3:ListBucket: without that permission the same URL returns 403 AccessDenied",
        "check the key as uploaded",
    ),
    "NoSuchBucket": Cause("the bucket does not exist (or not in this partition)", "check the bucket name in the URL"),
    "PermanentRedirect": Cause(
        "the URL is sent to another region's endpoint than the bucket's",
        "sign with an S3 client configured for the bucket's region, which builds the right endpoint",
    ),
    "AccessControlListNotSupported": Cause(
        "the URL was signed with an x-amz-acl header, and the bucket's Object Ownership is BucketOwnerEnforced "
        "(ACLs disabled)",
        "sign without the ACL header",
        "IPS001 checks a declared PUT URL's ACL against the bucket's Object Ownership",
    ),
    "InvalidObjectState": Cause(
        "the object is archived (S3 Glacier Flexible Retrieval / Deep Archive): it must be restored before a GET",
        "restore the object (RestoreObject) before handing out a URL for it",
    ),
}


def causes(error: S3Error) -> list[Cause]:
    """What the error means, most specific first."""
    if error.code == "AccessDenied":
        return _access_denied(error)
    known = _BY_CODE.get(error.code)
    if known is not None:
        return [known]
    return [Cause(f"S3 answered {error.code}: {error.message}", "see the S3 error code reference for this code")]


def _access_denied(error: S3Error) -> list[Cause]:
    if error.request_expired:
        when = ", ".join(f"{k} {error.fields[k]}" for k in ("Expires", "ServerTime") if k in error.fields)
        return [
            Cause(
                "the URL has expired: X-Amz-Date + X-Amz-Expires is past" + (f" ({when})" if when else ""),
                "sign a new URL, when the link is used rather than long before",
            )
        ]
    denied = error.denial
    if denied:
        values = {
            "principal": denied.principal,
            "action": denied.action,
            "resource": denied.resource,
            "resource_policy": "key policy" if denied.action.startswith("kms:") else "bucket policy",
        }
        words = _POLICY_TYPES.get((denied.policy_type, denied.explicit))
        if words is not None:
            summary, fix = words
            named = f" ({denied.policy_arn})" if denied.policy_arn else ""
            bucket, _, key = denied.resource.removeprefix("arn:aws:s3:::").partition("/")
            preflight = _PREFLIGHT.format(signer=denied.principal, bucket=bucket, key=key or "KEY")
            return [Cause(summary.format(**values) + named, fix.format(**values), preflight)]
        return [
            Cause(
                f"{denied.principal} may not {denied.action} on {denied.resource}",
                "see the policy types a request passes (identity, resource, boundary, session, SCP, RCP, VPC endpoint)",
            )
        ]
    return [
        Cause(
            "S3 does not say which policy denied: the signer's identity policies may not allow the action (a signer "
            "that may list a bucket but not read it signs URLs that all fail), a bucket, access point, key or VPC "
            "endpoint policy may deny it (s3:authType, s3:signatureAge, aws:SourceIp, aws:SecureTransport...), an "
            "SCP or RCP may, or the bucket is another account's and its policy does not grant the signer",
            "run the pre-flight for this URL: it names the policy and statement",
            _PREFLIGHT.format(signer="SIGNER", bucket="BUCKET", key="KEY"),
        )
    ]
