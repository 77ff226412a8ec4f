"""A pre-signed S3 URL read back: what it points at, who signed it (masked), when, for how long, and what about
the URL alone makes S3 refuse it (iam-semantics.md §4: expiry, the 7-day limit, the signing region, temporary
credentials, the scheme, signed headers).

The signature and the session token are never kept: a `SignedUrl` holds nothing secret, so nothing built from it
can leak them. Access key ids are kept masked (`AKIA…WXYZ`): AWS does not treat them as secret, but a log line
needs no more than the kind of key and its last characters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, unquote, urlsplit

from linter.lazy_re import lazy_compile
from linter.presign.causes import CauseKind
from linter.presign.lifetime import MAX_EXPIRES, describe_duration
from linter.presign.problem import Cause, Problem, ProblemKind, Status
from linter.record import record

# Query parameters that are secrets (or carry one): dropped on reading, never echoed.
SECRET_PARAMETERS = frozenset({"x-amz-signature", "signature", "x-amz-security-token"})

_AWS_SUFFIX = r"amazonaws\.com(?:\.cn)?"
# Virtual-hosted: BUCKET.s3.REGION.amazonaws.com, BUCKET.s3-REGION..., BUCKET.s3.dualstack.REGION..., BUCKET.s3...
_VIRTUAL = lazy_compile(rf"^(?P<bucket>.+)\.s3(?:[.-](?:dualstack\.)?(?P<region>[a-z0-9-]+))?\.{_AWS_SUFFIX}$")
# Path-style: s3.REGION.amazonaws.com/BUCKET/KEY, s3-REGION..., s3.amazonaws.com
_PATH = lazy_compile(rf"^s3(?:[.-](?:dualstack\.)?(?P<region>[a-z0-9-]+))?\.{_AWS_SUFFIX}$")
# Access point: NAME-ACCOUNT.s3-accesspoint.REGION.amazonaws.com
_ACCESS_POINT = lazy_compile(
    rf"^(?P<name>.+)-(?P<account>\d{{12}})\.s3-accesspoint(?:\.dualstack)?\.(?P<region>[a-z0-9-]+)\.{_AWS_SUFFIX}$"
)
_CREDENTIAL = lazy_compile(
    r"^(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request$"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
# X-Amz-Expires and SigV2's Expires are whole numbers in ASCII digits (int() would also take " 5", "5_000" or "٣").
# More digits than a datetime can reach say nothing more, and would only make the report unreadable.
_WHOLE_NUMBER = lazy_compile(r"^-?[0-9]{1,30}$")
# Long-term IAM user keys start AKIA; temporary (STS) keys ASIA.
_KEY_KINDS = {"AKIA": "an IAM user's long-term access key", "ASIA": "temporary credentials from STS"}


class UrlProblemKind(ProblemKind):
    """What about a URL itself makes S3 refuse it (or may); the value is the problem's subject."""

    EXPIRES = "expires"  # X-Amz-Expires over 7 days
    NEGATIVE_EXPIRES = "expires-negative"
    REGION = "region"  # signed for another region than the endpoint's
    EXPIRED = "expired"
    CLOCK = "clock"  # dated in the future: the signer's clock runs ahead
    SESSION = "session"  # temporary credentials, whose end the URL does not carry
    SIGV2 = "sigv2"
    TRANSPORT = "transport"  # http://
    SIGNED_HEADERS = "signed-headers"


class UrlError(ValueError):
    """Not a pre-signed S3 URL (or one this reader cannot take apart); the message holds no secret."""


@record(frozen=True)
class SignedUrl:
    scheme: str
    host: str
    bucket: str | None  # None: a host that is not an S3 endpoint (a custom domain, CloudFront)
    access_point: str | None  # the access point's name, for an access point host
    account: str | None  # the access point's account
    key: str
    host_region: str | None  # the region the endpoint names; None: the global endpoint or not S3
    version_id: str | None
    signature_version: str  # "AWS4-HMAC-SHA256" (SigV4) or "AWS" (SigV2)
    access_key: str  # masked
    key_kind: str
    temporary: bool  # signed with temporary credentials (a session token travels with the URL)
    signed_region: str | None  # SigV4: the region in the credential scope
    signed_at: datetime | None  # SigV4: X-Amz-Date
    expires_seconds: int | None  # SigV4: X-Amz-Expires
    expires_at: datetime
    signed_headers: tuple[str, ...]

    @property
    def object_label(self) -> str:
        where = self.bucket or self.host
        through = f" through access point {self.access_point}" if self.access_point else ""
        return f"{where}/{self.key}{through}"

    def tells_already(self, problem: Problem) -> bool:
        """Whether a problem of the pre-flight for this URL is one the URL read back tells already: X-Amz-Expires is
        checked on the URL, and so is the signing region against the URL's own endpoint (the pre-flight is unsure of
        the region only where the configuration does not know the bucket's)."""
        if problem.kind is CauseKind.EXPIRY_LIMIT:
            return True
        return problem.kind is CauseKind.REGION and problem.status is Status.UNCERTAIN


def mask_key(key_id: str) -> str:
    """`AKIAIOSFODNN7EXAMPLE` -> `AKIA…MPLE`: the kind of key and enough to tell two apart."""
    return f"{key_id[:4]}…{key_id[-4:]}" if len(key_id) > 8 else "…"


def redact(url: str) -> str:
    """The URL with its signature and session token replaced by `…`, and the access key id masked."""
    parts = urlsplit(url.strip())
    shown = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        lowered = name.lower()
        if lowered in SECRET_PARAMETERS:
            shown.append(f"{name}=…")
        elif lowered == "awsaccesskeyid":
            shown.append(f"{name}={mask_key(value)}")
        elif lowered == "x-amz-credential":
            key_id, _, rest = value.partition("/")
            shown.append(f"{name}={mask_key(key_id)}/{rest}")
        else:
            shown.append(f"{name}={value}")
    query = "&".join(shown)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


def _where(host: str, path: str) -> tuple[str | None, str | None, str | None, str, str | None]:
    """(bucket, access point, account, key, region) from an S3 endpoint's host and path."""
    key = unquote(path.lstrip("/"))
    point = _ACCESS_POINT.match(host)
    if point:
        return None, point["name"], point["account"], key, point["region"]
    path_style = _PATH.match(host)
    if path_style:
        bucket, _, rest = key.partition("/")
        return bucket or None, None, None, rest, _region(path_style["region"])
    virtual = _VIRTUAL.match(host)
    if virtual:
        return virtual["bucket"], None, None, key, _region(virtual["region"])
    return None, None, None, key, None


def _region(found: str | None) -> str | None:
    # s3.amazonaws.com and s3-external-1 are us-east-1's global endpoints; "accelerate" names no region.
    if found in (None, "external-1", "accelerate"):
        return None
    return found


@record(frozen=True)
class _Signing:
    version: str
    key_id: str
    region: str | None
    signed_at: datetime | None
    expires_seconds: int | None
    expires_at: datetime


def _whole_number(text: str, name: str, what: str) -> int:
    if not _WHOLE_NUMBER.match(text):
        shown = f"{text[:30]}…" if len(text) > 30 else text
        raise UrlError(f"{name}={shown!r} is not {what} (a whole number of at most 30 digits)")
    return int(text)


def _after(start: datetime, seconds: int) -> datetime:
    """start + seconds, or the last moment a datetime holds when that is later (an X-Amz-Expires of 10^23)."""
    try:
        return start + timedelta(seconds=seconds)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC) if seconds > 0 else datetime.min.replace(tzinfo=UTC)


def _signing(query: dict[str, str]) -> _Signing:
    """SigV4 (X-Amz-*) or SigV2 (AWSAccessKeyId, Expires, Signature) query authentication."""
    if "x-amz-signature" in query:
        credential = _CREDENTIAL.match(query.get("x-amz-credential", ""))
        if credential is None:
            raise UrlError("X-Amz-Credential is missing or not ACCESSKEY/DATE/REGION/SERVICE/aws4_request")
        try:
            signed_at = datetime.strptime(query.get("x-amz-date", ""), _AMZ_DATE).replace(tzinfo=UTC)
        except ValueError:
            raise UrlError("X-Amz-Date (YYYYMMDDTHHMMSSZ) is missing or malformed") from None
        expires = _whole_number(query.get("x-amz-expires", ""), "X-Amz-Expires", "a number of seconds")
        end = _after(signed_at, expires)
        return _Signing("AWS4-HMAC-SHA256", credential["key"], credential["region"], signed_at, expires, end)
    if "signature" in query and "awsaccesskeyid" in query:
        seconds = _whole_number(query.get("expires", ""), "Expires", "a time in seconds since 1970")
        return _Signing("AWS", query["awsaccesskeyid"], None, None, None, _after(_EPOCH, seconds))
    raise UrlError("not a pre-signed URL: it has no X-Amz-Signature (SigV4) or Signature (SigV2) parameter")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_url(text: str) -> SignedUrl:
    try:
        parts = urlsplit(text.strip())
    except ValueError as error:  # an unclosed or malformed [IPv6] host
        raise UrlError(f"not a URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlError("not an http(s) URL")
    # The signature and token are read only to know they are there; no value of them is kept.
    query = {name.lower(): value for name, value in parse_qsl(parts.query, keep_blank_values=True)}
    signing = _signing(query)
    host = parts.hostname.lower()
    bucket, point, account, key, host_region = _where(host, parts.path)
    return SignedUrl(
        scheme=parts.scheme,
        host=host,
        bucket=bucket,
        access_point=point,
        account=account,
        key=key,
        host_region=host_region,
        version_id=query.get("versionid"),
        signature_version=signing.version,
        access_key=mask_key(signing.key_id),
        key_kind=_KEY_KINDS.get(signing.key_id[:4], "an access key of unknown kind"),
        temporary="x-amz-security-token" in query or signing.key_id.startswith("ASIA"),
        signed_region=signing.region,
        signed_at=signing.signed_at,
        expires_seconds=signing.expires_seconds,
        expires_at=signing.expires_at,
        signed_headers=tuple(h for h in query.get("x-amz-signedheaders", "host").split(";") if h),
    )


def url_problems(url: SignedUrl, at: datetime) -> list[Problem]:
    """What about the URL itself makes S3 refuse it when opened at `at` (or may), most decisive first."""
    what = url.object_label
    problems: list[Problem] = []
    # S3 checks the parameters before the time: a URL whose X-Amz-Expires it refuses never gets as far as expiring.
    refused_lifetime = url.expires_seconds is not None and not 0 <= url.expires_seconds <= MAX_EXPIRES
    if url.expires_seconds is not None and url.expires_seconds > MAX_EXPIRES:
        problems.append(
            Problem(
                Status.FAILS,
                Cause(UrlProblemKind.EXPIRES),
                f"X-Amz-Expires={url.expires_seconds} is more than 7 days: every request with this URL gets 400 "
                "AuthorizationQueryParametersError 'X-Amz-Expires must be less than a week'",
                f"sign for {describe_duration(MAX_EXPIRES)} or less",
            )
        )
    if url.expires_seconds is not None and url.expires_seconds < 0:
        problems.append(
            Problem(
                Status.FAILS,
                Cause(UrlProblemKind.NEGATIVE_EXPIRES),
                f"X-Amz-Expires={url.expires_seconds} is negative: every request with this URL gets 400 "
                "AuthorizationQueryParametersError 'X-Amz-Expires must be non-negative'",
                f"sign for between 1 second and {describe_duration(MAX_EXPIRES)}",
            )
        )
    if url.signed_region and url.host_region and url.signed_region != url.host_region:
        problems.append(
            Problem(
                Status.FAILS,
                Cause(UrlProblemKind.REGION),
                f"the URL is signed for {url.signed_region} and sent to an endpoint in {url.host_region}: 400 "
                f"AuthorizationQueryParametersError \"the region '{url.signed_region}' is wrong; expecting "
                f"'{url.host_region}'\"",
                f"sign with an S3 client for {url.host_region}",
            )
        )
    if at >= url.expires_at and not refused_lifetime:
        late = describe_duration(max(1, int((at - url.expires_at).total_seconds())))
        problems.append(
            Problem(
                Status.FAILS,
                Cause(UrlProblemKind.EXPIRED),
                f"the URL expired at {_when(url.expires_at)}, {late} before {_when(at)}: S3 answers 403 AccessDenied "
                "'Request has expired'",
                "sign a new URL (sign it when the link is clicked, so it is fresh when used)",
            )
        )
    elif url.signed_at is not None and at < url.signed_at:
        problems.append(
            Problem(
                Status.UNCERTAIN,
                Cause(UrlProblemKind.CLOCK),
                f"the URL is dated {_when(url.signed_at)}, after {_when(at)}: the signer's clock runs ahead; S3 "
                "refuses requests dated more than 15 minutes in the future",
                "sync the signer's clock (NTP)",
            )
        )
    if url.temporary:
        problems.append(
            Problem(
                Status.UNCERTAIN,
                Cause(UrlProblemKind.SESSION),
                f"{url.access_key} is {url.key_kind} (a session token travels with the URL): the URL for {what} stops "
                "working when that session expires, whatever X-Amz-Expires says (400 ExpiredToken), and the URL "
                "does not say when that is",
                "sign with credentials that outlive the URL, or with an IAM user's access keys",
            )
        )
    if url.signature_version == "AWS":
        problems.append(
            Problem(
                Status.UNCERTAIN,
                Cause(UrlProblemKind.SIGV2),
                "the URL is signed with Signature Version 2: regions opened since 2019 accept only SigV4, and a "
                "bucket policy may deny s3:signatureversion AWS",
                "sign with SigV4 (every current SDK does by default)",
            )
        )
    if url.scheme == "http":
        problems.append(
            Problem(
                Status.UNCERTAIN,
                Cause(UrlProblemKind.TRANSPORT),
                "the URL is http://: a bucket policy that denies aws:SecureTransport false (TLS only) refuses it",
                "hand out https:// URLs",
            )
        )
    extra = [h for h in url.signed_headers if h != "host"]
    if extra:
        problems.append(
            Problem(
                Status.WORKS,
                Cause(UrlProblemKind.SIGNED_HEADERS),
                f"the request must send the signed headers {', '.join(extra)} with the values signed, or S3 answers "
                "403 SignatureDoesNotMatch (a browser upload that sets another Content-Type, for one)",
                "send exactly the signed headers, or sign without them",
            )
        )
    return problems


def _when(moment: datetime) -> str:
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # --at 9999-12-31T23:59:59-05:00 is past the last moment in UTC that a datetime holds
        return moment.isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
