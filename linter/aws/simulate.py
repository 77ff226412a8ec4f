"""A pre-signed URL's pre-flight inputs as IAM `SimulateCustomPolicy` requests, and the answers read back typed.

One `SimulationPart` is one call: the object permission (the signer's identity policies, its boundary, and for an
IAM user the bucket policy) or the SSE-KMS key (the key policy). What AWS cannot be asked, or cannot be asked
faithfully, is a `NotSimulated` with its reason, and its part keeps the local verdict (docs/iam-semantics.md §5
limits). Nothing here calls AWS: `linter.aws.client` does; nothing here words a verdict from message text.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, NamedTuple

from linter.model import THIS_ACCOUNT, Condition, Policy, Principals, Statement, Text
from linter.presign.declared import PresignCheck
from linter.presign.doors import UrlRequest, lifetime, needs
from linter.presign.preflight import object_label
from linter.presign.readings import read_as
from linter.presign.request import kms_action, sample_keys
from linter.presign.resolve import default_key_policy, find_key
from linter.presign.subject import subject_for
from linter.presign.tags import tag_keys


class PartKind(StrEnum):
    OBJECT = "object permission"
    KMS = "KMS key"


class SimulationPart(NamedTuple):
    """One SimulateCustomPolicy call and what its policy ids stand for."""

    kind: PartKind
    request: dict[str, Any]  # the call's parameters, under AWS's names
    sources: dict[str, str]  # SourcePolicyId (PolicyInputList.1, ResourcePolicy, ...) -> the policy's name here
    opened_from: str = ""  # the network the request is opened from, when one was given
    # Every policy the local verdict weighs for this part was sent (no SCP or RCP, no bucket policy left out): only
    # then may AWS's "allowed" settle what the engine could not decide.
    whole: bool = False
    # `--principal-arn`: `request` is a SimulatePrincipalPolicy call (AWS reads the principal's own policies), and
    # this is the same request with the inputs' identity policies that the local engine answers (None: it cannot).
    local_request: dict[str, Any] | None = None

    @property
    def operation(self) -> str:
        return "SimulatePrincipalPolicy" if "PolicySourceArn" in self.request else "SimulateCustomPolicy"

    @property
    def engine_request(self) -> dict[str, Any] | None:
        """The request the local engine answers: the same as AWS's, or its custom twin for a principal."""
        return self.local_request if self.operation == "SimulatePrincipalPolicy" else self.request


class NotSimulated(NamedTuple):
    what: str
    why: str


class Plan(NamedTuple):
    parts: list[SimulationPart]
    not_simulated: list[NotSimulated]


class AwsStatement(NamedTuple):
    """One entry of MatchedStatements: the policy id and where the statement starts in the text that was sent."""

    source_policy_id: str
    source_policy_type: str
    line: int
    column: int


class EvalResult(NamedTuple):
    action: str
    resource: str
    decision: str  # allowed | explicitDeny | implicitDeny
    matched: tuple[AwsStatement, ...]
    missing_context: tuple[str, ...]
    uncertain: bool = False  # only the offline engine says so (its `Explanation`); AWS never does

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


# --- policies as the JSON AWS takes -------------------------------------------------------------------------------


class UnknownValue(Exception):
    """A policy holds a value Terraform resolves only at apply: it cannot be sent as written."""


def _value(text: Text) -> str:
    if text.is_unknown:
        raise UnknownValue(text.unresolved or text.value)
    return text.value


def _values(texts: list[Text]) -> list[str]:
    return [_value(t) for t in texts]


def _principals(principals: Principals) -> object:
    if principals.star_form:
        return "*"
    by_type: dict[str, list[str]] = {}
    for ref in principals.refs:
        by_type.setdefault(ref.type, []).append(_value(ref.value))
    return by_type


def _conditions(conditions: list[Condition]) -> dict[str, dict[str, list[str]]]:
    block: dict[str, dict[str, list[str]]] = {}
    for condition in conditions:
        block.setdefault(_value(condition.operator), {})[_value(condition.key)] = _values(condition.values)
    return block


def _statement(statement: Statement) -> dict[str, object]:
    document: dict[str, object] = {}
    if statement.sid is not None:
        document["Sid"] = _value(statement.sid)
    if statement.effect is not None:
        document["Effect"] = _value(statement.effect)
    for name, principals in (("Principal", statement.principal), ("NotPrincipal", statement.not_principal)):
        if principals is not None:
            document[name] = _principals(principals)
    for name, texts in (
        ("Action", statement.action),
        ("NotAction", statement.not_action),
        ("Resource", statement.resource),
        ("NotResource", statement.not_resource),
    ):
        if texts is not None:
            document[name] = _values(texts)
    if statement.conditions:
        document["Condition"] = _conditions(statement.conditions)
    return document


def policy_json(policy: Policy) -> str:
    """The policy as the JSON text AWS takes (indented, so MatchedStatements' line numbers read well); raises
    UnknownValue when a value is known only at apply."""
    document: dict[str, object] = {}
    if policy.version is not None:
        document["Version"] = _value(policy.version)
    if policy.id is not None:
        document["Id"] = _value(policy.id)
    document["Statement"] = [_statement(s) for s in policy.statements]
    return json.dumps(document, indent=2)


# --- the request's context -----------------------------------------------------------------------------------------


def _entry(name: str, kind: str, *values: str) -> dict[str, object]:
    return {"ContextKeyName": name, "ContextKeyValues": list(values), "ContextKeyType": kind}


def _url_context(request: UrlRequest, source_ip: str | None) -> list[dict[str, object]]:
    """The pre-signed request's own keys (iam-semantics.md §4 request context), at the end of the URL's life, when
    `s3:signatureAge` is largest. The clock keys are left out: a URL is opened later than any check runs."""
    entries = [
        _entry("s3:authType", "string", "REST-QUERY-STRING"),
        _entry("s3:signatureversion", "string", "AWS4-HMAC-SHA256"),
        _entry("s3:signatureAge", "numeric", str(request.works_for * 1000)),
        _entry("aws:SecureTransport", "boolean", "true"),
    ]
    vpce = request.expectation.vpce
    if vpce is not None:
        entries.append(_entry("aws:SourceVpce", "string", vpce))
    elif source_ip is not None:
        entries.append(_entry("aws:SourceIp", "ip", source_ip))
    return entries


def url_request(check: PresignCheck) -> UrlRequest:
    """The request the pre-flight decided, as its doors saw it (preflight._preflight), under the reading of written
    account ids the command line gives (`--account`), or none."""
    wanted = check.expectation
    known = {wanted.account: THIS_ACCOUNT} if wanted.account is not None else {}
    inventory, signer, bucket, point = read_as(known, check.inventory, check.signer, check.bucket, check.access_point)
    subject = subject_for(inventory, signer, bucket, point)
    credentials, life = lifetime.signer_lifetime(subject, wanted)
    what = object_label(bucket, point, wanted.key)
    return UrlRequest(subject, wanted, what, credentials, life, needs(wanted))


# --- the parts -----------------------------------------------------------------------------------------------------


def plan(request: UrlRequest, principal_arn: str | None = None) -> Plan:
    """The calls that confirm this URL's permissions, and what stays with the local verdict, with why. With
    `principal_arn` (a user or role of the account), AWS simulates that principal's own policies
    (SimulatePrincipalPolicy) in place of the identity policies the inputs give the signer."""
    parts: list[SimulationPart] = []
    skipped: list[NotSimulated] = []
    object_parts, why = _object_parts(request, principal_arn)
    parts += object_parts
    skipped += why
    kms_part, why = _kms_part(request, principal_arn)
    parts += kms_part
    skipped += why
    return Plan(parts, skipped)


def principal_is_user(arn: str) -> bool:
    return arn.split(":", 5)[-1].startswith("user/")


def principal_arn_problem(arn: str) -> str | None:
    """Why `--principal-arn` is not the ARN of an IAM user or role (what SimulatePrincipalPolicy takes and can
    sign a URL), or None."""
    parts = arn.split(":", 5)
    if (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[1].startswith("aws")
        and parts[2] == "iam"
        and parts[4].isdigit()
        and len(parts[4]) == 12
        and parts[5].startswith(("user/", "role/"))
        and len(parts[5].rsplit("/", 1)[-1]) > 0
    ):
        return None
    return f"--principal-arn {arn!r}: not the ARN of an IAM user or role (arn:aws:iam::123456789012:role/NAME)"


class Identity(NamedTuple):
    """Who AWS simulates: the identity policies the inputs give the signer (SimulateCustomPolicy), or a deployed
    principal's own (`--principal-arn`, SimulatePrincipalPolicy)."""

    fields: dict[str, Any]  # PolicyInputList and the boundary, or PolicySourceArn
    sources: dict[str, str]
    principal: str | None = None
    local: dict[str, Any] | None = None  # a principal's: the inputs' identity fields for the local engine, if any

    def caller(self, request: UrlRequest) -> str | None:
        """CallerArn with a resource policy: the signer's (a user), the principal's when it is a user; None when AWS
        cannot simulate a resource policy for it (a role's session)."""
        if self.principal is not None:
            return self.principal if principal_is_user(self.principal) else None
        return request.subject.caller if request.subject.signer.type == "user" else None

    def part(self, kind: PartKind, request: UrlRequest, call: dict[str, Any], **extra: Any) -> SimulationPart:
        """The part for `call` (everything but the identity); for a principal, with the local engine's twin: the
        inputs' identity policies and the signer as the caller."""
        asked = {**self.fields, **call}
        if self.principal is None or self.local is None:
            return SimulationPart(kind, asked, self.sources, **extra)
        twin = {**self.local, **call}
        if "CallerArn" in call:
            twin["CallerArn"] = request.subject.caller
        return SimulationPart(kind, asked, self.sources, **extra, local_request=twin)


def _identity(request: UrlRequest, what: str, principal: str | None) -> Identity | NotSimulated:
    """PolicyInputList and the permissions boundary, or why they cannot be sent; or the principal AWS reads them of,
    with the inputs' for the local engine when they can be sent."""
    custom = _custom_identity(request, what)
    if principal is None:
        return custom
    local = custom.fields if isinstance(custom, Identity) else None
    sources = dict(custom.sources) if isinstance(custom, Identity) else {}
    return Identity({"PolicySourceArn": principal}, sources, principal, local)


def _custom_identity(request: UrlRequest, what: str) -> Identity | NotSimulated:
    subject = request.subject
    if not subject.signer.defined:
        return NotSimulated(what, "the signer belongs to another account: its own policies are not known here")
    if subject.unknown_attachments or subject.unknown_boundary is not None:
        return NotSimulated(what, "the signer has policies these inputs do not hold (managed or unresolved)")
    if not subject.identity:
        return NotSimulated(what, "the signer has no identity policy: there is nothing to simulate, it is denied")
    try:
        documents = [policy_json(p) for p in subject.identity]
        boundary = [policy_json(subject.boundary)] if subject.boundary is not None else []
    except UnknownValue as unknown:
        return NotSimulated(what, f"a policy holds a value known only at apply ({unknown})")
    sources = {f"PolicyInputList.{n}": p.name for n, p in enumerate(subject.identity, 1)}
    fields: dict[str, Any] = {"PolicyInputList": documents}
    if boundary:
        fields["PermissionsBoundaryPolicyInputList"] = boundary
        assert subject.boundary is not None
        sources["PermissionsBoundaryPolicyInputList.1"] = subject.boundary.name
    return Identity(fields, sources)


def _tags(request: UrlRequest, actions: list[str], what: str) -> list[dict[str, object]] | NotSimulated:
    entries: dict[str, dict[str, object]] = {}
    subject = request.subject
    for action in actions:
        keys, unknown = tag_keys(subject.signer, action, subject.policies(subject.bucket.policy))
        if unknown:
            return NotSimulated(what, f"the tag {unknown[0].key} is not known before deployment")
        for name, value in keys.items():
            if isinstance(value, str):
                entries[name] = _entry(name, "string", value)
    return list(entries.values())


def _object_parts(request: UrlRequest, principal: str | None) -> tuple[list[SimulationPart], list[NotSimulated]]:
    what = str(PartKind.OBJECT)
    subject = request.subject
    if subject.access_point is not None:
        return [], [NotSimulated(what, "a URL through an access point (this increment simulates bucket URLs)")]
    if not subject.bucket.defined:
        return [], [NotSimulated(what, "the bucket is not defined here: its policy is not known")]
    identity = _identity(request, what, principal)
    if isinstance(identity, NotSimulated):
        return [], [identity]
    actions = [operation.action for operation in request.operations]
    tags = _tags(request, actions, what)
    if isinstance(tags, NotSimulated):
        return [], [tags]
    skipped: list[NotSimulated] = []
    sources = dict(identity.sources)
    bucket_policy = subject.bucket.policy
    resource_fields: dict[str, Any] = {}
    caller = identity.caller(request)
    if bucket_policy is not None and caller is None:
        # A role signs with a session (assumed-role ARN), which the simulator does not take as CallerArn, and it
        # simulates resource policies for IAM users only (iam-semantics.md §5; the IAM API Reference).
        skipped.append(NotSimulated("bucket policy", "AWS cannot simulate a resource policy for a role's session"))
    elif bucket_policy is not None:
        try:
            resource_fields = {
                "ResourcePolicy": policy_json(bucket_policy),
                "ResourceOwner": f"arn:aws:iam::{subject.bucket.account}:root",
                "CallerArn": caller,
            }
            sources["ResourcePolicy"] = bucket_policy.name
        except UnknownValue as unknown:
            skipped.append(NotSimulated("bucket policy", f"it holds a value known only at apply ({unknown})"))
    resources = [f"{subject.bucket.arn}/{key}" for key in sample_keys(request.expectation.key)]
    parts = []
    for source_ip in request.expectation.source_ips or (None,):
        call = {
            **resource_fields,
            "ActionNames": actions,
            "ResourceArns": resources,
            "ContextEntries": [*_url_context(request, source_ip), *tags],
        }
        whole = not skipped and not subject.scps and not subject.rcps
        parts.append(
            identity._replace(sources=sources).part(
                PartKind.OBJECT, request, call, opened_from=source_ip or "", whole=whole
            )
        )
    return parts, skipped


def _kms_part(request: UrlRequest, principal: str | None) -> tuple[list[SimulationPart], list[NotSimulated]]:
    what = str(PartKind.KMS)
    subject = request.subject
    encryption = subject.bucket.encryption
    if encryption is None or not encryption.algorithm.startswith("aws:kms") or encryption.kms_key is None:
        return [], []  # no key of the bucket's own: nothing to ask (the aws/s3 key serves every principal)
    key = find_key(subject.inventory, encryption.kms_key)
    if key is None:
        return [], [NotSimulated(what, "the bucket's key is not defined here: its key policy is not known")]
    identity = _identity(request, what, principal)
    if isinstance(identity, NotSimulated):
        return [], [identity]
    caller = identity.caller(request)
    if caller is None:
        return [], [NotSimulated(what, "AWS cannot simulate a key policy for a role's session")]
    try:
        key_policy = policy_json(key.policy or default_key_policy(key))
    except UnknownValue as unknown:
        return [], [NotSimulated(what, f"the key policy holds a value known only at apply ({unknown})")]
    sources = {**identity.sources, "ResourcePolicy": key.address}
    context = [_entry("kms:CallerAccount", "string", subject.signer.account or THIS_ACCOUNT)]
    if key.region:
        context.append(_entry("kms:ViaService", "string", f"s3.{key.region}.amazonaws.com"))
    call = {
        "ResourcePolicy": key_policy,
        "ResourceOwner": f"arn:aws:iam::{THIS_ACCOUNT}:root",
        "CallerArn": caller,
        "ActionNames": list(dict.fromkeys(kms_action(m) for m in request.expectation.methods)),
        "ResourceArns": [key.arn],
        "ContextEntries": context,
    }
    whole = not subject.scps and not subject.rcps
    return [identity._replace(sources=sources).part(PartKind.KMS, request, call, whole=whole)], []


# --- answers -------------------------------------------------------------------------------------------------------


def _position(raw: object) -> tuple[int, int]:
    if isinstance(raw, dict):
        return int(raw.get("Line", 0)), int(raw.get("Column", 0))
    return 0, 0


def read_results(evaluation_results: list[dict[str, Any]]) -> list[EvalResult]:
    """EvaluationResults (AWS's, or the offline engine's in the same shape) as typed results."""
    results = []
    for raw in evaluation_results:
        matched = tuple(
            AwsStatement(
                str(m.get("SourcePolicyId", "")), str(m.get("SourcePolicyType", "")), *_position(m.get("StartPosition"))
            )
            for m in raw.get("MatchedStatements", [])
        )
        explanation = raw.get("Explanation")
        uncertain = isinstance(explanation, dict) and explanation.get("Uncertain") is True
        results.append(
            EvalResult(
                action=str(raw["EvalActionName"]),
                resource=str(raw.get("EvalResourceName", "*")),
                decision=str(raw["EvalDecision"]),
                matched=matched,
                missing_context=tuple(str(k) for k in raw.get("MissingContextValues", [])),
                uncertain=uncertain,
            )
        )
    return results
