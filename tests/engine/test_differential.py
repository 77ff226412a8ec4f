"""The engine against a small reference evaluator written here from docs/iam-semantics.md §1-§3, on generated requests.

The reference knows only what this test needs, and knows it plainly: one account (A), an IAM user as the caller, an
identity policy and a resource policy; Allow and Deny; Action/NotAction globs with `*` and `?` (case-insensitive);
Resource/NotResource ARNs (prefix segments case-insensitive, the resource part a case-sensitive glob); StringEquals,
StringNotEquals, StringLike, Bool (with policy variables) and NumericLessThan conditions, some keys absent. Plus the
request shapes of issue 13: sts:GetCallerIdentity (allowed whatever the policies), and kms: requests on a key or an
alias, with the key policy (it must allow, directly or by delegating to the account) or without it (uncertain).

An answer is the set of decisions the inputs allow: one decision, or {implicitDeny, allowed} when uncertain. The
generator is seeded, so every run judges the same requests; a mismatch prints the request to reproduce.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import accumulate
from operator import or_
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A = "111111111111"
CALLERS = [f"arn:aws:iam::{A}:user/alice", f"arn:aws:iam::{A}:user/carol"]
ROOT = f"arn:aws:iam::{A}:root"
KEY = f"arn:aws:kms:eu-central-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALIAS = f"arn:aws:kms:eu-central-1:{A}:alias/app"
# Requests by service: (actions, resources).
S3 = (
    ["s3:GetObject", "s3:PutObject", "s3:GetObjectAcl", "s3:DeleteObject", "s3:ListBucket"],
    ["arn:aws:s3:::bkt/a/b.txt", "arn:aws:s3:::bkt/c", "arn:aws:s3:::bkt", "arn:aws:s3:::other/a/b.txt"],
)
KMS = (["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"], [KEY, ALIAS])
STS = (["sts:GetCallerIdentity"], ["*"])
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::bkt/*",
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::BKT/*",
    "arn:aws:s3:::bkt/?",
    "arn:aws:s3:::bkt/a/*.txt",
    "arn:aws:s3:::*/a/*",
    "arn:aws:s3:::bk?/*",
    "ARN:AWS:S3:::bkt/c",
    f"arn:aws:kms:eu-central-1:{A}:key/*",
    ALIAS,
]
# Conditions a statement may carry: (operator, key, policy values). Some requests leave each key out.
CONDITIONS = [
    ("StringEquals", "aws:PrincipalTag/team", ["red", "blue"]),
    ("StringNotEquals", "aws:PrincipalTag/team", ["red"]),
    ("StringLike", "aws:UserAgent", ["curl*", "*boto?*", "aws-cli/?.*"]),
    ("Bool", "aws:SecureTransport", ["true", "false", "${aws:PrincipalTag/tls}", "${aws:PrincipalTag/tls, 'true'}"]),
    ("NumericLessThan", "s3:max-keys", ["10", "100"]),
]
REQUEST_VALUES = {
    "aws:principaltag/team": ["red", "Red", "blue", "green"],
    "aws:useragent": ["curl/8", "Boto3/1", "xboto1", "aws-cli/2.1", "aws-cli/10"],
    "aws:securetransport": ["true", "false"],
    "aws:principaltag/tls": ["true", "false", "TRUE", "maybe"],
    "s3:max-keys": ["5", "50", "500"],
}

# --- the reference ------------------------------------------------------------------------------------------------


def glob(pattern: str, text: str) -> bool:
    """`*` any run of characters, `?` exactly one; a table of which prefixes of `text` the pattern so far matches."""
    reach = [True] + [False] * len(text)
    for char in pattern:
        if char == "*":
            reach = list(accumulate(reach, or_))
        else:
            reach = [False] + [reach[j] and char in ("?", text[j]) for j in range(len(text))]
    return reach[-1]


def arn_match(pattern: str, arn: str) -> bool:
    """The patterns generated here have no wildcard before the resource part (§2 Resources)."""
    if pattern == "*":
        return True
    p, a = pattern.split(":", 5), arn.split(":", 5)
    return len(p) == len(a) == 6 and [s.lower() for s in p[:5]] == [s.lower() for s in a[:5]] and glob(p[5], a[5])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def condition_holds(operator: str, key: str, values: list[str], context: dict[str, str]) -> bool:
    """§3: values OR; an absent key makes every operator here false but the negated StringNotEquals."""
    actual = context.get(key.lower())
    if actual is None:
        return operator == "StringNotEquals"
    if operator == "StringEquals":
        return actual in values
    if operator == "StringNotEquals":
        return actual not in values
    if operator == "StringLike":
        return any(glob(v, actual) for v in values)
    if operator == "NumericLessThan":
        return any(int(actual) < int(v) for v in values)
    assert operator == "Bool"
    for value in values:
        flag = value
        if value.startswith("${"):  # §3 Policy variables: `${key}` or `${key, 'default'}`
            name, _, default = value[2:-1].partition(", ")
            flag = context.get(name.lower(), default.strip("'"))  # no value, no default: "" matches nothing
        if flag.lower() in ("true", "false") and flag.lower() == actual.lower():
            return True
    return False


def applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    if "Action" in statement:
        acts = any(glob(p.lower(), action.lower()) for p in as_list(statement["Action"]))
    else:
        acts = not any(glob(p.lower(), action.lower()) for p in as_list(statement["NotAction"]))
    if "Resource" in statement:
        on = any(arn_match(p, resource) for p in as_list(statement["Resource"]))
    else:
        on = not any(arn_match(p, resource) for p in as_list(statement["NotResource"]))
    conditions = statement.get("Condition", {})
    holds = all(
        condition_holds(op, key, as_list(values), context)
        for op, keys in conditions.items()
        for key, values in keys.items()
    )
    return acts and on and holds


def principals(statement: dict[str, Any]) -> list[str]:
    principal = statement["Principal"]
    return ["*"] if principal == "*" else as_list(principal["AWS"])


def reference(caller: str, action: str, resource: str, context: dict[str, str], request: dict[str, Any]) -> set[str]:
    """§1 for one account, as the decisions the inputs allow."""
    if action.lower() == "sts:getcalleridentity":  # §1 Actions that need no permission
        return {"allowed"}
    identity = [s for s in request["identity"] if applies(s, action, resource, context)]
    given = request["resource"]
    granted = [s for s in given or [] if applies(s, action, resource, context)]
    if any(s["Effect"] == "Deny" for s in identity) or any(
        s["Effect"] == "Deny" and {"*", caller, ROOT} & set(principals(s)) for s in granted
    ):
        return {"explicitDeny"}
    identity_allows = any(s["Effect"] == "Allow" for s in identity)
    allows = [set(principals(s)) for s in granted if s["Effect"] == "Allow"]
    direct = any({"*", caller} & names for names in allows)
    delegated = any(ROOT in names for names in allows)
    if action.startswith("kms:"):  # §1 KMS keys: the key policy must allow, directly or by delegating
        if given is None:
            return {"implicitDeny", "allowed"}
        return {"allowed" if direct or (delegated and identity_allows) else "implicitDeny"}
    return {"allowed" if direct or identity_allows else "implicitDeny"}  # §1 one account, step 4


# --- the generator ------------------------------------------------------------------------------------------------


def action_pattern(rng: random.Random, action: str) -> str:
    """A pattern for `action`, or for a neighbour: `?` for some letters, `?` added, `*` for a stretch, case changed."""
    service, name = action.split(":")
    chars = list(name)
    for index in rng.sample(range(len(chars)), k=rng.randint(0, 2)):
        chars[index] = "?"
    name = "".join(chars)
    if rng.random() < 0.25:  # a `?` more, or three: one character too many, or the length of another action
        start = rng.randrange(len(name) + 1)
        name = name[:start] + rng.choice(["?", "???"]) + name[start:]
    if rng.random() < 0.5:
        start = rng.randrange(len(name) + 1)
        name = name[:start] + "*" + name[start + rng.randint(0, 4) :]
    pattern = f"{service}:{name}"
    return pattern.upper() if rng.random() < 0.15 else pattern


def statement(rng: random.Random, in_resource_policy: bool) -> dict[str, Any]:
    pool = rng.choice([S3, S3, KMS])[0] + S3[0] + KMS[0]
    patterns = [action_pattern(rng, rng.choice(pool)) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.1:
        patterns.append(rng.choice(["*", "s3:*", "kms:*"]))
    result: dict[str, Any] = {"Effect": "Deny" if rng.random() < 0.35 else "Allow"}
    result["NotAction" if rng.random() < 0.15 else "Action"] = patterns
    resources = rng.sample(RESOURCE_PATTERNS, k=rng.randint(1, 2))
    result["NotResource" if rng.random() < 0.15 else "Resource"] = resources
    if in_resource_policy:
        names = rng.sample(["*", *CALLERS, ROOT], k=rng.randint(1, 2))
        result["Principal"] = "*" if names == ["*"] else {"AWS": names}
    condition: dict[str, dict[str, Any]] = {}
    for operator, key, values in rng.sample(CONDITIONS, k=rng.choice([0, 0, 1, 1, 2])):
        condition.setdefault(operator, {})[key] = rng.sample(values, k=rng.randint(1, min(2, len(values))))
    if condition:
        result["Condition"] = condition
    return result


def generate(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    requests = []
    for _ in range(8):
        actions, resources = rng.choice([S3, S3, S3, S3, KMS, KMS, STS])
        context = {key: rng.choice(values) for key, values in REQUEST_VALUES.items() if rng.random() < 0.6}
        requests.append((rng.choice(CALLERS), rng.choice(actions), rng.choice(resources), context))
    return {
        "identity": [statement(rng, False) for _ in range(rng.randint(0, 3))],
        "resource": [statement(rng, True) for _ in range(rng.randint(1, 2))] if rng.random() < 0.5 else None,
        "requests": requests,
    }


SEEDS = range(400)  # 3,200 requests


def test_engine_agrees_with_the_reference(engine: Engine) -> None:
    seen: Counter[str] = Counter()
    mismatches = []
    for seed in SEEDS:
        case = generate(seed)
        identity = [engine.policy(*case["identity"])] if case["identity"] else []
        resource = engine.policy(*case["resource"], name="resource.json") if case["resource"] else None
        policies = {"identity": identity, "resource": resource}
        for caller, action, target, context in case["requests"]:
            expected = reference(caller, action, target, context, case)
            decision = engine.decide(caller, action, target, context=context, **policies)
            found = set(decision.possible) if decision.uncertain else {decision.decision}
            seen[" or ".join(sorted(expected))] += 1
            if found != expected:
                request = {"caller": caller, "action": action, "resource": target, "context": context}
                policies_json = {"identity": case["identity"], "resource": case["resource"]}
                mismatches.append(
                    f"seed {seed}: engine {sorted(found)}, reference {sorted(expected)}\n"
                    f"  {json.dumps(request)}\n  {json.dumps(policies_json)}"
                )
    assert not mismatches, f"{len(mismatches)} disagreements; first:\n" + "\n".join(mismatches[:3])
    # The generator reaches every answer, so a broken engine has something to get wrong.
    assert all(
        seen[outcome] >= 100 for outcome in ("allowed", "explicitDeny", "implicitDeny", "allowed or implicitDeny")
    ), seen


def test_the_reference_reads_the_documented_examples() -> None:
    """The reference itself, on the spec's own examples (§2, §3), so a mismatch above is the engine's."""
    assert glob("getobjec?", "getobject") and not glob("getobjec?", "getobjec") and not glob("getobje?", "getobject")
    assert glob("*accesskey*", "listaccesskeys") and glob("get*", "get") and not glob("?*", "")
    assert arn_match("arn:aws:s3:::bkt/a*", "arn:aws:s3:::bkt/a/b/c.txt")  # §7 case 20
    assert not arn_match("arn:aws:s3:::BKT/*", "arn:aws:s3:::bkt/key")  # §7 case 19
    assert arn_match("ARN:AWS:S3:::bkt/c", "arn:aws:s3:::bkt/c")
    assert condition_holds("StringNotEquals", "aws:SourceVpce", ["vpce-1"], {})  # §7 case 25
    assert not condition_holds("StringEquals", "aws:PrincipalTag/team", ["blue"], {"aws:principaltag/team": "Blue"})
    bool_var = ["${aws:PrincipalTag/tls}"]
    assert condition_holds(
        "Bool", "aws:SecureTransport", bool_var, {"aws:securetransport": "true", "aws:principaltag/tls": "true"}
    )
    assert not condition_holds("Bool", "aws:SecureTransport", bool_var, {"aws:securetransport": "true"})
