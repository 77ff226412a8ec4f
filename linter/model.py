"""The one model every source produces and every rule and engine reads.

Sources (raw JSON, Terraform HCL, plan JSON) normalise into these classes once; nothing downstream knows
which format a policy came from. Every node keeps its source location so findings can point at the exact
element, whatever the input format was.
"""

# No `from __future__ import annotations` in this module: `_built` reads the dataclasses' field types.
from collections.abc import Callable
from dataclasses import asdict, field, replace
from enum import StrEnum
from importlib import import_module
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, cast, get_args, get_origin, get_type_hints

from linter.record import fast_record, record
from linter.safe_text import MESSAGE_LIMIT, bounded

if TYPE_CHECKING:
    from linter.sources.jsonpos import KeySpans, PointerSpans, Span

# How many findings of one rule a policy lists: a real policy has far fewer of any one kind, a generated or hostile
# one may hold 100,000 (unknown condition keys, schema problems). `check` lists this many and one saying there are
# more; the sources keep one more issue than this, so that message appears, and no more (their work stays linear).
MAX_LISTED_PER_RULE = 100


@record(frozen=True, init=False)
class Location:
    """Where a node came from: file, 1-based line/column span, JSON pointer inside the policy, TF address.

    A location built from a span (`Location.at`) reads its line and column from the span the first time one is asked
    for: a document parsed lazily (`jsonpos.parse_lazily`) then finds positions only for what a finding or a matched
    statement reports. Equality, hashing and `dataclasses.replace` read them as any other field.
    """

    __slots__ = ("_span", "address", "column", "end_column", "end_line", "file", "json_path", "line")

    file: str
    line: int
    column: int
    end_line: int | None
    end_column: int | None
    json_path: str
    address: str | None
    if TYPE_CHECKING:  # not a field: what `at` reads the positions from
        _span: "Span | PointerSpans | KeySpans"

    def __init__(
        self,
        file: str,
        line: int = 1,
        column: int = 1,
        end_line: int | None = None,
        end_column: int | None = None,
        json_path: str = "",
        address: str | None = None,
    ) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)
        _set(self, "json_path", json_path)
        _set(self, "address", address)

    @classmethod
    def at(cls, file: str, span: "Span | PointerSpans | KeySpans", json_path: str, address: str | None) -> "Location":
        """The location of a node at `span`, its line and column read from the span only when first asked for; or,
        given the spans of a whole document, from the span of the node `json_path` names."""
        location = _new(cls)
        # The slots' own setters: a third quicker than object.__setattr__, and a policy has a location per value.
        _set_file(location, file)
        _set_span(location, span)
        _set_json_path(location, json_path)
        _set_address(location, address)
        return location

    def __getattr__(self, name: str) -> int:
        # Only the position fields of a location made by `at` are unset; they come to here once.
        if name not in _POSITION_FIELDS:
            raise AttributeError(name)
        found = self._span
        if hasattr(type(found), "span_of"):
            # The spans of a whole document, by pointer (`jsonpos.PointerSpans`): one object for all its locations.
            found = cast("PointerSpans | KeySpans", found).span_of(self.json_path)
        span = cast("Span", found)
        _set(self, "line", span.line)
        _set(self, "column", span.column)
        _set(self, "end_line", span.end_line)
        _set(self, "end_column", span.end_column)
        return int(getattr(self, name))

    def __getstate__(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in _FIELDS}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            _set(self, name, value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        return _instance_schema(cls)

    def child(self, segment: str | int) -> str:
        """The JSON pointer of a child of this node (RFC 6901 escaping)."""
        text = str(segment).replace("~", "~0").replace("/", "~1")
        return f"{self.json_path}/{text}"

    def short(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class _Node:
    """The base of the policy model's dataclasses.

    Inside a pydantic model (a Finding, the inventory's resources) a node is taken as it is: the schema pydantic would
    generate for a dataclass costs ~2 ms for each model that holds a Policy, 2% of checking the Terraform corpus."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        return _instance_schema(cls)


def _instance_schema(cls: type) -> Any:
    """A pydantic schema taking an instance of `cls` as it is, serialising it as a dict of its fields, and building it
    from such a dict (the inventory read back from JSON, `presign.readings`)."""
    from pydantic_core import core_schema  # lazy: pydantic asks only when it builds a model holding a node

    def validate(value: object) -> object:
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return _built(cls, value)
        raise ValueError(f"not a {cls.__name__}: {value!r}")

    return core_schema.no_info_plain_validator_function(
        validate, serialization=core_schema.plain_serializer_function_ser_schema(asdict)
    )


def _built(cls: type, fields: dict[str, object]) -> object:
    hints = get_type_hints(cls)
    return cls(**{name: _read(hints[name], value) for name, value in fields.items()})


def _read(hint: object, value: object) -> object:
    """`value` (as JSON holds it) as a field typed `hint` holds it: nodes built, lists read item by item."""
    if value is None:
        return None
    if isinstance(hint, UnionType):  # `X | None`: the value is an X
        hint = next(arg for arg in get_args(hint) if arg is not NoneType)
    if get_origin(hint) is list and isinstance(value, list):
        return [_read(get_args(hint)[0], item) for item in value]
    if isinstance(hint, type) and issubclass(hint, (_Node, Location)) and isinstance(value, dict):
        return _built(hint, value)
    if hint is PolicyKind:
        return PolicyKind(str(value))
    return value


_set = object.__setattr__
_new = object.__new__
_set_file = Location.__dict__["file"].__set__
_set_span = Location.__dict__["_span"].__set__
_set_json_path = Location.__dict__["json_path"].__set__
_set_address = Location.__dict__["address"].__set__
_POSITION_FIELDS = frozenset(("line", "column", "end_line", "end_column"))
_FIELDS = ("file", "line", "column", "end_line", "end_column", "json_path", "address")


@fast_record(frozen=True, slots=True)
class Text(_Node):
    """A scalar from a policy with its location.

    `value` is the text as AWS would read it (JSON booleans and numbers become their JSON spelling, which is how
    IAM treats them). `unresolved` holds the source expression when a Terraform value could not be resolved: the
    value is then unknown and anything that depends on it must be reported as uncertain, never guessed.
    """

    value: str
    loc: Location
    json_type: str = "string"
    unresolved: str | None = None

    @property
    def is_unknown(self) -> bool:
        return self.unresolved is not None


class PolicyKind(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    KEY = "key"

    @property
    def takes_principal(self) -> bool:
        return self in (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP, PolicyKind.KEY)


@fast_record(frozen=True, slots=True)
class PrincipalRef(_Node):
    """One principal entry: `{"AWS": "arn:..."}` gives type AWS and that ARN; `"*"` gives type AWS and `*`."""

    type: str
    value: Text


@fast_record(frozen=True, slots=True)
class Principals(_Node):
    loc: Location
    star_form: bool = False  # written as the bare string "*" rather than {"AWS": "*"}
    refs: list[PrincipalRef] = field(default_factory=list)

    @property
    def is_everyone(self) -> bool:
        return any(ref.type == "AWS" and ref.value.value == "*" for ref in self.refs)


@fast_record(frozen=True, slots=True)
class Condition(_Node):
    """One operator/key pair of a Condition block with its values (values OR, pairs AND)."""

    operator: Text
    key: Text
    values: list[Text]
    loc: Location


@fast_record(frozen=True, slots=True)
class Statement(_Node):
    index: int
    loc: Location
    sid: Text | None = None
    effect: Text | None = None
    action: list[Text] | None = None
    not_action: list[Text] | None = None
    resource: list[Text] | None = None
    not_resource: list[Text] | None = None
    principal: Principals | None = None
    not_principal: Principals | None = None
    conditions: list[Condition] = field(default_factory=list)

    @property
    def is_allow(self) -> bool:
        return self.effect is not None and self.effect.value == "Allow"

    @property
    def label(self) -> str:
        """How messages name the statement: its Sid when it has one, else its index."""
        if self.sid is not None and self.sid.value:
            return f"statement {self.index} ({self.sid.value!r})"
        return f"statement {self.index}"

    def actions_or_not(self) -> list[Text]:
        return self.action if self.action is not None else (self.not_action or [])

    def resources_or_not(self) -> list[Text]:
        return self.resource if self.resource is not None else (self.not_resource or [])


@record(frozen=True, slots=True)
class GrammarIssue(_Node):
    """A problem the source found while normalising (schema violation, duplicate key, bad shape)."""

    code: str  # "schema" | "duplicate-key"
    message: str
    loc: Location


@fast_record(frozen=True, slots=True)
class Policy(_Node):
    name: str  # how output names it: the file path, or the Terraform address with its attribute
    loc: Location
    kind: PolicyKind
    kind_inferred: bool = True
    version: Text | None = None
    id: Text | None = None
    statements: list[Statement] = field(default_factory=list)
    statement_is_object: bool = False
    issues: list[GrammarIssue] = field(default_factory=list)
    # The characters AWS counts against its policy size quotas, at least (`policy_document.document_size`).
    size: int = 0

    @property
    def file(self) -> str:
        return self.loc.file

    @property
    def version_value(self) -> str | None:
        return self.version.value if self.version is not None else None

    @property
    def supports_variables(self) -> bool:
        return substitutes_variables(self.version_value)


def substitutes_variables(version: str | None) -> bool:
    """Policy variables are substituted only under Version 2012-10-17; otherwise they are literal text."""
    return version == "2012-10-17"


def with_texts(policy: Policy, change: Callable[[Text], Text]) -> Policy:
    """The policy with `change` applied to every Text it holds (Version, Id and every statement element)."""

    def one(text: Text | None) -> Text | None:
        return None if text is None else change(text)

    def each(texts: list[Text] | None) -> list[Text] | None:
        return None if texts is None else [change(text) for text in texts]

    def principals(element: Principals | None) -> Principals | None:
        if element is None:
            return None
        return replace(element, refs=[replace(ref, value=change(ref.value)) for ref in element.refs])

    statements = [
        replace(
            statement,
            sid=one(statement.sid),
            effect=one(statement.effect),
            action=each(statement.action),
            not_action=each(statement.not_action),
            resource=each(statement.resource),
            not_resource=each(statement.not_resource),
            principal=principals(statement.principal),
            not_principal=principals(statement.not_principal),
            conditions=[
                replace(c, operator=change(c.operator), key=change(c.key), values=[change(v) for v in c.values])
                for c in statement.conditions
            ],
        )
        for statement in policy.statements
    ]
    return replace(policy, version=one(policy.version), id=one(policy.id), statements=statements)


@record(frozen=True, slots=True, kw_only=True)
class InputError:
    """Input the tool could not read (missing file, malformed JSON or HCL, unresolvable reference): exit 2."""

    message: str
    loc: Location

    def __post_init__(self) -> None:
        if len(self.message) > MESSAGE_LIMIT:  # it quotes an input of that size (`bounded`)
            object.__setattr__(self, "message", bounded(self.message))

    def render(self) -> str:
        return f"{self.loc.short()}: {self.message}"

    def model_copy(self, *, update: dict[str, Any] | None = None) -> "InputError":
        """A copy with some fields replaced, as the pydantic model this was offered (unvalidated, as there)."""
        return replace(self, **(update or {}))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        return _instance_schema(cls)


# --- Inventory: what cross-resource rules (presign) need to know about an account's resources ---------------------

# The account a Terraform root module deploys into, when nothing pins its id (data.aws_caller_identity). Every
# resource of one module lives in it, so comparisons between them are exact; comparisons with other, hard-coded
# account ids assume this account is none of them.
THIS_ACCOUNT = "000000000000"


def account_label(account: str) -> str:
    """How messages name an account: the configuration's own account has no id worth showing."""
    return "this configuration's account" if account == THIS_ACCOUNT else f"account {account}"


# The region part of the stand-in ARNs (`regional_arn`, `KmsKey.THIS_REGION`).
THIS_REGION = "this-region"


def regional_arn(service: str, resource: str, region: str | None) -> str:
    """The ARN of a regional resource of these inputs, in their account: the one place stand-in ARNs are built.

    `region` None (nothing in the configuration sets it) reads as `THIS_REGION`: like the account, the region is one
    for every resource of a root module, so a policy naming a resource by reference compares exactly with it.
    """
    return f"arn:aws:{service}:{region or THIS_REGION}:{THIS_ACCOUNT}:{resource}"


# The inventory's classes are defined in `linter.inventory`, which a check of policy files never needs (and which
# once imported pydantic). They are named here as well, as they always were, and loaded the first time one is asked
# for.
INVENTORY_NAMES = frozenset(
    (
        "AccessPoint",
        "AttachedPolicy",
        "Bucket",
        "Encryption",
        "Inventory",
        "KmsGrant",
        "KmsKey",
        "OrganizationPolicy",
        "PrincipalResource",
        "PublicAccessBlock",
        "Unresolved",
        "VpcEndpoint",
    )
)


def __getattr__(name: str) -> Any:
    if name in INVENTORY_NAMES:
        # By name, not by an import statement: `linter.inventory` is built on this module's classes, and this module
        # only hands its names on (an import statement here would be an import cycle to tests/test_import_graph.py).
        return getattr(import_module("linter.inventory"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
