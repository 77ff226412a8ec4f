"""Action, resource and ARN glob matching: examples from the docs and hypothesis properties."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.engine.context import UNKNOWN
from linter.engine.matching import (
    _REGEX_AFTER,
    ActionMatcher,
    Globs,
    ResourceMatcher,
    arn_matches,
    arn_source,
    compile_any,
    direct_resource_match,
    glob_matches,
    glob_source,
)
from linter.engine.tri import MAYBE, NO, YES
from linter.engine.variables import literal
from linter.model import Location, Text

# Derandomized and without deadlines: the same examples every run, however loaded the machine.
PROPERTY = settings(max_examples=200, derandomize=True, deadline=None)

LOC = Location(file="test.json")
# No brackets: fnmatch gives them a meaning IAM globs do not have.
ALPHABET = st.sampled_from("ab/:-.*?")
PLAIN = st.text(alphabet=st.sampled_from("abAB/:-._0"), max_size=12)
SEGMENT = st.text(alphabet=st.sampled_from("abcxyz0129-_"), min_size=1, max_size=8)


def texts(*values: str) -> list[Text]:
    return [Text(value=v, loc=LOC) for v in values]


@pytest.mark.parametrize(
    ("patterns", "action", "expected"),
    [
        (["s3:GetObject"], "s3:GetObject", YES),
        (["S3:GETOBJECT"], "s3:getobject", YES),
        (["s3:Get*"], "s3:GetObjectVersion", YES),
        (["s3:*Object"], "s3:PutObject", YES),
        (["*"], "kms:Decrypt", YES),
        (["s3:Get*"], "s3:PutObject", NO),
        (["s3:GetObject"], "s3:GetObjectVersion", NO),
        # `?` is a wildcard for exactly one character (Action element page: "You can also use wildcards (* or ?) as
        # part of the action name"), case-insensitive like the rest of the action.
        (["s3:GetObjec?"], "s3:GetObject", YES),
        (["s3:GetObj?ct"], "S3:GETOBJECT", YES),
        (["s3:GetObjec?"], "s3:GetObjec", NO),
        (["s3:GetObjec?"], "s3:GetObjectAcl", NO),
        (["s3:Get?bj*"], "s3:GetObjectVersion", YES),
        (["s3:*Obj?ct*"], "s3:PutObjectTagging", YES),
        (["s3:*Obj?ct*"], "s3:PutObjctTagging", NO),
    ],
)
def test_action_matching(patterns: list[str], action: str, expected: object) -> None:
    assert ActionMatcher(texts(*patterns)).match(action) is expected


def test_question_marks_and_many_stars_in_action_stay_linear() -> None:
    # `?` is now a wildcard in Action too: the linear matcher (Shift-And over the pieces between stars) decides, never
    # a backtracking regex. 21 stars against 200,000 characters answers at once.
    long = "a" * 200_000
    matcher = ActionMatcher(texts("s3:" + "*a?" * 20 + "*b"))
    assert matcher.match("s3:" + long) is NO
    assert matcher.match("s3:" + long + "b") is YES
    assert matcher.match("S3:" + long.upper() + "B") is YES
    assert ActionMatcher(texts("s3:" + "?" * 50 + "*")).match("s3:" + long) is YES


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a/b/c.txt", YES),
        ("arn:aws:s3:::bkt/a*", "arn:aws:s3:::bkt/a/b/c.txt", YES),
        ("arn:aws:s3:::bkt/?", "arn:aws:s3:::bkt/x", YES),
        ("arn:aws:s3:::bkt/?", "arn:aws:s3:::bkt/xy", NO),
        ("arn:aws:s3:::BKT/*", "arn:aws:s3:::bkt/key", NO),
        ("ARN:AWS:S3:::bkt/*", "arn:aws:s3:::bkt/key", YES),
        (
            "arn:aws:logs:*:111111111111:log-group:*",
            "arn:aws:logs:eu-west-1:111111111111:log-group:g:log-stream:s",
            YES,
        ),
        ("arn:aws:iam::*:role/x", "arn:aws:iam::111111111111:role/x", YES),
        ("arn:aws:ec2:eu-*:*:instance/*", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", NO),
        ("*", "arn:aws:s3:::bkt/key", YES),
        ("*", "*", YES),
        ("arn:aws:s3:::bkt/*", "*", NO),
        # Only under the undocumented reading of a segment-final `*`.
        ("arn:aws:s3:*", "arn:aws:s3:::bkt/key", MAYBE),
        ("arn:aws:iam::111111111111*", "arn:aws:iam::111111111111:role/x", MAYBE),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: object) -> None:
    assert ResourceMatcher(texts(pattern), substitute=True).match(resource, {}) is expected


def test_resource_with_unknown_variable_value_is_maybe() -> None:
    matcher = ResourceMatcher(texts("arn:aws:s3:::bkt/${aws:userid}/*"), substitute=True)
    assert matcher.match("arn:aws:s3:::bkt/AIDA/x", {"aws:userid": UNKNOWN}) is MAYBE
    assert matcher.match("arn:aws:s3:::bkt/AIDA/x", {"aws:userid": "AIDA"}) is YES
    assert matcher.match("arn:aws:s3:::bkt/AIDA/x", {}) is NO


def test_substituted_value_is_never_a_wildcard() -> None:
    matcher = ResourceMatcher(texts("arn:aws:s3:::bkt/${aws:PrincipalTag/p}/x"), substitute=True)
    assert matcher.match("arn:aws:s3:::bkt/a*/x", {"aws:principaltag/p": "a*"}) is YES
    assert matcher.match("arn:aws:s3:::bkt/abc/x", {"aws:principaltag/p": "a*"}) is NO


@PROPERTY
@given(pattern=st.text(alphabet=ALPHABET, max_size=8), value=st.text(alphabet=ALPHABET, max_size=10))
def test_glob_agrees_with_fnmatch(pattern: str, value: str) -> None:
    assert glob_matches(pattern, value) == fnmatchcase(value, pattern)


@PROPERTY
@given(value=PLAIN, suffix=PLAIN)
def test_literal_text_matches_only_itself(value: str, suffix: str) -> None:
    assert glob_matches(literal(value), value)
    assert glob_matches(literal(value) + "*", value + suffix)
    assert glob_matches(literal(value + "*"), value + suffix) == (suffix == "*")


@PROPERTY
@given(service=SEGMENT, name=SEGMENT)
def test_actions_ignore_case(service: str, name: str) -> None:
    action = f"{service}:{name}"
    matcher = ActionMatcher(texts(action.upper()))
    assert matcher.match(action.lower()) is YES
    assert matcher.match(action.swapcase()) is YES


@st.composite
def arn_and_pattern(draw: st.DrawFn) -> tuple[str, str]:
    """An ARN and a pattern made from it by replacing a stretch of some segments with `*`."""
    segments = ["arn", "aws", draw(SEGMENT), draw(SEGMENT), draw(st.sampled_from(["111111111111", ""]))]
    resource = draw(st.text(alphabet=st.sampled_from("abc/:-1"), min_size=1, max_size=12))
    arn = ":".join([*segments, resource])
    pattern_parts = []
    for part in [*segments[1:], resource]:
        start = draw(st.integers(0, len(part)))
        end = draw(st.integers(start, len(part)))
        pattern_parts.append(part[:start] + "*" + part[end:] if draw(st.booleans()) else part)
    return arn, ":".join(["arn", *pattern_parts])


@PROPERTY
@given(pair=arn_and_pattern())
def test_wildcarded_arn_matches_as_arn_and_as_string(pair: tuple[str, str]) -> None:
    arn, pattern = pair
    assert arn_matches(pattern, arn)
    assert glob_matches(pattern, arn)


@PROPERTY
@given(
    account=st.from_regex(r"[0-9]{12}", fullmatch=True),
    region=SEGMENT,
    other=st.from_regex(r"[0-9]{12}", fullmatch=True),
)
def test_star_in_a_prefix_segment_never_crosses_a_colon(account: str, region: str, other: str) -> None:
    # `*` in the region segment must not swallow "region:account" to reach a later account.
    value = f"arn:aws:svc:{region}:{other}:thing/{account}"
    pattern = f"arn:aws:svc:*:{account}:thing/*"
    assert arn_matches(pattern, value) == (other == account)
    assert glob_matches(f"arn:aws:svc:*:{account}*", value) == (other == account or f":{account}" in value)


# The reference semantics: the regex translation the engine used before matching became linear. It backtracks, so it
# only ever sees the small inputs below. Markers are the literal `*` and `?` of substituted text; the odd letters fold
# to ASCII ones under re.IGNORECASE, and the linear matchers must fold them the same way.
def reference_glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(_translate(pattern, ".*", "."), value, flags) is not None


def reference_arn(pattern: str, value: str, final_star_crosses: bool = False) -> bool:
    if pattern == "*":
        return True
    parts = []
    for index, segment in enumerate(pattern.split(":", 5)):
        if index == 5:
            parts.append(_translate(segment, ".*", "."))
        elif final_star_crosses and segment.endswith("*"):
            parts.append(f"(?i:{_translate(segment[:-1], '[^:]*', '[^:]')}.*)")
        else:
            parts.append(f"(?i:{_translate(segment, '[^:]*', '[^:]')})")
    return re.fullmatch(":".join(parts), value, re.DOTALL) is not None


def _translate(pattern: str, star: str, one: str) -> str:
    markers = {"\ue000": "*", "\ue001": "?"}
    return "".join(star if c == "*" else one if c == "?" else re.escape(markers.get(c, c)) for c in pattern)


TRICKY = st.text(alphabet=st.sampled_from("aAsSkK:/*?\u017f\u212a\u0130\ue000\ue001\n"), max_size=10)
PATTERN_TAIL = st.sampled_from(["", "*", "?", "x*", "*x", "*a*", "?*s*?", "*:*"])


def _candidates(head: str, pattern: str, value: str) -> tuple[str, ...]:
    return (
        value,
        head,
        head + value,
        head.swapcase() + value,
        pattern,
        pattern.replace("\ue000", "*") + value,
        pattern.replace("*", value).replace("?", "s"),
        pattern.lower().replace("*", ":").replace("?", "\u017f"),
    )


@PROPERTY
@given(TRICKY, PATTERN_TAIL, TRICKY)
def test_glob_matching_agrees_with_the_regex(head: str, tail: str, value: str) -> None:
    pattern = head + tail
    for candidate in _candidates(head, pattern, value):
        assert glob_matches(pattern, candidate) is reference_glob(pattern, candidate)
        for ignore_case in (False, True):
            found = bool(compile_any((glob_source(pattern),), ignore_case).fullmatch(candidate))
            assert found is reference_glob(pattern, candidate, ignore_case)


@PROPERTY
@given(st.lists(TRICKY, min_size=1, max_size=7), PATTERN_TAIL, TRICKY, st.booleans(), st.booleans())
def test_a_set_answers_alike_before_and_after_its_regex_is_compiled(
    segments: list[str], tail: str, value: str, arn: bool, ignore_case: bool
) -> None:
    # A set matches with quickly built matchers until it has been asked `_REGEX_AFTER` times, then with its regex.
    pattern = ":".join(segments) + tail
    sources = (arn_source(pattern) if arn else glob_source(pattern), glob_source(value + "*"))
    candidates = (*_candidates(segments[0], pattern, value), pattern.swapcase() + value)
    globs = Globs(sources, ignore_case)
    early = [bool(globs.fullmatch(candidate)) for candidate in candidates]
    for _ in range(_REGEX_AFTER):
        globs.fullmatch(value)
    assert [bool(globs.fullmatch(candidate)) for candidate in candidates] == early


@PROPERTY
@given(st.lists(TRICKY, min_size=1, max_size=7), PATTERN_TAIL, TRICKY, st.booleans())
def test_arn_matching_agrees_with_the_regex(segments: list[str], tail: str, value: str, lenient: bool) -> None:
    pattern = ":".join(segments) + tail
    for candidate in (*_candidates(segments[0], pattern, value), pattern.swapcase() + value):
        expected = reference_arn(pattern, candidate, lenient)
        assert arn_matches(pattern, candidate, lenient) is expected
        assert bool(compile_any((arn_source(pattern, lenient),)).fullmatch(candidate)) is expected


# Resource patterns as policies write them (no substitution markers), often the usual shape a Resource element
# compares directly (a literal ARN head, a resource part with at most a final `*`).
_WRITTEN = st.text(alphabet=st.sampled_from("aAsSkK:/*?\u017f\u212a\u0130\n"), max_size=10)
_RESOURCE_PATTERNS = st.one_of(
    st.builds(
        lambda segments, tail: ":".join(segments) + tail, st.lists(_WRITTEN, min_size=1, max_size=7), PATTERN_TAIL
    ),
    st.builds(
        lambda head, tail: head + tail, st.sampled_from(["arn:aws:s3:::", "ARN:aws:S3:::b/", "arn:a:s:::K"]), _WRITTEN
    ),
)


@PROPERTY
@given(st.lists(_RESOURCE_PATTERNS, min_size=1, max_size=3), _WRITTEN)
def test_a_resource_element_answers_as_the_regex(patterns: list[str], value: str) -> None:
    matcher = ResourceMatcher.known(patterns, substitute=False)
    heads = ("arn:aws:s3:::", "ARN:AWS:S3:::", "arn:aw\u017f:s3:::", "arn:a:s:::\u212a", *patterns)
    for candidate in (value, *(head + value for head in heads), *(p.replace("*", value) for p in patterns)):
        strict = any(reference_arn(pattern, candidate) for pattern in patterns)
        lenient = any(reference_arn(pattern, candidate, True) for pattern in patterns)
        assert matcher.match(candidate, {}) is (YES if strict else MAYBE if lenient else NO)


@PROPERTY
@given(
    st.lists(st.one_of(_RESOURCE_PATTERNS, st.sampled_from(["*", "arn:aws:s3:::b/${aws:username}/*"])), max_size=3),
    _WRITTEN,
    st.booleans(),
)
def test_a_first_question_compared_directly_answers_as_the_matcher(
    patterns: list[str], value: str, substitute: bool
) -> None:
    """`direct_resource_match`, the first question to a plain statement: the matcher's answer, or None to build it."""
    context = {"aws:username": "u"}
    heads = ("arn:aws:s3:::", "ARN:AWS:S3:::b/", "arn:aw\u017f:s3:::", *patterns)
    for candidate in (value, *(head + value for head in heads), *(p.replace("*", value) for p in patterns)):
        direct = direct_resource_match(patterns, candidate, substitute)
        if direct is not None:
            assert direct is ResourceMatcher.known(patterns, substitute).match(candidate, context)


def test_a_first_question_compared_directly_examples() -> None:
    usual = ["arn:aws:s3:::b", "arn:aws:s3:::b/data/*"]
    assert direct_resource_match(usual, "ARN:AWS:S3:::b/data/k", True) is YES
    assert direct_resource_match(usual, "arn:aws:s3:::b/other/k", True) is NO
    assert direct_resource_match([], "arn:aws:s3:::b", True) is NO
    assert direct_resource_match(["arn:aws:s3:::b/x*y"], "arn:aws:s3:::b/xay", True) is None  # a wildcard inside
    assert direct_resource_match(["arn:aws:s3:::b/${aws:username}"], "arn:aws:s3:::b/u", True) is None
    assert direct_resource_match(["arn:aws:s3:::b/${aws:username}"], "arn:aws:s3:::b/${aws:username}", False) is YES
    assert direct_resource_match(["arn:aws:s3:::b/*"], "arn:aw\u017f:s3:::b/k", True) is None  # the regex folds it
    assert direct_resource_match(["arn:aws:s3:::b/k", "*"], "x", True) is YES


@PROPERTY
@given(st.lists(st.sampled_from(["*a*", "a*", "*", "?", "a?a", "*:*", ":", "b"]), max_size=8), PLAIN, st.booleans())
def test_many_stars_agree_with_the_regex(parts: list[str], value: str, lenient: bool) -> None:
    # Patterns with several stars take the linear matchers (never the regex): the same answers on ARN-shaped values.
    pattern = "".join(parts)
    arn_pattern = f"arn:aws:s3*:{pattern}:*1:{pattern}"
    for candidate in (value, value + "b", f"arn:aws:s3:{value}:1:{value}", f"ARN:aws:S3x:{value}:a:b:1:{value}b"):
        assert glob_matches(pattern, candidate) is reference_glob(pattern, candidate)
        assert arn_matches(arn_pattern, candidate, lenient) is reference_arn(arn_pattern, candidate, lenient)


def test_arn_shortcuts_examples() -> None:
    assert arn_matches("arn:aws:s3:::bkt/users/u1/*", "ARN:AWS:S3:::bkt/users/u1/a:b")
    assert not arn_matches("arn:aws:s3:::bkt/users/u1/*", "arn:aws:s3:::bkt/users/U1/a")
    assert arn_matches("arn:aws:s3:::bkt/users/u1/key", "arn:aws:s3:::bkt/users/u1/key")
    assert not arn_matches("arn:aws:s3:::bkt/users/u1/key", "arn:aws:s3:::bkt/users/u1/key2")
    assert arn_matches("arn:aws:s3:::bkt/\ue000", "arn:aws:s3:::bkt/*")
    assert not arn_matches("arn:aws:s3:::bkt/\ue000", "arn:aws:s3:::bkt/x")
    assert arn_matches("arn:aws:s3:::bkt/*", "arn:aw\u017f:s3:::bkt/x")  # the regex folds the long s to s
