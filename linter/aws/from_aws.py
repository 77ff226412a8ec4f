"""`--from-aws` (issue 14): the deployed state read from AWS (`linter.aws.deployed`) as one more input of a run.

`check --from-aws` reads every user, role and bucket (up to `limit`); `presign --from-aws` reads only the signer and
the bucket it names. Either way the result is a `Loaded`, as a Terraform module's: the deployed policies (each at its
pseudo-file `ARN#...`, see `linter.aws.deployed`) and the inventory, whose `unresolved` entries (a read AWS refused)
are reported as IPN001 notes, once each, and make the verdicts that depend on them uncertain. Nothing here aborts a
run but what stops the whole read (no credentials, no answer): an `AwsCallError`, exit 2 with one line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from linter.aws.client import MAX_ATTEMPTS, AwsCallError, ClientSettings, Fault, aws_client, reading_account
from linter.aws.deployed import DEFAULT_LIMIT, AwsClients, DeployedState, read_deployed
from linter.model import Inventory, Policy
from linter.sources import Loaded

# What `--from-aws` calls, for the README's minimal policy (tests/aws/test_from_aws.py keeps it in step with
# deployed.py). sts:GetCallerIdentity needs no permission.
READ_PERMISSIONS = (
    "iam:GetUser",
    "iam:GetRole",
    "iam:ListUsers",
    "iam:ListRoles",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListUserTags",
    "iam:ListGroupsForUser",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:ListRoleTags",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:ListAccessPoints",
    "s3:GetAccessPoint",
    "s3:GetAccessPointPolicy",
    "s3:GetAccountPublicAccessBlock",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:ListAliases",
    "kms:ListGrants",
)


def aws_clients(settings: ClientSettings) -> AwsClients:
    """The reader's clients, all with `linter.aws.client`'s settings."""
    return AwsClients(*(aws_client(service, settings) for service in AwsClients._fields))


def read_from_aws(
    settings: ClientSettings,
    principals: Sequence[str] = (),
    buckets: Sequence[str] = (),
    *,
    everything: bool = False,
    limit: int = DEFAULT_LIMIT,
    clients: AwsClients | None = None,
) -> DeployedState:
    """The deployed state; raises AwsCallError (one line, no secret) when the read as a whole cannot be made."""
    return reading_account(
        lambda: read_deployed(clients or aws_clients(settings), principals, buckets, everything=everything, limit=limit)
    )


def deployed_input(state: DeployedState) -> Loaded:
    """The deployed state as one input of a run, named `aws account ID`: every policy once, and the inventory."""
    policies = list(_each_once(_policies(state.inventory)))
    files = list(dict.fromkeys(policy.loc.file for policy in policies))
    return Loaded(policies=policies, inventory=state.inventory, files=files, root=state.inventory.root or "")


def notes_to_show(state: DeployedState, unresolved_reported: bool) -> list[str]:
    """Each read note once, as a line for standard error: those the report does not show already. `check` reports
    every read that left something unknown as an IPN001 note (`unresolved_reported`); the rest (a listing cut at
    `limit`, a principal of another account) and, for `presign`, whose report shows only the URL's verdict, all."""
    reported = {item.expression for item in state.inventory.unresolved} if unresolved_reported else set()
    lines = [
        f"iam-preflight: note: --from-aws: {note.render()}"
        for note in state.notes
        if f"{note.permission} {note.resource}" not in reported
    ]
    return list(dict.fromkeys(lines))


def _each_once(policies: Iterator[Policy]) -> Iterator[Policy]:
    seen: set[str] = set()
    for policy in policies:
        if policy.loc.file not in seen:  # a managed or group policy is attached to several principals
            seen.add(policy.loc.file)
            yield policy


def _policies(inventory: Inventory) -> Iterator[Policy]:
    for principal in inventory.principals:
        attached = [*principal.policies, *([principal.boundary] if principal.boundary else [])]
        yield from (item.policy for item in attached if item.policy is not None)
        if principal.trust is not None:
            yield principal.trust
    yield from inventory.managed_policies.values()
    held = [*(b.policy for b in inventory.buckets), *(a.policy for a in inventory.access_points)]
    yield from (policy for policy in [*held, *(k.policy for k in inventory.keys)] if policy is not None)


# `explain-url --from-aws`: who signed the URL, from its access key id (never shown in full: `mask_key`).
KEY_USER_PERMISSION = "iam:GetAccessKeyLastUsed"  # a long-term key (AKIA...): its user
KEY_ACCOUNT_PERMISSION = "sts:GetAccessKeyInfo"  # a temporary key (ASIA...): its account only


def key_user(settings: ClientSettings, key_id: str, shown: str, clients: AwsClients | None = None) -> str:
    """The ARN of the IAM user a long-term access key belongs to (`shown`: the key id masked, for messages); raises
    AwsCallError (one line) when AWS cannot tell: refused, or a key of no user of the account the credentials read."""
    from botocore.exceptions import ClientError  # lazy: as in linter.aws.client

    readers = clients or aws_clients(settings)

    def read() -> str:
        try:
            user = str(readers.iam.get_access_key_last_used(AccessKeyId=key_id).get("UserName") or "")
        except ClientError as error:
            raise _lookup_error(error, KEY_USER_PERMISSION, shown) from None
        if not user:
            raise AwsCallError(Fault.NO_SUCH_PRINCIPAL, f"AWS names no user for access key {shown}: pass --signer ARN")
        try:  # the user's own ARN, its path included (`user/team/name`), as the deployed read names it
            return str(readers.iam.get_user(UserName=user)["User"]["Arn"])
        except ClientError:  # iam:GetUser refused here: the deployed read will say so; the path-less ARN
            account = str(readers.sts.get_caller_identity()["Account"])
            return f"arn:aws:iam::{account}:user/{user}"

    return reading_account(read)


def key_account(settings: ClientSettings, key_id: str, shown: str, clients: AwsClients | None = None) -> str:
    """The account a (temporary) access key belongs to; raises AwsCallError (one line) when AWS cannot tell."""
    from botocore.exceptions import ClientError  # lazy: as in linter.aws.client

    readers = clients or aws_clients(settings)

    def read() -> str:
        try:
            return str(readers.sts.get_access_key_info(AccessKeyId=key_id)["Account"])
        except ClientError as error:
            raise _lookup_error(error, KEY_ACCOUNT_PERMISSION, shown) from None

    return reading_account(read)


def _lookup_error(error: Any, permission: str, shown: str) -> AwsCallError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in ("AccessDenied", "AccessDeniedException"):
        message = f"AWS refused to look up access key {shown}: the credentials in use lack {permission} (AccessDenied)"
        return AwsCallError(Fault.ACCESS_DENIED, message)
    if code in ("NoSuchEntity", "NoSuchEntityException"):
        message = (
            f"access key {shown} is no key of a user of the account the credentials read (NoSuchEntity): "
            "pass --signer ARN, or read with credentials of the signer's account"
        )
        return AwsCallError(Fault.NO_SUCH_PRINCIPAL, message)
    # Throttling and refused credentials: as every read of the account answers them (the messages may quote ARNs).
    if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
        return AwsCallError(Fault.UNREACHABLE, f"AWS kept throttling after {MAX_ATTEMPTS} attempts ({code})")
    message = f"AWS did not accept the credentials in use ({code or 'error'}): refresh or replace them"
    return AwsCallError(Fault.NO_CREDENTIALS, message)
