"""Generated policy texts for property tests: mostly documents `plain_policy` takes, some it leaves to
`build_policy` (numbers, nulls, repeated keys, odd shapes), written with varied white space and escapes."""

from __future__ import annotations

import json

from hypothesis import strategies as st


class _Members(list[tuple[str, object]]):
    """An object's members in order, a key perhaps repeated."""


_SPACE = st.sampled_from(["", "", " ", "\n", "\t", "\r\n  ", " \n "])
_WORDS = st.sampled_from(
    ["s3:GetObject", "*", "arn:aws:s3:::b/*", "Allow", "Deny", "2012-10-17", "a b", "é\u2028x", ""]
)
_STRINGS = st.one_of(_WORDS, _WORDS, _WORDS, st.text(max_size=5))
_EFFECTS = st.sampled_from(["Allow", "Deny"])
_KEY_NAMES = st.sampled_from(["aws:SourceIp", "aws:PrincipalTag/team", "a~b", "~1/", "s3:prefix", "é", "k k"])
# Mostly what a plain document holds, sometimes what it cannot (a number, null, an object).
_CONDITION_VALUES = st.one_of(
    _STRINGS,
    _STRINGS,
    st.booleans(),
    st.booleans(),
    st.integers(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_CONDITIONS = st.lists(
    st.tuples(
        st.sampled_from(["StringEquals", "Bool", "IpAddress", "ForAnyValue:StringLike", "Null"]),
        st.lists(
            st.tuples(_KEY_NAMES, st.one_of(_CONDITION_VALUES, st.lists(_CONDITION_VALUES, max_size=3))),
            max_size=3,
        ).map(_Members),
    ),
    max_size=3,
).map(_Members)
_TEXTS = st.one_of(_STRINGS, _STRINGS, st.lists(_STRINGS, max_size=3), st.lists(_STRINGS, max_size=3), st.integers())
_PRINCIPALS = st.one_of(
    st.just("*"),
    st.just("arn:aws:iam::111111111111:root"),
    st.lists(
        st.tuples(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Other"]), _TEXTS), max_size=3
    ).map(_Members),
)
_ELEMENTS = {
    "Sid": _STRINGS,
    "Effect": st.one_of(
        st.sampled_from(["Allow", "Deny"]), st.sampled_from(["Allow", "Deny"]), _STRINGS, st.integers()
    ),
    "Action": _TEXTS,
    "NotAction": _TEXTS,
    "Resource": _TEXTS,
    "NotResource": _TEXTS,
    "Principal": _PRINCIPALS,
    "NotPrincipal": _PRINCIPALS,
    "Condition": st.one_of(_CONDITIONS, _CONDITIONS, _CONDITIONS, _STRINGS),
}


@st.composite
def _statement(draw: st.DrawFn) -> _Members:
    # Effect and one of Action or NotAction usually, so that most statements are plain.
    names = ["Effect", draw(st.sampled_from(["Action", "NotAction"]))] if draw(st.integers(0, 4)) else []
    names += draw(st.lists(st.sampled_from(sorted(_ELEMENTS)), max_size=4))
    if draw(st.integers(0, 9)) == 0:
        names.append("Other")  # not a statement element
    if draw(st.integers(0, 9)):
        names = list(dict.fromkeys(names))  # usually no repeated element
    return _Members((name, draw(_ELEMENTS.get(name, _STRINGS))) for name in draw(st.permutations(names)))


_PLAIN_VALUES = st.one_of(_WORDS, st.booleans(), st.lists(st.one_of(_WORDS, st.booleans()), max_size=2))
_PLAIN_ELEMENTS = {
    "Sid": _WORDS,
    "Resource": st.one_of(_WORDS, st.lists(_WORDS, max_size=3)),
    "NotResource": st.one_of(_WORDS, st.lists(_WORDS, max_size=3)),
    "Principal": st.one_of(
        st.just("*"),
        st.lists(
            st.tuples(st.sampled_from(["AWS", "Service"]), st.one_of(_WORDS, st.lists(_WORDS, max_size=2))),
            max_size=2,
            unique_by=lambda member: member[0],
        ).map(_Members),
    ),
    "Condition": st.lists(
        st.tuples(
            st.sampled_from(["StringEquals", "Bool", "ForAnyValue:StringLike"]),
            st.lists(st.tuples(_KEY_NAMES, _PLAIN_VALUES), max_size=2, unique_by=lambda member: member[0]).map(
                _Members
            ),
        ),
        max_size=2,
        unique_by=lambda member: member[0],
    ).map(_Members),
}


@st.composite
def _plain_statement(draw: st.DrawFn) -> _Members:
    """A statement `plainly_valid` accepts, without numbers: the documents `plain_policy` takes are made of these."""
    names = ["Effect", draw(st.sampled_from(["Action", "NotAction"]))]
    names += draw(st.sets(st.sampled_from(["Sid", "Resource", "Principal", "Condition"])))
    elements = {"Effect": st.sampled_from(["Allow", "Deny"]), "Action": _TEXTS, "NotAction": _TEXTS}
    values = {**_PLAIN_ELEMENTS, **elements, "Action": _PLAIN_ELEMENTS["Resource"]}
    values["NotAction"] = values["Action"]
    return _Members((name, draw(values[name])) for name in draw(st.permutations(names)))


@st.composite
def documents(draw: st.DrawFn) -> str:
    statement = st.one_of(_statement(), _plain_statement(), _plain_statement(), _plain_statement())
    statements = st.lists(statement, max_size=3)
    members = [("Version", draw(st.sampled_from(["2012-10-17", "2008-10-17"])))] if draw(st.booleans()) else []
    if draw(st.integers(0, 9)) == 0:
        members = [("Version", 1)]
    members.append(("Statement", draw(st.one_of(statements, statements, statement, st.integers(0, 0)))))
    if draw(st.integers(0, 5)) == 0:
        members.append(("Id", draw(_STRINGS)))
    if draw(st.integers(0, 8)) == 0:
        members.append(("Statement", draw(statements)))

    return _written(draw, _Members(members))


@st.composite
def plain_documents(draw: st.DrawFn) -> str:
    """Documents of one to five statements that `plain_policy` takes, Version and Id before or after Statement."""
    members = [("Statement", draw(st.one_of(st.lists(_plain_statement(), min_size=1, max_size=5), _plain_statement())))]
    for name, value in (("Version", "2012-10-17"), ("Id", draw(_WORDS))):
        if draw(st.booleans()):
            members.insert(draw(st.integers(0, len(members))), (name, value))
    return _written(draw, _Members(members))


def _written(draw: st.DrawFn, document: _Members) -> str:
    """The document as JSON text, with varied white space, escapes and perhaps a byte order mark."""

    def write(value: object) -> str:
        space = draw(_SPACE)
        if isinstance(value, _Members):
            written = [f"{draw(_SPACE)}{json.dumps(k)}{draw(_SPACE)}:{write(v)}" for k, v in value]
            return f"{space}{{{','.join(written)}{draw(_SPACE)}}}"
        if isinstance(value, list):
            return f"{space}[{','.join(write(item) for item in value)}{draw(_SPACE)}]"
        return f"{space}{json.dumps(value, ensure_ascii=draw(st.integers(0, 4)) == 0)}"

    text = write(document) + draw(_SPACE)
    return ("\ufeff" if draw(st.integers(0, 9)) == 0 else "") + text
