"""AWS CLI outputs -> the policies they carry, as an engineer saves them while debugging an AccessDenied.

    aws iam get-policy-version     {"PolicyVersion": {"Document": {...}, "VersionId": "v3", ...}}       identity
    aws iam get-role-policy        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": {...}}         identity
      (get-user-policy, get-group-policy: UserName, GroupName)
    aws iam get-role               {"Role": {"RoleName": "r", ..., "AssumeRolePolicyDocument": {...}}}  trust
    aws s3api get-bucket-policy    {"Policy": "<the policy as a JSON string>"}                           resource
    aws kms get-key-policy         {"Policy": "<the policy as a JSON string>", "PolicyName": "default"}  key

The CLI prints IAM's documents decoded (botocore's `json_decode_policies`); the API itself returns them as
URL-encoded (RFC 3986) strings, which are read too. A document held in a string keeps its positions in the file
(`embedded_json.parse_embedded`). The shapes are the operations' outputs in botocore's service models (iam 2010-05-08,
s3 2006-03-01, kms 2014-11-01).
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from linter.model import InputError, Location, Policy, PolicyKind
from linter.sources import Loaded
from linter.sources.embedded_json import parse_embedded
from linter.sources.jsonpos import JNode, JObject, JScalar, JsonSyntaxError, is_string
from linter.sources.policy_document import build_policy, file_locator, looks_like_policy

# get-role-policy, get-user-policy and get-group-policy name the principal the inline policy is embedded in.
_INLINE_OWNERS = ("RoleName", "UserName", "GroupName")


class Carried(NamedTuple):
    """A policy document an output carries, as written in it (an object, or a string holding the document)."""

    document: JObject | JScalar
    kind: PolicyKind | None  # None: a bucket or a key policy, told apart by its content (`_bucket_or_key`)


def carried_document(root: JNode) -> Carried | None:
    """The policy document of a recognised AWS CLI output, or None for any other JSON."""
    if not isinstance(root, JObject):
        return None
    version = root.get("PolicyVersion")
    if isinstance(version, JObject) and (document := _document(version.get("Document"))) is not None:
        return Carried(document, PolicyKind.IDENTITY)
    if (
        (document := _document(root.get("PolicyDocument"))) is not None
        and root.get("PolicyName") is not None
        and any(root.get(owner) is not None for owner in _INLINE_OWNERS)
    ):
        return Carried(document, PolicyKind.IDENTITY)
    role = root.get("Role")
    if isinstance(role, JObject) and (document := _document(role.get("AssumeRolePolicyDocument"))) is not None:
        return Carried(document, PolicyKind.TRUST)
    document = _document(root.get("Policy"))
    # `aws iam get-policy` prints {"Policy": {"PolicyName": ..., "Arn": ...}}: metadata, no document.
    if document is not None and (isinstance(document, JScalar) or looks_like_policy(document)):
        # KMS has named its key policies in GetKeyPolicy's output since 2024; older CLIs print the Policy alone.
        return Carried(document, PolicyKind.KEY if root.get("PolicyName") is not None else None)
    return None


def _document(node: JNode | None) -> JObject | JScalar | None:
    """`node` when it is a policy document: an object, or a string that holds one (as JSON text, or URL-encoded JSON
    text as IAM's API returns it)."""
    if isinstance(node, JObject):
        return node
    if isinstance(node, JScalar) and is_string(node.value):
        start = str(node.value).lstrip()
        if start.startswith("{") or start[:3].upper() == "%7B":
            return node
    return None


def load_cli_output(carried: Carried, text: str, display: str, kind: PolicyKind | None) -> Loaded:
    """The policy an output carries; `kind` (from --kind or the config) wins over the one the command tells."""
    document: JNode = carried.document
    if isinstance(document, JScalar):
        try:
            document = parse_embedded(text, document)
        except JsonSyntaxError as error:
            where = Location(file=display, line=error.line, column=error.column)
            return Loaded(errors=[InputError(message=f"invalid JSON in the policy string: {error.message}", loc=where)])
    policy = build_policy(document, display, file_locator(display), kind or carried.kind)
    if kind is None and carried.kind is None:
        policy = _bucket_or_key(policy)
    return Loaded(policies=[policy], files=[display])


def _bucket_or_key(policy: Policy) -> Policy:
    """`{"Policy": "..."}` is a bucket policy (s3api) or a key policy (an older kms CLI): a key policy when its
    content says so, else a bucket policy, never an identity or trust policy, which neither command returns."""
    if policy.kind in (PolicyKind.RESOURCE, PolicyKind.KEY):
        return policy
    return replace(policy, kind=PolicyKind.RESOURCE)
