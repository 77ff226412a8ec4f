"""The request a pre-signed URL makes when someone opens it (iam-semantics.md §4; S3 API, sigv4-query-string-auth).

It is authenticated as the signer and authorized at request time; the principal keys are the signer's, the network
and transport keys are those of the person who opens the URL.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import field
from typing import NamedTuple

from linter.engine.context import UNKNOWN, ContextInput, Unknown
from linter.lazy_re import lazy_compile
from linter.model import Location
from linter.presign.lifetime import MAX_EXPIRES
from linter.record import record

METHODS = ("GET", "HEAD", "PUT")
# Canned ACLs other than this one are refused by buckets whose Object Ownership is BucketOwnerEnforced.
OWNER_FULL_CONTROL = "bucket-owner-full-control"
# Canned ACLs that Block Public Access (BlockPublicAcls) treats as public.
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})


class ExpectationError(ValueError):
    """An expectation that cannot be checked as written (unknown method, bad duration): exit 2."""


@record(frozen=True)
class Expectation:
    """A URL someone will sign: by whom, for what, for how long, opened from where."""

    signer: str
    bucket: str
    key: str = "*"
    methods: tuple[str, ...] = ("GET",)
    expires: int = 3600
    source_ips: tuple[str, ...] = ()
    vpce: str | None = None
    version_id: bool = False
    acl: str | None = None
    sse: str | None = None  # PUT: the x-amz-server-side-encryption header the URL is signed with
    credentials: str | None = None  # a CredentialSource value; None: inferred from the signer
    # The account of a bucket these inputs do not define (`bucket` names it): its side is then unknown.
    bucket_account: str | None = None
    region: str | None = None  # the region the URL is signed for (the signer's SDK client); None: not checked
    account: str | None = None  # the account the configuration deploys to; None: not known (both readings tried)
    declared_at: Location | None = None  # the config entry, for messages

    def __post_init__(self) -> None:
        unknown = [m for m in self.methods if m.upper() not in METHODS]
        if unknown:
            raise ExpectationError(f"unknown method {unknown[0]!r} (use {', '.join(METHODS)})")
        if not self.methods:
            raise ExpectationError("no method given")
        for what, value in (("bucket account", self.bucket_account), ("account", self.account)):
            if value is not None and not re.fullmatch(r"\d{12}", value):
                raise ExpectationError(f"{what} {value!r} is not a 12-digit AWS account id")


class Operation(NamedTuple):
    """One S3 permission a method needs; `qualifier` says what about the request needs it."""

    action: str
    qualifier: str = ""

    @property
    def why_suffix(self) -> str:
        return f" {self.qualifier}" if self.qualifier else ""


def operations(method: str, expectation: Expectation) -> list[Operation]:
    """GET/HEAD need s3:GetObject (s3:GetObjectVersion with a versionId); PUT needs s3:PutObject (+ACL)."""
    if method.upper() in ("GET", "HEAD"):
        if expectation.version_id:
            return [Operation("s3:GetObjectVersion", "with versionId")]
        return [Operation("s3:GetObject")]
    needed = [Operation("s3:PutObject")]
    if expectation.acl is not None:
        needed.append(Operation("s3:PutObjectAcl", f"with x-amz-acl: {expectation.acl}"))
    return needed


def kms_action(method: str) -> str:
    """SSE-KMS reads need kms:Decrypt, writes kms:GenerateDataKey (S3 User Guide: UsingKMSEncryption)."""
    return "kms:GenerateDataKey" if method.upper() == "PUT" else "kms:Decrypt"


def sample_keys(pattern: str) -> list[str]:
    """Concrete keys a key pattern stands for: a URL names one object, the pattern says which objects may be named.

    `*` is filled with a short name and with a nested path, so a grant on `prefix/*` and one on `prefix/a*` are told
    apart from a grant on the whole bucket.
    """
    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    samples = [pattern.replace("*", "example").replace("?", "x"), pattern.replace("*", "dir/example").replace("?", "x")]
    return [s for s in dict.fromkeys(samples) if fnmatch.fnmatchcase(s, pattern)] or samples[:1]


@record
class UrlContext:
    """The condition keys of a pre-signed request, at a given signature age."""

    secure: bool = True
    source_ip: str | None = None
    vpce: str | Unknown | None = None  # UNKNOWN: through an endpoint a condition names but nobody could resolve
    vpc: str | None = None  # the VPC of that endpoint, when known
    network_known: bool = False
    signature_age_ms: int = 0
    acl: str | None = None
    sse: str | None = None
    extra: dict[str, ContextInput] = field(default_factory=dict)

    def keys(self) -> dict[str, ContextInput]:
        keys: dict[str, ContextInput] = {
            "s3:authType": "REST-QUERY-STRING",
            "s3:signatureversion": "AWS4-HMAC-SHA256",
            "s3:signatureAge": str(self.signature_age_ms),
            "aws:SecureTransport": "true" if self.secure else "false",
            # Not documented for pre-signed URLs (iam-semantics.md §4): present but unknown, never guessed.
            "s3:x-amz-content-sha256": UNKNOWN,
            # A URL is signed and opened at some time after the check: a condition on the clock is not decided by
            # the time the check happens to run.
            "aws:CurrentTime": UNKNOWN,
            "aws:EpochTime": UNKNOWN,
        }
        if self.vpce is not None:
            # Through a VPC endpoint aws:SourceIp is absent and aws:SourceVpce is set.
            keys["aws:SourceVpce"] = self.vpce
            keys["aws:SourceVpc"] = self.vpc if self.vpc is not None else UNKNOWN
        elif self.source_ip is not None:
            keys["aws:SourceIp"] = self.source_ip
        elif not self.network_known:
            keys["aws:SourceIp"] = UNKNOWN
        if self.acl is not None:
            keys["s3:x-amz-acl"] = self.acl
        if self.sse is not None:
            keys["s3:x-amz-server-side-encryption"] = self.sse
        keys.update(self.extra)
        return keys


_CIDR_KEYS = lazy_compile(r"^aws:(sourceip|sourcevpce|sourcevpc)$", re.IGNORECASE)


def expires_problem(seconds: int) -> str | None:
    if seconds > MAX_EXPIRES:
        return (
            f"X-Amz-Expires={seconds} is more than 7 days (604800 s): S3 answers 400 AuthorizationQueryParametersError "
            "'X-Amz-Expires must be less than a week'"
        )
    return None


def is_network_key(key: str) -> bool:
    return bool(_CIDR_KEYS.match(key))
