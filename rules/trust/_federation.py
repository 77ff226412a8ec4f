"""Web identity (OIDC) federation in trust policies: which provider, and which claims the conditions pin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import IntEnum
from typing import NamedTuple

from linter.lazy_re import lazy_compile
from linter.model import Statement, Text
from rules._shared.principals import refs_of_type
from rules._shared.statements import (
    condition_is_unknown,
    grants_action,
    is_allow,
    key_name,
    on_keys,
    positive_operator,
    restricting_conditions,
)

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
GITHUB_HOST = "token.actions.githubusercontent.com"
_OIDC_PROVIDER_ARN = lazy_compile(r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(.+)$", re.IGNORECASE)
# The built-in web identity providers, where the audience (the app or identity pool id) is what is yours: the
# IAM User Guide's trust policy examples pin it, and users of that app are who the role is meant for.
_AUDIENCE_PINNED = {
    "cognito-identity.amazonaws.com": "aud",
    "accounts.google.com": "aud",
    "graph.facebook.com": "app_id",
    "www.amazon.com": "app_id",
}


class Provider(NamedTuple):
    host: str  # as written; for an OIDC provider ARN, everything after `oidc-provider/`
    principal: Text
    pin_claim: str  # the claim that must name the allowed identities
    audience_claim: str | None  # a separate audience claim to require, when the pin is the subject

    def key(self, claim: str) -> str:
        return f"{self.host}:{claim}"

    @property
    def is_github(self) -> bool:
        host = self.host.lower()
        return host == GITHUB_HOST or host.startswith(GITHUB_HOST + "/")

    @property
    def audience_pinned(self) -> bool:
        """Cognito and the social identity providers: the app or pool id is the pin."""
        return self.host.lower() in _AUDIENCE_PINNED

    def who(self) -> str:
        """Who the provider would let in if nothing pinned the claim, for messages."""
        if self.is_github:
            return "every GitHub repository"
        if self.host.lower() == "cognito-identity.amazonaws.com":
            return "identities from any Cognito identity pool, in any AWS account,"
        if self.audience_pinned:
            return f"users of any app that signs in with {self.host}"
        return "any identity this provider issues tokens for"


def web_identity_providers(statement: Statement) -> Iterator[Provider]:
    """The OIDC / web identity providers an Allow statement lets call sts:AssumeRoleWithWebIdentity."""
    if not is_allow(statement) or grants_action(statement, WEB_IDENTITY_ACTION) is None:
        return
    for ref in refs_of_type(statement, "Federated"):
        match = _OIDC_PROVIDER_ARN.match(ref.value.value)
        if match is not None:
            host = match.group(1)
        elif ref.value.value.lower().startswith("arn:"):
            continue  # a SAML provider
        else:
            host = ref.value.value
        pin = _AUDIENCE_PINNED.get(host.lower())
        yield Provider(host, ref.value, pin or "sub", None if pin else "aud")


class Scope(IntEnum):
    """How much a claim condition lets in; higher is broader."""

    ONE = 0  # a named identity (a GitHub repository, a service account, a pool)
    OWNER = 1  # every repository of one GitHub owner
    ANY = 2  # anyone the provider issues tokens to


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


def _value_scope(provider: Provider, value: str, like: bool) -> Scope:
    if not like:
        return Scope.ONE  # compared literally: `*` in StringEquals matches only a literal `*`
    if provider.is_github and value.startswith("repo:"):
        owner, slash, rest = value[len("repo:") :].partition("/")
        if not slash or not owner or _wild(owner):
            return Scope.ANY
        return Scope.OWNER if _wild(rest.split(":", 1)[0]) else Scope.ONE
    return Scope.ANY if value[:1] in ("*", "?") else Scope.ONE


class ClaimPin(NamedTuple):
    scope: Scope
    evidence: Text | None  # the value that makes it that broad, when a condition exists


# The claims these rules read (sub, aud, app_id) are in every token STS accepts: OpenID Connect Core 1.0 §2 makes
# `sub` and `aud` REQUIRED in an ID token, and STS checks `aud` against the provider's client ids. A condition key
# on them is never absent, so `ForAllValues:StringEquals` on `HOST:aud` pins it as `StringEquals` does (IPA011
# still says the absent-key reading is fragile). https://openid.net/specs/openid-connect-core-1_0.html#IDToken


def claim_pin(statement: Statement, provider: Provider, claim: str) -> ClaimPin:
    """The narrowest scope any positive condition on `HOST:claim` gives (conditions AND, values OR).

    No such condition gives ANY without evidence. An unresolved condition might pin the claim: ONE.
    """
    key = provider.key(claim).lower()
    best = ClaimPin(Scope.ANY, None)
    for condition in statement.conditions:
        if condition_is_unknown(condition):
            return ClaimPin(Scope.ONE, None)
        operator = positive_operator(condition, key_always_present=True)
        if operator is None or key_name(condition) != key or not condition.values:
            continue
        like = operator.base.comparison == "like"
        scopes = [(_value_scope(provider, v.value, like), v) for v in condition.values]
        worst = max(scopes, key=lambda pair: pair[0])
        if best.evidence is None or worst[0] < best.scope:
            best = ClaimPin(worst[0], worst[1])
    return best


def has_claim(statement: Statement, provider: Provider, claim: str) -> bool:
    """A positive condition on `HOST:claim` with a value other than a bare `*` (or an unresolved condition)."""
    pinning = restricting_conditions(statement, on_keys(provider.key(claim)), key_always_present=True)
    return next(pinning, None) is not None
