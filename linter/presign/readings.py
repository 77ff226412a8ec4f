"""Account ids and regions written out in policies, against the configuration's stand-ins.

The Terraform source reads the configuration's account as THIS_ACCOUNT and, when no provider sets it, its region as
THIS_REGION, so that references between resources compare exactly. An account id or a region spelled out in a
policy may be that same account or region, or another. A question whose answer depends on it is decided under each
reading: the inputs are rewritten with a written id read as the stand-in (`read_as`), for every id and pair of ids
`readings` lists.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import NamedTuple, TypeVar

from linter.lazy_re import lazy_compile
from linter.model import THIS_ACCOUNT, AccessPoint, Bucket, Inventory, KmsKey, PrincipalResource

ModelT = TypeVar("ModelT", Inventory, PrincipalResource, Bucket)

# An account id as policies write it (an ARN's account part, a bare id in a condition or a principal): a run of
# exactly 12 digits. Runs of 12 or more are found and the longer ones dropped, rather than asking a lookbehind at
# every character of the inventory (the pre-flight reads the whole inventory's text for each URL).
_DIGIT_RUN = lazy_compile(r"[0-9]{12,}")
ACCOUNT_ID_LENGTH = 12
# A region by AWS's naming (partition prefix, optional -gov/-iso, direction, number), not inside a longer name. The
# character before is checked on each candidate rather than by a lookbehind at every character: a region is made of
# [a-z0-9-] only, so a candidate refused for the character before it hides no other region inside it.
REGION = lazy_compile(
    r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?"
    r"-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[0-9]{1,2}(?![a-z0-9-])"
)
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
MOST_READINGS = 3  # ids of each kind tried: more than a few accounts or regions in one check is not a mix-up


def written_accounts(text: str) -> list[str]:
    return [run for run in _DIGIT_RUN.findall(text) if len(run) == ACCOUNT_ID_LENGTH]


def written_regions(text: str) -> list[str]:
    return [
        found.group()
        for found in REGION.finditer(text)
        if found.start() == 0 or text[found.start() - 1] not in _NAME_CHARACTERS
    ]


class WrittenIds(NamedTuple):
    """The account ids and regions an inventory's policies write out, read from its whole text."""

    accounts: frozenset[str]
    regions: tuple[str, ...]  # only when some key or access point has no configured region, else none

    @classmethod
    def of(cls, inventory: Inventory) -> WrittenIds:
        """Read once per inventory while questions about it follow one another (every declared URL of a module,
        every pair of signer and bucket inference asks about): read per question, 2,000 declared URLs took 9 s,
        and 200 users beside 200 buckets minutes."""
        if _LAST_READ and _LAST_READ[0][0] is inventory:
            return _LAST_READ[0][1]
        text = _json_text(inventory)
        unknown_region = any(k.region is None for k in inventory.keys) or any(
            a.region is None for a in inventory.access_points
        )
        regions = tuple(sorted(set(written_regions(text)))) if unknown_region else ()
        written = cls(frozenset(written_accounts(text)), regions)
        _LAST_READ[:] = [(inventory, written)]
        return written


# The inventory read last, and what it writes: only one, so that a module checked and let go of is not kept here.
_LAST_READ: list[tuple[Inventory, WrittenIds]] = []


def readings(
    inventory: Inventory, signer: PrincipalResource, bucket: Bucket, account: str | None
) -> list[dict[str, str]]:
    """Each written account id, each written region, and each pair, read as the configuration's own. Accounts the
    signer or bucket is declared to be in are other accounts; with `account` known, every other id is another
    account; regions matter only when some key or access point has no configured region."""
    written = WrittenIds.of(inventory)
    accounts = [] if account is not None else sorted(written.accounts - {signer.account, bucket.account, THIS_ACCOUNT})
    regions = list(written.regions)
    as_account = [{a: THIS_ACCOUNT} for a in accounts[:MOST_READINGS]]
    as_region = [{r: KmsKey.THIS_REGION} for r in regions[:MOST_READINGS]]
    return [*as_account, *as_region, *({**a, **r} for a in as_account for r in as_region)]


def read_as(
    standing_in: dict[str, str],
    inventory: Inventory,
    signer: PrincipalResource,
    bucket: Bucket,
    access_point: AccessPoint | None = None,
) -> tuple[Inventory, PrincipalResource, Bucket, AccessPoint | None]:
    """The same inputs with each written id replaced by the stand-in it is read as (unchanged without any)."""
    if not standing_in:
        return inventory, signer, bucket, access_point

    def again(found: ModelT) -> ModelT:
        text = _json_text(found)
        for written, stand_in in standing_in.items():
            text = text.replace(written, stand_in)
        return type(found).model_validate(json.loads(text))  # validated by pydantic, as always

    same = again(inventory)
    # A signer or bucket of another account is not in the inventory: it is carried over the same way.
    signer = next((p for p in same.principals if p.address == signer.address), None) or again(signer)
    bucket = next((b for b in same.buckets if b.address == bucket.address), None) or again(bucket)
    if access_point is not None:
        access_point = next(a for a in same.access_points if a.address == access_point.address)
    return same, signer, bucket, access_point


def as_written(text: str, standing_in: dict[str, str]) -> str:
    """A message decided under a reading, with the ids as the policies write them."""
    for written, stand_in in standing_in.items():
        text = text.replace(stand_in, written)
    return text


def describe(reading: dict[str, str]) -> str:
    """`account 123456789012 and region eu-west-1`."""
    return " and ".join(
        f"{'account' if stand_in == THIS_ACCOUNT else 'region'} {written}" for written, stand_in in reading.items()
    )


def _json_text(found: object) -> str:
    """The inventory class `found` as the JSON text its pydantic model wrote (`model_dump_json`): fields in order,
    nodes as the dicts of their fields, compact separators, non-ASCII text as it is. A lone surrogate (a policy may
    spell `"\\ud800"`) stays as it is, where pydantic's UTF-8 encoder failed and the json module wrote it the same way.

    The json module with a hook, not pydantic: `readings` reads this text for every pre-signed URL a check decides,
    and pydantic would be imported and its serializers built for that alone."""
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"), check_circular=False, default=_fields_of)


def _fields_of(node: object) -> dict[str, object]:
    """A dataclass (an inventory class, a node of the policy model, a Location) as the dict of its fields."""
    try:
        names = _FIELD_NAMES[type(node)]
    except KeyError:
        names = _FIELD_NAMES.setdefault(type(node), tuple(item.name for item in fields(node)))  # type: ignore[arg-type]
    return {name: getattr(node, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
