"""Positioned JSON nodes -> the Policy model.

This is the one place where a policy document's many spellings (single value or list, `"*"` or
`{"AWS": "*"}`, a lone Statement object) are normalised. The Terraform source builds the same positioned nodes
for jsonencode/heredoc/policy_document values and calls `build_policy` too, so no rule ever branches on format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import cache
from itertools import islice
from typing import Any, Final, NamedTuple

from linter.model import (
    MAX_LISTED_PER_RULE,
    Condition,
    GrammarIssue,
    Location,
    Policy,
    PolicyKind,
    PrincipalRef,
    Principals,
    Statement,
    Text,
    substitutes_variables,
)
from linter.sources.jsonpos import (
    JArray,
    JMember,
    JNode,
    JObject,
    JScalar,
    JsonNumber,
    KeySpans,
    MemberItemSpans,
    Pairs,
    PointerSpans,
    Span,
    decode,
    is_string,
    parse,
    parse_lazily,
    to_python,
)

# A policy location maker: (span, json pointer) -> Location. Sources decide the file and address.
Locator = Callable[[Span, str], Location]


def file_locator(path: str, address: str | None = None) -> Locator:
    def locate(span: Span, pointer: str) -> Location:
        return Location.at(path, span, pointer, address)

    return locate


def policy_at(document: dict[str, Any], name: str, loc: Location, kind: PolicyKind) -> Policy:
    """A policy with no text of its own (AWS's default key policy, a stand-in): every element points at `loc`."""

    def at(span: Span, pointer: str) -> Location:
        return replace(loc, json_path=pointer)

    return build_policy(parse(json.dumps(document)), name, at, kind)


def _escape(segment: str | int) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def scalar_text(node: JScalar, locate: Locator, pointer: str) -> Text:
    value = node.value
    if node.unresolved is not None:
        return Text(value=str(value), loc=locate(node.span, pointer), unresolved=node.unresolved)
    if isinstance(value, bool):
        return Text(value="true" if value else "false", loc=locate(node.span, pointer), json_type="boolean")
    if value is None:
        return Text(value="", loc=locate(node.span, pointer), json_type="null")
    if isinstance(value, JsonNumber):
        return Text(value=str(value), loc=locate(node.span, pointer), json_type="number")
    if isinstance(value, (int, float)):
        return Text(value=json.dumps(value), loc=locate(node.span, pointer), json_type="number")
    return Text(value=value, loc=locate(node.span, pointer))


def _texts(node: JNode | None, locate: Locator, pointer: str) -> list[Text] | None:
    """String-or-list element -> list of Text; non-strings are dropped here and reported by the schema."""
    if node is None:
        return None
    if isinstance(node, JScalar):
        return [scalar_text(node, locate, pointer)] if is_string(node.value) else []
    if isinstance(node, JArray):
        return [
            scalar_text(item, locate, f"{pointer}/{i}")
            for i, item in enumerate(node.items)
            if isinstance(item, JScalar) and is_string(item.value)
        ]
    return []


def _principals(node: JNode | None, locate: Locator, pointer: str) -> Principals | None:
    if node is None:
        return None
    if isinstance(node, JScalar):
        star = node.value == "*"
        refs = [PrincipalRef(type="AWS", value=scalar_text(node, locate, pointer))] if star else []
        return Principals(loc=locate(node.span, pointer), star_form=star, refs=refs)
    refs = []
    if isinstance(node, JObject):
        for member in node.members:
            for text in _texts(member.value, locate, f"{pointer}/{_escape(member.key)}") or []:
                refs.append(PrincipalRef(type=member.key, value=text))
    return Principals(loc=locate(node.span, pointer), refs=refs)


def _conditions(node: JNode | None, locate: Locator, pointer: str) -> list[Condition]:
    if not isinstance(node, JObject):
        return []
    conditions = []
    for op_member in node.members:
        op_pointer = f"{pointer}/{_escape(op_member.key)}"
        operator = Text(value=op_member.key, loc=locate(op_member.key_span, op_pointer))
        if not isinstance(op_member.value, JObject):
            continue
        for key_member in op_member.value.members:
            key_pointer = f"{op_pointer}/{_escape(key_member.key)}"
            key = Text(value=key_member.key, loc=locate(key_member.key_span, key_pointer))
            raw = key_member.value
            items = raw.items if isinstance(raw, JArray) else [raw]
            values = [
                scalar_text(item, locate, f"{key_pointer}/{i}" if isinstance(raw, JArray) else key_pointer)
                for i, item in enumerate(items)
                if isinstance(item, JScalar)
            ]
            condition = Condition(
                operator=operator, key=key, values=values, loc=locate(key_member.key_span, key_pointer)
            )
            conditions.append(condition)
    return conditions


# Statement element -> how it is read into the model.
_TEXT_ELEMENTS: Final = {"Sid": "sid", "Effect": "effect"}
_LIST_ELEMENTS: Final = {
    "Action": "action",
    "NotAction": "not_action",
    "Resource": "resource",
    "NotResource": "not_resource",
}
_PRINCIPAL_ELEMENTS: Final = {"Principal": "principal", "NotPrincipal": "not_principal"}


def _statement(node: JObject, index: int, locate: Locator, pointer: str) -> Statement:
    # The last of duplicate keys wins, as IAM reads them; only the elements present are read (and given pointers).
    elements = {member.key: member.value for member in node.members}
    fields: dict[str, Any] = {}
    for key, value in elements.items():
        if key in _TEXT_ELEMENTS:
            if isinstance(value, JScalar) and is_string(value.value):
                fields[_TEXT_ELEMENTS[key]] = scalar_text(value, locate, f"{pointer}/{key}")
        elif key in _LIST_ELEMENTS:
            fields[_LIST_ELEMENTS[key]] = _texts(value, locate, f"{pointer}/{key}")
        elif key in _PRINCIPAL_ELEMENTS:
            fields[_PRINCIPAL_ELEMENTS[key]] = _principals(value, locate, f"{pointer}/{key}")
        elif key == "Condition":
            fields["conditions"] = _conditions(value, locate, f"{pointer}/Condition")
    return Statement(index=index, loc=locate(node.span, pointer), **fields)


def _find(root: JNode, path: list[str | int]) -> JNode | None:
    node: JNode | None = root
    for segment in path:
        if isinstance(node, JObject) and isinstance(segment, str):
            node = node.get(segment)
        elif isinstance(node, JArray) and isinstance(segment, int) and segment < len(node.items):
            node = node.items[segment]
        else:
            return node
    return node


@cache
def _validator() -> Any:
    from importlib import resources  # lazy: only an invalid policy needs the schema (9M instructions at start-up)

    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("linter.schema").joinpath("iam-policy.schema.json").read_text())
    return Draft202012Validator(schema)


def _schema_message(error: Any, path: list[str | int]) -> str:
    """jsonschema's messages quote whole sub-documents; keep them to one readable line."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "document"
    validator = error.validator
    if validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where}: unexpected element {', '.join(repr(e) for e in extra)}"
    if validator == "required":
        return f"{where}: {error.message.split(' is a required')[0]} is required"
    if validator == "not" and isinstance(error.schema.get("not"), dict):
        pair = error.schema["not"].get("required", [])
        return f"{where}: {' and '.join(pair)} cannot appear together"
    if validator == "anyOf":
        return f"{where}: one of Action or NotAction is required"
    if validator in ("oneOf", "type", "const"):
        return f"{where}: wrong type or shape ({type(error.instance).__name__} not allowed here)"
    return f"{where}: {error.message[:160]}"


_STATEMENT_KEYS: Final = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
}
_PRINCIPAL_TYPES: Final = {"AWS", "Service", "Federated", "CanonicalUser"}


def _is_text(node: JNode | None) -> bool:
    return isinstance(node, JScalar) and is_string(node.value)


def _is_texts(node: JNode | None) -> bool:
    return _is_text(node) or (isinstance(node, JArray) and all(_is_text(item) for item in node.items))


def _is_condition_value(node: JNode) -> bool:
    def scalar(item: JNode) -> bool:
        return isinstance(item, JScalar) and item.value is not None

    return scalar(node) or (isinstance(node, JArray) and all(scalar(item) for item in node.items))


def _plainly_valid_statement(node: JNode) -> bool:
    if not isinstance(node, JObject) or not _is_text(node.get("Effect")):
        return False
    keys = {m.key for m in node.members}
    if not keys <= _STATEMENT_KEYS | {"Condition"} or len(keys) != len(node.members):
        return False
    if ("Action" in keys) == ("NotAction" in keys) or {"Resource", "NotResource"} <= keys:
        return False
    if {"Principal", "NotPrincipal"} <= keys:
        return False
    for member in node.members:
        value = member.value
        if member.key in ("Principal", "NotPrincipal"):
            star = isinstance(value, JScalar) and value.value == "*"
            typed = isinstance(value, JObject) and all(
                m.key in _PRINCIPAL_TYPES and _is_texts(m.value) for m in value.members
            )
            if not (star or typed):
                return False
        elif member.key == "Condition":
            if not isinstance(value, JObject) or not all(
                isinstance(op.value, JObject) and all(_is_condition_value(k.value) for k in op.value.members)
                for op in value.members
            ):
                return False
        elif member.key in ("Sid", "Effect"):
            if not _is_text(value):
                return False
        elif not _is_texts(value):
            return False
    return True


def plainly_valid(root: JNode) -> bool:
    """True only for documents the JSON Schema certainly accepts, so the common case skips jsonschema (its import
    alone costs a pre-commit run ~70 ms). Anything unusual goes to the schema, which stays the authority; a property
    test holds this function to never accept what the schema rejects."""
    if not isinstance(root, JObject) or not {m.key for m in root.members} <= {"Version", "Id", "Statement"}:
        return False
    if any(m.key in ("Version", "Id") and not _is_text(m.value) for m in root.members):
        return False
    statements = root.get("Statement")
    if isinstance(statements, JArray):
        return all(_plainly_valid_statement(item) for item in statements.items)
    return statements is not None and _plainly_valid_statement(statements)


# Issues kept per kind: one more than a rule lists (`MAX_LISTED_PER_RULE`), so `check` says there are more. A real
# policy has a few dozen statements; past this, looking further would only cost time (rules look up these issues
# per statement) for findings nobody is shown.
MAX_KEPT_ISSUES = MAX_LISTED_PER_RULE + 1


@cache
def _statement_validator() -> Any:
    """The schema of one statement, to validate only the statements `plainly_valid` cannot vouch for."""
    from jsonschema import Draft202012Validator

    schema = _validator().schema
    return Draft202012Validator({**schema["$defs"]["statement"], "$defs": schema["$defs"]})


def _plain_top_level(root: JNode) -> bool:
    """A document whose top level the schema certainly accepts and whose Statement is a list."""
    if not isinstance(root, JObject) or not {m.key for m in root.members} <= {"Version", "Id", "Statement"}:
        return False
    if any(m.key in ("Version", "Id") and not _is_text(m.value) for m in root.members):
        return False
    return isinstance(root.get("Statement"), JArray)


def _schema_errors(root: JNode) -> Iterator[tuple[list[str | int], Any]]:
    """(path, jsonschema error) for every schema problem, lazily. When the top level is plain, each statement is
    validated on its own and only when `plainly_valid` cannot vouch for it: jsonschema costs ~0.1 ms a statement."""
    statements = root.get("Statement") if isinstance(root, JObject) else None
    if not (_plain_top_level(root) and isinstance(statements, JArray)):
        for error in _validator().iter_errors(to_python(root)):
            yield list(error.absolute_path), error
        return
    validator = _statement_validator()
    for index, item in enumerate(statements.items):
        if not _plainly_valid_statement(item):
            for error in validator.iter_errors(to_python(item)):
                yield ["Statement", index, *error.absolute_path], error


def _schema_issues(root: JNode, locate: Locator) -> Iterator[GrammarIssue]:
    if plainly_valid(root):
        return
    for path, error in islice(_schema_errors(root), MAX_KEPT_ISSUES):
        node = _find(root, path) or root
        pointer = "".join(f"/{_escape(p)}" for p in path)
        yield GrammarIssue(code="schema", message=_schema_message(error, path), loc=locate(node.span, pointer))


def _duplicate_members(root: JNode) -> Iterator[tuple[JMember, str]]:
    """Every repeated key with its JSON pointer, in document order. A stack of iterators rather than recursion
    (nesting depth is the input's to choose), and a pointer is spelled only for a duplicate."""
    path: list[str] = []  # the escaped segments down to the node whose children `stack[-1]` walks
    stack = [_children(root)]
    yield from ((member, f"/{_escape(member.key)}") for member in _duplicates(root))
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            if path:
                path.pop()
            continue
        segment, node = step
        if isinstance(node, JScalar):
            continue
        path.append(segment)
        for member in _duplicates(node):
            yield member, "".join(f"/{part}" for part in path) + f"/{_escape(member.key)}"
        stack.append(_children(node))


def _duplicates(node: JNode) -> Sequence[JMember]:
    return node.duplicates if isinstance(node, JObject) else ()


def _children(node: JNode) -> Iterator[tuple[str, JNode]]:
    if isinstance(node, JObject):
        return ((_escape(member.key), member.value) for member in node.members)
    if isinstance(node, JArray):
        return ((str(index), item) for index, item in enumerate(node.items))
    return iter(())


def _duplicate_issues(root: JNode, locate: Locator) -> Iterator[GrammarIssue]:
    for duplicate, pointer in islice(_duplicate_members(root), MAX_KEPT_ISSUES):
        message = f"duplicate key {duplicate.key!r}: AWS keeps only the last one, earlier values are ignored"
        yield GrammarIssue(code="duplicate-key", message=message, loc=locate(duplicate.key_span, pointer))


def looks_like_policy(node: JNode) -> bool:
    return isinstance(node, JObject) and node.get("Statement") is not None


def infer_kind(statements: list[Statement]) -> PolicyKind:
    """Best reading of what a policy is from its content; flags and config override it."""
    with_principal = [s for s in statements if s.principal is not None or s.not_principal is not None]
    if not with_principal:
        return PolicyKind.IDENTITY
    actions = [a.value.lower() for s in statements for a in s.actions_or_not()]
    if actions and all(
        a.startswith("sts:assumerole") or a in ("sts:tagsession", "sts:setsourceidentity") for a in actions
    ):
        return PolicyKind.TRUST
    if actions and all(a.startswith("kms:") for a in actions):
        return PolicyKind.KEY
    return PolicyKind.RESOURCE


# AWS's largest policy (32 KB) holds fewer than 11,000 statements; memory bounds how many more a hostile document
# gets. Measured on CPython 3.11: the positioned tree takes ~200 bytes per JSON value, ~280 more per object member and
# ~75 more per string, and the model ~1 KB per JSON value it holds (as pydantic models; the slotted dataclasses take
# less, so the bound still holds). Statements are modelled in order
# while both fit in 380 MB, which keeps a check of the largest document read (`jsonpos.MAX_VALUES`) under 500 MB; the
# rest are counted, and the size rule says how many were checked.
MAX_STATEMENTS = 300_000
_MEMORY_BUDGET = 380_000_000
_MODEL_BYTES_PER_VALUE = 1_000


class DocumentSize(NamedTuple):
    characters: int  # what AWS counts against its size quotas, at least (`document_size`)
    tree_bytes: int  # the memory its positioned tree takes, about
    values: int  # JSON values, keys not counted
    duplicates: bool  # whether some object repeats a key


def document_size(root: JNode) -> DocumentSize:
    """The characters AWS counts against a policy size quota, at least: the document without white space (IAM does not
    count it, outside strings or in them), each string as briefly as JSON can write it, a float as one digit and an
    unresolved Terraform value as nothing. A lower bound, so a quota it exceeds is certainly exceeded."""
    characters = tree_bytes = values = 0
    duplicates = False
    stack = [root]  # a stack, not recursion: nesting depth is the input's to choose
    while stack:
        node = stack.pop()
        values += 1
        tree_bytes += 200
        if isinstance(node, JScalar):
            characters += _scalar_size(node)
            tree_bytes += 75 if isinstance(node.value, str) else 0
        elif isinstance(node, JArray):
            characters += 1 + max(len(node.items), 1)  # brackets and the commas between items
            stack.extend(node.items)
        else:
            characters += 1 + max(len(node.members), 1)  # braces and the commas between members
            tree_bytes += 280 * len(node.members)
            duplicates = duplicates or bool(node.duplicates)
            for member in node.members:
                characters += _string_size(member.key) + 1  # the key and its colon
                stack.append(member.value)
    return DocumentSize(characters, tree_bytes, values, duplicates)


def _model_bytes(node: JNode) -> int:
    """The memory the model of a statement takes, about (an upper bound: not every value becomes a model)."""
    values = 0
    stack = [node]
    while stack:
        node = stack.pop()
        values += 1
        if isinstance(node, JArray):
            stack.extend(node.items)
        elif isinstance(node, JObject):
            stack.extend(member.value for member in node.members)
    return values * _MODEL_BYTES_PER_VALUE


def _string_size(text: str) -> int:
    if text.isprintable() and " " not in text and '"' not in text and "\\" not in text:
        return len(text) + 2  # the usual string: nothing to escape, no white space (printable excludes all but " ")
    return len("".join(json.dumps(text, ensure_ascii=False).split()))


def _scalar_size(node: JScalar) -> int:
    value = node.value
    if node.unresolved is not None:
        return 0
    if isinstance(value, bool):
        return 4 if value else 5
    if value is None:
        return 4
    if isinstance(value, JsonNumber):
        return len(value)
    if isinstance(value, str):
        return _string_size(value)
    if isinstance(value, int):
        return len(str(value))
    return 1


def _statements(raw: JNode | None, locate: Locator, size: DocumentSize) -> tuple[list[Statement], GrammarIssue | None]:
    """The modelled statements of a Statement element (a list, or one statement object), in order while they fit the
    memory budget, with an issue saying how many were left unchecked."""
    single = isinstance(raw, JObject)
    items: Sequence[JNode] = [raw] if isinstance(raw, JObject) else raw.items if isinstance(raw, JArray) else []
    budget = _MEMORY_BUDGET - size.tree_bytes
    fits = size.values * _MODEL_BYTES_PER_VALUE <= budget  # the whole document: no statement needs costing
    statements: list[Statement] = []
    for index, item in enumerate(items):
        pointer = "/Statement" if single else f"/Statement/{index}"
        cost = 0 if fits else _model_bytes(item)
        if index == MAX_STATEMENTS or cost > budget:
            message = f"only the first {index:,} of its {len(items):,} statements were checked"
            return statements, GrammarIssue(
                code="statements-not-checked", message=message, loc=locate(item.span, pointer)
            )
        budget -= cost
        if isinstance(item, JObject):
            statements.append(_statement(item, index, locate, pointer))
    return statements, None


def build_policy(root: JNode, name: str, locate: Locator, kind: PolicyKind | None = None) -> Policy:
    """Normalise a positioned policy document. Grammar problems become `issues`, never exceptions."""
    size = document_size(root)
    issues = list(_schema_issues(root, locate))
    if size.duplicates:
        issues += _duplicate_issues(root, locate)
    statements: list[Statement] = []
    version = policy_id = None
    if isinstance(root, JObject):
        statements, unchecked = _statements(root.get("Statement"), locate, size)
        issues += [unchecked] if unchecked is not None else []
        version_node = root.get("Version")
        if isinstance(version_node, JScalar) and is_string(version_node.value):
            version = scalar_text(version_node, locate, "/Version")
        id_node = root.get("Id")
        if isinstance(id_node, JScalar) and is_string(id_node.value):
            policy_id = scalar_text(id_node, locate, "/Id")
    return Policy(
        name=name,
        loc=locate(root.span, ""),
        kind=kind or infer_kind(statements),
        kind_inferred=kind is None,
        version=version,
        id=policy_id,
        statements=statements,
        statement_is_object=isinstance(root, JObject) and isinstance(root.get("Statement"), JObject),
        issues=issues,
        size=size.characters,
    )


# --- The usual policy text, modelled straight from what `json` reads ------------------------------------------------

# A text this long cannot hold a statement past `MAX_STATEMENTS` or a model past the memory budget, so neither check
# applies (AWS's largest policy is 20 KB).
_PLAIN_TEXT_LIMIT: Final = 100_000
_TOP_KEYS: Final = frozenset(("Version", "Id", "Statement"))
_PLAIN_STATEMENT_KEYS: Final = frozenset((*_STATEMENT_KEYS, "Condition"))
_JSON_WHITE_SPACE: Final = (" ", "\n", "\r", "\t")


class _NotPlain(Exception):
    """A document that `plain_policy` leaves to `build_policy`."""


def read_policy(text: str, name: str, kind: PolicyKind | None = None, address: str | None = None) -> Policy:
    """`build_policy(parse_lazily(text), name, file_locator(name, address), kind)`: the same model, positions included,
    and the same JsonSyntaxError. The usual document (`plain_policy`) is modelled without a positioned tree."""
    return plain_policy(text, name, kind, address) or build_policy(
        parse_lazily(text), name, file_locator(name, address), kind
    )


def read_document(text: str, name: str, kind: PolicyKind | None = None) -> Policy | PlainDocument:
    """`read_policy`, but the usual document is left unmodelled (`PlainDocument`): for a caller that decides from its
    values and builds the model of what it reports only."""
    return plain_document(text, name, kind) or build_policy(parse_lazily(text), name, file_locator(name), kind)


def plain_policy(text: str, name: str, kind: PolicyKind | None = None, address: str | None = None) -> Policy | None:
    """The model `build_policy` makes of `text` when it is the usual policy, else None: JSON that `plainly_valid`
    accepts, with no repeated key, no number and no backslash escape (so that its size is its characters without white
    space). The model is built from the values `json` reads, ~4 times quicker than from positioned nodes, and each
    location finds its position from its JSON pointer when first asked (`jsonpos.PointerSpans`)."""
    document = plain_document(text, name, kind, address)
    return None if document is None else document.policy()


def plain_document(
    text: str, name: str, kind: PolicyKind | None = None, address: str | None = None
) -> PlainDocument | None:
    """`text` read and checked as `plain_policy` takes it, before any model is built; None when it does not."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > _PLAIN_TEXT_LIMIT or "\\" in text:
        return None
    try:
        root = decode(text)
    except (ValueError, RecursionError):
        return None
    if type(root) is not Pairs:
        return None
    try:
        return PlainDocument(root, text, name, kind, address)
    except _NotPlain:
        return None


class PlainDocument:
    """A policy text `plain_policy` takes, its statements checked as the model is built of them, and no model built
    yet: `elements` holds each statement's elements as `json` read them (below), for a caller that decides from the
    values alone (`engine.policies`), and the model of one statement (`statement`) or of the whole policy (`policy`)
    is built when first asked for, the same as `plain_policy` builds.

    Each statement's elements, by JSON key: Sid and Effect a string; Action, NotAction, Resource and NotResource a
    string or a list of strings; Principal and NotPrincipal "*" or a dict of principal types, each a string or a list
    of strings; Condition a dict of operators, each a dict of keys, each a string, a boolean or a list of them."""

    __slots__ = (
        "_address",
        "_built",
        "_policy",
        "_statement_place",
        "elements",
        "kind",
        "name",
        "policy_id",
        "statement_is_object",
        "text",
        "version",
    )

    def __init__(
        self, root: list[tuple[str, object]], text: str, name: str, kind: PolicyKind | None, address: str | None
    ) -> None:
        top = _unique(root)
        if not top.keys() <= _TOP_KEYS or "Statement" not in top:
            raise _NotPlain
        self.version = _string(top["Version"]) if "Version" in top else None
        self.policy_id = _string(top["Id"]) if "Id" in top else None
        raw = top["Statement"]
        self.elements: tuple[dict[str, Any], ...]
        if type(raw) is Pairs:
            self.elements = (_checked_statement(raw),)
        elif type(raw) is list:
            self.elements = tuple([_checked_statement(item) for item in raw])
        else:
            raise _NotPlain
        self.statement_is_object = type(raw) is Pairs
        self.text = text
        self.name = name
        self.kind = kind
        self._statement_place = list(top).index("Statement")  # the members before it
        self._address = address
        self._built: _PlainBuilder | None = None  # most documents of a batch are decided without a position
        self._policy: Policy | None = None

    issues: tuple[()] = ()  # what `Policy.issues` would hold: the schema certainly accepts the document

    def _builder(self) -> _PlainBuilder:
        if self._built is None:
            # A statement's position is found from what was read of the text: the members before Statement hold
            # strings (Version, Id), and the text no backslash.
            spans = MemberItemSpans(self.text, "Statement", self._statement_place)
            self._built = _PlainBuilder(self.name, spans, self._address)
        return self._built

    @property
    def supports_variables(self) -> bool:
        """As `Policy.supports_variables`."""
        return substitutes_variables(self.version)

    def condition_values(self, index: int) -> Iterator[tuple[str, str, tuple[str, ...]]]:
        """(operator, key, values) of each operator and key of statement `index`'s Condition, as its model holds
        their values (`Text.value`: a boolean as JSON writes it)."""
        for operator, keys in self.elements[index].get("Condition", {}).items():
            for key, raw in keys.items():
                yield operator, key, tuple([_condition_text(item) for item in (raw if type(raw) is list else (raw,))])

    def resource_values(self, index: int) -> Sequence[str]:
        """The values of statement `index`'s Resource or NotResource, which it has."""
        elements = self.elements[index]
        values = elements["Resource"] if "Resource" in elements else elements["NotResource"]
        return (values,) if type(values) is str else values

    def pointer(self, index: int) -> str:
        """The JSON pointer of statement `index`."""
        return "/Statement" if self.statement_is_object else f"/Statement/{index}"

    def location(self, index: int) -> Location:
        """Statement `index`'s location, as its model has it."""
        return self._builder().at(self.pointer(index))

    def statement(self, index: int) -> Statement:
        """The model of statement `index`, built anew: equal to the policy's."""
        return self._builder().statement(self.elements[index], index, self.pointer(index))

    def policy(self) -> Policy:
        """The model `plain_policy` makes of the text, built once."""
        if self._policy is None:
            self._policy = self._builder().policy(self)
        return self._policy


def _checked_statement(raw: object) -> dict[str, object]:
    """A statement's elements as `PlainDocument.elements` holds them; raises _NotPlain for a statement that
    `plainly_valid` would not vouch for, or that `build_policy` would read otherwise (a repeated key)."""
    if type(raw) is not Pairs:
        raise _NotPlain
    elements = dict(raw)
    if (
        len(elements) != len(raw)  # a repeated key
        or not elements.keys() <= _PLAIN_STATEMENT_KEYS
        or "Effect" not in elements
        or ("Action" in elements) == ("NotAction" in elements)
        or ("Resource" in elements and "NotResource" in elements)
        or ("Principal" in elements and "NotPrincipal" in elements)
    ):
        raise _NotPlain
    for key, value in elements.items():
        if key in _PRINCIPAL_ELEMENTS:
            elements[key] = _checked_principals(value)
        elif key == "Condition":
            elements[key] = _checked_conditions(value)
        elif type(value) is not str:  # Sid and Effect must be strings, the other elements strings or lists of them
            if key in _TEXT_ELEMENTS:
                raise _NotPlain
            _strings(value)
    return elements


def _checked_principals(value: object) -> object:
    if value == "*" and type(value) is str:
        return value
    if type(value) is not Pairs:
        raise _NotPlain
    members = _unique(value)
    if not members.keys() <= _PRINCIPAL_TYPES:
        raise _NotPlain
    for texts in members.values():
        _strings(texts)
    return members


def _checked_conditions(value: object) -> dict[str, dict[str, object]]:
    if type(value) is not Pairs:
        raise _NotPlain
    conditions = {}
    for operator_name, keys in _unique(value).items():
        if type(keys) is not Pairs:
            raise _NotPlain
        members = conditions[operator_name] = _unique(keys)
        for raw in members.values():
            for item in raw if type(raw) is list else (raw,):
                if type(item) is not str and item is not True and item is not False:
                    raise _NotPlain  # null, or a number (whose text `json` drops)
    return conditions


class _PlainBuilder:
    """`build_policy` for the checked elements of a `PlainDocument`, element by element as `_statement` and its
    helpers read them."""

    __slots__ = ("address", "keys", "name", "spans")

    def __init__(self, name: str, spans: PointerSpans, address: str | None) -> None:
        self.name = name
        self.spans = spans
        self.keys = KeySpans(spans)
        self.address = address

    def at(self, pointer: str) -> Location:
        return Location.at(self.name, self.spans, pointer, self.address)

    def key_at(self, pointer: str) -> Location:
        return Location.at(self.name, self.keys, pointer, self.address)

    def policy(self, document: PlainDocument) -> Policy:
        statements = [
            self.statement(elements, index, document.pointer(index)) for index, elements in enumerate(document.elements)
        ]
        version, policy_id = document.version, document.policy_id
        return Policy(
            name=self.name,
            loc=self.at(""),
            kind=document.kind or infer_kind(statements),
            kind_inferred=document.kind is None,
            version=None if version is None else Text(version, self.at("/Version")),
            id=None if policy_id is None else Text(policy_id, self.at("/Id")),
            statements=statements,
            statement_is_object=document.statement_is_object,
            issues=[],
            size=_plain_size(document.text),
        )

    def statement(self, elements: dict[str, Any], index: int, pointer: str) -> Statement:
        fields: dict[str, Any] = {}
        for key, value in elements.items():
            if key in _TEXT_ELEMENTS:
                fields[_TEXT_ELEMENTS[key]] = Text(value, self.at(f"{pointer}/{key}"))
            elif key in _LIST_ELEMENTS:
                fields[_LIST_ELEMENTS[key]] = self.texts(value, f"{pointer}/{key}")
            elif key in _PRINCIPAL_ELEMENTS:
                fields[_PRINCIPAL_ELEMENTS[key]] = self.principals(value, f"{pointer}/{key}")
            else:
                fields["conditions"] = self.conditions(value, f"{pointer}/Condition")
        return Statement(index=index, loc=self.at(pointer), **fields)

    def texts(self, value: str | list[str], pointer: str) -> list[Text]:
        if type(value) is str:
            return [Text(value, self.at(pointer))]
        return [Text(item, self.at(f"{pointer}/{i}")) for i, item in enumerate(value)]

    def principals(self, value: str | dict[str, Any], pointer: str) -> Principals:
        loc = self.at(pointer)
        if isinstance(value, str):
            return Principals(loc=loc, star_form=True, refs=[PrincipalRef(type="AWS", value=Text("*", loc))])
        refs = [
            PrincipalRef(type=kind, value=text)
            for kind, texts in value.items()
            for text in self.texts(texts, f"{pointer}/{_escape(kind)}")
        ]
        return Principals(loc=loc, refs=refs)

    def conditions(self, value: dict[str, dict[str, Any]], pointer: str) -> list[Condition]:
        conditions = []
        for operator_name, keys in value.items():
            operator_pointer = f"{pointer}/{_escape(operator_name)}"
            operator = Text(operator_name, self.key_at(operator_pointer))
            for key_name, raw in keys.items():
                key_pointer = f"{operator_pointer}/{_escape(key_name)}"
                key_loc = self.key_at(key_pointer)
                if type(raw) is list:
                    values = [_condition_value(item, self.at(f"{key_pointer}/{i}")) for i, item in enumerate(raw)]
                else:
                    values = [_condition_value(raw, self.at(key_pointer))]
                conditions.append(Condition(operator=operator, key=Text(key_name, key_loc), values=values, loc=key_loc))
        return conditions


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    elements = dict(pairs)
    if len(elements) != len(pairs):
        raise _NotPlain  # a repeated key: `build_policy` reports it
    return elements


def _string(value: object) -> str:
    if type(value) is not str:
        raise _NotPlain
    return value


def _strings(value: object) -> None:
    """A string, or a list of strings."""
    if type(value) is not str:
        if type(value) is not list:
            raise _NotPlain
        for item in value:
            if type(item) is not str:
                raise _NotPlain


def _condition_value(value: str | bool, loc: Location) -> Text:
    """`scalar_text` of a condition value `_checked_conditions` took: a string or a boolean."""
    if type(value) is str:
        return Text(value, loc)
    return Text(_condition_text(value), loc, "boolean")


def _condition_text(value: str | bool) -> str:
    """A condition value as IAM reads it: a boolean as JSON writes it."""
    if type(value) is str:
        return value
    return "true" if value else "false"


def _plain_size(text: str) -> int:
    """`document_size(...).characters` of a document `plain_policy` takes: every string is written as briefly as JSON
    can (no escape) and there is no number, so it is the text without its white space, in strings or out of them. In
    ASCII text only JSON's four white space characters can appear (the others are control characters, escaped)."""
    if text.isascii():
        return len(text) - sum(map(text.count, _JSON_WHITE_SPACE))
    return len("".join(text.split()))
