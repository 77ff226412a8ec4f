"""KMS grants that may let the signer use a key: sure only for a grant to this very user with the operation listed
and no constraints (KMS Developer Guide, grants). Grants to a role are not read as covering the sessions that sign
URLs (iam-semantics does not settle it), nor grants to an account. Not a door itself: doors/kms.py asks it; why a
grant is in doubt is data (causes.GrantDoubt), worded by wording."""

from __future__ import annotations

from linter.model import THIS_ACCOUNT, KmsGrant, KmsKey, PrincipalResource, Text
from linter.presign.causes import Doubt, GrantDoubt


def grants_for(
    signer: PrincipalResource, key: KmsKey, action: str
) -> tuple[KmsGrant | None, list[tuple[KmsGrant, list[GrantDoubt]]]]:
    """A grant on the key that lets the signer do `action` for sure, if any; else the grants that may, and why."""
    operation = action.split(":", 1)[1]
    doubtful = []
    for grant in key.grants:
        doubts = []
        if grant.operations is None:
            doubts.append(GrantDoubt(Doubt.OPERATIONS_UNRESOLVED))
        elif operation not in grant.operations:
            continue
        grantee = _grantee_doubt(grant.grantee, signer)
        if grantee is False:
            continue
        if grantee is not True:
            doubts.append(grantee)
        if grant.constrained:
            doubts.append(GrantDoubt(Doubt.CONSTRAINED))
        if not grant.key_known:
            doubts.append(GrantDoubt(Doubt.KEY_UNRESOLVED))
        if not doubts:
            return grant, []
        doubtful.append((grant, doubts))
    return None, doubtful


def _grantee_doubt(grantee: Text, signer: PrincipalResource) -> bool | GrantDoubt:
    """True: the grant names this user; False: someone else; otherwise why it may name the signer."""
    if grantee.is_unknown:
        return GrantDoubt(Doubt.GRANTEE_UNRESOLVED, grantee=grantee.unresolved or "")
    if signer.arn is None:
        return GrantDoubt(Doubt.SIGNER_ARN_UNKNOWN)
    written, own = grantee.value, signer.arn
    if written == own:
        return True if signer.type == "user" else GrantDoubt(Doubt.NAMES_THE_ROLE)
    parts = written.split(":")
    if len(parts) < 6 or parts[2] != "iam":
        return False
    account, resource = parts[4], parts[5]
    # The configuration's own account is a stand-in: an id written out may be it (see presign/readings.py).
    same_account = account == signer.account or THIS_ACCOUNT in (account, signer.account)
    if not same_account:
        return False
    if resource == "root":
        return GrantDoubt(Doubt.NAMES_THE_ACCOUNT)
    if resource == own.split(":", 5)[-1]:
        return GrantDoubt(Doubt.NAMES_THE_SIGNER_BY_ACCOUNT_ID, account=account)
    return False
