"""The doors a pre-signed URL's request goes through, one module each; `preflight` opens them in order.

Each door takes the `UrlRequest` (what every door needs to know about one declared URL) and returns the problems it
finds, worded by linter/presign/wording.py. A new cause of a failing URL is a new door here, with a new `CauseKind`
(linter/presign/causes.py) that one rule declares it reports, and a fixture folder under rules/presign/fixtures/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from linter.model import Policy
from linter.presign.lifetime import MAX_EXPIRES, CredentialSource, Lifetime
from linter.presign.problem import Problem
from linter.presign.request import Expectation, Operation, operations
from linter.presign.subject import Subject


class UrlRequest(NamedTuple):
    """One declared URL, as every door sees it (a tuple: a frozen dataclass cost ~1 ms to create at import, a
    tenth of the whole pre-flight's import time)."""

    subject: Subject  # the signer, the bucket (and access point) with the policies in play
    expectation: Expectation
    what: str  # how messages name the object: `bucket/key`, or `bucket/key through access point NAME`
    credentials: CredentialSource  # what the signer signs with (doors/lifetime.signer_lifetime)
    lifetime: Lifetime  # how long those credentials, so the URLs they sign, can live
    # Each permission the URL's methods need, with the methods that need it (GET and HEAD share one): `needs`.
    operations: dict[Operation, list[str]]

    @property
    def works_for(self) -> int:
        """Seconds the URL can work at most: the requested expiry, cut by the 7-day cap and the credentials."""
        return min(self.expectation.expires, self.lifetime.seconds, MAX_EXPIRES)

    @property
    def label(self) -> str:
        return self.subject.label


class PermissionCheck(NamedTuple):
    """One permission for one object at one door (a tuple: the object doors make a few per URL and key)."""

    request: UrlRequest
    subject: Subject  # the request's, or one narrowed to a single side (the bucket's policy alone)
    operation: Operation
    resource: str  # the object's ARN at this door
    label: str  # how messages name the object and the methods: `bucket/key (GET/HEAD)`
    policy: Policy | None  # the door's resource policy; None: a bucket of another account, not known here
    restrict: bool | None = None  # RestrictPublicBuckets for `policy`; None: the bucket's own setting
    target: str | None = None  # names the resource in fixes when its ARN is a stand-in

    @property
    def action(self) -> str:
        return self.operation.action


def needs(expectation: Expectation) -> dict[Operation, list[str]]:
    """Each permission the URL's methods need, with the methods that need it (GET and HEAD share one)."""
    by_operation: dict[Operation, list[str]] = {}
    for method in expectation.methods:
        for operation in operations(method, expectation):
            by_operation.setdefault(operation, []).append(method)
    return by_operation


Door = Callable[[UrlRequest], list[Problem]]
