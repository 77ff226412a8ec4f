"""A JSON document held in a string of another, parsed with its positions in the outer text.

AWS CLI outputs carry policies so: `aws s3api get-bucket-policy` prints `{"Policy": "{\\"Version\\": ...}"}`, and
IAM's API returns documents URL-encoded. `parse_embedded` places every value of the inner document where the outer
text writes it, escape sequences and percent-encodings included, so findings point at the file's line and column.
A module of its own, imported only when such an output is read: a policy file never needs it.
"""

from __future__ import annotations

from array import array

from linter.lazy_re import lazy_compile
from linter.sources.jsonpos import JNode, JScalar, Parser, line_and_column, line_starts_of


class _EmbeddedParser(Parser):
    """Parses a document held in a string of another: positions are the outer text's, each character of the document
    placed where the outer text writes it (`origins`), and the end of the document where the string closes."""

    def __init__(self, text: str, origins: array[int], end: int, outer_line_starts: list[int]) -> None:
        self.text = text
        self.pos = 0
        self.values = 0
        self.line_starts = outer_line_starts
        self.origins = origins
        self.end = end

    def where(self, offset: int) -> tuple[int, int]:
        return line_and_column(self.line_starts, self.origins[offset] if offset < len(self.origins) else self.end)


# A JSON escape: a surrogate pair (one character, as json.loads reads it), another \u escape, or a one-letter escape.
_ESCAPE = lazy_compile(r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(.))")
_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# Possessive, as `_STRING`: a backtracking repeat keeps a mark per repetition (300 MB for a 4.7 MB run).
_PERCENT_ENCODED = lazy_compile(r"(?:%[0-9a-fA-F]{2})++")


def parse_embedded(text: str, string: JScalar) -> JNode:
    """The JSON document a string of `text` holds (`{"Policy": "{\\"Version\\": ...}"}`), also when the document is
    URL-encoded, as IAM's API returns policies. Its positions are those in `text`: each character of the document sits
    where `text` writes it, escape sequence or percent-encoding included. `parse`'s limits (nesting depth, number of
    values) apply to the document alone. Raises JsonSyntaxError, positioned in `text`, as `parse` does."""
    if text.startswith("\ufeff"):  # as `parse` read it
        text = text[1:]
    line_starts = line_starts_of(text)
    span = string.span
    opening = line_starts[span.line - 1] + span.column - 1
    closing = line_starts[span.end_line - 1] + span.end_column - 2
    document, origins = _unescaped(text, opening + 1, closing)
    if "%" in document and not document.lstrip().startswith("{"):
        document, origins = _percent_decoded(document, origins)
    return _EmbeddedParser(document, origins, closing, line_starts).parse_document()


def _unescaped(text: str, start: int, stop: int) -> tuple[str, array[int]]:
    """The value of the JSON string written at text[start:stop] (its quotes left out), and where each of its
    characters is written."""
    pieces: list[str] = []
    origins = array("q")
    position = start
    for match in _ESCAPE.finditer(text, start, stop):
        pieces.append(text[position : match.start()])
        origins.extend(range(position, match.start()))
        high, low, code, letter = match.groups()
        if high is not None:
            pieces.append(chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)))
        else:
            pieces.append(chr(int(code, 16)) if code is not None else _ESCAPED.get(letter, letter))
        origins.append(match.start())
        position = match.end()
    pieces.append(text[position:stop])
    origins.extend(range(position, stop))
    return "".join(pieces), origins


def _percent_decoded(encoded: str, origins: array[int]) -> tuple[str, array[int]]:
    """`urllib.parse.unquote(encoded)` (percent-encoded UTF-8, `+` left as it is), with where each character of it is
    written: a character spelled in several bytes sits where its first `%` is. A byte that is no UTF-8 becomes U+FFFD
    (`unquote` makes one of a broken sequence; AWS writes none)."""
    pieces: list[str] = []
    decoded_origins = array("q")
    position = 0
    for match in _PERCENT_ENCODED.finditer(encoded):
        pieces.append(encoded[position : match.start()])
        decoded_origins.extend(origins[position : match.start()])
        run = bytes.fromhex(match.group().replace("%", ""))
        # surrogateescape: one character per byte that is no UTF-8, so each character's bytes can be counted.
        characters = run.decode("utf-8", "surrogateescape")
        if len(characters) == len(run):  # ASCII: a character every 3 characters of the text
            decoded_origins.extend(origins[match.start() : match.end() : 3])
        else:
            byte = 0
            for character in characters:
                decoded_origins.append(origins[match.start() + 3 * byte])
                byte += _utf8_length(character)
        pieces.append(characters.translate(_NOT_UTF8))
        position = match.end()
    pieces.append(encoded[position:])
    decoded_origins.extend(origins[position:])
    return "".join(pieces), decoded_origins


# The characters surrogateescape decodes bytes that are no UTF-8 to (U+DC80-U+DCFF), each the replacement character.
_NOT_UTF8 = dict.fromkeys(range(0xDC80, 0xDD00), "\ufffd")


def _utf8_length(character: str) -> int:
    """The bytes UTF-8 spells `character` in; a byte that was no UTF-8 (surrogateescape) is one."""
    code = ord(character)
    if code < 0x80 or 0xDC80 <= code < 0xDD00:
        return 1
    return 2 if code < 0x800 else 3 if code < 0x10000 else 4
