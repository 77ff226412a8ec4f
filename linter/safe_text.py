"""Text from the inputs, made safe for the channel it is written to.

Policies, Terraform, plan JSON, file names and the repository's config come from somebody else's pull request,
so any character can reach a report. Two things must never follow it out:
- characters that drive a terminal or a log viewer (ESC and the other C0/C1 controls, DEL) or that make text read
  other than it is written (Unicode line and paragraph separators, bidi and other invisible format characters:
  "Trojan Source"). They are shown escaped: `\\n`, `\\x1b`, `\\u2028`. A backslash is left alone, so the shown
  `\\x1b` cannot be told from the four characters written in the input; that costs clarity, never safety.
- a line a CI runner reads as a command: GitHub Actions takes a line that starts, after leading whitespace, with
  `::` (or the legacy `##[`) as a workflow command, and Azure Pipelines one with `##vso[`. Only the `github` format
  writes such lines on purpose; anywhere else, text that starts a line has the first character of the marker shown
  escaped (`\\x3a:error::...`).

Every writer goes through here: `for_terminal` for text that may start a line, `escape_controls` for text in the
middle of one, `workflow_command_data`/`workflow_command_property` for the `github` format, `json_text` for JSON
that keeps readable non-ASCII text. `json.dumps` with its default `ensure_ascii=True` (the check's JSON and SARIF)
needs nothing more: it escapes every character above.
"""

from __future__ import annotations

import re

from linter.lazy_re import lazy_compile

# C0 (tab and newline included: a report line holds one value), DEL and C1 (0x9b is a one-byte CSI, 0x85 a line
# break), Arabic letter mark, Mongolian vowel separator, zero-width and direction marks, the line/paragraph
# separators, bidi embeddings and overrides, word joiner, invisible operators and bidi isolates, the byte order
# mark, and what XML cannot carry at all (lone surrogates, U+FFFE, U+FFFF), so every format can use one set.
_ABOVE_C0 = r"\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff\ufffe\uffff"
_UNSAFE = lazy_compile(rf"[\x00-\x1f{_ABOVE_C0}]")
# json.dumps escapes C0 inside strings itself; a C0 character in its output is the layout's own newline.
_UNSAFE_IN_JSON = lazy_compile(rf"[{_ABOVE_C0}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# `\s` is Unicode whitespace, a superset of what the runner's TrimStart removes (NBSP and the other spaces too).
_COMMAND_START = lazy_compile(r"\s*(?=::|##\[|##vso\[)", re.IGNORECASE)


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_controls(text: str) -> str:
    """`text` on one line, every control, separator and invisible format character shown as its escape."""
    return _UNSAFE.sub(_shown, text)


def neutralise_command(line: str) -> str:
    """`line` with the first character of a leading `::`, `##[` or `##vso[` shown escaped (`\\x3a`, `\\x23`)."""
    start = _COMMAND_START.match(line)
    if start is None:
        return line
    at = start.end()
    return f"{line[:at]}\\x{ord(line[at]):02x}{line[at + 1 :]}"


def for_terminal(text: str) -> str:
    """`text` as one line that may start a line of output: controls escaped, no CI command marker at its start."""
    return neutralise_command(escape_controls(text))


def workflow_command_data(text: str) -> str:
    """A GitHub Actions workflow command's message: the runner decodes `%25`, `%0D` and `%0A` and nothing else,
    so line breaks survive as breaks in the annotation while the command stays one line."""
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_command_property(text: str) -> str:
    """A workflow command's property value, where `:` and `,` would end the value."""
    return workflow_command_data(text).replace(":", "%3A").replace(",", "%2C")


def json_text(document: object) -> str:
    """`document` as indented JSON that keeps non-ASCII text readable (`…`, `✓`) and escapes what `escape_controls`
    escapes as `\\uXXXX`: json.dumps does C0 itself, and the rest can only occur inside strings."""
    import json

    return _UNSAFE_IN_JSON.sub(_as_json_escape, json.dumps(document, indent=2, ensure_ascii=False))


# A message quotes values from the inputs, and an input can hold a value of any length: an Effect of 140 KB, quoted
# whole, made a report line of 140 KB (and a JSON report of 860 KB). Past `MESSAGE_LIMIT` characters a message keeps
# its start and its end, where the rule's own words are, and says how much it left out. The longest message a rule
# writes itself (a pre-flight verdict naming a few ARNs) is under 700 characters.
MESSAGE_LIMIT = 2000
_KEPT_START = 1200
_KEPT_END = 600


def bounded(message: str) -> str:
    """`message`, or its start and end with the characters between them counted, when it is longer than
    `MESSAGE_LIMIT`: no input decides how long a line of output is."""
    if len(message) <= MESSAGE_LIMIT:
        return message
    left_out = len(message) - _KEPT_START - _KEPT_END
    return f"{message[:_KEPT_START]} ...[{left_out:,} characters left out]... {message[-_KEPT_END:]}"


def _as_json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
