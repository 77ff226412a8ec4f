"""Policy variables (IAM User Guide, reference_policies_variables).

`${key}` and `${key, 'default'}` are replaced by the request's value for a single-valued context key; `${*}`,
`${?}` and `${$}` are the literal characters. Only Version 2012-10-17 policies substitute; in any other version the
text is literal, `${` included.

Substituted text must never act as a wildcard, so literal `*` and `?` are carried as two private-use characters
that the glob compilers in `matching` translate to escaped characters (`literal` / `plain` convert).
"""

from __future__ import annotations

from typing import NamedTuple

from linter.engine.context import UNKNOWN, Context, Unknown
from linter.lazy_re import lazy_compile

_LITERAL_STAR = "\ue000"
_LITERAL_QMARK = "\ue001"
_ENCODE = str.maketrans({"*": _LITERAL_STAR, "?": _LITERAL_QMARK})
_DECODE = str.maketrans({_LITERAL_STAR: "*", _LITERAL_QMARK: "?"})

_VARIABLE = lazy_compile(r"\$\{([^}]*)\}")
_KEY_AND_DEFAULT = lazy_compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")


def literal(text: str) -> str:
    """`text` as pattern text in which `*` and `?` are ordinary characters."""
    return text.translate(_ENCODE)


def plain(pattern_text: str) -> str:
    """The characters a pattern text stands for (for equality comparisons, which have no wildcards)."""
    # The markers are not ASCII: an ASCII text (almost every one) holds none, and `isascii` is far quicker to ask.
    return pattern_text if pattern_text.isascii() else pattern_text.translate(_DECODE)


# Marker -> the character it stands for, for the glob compilers.
LITERAL_MARKERS = {_LITERAL_STAR: "*", _LITERAL_QMARK: "?"}


class Variable(NamedTuple):
    key: str  # lower-cased: context key names are case-insensitive
    default: str | None
    text: str  # as written, for messages


class Template(NamedTuple):
    """A value with at least one real variable; literal pieces are pattern text."""

    pieces: tuple[str | Variable, ...]

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(piece for piece in self.pieces if isinstance(piece, Variable))

    def resolve(self, context: Context) -> str | Unknown | None:
        """Pattern text for this request; None when a variable has no value (the entry then matches nothing)."""
        out: list[str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = context.get(piece.key)
            if value is UNKNOWN:
                return UNKNOWN
            if isinstance(value, str):
                out.append(literal(value))
            elif piece.default is not None:
                # Absent and multi-valued keys both have no single value to substitute.
                out.append(literal(piece.default))
            else:
                return None
        return "".join(out)

    def missing(self, context: Context) -> list[str]:
        """Variables this request gives no value for (a reason a statement did not match)."""
        return [v.text for v in self.variables if not isinstance(context.get(v.key), str) and v.default is None]


def parse(text: str, substitute: bool) -> str | Template:
    """Pattern text (no variables) or a Template; `substitute` is False outside Version 2012-10-17."""
    if not substitute or "${" not in text:
        return text
    pieces: list[str | Variable] = []
    position = 0
    # Up to the last `}`: past it no `${` can close, and each such `${` would rescan the rest (32,000 of them: 12 s).
    for match in _VARIABLE.finditer(text, 0, text.rfind("}") + 1):
        pieces.append(text[position : match.start()])
        position = match.end()
        inner = match.group(1)
        if inner in ("*", "?", "$"):
            pieces.append(literal(inner))
            continue
        parts = _KEY_AND_DEFAULT.fullmatch(inner)
        if parts is None:
            # Not variable syntax: AWS would reject or keep it; keeping it literal never invents a match.
            pieces.append(literal(match.group(0)))
        else:
            pieces.append(Variable(parts.group(1).lower(), parts.group(2), match.group(0)))
    pieces.append(text[position:])
    if not any(isinstance(piece, Variable) for piece in pieces):
        return "".join(piece for piece in pieces if isinstance(piece, str))
    merged: list[str | Variable] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + piece
        elif piece != "":
            merged.append(piece)
    return Template(tuple(merged))
