"""The tags a pre-signed request carries: the signer's (`aws:PrincipalTag/<key>`) and the object's
(`s3:ExistingObjectTag/<key>`), as far as the configuration says.

- The signer's tags are configuration: `tags` on its `aws_iam_user` / `aws_iam_role` over the provider's
  default_tags (`PrincipalResource.tags`). IAM User Guide, access_iam-tags: "Tags can be attached to the IAM
  resource, passed in the request, or attached to the principal that is making the request." A tag the
  configuration does not give is absent from the request; a value Terraform resolves only at apply, or a signer not
  defined here, leaves the key unknown.
- A role's session may carry session tags too: IAM User Guide, id_session-tags: "When you use the session
  credentials to make a subsequent request, the request context includes the aws:PrincipalTag context key", with
  tags from "Session tags", "Incoming transitive session tags" and "IAM tags - The tags attached to your IAM assumed
  role"; a session tag overrides the role's tag of the same key (same page, "Things to know about session tags").
  Passing them needs sts:TagSession in the role's trust policy ("Permissions required to add session tags"): when
  the trust policy allows it, every principal tag key is unknown; when it does not, AssumeRole with tags is refused
  and the role's own tags are the session's.
- An object's tags are data, not configuration: S3 User Guide, tagging-and-policies: "s3:ExistingObjectTag/<tag-key>
  - Use this condition key to verify that an existing object tag has the specific tag key and value." Which objects
  carry a tag is never known offline, so the key is unknown for the actions that read it. The same page: "When
  granting permissions for the PUT Object and DELETE Object operations, this condition key is not supported": a PUT
  URL's request does not carry it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, auto
from typing import NamedTuple

from linter.engine.context import UNKNOWN, ContextInput
from linter.engine.matching import compile_any, glob_source
from linter.model import Policy, PrincipalResource, Text

PRINCIPAL_TAG = "aws:principaltag/"
OBJECT_TAG = "s3:existingobjecttag/"
# The object actions of a pre-signed URL whose request carries the object's existing tags.
OBJECT_TAG_ACTIONS = frozenset({"s3:getobject", "s3:getobjectversion", "s3:putobjectacl"})


class TagDoubt(Enum):
    """Why a tag condition key of the request is unknown."""

    OBJECT_TAGS = auto()  # s3:ExistingObjectTag: the object's tags are data
    SIGNER_UNDEFINED = auto()  # the signer is not defined here: its tags are not known
    TAGS_UNRESOLVED = auto()  # its `tags` (or default_tags) are not resolved as a whole
    VALUE_UNRESOLVED = auto()  # this tag's value is resolved only at apply
    SESSION_TAGS = auto()  # the role's trust policy allows sts:TagSession


class UnknownTag(NamedTuple):
    """A tag key of the request left unknown, and why (`expr`: the unresolved expression, for VALUE_UNRESOLVED)."""

    key: str  # the condition key as a policy writes it (`aws:PrincipalTag/team`)
    doubt: TagDoubt
    expr: str = ""


def _keys(policies: Iterable[Policy | None], prefix: str) -> dict[str, str]:
    """The condition keys with this prefix the policies name, lower-cased -> as first written."""
    found: dict[str, str] = {}
    for policy in policies:
        for statement in policy.statements if policy else []:
            for condition in statement.conditions:
                if not condition.key.is_unknown and condition.key.value.lower().startswith(prefix):
                    found.setdefault(condition.key.value.lower(), condition.key.value)
    return found


def allows_session_tags(role: PrincipalResource) -> bool:
    """Whether the role's trust policy lets a caller pass session tags (an Allow of sts:TagSession); an unreadable
    trust policy may."""
    if role.trust is None:
        return True
    for statement in role.trust.statements:
        if not statement.is_allow or statement.action is None:
            continue
        if any(a.is_unknown for a in statement.action):
            return True
        patterns = tuple(glob_source(a.value) for a in statement.action)
        if patterns and compile_any(patterns, ignore_case=True).fullmatch("sts:TagSession"):
            return True
    return False


def _principal_tags(signer: PrincipalResource) -> tuple[dict[str, Text] | None, TagDoubt | None]:
    """The signer's tags by lower-cased key, or None and why they are not known."""
    if not signer.defined:
        return None, TagDoubt.SIGNER_UNDEFINED
    if signer.tags is None:
        return None, TagDoubt.TAGS_UNRESOLVED
    if signer.type == "role" and allows_session_tags(signer):
        return None, TagDoubt.SESSION_TAGS
    return {key.lower(): value for key, value in signer.tags.items()}, None


def tag_keys(
    signer: PrincipalResource, action: str, policies: Iterable[Policy | None]
) -> tuple[dict[str, ContextInput], list[UnknownTag]]:
    """The tag condition keys the policies name, as the request carries them (absent keys are left out), and those
    left unknown with why."""
    policies = list(policies)
    keys: dict[str, ContextInput] = {}
    unknown: list[UnknownTag] = []
    named = _keys(policies, PRINCIPAL_TAG)
    if named:
        tags, doubt = _principal_tags(signer)
        for lowered, written in named.items():
            if tags is None:
                assert doubt is not None
                keys[lowered] = UNKNOWN
                unknown.append(UnknownTag(written, doubt))
                continue
            value = tags.get(lowered.removeprefix(PRINCIPAL_TAG))
            if value is None:
                continue  # the signer has no such tag: the key is absent from the request
            if value.is_unknown:
                keys[lowered] = UNKNOWN
                unknown.append(UnknownTag(written, TagDoubt.VALUE_UNRESOLVED, value.unresolved or ""))
            else:
                keys[lowered] = value.value
    if action.lower() in OBJECT_TAG_ACTIONS:
        for lowered, written in _keys(policies, OBJECT_TAG).items():
            keys[lowered] = UNKNOWN
            unknown.append(UnknownTag(written, TagDoubt.OBJECT_TAGS))
    return keys, unknown
