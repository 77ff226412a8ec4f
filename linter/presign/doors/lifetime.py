"""How long the URL can live: X-Amz-Expires at most 7 days, and the life of the credentials that sign it.

S3 refuses X-Amz-Expires over 604800 s (API Reference, sigv4-query-string-auth), and a URL signed with temporary
credentials stops working when they expire, whatever X-Amz-Expires says (S3 User Guide, using-presigned-url;
IAM User Guide, id_roles_use for session durations and role chaining).
"""

from __future__ import annotations

from linter.model import PrincipalResource
from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.lifetime import MAX_EXPIRES, CredentialSource, Lifetime, credential_lifetime
from linter.presign.problem import Problem
from linter.presign.request import Expectation
from linter.presign.subject import Subject

# SDKs refresh temporary credentials this close to their expiry at the latest (botocore: 10 minutes mandatory;
# EC2 makes new instance credentials available at least 5 minutes early): a URL no longer than this never outlives
# the credentials it is signed with.
REFRESH_MARGIN = 5 * 60


def credential_source(signer: PrincipalResource, expectation: Expectation) -> CredentialSource:
    if expectation.credentials:
        return CredentialSource(expectation.credentials)
    if signer.type == "user":
        return CredentialSource.USER_KEYS
    services = {
        ref.value.value
        for statement in (signer.trust.statements if signer.trust else [])
        if statement.principal is not None
        for ref in statement.principal.refs
        if ref.type == "Service"
    }
    if "lambda.amazonaws.com" in services:
        return CredentialSource.LAMBDA
    if "ec2.amazonaws.com" in services:
        return CredentialSource.INSTANCE_PROFILE
    if services:
        return CredentialSource.SERVICE
    return CredentialSource.ASSUME_ROLE


def signer_lifetime(subject: Subject, expectation: Expectation) -> tuple[CredentialSource, Lifetime]:
    """The credentials the signer signs with, and how long they (so its URLs) can live."""
    signer = subject.signer
    source = credential_source(signer, expectation)
    lifetime = credential_lifetime(source, signer.max_session_duration)
    if not signer.defined and source is CredentialSource.ASSUME_ROLE:
        lifetime = Lifetime(lifetime.seconds, wording.other_account_session(signer.account), uncertain=True)
    return source, lifetime


def problems(request: UrlRequest) -> list[Problem]:
    subject, expectation = request.subject, request.expectation
    signer, requested = subject.signer, expectation.expires
    found: list[Problem] = []
    if requested > MAX_EXPIRES:
        found.append(wording.expiry_limit(request.label, requested, expectation.declared_at or signer.loc))
    source, lifetime = request.credentials, request.lifetime
    # IAM user keys do not expire: their only limit is the 7-day cap on X-Amz-Expires, reported above.
    if source is CredentialSource.USER_KEYS:
        return found
    if requested <= lifetime.seconds:
        # Temporary credentials end the URL when they expire, and SDKs replace them only minutes before that: how
        # long a URL lives depends on when in their life it was signed.
        if requested > REFRESH_MARGIN:
            found.append(wording.credential_refresh(request.label, source, requested, signer.loc))
        return found
    found.append(wording.credential_lifetime(request.label, requested, lifetime, source, signer))
    return found
