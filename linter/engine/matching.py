"""Glob matching of actions, resources and ARN condition values (IAM User Guide: Action, Resource, condition operators).

- Action: `service:name`, case-insensitive, `*` (any run of characters) and `?` (exactly one character) anywhere:
  "You can also use wildcards (* or ?) as part of the action name" (Action element page).
- StringLike: the whole string is one glob; `*` and `?` cross every character, colons included.
- ARNs (Resource, NotResource, ArnLike, ArnEquals): the six colon-separated segments are globbed separately, `*`
  never crossing a colon in the first five; the resource part (everything after the fifth colon) is one glob in which
  `*` crosses `/` and `:`. The resource part is case-sensitive, the rest is not. The Resource page says a `*` that ends
  a segment "can expand to match beyond colon boundaries": a Resource that matches only under that reading is MAYBE.

Patterns come from the policies under review, so matching is linear in the value whatever the pattern: a glob such as
`*a*a*a*b` compiled to a backtracking regex takes time exponential in its stars. A pattern whose only `*` ends a
segment is still compiled to one regex with the others of its element once the element has been asked a few times
(Python's `re` then never backtracks, and one regex for a whole Action list is the fastest test; until then, prefix
comparisons, quicker to build); any other `*` is matched by splitting the glob at its `*`s and
finding the pieces leftmost-first (`str.find`, which is linear), or for a segment-final `*` read as crossing colons,
by a bit-parallel automaton. Case-insensitive parts fold characters exactly as `re.IGNORECASE` does, so both paths
agree. Literal `*`/`?` (from `${*}`, `${?}` or a substituted value) arrive as the private-use markers of `variables`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from functools import lru_cache
from typing import Any, Final, NamedTuple

from linter.engine.context import UNKNOWN, Context
from linter.engine.tri import MAYBE, NO, YES, Tri
from linter.engine.variables import LITERAL_MARKERS, Template, parse, plain
from linter.model import Text

_ARN_PREFIX_SEGMENTS: Final = 5  # arn, partition, service, region, account
_LENIENT_ONLY = "matches only if a segment-final '*' crosses ':' (documented as 'can')"


class Glob(NamedTuple):
    """One pattern and how it is read: a whole-string glob, an ARN, or an ARN whose segment-final `*` crosses `:`."""

    pattern: str
    arn: bool = False
    final_star_crosses: bool = False


def glob_source(pattern: str) -> Glob:
    """A whole-string glob (Action, StringLike), for `compile_any`."""
    return Glob(pattern)


def _segment_final_star(pattern: str) -> bool:
    """Whether one of the first five segments ends with `*`: a `*` before one of the first five colons, or a `*`
    ending a pattern of five segments or fewer."""
    if pattern == "*" or "*" not in pattern:
        return False
    parts = pattern.split(":", _ARN_PREFIX_SEGMENTS)
    if len(parts) > _ARN_PREFIX_SEGMENTS:
        return "*:" in pattern[: len(pattern) - len(parts[_ARN_PREFIX_SEGMENTS])]
    return "*:" in pattern or pattern.endswith("*")


def arn_source(pattern: str, final_star_crosses: bool = False) -> Glob:
    """An ARN pattern, for `compile_any`; `final_star_crosses` is the lenient reading of a segment-final `*` (equal
    to the strict one when the pattern has no such `*`)."""
    return Glob(pattern, True, final_star_crosses and _segment_final_star(pattern))


# --- case folding ----------------------------------------------------------------------------------------------


class _FoldTable(dict[int, int]):
    """Code point -> the representative of its `re.IGNORECASE` class (simple lower case, then the classes `re` adds
    such as long s = s), filled as characters are met; `str.translate` keeps every position."""

    def __missing__(self, code: int) -> int:
        try:
            from _sre import unicode_tolower  # type: ignore[import-not-found]
            from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]

            lowered = unicode_tolower(code)
            folded = min((lowered, *_EXTRA_CASES.get(lowered, ())))
        except ImportError:  # another Python: the nearest public equivalent
            lowered_text = chr(code).lower()
            folded = ord(lowered_text) if len(lowered_text) == 1 else code
        self[code] = folded
        return folded


_FOLD: Final = _FoldTable()


def fold(text: str) -> str:
    """`text` with every character replaced by its case-insensitive representative, as `re.IGNORECASE` compares."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


# --- one-pass patterns: a regex that cannot backtrack ------------------------------------------------------------


def _one_pass(glob: Glob) -> bool:
    """True when every `*` ends its glob or ARN segment: the regex's `.*`/`[^:]*` then has one possible extent (to
    the end, or to the next colon) and Python's `re` matches in one pass."""
    if glob.final_star_crosses:
        return False
    pattern = glob.pattern
    if "*" not in pattern.rstrip("*"):  # the usual case, at most a final `*`: no need to look at each segment
        return True
    parts = pattern.split(":", _ARN_PREFIX_SEGMENTS) if glob.arn and pattern != "*" else [pattern]
    return all("*" not in part.rstrip("*") for part in parts)


def _translate(pattern: str, star: str, one: str) -> str:
    out = []
    for index, char in enumerate(pattern):
        if char == "*":
            if index == 0 or pattern[index - 1] != "*":  # `**` is `*`, and two in a row would backtrack
                out.append(star)
        elif char == "?":
            out.append(one)
        else:
            out.append(re.escape(LITERAL_MARKERS.get(char, char)))
    return "".join(out)


def _regex_source(glob: Glob) -> str:
    if not glob.arn:
        return _translate(glob.pattern, ".*", ".")
    if glob.pattern == "*":
        return ".*"
    segments = glob.pattern.split(":", _ARN_PREFIX_SEGMENTS)
    parts = [
        _translate(segment, ".*", ".")
        if index == _ARN_PREFIX_SEGMENTS
        else f"(?i:{_translate(segment, '[^:]*', '[^:]')})"
        for index, segment in enumerate(segments)
    ]
    return ":".join(parts)


# --- linear matchers for the other patterns ----------------------------------------------------------------------


class _Piece:
    """The text between two `*` of a glob: literal characters, and `?` positions that take any one character."""

    __slots__ = ("length", "masks", "runs", "text", "wild")

    def __init__(self, chunk: str, ignore_case: bool) -> None:
        text = plain(chunk)  # markers become the literal characters they stand for; positions are kept
        self.text = fold(text) if ignore_case else text
        self.length = len(chunk)
        wild = [i for i, char in enumerate(chunk) if char == "?"]
        self.wild = 0
        for position in wild:
            self.wild |= 1 << position
        # The literal stretches between `?`s, with their offsets.
        self.runs = tuple((start, self.text[start:end]) for start, end in _stretches(self.length, wild) if end > start)
        # Shift-And tables: for each character, the positions where it is the literal.
        self.masks: dict[str, int] = {}
        if wild:
            for position, char in enumerate(self.text):
                if not self.wild >> position & 1:
                    self.masks[char] = self.masks.get(char, 0) | 1 << position

    def at(self, value: str, start: int) -> bool:
        """Does the piece match `value` at `start`?"""
        if not self.wild:
            return value.startswith(self.text, start)
        return start + self.length <= len(value) and all(value.startswith(run, start + at) for at, run in self.runs)

    def find(self, value: str, start: int, stop: int) -> int:
        """The leftmost offset >= `start` where the piece matches and ends by `stop`, or -1 (linear in the span)."""
        if not self.wild:
            return value.find(self.text, start, stop)
        if not self.runs:
            return start if start + self.length <= stop else -1
        # Shift-And: bit i of `state` is set when the piece's first i + 1 characters end at `index`.
        masks, wild, accept, state = self.masks, self.wild, 1 << (self.length - 1), 0
        for index in range(start, stop):
            state = ((state << 1) | 1) & (masks.get(value[index], 0) | wild)
            if state & accept:
                return index - self.length + 1
        return -1


def _stretches(length: int, cuts: list[int]) -> Iterable[tuple[int, int]]:
    start = 0
    for cut in cuts:
        yield start, cut
        start = cut + 1
    yield start, length


class _Wildcards:
    """A glob over a whole string (`value` folded by the caller when case-insensitive): the pieces between `*`s,
    matched leftmost-first. The first and last pieces are anchored; each middle one is found after the previous,
    which is where a match ends earliest, so a match exists exactly when this greedy search finds one."""

    __slots__ = ("head", "middle", "starred", "tail")

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        pieces = [_Piece(chunk, ignore_case) for chunk in pattern.split("*")]
        self.starred = len(pieces) > 1
        self.head, self.tail = pieces[0], pieces[-1]
        self.middle = tuple(piece for piece in pieces[1:-1] if piece.length)

    def match(self, value: str) -> bool:
        head, tail = self.head, self.tail
        if not self.starred:
            return len(value) == head.length and head.at(value, 0)
        stop = len(value) - tail.length
        if stop < head.length or not head.at(value, 0) or not tail.at(value, stop):
            return False
        position = head.length
        for piece in self.middle:
            found = piece.find(value, position, stop)
            if found < 0:
                return False
            position = found + piece.length
        return True


class _WholeGlob(NamedTuple):
    wildcards: _Wildcards
    ignore_case: bool

    def match(self, value: str, folded: str) -> bool:
        return self.wildcards.match(folded if self.ignore_case else value)


class _ArnGlob:
    """An ARN pattern read strictly: the value's first five colons align with the pattern's, so each segment is a
    glob of its own (case-insensitive), and the resource part one glob over the rest."""

    __slots__ = ("ignore_case", "resource", "segments")

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        parts = pattern.split(":", _ARN_PREFIX_SEGMENTS)
        self.segments = tuple(_Wildcards(part, True) for part in parts[:_ARN_PREFIX_SEGMENTS])
        resource = parts[_ARN_PREFIX_SEGMENTS] if len(parts) > _ARN_PREFIX_SEGMENTS else None
        self.resource = _Wildcards(resource, ignore_case) if resource is not None else None
        self.ignore_case = ignore_case

    def match(self, value: str, folded: str) -> bool:
        # Folding keeps every character in place and makes no colon, so both split alike.
        parts = (folded if self.ignore_case else value).split(":", _ARN_PREFIX_SEGMENTS)
        if len(parts) != len(self.segments) + (self.resource is not None):
            return False
        folded_parts = folded.split(":", _ARN_PREFIX_SEGMENTS)
        if not all(segment.match(part) for segment, part in zip(self.segments, folded_parts, strict=False)):
            return False
        return self.resource is None or self.resource.match(parts[_ARN_PREFIX_SEGMENTS])


class _CrossingArnGlob:
    """An ARN pattern whose segment-final `*`s cross colons. The colon-free and crossing stars interleave, so this is
    a bit-parallel automaton (Shift-And with repeatable positions): bit i of the state is set when the pattern's
    first i positions match what has been read. Linear in the value, one integer operation per character."""

    __slots__ = ("_accept", "_any", "_exact", "_folded", "_head", "_not_colon", "_stars", "_stay", "_stay_not_colon")

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self._exact: dict[str, int] = {}  # case-sensitive literal positions by character
        self._folded: dict[str, int] = {}  # case-insensitive literal positions by folded character
        self._any = self._not_colon = self._stay = self._stay_not_colon = 0
        position = 0
        previous_star = False
        for index, segment in enumerate(pattern.split(":", _ARN_PREFIX_SEGMENTS)):
            in_resource = index == _ARN_PREFIX_SEGMENTS
            if index:
                self._folded[":"] = self._folded.get(":", 0) | 1 << position
                position, previous_star = position + 1, False
            for offset, char in enumerate(segment):
                bit = 1 << position
                if char == "*":
                    crosses = in_resource or offset == len(segment) - 1
                    if previous_star:  # `[^:]*[^:]*` is `[^:]*`; either next to a crossing `*` is that `*`
                        if crosses:
                            self._stay |= bit >> 1
                            self._stay_not_colon &= ~(bit >> 1)
                        continue
                    if crosses:
                        self._stay |= bit
                    else:
                        self._stay_not_colon |= bit
                    previous_star = True
                else:
                    previous_star = False
                    if char == "?":
                        if in_resource:
                            self._any |= bit
                        else:
                            self._not_colon |= bit
                    elif in_resource and not ignore_case:
                        self._exact[plain(char)] = self._exact.get(plain(char), 0) | bit
                    else:
                        key = fold(plain(char))
                        self._folded[key] = self._folded.get(key, 0) | bit
                position += 1
        self._stars = self._stay | self._stay_not_colon
        self._accept = 1 << position
        # A quick refusal: the literal text before the first wildcard, when it lies in the case-insensitive head.
        first = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
        head = pattern[:first]
        self._head = fold(plain(head)) if head.count(":") < _ARN_PREFIX_SEGMENTS else ""

    def match(self, value: str, folded: str) -> bool:
        head = self._head
        if head and not folded.startswith(head):
            return False
        exact, by_folded, stars = self._exact, self._folded, self._stars
        anywhere = self._any | self._not_colon
        stay_anywhere = self._stay | self._stay_not_colon
        state = 1 | (1 & stars) << 1
        for char, folded_char in zip(value, folded, strict=True):
            if char == ":":
                advance, stay = self._any | exact.get(":", 0) | by_folded.get(":", 0), self._stay
            else:
                advance, stay = anywhere | exact.get(char, 0) | by_folded.get(folded_char, 0), stay_anywhere
            state = ((state & advance) << 1) | (state & stay)
            state |= (state & stars) << 1
            if not state:
                return False
        return bool(state & self._accept)


class _Prefixes:
    """A one-pass glob without `?`: each part (the whole string, or each ARN segment and the resource part) is a
    literal, followed or not by a `*` that takes the rest of the part. Built in a few microseconds, for the first
    matches of a set before its regex is compiled; the same answers as the regex (`_regex_source`)."""

    __slots__ = ("arn", "head", "ignore_case", "parts")

    def __init__(self, glob: Glob, ignore_case: bool) -> None:
        pattern = glob.pattern
        self.arn = glob.arn and pattern != "*"
        self.ignore_case = ignore_case
        self.head: str | None = None
        texts = pattern.split(":", _ARN_PREFIX_SEGMENTS) if self.arn else [pattern]
        if len(texts) > _ARN_PREFIX_SEGMENTS:
            head = pattern[: len(pattern) - len(texts[_ARN_PREFIX_SEGMENTS])]
            if "*" not in head:
                # The usual ARN pattern has no `*` before its resource part: its first five segments and their colons
                # are then one folded prefix (folding keeps every character in place and makes no colon), compared
                # with no split; `parts` holds the resource part alone.
                self.head = fold(plain(head))
                texts = texts[_ARN_PREFIX_SEGMENTS:]
        parts = []
        for index, text in enumerate(texts):
            literal = plain(text.rstrip("*"))
            folds = ignore_case or (self.arn and self.head is None and index < _ARN_PREFIX_SEGMENTS)
            parts.append((fold(literal) if folds else literal, text.endswith("*"), folds))
        self.parts = tuple(parts)

    def match(self, value: str, folded: str) -> bool:
        head = self.head
        if head is not None:
            if not folded.startswith(head):
                return False
            ((literal, star, folds),) = self.parts
            rest = (folded if folds else value)[len(head) :]
            return rest.startswith(literal) if star else rest == literal
        if not self.arn:
            ((literal, star, folds),) = self.parts
            text = folded if folds else value
            return text.startswith(literal) if star else text == literal
        values = value.split(":", _ARN_PREFIX_SEGMENTS)
        if len(values) != len(self.parts):
            return False
        folded_values = folded.split(":", _ARN_PREFIX_SEGMENTS)  # folding makes no colon: both split alike
        for (literal, star, folds), exact, lowered in zip(self.parts, values, folded_values, strict=True):
            text = lowered if folds else exact
            if not (text.startswith(literal) if star else text == literal):
                return False
        return True


def _early(glob: Glob, ignore_case: bool) -> Callable[[str, str], bool]:
    """A matcher of `(value, fold(value))` for a one-pass glob, quick to build: for its first matches."""
    if "?" in glob.pattern:
        return _linear(glob, ignore_case)
    return _Prefixes(glob, ignore_case).match


def _linear(glob: Glob, ignore_case: bool) -> Callable[[str, str], bool]:
    """A linear matcher of `(value, fold(value))`."""
    if not glob.arn:
        return _WholeGlob(_Wildcards(glob.pattern, ignore_case), ignore_case).match
    if glob.final_star_crosses:
        return _CrossingArnGlob(glob.pattern, ignore_case).match
    return _ArnGlob(glob.pattern, ignore_case).match


# How many times a set of patterns is asked before its one-pass patterns are compiled into a regex. Compiling costs
# ~130 us a pattern (`re` parses in Python), five times building the linear matchers, while the regex then matches ~15
# times quicker: a batch of distinct policies asks most sets once or twice, a typical batch thousands of times.
_REGEX_AFTER: Final = 8


class Globs:
    """Any of several patterns: `fullmatch(value)` is truthy (a `re.Match` or True) when one of them matches the whole
    value. Each pattern that is not one-pass has a linear matcher; the one-pass ones have linear matchers too until
    the set has been asked `_REGEX_AFTER` times, then share one regex (`regex`). Both give the same answers (the
    module's docstring; property tests)."""

    __slots__ = ("_early", "_ignore_case", "_linear", "_one_pass", "_uses", "fullmatch", "regex")

    def __init__(self, globs: Sequence[Glob], ignore_case: bool) -> None:
        self._ignore_case = ignore_case
        one_pass: list[Glob] = []
        linear: list[Callable[[str, str], bool]] = []
        for glob in globs:
            if _one_pass(glob):
                one_pass.append(glob)
            else:
                linear.append(_linear(glob, ignore_case))
        self._one_pass = tuple(one_pass)
        self._linear = tuple(linear)
        self._early: tuple[Callable[[str, str], bool], ...] | None = None  # built when first asked
        self._uses = 0
        self.regex: re.Pattern[str] | None = None
        self.fullmatch: Callable[[str], object] = self._before_regex if self._one_pass else self._either

    @property
    def one_pass_only(self) -> bool:
        """Whether the one-pass patterns alone decide (no pattern needs a linear matcher for good)."""
        return not self._linear

    def _before_regex(self, value: str) -> bool:
        self._uses += 1
        if self._uses > _REGEX_AFTER:
            self._compile()
            return bool(self.fullmatch(value))
        early = self._early
        if early is None:
            early = self._early = tuple(_early(glob, self._ignore_case) for glob in self._one_pass)
        folded = fold(value)
        return any(match(value, folded) for match in early) or any(match(value, folded) for match in self._linear)

    def _compile(self) -> None:
        flags = re.DOTALL | (re.IGNORECASE if self._ignore_case else 0)
        self.regex = re.compile("|".join(f"(?:{_regex_source(glob)})" for glob in self._one_pass), flags)
        self._early = None
        # The regex's own method when it alone decides: one call fewer on the engine's hottest path.
        self.fullmatch = self.regex.fullmatch if not self._linear else self._either

    def _either(self, value: str) -> bool:
        if self.regex is not None and self.regex.fullmatch(value) is not None:
            return True
        folded = fold(value)
        return any(match(value, folded) for match in self._linear)


@lru_cache(maxsize=16384)
def compile_any(sources: tuple[Glob, ...], ignore_case: bool = False) -> Globs:
    """A matcher that fully matches when any of the patterns does."""
    return Globs(sources, ignore_case)


def _prefix_glob(pattern: str) -> tuple[str, bool] | None:
    """(text, True) for a glob whose only wildcard is a final `*`, (text, False) for one without wildcards: the common
    shapes of a policy variable substituted into a pattern, which is new for every new value."""
    star = pattern.endswith("*")
    text = pattern[:-1] if star else pattern
    if "*" in text or "?" in text:
        return None
    return plain(text), star


def glob_matches(pattern: str, value: str) -> bool:
    # Substituted patterns are usually new, and compiling a regex for one is far slower than the test it is for.
    simple = _prefix_glob(pattern)
    if simple is not None:
        text, star = simple
        return value.startswith(text) if star else value == text
    return bool(compile_any((glob_source(pattern),)).fullmatch(value))


def arn_matches(pattern: str, value: str, final_star_crosses: bool = False) -> bool:
    # As glob_matches: a pattern `_direct_arn` reads is compared directly (`final_star_crosses` then changes nothing).
    direct = _direct_arn(pattern)
    if direct is not None:
        found = _direct_match(direct, value)
        if found is not None:
            return found
    return bool(compile_any((arn_source(pattern, final_star_crosses),)).fullmatch(value))


_new_tuple: Any = tuple.__new__  # a NamedTuple without its Python-level __new__ (one per Resource pattern)


# The value of a slot built when first read (`ResourceMatcher.strict`, `CompiledStatement.compiled_conditions`), until
# then. A sentinel and an explicit reader, not `__getattr__`: a class that defines `__getattr__` has every attribute
# read go through it (`slot_tp_getattr_hook`), which CPython 3.11 does not specialise: twice a plain slot read.
class Unbuilt(Enum):
    """The type of `UNBUILT` (an enum: mypy narrows `is UNBUILT` away, and mypyc checks slot types)."""

    UNBUILT = 0


UNBUILT: Final = Unbuilt.UNBUILT


class _DirectArn(NamedTuple):
    head: str  # the first five segments and their colons, lower-cased
    text: str  # the resource part's literal text
    star: bool  # whether a final `*` follows it


def _direct_arn(pattern: str) -> _DirectArn | None:
    """The usual ARN pattern, read for a direct comparison: ASCII first five segments without a wildcard (a
    case-insensitive prefix, which no segment-final `*` can widen), and a resource part without one but perhaps a
    final `*`. None for any other pattern."""
    segments = pattern.split(":", _ARN_PREFIX_SEGMENTS)
    if len(segments) <= _ARN_PREFIX_SEGMENTS:
        return None
    resource_part = segments[_ARN_PREFIX_SEGMENTS]
    head = pattern[: len(pattern) - len(resource_part)]
    if not head.isascii() or "*" in head or "?" in head:
        return None
    simple = _prefix_glob(resource_part)
    return None if simple is None else _new_tuple(_DirectArn, (head.lower(), *simple))


def _all_direct(patterns: Sequence[str]) -> tuple[_DirectArn, ...] | None:
    """Each of `patterns` read by `_direct_arn`, when every one is (and there is one)."""
    found = []
    for pattern in patterns:
        read = _direct_arn(pattern)
        if read is None:
            return None
        found.append(read)
    return tuple(found) or None


def _direct_match(pattern: _DirectArn, value: str) -> bool | None:
    """Whether `value` matches a `_direct_arn` pattern; None when its head is not ASCII (the regex folds some other
    characters to ASCII, so only the regex can tell)."""
    head = pattern.head
    value_head = value[: len(head)]
    if not value_head.isascii():
        return None
    if value_head.lower() != head:
        return False
    rest = value[len(head) :]
    return rest.startswith(pattern.text) if pattern.star else rest == pattern.text


def direct_resource_match(values: Sequence[str], resource: str, substitute: bool) -> Tri | None:
    """What `ResourceMatcher.known(values, substitute).match(resource, context)` answers, without building it, when
    every value is `*` or read by `_direct_arn` and compared directly; None for any other (a policy variable, a
    wildcard inside, a head that is not ASCII), which only the matcher can answer."""
    if "*" in values:
        return YES
    for value in values:
        if substitute and "${" in value:
            return None
        pattern = _direct_arn(value)
        if pattern is None:
            return None
        matched = _direct_match(pattern, resource)
        if matched is None:
            return None
        if matched:
            return YES  # as the matcher's first direct pattern that matches
    return NO


def _any_regex(sources: Iterable[Glob], ignore_case: bool = False) -> Globs | None:
    unique = tuple(dict.fromkeys(sources))
    return compile_any(unique, ignore_case) if unique else None


@lru_cache(maxsize=4096)
def _action_patterns(patterns: tuple[str, ...]) -> Globs | None:
    """The matcher of an Action list, by its patterns: the same lists recur in policy after policy, and the strings'
    hashes are kept, while each `Glob` would be new."""
    return _any_regex((glob_source(p) for p in patterns), ignore_case=True)


class ActionMatcher:
    """The Action or NotAction list of one statement (before negation). `*` and `?` are wildcards, as the Action
    element page documents; a known pattern matches or not, only an unresolved value makes the answer MAYBE."""

    __slots__ = ("_cache", "_patterns", "unresolved")

    def __init__(self, texts: Sequence[Text], patterns: tuple[str, ...] | None = None) -> None:
        """`patterns`: instead of `texts`, known patterns given as strings (`known`)."""
        if patterns is not None:
            self._setup(patterns, ())
            return
        known = tuple([t.value for t in texts if t.unresolved is None])
        unresolved = () if len(known) == len(texts) else tuple(t.unresolved or "" for t in texts if t.is_unknown)
        self._setup(known, unresolved)

    @staticmethod
    def known(patterns: tuple[str, ...]) -> ActionMatcher:
        """The matcher of known patterns, given as strings: one for each list, as the same Action lists recur from
        policy to policy (its answers depend on the patterns alone)."""
        return _known_actions(patterns)

    def _setup(self, known: tuple[str, ...], unresolved: tuple[str, ...]) -> None:
        self._patterns = _action_patterns(known) if known else None
        self.unresolved = unresolved
        self._cache: dict[str, Tri] = {}

    def match(self, action: str) -> Tri:
        found = self._cache.get(action)
        if found is None:
            found = self._match(action)
            if len(self._cache) < 4096:
                self._cache[action] = found
        return found

    def _match(self, action: str) -> Tri:
        if self._patterns is not None and self._patterns.fullmatch(action):
            return YES
        return MAYBE if self.unresolved else NO

    def doubt(self, action: str) -> str:
        return f"unresolved Action value {', '.join(self.unresolved)}"


@lru_cache(maxsize=4096)
def _known_actions(patterns: tuple[str, ...]) -> ActionMatcher:
    return ActionMatcher((), patterns)


class ResourceMatcher:
    """The Resource or NotResource list of one statement (before negation)."""

    __slots__ = (
        "_direct",
        "_lenient",
        "_plain",
        "_static",
        "_strict",
        "context_keys",
        "matches_everything",
        "templates",
        "unresolved",
    )

    def __init__(self, texts: Sequence[Text], substitute: bool, values: Sequence[str] | None = None) -> None:
        """`values`: instead of `texts`, known values given as strings (`known`)."""
        if values is not None:
            self._setup(values, [], substitute)
            return
        known = [text.value for text in texts if text.unresolved is None]
        self._setup(known, [text.unresolved for text in texts if text.unresolved is not None], substitute)

    @classmethod
    def known(cls, values: Sequence[str], substitute: bool) -> ResourceMatcher:
        """The matcher of known values, given as strings."""
        return cls((), substitute, values)

    def _setup(self, values: Sequence[str], unresolved: list[str], substitute: bool) -> None:
        static: list[str] = []
        templates: list[Template] = []
        for value in values:
            parsed = parse(value, substitute) if substitute and "${" in value else value
            if isinstance(parsed, Template):
                templates.append(parsed)
            else:
                static.append(parsed)
        # "*" matches any resource whatever the context: such an element never needs matching, and its patterns
        # are never asked (`match` answers YES first, so `doubt` is never called).
        self.matches_everything = "*" in static
        self._static = () if self.matches_everything else tuple(static)
        # The patterns, when every one is read for a direct comparison (the usual Resource).
        self._direct = _all_direct(self._static)
        # The lenient reading differs only for a pattern with a segment-final `*`, which a direct one never has.
        self._lenient = (
            None
            if self.matches_everything or self._direct is not None
            else _any_regex(arn_source(p, True) for p in static if _segment_final_star(p))
        )
        self.templates = tuple(templates)
        self.unresolved = tuple(unresolved)
        # The context keys the policy variables read (lower-cased).
        self.context_keys = (
            tuple(dict.fromkeys(v.key for t in self.templates for v in t.variables)) if templates else ()
        )
        # Built when first needed (`strict`, `plain_pattern`): a statement whose patterns `_direct_arn` reads is
        # matched without them until a batch asks its policy set a second question (`evaluate._Plan`) or a
        # resource's head is not ASCII.
        self._strict: Globs | Unbuilt | None = UNBUILT
        self._plain: Globs | Unbuilt | None = UNBUILT

    def strict(self) -> Globs | None:
        """The patterns as one set, read strictly (a segment-final `*` stays in its segment); None without any."""
        found = self._strict
        if found is UNBUILT:
            found = self._strict = _any_regex(arn_source(p) for p in self._static)
        return found

    def plain_pattern(self) -> Globs | None:
        """When the answer is YES or NO by one set of one-pass patterns, that set."""
        found = self._plain
        if found is UNBUILT:
            plain = not (self._lenient or self.templates or self.unresolved or self.matches_everything)
            strict = self.strict()
            found = self._plain = strict if plain and strict is not None and strict.one_pass_only else None
        return found

    def match(self, resource: str, context: Context) -> Tri:
        if self.matches_everything:
            return YES
        found: bool | None = None  # None: the patterns as one set decide
        direct = self._direct
        if direct is not None:
            found = False
            for arn in direct:
                found = _direct_match(arn, resource)
                if found is not False:
                    break
            if found:
                return YES
        if found is None:
            strict = self.strict()
            if strict is not None and strict.fullmatch(resource):
                return YES
        best = MAYBE if self._lenient is not None and self._lenient.fullmatch(resource) else NO
        for template in self.templates:
            pattern = template.resolve(context)
            if pattern is None:
                continue
            if pattern is UNKNOWN:
                best = MAYBE
                continue
            assert isinstance(pattern, str)
            if arn_matches(pattern, resource):
                return YES
            if arn_matches(pattern, resource, final_star_crosses=True):
                best = MAYBE
        return MAYBE if self.unresolved else best

    def doubt(self, resource: str, context: Context) -> str:
        reasons = []
        if self._lenient is not None and self._lenient.fullmatch(resource):
            reasons.append(_LENIENT_ONLY)
        for template in self.templates:
            pattern = template.resolve(context)
            if pattern is UNKNOWN:
                unknown = [v.text for v in template.variables if context.get(v.key) is UNKNOWN]
                reasons.append(f"policy variable {', '.join(unknown)} has an unknown value")
            elif isinstance(pattern, str) and arn_matches(pattern, resource, final_star_crosses=True):
                reasons.append(_LENIENT_ONLY)
        if self.unresolved:
            reasons.append(f"unresolved Resource value {', '.join(self.unresolved)}")
        return "; ".join(reasons)
