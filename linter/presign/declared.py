"""Expectations declared in config or given on the command line, resolved into checks against the inventories a run
loaded; each check's verdict is decided once per run, whichever rule asks first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from linter.config import MAX_CONFIG_BYTES, Config, ConfigError, folder_config
from linter.model import THIS_ACCOUNT, AccessPoint, Bucket, InputError, Inventory, Location, PrincipalResource
from linter.presign.lifetime import CredentialSource, parse_duration
from linter.presign.request import Expectation, ExpectationError
from linter.presign.resolve import (
    UnknownReference,
    find_bucket,
    find_principal,
    is_principal_arn,
    other_account_principal,
)
from linter.record import record
from linter.sources import display_path
from linter.sources.confine import read_text

if TYPE_CHECKING:  # the pre-flight loads when a verdict is asked for, not with the declarations
    from linter.presign.preflight import Verdict


@record(frozen=True, eq=False)
class PresignCheck:
    """An expectation resolved to the inventory that defines its signer and bucket (or access point)."""

    inventory: Inventory
    signer: PrincipalResource
    bucket: Bucket
    expectation: Expectation
    access_point: AccessPoint | None = None

    def verdict(self, shared: dict[object, object]) -> Verdict:
        """Decided once per run, whichever rule asks first."""
        from linter.presign.preflight import Verdict, preflight  # lazy: the engine loads only when a verdict is asked

        cached = shared.get(self)
        if not isinstance(cached, Verdict):
            cached = preflight(self.inventory, self.signer, self.bucket, self.expectation, self.access_point)
            shared[self] = cached
        return cached


def expectation(
    *,
    signer: str,
    bucket: str,
    key: str = "*",
    methods: Sequence[str] = ("GET",),
    expires: str | int = 3600,
    source_ips: Sequence[str] = (),
    vpce: str | None = None,
    version_id: bool = False,
    acl: str | None = None,
    sse: str | None = None,
    credentials: str | None = None,
    bucket_account: str | None = None,
    region: str | None = None,
    account: str | None = None,
    declared_at: Location | None = None,
) -> Expectation:
    """Validate user-given values into an Expectation; raises ExpectationError with a one-line message."""
    try:
        seconds = parse_duration(str(expires))
    except ValueError as error:
        raise ExpectationError(str(error)) from None
    if credentials is not None and credentials not in CredentialSource._value2member_map_:
        choices = ", ".join(s.value for s in CredentialSource)
        raise ExpectationError(f"unknown credentials {credentials!r} (choose from {choices})")
    return Expectation(
        signer=signer,
        bucket=bucket,
        key=key,
        methods=tuple(m.upper() for m in methods),
        expires=seconds,
        source_ips=tuple(source_ips),
        vpce=vpce,
        version_id=version_id,
        acl=acl,
        sse=sse,
        credentials=credentials,
        bucket_account=bucket_account,
        region=region,
        account=account,
        declared_at=declared_at,
    )


def confirmation_key(presign_check: PresignCheck) -> tuple[str, PresignCheck]:
    """Where `check --simulate` leaves a declared URL's confirmation by AWS for the rules (`RuleContext.shared`, as
    `PresignCheck.verdict` caches the verdict there): IPS006 reads it."""
    return ("aws-confirmation", presign_check)


def resolve(inventories: Sequence[Inventory], wanted: Expectation) -> PresignCheck:
    """Find signer and bucket (or access point) in the same inventory; raises UnknownReference naming the closest
    matches."""
    # The ARN of a principal defined here, in the account the configuration is said to deploy to; a principal
    # read from AWS keeps its real ARN, so the reference is tried as written first.
    signer_ref = wanted.signer
    if wanted.account is not None:
        signer_ref = signer_ref.replace(f"::{wanted.account}:", f"::{THIS_ACCOUNT}:", 1)
    try:
        inventory, signer = _principal_as_written_or(inventories, wanted.signer, signer_ref)
    except UnknownReference:
        if not is_principal_arn(wanted.signer):
            raise
        # A signer of another account, named by ARN, signing URLs for a bucket defined here.
        if wanted.bucket_account is not None:
            raise UnknownReference(
                "the signer and the bucket are both outside these inputs: nothing to decide"
            ) from None
        inventory, bucket, access_point = find_bucket(inventories, wanted.bucket, where=wanted.declared_at)
        where = wanted.declared_at or (access_point or bucket).loc
        outside = other_account_principal(inventories, wanted.signer, where)
        return PresignCheck(inventory, outside, bucket, wanted, access_point)
    _, bucket, access_point = find_bucket([inventory], wanted.bucket, wanted.bucket_account, wanted.declared_at)
    return PresignCheck(inventory, signer, bucket, wanted, access_point)


def _principal_as_written_or(
    inventories: Sequence[Inventory], written: str, stand_in: str
) -> tuple[Inventory, PrincipalResource]:
    """The principal `written` names, else the one `stand_in` (the written ARN in the stand-in account) names."""
    if written != stand_in:
        try:
            return find_principal(inventories, written)
        except UnknownReference:
            pass
    return find_principal(inventories, stand_in)


def declared_checks(config: Config, inventories: Sequence[Inventory]) -> tuple[list[PresignCheck], list[InputError]]:
    """The config's `[[presign]]` entries that apply to this run, resolved; mistakes in them are input errors."""
    checks: list[PresignCheck] = []
    errors: list[InputError] = []
    lines = _entry_lines(config.source)
    for index, entry in enumerate(config.presign):
        where = Location(file=_display(config.source), line=lines[index] if index < len(lines) else 1)
        scope = inventories
        if entry.module is not None:
            module = (config.root / entry.module).resolve()
            scope = [inv for inv in inventories if inv.root is not None and Path(inv.root).resolve() == module]
            if not scope:
                continue  # that module is not part of this run (a pre-commit run on other files)
        elif not inventories:
            continue  # nothing Terraform was checked: a policy-JSON-only run
        try:
            wanted = expectation(
                signer=entry.signer,
                bucket=entry.bucket,
                key=entry.key,
                methods=entry.methods,
                expires=entry.expires,
                source_ips=entry.source_ips,
                vpce=entry.vpce,
                version_id=entry.version_id,
                acl=entry.acl,
                sse=entry.sse,
                credentials=entry.credentials,
                bucket_account=entry.bucket_account,
                region=entry.region,
                account=config.account,
                declared_at=where,
            )
            checks.append(resolve(scope, wanted))
        except (ExpectationError, UnknownReference) as error:
            errors.append(InputError(message=f"[[presign]] #{index + 1}: {error}", loc=where))
    return checks, errors


def all_declared_checks(
    config: Config, inventories: Sequence[Inventory]
) -> tuple[list[PresignCheck], list[InputError]]:
    """The run's config declarations, plus those a module's own folder declares (scoped to that module)."""
    checks, errors = declared_checks(config, inventories)
    for inventory in inventories:
        if inventory.root is None:
            continue
        try:
            local = folder_config(Path(inventory.root))
        except ConfigError as error:
            errors.append(InputError(message=str(error), loc=Location(file=inventory.root)))
            continue
        if (
            local is None
            or not local.presign
            or Path(str(local.source)).resolve() == Path(str(config.source)).resolve()
        ):
            continue
        # A module folder's config may say which account it deploys to; otherwise the run's config does.
        local = local if local.account is not None else local.model_copy(update={"account": config.account})
        more_checks, more_errors = declared_checks(local, [inventory])
        checks += more_checks
        errors += more_errors
    return checks, errors


def _display(config_file: str | None) -> str:
    if config_file is None:
        return "config"
    return display_path(Path(config_file))


def _entry_lines(config_file: str | None) -> list[int]:
    """Line of each `[[presign]]` table in the config file (tomllib keeps no positions)."""
    if config_file is None:
        return []
    try:
        text = read_text(Path(config_file), MAX_CONFIG_BYTES)
    except (OSError, UnicodeDecodeError):  # the config was read once already: a failure here costs only line numbers
        return []
    headers = ("[[presign]]", "[[tool.iam-preflight.presign]]")
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().replace(" ", "") in headers]


__all__ = [
    "ExpectationError",
    "PresignCheck",
    "UnknownReference",
    "all_declared_checks",
    "declared_checks",
    "expectation",
    "resolve",
]
