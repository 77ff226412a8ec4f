"""An AccessDenied message that names who was denied what, read into its parts.

Since 2023, S3 tells callers of the bucket owner's account or organization who was denied, what and by which type
of policy (S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors in Amazon S3",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html): `User: user-arn is not
authorized to perform: action on "resource-arn" because context` (the examples write `on resource: "arn"`). The
context is `because no POLICY-TYPE allows the ACTION action` (an implicit deny) or `with an explicit deny in a
POLICY-TYPE`, which may end with the denying policy's ARN (IAM User Guide, "Troubleshoot access denied error
messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html, and its page on
authorization IDs: `... with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/
ExampleDenyPolicy. Go to https://...`). An SCP's may say `due to an explicit deny in a Service Control Policy`.

The message comes from whoever pasted it. It is read once from left to right with `str` methods (no regular
expression, so nothing backtracks), from the first `User: ` only, within `MAX_MESSAGE` characters; a field longer
than an ARN may be is not read. A field the message does not name is None, never guessed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

# AWS's messages are a few hundred characters; nothing past this is read.
MAX_MESSAGE = 8192
# An ARN is at most 2048 characters (IAM's limit); a longer "principal" or "resource" is not one.
MAX_FIELD = 2048


class PolicyType(StrEnum):
    """The policy type a message names, as AWS words it, in kebab-case."""

    IDENTITY = "identity-based-policy"
    RESOURCE = "resource-based-policy"
    BOUNDARY = "permissions-boundary"
    SESSION = "session-policy"
    SCP = "service-control-policy"
    RCP = "resource-control-policy"
    VPC_ENDPOINT = "vpc-endpoint-policy"


# AWS's words for each type, lower-cased (AWS capitalises "Service Control Policy" in some messages).
_PHRASES = (
    ("identity-based policy", PolicyType.IDENTITY),
    ("resource-based policy", PolicyType.RESOURCE),
    ("permissions boundary", PolicyType.BOUNDARY),
    ("session policy", PolicyType.SESSION),
    ("service control policy", PolicyType.SCP),
    ("resource control policy", PolicyType.RCP),
    ("vpc endpoint policy", PolicyType.VPC_ENDPOINT),
)
# The context's openings: whether the deny is explicit.
_CONTEXTS = (("because no ", False), ("with an explicit deny in ", True), ("due to an explicit deny in ", True))
_ARTICLES = ("an ", "a ", "the ")


class Denial(NamedTuple):
    """Who was denied what, and by which type of policy when the message says."""

    principal: str
    action: str
    resource: str
    policy_type: PolicyType | None = None
    explicit: bool | None = None  # True: an explicit deny; False: no policy of the type allows; None: not said
    policy_arn: str | None = None  # the denying policy, when the message names it

    @property
    def denial(self) -> str | None:
        return None if self.explicit is None else ("explicit" if self.explicit else "implicit")


def parse_denial(message: str) -> Denial | None:
    """The principal, action and resource an AccessDenied message names, with its policy type and policy ARN when it
    names them; None when it does not name the three."""
    start = message.find("User: ", 0, MAX_MESSAGE)
    if start < 0:
        return None
    text = message[start + len("User: ") : MAX_MESSAGE]
    principal, rest = _word(text)
    after_principal = _after(rest, "is not authorized to perform: ")
    if after_principal is None:
        return None
    action, rest = _word(after_principal)
    after_action = _after(rest, "on ")
    if after_action is None:
        return None
    rest = after_action.removeprefix("resource: ")
    if rest.startswith('"'):
        end = rest.find('"', 1)
        if end < 0:
            return None
        resource, rest = rest[1:end], rest[end + 1 :]
    else:
        resource, rest = _word(rest)
    if not all(0 < len(value) <= MAX_FIELD for value in (principal, action, resource)):
        return None
    policy_type, explicit, policy_arn = _context(rest.lstrip(" "))
    return Denial(principal, action, resource, policy_type, explicit, policy_arn)


def _word(text: str) -> tuple[str, str]:
    """The text up to the first whitespace, and what follows it with that whitespace skipped."""
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _after(text: str, opening: str) -> str | None:
    return text[len(opening) :] if text.startswith(opening) else None


def _context(text: str) -> tuple[PolicyType | None, bool | None, str | None]:
    lowered = text.lower()
    for opening, explicit in _CONTEXTS:
        if not lowered.startswith(opening):
            continue
        at = len(opening)
        at += next((len(article) for article in _ARTICLES if lowered.startswith(article, at)), 0)
        for phrase, policy_type in _PHRASES:
            if lowered.startswith(phrase, at):
                return policy_type, explicit, _policy_arn(text[at + len(phrase) :]) if explicit else None
        return None, explicit, None
    return None, None, None


def _policy_arn(text: str) -> str | None:
    """`: arn:aws:iam::123456789012:policy/DenyAll. Go to ...` -> the ARN, without the sentence's full stop."""
    if not text.startswith(": "):
        return None
    arn, _ = _word(text[2:])
    arn = arn.rstrip(".")
    return arn if arn.startswith("arn:") and len(arn) <= MAX_FIELD else None
