"""Glob matching of actions, resources and ARN condition values (IAM User Guide: Action, Resource, condition operators).

- Action: `service:name`, case-insensitive, `*` anywhere. `?` is accepted by every known evaluator but only `*` is
  documented, so an action that matches only when `?` is a wildcard is MAYBE.
- StringLike: the whole string is one glob; `*` and `?` cross every character, colons included.
- ARNs (Resource, NotResource, ArnLike, ArnEquals): the six colon-separated segments are globbed separately, `*`
  never crossing a colon in the first five; the resource part (everything after the fifth colon) is one glob in which
  `*` crosses `/` and `:`. The resource part is case-sensitive, the rest is not. The Resource page says a `*` that ends
  a segment "can expand to match beyond colon boundaries": a Resource that matches only under that reading is MAYBE.

Every pattern is compiled once into a regular expression and cached; literal `*`/`?` (from `${*}`, `${?}` or a
substituted value) arrive as the private-use markers of `variables`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from linter.engine.context import UNKNOWN, Context
from linter.engine.tri import MAYBE, NO, YES, Tri
from linter.engine.variables import LITERAL_MARKERS, Template, literal, parse, plain
from linter.model import Text

_ARN_PREFIX_SEGMENTS = 5  # arn, partition, service, region, account
_LENIENT_ONLY = "matches only if a segment-final '*' crosses ':' (documented as 'can')"


def _translate(pattern: str, star: str, one: str) -> str:
    out = []
    for char in pattern:
        if char == "*":
            out.append(star)
        elif char == "?":
            out.append(one)
        else:
            out.append(re.escape(LITERAL_MARKERS.get(char, char)))
    return "".join(out)


@lru_cache(maxsize=16384)
def glob_source(pattern: str) -> str:
    return _translate(pattern, ".*", ".")


@lru_cache(maxsize=16384)
def arn_source(pattern: str, final_star_crosses: bool = False) -> str:
    """Regex source for an ARN pattern; `final_star_crosses` is the lenient reading of a segment-final `*`."""
    if pattern == "*":
        return ".*"
    segments = pattern.split(":", _ARN_PREFIX_SEGMENTS)
    parts = []
    for index, segment in enumerate(segments):
        if index == _ARN_PREFIX_SEGMENTS:
            parts.append(glob_source(segment))
        elif final_star_crosses and segment.endswith("*"):
            parts.append(f"(?i:{_translate(segment[:-1], '[^:]*', '[^:]')}.*)")
        else:
            parts.append(f"(?i:{_translate(segment, '[^:]*', '[^:]')})")
    return ":".join(parts)


@lru_cache(maxsize=16384)
def compile_any(sources: tuple[str, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """One regex that fully matches when any of the sources does."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{source})" for source in sources), flags)


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
    return compile_any((glob_source(pattern),)).fullmatch(value) is not None


def arn_matches(pattern: str, value: str, final_star_crosses: bool = False) -> bool:
    # As glob_matches: when the first five segments have no wildcard (`final_star_crosses` then changes nothing) they
    # are a case-insensitive prefix, compared directly when ASCII (the regex folds some other characters to ASCII).
    segments = pattern.split(":", _ARN_PREFIX_SEGMENTS)
    if len(segments) > _ARN_PREFIX_SEGMENTS:
        resource_part = segments[_ARN_PREFIX_SEGMENTS]
        head = pattern[: len(pattern) - len(resource_part)]
        simple = _prefix_glob(resource_part)
        value_head = value[: len(head)]
        if (
            simple is not None
            and head.isascii()
            and value_head.isascii()
            and "*" not in head
            and "?" not in head
            and value_head.lower() == head.lower()
        ):
            text, star = simple
            rest = value[len(head) :]
            return rest.startswith(text) if star else rest == text
    return compile_any((arn_source(pattern, final_star_crosses),)).fullmatch(value) is not None


def _any_regex(sources: Iterable[str], ignore_case: bool = False) -> re.Pattern[str] | None:
    unique = tuple(dict.fromkeys(sources))
    return compile_any(unique, ignore_case) if unique else None


class ActionMatcher:
    """The Action or NotAction list of one statement (before negation)."""

    __slots__ = ("_cache", "_definite", "_qmark_literal", "_qmark_wild", "unresolved")

    def __init__(self, texts: Sequence[Text]) -> None:
        known = [t.value for t in texts if not t.is_unknown]
        self._definite = _any_regex((glob_source(p) for p in known if "?" not in p), ignore_case=True)
        with_qmark = [p for p in known if "?" in p]
        self._qmark_wild = _any_regex((glob_source(p) for p in with_qmark), ignore_case=True)
        self._qmark_literal = _any_regex((glob_source(p.replace("?", literal("?"))) for p in with_qmark), True)
        self.unresolved = tuple(t.unresolved or "" for t in texts if t.is_unknown)
        self._cache: dict[str, Tri] = {}

    def match(self, action: str) -> Tri:
        found = self._cache.get(action)
        if found is None:
            found = self._match(action)
            if len(self._cache) < 4096:
                self._cache[action] = found
        return found

    def _match(self, action: str) -> Tri:
        if self._definite is not None and self._definite.fullmatch(action):
            return YES
        if self._qmark_literal is not None and self._qmark_literal.fullmatch(action):
            return YES
        if self._qmark_wild is not None and self._qmark_wild.fullmatch(action):
            return MAYBE
        return MAYBE if self.unresolved else NO

    def doubt(self, action: str) -> str:
        if self._qmark_wild is not None and self._qmark_wild.fullmatch(action):
            return "matches only if '?' in Action is a wildcard (undocumented)"
        return f"unresolved Action value {', '.join(self.unresolved)}"


class ResourceMatcher:
    """The Resource or NotResource list of one statement (before negation)."""

    __slots__ = (
        "_lenient",
        "_strict",
        "context_keys",
        "matches_everything",
        "plain_pattern",
        "templates",
        "unresolved",
    )

    def __init__(self, texts: Sequence[Text], substitute: bool) -> None:
        static: list[str] = []
        templates: list[Template] = []
        for text in texts:
            if text.is_unknown:
                continue
            parsed = parse(text.value, substitute)
            if isinstance(parsed, Template):
                templates.append(parsed)
            else:
                static.append(parsed)
        self._strict = _any_regex(arn_source(p) for p in static)
        lenient = [arn_source(p, True) for p in static if arn_source(p, True) != arn_source(p)]
        self._lenient = _any_regex(lenient)
        self.templates = tuple(templates)
        self.unresolved = tuple(t.unresolved or "" for t in texts if t.is_unknown)
        # "*" matches any resource whatever the context: such an element never needs matching.
        self.matches_everything = "*" in static
        # When the answer is YES or NO by one regex, that regex.
        plain = self._lenient is None and not self.templates and not self.unresolved and not self.matches_everything
        self.plain_pattern = self._strict if plain else None
        # The context keys the policy variables read (lower-cased).
        self.context_keys = tuple(dict.fromkeys(v.key for t in self.templates for v in t.variables))

    def match(self, resource: str, context: Context) -> Tri:
        if self.matches_everything:
            return YES
        if self._strict is not None and self._strict.fullmatch(resource):
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
