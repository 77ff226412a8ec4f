"""Object Ownership ObjectWriter / BucketOwnerPreferred: an object another account uploads without the
bucket-owner-full-control ACL stays that account's, and the bucket owner's principals can read it only through its
ACL (S3 User Guide, about-object-ownership; iam-semantics.md §4 OWN, §7 case 48). Who uploaded an object is not
known offline: uncertain."""

from __future__ import annotations

from linter.engine.matching import compile_any, glob_source
from linter.engine.principals import EntryKind, InvalidPrincipalError, parse_entry
from linter.model import THIS_ACCOUNT, PrincipalRef
from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.problem import Problem

# The Object Ownership settings under which an uploader of another account keeps its objects.
_KEEP_UPLOADERS_OBJECTS = ("ObjectWriter", "BucketOwnerPreferred")


def problems(request: UrlRequest) -> list[Problem]:
    subject = request.subject
    bucket = subject.bucket
    mode = bucket.object_ownership
    reads = [m for m in request.expectation.methods if m in ("GET", "HEAD")]
    if not reads or not bucket.defined or bucket.policy is None or mode not in _KEEP_UPLOADERS_OBJECTS:
        return []
    for statement in bucket.policy.statements:
        if not statement.is_allow or statement.principal is None or statement.action is None:
            continue
        patterns = tuple(glob_source(a.value) for a in statement.action if not a.is_unknown)
        if not patterns or not compile_any(patterns, ignore_case=True).fullmatch("s3:PutObject"):
            continue
        writers = [r.value.unresolved or r.value.value for r in statement.principal.refs if _other_writer(r)]
        if writers:
            return [wording.object_writer(subject, request.what, writers, mode, statement.loc)]
    return []


def _other_writer(ref: PrincipalRef) -> bool:
    """May a principal entry stand for principals outside this account? An unresolved one may."""
    try:
        entry = parse_entry(ref)
    except InvalidPrincipalError:
        return False  # AWS rejects the policy: the grammar rules report it
    if entry.kind in (EntryKind.EVERYONE, EntryKind.UNRESOLVED):
        return True
    return entry.account is not None and entry.account != THIS_ACCOUNT
