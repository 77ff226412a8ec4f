"""Decide, before deployment, whether a pre-signed URL will work for its whole requested life.

Every verdict goes through the engine: the signer's identity policies (inline, attached, group), boundary, SCPs and
RCPs, the bucket policy with Block Public Access, the KMS key policy for SSE-KMS buckets, and the pre-signed
request's own context (s3:authType, s3:signatureAge over the whole life, aws:SecureTransport, the opener's network).
What the engine cannot decide is reported as "uncertain"; a URL is only said to work when it certainly does.

Each cause is found by one door (linter/presign/doors/), opened here in order as `linter.check` runs rules; this
module keeps what is about the verdict as a whole: the readings of written account ids and regions.
"""

from __future__ import annotations

from dataclasses import field, replace

from linter.model import THIS_ACCOUNT, AccessPoint, Bucket, Inventory, Location, PrincipalResource
from linter.presign import wording
from linter.presign.doors import (
    Door,
    UrlRequest,
    access_point_network,
    acl,
    endpoint,
    kms,
    lifetime,
    names,
    needs,
    object_writer,
    objects,
    other_account_signer,
    region,
)
from linter.presign.problem import Cause, Problem, Status
from linter.presign.readings import as_written, describe, read_as, readings
from linter.presign.request import Expectation
from linter.presign.subject import subject_for
from linter.record import record

__all__ = ["Problem", "Status", "Verdict", "preflight"]

# The doors after the names are known, in the order their problems are told: the URL's own limits first, then the
# object permission, then what the request meets beyond it.
DOORS: tuple[Door, ...] = (
    names.unknown_boundary,
    region.problems,
    access_point_network.problems,
    objects.problems,
    endpoint.problems,
    kms.problems,
    acl.problems,
    object_writer.problems,
)


@record
class Verdict:
    expectation: Expectation
    signer: PrincipalResource
    bucket: Bucket
    lifetime: int  # seconds the URL actually works, at most the requested expiry
    problems: list[Problem] = field(default_factory=list)
    access_point: AccessPoint | None = None  # the URL goes through it to `bucket`

    @property
    def status(self) -> Status:
        return status_of(self.problems)

    @property
    def object_label(self) -> str:
        return object_label(self.bucket, self.access_point, self.expectation.key)

    @property
    def works_only_from(self) -> list[str]:
        """The networks a working URL works from when it does not work from everywhere; empty: from anywhere (or
        from where the expectation says it is opened)."""
        found = [n for p in self.problems if p.status is Status.WORKS for n in p.cause.networks]
        return list(dict.fromkeys(found))


def status_of(problems: list[Problem]) -> Status:
    statuses = {p.status for p in problems}
    if Status.FAILS in statuses:
        return Status.FAILS
    if Status.UNCERTAIN in statuses:
        return Status.UNCERTAIN
    return Status.WORKS


def object_label(bucket: Bucket, access_point: AccessPoint | None, key: str) -> str:
    """`bucket/key`, or `bucket/key through access point NAME`: how messages name what a URL points at."""
    through = f" through access point {access_point.name.value}" if access_point is not None else ""
    return f"{bucket.name.value}/{key}{through}"


def preflight(
    inventory: Inventory,
    signer: PrincipalResource,
    bucket: Bucket,
    expectation: Expectation,
    access_point: AccessPoint | None = None,
) -> Verdict:
    """The verdict for one expectation; signer, bucket (and access point) are already resolved in this inventory.

    The URL is decided under every reading of the account ids and regions written in the policies (see
    `readings`); when the readings disagree, the verdict is uncertain and says why.
    """
    known = {expectation.account: THIS_ACCOUNT} if expectation.account is not None else {}
    verdict = _preflight(*read_as(known, inventory, signer, bucket, access_point), expectation)
    told, told_as = verdict, known
    for reading in readings(inventory, signer, bucket, expectation.account):
        other = _preflight(*read_as(known | reading, inventory, signer, bucket, access_point), expectation)
        if other.status is not verdict.status:
            if verdict.status is Status.UNCERTAIN:
                continue  # uncertain already, and told why
            return _either_reading(verdict, other, reading, known)
        if _causes(other) != _causes(verdict):
            # The same outcome for another reason: the written ids most likely name the configuration's own
            # account and region, so that reading's causes are the ones to tell.
            told, told_as = other, known | reading
    # Told with the caller's own signer, bucket and access point, and every place as written: under a reading, a
    # principal read from AWS (its real ARN) or a place naming an id carries the stand-in.
    problems = [_told_as_written(p, told_as) for p in told.problems]
    return replace(told, problems=problems, signer=signer, bucket=bucket, access_point=access_point)


def _causes(verdict: Verdict) -> list[Cause]:
    # Compared by kind and action: the resource and statements name the stand-ins of the reading.
    return [Cause(p.kind, p.cause.action) for p in verdict.problems if p.status is not Status.WORKS]


def _told_as_written(problem: Problem, standing_in: dict[str, str]) -> Problem:
    fix = as_written(problem.fix, standing_in) if problem.fix else None
    reason = as_written(problem.reason, standing_in) if problem.reason else ""
    loc = _place_as_written(problem.loc, standing_in) if problem.loc else None
    related = tuple(r.model_copy(update={"loc": _place_as_written(r.loc, standing_in)}) for r in problem.related)
    message = as_written(problem.message, standing_in)
    return problem._replace(message=message, fix=fix, reason=reason, loc=loc, related=related)


def _place_as_written(loc: Location, standing_in: dict[str, str]) -> Location:
    """A place named by what holds it (a deployed policy's `ARN#inline/NAME`, its address) as the inputs write it."""
    file, address = as_written(loc.file, standing_in), as_written(loc.address, standing_in) if loc.address else None
    return loc if (file, address) == (loc.file, loc.address) else replace(loc, file=file, address=address)


def _either_reading(verdict: Verdict, other: Verdict, reading: dict[str, str], known: dict[str, str]) -> Verdict:
    """Two readings of written ids disagree: uncertain, with the cause of the reading that does not work."""
    named = describe(reading)
    if verdict.status is not Status.WORKS:
        failing, how, standing_in = verdict, wording.read_as_another(named), known
    else:
        failing, how, standing_in = other, wording.read_as_own(named), known | reading
    cause = _told_as_written(next(p for p in failing.problems if p.status is not Status.WORKS), standing_in)
    problem = wording.readings_disagree(verdict.signer.address, named, verdict.object_label, how, cause)
    caveats = [p for p in verdict.problems if p.status is Status.WORKS]
    return replace(verdict, problems=[problem, *caveats])


def _preflight(
    inventory: Inventory,
    signer: PrincipalResource,
    bucket: Bucket,
    access_point: AccessPoint | None,
    expectation: Expectation,
) -> Verdict:
    subject = subject_for(inventory, signer, bucket, access_point)
    what = object_label(bucket, access_point, expectation.key)
    credentials, life = lifetime.signer_lifetime(subject, expectation)
    request = UrlRequest(subject, expectation, what, credentials, life, needs(expectation))
    problems = lifetime.problems(request)
    unnamed = names.unknown_name(request)
    if unnamed:
        # Policies match by name: with the bucket's (access point's) unknown, no other door can be decided.
        return Verdict(expectation, signer, bucket, request.works_for, problems + unnamed, access_point)
    for door in DOORS:
        problems.extend(door(request))
    # A signer of another account: its own side is unknown, which matters only when this side lets it through.
    if status_of(problems) is not Status.FAILS:
        problems.extend(other_account_signer.problems(request))
    return Verdict(expectation, signer, bucket, request.works_for, problems, access_point)
