"""`can_name` (can a Resource pattern name some ARN of a resource type?) as one bit-parallel pass over the pattern,
held to the pair-of-positions search it replaced, which is quadratic in time and memory on a long pattern."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linter.awsdata import aws_data, template_pieces
from rules._shared.actions import _compatible, _policy_pieces, _segments_differ, can_name

TEMPLATES = [
    "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
    "arn:${Partition}:s3:::${BucketName}",
    "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}",
    "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
    "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
    "*",
]
ARNS = [
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b",
    "arn:aws:iam::111122223333:role/r",
    "arn:aws:logs:eu-west-1:1:log-group:g",
]


def reference(pattern: str, template: str) -> bool:
    if _segments_differ(pattern, template):
        return False
    a, b = _policy_pieces(pattern), template_pieces(template)
    stack, seen = [(0, 0)], set()
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i][2]:
            stack.append((i + 1, j))
        if j < len(b) and b[j][2]:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b) and _compatible(a[i], b[j]):
            stack.append((i if a[i][2] else i + 1, j if b[j][2] else j + 1))
    return False


@st.composite
def patterns(draw: st.DrawFn) -> str:
    """An ARN with wildcards, colons, slashes and variables put in, or a short string of such characters."""
    if draw(st.booleans()):
        return draw(st.text(alphabet=st.sampled_from("arn:aws3i/*?${}x"), max_size=24))
    text = list(draw(st.sampled_from(ARNS)))
    for _ in range(draw(st.integers(0, 4))):
        text.insert(draw(st.integers(0, len(text))), draw(st.sampled_from(["*", "?", ":", "/", "${aws:username}"])))
    return "".join(text)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(patterns(), st.sampled_from(TEMPLATES))
def test_agrees_with_the_pair_of_positions_search(pattern: str, template: str) -> None:
    assert can_name.__wrapped__(pattern, template) is reference(pattern, template)


def test_examples() -> None:
    object_arn = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert can_name("arn:aws:s3:::reports/*", object_arn)
    assert not can_name("arn:aws:s3:::reports", object_arn)
    assert can_name("arn:aws:s3:::*", object_arn)  # the `*` may cross the `/`
    assert not can_name("arn:aws:s3:::reports/*", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")
    assert can_name("*", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")


def test_a_star_resource_names_a_resource_of_every_type() -> None:
    # IPA002 skips a statement whose Resource holds `*`, relying on this for every template of the AWS data.
    aws = aws_data()
    templates = {"*"} | {
        template
        for service in aws.services
        for resource_type in aws.resource_types(service).values()
        for template in resource_type.arn_templates
    }
    assert [template for template in sorted(templates) if not can_name("*", template)] == []
