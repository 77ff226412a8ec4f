"""IAM-bearing resources -> Policies and the Inventory, one small handler per resource family.

Handlers read resources through `View` (an HCL block with its scope, or a plan's resolved values), so the same code
serves both sources. Joins (an attachment to its role, a bucket policy to its bucket) go by reference first — the
address a value came from — and by name or ARN otherwise. Whatever cannot be resolved is noted in
`Inventory.unresolved` at the element that depends on it; an unknown policy becomes a policy with one unknown
statement, so that a later check says "uncertain" instead of "nothing grants this".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import field, fields, is_dataclass, replace
from typing import NamedTuple, Protocol

from linter.model import (
    AccessPoint,
    AttachedPolicy,
    Bucket,
    Encryption,
    InputError,
    Inventory,
    KmsGrant,
    KmsKey,
    Location,
    OrganizationPolicy,
    Policy,
    PolicyKind,
    PrincipalResource,
    PublicAccessBlock,
    Text,
    Unresolved,
    VpcEndpoint,
)
from linter.record import record
from linter.sources.jsonpos import JArray, JMember, JNode, JObject, JScalar, JsonSyntaxError, Span, parse
from linter.sources.policy_document import Locator, build_policy
from linter.sources.terraform.attributes import ACCOUNT, KMS_KEY_TYPES, PARTITION, resource_type, tags_all
from linter.sources.terraform.interface import BlockView
from linter.sources.terraform.policy_document import unknown_statement, with_unknown_principals
from linter.sources.terraform.values import (
    ListVal,
    ObjVal,
    Scalar,
    TfSpan,
    Unknown,
    Val,
    number_of,
    pinned,
    placeholder,
    split_exprs,
    text_of,
    unknowns,
    whole,
)


def _unknown_condition_names(policy: Policy, reasons: dict[str, str]) -> Policy:
    """Condition operators and keys that are unknown, marked so: JSON keys carry no unresolved expression, so a
    `dynamic "condition"` over an unknown collection (or an unknown `test`/`variable`) renders its placeholder,
    `${var.conditions}`, as the key; read as written it would be an unknown operator, an error nothing written
    shows. A placeholder is recognised as one of an expression this evaluation found unknown (`reasons`)."""

    def unknown(text: Text) -> Text:
        value = text.value
        if text.unresolved is None and value.startswith("${") and value.endswith("}") and value[2:-1] in reasons:
            return replace(text, unresolved=value[2:-1])
        return text

    if not reasons:
        return policy
    changed = False
    statements = []
    for statement in policy.statements:
        conditions = []
        for condition in statement.conditions:
            operator, key = unknown(condition.operator), unknown(condition.key)
            if operator is not condition.operator or key is not condition.key:
                condition = replace(condition, operator=operator, key=key)  # noqa: PLW2901
            conditions.append(condition)
        if any(new is not old for new, old in zip(conditions, statement.conditions, strict=True)):
            changed = True
            statement = replace(statement, conditions=conditions)  # noqa: PLW2901
        statements.append(statement)
    return replace(policy, statements=statements) if changed else policy


class View(Protocol):
    address: str
    type: str

    def span(self) -> TfSpan: ...
    def arg(self, name: str) -> Val | None: ...
    def arg_span(self, name: str) -> TfSpan: ...
    def blocks(self, kind: str) -> Sequence[View]: ...
    def region(self) -> str | None: ...  # where the resource is created, when the configuration says


def locator(address: str, fallback: str) -> Locator:
    def locate(span: Span, pointer: str) -> Location:
        file = span.file if isinstance(span, TfSpan) and span.file else fallback
        return Location(
            file=file,
            line=span.line,
            column=span.column,
            end_line=span.end_line or None,
            end_column=span.end_column or None,
            json_path=pointer,
            address=address,
        )

    return locate


@record
class _Principal:
    type: str
    view: View
    name: Val
    policies: list[AttachedPolicy] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    boundary: AttachedPolicy | None = None
    trust: Policy | None = None
    max_session_duration: int | None = None
    exclusive_inline: set[str] | None = None
    exclusive_managed: set[str] | None = None


@record
class _Bucket:
    view: View
    name: Val
    policy: Policy | None = None
    public_access_block: PublicAccessBlock | None = None
    object_ownership: str | None = None
    encryption: Encryption | None = None
    acl: Text | None = None


@record
class _AccessPoint:
    view: View
    name: Val
    bucket: Val
    policy: Policy | None = None


@record
class _Key:
    view: View
    policy: Policy | None = None
    aliases: list[str] = field(default_factory=list)
    grants: list[KmsGrant] = field(default_factory=list)


class _Alias(NamedTuple):
    name: Text | None  # None: name_prefix (Terraform generates the name)
    target: Val | None


class InventoryBuilder:
    """Collects resources (in any order), then joins them into an Inventory."""

    def __init__(self, reasons: dict[str, str] | None = None) -> None:
        self.reasons = reasons if reasons is not None else {}  # shared with the evaluator, which keeps adding
        self.policies: list[Policy] = []
        self.errors: list[InputError] = []
        self.unresolved: dict[tuple[str, str, int, int], Unresolved] = {}
        self.principals: list[_Principal] = []
        self.managed: dict[str, tuple[View, Policy]] = {}
        self.buckets: list[_Bucket] = []
        self.access_points: list[_AccessPoint] = []
        self.endpoints: dict[str, tuple[View, Policy | None]] = {}  # aws_vpc_endpoint by address
        self.keys: list[_Key] = []
        self.unplaced_grants: list[KmsGrant] = []  # grants whose key could not be resolved: on any key, maybe
        self.aliases: dict[str, _Alias] = {}  # aws_kms_alias by address
        self.org_policies: list[tuple[View, Policy]] = []
        self.account_block: PublicAccessBlock | None = None
        self.org_targets: list[tuple[Val, Text]] = []
        self.later: list[Callable[[], None]] = []  # joins, run once every resource is known
        # Plans only: the same policies read from the configuration, by name, to locate plan policies in the .tf
        self.configured: dict[str, Policy] = {}
        self.configured_linted: set[str] = set()
        self.built: dict[str, Policy] = {}  # every policy built, linted or not, by name

    # --- values -> model ---------------------------------------------------------------------------------------

    def note(self, expr: str, loc: Location, reason: str = "") -> None:
        key = (expr, loc.file, loc.line, loc.column)
        if key not in self.unresolved:
            why = self.reasons.get(expr) or reason
            self.unresolved[key] = Unresolved(expression=expr, loc=loc, reason=why)

    def location(self, view: View, span: TfSpan | None = None) -> Location:
        span = span or view.span()
        return locator(view.address, span.file)(span, "")

    def text(self, view: View, value: Val, span: TfSpan | None = None, note: bool = True) -> Text:
        """A scalar value as model Text, noting what in it is unknown (unless a join already resolved it)."""
        loc = self.location(view, span or value.span)
        missing = unknowns(value)
        for expr in missing if note else []:
            self.note(expr, loc, value.reason if isinstance(value, Unknown) else "")
        shown = placeholder(value.expr) if isinstance(value, Unknown) else (text_of(value) or "")
        return Text(value=shown, loc=loc, unresolved=", ".join(missing) or None)

    def flag(self, view: View, name: str, default: bool = False) -> bool | None:
        """A boolean argument: `default` when absent, None when unknown."""
        value = view.arg(name)
        if value is None:
            return default
        if isinstance(value, Scalar) and value.unresolved is None:
            if isinstance(value.value, bool):
                return value.value
            if value.value in ("true", "false"):
                return value.value == "true"
        self.text(view, value, view.arg_span(name))
        return None

    def policy(
        self, view: View, attr: str, kind: PolicyKind | None, label: str | None = None, lint: bool = True
    ) -> Policy | None:
        """The policy in `attr` (None when absent or empty)."""
        return self.policy_value(view, view.arg(attr), label or attr, kind, lint)

    def policy_value(
        self, view: View, value: Val | None, attr: str, kind: PolicyKind | None, lint: bool = True
    ) -> Policy | None:
        """A policy from its value; `lint` False: for the inventory only (no rule of its kind fits it yet). Wholly
        unknown policies go to the inventory only: there is nothing to lint."""
        if value is None or (isinstance(value, Scalar) and value.value in (None, "") and value.unresolved is None):
            return None
        name = f"{view.address}.{attr}"
        span = value.span
        locate = locator(view.address, span.file)
        root = self.document(value, view, attr)
        if root is None:
            return None
        configured = self.configured.get(name)
        if configured is not None:
            if isinstance(root, str):  # unknown in the plan: the configuration's reading is the best there is
                if lint and configured.name in self.configured_linted:
                    self.policies.append(configured)
                for text in _unresolved_texts(configured):
                    for expr in split_exprs(text.unresolved or ""):
                        self.note(expr, text.loc)
                return configured
            locate = _relocated(configured, locate)
        whole_unknown = isinstance(root, str)
        if isinstance(root, str):
            taking = kind is not None and kind.takes_principal
            unknown = JScalar(placeholder(root), span, unresolved=root)
            statements = JArray([unknown_statement(root, span, with_principal=taking)], span)
            root = JObject([JMember("Version", span, unknown), JMember("Statement", span, statements)], span)
        elif kind is not None and kind.takes_principal:
            root = with_unknown_principals(root)
        policy = _unknown_condition_names(build_policy(root, name, locate, kind), self.reasons)
        if whole_unknown:  # one note for the policy, not one per element of its placeholder statement
            self.note(unknowns(value)[0], locate(span, ""))
        unknown_pointers = list(self._note_tree(root, locate, "", note=not whole_unknown))
        if unknown_pointers:
            kept = [
                issue
                for issue in policy.issues
                if not any(
                    issue.loc.json_path == p or issue.loc.json_path.startswith(p + "/") for p in unknown_pointers
                )
            ]
            policy = replace(policy, issues=kept)
        if not whole_unknown and lint:
            self.policies.append(policy)
        self.built[name] = policy
        return policy

    def document(self, value: Val, view: View, attr: str) -> JNode | str | None:
        """The positioned JSON of a policy value; its expression (str) when unknown; None after an input error."""
        if isinstance(value, Unknown):
            if value.reason:
                self.reasons.setdefault(value.expr, value.reason)
            return value.expr
        if isinstance(value, Scalar):
            if value.doc is not None:
                return value.doc
            if value.doc_error is not None:
                message, at = value.doc_error
                loc = Location(file=at.file, line=at.line, column=at.column, address=view.address)
                self.errors.append(InputError(message=f"{view.address}.{attr}: {message}", loc=loc))
                return None
            if value.unresolved is not None:
                return value.unresolved
            if isinstance(value.value, str):
                try:
                    return pinned(parse(value.value), value.span)
                except JsonSyntaxError as error:
                    loc = self.location(view, value.span)
                    message = f"{view.address}.{attr}: not valid JSON ({error.message}, line {error.line} of the value)"
                    self.errors.append(InputError(message=message, loc=loc))
                    return None
        loc = self.location(view, value.span)
        self.errors.append(InputError(message=f"{view.address}.{attr}: a policy must be a JSON string", loc=loc))
        return None

    def _note_tree(
        self, node: JNode, locate: Locator, pointer: str, note: bool = True, noted: set[str] | None = None
    ) -> Iterator[str]:
        """Note the unresolved elements of a policy, one note per expression (at its first element: a bucket name
        from a random_pet is one unknown, however many ARNs of the policy hold it); yield every unresolved element's
        pointer (schema issues there are not real)."""
        noted = set() if noted is None else noted
        if isinstance(node, JScalar):
            if node.unresolved:
                for expr in split_exprs(node.unresolved) if note else []:
                    if expr not in noted:
                        noted.add(expr)
                        self.note(expr, locate(node.span, pointer))
                yield pointer
        elif isinstance(node, JArray):
            for index, item in enumerate(node.items):
                yield from self._note_tree(item, locate, f"{pointer}/{index}", note, noted)
        else:
            for member in node.members:
                key = member.key.replace("~", "~0").replace("/", "~1")
                yield from self._note_tree(member.value, locate, f"{pointer}/{key}", note, noted)

    # --- resources ------------------------------------------------------------------------------------------------

    def add(self, view: View) -> None:
        handler = HANDLERS.get(view.type)
        if handler is not None:
            handler(self, view)
            # A count/for_each too large to expand (evaluate.MAX_INSTANCES): one note, at the count or for_each
            capped = getattr(view, "capped", None)
            if isinstance(capped, Unknown):
                self.note(capped.expr, self.location(view, capped.span), capped.reason)

    def finish(self) -> Inventory:
        for join in self.later:
            join()
        principals = [self._principal(p) for p in self.principals]
        return Inventory(
            principals=principals,
            managed_policies={address: policy for address, (_, policy) in self.managed.items()},
            buckets=[self._bucket(b) for b in self.buckets],
            access_points=[self._access_point(a) for a in self.access_points],
            vpc_endpoints=[
                VpcEndpoint(
                    address=address,
                    loc=self.location(view),
                    policy=policy,
                    vpc_id=self.text(view, vpc, view.arg_span("vpc_id")) if (vpc := view.arg("vpc_id")) else None,
                )
                for address, (view, policy) in self.endpoints.items()
            ],
            keys=[
                KmsKey(
                    address=k.view.address,
                    loc=self.location(k.view),
                    policy=k.policy,
                    aliases=k.aliases,
                    region=k.view.region(),
                    grants=k.grants + self.unplaced_grants,
                )
                for k in self.keys
            ],
            organization_policies=[self._org_policy(view, policy) for view, policy in self.org_policies],
            account_public_access_block=self.account_block,
            unresolved=list(self.unresolved.values()),
        )

    def _principal(self, p: _Principal) -> PrincipalResource:
        policies = p.policies
        if p.exclusive_inline is not None:
            policies = [a for a in policies if a.via != "inline" or a.ref.value in p.exclusive_inline]
        if p.exclusive_managed is not None:
            policies = [a for a in policies if a.via != "managed" or a.ref.value in p.exclusive_managed]
        if p.type == "user":
            for group in self._groups_of(p):
                for attached in group.policies:
                    via = f"group {group.view.address} ({attached.via})"
                    policies = [*policies, attached.model_copy(update={"via": via})]
        # One policy can reach a principal twice (an attachment and an *_exclusive list naming it): list it once.
        seen: set[tuple[str, str | None, str]] = set()
        unique = []
        for attached in policies:
            key = (attached.via, attached.policy.name if attached.policy else None, attached.ref.value)
            if key not in seen:
                seen.add(key)
                unique.append(attached)
        name = self.text(p.view, p.name, p.view.arg_span("name"))
        return PrincipalResource(
            type=p.type,
            name=name,
            address=p.view.address,
            loc=self.location(p.view),
            arn=_arn_of(p),
            policies=unique,
            groups=p.groups,
            boundary=p.boundary,
            trust=p.trust,
            max_session_duration=p.max_session_duration,
            tags=self._tags(p) if p.type != "group" else None,
        )

    def _tags(self, p: _Principal) -> dict[str, Text] | None:
        """The tags IAM holds for a user or role (`tags_all`); None when the map is not known as a whole. Not noted
        when unresolved: a tag matters only to a policy conditioned on it, whose verdict then says so."""
        if isinstance(p.view, BlockView):
            value: Val | None = tags_all(p.view)
        else:  # a plan's resource: the provider computed tags_all itself
            value = p.view.arg("tags_all") or p.view.arg("tags") or ObjVal(p.view.span())
        if not isinstance(value, ObjVal):
            return None
        return {key: self.text(p.view, member, span, note=False) for key, (span, member) in value.members.items()}

    def _groups_of(self, user: _Principal) -> list[_Principal]:
        return [g for g in self.principals if g.type == "group" and g.view.address in user.groups]

    def _bucket(self, b: _Bucket) -> Bucket:
        encryption = b.encryption
        if encryption is not None and encryption.kms_key is not None:
            encryption = encryption.model_copy(update={"kms_key": self._through_alias(encryption.kms_key)})
        return Bucket(
            name=self.text(b.view, b.name, b.view.arg_span("bucket")),
            address=b.view.address,
            loc=self.location(b.view),
            policy=b.policy,
            public_access_block=b.public_access_block,
            object_ownership=b.object_ownership,
            encryption=encryption,
            acl=b.acl,
            region=b.view.region(),
        )

    def _access_point(self, a: _AccessPoint) -> AccessPoint:
        view = a.view
        # A bucket of this configuration is named by its address, so the pre-flight finds it even when its name is
        # unknown; any other bucket by the name as written.
        bucket = self.bucket_for(a.bucket)
        bucket_text = self.text(view, a.bucket, view.arg_span("bucket"), note=bucket is None)
        if bucket is not None:
            bucket_text = replace(bucket_text, value=bucket.view.address, unresolved=None)
        blocks = [_public_access_block(self, b, default=True) for b in view.blocks("public_access_block_configuration")]
        vpcs = [(c, c.arg("vpc_id")) for c in view.blocks("vpc_configuration")]
        return AccessPoint(
            name=self.text(view, a.name, view.arg_span("name")),
            address=view.address,
            loc=self.location(view),
            bucket=bucket_text,
            policy=a.policy,
            public_access_block=blocks[0] if blocks else None,
            vpc_id=next((self.text(c, vpc, c.arg_span("vpc_id")) for c, vpc in vpcs if vpc is not None), None),
            region=view.region(),
        )

    def _org_policy(self, view: View, policy: Policy) -> OrganizationPolicy:
        targets = [t for a, t in self.org_targets if self._matches(a, view, "id")]
        return OrganizationPolicy(address=view.address, loc=self.location(view), policy=policy, targets=targets)

    # --- joins ----------------------------------------------------------------------------------------------------

    @staticmethod
    def _matches(value: Val, view: View, attr: str) -> bool:
        """Does `value` name this resource: by reference to its address, else by the attribute's known value."""
        if value.ref is not None:
            return value.ref == view.address
        wanted = text_of(value)
        if wanted is None or not isinstance(value, Scalar) or value.unresolved is not None:
            return False
        mine = view.arg(attr)
        return mine is not None and text_of(mine) == wanted and isinstance(mine, Scalar) and mine.unresolved is None

    def principal_for(self, kind: str, value: Val) -> _Principal | None:
        candidates = [p for p in self.principals if p.type == kind]
        found = next((p for p in candidates if value.ref is not None and value.ref == p.view.address), None)
        if found is not None or value.ref is not None:
            return found
        return next((p for p in candidates if self._matches(value, p.view, "name")), None)

    def attach(self, view: View, kind: str, target: Val, attached: Callable[[], AttachedPolicy]) -> None:
        """Join a policy to the principal `target` names, once every principal is known."""

        def join() -> None:
            unknown = isinstance(target, Unknown) or bool(unknowns(target))
            # An unknown value that references a principal (a plan's `role = aws_iam_role.x.id`) still names it.
            principal = self.principal_for(kind, target) if not unknown or target.ref is not None else None
            if principal is not None:
                principal.policies.append(attached())
            elif unknown:
                self.text(view, target)  # notes the unknown target: the policy reaches an unknown principal

        self.later.append(join)

    def managed_policy(self, view: View, arn: Val, via: str) -> AttachedPolicy:
        """An attachment by ARN: the managed policy of this configuration it names, or an outside one."""
        for address, (policy_view, policy) in self.managed.items():
            if arn.ref == address or (arn.ref is None and self._matches_arn(arn, policy_view)):
                # joined by reference: the account in its ARN does not matter here, so no note about it
                return AttachedPolicy(policy=policy, via=via, ref=self.text(view, arn, note=False))
        return AttachedPolicy(policy=None, via=via, ref=self.text(view, arn))

    @staticmethod
    def _matches_arn(arn: Val, view: View) -> bool:
        text = text_of(arn)
        name = view.arg("name")
        return bool(text and name is not None and text_of(name) and text.endswith(f":policy/{text_of(name)}"))

    def key_for(self, value: Val) -> _Key | None:
        """The key of this configuration a value names (by reference: key ids are AWS's choice)."""
        return next((k for k in self.keys if value.ref is not None and value.ref == k.view.address), None)

    def _through_alias(self, written: Text) -> Text:
        """A bucket key written as an alias of this configuration (its address, see `_key_text`) -> the alias's key
        address; the alias's name when its key is not one of this configuration's."""
        alias = self.aliases.get(written.value)
        if alias is None:
            return written
        key = self.key_for(alias.target) if alias.target is not None else None
        if key is not None:
            return replace(written, value=key.view.address)
        if alias.name is not None:
            return replace(written, value=alias.name.value, unresolved=alias.name.unresolved)
        return written

    def bucket_for(self, value: Val) -> _Bucket | None:
        return next((b for b in self.buckets if self._matches(value, b.view, "bucket")), None)

    def with_bucket(self, view: View, apply: Callable[[_Bucket], None]) -> None:
        target = view.arg("bucket")

        def join() -> None:
            if target is None:
                return
            bucket = self.bucket_for(target)
            if bucket is not None:
                apply(bucket)
            elif unknowns(target):
                self.text(view, target, view.arg_span("bucket"))

        self.later.append(join)


def _relocated(configured: Policy, fallback: Locator) -> Locator:
    """Locate a plan policy's elements where the configuration wrote them, by JSON pointer (nearest ancestor)."""
    where = dict(_pointer_locations(configured))

    def locate(span: Span, pointer: str) -> Location:
        probe = pointer
        while probe not in where and probe:
            probe = probe.rsplit("/", 1)[0]
        found = where.get(probe)
        if found is None:
            return fallback(span, pointer)
        return replace(found, json_path=pointer)

    return locate


def _pointer_locations(node: object) -> Iterator[tuple[str, Location]]:
    if isinstance(node, Location):
        yield node.json_path, node
    elif is_dataclass(node):
        for name in _field_names(node):
            if name != "issues":  # an issue's location repeats an element's, sometimes less precisely
                yield from _pointer_locations(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            yield from _pointer_locations(item)


def _field_names(node: object) -> Iterator[str]:
    """The fields of a node: the policy's and the inventory's are dataclasses."""
    if is_dataclass(node):
        yield from (item.name for item in fields(node))


def _unresolved_texts(node: object) -> Iterator[Text]:
    if isinstance(node, Text):
        if node.unresolved:
            yield node
    elif is_dataclass(node):
        for name in _field_names(node):
            yield from _unresolved_texts(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            yield from _unresolved_texts(item)


def _arn_of(p: _Principal) -> str | None:
    """The principal's ARN with the account placeholder (see attributes.py); None when the name is unknown."""
    name = text_of(p.name)
    if name is None or unknowns(p.name):
        return None
    path = p.view.arg("path")
    path_text = text_of(path) if path is not None else "/"
    return f"arn:{PARTITION}:iam::{ACCOUNT}:{p.type}{path_text or '/'}{name}"


# --- handlers -----------------------------------------------------------------------------------------------------

Handler = Callable[[InventoryBuilder, View], None]


def _items(value: Val | None) -> list[Val]:
    if value is None:
        return []
    if isinstance(value, ListVal):
        return value.items
    return [value]


def _iam_principal(kind: str) -> Handler:
    def handler(b: InventoryBuilder, view: View) -> None:
        name = view.arg("name") or Unknown(view.span(), expr=f"{view.address}.name", reason="the name is generated")
        principal = _Principal(kind, view, name)
        b.principals.append(principal)
        boundary = view.arg("permissions_boundary")
        if boundary is not None:

            def join(p: _Principal = principal, arn: Val = boundary) -> None:
                p.boundary = b.managed_policy(view, arn, "boundary")

            b.later.append(join)
        if kind != "role":
            return
        principal.trust = b.policy(view, "assume_role_policy", PolicyKind.TRUST)
        duration = view.arg("max_session_duration")
        if duration is not None:
            seconds = whole(number_of(duration)) if not unknowns(duration) else None  # tfvars may spell it "7200"
            if seconds is not None:
                principal.max_session_duration = seconds
            else:
                b.text(view, duration, view.arg_span("max_session_duration"))
        for index, inline in enumerate(view.blocks("inline_policy")):
            label = f"inline_policy[{index}].policy"
            policy = b.policy(inline, "policy", PolicyKind.IDENTITY, label)
            if policy is not None:
                ref = b.text(inline, inline.arg("name") or Scalar(inline.span(), value=label), inline.span())
                principal.policies.append(AttachedPolicy(policy=policy, via="inline", ref=ref))
        arns = view.arg("managed_policy_arns")
        if arns is not None:
            items: list[Val] = _items(arns) if not isinstance(arns, Unknown) else [arns]

            def join_arns(p: _Principal = principal, values: list[Val] = items) -> None:
                p.policies.extend(b.managed_policy(view, arn, "managed") for arn in values)

            b.later.append(join_arns)

    return handler


def _iam_managed_policy(b: InventoryBuilder, view: View) -> None:
    policy = b.policy(view, "policy", PolicyKind.IDENTITY)
    if policy is not None:
        b.managed[view.address] = (view, policy)


def _inline_policy(kind: str) -> Handler:
    def handler(b: InventoryBuilder, view: View) -> None:
        policy = b.policy(view, "policy", PolicyKind.IDENTITY)
        target = view.arg(kind)
        if policy is None or target is None:
            return
        name = view.arg("name") or Scalar(view.span(), value=view.address)
        ref = b.text(view, name, view.arg_span("name"))
        b.attach(view, kind, target, lambda: AttachedPolicy(policy=policy, via="inline", ref=ref))

    return handler


def _attachment(kind: str, target_arg: str, arn_arg: str = "policy_arn", plural: bool = False) -> Handler:
    def handler(b: InventoryBuilder, view: View) -> None:
        arns = _items(view.arg(arn_arg))
        for target in _items(view.arg(target_arg)) if plural else [t for t in [view.arg(target_arg)] if t]:
            for arn in arns:
                b.attach(view, kind, target, lambda arn=arn: b.managed_policy(view, arn, "managed"))  # type: ignore[misc]

    return handler


def _policy_attachment(b: InventoryBuilder, view: View) -> None:
    """aws_iam_policy_attachment: one policy to users, roles and groups (exclusive across the account)."""
    for kind, argument in (("user", "users"), ("role", "roles"), ("group", "groups")):
        _attachment(kind, argument, plural=True)(b, view)


def _exclusive(kind: str, target_arg: str, list_arg: str, inline: bool) -> Handler:
    """*_exclusive: the complete set of inline policy names or managed ARNs of one principal."""

    def handler(b: InventoryBuilder, view: View) -> None:
        target, listed = view.arg(target_arg), view.arg(list_arg)
        if target is None or listed is None:
            return
        values = _items(listed)
        if not inline:
            for arn in values:
                b.attach(view, kind, target, lambda arn=arn: b.managed_policy(view, arn, "managed"))  # type: ignore[misc]
        if unknowns(listed) or isinstance(listed, Unknown):
            b.text(view, listed, view.arg_span(list_arg))
            return
        names = {text_of(v) or "" for v in values}

        def join() -> None:
            principal = b.principal_for(kind, target)
            if principal is not None:
                if inline:
                    principal.exclusive_inline = names
                else:
                    principal.exclusive_managed = names

        b.later.append(join)

    return handler


def _user_group_membership(b: InventoryBuilder, view: View) -> None:
    user = view.arg("user")
    groups = _items(view.arg("groups"))
    if user is not None:
        _join_membership(b, view, [user], groups)


def _group_membership(b: InventoryBuilder, view: View) -> None:
    group = view.arg("group")
    if group is not None:
        _join_membership(b, view, _items(view.arg("users")), [group])


def _join_membership(b: InventoryBuilder, view: View, users: list[Val], groups: list[Val]) -> None:
    def join() -> None:
        for user_value in users:
            user = b.principal_for("user", user_value) if not unknowns(user_value) else None
            if user is None:
                if unknowns(user_value):
                    b.text(view, user_value)
                continue
            for group_value in groups:
                group = b.principal_for("group", group_value) if not unknowns(group_value) else None
                if group is not None:
                    user.groups.append(group.view.address)
                elif unknowns(group_value):
                    b.text(view, group_value)
                else:
                    user.groups.append(text_of(group_value) or "")

    b.later.append(join)


def _s3_bucket(b: InventoryBuilder, view: View) -> None:
    name = view.arg("bucket") or Unknown(view.span(), expr=f"{view.address}.bucket", reason="the name is generated")
    bucket = _Bucket(view, name)
    b.buckets.append(bucket)
    bucket.policy = b.policy(view, "policy", PolicyKind.RESOURCE)  # the legacy inline argument
    acl = view.arg("acl")
    if acl is not None:
        bucket.acl = b.text(view, acl, view.arg_span("acl"))
    for configuration in view.blocks("server_side_encryption_configuration"):
        for rule in configuration.blocks("rule"):
            bucket.encryption = _encryption(b, rule) or bucket.encryption


def _encryption(b: InventoryBuilder, rule: View) -> Encryption | None:
    for default in rule.blocks("apply_server_side_encryption_by_default"):
        algorithm = default.arg("sse_algorithm")
        if algorithm is None:
            continue
        key = default.arg("kms_master_key_id")
        return Encryption(
            loc=b.location(default, default.arg_span("sse_algorithm")),
            algorithm=b.text(default, algorithm, default.arg_span("sse_algorithm")).value,
            kms_key=_key_text(b, default, key) if key is not None else None,
        )
    return None


def _key_text(b: InventoryBuilder, view: View, key: Val) -> Text:
    """The key as written; a key of this configuration reads as its KmsKey address (its id is AWS's choice).

    So does an alias of this configuration (`aws_kms_alias.x.arn`/`.name`), as the alias's address until `finish`
    follows it to its key (`_through_alias`): the alias may be read after the bucket.
    """
    joined = resource_type(key.ref) in (*KMS_KEY_TYPES, "aws_kms_alias")
    text = b.text(view, key, view.arg_span("kms_master_key_id"), note=not joined)
    # `joined` implies a ref; the test says so to mypy.
    return replace(text, value=key.ref, unresolved=None) if joined and key.ref is not None else text


def _bucket_policy(b: InventoryBuilder, view: View) -> None:
    policy = b.policy(view, "policy", PolicyKind.RESOURCE)
    if policy is not None:

        def apply(bucket: _Bucket) -> None:
            bucket.policy = policy

        b.with_bucket(view, apply)


def _public_access_block(b: InventoryBuilder, view: View, default: bool = False) -> PublicAccessBlock:
    """`default`: what an unwritten setting means (False for buckets and accounts, True for access points)."""
    return PublicAccessBlock(
        loc=b.location(view),
        block_public_acls=b.flag(view, "block_public_acls", default),
        block_public_policy=b.flag(view, "block_public_policy", default),
        ignore_public_acls=b.flag(view, "ignore_public_acls", default),
        restrict_public_buckets=b.flag(view, "restrict_public_buckets", default),
    )


def _bucket_public_access_block(b: InventoryBuilder, view: View) -> None:
    block = _public_access_block(b, view)

    def apply(bucket: _Bucket) -> None:
        bucket.public_access_block = block

    b.with_bucket(view, apply)


def _account_public_access_block(b: InventoryBuilder, view: View) -> None:
    b.account_block = _public_access_block(b, view)


def _ownership(b: InventoryBuilder, view: View) -> None:
    for rule in view.blocks("rule"):
        value = rule.arg("object_ownership")
        if value is None:
            continue
        text = b.text(rule, value, rule.arg_span("object_ownership"))

        def apply(bucket: _Bucket, ownership: str | None = None if text.is_unknown else text.value) -> None:
            bucket.object_ownership = ownership

        b.with_bucket(view, apply)


def _encryption_configuration(b: InventoryBuilder, view: View) -> None:
    for rule in view.blocks("rule"):
        encryption = _encryption(b, rule)
        if encryption is not None:

            def apply(bucket: _Bucket, found: Encryption = encryption) -> None:
                bucket.encryption = found

            b.with_bucket(view, apply)


def _bucket_acl(b: InventoryBuilder, view: View) -> None:
    acl = view.arg("acl")
    if acl is not None:
        text = b.text(view, acl, view.arg_span("acl"))

        def apply(bucket: _Bucket) -> None:
            bucket.acl = text

        b.with_bucket(view, apply)


def _resource_policy(b: InventoryBuilder, view: View) -> None:
    """Resource policies the inventory has no slot for (queues, topics, access points...): linted on their own."""
    b.policy(view, "policy", PolicyKind.RESOURCE)


def _access_point(b: InventoryBuilder, view: View) -> None:
    name = view.arg("name") or Unknown(view.span(), expr=f"{view.address}.name", reason="the name is not set")
    bucket = view.arg("bucket") or Unknown(view.span(), expr=f"{view.address}.bucket", reason="the bucket is not set")
    b.access_points.append(_AccessPoint(view, name, bucket, b.policy(view, "policy", PolicyKind.RESOURCE)))


def _access_point_policy(b: InventoryBuilder, view: View) -> None:
    policy = b.policy(view, "policy", PolicyKind.RESOURCE)
    target = view.arg("access_point_arn")
    if policy is None or target is None:
        return

    def join() -> None:
        found = next((a for a in b.access_points if target.ref is not None and target.ref == a.view.address), None)
        if found is not None:
            found.policy = policy
        elif unknowns(target):
            b.text(view, target, view.arg_span("access_point_arn"))

    b.later.append(join)


# VPC endpoint policies are filters on what passes the endpoint: `Principal: "*"` is their normal form, not a
# public grant, so the resource-policy rules do not fit them; they are read for pre-signed URL verdicts only.
def _vpc_endpoint(b: InventoryBuilder, view: View) -> None:
    b.endpoints[view.address] = (view, b.policy(view, "policy", PolicyKind.RESOURCE, lint=False))


def _vpc_endpoint_policy(b: InventoryBuilder, view: View) -> None:
    policy = b.policy(view, "policy", PolicyKind.RESOURCE, lint=False)
    target = view.arg("vpc_endpoint_id")
    if policy is None or target is None:
        return

    def join() -> None:
        if target.ref is not None and target.ref in b.endpoints:
            b.endpoints[target.ref] = (b.endpoints[target.ref][0], policy)
        elif unknowns(target):
            b.text(view, target, view.arg_span("vpc_endpoint_id"))

    b.later.append(join)


def _kms_key(b: InventoryBuilder, view: View) -> None:
    b.keys.append(_Key(view, b.policy(view, "policy", PolicyKind.KEY)))


def _kms_key_policy(b: InventoryBuilder, view: View) -> None:
    policy = b.policy(view, "policy", PolicyKind.KEY)
    target = view.arg("key_id")
    if policy is None or target is None:
        return

    def join() -> None:
        key = b.key_for(target)
        if key is not None:
            key.policy = policy

    b.later.append(join)


def _kms_grant(b: InventoryBuilder, view: View) -> None:
    target, grantee = view.arg("key_id"), view.arg("grantee_principal")
    if target is None or grantee is None:
        return
    written = view.arg("operations")
    operations = [b.text(view, item) for item in _items(written)]
    known = written is not None and all(not op.is_unknown for op in operations)
    grant = KmsGrant(
        address=view.address,
        loc=b.location(view),
        grantee=b.text(view, grantee, view.arg_span("grantee_principal")),
        operations=[op.value for op in operations] if known else None,
        constrained=bool(view.blocks("constraints")),
    )

    def join() -> None:
        key = b.key_for(target)
        if key is not None:
            key.grants.append(grant)
        elif unknowns(target):  # an unresolved key id may be any key here
            b.unplaced_grants.append(grant.model_copy(update={"key_known": False}))

    b.later.append(join)


def _kms_alias(b: InventoryBuilder, view: View) -> None:
    name, target = view.arg("name"), view.arg("target_key_id")
    alias = b.text(view, name, view.arg_span("name")) if name is not None else None
    b.aliases[view.address] = _Alias(alias, target)
    if alias is None or alias.is_unknown or target is None:
        return

    def join(known: str = alias.value, value: Val = target) -> None:
        key = b.key_for(value)
        if key is not None and known not in key.aliases:
            key.aliases.append(known)

    b.later.append(join)


def _organizations_policy(b: InventoryBuilder, view: View) -> None:
    kind_value = view.arg("type")
    kind_text = text_of(kind_value) if kind_value is not None else "SERVICE_CONTROL_POLICY"
    kinds = {"SERVICE_CONTROL_POLICY": PolicyKind.SCP, "RESOURCE_CONTROL_POLICY": PolicyKind.RCP}
    if kind_value is not None and unknowns(kind_value):
        b.text(view, kind_value, view.arg_span("type"))
    kind = kinds.get(kind_text or "")
    if kind is None:
        return  # tag, backup and AI opt-out policies are not IAM
    policy = b.policy(view, "content", kind)
    if policy is not None:
        b.org_policies.append((view, policy))


def _organizations_attachment(b: InventoryBuilder, view: View) -> None:
    policy_id, target = view.arg("policy_id"), view.arg("target_id")
    if policy_id is not None and target is not None:
        b.org_targets.append((policy_id, b.text(view, target, view.arg_span("target_id"))))


HANDLERS: dict[str, Handler] = {
    "aws_iam_role": _iam_principal("role"),
    "aws_iam_user": _iam_principal("user"),
    "aws_iam_group": _iam_principal("group"),
    "aws_iam_policy": _iam_managed_policy,
    "aws_iam_role_policy": _inline_policy("role"),
    "aws_iam_user_policy": _inline_policy("user"),
    "aws_iam_group_policy": _inline_policy("group"),
    "aws_iam_role_policy_attachment": _attachment("role", "role"),
    "aws_iam_user_policy_attachment": _attachment("user", "user"),
    "aws_iam_group_policy_attachment": _attachment("group", "group"),
    "aws_iam_policy_attachment": _policy_attachment,
    "aws_iam_role_policy_attachments_exclusive": _exclusive("role", "role_name", "policy_arns", inline=False),
    "aws_iam_user_policy_attachments_exclusive": _exclusive("user", "user_name", "policy_arns", inline=False),
    "aws_iam_group_policy_attachments_exclusive": _exclusive("group", "group_name", "policy_arns", inline=False),
    "aws_iam_role_policies_exclusive": _exclusive("role", "role_name", "policy_names", inline=True),
    "aws_iam_user_policies_exclusive": _exclusive("user", "user_name", "policy_names", inline=True),
    "aws_iam_group_policies_exclusive": _exclusive("group", "group_name", "policy_names", inline=True),
    "aws_iam_user_group_membership": _user_group_membership,
    "aws_iam_group_membership": _group_membership,
    "aws_s3_bucket": _s3_bucket,
    "aws_s3_bucket_policy": _bucket_policy,
    "aws_s3_bucket_public_access_block": _bucket_public_access_block,
    "aws_s3_account_public_access_block": _account_public_access_block,
    "aws_s3_bucket_ownership_controls": _ownership,
    "aws_s3_bucket_server_side_encryption_configuration": _encryption_configuration,
    "aws_s3_bucket_acl": _bucket_acl,
    "aws_s3_access_point": _access_point,
    "aws_s3control_access_point_policy": _access_point_policy,
    "aws_s3control_bucket_policy": _resource_policy,
    "aws_sqs_queue_policy": _resource_policy,
    "aws_sns_topic_policy": _resource_policy,
    "aws_ecr_repository_policy": _resource_policy,
    "aws_secretsmanager_secret_policy": _resource_policy,
    "aws_efs_file_system_policy": _resource_policy,
    "aws_vpc_endpoint": _vpc_endpoint,
    "aws_vpc_endpoint_policy": _vpc_endpoint_policy,
    "aws_kms_key": _kms_key,
    "aws_kms_replica_key": _kms_key,
    "aws_kms_key_policy": _kms_key_policy,
    "aws_kms_alias": _kms_alias,
    "aws_kms_grant": _kms_grant,
    "aws_organizations_policy": _organizations_policy,
    "aws_organizations_policy_attachment": _organizations_attachment,
}
