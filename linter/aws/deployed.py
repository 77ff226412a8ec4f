"""The deployed state, read from AWS into the same `Inventory` the Terraform source builds (issue 14, `--from-aws`).

Every offline rule and the pre-flight then run on what is really deployed. The reader only reads (Get*, List*,
Describe*), takes its AWS clients from its caller (`AwsClients`: tests hand it moto's, the CLI real ones) and never
aborts: a read AWS refuses makes what depends on it unknown, as the Terraform source marks an unresolved value
(`Text.unresolved`, a policy whose statement is all unknown, a Block Public Access flag of None), and adds a
`ReadNote` naming the permission that was missing. Pre-flight verdicts on such an inventory are then "uncertain",
never guessed.

What is read:
- principals: the users and roles asked for (by ARN, `user/NAME`, `role/NAME` or a bare name), or every user and
  role up to `limit` with `everything`; for each, what a verdict needs: inline policies, attached managed policies
  (their default version), the groups of a user with the groups' policies (copied onto the user, `via` naming the
  group, as the Terraform source does), the permissions boundary, tags, and a role's trust policy and maximum session.
- buckets: the buckets asked for (or every bucket up to `limit`): region, bucket policy, Public Access Block, default
  encryption with its KMS key (key policy, aliases, grants), Object Ownership, and the bucket's access points (policy,
  Block Public Access, VPC). The account's Public Access Block (s3control) is read once.

Locations. A deployed policy has no file. Each policy's `Location.file` names where AWS holds it: the ARN of the
resource that holds the document and, after `#`, which document (IAM names and ARNs never contain `#`):

    arn:aws:iam::123456789012:user/user-two#inline/list-buckets      a user's (group's, role's) inline policy
    arn:aws:iam::123456789012:policy/reader#v3                       a managed policy's default version
    arn:aws:iam::123456789012:role/api#trust                         a role's trust policy
    arn:aws:s3:::presign-demo#policy                                 a bucket policy
    arn:aws:s3:us-east-1:123456789012:accesspoint/ap#policy          an access point policy
    arn:aws:kms:us-east-1:123456789012:key/KEY-ID#policy/default     a key policy

Lines and columns are positions in the document as AWS returns it, re-serialised as `json.dumps(document,
indent=2, ensure_ascii=False)` (members in AWS's order): a stable text whatever spacing the policy was written with.
`DeployedState.documents` holds those texts by file, so that a report can quote the lines it points at.
`Location.address` is the ARN of the resource (the policy's, for a managed policy). Nodes that are no policy (a
principal, a bucket, its Block Public Access) point at line 1 of their resource's ARN (`#public-access-block`,
`#encryption` for the bucket's settings; `aws:s3control:account/ID#public-access-block` for the account's, which has
no ARN). A KMS key's address is its key id (`KmsKey.arn` is then its ARN, read as this account's), a grant's
`KEY-ARN#grant/GRANT-ID`. A value that could not be read is unknown with the expression `PERMISSION RESOURCE`
(`s3:GetBucketPolicy arn:aws:s3:::presign-demo`), the same as the `Unresolved` note the inventory carries for it.

Accounts. The inventory is in the account the credentials belong to (sts:GetCallerIdentity, which needs no
permission): its principals and buckets have `account` THIS_ACCOUNT, as a Terraform root module's do, while ARNs and
policies keep the real account id as AWS writes it. Run the pre-flight with `Expectation(account=state.account)`, so
that written ids of that account are read as this inventory's own (`linter.presign.readings`), as `--account` does
for a Terraform configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import unquote

from linter.model import (
    THIS_ACCOUNT,
    AccessPoint,
    AttachedPolicy,
    Bucket,
    Encryption,
    Inventory,
    KmsGrant,
    KmsKey,
    Location,
    Policy,
    PolicyKind,
    PrincipalResource,
    PublicAccessBlock,
    Text,
    Unresolved,
)
from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, JsonSyntaxError, Span, parse
from linter.sources.policy_document import build_policy, file_locator

# How many users, roles and buckets `everything` reads at most: enough for an account a person reviews, bounded so
# that an organization-sized account costs a known number of calls. Past it, a note says what was left out.
DEFAULT_LIMIT = 200

# Error codes that mean "there is none", not "you may not know": an absent policy or setting is a fact.
_ABSENT_CODES = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchPublicAccessBlockConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "OwnershipControlsNotFoundError",
        "NoSuchAccessPointPolicy",
    }
)

# A bucket with no Object Ownership setting behaves as ObjectWriter: S3 applies BucketOwnerEnforced only to buckets
# created (or set) since April 2023, and then GetBucketOwnershipControls answers with it (S3 User Guide,
# about-object-ownership).
_NO_OWNERSHIP_CONTROLS = "ObjectWriter"


class AwsClients(NamedTuple):
    """The boto3 clients the reader calls (any object with the same methods and paginators will do)."""

    iam: Any
    s3: Any
    s3control: Any
    kms: Any
    sts: Any


class ReadNote(NamedTuple):
    """A read that did not give its answer: what stays unknown, and the permission (or the reason) why."""

    permission: str  # the IAM action the call needs, e.g. "s3:GetBucketPolicy"
    resource: str  # the ARN (or name) it was called on
    code: str  # AWS's error code: "AccessDenied", "NoSuchEntity", ... or "Truncated" for a bounded listing
    message: str  # what is unknown (or left out) because of it

    def render(self) -> str:
        return f"{self.permission} on {self.resource}: {self.code}; {self.message}"


class DeployedState(NamedTuple):
    inventory: Inventory
    account: str  # the account the credentials belong to; pass it as `Expectation.account`
    notes: list[ReadNote]
    documents: dict[str, str]  # a policy's Location.file -> the text its lines and columns are in


class _Refused(NamedTuple):
    """AWS's refusal of one read (its message is left out: it may quote the caller's ARN, and the code says enough)."""

    code: str


_AwsCall = Callable[..., Any]


def read_deployed(
    clients: AwsClients,
    principals: Sequence[str] = (),
    buckets: Sequence[str] = (),
    *,
    everything: bool = False,
    limit: int = DEFAULT_LIMIT,
) -> DeployedState:
    """Read the principals and buckets named (every user, role and bucket up to `limit` with `everything`).

    For `presign --signer ARN --bucket B`, name the signer and the bucket: that is all a verdict reads. For `check`,
    `everything`. Never raises for a refused or failed read of one resource; errors that are no AWS answer (a bug,
    a network failure) propagate.
    """
    reader = _Reader(clients)
    return reader.read(principals, buckets, everything, limit)


class _Reader:
    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        self.account = clients.sts.get_caller_identity()["Account"]
        self.notes: list[ReadNote] = []
        self.unresolved: list[Unresolved] = []
        self.documents: dict[str, str] = {}
        self.managed: dict[str, Policy | None] = {}  # managed policy ARN -> its default version (None: unread)
        self.groups: dict[str, PrincipalResource] = {}  # group ARN -> group, read once for all its users

    # --- the read as a whole ------------------------------------------------------------------------------------------

    def read(self, principals: Sequence[str], buckets: Sequence[str], everything: bool, limit: int) -> DeployedState:
        wanted = [self._principal_reference(reference) for reference in principals]
        bucket_names = list(buckets)
        if everything:
            iam, s3 = self.clients.iam, self.clients.s3
            wanted += [
                ("user", name) for name in self._listed(iam, "iam:ListUsers", "list_users", "Users", "UserName", limit)
            ]
            wanted += [
                ("role", name) for name in self._listed(iam, "iam:ListRoles", "list_roles", "Roles", "RoleName", limit)
            ]
            bucket_names += self._listed(s3, "s3:ListAllMyBuckets", "list_buckets", "Buckets", "Name", limit)
        read_principals: list[PrincipalResource] = []
        for kind, name in dict.fromkeys(w for w in wanted if w is not None):
            if kind == "any":
                principal = self._any(name)
            else:
                answer = self._get(kind, name)
                principal = self._user(name, answer) if kind == "user" else self._role(name, answer)
            if principal is not None:
                read_principals.append(principal)
        read_buckets: list[Bucket] = []
        keys: dict[str, KmsKey] = {}
        access_points: list[AccessPoint] = []
        for name in dict.fromkeys(bucket_names):
            bucket = self._bucket(name)
            if bucket is None:
                continue
            read_buckets.append(bucket)
            if bucket.encryption is not None and bucket.encryption.kms_key is not None:
                key = self._key(bucket.encryption.kms_key.value)
                keys.setdefault(key.address, key)
            access_points += self._access_points(bucket)
        inventory = Inventory(
            root=f"aws account {self.account}",
            principals=[*read_principals, *self.groups.values()],
            managed_policies={arn: policy for arn, policy in self.managed.items() if policy is not None},
            buckets=read_buckets,
            access_points=access_points,
            keys=list(keys.values()),
            account_public_access_block=self._account_public_access_block() if bucket_names else None,
            unresolved=self.unresolved,
        )
        return DeployedState(inventory, self.account, self.notes, self.documents)

    def _principal_reference(self, reference: str) -> tuple[str, str] | None:
        """(kind, name) for a principal reference: an IAM user or role ARN, a role session's ARN, `user/NAME`,
        `role/NAME`, or a bare name ("any": a user, else a role)."""
        if reference.startswith("arn:"):
            parts = reference.split(":", 5)
            account, resource = (parts[4], parts[5]) if len(parts) == 6 else ("", "")
            if account != self.account:
                # The credentials read one account; another's principals need credentials there.
                self._note(
                    "sts:GetCallerIdentity", reference, "OtherAccount", "another account's principal: not read", False
                )
                return None
            kind, _, path = resource.partition("/")
            if kind == "assumed-role":
                return ("role", path.split("/")[0])
            if kind in ("user", "role") and path:
                return (kind, path.rsplit("/", 1)[-1])  # the name is the last part of a path
            self._note("sts:GetCallerIdentity", reference, "NotAPrincipal", "not a user or role ARN: not read", False)
            return None
        kind, _, name = reference.partition("/")
        if kind in ("user", "role") and name:
            return (kind, name)
        return ("any", reference)

    # --- AWS calls ----------------------------------------------------------------------------------------------------

    def _call(
        self,
        permission: str,
        resource: str,
        what: str,
        call: _AwsCall,
        absent: frozenset[str] = _ABSENT_CODES,
        **params: Any,
    ) -> Any | _Refused | None:
        """The response, None when AWS says there is none (`absent` codes), or `_Refused` (noted) when it refuses."""
        try:
            return call(**params)
        except Exception as error:
            refused = _refusal(error)
            if refused is None:
                raise
            if refused.code in absent:
                return None
            self._note(permission, resource, refused.code, f"unknown: {what}")
            return refused

    def _pages(
        self, permission: str, resource: str, what: str, client: Any, operation: str, key: str, **params: Any
    ) -> list[Any] | _Refused:
        """Every item of a paginated listing (boto3's paginator follows Marker/NextToken), or `_Refused`."""
        try:
            return [item for page in client.get_paginator(operation).paginate(**params) for item in page.get(key, [])]
        except Exception as error:
            refused = _refusal(error)
            if refused is None:
                raise
            self._note(permission, resource, refused.code, f"unknown: {what}")
            return refused

    def _listed(self, client: Any, permission: str, operation: str, key: str, field: str, limit: int) -> list[str]:
        """The names an account-wide listing gives (`everything`), at most `limit` of them, with a note when the
        bound cuts it: pages are fetched only until one more than the bound is seen."""
        found: list[str] = []
        account = f"account {self.account}"
        try:
            for page in client.get_paginator(operation).paginate():
                found += [item[field] for item in page.get(key, [])]
                if len(found) > limit:
                    break
        except Exception as error:
            refused = _refusal(error)
            if refused is None:
                raise
            self._note(permission, account, refused.code, f"unknown: which {key.lower()} exist")
        if len(found) > limit:
            self._note(permission, account, "Truncated", f"only the first {limit} {key.lower()} were read", False)
        return found[:limit]

    def _note(self, permission: str, resource: str, code: str, message: str, unknown: bool = True) -> None:
        """A note for the caller; when something became unknown, also the model's `Unresolved`, which `check`
        reports as the Terraform source's unresolved values are."""
        self.notes.append(ReadNote(permission, resource, code, message))
        if unknown:
            denied = f"{code}: the credentials that read the account may not call {permission}"
            reason = denied if _is_denial(code) else f"{code}: {message}"
            self.unresolved.append(Unresolved(expression=f"{permission} {resource}", loc=_at(resource), reason=reason))

    # --- policies -----------------------------------------------------------------------------------------------------

    def _policy(self, raw: str | dict[str, Any], file: str, address: str, kind: PolicyKind) -> Policy:
        """A policy document as AWS returns it (an object, JSON text, or IAM's URL-encoded JSON text), with positions
        in its re-serialised text."""
        try:
            text = _document_text(raw)
            root = parse(text)
        except (ValueError, JsonSyntaxError) as error:  # AWS stores only valid JSON: a garbled answer is no policy
            self._note("(reading the document)", file, "MalformedDocument", f"unknown: the policy ({error})")
            return self._unknown_policy(file, address, kind, f"{file} (malformed)")
        self.documents[file] = text
        return build_policy(root, file, file_locator(file, address), kind)

    def _unknown_policy(self, file: str, address: str, kind: PolicyKind, expression: str) -> Policy:
        """A policy that exists (or may) but could not be read: one statement whose every element is unknown, as the
        Terraform source builds for a policy it cannot resolve, so that verdicts on it are uncertain."""
        span = Span(1, 1, 1, 1)

        def unknown() -> JScalar:
            return JScalar("${" + expression + "}", span, unresolved=expression)

        members = [
            JMember("Effect", span, unknown()),
            JMember("Action", span, unknown()),
            JMember("Resource", span, unknown()),
        ]
        if kind.takes_principal:
            members.append(JMember("Principal", span, JObject([JMember("AWS", span, unknown())], span)))
        statement: JNode = JObject(members, span)
        root = JObject(
            [JMember("Version", span, unknown()), JMember("Statement", span, JArray([statement], span))], span
        )
        return build_policy(root, file, file_locator(file, address), kind)

    def _inline_policies(
        self, holder: str, arn: str, list_operation: str, get_operation: str, name_param: str
    ) -> list[AttachedPolicy]:
        """A user's, group's or role's inline policies (iam:List*Policies, iam:Get*Policy)."""
        iam = self.clients.iam
        noun = holder.capitalize()
        names = self._pages(
            f"iam:List{noun}Policies",
            arn,
            "its inline policies",
            iam,
            list_operation,
            "PolicyNames",
            **{name_param: arn.rsplit("/", 1)[-1]},
        )
        if isinstance(names, _Refused):
            file = f"{arn}#inline/*"
            policy = self._unknown_policy(file, arn, PolicyKind.IDENTITY, f"iam:List{noun}Policies {arn}")
            return [
                AttachedPolicy(policy=policy, via="inline", ref=_unknown_text(f"iam:List{noun}Policies {arn}", arn))
            ]
        attached = []
        for name in names:
            file = f"{arn}#inline/{name}"
            answer = self._call(
                f"iam:Get{noun}Policy",
                file,
                "the inline policy",
                getattr(iam, get_operation),
                **{name_param: arn.rsplit("/", 1)[-1], "PolicyName": name},
            )
            if isinstance(answer, dict):
                policy = self._policy(answer["PolicyDocument"], file, arn, PolicyKind.IDENTITY)
            else:
                policy = self._unknown_policy(file, arn, PolicyKind.IDENTITY, f"iam:Get{noun}Policy {file}")
            attached.append(AttachedPolicy(policy=policy, via="inline", ref=_text(name, _at(arn))))
        return attached

    def _attached_policies(self, holder: str, arn: str, list_operation: str, name_param: str) -> list[AttachedPolicy]:
        """A user's, group's or role's attached managed policies, each as its default version."""
        noun = holder.capitalize()
        listed = self._pages(
            f"iam:ListAttached{noun}Policies",
            arn,
            "its managed policies",
            self.clients.iam,
            list_operation,
            "AttachedPolicies",
            **{name_param: arn.rsplit("/", 1)[-1]},
        )
        if isinstance(listed, _Refused):
            expression = f"iam:ListAttached{noun}Policies {arn}"
            policy = self._unknown_policy(f"{arn}#managed/*", arn, PolicyKind.IDENTITY, expression)
            return [AttachedPolicy(policy=policy, via="managed", ref=_unknown_text(expression, arn))]
        return [self._managed(item["PolicyArn"], via="managed", holder=arn) for item in listed]

    def _managed(self, policy_arn: str, via: str, holder: str) -> AttachedPolicy:
        """A managed policy by ARN, as its default version (iam:GetPolicy, iam:GetPolicyVersion). Unread: the
        attachment names the ARN with no policy, which the pre-flight reads as unknown (or, for an AWS-managed
        policy, as the copy it ships with)."""
        if policy_arn not in self.managed:
            self.managed[policy_arn] = self._default_version(policy_arn)
        return AttachedPolicy(policy=self.managed[policy_arn], via=via, ref=_text(policy_arn, _at(holder)))

    def _default_version(self, policy_arn: str) -> Policy | None:
        iam = self.clients.iam
        meta = self._call(
            "iam:GetPolicy", policy_arn, "the policy's default version", iam.get_policy, PolicyArn=policy_arn
        )
        if not isinstance(meta, dict):
            return None
        version = meta["Policy"]["DefaultVersionId"]
        answer = self._call(
            "iam:GetPolicyVersion",
            policy_arn,
            f"the policy's version {version}",
            iam.get_policy_version,
            PolicyArn=policy_arn,
            VersionId=version,
        )
        if not isinstance(answer, dict):
            return None
        return self._policy(
            answer["PolicyVersion"]["Document"], f"{policy_arn}#{version}", policy_arn, PolicyKind.IDENTITY
        )

    def _boundary(self, holder: str, described: dict[str, Any] | None, read_by: str) -> AttachedPolicy | None:
        """The permissions boundary Get{User,Role} names; unknown (no policy, ARN unresolved) when that was refused."""
        if described is None:
            return AttachedPolicy(policy=None, via="boundary", ref=_unknown_text(f"{read_by} {holder}", holder))
        boundary = described.get("PermissionsBoundary")
        if not boundary:
            return None
        return self._managed(boundary["PermissionsBoundaryArn"], via="boundary", holder=holder)

    def _tags(self, permission: str, holder: str, operation: str, **params: Any) -> dict[str, Text] | None:
        listed = self._pages(permission, holder, "its tags", self.clients.iam, operation, "Tags", **params)
        if isinstance(listed, _Refused):
            return None
        return {tag["Key"]: _text(tag["Value"], _at(holder)) for tag in listed}

    # --- principals ---------------------------------------------------------------------------------------------------

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:iam::{self.account}:{kind}/{name}"

    def _get(self, kind: str, name: str) -> Any | _Refused | None:
        """iam:GetUser or iam:GetRole; None when there is no such principal."""
        call = self.clients.iam.get_user if kind == "user" else self.clients.iam.get_role
        permission = f"iam:Get{kind.capitalize()}"
        params = {f"{kind.capitalize()}Name": name}
        return self._call(
            permission, self._arn(kind, name), f"the {kind}", call, _ABSENT_CODES | {"NoSuchEntity"}, **params
        )

    def _not_found(self, kind: str, name: str) -> None:
        self._note(f"iam:Get{kind.capitalize()}", self._arn(kind, name), "NoSuchEntity", f"no such {kind}", False)

    def _any(self, name: str) -> PrincipalResource | None:
        """A bare name: the user of that name, else the role (IAM keeps the two namespaces apart)."""
        answer = self._get("user", name)
        if answer is not None:  # a user, or GetUser refused: read as the user it names (GetRole may be refused too)
            return self._user(name, answer)
        answer = self._get("role", name)
        if answer is None:
            self._note("iam:GetUser", name, "NoSuchEntity", "no user or role of that name", False)
            return None
        return self._role(name, answer)

    def _user(self, name: str, answer: Any | _Refused | None) -> PrincipalResource | None:
        if answer is None:
            self._not_found("user", name)
            return None
        iam = self.clients.iam
        described = answer["User"] if isinstance(answer, dict) else None
        arn = described["Arn"] if described else self._arn("user", name)
        policies = [
            *self._inline_policies("user", arn, "list_user_policies", "get_user_policy", "UserName"),
            *self._attached_policies("user", arn, "list_attached_user_policies", "UserName"),
        ]
        groups = self._pages(
            "iam:ListGroupsForUser", arn, "its groups", iam, "list_groups_for_user", "Groups", UserName=name
        )
        group_arns: list[str] = []
        if isinstance(groups, _Refused):
            expression = f"iam:ListGroupsForUser {arn}"
            unknown = self._unknown_policy(f"{arn}#groups/*", arn, PolicyKind.IDENTITY, expression)
            policies.append(AttachedPolicy(policy=unknown, via="group (unknown)", ref=_unknown_text(expression, arn)))
        else:
            for item in groups:
                group = self._group(item["GroupName"], item["Arn"])
                group_arns.append(group.address)
                # The user's own policies and its groups' are one set to IAM: they are carried on the user, as the
                # Terraform source does, naming the group they come through.
                policies += [a.model_copy(update={"via": f"group {group.address} ({a.via})"}) for a in group.policies]
        return PrincipalResource(
            type="user",
            name=_text(name, _at(arn)),
            address=arn,
            loc=_at(arn),
            arn=arn,
            policies=policies,
            groups=group_arns,
            boundary=self._boundary(arn, described, "iam:GetUser"),
            account=THIS_ACCOUNT,
            tags=self._tags("iam:ListUserTags", arn, "list_user_tags", UserName=name),
        )

    def _group(self, name: str, arn: str) -> PrincipalResource:
        if arn not in self.groups:
            self.groups[arn] = PrincipalResource(
                type="group",
                name=_text(name, _at(arn)),
                address=arn,
                loc=_at(arn),
                arn=arn,
                policies=[
                    *self._inline_policies("group", arn, "list_group_policies", "get_group_policy", "GroupName"),
                    *self._attached_policies("group", arn, "list_attached_group_policies", "GroupName"),
                ],
                account=THIS_ACCOUNT,
            )
        return self.groups[arn]

    def _role(self, name: str, answer: Any | _Refused | None) -> PrincipalResource | None:
        if answer is None:
            self._not_found("role", name)
            return None
        described = answer["Role"] if isinstance(answer, dict) else None
        arn = described["Arn"] if described else self._arn("role", name)
        if described is not None:
            trust = self._policy(described["AssumeRolePolicyDocument"], f"{arn}#trust", arn, PolicyKind.TRUST)
        else:
            trust = self._unknown_policy(f"{arn}#trust", arn, PolicyKind.TRUST, f"iam:GetRole {arn}")
        return PrincipalResource(
            type="role",
            name=_text(name, _at(arn)),
            address=arn,
            loc=_at(arn),
            arn=arn,
            policies=[
                *self._inline_policies("role", arn, "list_role_policies", "get_role_policy", "RoleName"),
                *self._attached_policies("role", arn, "list_attached_role_policies", "RoleName"),
            ],
            boundary=self._boundary(arn, described, "iam:GetRole"),
            trust=trust,
            max_session_duration=described.get("MaxSessionDuration") if described else None,
            account=THIS_ACCOUNT,
            tags=self._tags("iam:ListRoleTags", arn, "list_role_tags", RoleName=name),
        )

    # --- buckets, keys, access points ---------------------------------------------------------------------------------

    def _bucket(self, name: str) -> Bucket | None:
        s3 = self.clients.s3
        arn = f"arn:aws:s3:::{name}"
        absent = _ABSENT_CODES | {"NoSuchBucket"}
        location = self._call("s3:GetBucketLocation", arn, "its region", s3.get_bucket_location, absent, Bucket=name)
        if location is None:
            self._note("s3:GetBucketLocation", arn, "NoSuchBucket", "no such bucket", False)
            return None
        region = _bucket_region(location["LocationConstraint"]) if isinstance(location, dict) else None
        answer = self._call("s3:GetBucketPolicy", arn, "the bucket policy", s3.get_bucket_policy, Bucket=name)
        if isinstance(answer, _Refused):
            policy: Policy | None = self._unknown_policy(
                f"{arn}#policy", arn, PolicyKind.RESOURCE, f"s3:GetBucketPolicy {arn}"
            )
        else:
            policy = self._policy(answer["Policy"], f"{arn}#policy", arn, PolicyKind.RESOURCE) if answer else None
        answer = self._call(
            "s3:GetBucketPublicAccessBlock",
            arn,
            "its Block Public Access settings",
            s3.get_public_access_block,
            Bucket=name,
        )
        block = _public_access_block(answer, _at(arn, "#public-access-block"))
        answer = self._call(
            "s3:GetEncryptionConfiguration", arn, "its default encryption", s3.get_bucket_encryption, Bucket=name
        )
        encryption = _encryption(answer, _at(arn, "#encryption"), f"s3:GetEncryptionConfiguration {arn}")
        answer = self._call(
            "s3:GetBucketOwnershipControls", arn, "its Object Ownership", s3.get_bucket_ownership_controls, Bucket=name
        )
        # Refused: None, which the model reads as AWS's default (BucketOwnerEnforced); the note says it is a guess.
        ownership = (
            answer["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
            if isinstance(answer, dict)
            else _NO_OWNERSHIP_CONTROLS
            if answer is None
            else None
        )
        return Bucket(
            name=_text(name, _at(arn)),
            address=arn,
            loc=_at(arn),
            policy=policy,
            public_access_block=block,
            object_ownership=ownership,
            encryption=encryption,
            region=region,
            account=THIS_ACCOUNT,
        )

    def _key(self, written: str) -> KmsKey:
        """The KMS key a bucket's default encryption names (key id, key ARN, alias name or alias ARN)."""
        kms = self.clients.kms
        described = self._call("kms:DescribeKey", written, "the bucket's KMS key", kms.describe_key, KeyId=written)
        if not isinstance(described, dict):
            # Named as the bucket writes it, so the pre-flight finds it, with a policy that is unknown.
            region = written.split(":")[3] if written.startswith("arn:") else None
            expression = f"kms:DescribeKey {written}"
            policy = self._unknown_policy(f"{written}#policy/default", written, PolicyKind.KEY, expression)
            return KmsKey(address=written, loc=_at(written), policy=policy, region=region)
        metadata = described["KeyMetadata"]
        key_id, arn = metadata["KeyId"], metadata["Arn"]
        file = f"{arn}#policy/default"
        answer = self._call(
            "kms:GetKeyPolicy", arn, "the key policy", kms.get_key_policy, KeyId=key_id, PolicyName="default"
        )
        if isinstance(answer, dict):
            policy = self._policy(answer["Policy"], file, arn, PolicyKind.KEY)
        else:
            policy = self._unknown_policy(file, arn, PolicyKind.KEY, f"kms:GetKeyPolicy {arn}")
        aliases = self._pages("kms:ListAliases", arn, "its aliases", kms, "list_aliases", "Aliases", KeyId=key_id)
        return KmsKey(
            address=key_id,  # KmsKey.arn is then arn:aws:kms:REGION:THIS_ACCOUNT:key/KEY-ID, the key's ARN as read
            loc=_at(arn),
            policy=policy,
            aliases=[] if isinstance(aliases, _Refused) else [alias["AliasName"] for alias in aliases],
            region=arn.split(":")[3],
            grants=self._grants(key_id, arn),
        )

    def _grants(self, key_id: str, key_arn: str) -> list[KmsGrant]:
        listed = self._pages(
            "kms:ListGrants", key_arn, "its grants", self.clients.kms, "list_grants", "Grants", KeyId=key_id
        )
        if isinstance(listed, _Refused):
            # A grant may let the signer use the key where the key policy does not: unknown, not none.
            return [
                KmsGrant(
                    address=f"{key_arn}#grants",
                    loc=_at(key_arn),
                    grantee=_unknown_text(f"kms:ListGrants {key_arn}", key_arn),
                    operations=None,
                )
            ]
        return [
            KmsGrant(
                address=f"{key_arn}#grant/{grant['GrantId']}",
                loc=_at(key_arn),
                grantee=_text(grant["GranteePrincipal"], _at(key_arn)),
                operations=list(grant.get("Operations", [])),
                constrained=bool(grant.get("Constraints")),
            )
            for grant in listed
        ]

    def _access_points(self, bucket: Bucket) -> list[AccessPoint]:
        """The bucket's access points in this account and the client's region (s3control has no paginator for
        ListAccessPoints: NextToken is followed here)."""
        s3control = self.clients.s3control
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"AccountId": self.account, "Bucket": bucket.name.value}
        while True:
            page = self._call(
                "s3:ListAccessPoints", bucket.arn, "its access points", s3control.list_access_points, **params
            )
            if not isinstance(page, dict):
                break
            found += page.get("AccessPointList", [])
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]
        return [self._access_point(item["Name"], item.get("AccessPointArn", ""), bucket) for item in found]

    def _access_point(self, name: str, arn: str, bucket: Bucket) -> AccessPoint:
        s3control = self.clients.s3control
        where = arn or name
        described = self._call(
            "s3:GetAccessPoint", where, "its settings", s3control.get_access_point, AccountId=self.account, Name=name
        )
        details = described if isinstance(described, dict) else {}
        answer = self._call(
            "s3:GetAccessPointPolicy",
            where,
            "its policy",
            s3control.get_access_point_policy,
            AccountId=self.account,
            Name=name,
        )
        if isinstance(answer, _Refused):
            policy: Policy | None = self._unknown_policy(
                f"{where}#policy", where, PolicyKind.RESOURCE, f"s3:GetAccessPointPolicy {where}"
            )
        else:
            policy = self._policy(answer["Policy"], f"{where}#policy", where, PolicyKind.RESOURCE) if answer else None
        block_loc = _at(where, "#public-access-block")
        if isinstance(described, _Refused):
            block: PublicAccessBlock | None = PublicAccessBlock(
                loc=block_loc,
                block_public_acls=None,
                block_public_policy=None,
                ignore_public_acls=None,
                restrict_public_buckets=None,
            )
        else:
            block = _public_access_block(
                {"PublicAccessBlockConfiguration": details.get("PublicAccessBlockConfiguration", {})}, block_loc
            )
        vpc = (details.get("VpcConfiguration") or {}).get("VpcId")
        return AccessPoint(
            name=_text(name, _at(where)),
            address=where,
            loc=_at(where),
            bucket=_text(bucket.address, _at(where)),  # the bucket of this inventory, by its address
            policy=policy,
            public_access_block=block,
            vpc_id=_text(vpc, _at(where)) if vpc else None,
            region=arn.split(":")[3] if arn.startswith("arn:") else None,
        )

    def _account_public_access_block(self) -> PublicAccessBlock | None:
        resource = f"account {self.account}"
        answer = self._call(
            "s3:GetAccountPublicAccessBlock",
            resource,
            "the account's Block Public Access settings",
            self.clients.s3control.get_public_access_block,
            AccountId=self.account,
        )
        return _public_access_block(answer, _at(f"aws:s3control:account/{self.account}", "#public-access-block"))


# --- plain helpers ----------------------------------------------------------------------------------------------------


def _refusal(error: Exception) -> _Refused | None:
    """AWS's answer in a botocore ClientError (read by shape, so no botocore import): None for any other exception."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict) or not isinstance(response.get("Error"), dict):
        return None
    return _Refused(str(response["Error"].get("Code", "")))


def _is_denial(code: str) -> bool:
    return "AccessDenied" in code or code in ("UnauthorizedOperation", "AuthorizationError", "Forbidden")


def _document_text(raw: str | dict[str, Any]) -> str:
    """The document as `json.dumps(..., indent=2)` text: from an object (boto3 decodes IAM's documents), from JSON
    text (S3 and KMS), or from IAM's URL-encoded JSON text (the API's own form, which a client without boto3's
    decoding hands over). JSON text begins with `{`, so only text beginning `%7B` is URL-decoded."""
    if isinstance(raw, str):
        decoded = unquote(raw) if raw.lstrip()[:3].upper() == "%7B" else raw
        raw = json.loads(decoded)
    return json.dumps(raw, indent=2, ensure_ascii=False)


def _at(resource: str, part: str = "") -> Location:
    """The location of something that is no policy text: line 1 of the resource it belongs to."""
    return Location(file=f"{resource}{part}", address=resource)


def _text(value: str, loc: Location) -> Text:
    return Text(value=value, loc=loc)


def _unknown_text(expression: str, resource: str) -> Text:
    return Text(value="${" + expression + "}", loc=_at(resource), unresolved=expression)


def _bucket_region(constraint: str | None) -> str:
    """GetBucketLocation's LocationConstraint: none for us-east-1, and `EU` for the oldest eu-west-1 buckets."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


def _public_access_block(answer: Any, loc: Location) -> PublicAccessBlock | None:
    """None when there is none; every flag None (unknown) when the read was refused."""
    if answer is None:
        return None
    if isinstance(answer, _Refused):
        return PublicAccessBlock(
            loc=loc,
            block_public_acls=None,
            block_public_policy=None,
            ignore_public_acls=None,
            restrict_public_buckets=None,
        )
    settings = answer.get("PublicAccessBlockConfiguration", {})
    return PublicAccessBlock(
        loc=loc,
        block_public_acls=bool(settings.get("BlockPublicAcls", False)),
        block_public_policy=bool(settings.get("BlockPublicPolicy", False)),
        ignore_public_acls=bool(settings.get("IgnorePublicAcls", False)),
        restrict_public_buckets=bool(settings.get("RestrictPublicBuckets", False)),
    )


def _encryption(answer: Any, loc: Location, expression: str) -> Encryption | None:
    """The bucket's default encryption. Refused: SSE-KMS with an unknown key, the one reading under which the
    pre-flight cannot say a URL works (the model has no unknown algorithm; SSE-S3 would need no permission)."""
    if answer is None:
        return None
    if isinstance(answer, _Refused):
        return Encryption(
            loc=loc, algorithm="aws:kms", kms_key=Text(value="${" + expression + "}", loc=loc, unresolved=expression)
        )
    rules = answer.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    if not default:
        return None
    key = default.get("KMSMasterKeyID")
    return Encryption(loc=loc, algorithm=default["SSEAlgorithm"], kms_key=_text(key, loc) if key else None)
