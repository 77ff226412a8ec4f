"""Hostile inputs for the whole CLI, and the harness that runs one case through `linter.cli.main` in-process.

Shared by `tests/security/test_fuzz_cli.py` (a few thousand inputs in the suite) and `benchmarks/fuzz_cli.py` (the
nightly-style run of 100,000 and more). A case is a function of its seed, index and the tricks left out alone:
`make_case` builds the same files and command line on any machine, so a failure is replayed from those numbers.

Inputs are built from grammars (IAM policy JSON, Terraform HCL and JSON syntax, plan JSON, `.iam-preflight.toml`,
pre-signed URLs, S3 error bodies, simulate requests), so that most get past the first parser and reach the engine,
the rules and the reports, and are then damaged byte by byte (flips, inserts, deletes, truncation, BOMs, invalid
UTF-8) so that the parsers see the rest. A trick that still breaks code being fixed elsewhere carries a tag from
`TRICKS`: the suite leaves out the tags in `SUITE_AVOIDS`, the benchmark runs every one unless told otherwise.

What a case must never do (`problems`): exit with a code other than 0, 1 or 2, print "internal error", a traceback
or "please report it" (a bug of ours turned into an input error), or, when a known-bad policy sits beside the hostile
files, lose that policy's finding.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

FORMATS = ("text", "json", "sarif", "github", "junit")

# A policy every run of `check` over a folder holding it must report, whatever sits beside it.
KNOWN_BAD_NAME = "known-bad.json"
KNOWN_BAD_MARKER = "KnownBadMarker"
KNOWN_BAD_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": KNOWN_BAD_MARKER, "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
).encode()

# Tricks that reach code with open fixes elsewhere (issue 11): tagged so a run can leave them out.
TRICKS = {
    "huge-int": "integers of thousands of digits (Python's int-string limit)",
    "glob-blowup": "IAM wildcards like *a*a*a...*b against long values",
    "regex": "Terraform regex/replace patterns that are invalid, or that backtrack in Python's re",
    "eval-blowup": "Terraform values that double or multiply (concat, nested range for-expressions)",
    "deep-nesting": "JSON or HCL nested thousands deep",
    "special-file": "reads of /dev/zero, symlink loops and links out of the tree",
    "bad-output-target": "-o or --write-baseline naming a folder",
    "module-cycle": "Terraform modules that call each other",
    "big-policy": "a policy of a hundred thousand statements",
    "long-argument": "an S3 error body given as an argument longer than a file name may be",
    "wrong-arity": "Terraform function calls with too few or too many arguments, or arguments out of range",
    "plan-types": "plan JSON whose values have the wrong types",
    "lone-surrogate": "strings holding a lone surrogate (JSON \\ud800), which UTF-8 cannot encode",
    "service-name": "condition keys whose service prefix is long or holds a NUL (the AWS data is read by file name)",
}
# Tricks left out of the suite while a fix for the code they break is under way (none now).
SUITE_AVOIDS: frozenset[str] = frozenset()

# --- JSON text that the json module would not write -----------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is: numbers such as 1e999, NaN or 5,000 digits, or broken syntax."""

    text: str


@dataclass(frozen=True)
class Obj:
    """A JSON object as written: keys in this order, repeated keys allowed."""

    pairs: tuple[tuple[str, Any], ...]


def emit_json(node: Any, rng: random.Random, indent: int | None = None, level: int = 0) -> str:
    """JSON text for a tree of Obj, Raw, list and scalars; strings escaped as ASCII or written raw at random."""
    pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
    end = "" if indent is None else "\n" + " " * (indent * level)
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, Obj):
        if not node.pairs:
            return "{}"
        items = [f"{pad}{_json_string(k, rng)}: {emit_json(v, rng, indent, level + 1)}" for k, v in node.pairs]
        return "{" + ",".join(items) + end + "}"
    if isinstance(node, list):
        if not node:
            return "[]"
        return "[" + ",".join(pad + emit_json(v, rng, indent, level + 1) for v in node) + end + "]"
    if isinstance(node, dict):
        return emit_json(Obj(tuple(node.items())), rng, indent, level)
    if isinstance(node, str):
        return _json_string(node, rng)
    return json.dumps(node)


def _json_string(text: str, rng: random.Random) -> str:
    # ensure_ascii=False leaves lone surrogates in the text: encoded with surrogatepass they become invalid UTF-8.
    return json.dumps(text, ensure_ascii=rng.random() < 0.6)


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# --- byte-level damage ---------------------------------------------------------------------------------------------

BAD_BYTES = (b"\xff", b"\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\x00", b"\x1b[31m")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf")


def mutate_bytes(data: bytes, rng: random.Random, rounds: int = 1) -> bytes:
    """Flip, insert, delete, duplicate or truncate at random points; prefix a BOM or re-encode as UTF-16."""
    buffer = bytearray(data)
    for _ in range(rounds):
        where = rng.randrange(len(buffer) + 1)
        action = rng.randrange(9)
        if action == 0 and buffer:
            buffer[min(where, len(buffer) - 1)] ^= 1 << rng.randrange(8)
        elif action == 1:
            buffer[where:where] = rng.choice(BAD_BYTES)
        elif action == 2 and buffer:
            del buffer[where : where + rng.randint(1, 16)]
        elif action == 3:
            del buffer[where:]
        elif action == 4:
            chunk = buffer[where : where + rng.randint(1, 64)]
            buffer[where:where] = chunk * rng.randint(2, 20)
        elif action == 5:
            buffer[where:where] = bytes([rng.randrange(32)])
        elif action == 6:
            buffer[where:where] = rng.choice([b"{", b"[", b'"', b"}", b"]", b",", b":", b"${", b"%{", b"<<EOF\n"])
        elif action == 7:
            buffer[0:0] = rng.choice(BOMS)
        else:
            return (rng.choice(["\ufeff", ""]) + bytes(buffer).decode("utf-8", "replace")).encode("utf-16")
    return bytes(buffer)


# --- strings ---------------------------------------------------------------------------------------------------------

CONTROL = ("\x00", "\x1b[2J", "\x1b]0;owned\x07", "\r", "\n", "\t", "\x7f", "\x85", "\u2028", "\x08")
BIDI = ("\u202e", "\u2066", "\u200f", "\u061c", "\ufeff", "\u200b")
WEIRD = ("\ud800", "\udfff", "\U0001f600", "\u00df", "\u0130", "\ufb00", "\u0301", "\u0663", "\U0001d7d7", "\uffff")
CI_FORGERY = ("\n::error::forged", "\n::set-output name=x::y", "%0A::warning::x", "\r\n##[error]x", "</failure>")


class Hostile:
    """Generators of hostile inputs from one seeded RNG; a trick whose tag is in `avoid` is never drawn."""

    def __init__(self, rng: random.Random, avoid: frozenset[str] = frozenset()) -> None:
        self.rng = rng
        self.avoid = avoid

    def may(self, tag: str, chance: float) -> bool:
        return tag not in self.avoid and self.rng.random() < chance

    def pick(self, options: Any) -> Any:
        return self.rng.choice(options)

    # --- scalars ----------------------------------------------------------------------------------------------------

    def weird_text(self, base: str = "") -> str:
        rng = self.rng
        parts = [base]
        for _ in range(rng.randint(1, 3)):
            kind = rng.randrange(8)
            if kind == 0:
                parts.append(rng.choice(CONTROL))
            elif kind == 1:
                parts.append(rng.choice(BIDI))
            elif kind == 2:
                parts.append(rng.choice(WEIRD if self.may("lone-surrogate", 0.5) else WEIRD[2:]))
            elif kind == 3:
                parts.append(rng.choice(CI_FORGERY))
            elif kind == 4:
                parts.append(rng.choice(["${aws:username}", "${*}", "${?}", "${$}", "${aws:", "${", "$${x}", "%{if}"]))
            elif kind == 5:
                parts.append(rng.choice(["*", "?", "**", "*?*", "[", "\\", '"', "'", "<", "&amp;", "&#0;", "%", "%00"]))
            elif kind == 6:
                parts.append(rng.choice(["a", "Z", "é", "0", " "]) * rng.choice([50, 300, 5000, 70000]))
            else:
                parts.append("".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randint(1, 12))))
        rng.shuffle(parts)
        return "".join(parts)

    def number(self) -> Any:
        rng = self.rng
        options: list[Any] = [
            0,
            -1,
            2**63,
            -(2**64) - 1,
            Raw("1e999"),
            Raw("-1e999"),
            Raw("1E400"),
            Raw("-0"),
            Raw("0.0000000000000000000000000001"),
            Raw("1.5"),
            Raw("NaN"),
            Raw("Infinity"),
            Raw("-Infinity"),
            Raw("01"),
            Raw("1." + "0" * 400),
            Raw("0x10"),
            Raw("+1"),
            float("1e308"),
            rng.randint(-(10**20), 10**20),
        ]
        if self.may("huge-int", 0.25):
            options.append(Raw(rng.choice(["9", "1", "-1"]) + "0" * rng.choice([4300, 4301, 5000, 20000])))
        return rng.choice(options)

    def scalar(self) -> Any:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return self.number()
        if roll < 0.45:
            return rng.choice([True, False, None])
        if roll < 0.75:
            return self.weird_text(rng.choice(["", "s3:GetObject", "arn:aws:s3:::b/*", "x"]))
        return rng.choice(["", " ", "true", "2012-10-17", "203.0.113.0/24", "*", "null", "[]", "{}"])

    def wrong(self, depth: int = 0) -> Any:
        """A value of a type that does not belong where it is put: nested arrays and objects, numbers, nulls."""
        rng = self.rng
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return self.scalar()
        if roll < 0.7:
            return [self.wrong(depth + 1) for _ in range(rng.randint(0, 3))]
        if roll < 0.9:
            return Obj(tuple((self.key(), self.wrong(depth + 1)) for _ in range(rng.randint(0, 3))))
        return [[[]]] if rng.random() < 0.5 else Obj((("", Obj(())),))

    def key(self) -> str:
        keys = ["Effect", "Action", "Sid", "", "AWS", "a", "Statement", "__proto__", "\u00e9", "aws:SourceIp"]
        return "\u0000" if self.may("service-name", 0.1) else self.rng.choice(keys)

    def maybe_many(self, make: Callable[[], Any], wrong: float = 0.1) -> Any:
        rng = self.rng
        if rng.random() < wrong:
            return self.wrong()
        if rng.random() < 0.5:
            return make()
        return [make() for _ in range(rng.choice([0, 1, 2, 3, 5]))]

    # --- IAM policies -----------------------------------------------------------------------------------------------

    SERVICES = ("s3", "iam", "kms", "sts", "ec2", "lambda", "dynamodb", "sqs", "S3", "", "nosuch", "s3-object-lambda")
    VERBS = ("GetObject", "PutObject", "*", "Get*", "List*", "PassRole", "AssumeRole", "Decrypt", "", "?et*", "*Object")

    def action(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return f"{rng.choice(self.SERVICES)}:{rng.choice(self.VERBS)}"
        if roll < 0.65:
            return rng.choice(["*", "s3:*", "iam:*", ":", "s3:", "s3", "*:*", "s3::GetObject", "iam:PassRole"])
        if self.may("glob-blowup", 0.08):
            return "s3:" + "*a" * rng.choice([30, 200, 2000]) + "*b"
        return rng.choice(["s3:", "iam:"]) + self.weird_text(rng.choice(["Get", "*", ""]))

    def arn(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.5:
            return rng.choice(
                [
                    "*",
                    "arn:aws:s3:::b",
                    "arn:aws:s3:::b/*",
                    "arn:aws:s3:::b/${aws:username}/*",
                    "arn:aws:s3:::${*}",
                    "arn:aws:iam::111122223333:role/r",
                    "arn:aws:iam::111122223333:user/*",
                    "arn:aws:kms:us-east-1:111122223333:key/1",
                    "arn:aws:s3:us-east-1:111122223333:accesspoint/ap",
                    "arn:aws-cn:s3:::b",
                    "arn:aws:iam::*:role/*",
                    "arn:",
                    "arn:aws",
                    "arn:aws:s3:::b/" + "a" * 3000,
                    "arn:aws:iam::" + "1" * 40 + ":root",
                    "arn:aws:::::::",
                ]
            )
        if self.may("glob-blowup", 0.05):
            return "arn:aws:s3:::" + "*a" * rng.choice([30, 300, 3000]) + "*b"
        return self.weird_text(rng.choice(["arn:aws:s3:::", "arn:aws:iam::111122223333:", "", "*"]))

    def principal(self) -> Any:
        rng = self.rng
        if rng.random() < 0.2:
            return rng.choice(["*", "AWS", "", "arn:aws:iam::111122223333:root"])
        if rng.random() < 0.1:
            return self.wrong()
        ids = [
            "*",
            "111122223333",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:sts::111122223333:assumed-role/r/s",
            "s3.amazonaws.com",
            "accounts.google.com",
            "cognito-identity.amazonaws.com",
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
            "AIDAEXAMPLE",
            "",
            "1",
            "arn:aws:iam::" + "9" * 13 + ":root",
        ]
        pairs = tuple(
            (
                rng.choice(["AWS", "Service", "Federated", "CanonicalUser", "aws", "Bogus", ""]),
                self.maybe_many(lambda: rng.choice(ids) if rng.random() < 0.8 else self.weird_text()),
            )
            for _ in range(rng.randint(0, 3))
        )
        return Obj(pairs)

    OPERATORS = (
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericLessThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateLessThan",
        "DateGreaterThan",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotLike",
        "Null",
        "Bogus",
        "",
    )
    CONDITION_KEYS = (
        "aws:SourceIp",
        "aws:SecureTransport",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:PrincipalTag/team",
        "aws:RequestTag/${aws:username}",
        "aws:TagKeys",
        "aws:PrincipalArn",
        "aws:SourceVpce",
        "aws:MultiFactorAuthAge",
        "s3:prefix",
        "s3:signatureAge",
        "s3:authType",
        "s3:x-amz-acl",
        "kms:ViaService",
        "sts:ExternalId",
        "accounts.google.com:aud",
        "token.actions.githubusercontent.com:sub",
        "bogus:key",
        "",
        "aws:",
    )

    def condition_value(self) -> Any:
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(
                [
                    "true",
                    "false",
                    "TRUE",
                    "203.0.113.0/24",
                    "2001:db8::/32",
                    "999.1.1.1",
                    "10.0.0.0/99",
                    "::/200",
                    "2026-11-27T10:00:00Z",
                    "2026-13-45",
                    "99999-01-01",
                    "0001-01-01T00:00:00Z",
                    "1e999",
                    "-1e999",
                    "NaN",
                    "QUJD",
                    "not base64!",
                    "${aws:username}",
                    "${*}",
                    "*",
                    "",
                    "arn:aws:iam::111122223333:role/*",
                    "repo:org/*:ref:refs/heads/main",
                    "18446744073709551616",
                ]
            )
        if self.may("huge-int", 0.2):
            return rng.choice([Raw("9" * 5000), "9" * 5000, "-" + "1" * 4400, "1" + "0" * 4300 + ".5"])
        return self.scalar() if rng.random() < 0.7 else self.wrong()

    def condition(self) -> Any:
        rng = self.rng
        if rng.random() < 0.08:
            return self.wrong()
        blocks = []
        for _ in range(rng.randint(0, 3)):
            operator = rng.choice(self.OPERATORS)
            if rng.random() < 0.3:
                operator = rng.choice(["ForAllValues:", "ForAnyValue:", "forallvalues:", "ForSomeValues:"]) + operator
            if rng.random() < 0.25:
                operator += rng.choice(["IfExists", "ifexists", "IfExistsIfExists"])
            if rng.random() < 0.05:
                operator = self.weird_text(operator)
            entries = tuple(
                (
                    self.weird_text() if self.may("service-name", 0.1) else rng.choice(self.CONDITION_KEYS),
                    self.maybe_many(self.condition_value),
                )
                for _ in range(rng.randint(0, 3))
            )
            blocks.append((operator, Obj(entries) if rng.random() < 0.93 else self.wrong()))
        return Obj(tuple(blocks))

    def statement(self) -> Any:
        rng = self.rng
        if rng.random() < 0.04:
            return self.wrong()
        pairs: list[tuple[str, Any]] = []
        if rng.random() < 0.5:
            sid = rng.choice(["S1", "S1", "Allow-Read", "", "a b", "ünïcode"])
            pairs.append(("Sid", sid if rng.random() < 0.8 else self.wrong()))
        effect = rng.choice(["Allow", "Allow", "Deny", "allow", "", "Maybe"])
        pairs.append(("Effect", effect if rng.random() < 0.9 else self.wrong()))
        elements: list[tuple[str, Callable[[], Any], float]] = [
            ("Action", lambda: self.maybe_many(self.action), 0.85),
            ("NotAction", lambda: self.maybe_many(self.action), 0.15),
            ("Resource", lambda: self.maybe_many(self.arn), 0.8),
            ("NotResource", lambda: self.maybe_many(self.arn), 0.12),
            ("Principal", self.principal, 0.3),
            ("NotPrincipal", self.principal, 0.08),
            ("Condition", self.condition, 0.4),
        ]
        for name, make, chance in elements:
            if rng.random() < chance:
                pairs.append((name, make()))
        if rng.random() < 0.1:
            pairs.append((rng.choice(["Action", "Effect", "Resource", "Condition"]), self.wrong()))  # a repeated key
        if rng.random() < 0.05:
            pairs.append((self.weird_text(), self.wrong()))
        rng.shuffle(pairs)
        return Obj(tuple(pairs))

    def policy(self) -> Any:
        rng = self.rng
        pairs: list[tuple[str, Any]] = []
        if rng.random() < 0.9:
            version = rng.choice(["2012-10-17", "2012-10-17", "2008-10-17", "", "2012-10-18"])
            pairs.append(("Version", version if rng.random() < 0.92 else self.wrong()))
        if rng.random() < 0.15:
            pairs.append(("Id", self.scalar()))
        if self.may("big-policy", 0.01):
            statements: Any = [Obj(())] * rng.choice([30_000, 100_000])
        elif rng.random() < 0.1:
            statements = self.statement()  # one statement, not in a list
        elif rng.random() < 0.05:
            statements = self.wrong()
        else:
            statements = [self.statement() for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 12]))]
        pairs.append(("Statement", statements))
        if rng.random() < 0.05:
            pairs.append(("Statement", [self.statement()]))
        rng.shuffle(pairs)
        return Obj(tuple(pairs))

    def policy_text(self) -> str:
        rng = self.rng
        text = emit_json(self.policy(), rng, rng.choice([None, None, 2, 4]))
        if self.may("deep-nesting", 0.03):
            depth = rng.choice([200, 1000, 5000, 100_000])
            return "[" * depth + text + "]" * depth
        return text

    def policy_file(self) -> bytes:
        """A policy JSON file: grammar-built, then sometimes damaged at the byte level."""
        rng = self.rng
        data = encode(self.policy_text())
        roll = rng.random()
        if roll < 0.25:
            data = mutate_bytes(data, rng, rng.randint(1, 4))
        elif roll < 0.3:
            data = mutate_bytes(self.seed_file(".json"), rng, rng.randint(0, 4))
        elif roll < 0.33:
            data = rng.choice([b"", b" ", b"\xef\xbb\xbf", b"null", b"[]", b"{}", b'"Statement"', b"{" * 50])
        elif self.may("deep-nesting", 0.02):
            depth = rng.choice([1000, 50_000, 500_000])
            data = rng.choice([b"[", b'{"a":', b'{"Statement":']) * depth
        return data

    def seed_file(self, suffix: str) -> bytes:
        """A file of the repository's fixtures and examples, as a seed for byte-level damage."""
        return self.rng.choice(seed_files(suffix))

    # --- Terraform --------------------------------------------------------------------------------------------------

    def hcl_string(self, text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if self.rng.random() < 0.85:
            escaped = escaped.replace("${", "$${").replace("%{", "%%{")
        return f'"{escaped}"'

    def hcl_value(self, node: Any, depth: int = 0) -> str:
        """A JSON-shaped tree (from the policy grammar) as an HCL expression, for jsonencode({...})."""
        rng = self.rng
        if depth > 40:
            return "null"
        if isinstance(node, Raw):
            return node.text if node.text[:1].isdigit() or node.text.startswith("-") else self.hcl_string(node.text)
        if isinstance(node, Obj):
            items = []
            for key, value in node.pairs:
                name = key if key.isidentifier() and rng.random() < 0.7 else self.hcl_string(key)
                items.append(f"{name} = {self.hcl_value(value, depth + 1)}")
            return "{\n" + "\n".join(items) + "\n}"
        if isinstance(node, list):
            return "[" + ", ".join(self.hcl_value(v, depth + 1) for v in node) + "]"
        if isinstance(node, str):
            return self.hcl_string(node) if rng.random() < 0.9 else self.expression(2)
        if isinstance(node, bool):
            return "true" if node else "false"
        if node is None:
            return "null"
        if isinstance(node, float) and math.isnan(node):
            return "0"
        return json.dumps(node)

    FUNCTIONS = (
        ("jsonencode", 1),
        ("jsondecode", 1),
        ("element", 2),
        ("lookup", 3),
        ("replace", 3),
        ("format", 2),
        ("formatlist", 2),
        ("join", 2),
        ("split", 2),
        ("concat", 2),
        ("merge", 2),
        ("flatten", 1),
        ("distinct", 1),
        ("keys", 1),
        ("values", 1),
        ("length", 1),
        ("lower", 1),
        ("upper", 1),
        ("substr", 3),
        ("regex", 2),
        ("regexall", 2),
        ("tostring", 1),
        ("tonumber", 1),
        ("tolist", 1),
        ("toset", 1),
        ("tomap", 1),
        ("range", 2),
        ("coalesce", 2),
        ("try", 2),
        ("can", 1),
        ("contains", 2),
        ("index", 2),
        ("slice", 3),
        ("zipmap", 2),
        ("base64encode", 1),
        ("base64decode", 1),
        ("cidrsubnet", 3),
        ("abs", 1),
        ("max", 2),
        ("min", 2),
        ("pow", 2),
        ("ceil", 1),
        ("floor", 1),
        ("parseint", 2),
        ("trimspace", 1),
        ("trimprefix", 2),
        ("chomp", 1),
        ("reverse", 1),
        ("sort", 1),
        ("setproduct", 2),
        ("chunklist", 2),
        ("formatdate", 2),
        ("timestamp", 0),
        ("uuid", 0),
        ("md5", 1),
        ("sha256", 1),
        ("fileexists", 1),
        ("file", 1),
        ("templatefile", 2),
        ("strrev", 1),
        ("one", 1),
        ("sum", 1),
        ("transpose", 1),
        ("nosuchfunction", 1),
    )
    LITERAL_CALLS = (
        "element([], 5)",
        "element([1], -1)",
        'replace("aaa", "/a*/", "b")',
        'format("%d", "x")',
        'format("%", 1)',
        'format("%[9]s", 1)',
        'formatlist("%s", 5)',
        "range(-1)",
        'substr("abc", -5, 99)',
        'cidrsubnet("10.0.0.0/8", 99, 1)',
        'cidrsubnet("zzz", 1, 1)',
        'parseint("zz", 99)',
        'parseint("1", 1)',
        "pow(10, 400)",
        "abs(-0)",
        'tonumber("1e999")',
        'tonumber("0x")',
        'jsondecode("{")',
        'jsondecode("[[[[[[[[[[")',
        'jsondecode("1e999")',
        'base64decode("!!!")',
        'formatdate("YYYY", "garbage")',
        "chunklist([1, 2], 0)",
        "slice([1, 2], 2, 1)",
        "zipmap([1], [])",
        "transpose({a = 1})",
        "sum([])",
        "one([1, 2])",
        "tomap([1])",
        'templatefile("missing.tpl", {})',
        'file("missing.json")',
        'file("../outside.json")',
        'file("/nonexistent/policy.json")',
        'file("policies")',
        'fileexists("/")',
        'file("")',
        "file(null)",
        "lower(null)",
        "length(null)",
        'join(",", [[1]])',
        'merge({a = 1}, "x")',
        "flatten([[[[[[1]]]]]])",
        'strrev("\\u0301e")',
    )

    BAD_ARGUMENT_CALLS = ("range(0, 10, 0)", 'split("", "abc")')
    WRONG_ARITY_CALLS = ("jsonencode()", "lookup(1)", "max()", "try()", "coalesce()", "setproduct()", "values()")
    BLOWUP_CALLS = ("range(1e9)", "pow(2, 1e9)", "range(0, 1e12, 1)", 'formatlist("%s", range(1e7))')

    REGEX_CALLS = (
        'replace("a", "/(/", "")',
        'replace("a", "/[/", "")',
        'regex("(?P<a>x)", "x")',
        'regex("\\\\K", "x")',
        'regexall("(?<=a)b", "ab")',
        'regex("\\\\1(a)", "aa")',
    )

    REFERENCES = (
        "var.nope",
        "var.items",
        "var.name",
        "local.nope",
        "local.doc",
        "local.items",
        "aws_iam_role.nope.arn",
        "aws_iam_role.r.arn",
        "aws_iam_role.r.name",
        "aws_s3_bucket.b.arn",
        "aws_s3_bucket.b.id",
        "aws_iam_user.u.name",
        "data.aws_iam_policy_document.d.json",
        "data.aws_iam_policy_document.nope.json",
        "data.aws_caller_identity.current.account_id",
        "module.m.out",
        "module.nope.out",
        "each.value",
        "each.key",
        "count.index",
        "path.module",
        "path.root",
        "terraform.workspace",
        "self.arn",
        "aws_iam_role.r[0].arn",
        "aws_iam_role.r[*].arn",
        'aws_iam_role.r["k"].arn',
        "var.items[99]",
        "local.items[*].x",
        "local.items.*.x",
    )

    def expression(self, depth: int = 0) -> str:
        rng = self.rng
        if depth > 4:
            return rng.choice(['"x"', "1", "null", "true", "var.name", "[]", "{}"])
        roll = rng.random()
        if roll < 0.15:
            return rng.choice(self.REFERENCES)
        if roll < 0.25:
            text = rng.choice(["", "s3:GetObject", "arn:aws:s3:::b/*", "x"])
            if rng.random() < 0.5:
                text += rng.choice(["${var.name}", "${local.nope}", "${", "%{ for x in var.items }${x}%{ endfor }"])
                return '"' + text.replace('"', '\\"') + '"'
            return self.hcl_string(self.weird_text(text) if rng.random() < 0.3 else text)
        if roll < 0.32:
            number = self.number()
            if isinstance(number, Raw):
                return number.text if number.text[:1].isdigit() or number.text[:1] == "-" else "1"
            return json.dumps(number)
        if roll < 0.42:
            return "[" + ", ".join(self.expression(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        if roll < 0.5:
            items = [f"{rng.choice(['a', 'b', 'Effect', 'x y'])} = {self.expression(depth + 1)}" for _ in range(2)]
            return "{" + ", ".join(items) + "}"
        if roll < 0.58:
            if self.may("regex", 0.1):
                return rng.choice(self.REGEX_CALLS)
            if self.may("wrong-arity", 0.1):
                return rng.choice(self.WRONG_ARITY_CALLS + self.BAD_ARGUMENT_CALLS)
            if self.may("eval-blowup", 0.05):
                return rng.choice(self.BLOWUP_CALLS)
            return rng.choice(self.LITERAL_CALLS)
        if roll < 0.7:
            name, arity = rng.choice(self.FUNCTIONS)
            if name in ("regex", "regexall", "replace") and not self.may("regex", 0.5):
                name = "format"  # a pattern made of random text is an invalid one as often as not
            if self.may("wrong-arity", 0.4):
                arity = max(0, arity + rng.choice([-1, 1, 3]))
            return f"{name}({', '.join(self.expression(depth + 1) for _ in range(arity))})"
        if roll < 0.76:
            return f"{self.expression(depth + 1)} ? {self.expression(depth + 1)} : {self.expression(depth + 1)}"
        if roll < 0.82:
            source = self.expression(depth + 1)
            if rng.random() < 0.5:
                return f"[for x in {source} : {self.expression(depth + 1)} if x != null]"
            return f"{{for k, v in {source} : k => v...}}"
        if roll < 0.86:
            return f"{self.expression(depth + 1)}[*].{rng.choice(['arn', 'id', 'x'])}"
        if roll < 0.9:
            operator = rng.choice(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"])
            return f"({self.expression(depth + 1)} {operator} {self.expression(depth + 1)})"
        if roll < 0.93:
            return f"{rng.choice(['-', '!'])}{self.expression(depth + 1)}"
        if roll < 0.96:
            return f"{self.expression(depth + 1)}[{self.expression(depth + 1)}]"
        if self.may("eval-blowup", 0.3):
            return rng.choice(
                [
                    "[for i in range(1024) : [for j in range(1024) : [for k in range(1024) : k]]]",
                    "[for i in range(100000) : i]",
                    'join("", [for i in range(200000) : "aaaaaaaaaa"])',
                    "length(local.doubled)",
                ]
            )
        if self.may("regex", 0.3):
            return rng.choice(
                [
                    'replace("' + "a" * 40 + '!", "/(a+)+$/", "x")',
                    'regex("(a|aa)+$", "' + "a" * 40 + 'b")',
                    'regexall("(x+x+)+y", "' + "x" * 40 + '")',
                ]
            )
        if self.may("deep-nesting", 0.3):
            depth = rng.choice([100, 1000, 20_000])
            return rng.choice(["(", "[", "{a = "]) * depth + '"x"' + rng.choice([")", "]", "}"]) * depth
        return "(" * 30 + '"x"' + ")" * 30

    def policy_expression(self) -> str:
        """A Terraform expression for a resource's `policy` argument."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.4:
            return f"jsonencode({self.hcl_value(self.policy())})"
        if roll < 0.55:
            marker = rng.choice(["EOF", "EOT", "POLICY"])
            dash = rng.choice(["", "-"])
            body = self.policy_text()
            if rng.random() < 0.2:
                body = body[: rng.randrange(len(body) + 1)]
            return f"<<{dash}{marker}\n{body}\n{marker}"
        if roll < 0.65:
            return "data.aws_iam_policy_document.d.json"
        if roll < 0.72:
            return rng.choice(['file("policy.json")', 'file("${path.module}/policy.json")', "local.doc", "var.doc"])
        if roll < 0.78:
            return 'templatefile("policy.tpl", { bucket = "b", items = ["a", "b"] })'
        if roll < 0.84:
            return self.hcl_string(self.policy_text())
        return self.expression()

    def document_block(self, name: str) -> str:
        """A `data "aws_iam_policy_document"` with statement, principals and condition blocks, maybe dynamic."""
        rng = self.rng
        parts = [f'data "aws_iam_policy_document" "{name}" {{']
        if rng.random() < 0.2:
            parts.append(f"  source_policy_documents = [{self.policy_expression()}]")
        if rng.random() < 0.1:
            parts.append(f"  override_policy_documents = {self.expression()}")
        for _ in range(rng.randint(0, 3)):
            effect = rng.choice(['"Allow"', '"Deny"', '"allow"', self.expression()])
            body = [
                f"    effect = {effect}",
                f"    actions = {self.list_of(self.action)}",
            ]
            if rng.random() < 0.7:
                body.append(f"    resources = {self.list_of(self.arn)}")
            if rng.random() < 0.15:
                body.append(f"    not_actions = {self.list_of(self.action)}")
            if rng.random() < 0.1:
                body.append(f"    not_resources = {self.list_of(self.arn)}")
            if rng.random() < 0.3:
                body.append(f"    sid = {self.hcl_string(rng.choice(['S1', '', 'a b']))}")
            if rng.random() < 0.4:
                kind = rng.choice(['"AWS"', '"Service"', '"Federated"', '"*"', '"Bogus"', "5"])
                body.append(
                    f"    principals {{\n      type = {kind}\n      identifiers = {self.list_of(self.arn)}\n    }}"
                )
            for _ in range(rng.randint(0, 2)):
                test = self.hcl_string(rng.choice(self.OPERATORS))
                variable = self.hcl_string(rng.choice(self.CONDITION_KEYS))
                values = self.list_of(lambda: str(self.condition_value()))
                fields = f"test = {test}\n      variable = {variable}\n      values = {values}"
                body.append(f"    condition {{\n      {fields}\n    }}")
            block = "\n".join(body)
            if rng.random() < 0.2:
                block = block.replace("\n", "\n  ")
                parts.append(
                    f'  dynamic "statement" {{\n    for_each = {self.expression(2)}\n    content {{\n  {block}\n'
                    f"      actions = [statement.value]\n    }}\n  }}"
                )
            else:
                parts.append(f"  statement {{\n{block}\n  }}")
        parts.append("}")
        return "\n".join(parts)

    def list_of(self, make: Callable[[], Any]) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return self.expression(2)
        return "[" + ", ".join(self.hcl_string(str(make())) for _ in range(rng.randint(0, 3))) + "]"

    def resource_block(self, kind: str, name: str) -> str:
        rng = self.rng
        lines = [f'resource "{kind}" "{name}" {{']
        if rng.random() < 0.15:
            count = rng.choice(["2", "0", "-1", "1e9", "var.nope", "length(var.items)", '"x"'])
            lines.append(f"  count = {count}")
        elif rng.random() < 0.15:
            for_each = rng.choice(['toset(["a", "b"])', "var.items", "{a = 1}", "5", "null"])
            lines.append(f"  for_each = {for_each}")
        lines += self.resource_arguments(kind)
        if rng.random() < 0.1:
            lines.append(f"  {rng.choice(['tags', 'description', 'nope'])} = {self.expression()}")
        if rng.random() < 0.05:
            lines.append("  # iam-preflight:ignore " + rng.choice(["IPP001 reason", "", "NOPE", "IPP001"]))
        lines.append("}")
        return "\n".join(lines)

    def resource_arguments(self, kind: str) -> list[str]:
        rng = self.rng
        if kind == "aws_iam_role":
            lines = [f"  name = {self.expression(3)}", f"  assume_role_policy = {self.policy_expression()}"]
            if rng.random() < 0.3:
                lines.append(f'  inline_policy {{\n    name = "x"\n    policy = {self.policy_expression()}\n  }}')
            if rng.random() < 0.2:
                lines.append(f"  managed_policy_arns = {self.list_of(self.arn)}")
            if rng.random() < 0.2:
                lines.append(f"  max_session_duration = {self.expression(3)}")
            return lines
        if kind == "aws_s3_bucket":
            return [f"  bucket = {self.hcl_string(rng.choice(['b', 'presign-demo', '', 'a' * 300]))}"]
        if kind == "aws_s3_bucket_policy":
            bucket = rng.choice(["aws_s3_bucket.b.id", '"b"', "var.nope", "5"])
            return [f"  bucket = {bucket}", f"  policy = {self.policy_expression()}"]
        if kind == "aws_iam_user":
            return [f"  name = {self.hcl_string(rng.choice(['u', 'user-two', '']))}"]
        if kind in ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"):
            target = {"aws_iam_role_policy": "role", "aws_iam_user_policy": "user", "aws_iam_group_policy": "group"}
            reference = rng.choice(["aws_iam_role.r.id", "aws_iam_user.u.name", '"x"', "var.nope"])
            return [f"  {target[kind]} = {reference}", f"  policy = {self.policy_expression()}"]
        if kind == "aws_iam_role_policy_attachment":
            role = rng.choice(["aws_iam_role.r.name", '"x"'])
            policy_arn = rng.choice(["aws_iam_policy.p.arn", '"arn:aws:iam::aws:policy/AdministratorAccess"'])
            return [f"  role = {role}", f"  policy_arn = {policy_arn}"]
        if kind == "aws_s3_bucket_public_access_block":
            restrict = rng.choice(["true", "false", '"yes"', "var.nope"])
            return ["  bucket = aws_s3_bucket.b.id", f"  restrict_public_buckets = {restrict}"]
        if kind == "aws_s3_bucket_ownership_controls":
            ownership = rng.choice(['"BucketOwnerEnforced"', "5", '"x"'])
            return ["  bucket = aws_s3_bucket.b.id", f"  rule {{\n    object_ownership = {ownership}\n  }}"]
        if kind == "aws_s3_access_point":
            lines = ["  bucket = aws_s3_bucket.b.id", f"  name = {self.hcl_string('ap')}"]
            if rng.random() < 0.5:
                lines.append(f"  policy = {self.policy_expression()}")
            return lines
        return [f"  policy = {self.policy_expression()}"]  # aws_iam_policy, aws_kms_key, anything else with a policy

    RESOURCE_KINDS = (
        "aws_iam_policy",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_user",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_iam_role_policy_attachment",
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_access_point",
        "aws_kms_key",
        "aws_sqs_queue_policy",
        "aws_nonexistent_thing",
    )

    def terraform_text(self, module_calls: list[str]) -> str:
        rng = self.rng
        blocks = []
        if rng.random() < 0.5:
            default = self.expression(2) if rng.random() < 0.6 else self.hcl_value(self.policy())
            kind = rng.choice(["", "  type = string\n", "  type = list(string)\n", "  type = map(any)\n"])
            name = rng.choice(["name", "items", "doc"])
            blocks.append(f'variable "{name}" {{\n{kind}  default = {default}\n}}')
        if rng.random() < 0.5:
            items = [f"  {n} = {self.expression(1)}" for n in rng.sample(["doc", "items", "name", "x"], 2)]
            if self.may("eval-blowup", 0.1):
                items.append("  doubled = " + "concat(" * 40 + "[1]" + ", [1])" * 40)
            blocks.append("locals {\n" + "\n".join(items) + "\n}")
        for index in range(rng.randint(1, 5)):
            kind = rng.choice(self.RESOURCE_KINDS)
            name = rng.choice(["r", "b", "u", "p", f"x{index}"])
            blocks.append(self.resource_block(kind, name))
        if rng.random() < 0.4:
            blocks.append(self.document_block(rng.choice(["d", "nope", "d"])))
        for source in module_calls:
            inputs = "\n".join(f"  {n} = {self.expression(2)}" for n in rng.sample(["name", "items", "doc"], 2))
            meta = rng.choice(["", "  count = 2\n", '  for_each = toset(["a"])\n'])
            blocks.append(f'module "m" {{\n  source = "{source}"\n{meta}{inputs}\n}}')
        if rng.random() < 0.2:
            blocks.append(f'output "out" {{\n  value = {self.expression(1)}\n}}')
        if rng.random() < 0.05:
            blocks.append(
                rng.choice(["resource {", 'resource "a" {}', "}", "locals { a = }", 'variable "x" { default'])
            )
        rng.shuffle(blocks)
        return "\n\n".join(blocks) + "\n"

    def terraform_module(self) -> dict[str, bytes]:
        """A module folder: .tf files (some damaged), a local child module, policy and template files it reads."""
        rng = self.rng
        files: dict[str, bytes] = {}
        child = rng.random() < 0.3
        calls = ["./sub"] if child else []
        if rng.random() < 0.03:
            calls.append(rng.choice(["../", "./missing", "/abs/path", "git::https://example.invalid/x", ""]))
        for index in range(rng.randint(1, 3)):
            text = self.terraform_text(calls if index == 0 else [])
            data = encode(text)
            if rng.random() < 0.2:
                data = mutate_bytes(data, rng, rng.randint(1, 3))
            files[f"main{index}.tf"] = data
        if rng.random() < 0.1:
            files["seed.tf"] = mutate_bytes(self.seed_file(".tf"), rng, rng.randint(0, 3))
        if child:
            back = ['module "back" {\n  source = "../"\n}\n'] if self.may("module-cycle", 0.2) else []
            files["sub/main.tf"] = encode(self.terraform_text([]) + "".join(back))
            files["sub/outputs.tf"] = b'output "out" {\n  value = "x"\n}\n'
        if rng.random() < 0.3:
            files["policy.json"] = self.policy_file()
        if rng.random() < 0.15:
            files["policy.tpl"] = encode(
                rng.choice(
                    [
                        self.policy_text(),
                        '{"Statement": [%{ for i in items }{"Effect": "Allow", "Action": "${i}"}%{ endfor }]}',
                        "${bucket} %{ if } ${",
                        "%{ for x in nope }${x}%{ endfor }",
                    ]
                )
            )
        if rng.random() < 0.1:
            files["terraform.tfvars"] = encode(
                rng.choice(['name = "x"\nitems = ["a"]\n', "items = {\n", 'nope = "x"\n', "name = 1e999\n"])
            )
        if rng.random() < 0.08:
            files["main.tf.json"] = self.terraform_json()
        return files

    def terraform_json(self) -> bytes:
        rng = self.rng
        resource = Obj(
            (
                (
                    rng.choice(["aws_iam_policy", "aws_iam_role", "aws_s3_bucket_policy", "aws_kms_key"]),
                    Obj((("p", Obj((("policy", self.policy_text() if rng.random() < 0.7 else self.wrong()),))),)),
                ),
            )
        )
        root = Obj(tuple((k, v) for k, v in (("resource", resource), ("locals", self.wrong())) if rng.random() < 0.8))
        data = encode(emit_json(root, rng, 2))
        return mutate_bytes(data, rng) if rng.random() < 0.2 else data

    # --- plans ------------------------------------------------------------------------------------------------------

    def plan_file(self) -> bytes:
        rng = self.rng
        if rng.random() < 0.25:
            return mutate_bytes(real_plan(), rng, rng.randint(1, 5))

        def maybe(value: Any) -> Any:
            return self.wrong() if self.may("plan-types", 0.15) else value

        resources = []
        for index in range(rng.randint(0, 4)):
            kind = rng.choice(["aws_iam_policy", "aws_iam_role", "aws_s3_bucket_policy", "aws_s3_bucket", "x"])
            values = Obj(
                (
                    ("policy", maybe(self.policy_text() if rng.random() < 0.7 else self.policy())),
                    ("assume_role_policy", maybe(self.policy_text())),
                    ("bucket", maybe("b")),
                    ("name", maybe(f"n{index}")),
                )
            )
            resources.append(
                Obj(
                    (
                        ("address", maybe(f"{kind}.r{index}")),
                        ("mode", maybe("managed")),
                        ("type", maybe(kind)),
                        ("name", maybe(f"r{index}")),
                        ("values", maybe(values)),
                        ("sensitive_values", maybe(Obj(()))),
                    )
                )
            )
        module = Obj((("resources", maybe(resources)), ("child_modules", maybe([Obj((("resources", []),))]))))
        changes = [
            Obj(
                (
                    ("address", maybe("aws_iam_policy.r0")),
                    ("type", maybe("aws_iam_policy")),
                    (
                        "change",
                        maybe(Obj((("after", maybe(Obj(()))), ("after_unknown", maybe(Obj((("policy", True),))))))),
                    ),
                )
            )
        ]
        configuration = Obj(
            (("root_module", maybe(Obj((("resources", maybe([Obj((("address", "aws_iam_policy.r0"),))])),)))),)
        )
        root = Obj(
            (
                ("format_version", rng.choice(["1.2", "1.2", 1.2, None, "9.9", "", []])),
                ("terraform_version", maybe("1.9.0")),
                ("planned_values", maybe(Obj((("root_module", maybe(module)),)))),
                ("resource_changes", maybe(changes)),
                ("configuration", maybe(configuration)),
            )
        )
        data = encode(emit_json(root, rng, rng.choice([None, 2])))
        return mutate_bytes(data, rng, rng.randint(1, 3)) if rng.random() < 0.15 else data

    # --- configuration, baselines -----------------------------------------------------------------------------------

    def toml_value(self) -> str:
        rng = self.rng
        return rng.choice(
            [
                '"IPP001"',
                '["IPP"]',
                "[1, 2]",
                "5",
                "true",
                '"bogus"',
                "{ a = 1 }",
                '""',
                "1e999",
                "inf",
                "nan",
                "9" * 5000,
                '"\\u0000"',
                '"\\u001b[31m"',
                "[[[]]]",
                "2026-11-27T10:00:00Z",
                '"' + "a" * 10000 + '"',
            ]
        )

    def config_file(self) -> bytes:
        rng = self.rng
        settings = [
            ("select", ['["IPP"]', '["IPG", "IPA"]', '["NOPE"]']),
            ("ignore", ['["IPN"]', '["IPP001"]', '["full-admin"]']),
            ("severity", ['{ IPP001 = "info" }', '{ IPP001 = "bogus" }', '{ IPG = "ERROR" }']),
            ("exclude", ['["sub/*"]', '["**"]', '["*.json"]', '["["]']),
            ("fail-on", ['"error"', '"info"', '"nope"']),
            ("format", ['"json"', '"sarif"', '"nope"']),
            ("kinds", ['{ "*.json" = "resource" }', '{ "*" = "trust" }', '{ "x" = "nope" }']),
            ("baseline", ['"baseline.json"', '"missing.json"', '"."', '"../x"', '"/dev/null"', '""']),
            ("account", ['"111122223333"', '"x"', '"1"']),
            ("suppress", ['[{ rule = "IPP001", paths = ["*"] }]', "[{ rule = 5 }]", '[{ rule = "IPP001", x = 1 }]']),
            (
                "presign",
                [
                    '[{ signer = "aws_iam_user.u", bucket = "aws_s3_bucket.b" }]',
                    '[{ signer = "aws_iam_role.r", bucket = "aws_s3_bucket.b", expires = "7d", methods = ["PUT"] }]',
                    '[{ signer = "aws_iam_user.u", bucket = "aws_s3_bucket.b", expires = -5 }]',
                    '[{ signer = "u", bucket = "b", expires = "99999999999999999999d" }]',
                    '[{ signer = "u", bucket = "b", source-ips = ["999.1.1.1"], module = "../.." }]',
                    '[{ signer = "", bucket = "" }]',
                    "[{}]",
                ],
            ),
            ("nonsense", ['"x"']),
        ]
        lines = []
        for name, values in rng.sample(settings, rng.randint(1, 4)):
            lines.append(f"{name} = {rng.choice(values) if rng.random() < 0.75 else self.toml_value()}")
        text = "\n".join(lines) + "\n"
        if rng.random() < 0.2:
            text = "[tool.iam-preflight]\n" + text
        data = encode(text)
        return mutate_bytes(data, rng, rng.randint(1, 3)) if rng.random() < 0.15 else data

    def baseline_file(self) -> bytes:
        rng = self.rng
        entry = Obj(
            (
                ("rule_id", rng.choice(["IPP001", 5, None])),
                ("file", rng.choice([KNOWN_BAD_NAME, "x", 1])),
                ("subject", self.scalar()),
                ("fingerprint", rng.choice(["9a407226bd5f23f10f23fe42aadde05a", "", 0])),
            )
        )
        root = rng.choice(
            [Obj((("version", rng.choice([1, 2, "1"])), ("findings", [entry] * rng.randint(0, 3)))), [], 5]
        )
        data = encode(emit_json(root, rng))
        return mutate_bytes(data, rng) if rng.random() < 0.3 else data

    # --- pre-signed URLs and S3 errors ------------------------------------------------------------------------------

    HOSTS = (
        "b.s3.us-east-1.amazonaws.com",
        "b.s3.amazonaws.com",
        "s3.eu-west-1.amazonaws.com",
        "s3.amazonaws.com",
        "ap-111122223333.s3-accesspoint.eu-west-1.amazonaws.com",
        "my.dotted.bucket.s3-eu-west-1.amazonaws.com",
        "b.s3.dualstack.ap-south-1.amazonaws.com",
        "cdn.example.com",
        "[::1]",
        "[::1",
        "[fe80::1%25eth0]",
        "[::ffff:127.0.0.1]:443",
        "user:pass@b.s3.amazonaws.com",
        "b.s3.amazonaws.com:99999",
        "b.s3.amazonaws.com:abc",
        "xn--bcher-kva.s3.amazonaws.com",
        "bücher.s3.amazonaws.com",
        "",
        ".s3.amazonaws.com",
        "s3.amazonaws.com.cn",
        "B.S3.US-EAST-1.AMAZONAWS.COM",
    )

    def url(self) -> str:
        rng = self.rng
        scheme = rng.choice(["https", "https", "http", "ftp", "", "HTTPS", "javascript"])
        host = rng.choice(self.HOSTS)
        path = rng.choice(["/k", "/b/k", "/a%20b.pdf", "/%zz", "/%", "/%00", "/%ff%fe", "", "/" + "k/" * 500, "/é"])
        if rng.random() < 0.2:
            path += self.weird_text()
        key = rng.choice(["AKIAIOSFODNN7EXAMPLE", "ASIAJEXAMPLEXEG2JICEA", "", "AKIA", "x" * 300])
        date = rng.choice(["20261127T100000Z", "20261327T100000Z", "99991231T235959Z", "00010101T000000Z", "", "now"])
        expires = rng.choice(
            [
                "1800",
                "604800",
                "604801",
                "0",
                "-1",
                "-99999999999999999999",
                str(10**23),
                "1e5",
                " 5",
                "\u0663",
                "5_000",
                "0x10",
                "9" * 5000,
                "9" * 4000,
                "",
                "NaN",
                "86400000000000",
            ]
        )
        region = rng.choice(["us-east-1", "eu-west-1", "", "US-EAST-1", "x" * 100])
        parameters = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", f"{key}%2F{date[:8]}%2F{region}%2Fs3%2Faws4_request"),
            ("X-Amz-Date", date),
            ("X-Amz-Expires", expires),
            ("X-Amz-SignedHeaders", rng.choice(["host", "host%3Bcontent-type", "", ";;;", "x" * 1000])),
            ("X-Amz-Signature", "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
        ]
        if rng.random() < 0.2:
            parameters.append(("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"))
        if rng.random() < 0.2:
            parameters = [
                ("AWSAccessKeyId", key),
                ("Expires", rng.choice(["1893456000", str(10**23), "-" + "9" * 30, "-1", "9" * 5000, "x", "0"])),
                ("Signature", "abc%3D"),
            ]
        if rng.random() < 0.15:
            parameters.append(("versionId", rng.choice(["3HL4kqtJlcpXroDTDmJ", "", "%"])))
        for _ in range(rng.choice([0, 0, 0, 1, 3])):
            parameters.append(rng.choice(parameters))  # a duplicated parameter
        if rng.random() < 0.2 and parameters:
            parameters.pop(rng.randrange(len(parameters)))
        rng.shuffle(parameters)
        query = "&".join(f"{name}={value}" for name, value in parameters)
        if rng.random() < 0.1:
            query += rng.choice(["&", "&&", "&=", "&%", "&a=%zz", "#frag", "&X-Amz-Expires"])
        text = f"{scheme}://{host}{path}?{query}"
        if rng.random() < 0.15:
            text = mutate_bytes(encode(text), rng, rng.randint(1, 3)).decode("utf-8", "replace")
        if rng.random() < 0.05:
            text = text[: rng.randrange(len(text) + 1)]
        return text

    def s3_error(self) -> str:
        rng = self.rng
        code = rng.choice(
            [
                "AccessDenied",
                "SignatureDoesNotMatch",
                "ExpiredToken",
                "AuthorizationQueryParametersError",
                "NoSuchKey",
                "InvalidAccessKeyId",
                "Bogus",
                "",
                "&lt;x&gt;",
                "&bomb;",
            ]
        )
        message = rng.choice(
            [
                "Access Denied",
                "Request has expired",
                "User: arn:aws:iam::111122223333:user/u is not authorized to perform: s3:GetObject on resource: "
                '"arn:aws:s3:::b/k" because no identity-based policy allows the s3:GetObject action',
                "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: kms:Decrypt on resource: k with "
                "an explicit deny in a resource-based policy",
                "User: " * 2000,
                "User: " + "a" * 20000 + " is not authorized to perform: ",
                "",
            ]
        )
        if rng.random() < 0.3:
            message = self.weird_text(message)
        fields = "".join(
            f"<{name}>{value}</{name}>"
            for name, value in rng.sample(
                [
                    ("RequestId", "ABC"),
                    ("AWSAccessKeyId", rng.choice(["AKIAIOSFODNN7EXAMPLE", "", "x"])),
                    ("Expires", "2026-11-27T10:00:00Z"),
                    ("ServerTime", "garbage"),
                    ("StringToSign", "secret-ish"),
                    ("SignatureProvided", "abc"),
                    ("Region", "eu-west-1"),
                    ("Bucket", self.weird_text("b")),
                    ("Key", "%zz"),
                ],
                rng.randint(0, 5),
            )
        )
        body = f"<Error><Code>{code}</Code><Message>{message}</Message>{fields}</Error>"
        if rng.random() < 0.5:
            body = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
        roll = rng.random()
        if roll < 0.2:
            entities = ['<!ENTITY a "' + "a" * rng.choice([10, 1000]) + '">']
            entities += [f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9)]
            body = f"<!DOCTYPE x [{''.join(entities)}]>" + body.replace(f"<Code>{code}", "<Code>&j;")
        elif roll < 0.3:
            body = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>' + body.replace(message, "&e;")
        elif roll < 0.4:
            body = f"An error occurred ({code or 'X'}) when calling the GetObject operation: {message}"
        elif roll < 0.45:
            body = "<Error>" * rng.choice([10, 10000]) + body
        elif roll < 0.5:
            body = self.weird_text()
        if rng.random() < 0.2:
            body = mutate_bytes(encode(body), rng, rng.randint(1, 4)).decode("utf-8", "replace")
        return body

    # --- simulate requests ------------------------------------------------------------------------------------------

    def simulate_request(self) -> Any:
        rng = self.rng

        def maybe(value: Any) -> Any:
            return value if rng.random() < 0.85 else self.wrong()

        def policy_input() -> Any:
            roll = rng.random()
            if roll < 0.6:
                return self.policy_text()
            if roll < 0.85:
                return self.policy()
            return self.wrong()

        context = [
            Obj(
                (
                    ("ContextKeyName", maybe(rng.choice(self.CONDITION_KEYS))),
                    ("ContextKeyValues", maybe([str(self.condition_value()) for _ in range(rng.randint(0, 2))])),
                    (
                        "ContextKeyType",
                        maybe(rng.choice(["string", "stringList", "numeric", "boolean", "ip", "date", "binary", "x"])),
                    ),
                )
            )
            for _ in range(rng.randint(0, 3))
        ]
        fields = [
            ("CallerArn", maybe(rng.choice(["arn:aws:iam::111122223333:user/u", "anonymous", "", "x"]))),
            ("ActionNames", maybe([rng.choice(["s3:GetObject", "s3:*", "iam:PassRole", "x", ""])])),
            ("ResourceArns", maybe([self.arn() for _ in range(rng.randint(0, 2))])),
            ("ResourceOwner", maybe(rng.choice(["111122223333", "arn:aws:iam::111122223333:root", "x"]))),
            ("PolicyInputList", maybe([policy_input() for _ in range(rng.randint(0, 2))])),
            ("PermissionsBoundaryPolicyInputList", maybe([policy_input()])),
            ("ResourcePolicy", maybe(policy_input())),
            ("SessionPolicy", maybe(policy_input())),
            ("ContextEntries", maybe(context)),
            (
                "OrderedOrganizationPolicyInputList",
                maybe([Obj((("ServiceControlPolicyInputList", [policy_input()]),))]),
            ),
            ("OrderedResourceControlPolicyInputList", maybe([Obj((("ResourceControlPolicyInputList", []),))])),
            ("PrincipalIsManagementAccount", maybe(rng.choice([True, False]))),
            ("RestrictPublicBuckets", maybe(True)),
            ("MaxItems", maybe(5)),
            ("Bogus", 1),
        ]
        chosen = [pair for pair in fields if rng.random() < (0.9 if pair[0] == "ActionNames" else 0.35)]
        return Obj(tuple(chosen)) if rng.random() < 0.95 else self.wrong()

    def simulate_file(self, jsonl: bool) -> bytes:
        rng = self.rng
        if not jsonl:
            data = encode(emit_json(self.simulate_request(), rng, rng.choice([None, 2])))
        else:
            lines = [emit_json(self.simulate_request(), rng) for _ in range(rng.randint(1, 6))]
            lines += rng.sample(["", "   ", "{", "[]", "null", "1" * 5000, "[" * 5000], rng.randint(0, 2))
            rng.shuffle(lines)
            data = encode("\n".join(lines) + "\n")
        return mutate_bytes(data, rng, rng.randint(1, 3)) if rng.random() < 0.15 else data


@cache
def real_plan() -> bytes:
    return (REPO / "tests/fixtures/real-plan/plan.json").read_bytes()


@cache
def seed_files(suffix: str) -> tuple[bytes, ...]:
    """Files of the repository's own fixtures and examples ending in `suffix`, as seeds for byte-level damage."""
    roots = [REPO / "tests/fixtures", REPO / "examples", REPO / "rules"]
    found = sorted(p for root in roots for p in root.rglob(f"*{suffix}") if p.is_file() and p.stat().st_size < 65536)
    return tuple(p.read_bytes() for p in found) or (b"",)


# --- cases ---------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One run of the CLI: files to lay out in an empty folder, the arguments (paths relative to it), stdin."""

    seed: int
    index: int
    family: str
    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # name -> symlink target
    stdin: str | None = None
    expect_marker: bool = False  # KNOWN_BAD_NAME is among the inputs and nothing given may silence it
    inputs: int = 1  # hostile inputs this run carries (a batch holds many)

    def describe(self) -> str:
        return f"seed {self.seed} case {self.index} ({self.family}): iam-preflight {' '.join(map(repr, self.args))}"


def _check_flags(case: Case, gen: Hostile) -> None:
    """Options of `check`, some of them hostile; ones that may drop the known-bad finding say so."""
    rng = gen.rng
    case.args += ["--format", rng.choice(FORMATS)]
    if rng.random() < 0.12:
        case.args += ["-o", "report.out"]
    if rng.random() < 0.1:
        fail_on = rng.choice(["info", "warning", "error", "nope", ""])
        case.args += ["--fail-on", fail_on]
        case.expect_marker = case.expect_marker and fail_on in ("info", "warning", "error")  # else a usage error
    if rng.random() < 0.05:
        case.args += ["--color", "always"]
    if rng.random() < 0.08:
        case.args += ["--kind", rng.choice(["identity", "resource", "trust", "scp", "rcp", "key", "nope"])]
        case.expect_marker = False
    if rng.random() < 0.06:
        case.args += [rng.choice(["--select", "--ignore"]), rng.choice(["IPP", "IPG,IPA", "full-admin", "NOPE", ""])]
        case.expect_marker = False
    if rng.random() < 0.06:
        case.files["baseline.json"] = gen.baseline_file()
        case.args += ["--baseline", "baseline.json"]
        case.expect_marker = False
    if rng.random() < 0.04:
        target = "." if gen.may("bad-output-target", 0.3) else "new-baseline.json"
        case.args += ["--write-baseline", target]
        case.expect_marker = False
    if rng.random() < 0.05:
        case.files["extra.tfvars"] = encode(rng.choice(['name = "x"\n', "items = [\n", "= 1\n", 'doc = "${x}"\n']))
        case.args += ["--var-file", rng.choice(["extra.tfvars", "missing.tfvars"])]
        case.expect_marker = False


def _with_known_bad(case: Case) -> None:
    case.files[KNOWN_BAD_NAME] = KNOWN_BAD_POLICY
    case.expect_marker = True


def _special_links(case: Case, gen: Hostile) -> None:
    if gen.may("special-file", 0.04):
        choice = gen.rng.randrange(3)
        if choice == 0:
            case.links["loop-a.json"] = "loop-b.json"
            case.links["loop-b.json"] = "loop-a.json"
        elif choice == 1:
            case.links["zero.json"] = "/dev/zero"
        else:
            case.links["outside.tf"] = "/dev/null"


def _check_policy(case: Case, gen: Hostile) -> None:
    _with_known_bad(case)
    case.files["hostile.json"] = gen.policy_file()
    _special_links(case, gen)
    case.args = ["check", "."]
    _check_flags(case, gen)


def _check_batch(case: Case, gen: Hostile) -> None:
    _with_known_bad(case)
    count = gen.rng.randint(10, 40)
    for number in range(count):
        name = f"p{number:02d}" + gen.rng.choice([".json", ".json", ".json", ".trust.json", ".tfvars.json"])
        case.files[name] = gen.policy_file() if gen.rng.random() < 0.9 else gen.plan_file()
    case.inputs = count
    case.args = ["check", "."]
    _check_flags(case, gen)


def _check_terraform(case: Case, gen: Hostile) -> None:
    _with_known_bad(case)
    case.files.update(gen.terraform_module())
    _special_links(case, gen)
    case.args = ["check", "."]
    _check_flags(case, gen)


def _check_plan(case: Case, gen: Hostile) -> None:
    _with_known_bad(case)
    case.files["plan.json"] = gen.plan_file()
    if gen.rng.random() < 0.3:
        case.files["main.tf"] = encode(gen.terraform_text([]))
    case.args = ["check", "."]
    _check_flags(case, gen)


def _check_config(case: Case, gen: Hostile) -> None:
    """A hostile `.iam-preflight.toml` (or pyproject.toml): it may select, ignore or suppress, so no marker."""
    case.files[gen.rng.choice([".iam-preflight.toml", ".iam-preflight.toml", "pyproject.toml"])] = gen.config_file()
    case.files["hostile.json"] = gen.policy_file()
    case.files[KNOWN_BAD_NAME] = KNOWN_BAD_POLICY
    if gen.rng.random() < 0.5:
        case.files.update(gen.terraform_module())
    case.args = ["check", "."]
    _check_flags(case, gen)
    case.expect_marker = False


PRESIGN_SIGNERS = (
    "aws_iam_user.u",
    "aws_iam_role.r",
    "aws_iam_role.r[0]",
    'aws_iam_role.r["a"]',
    "module.m.aws_iam_role.r",
    "arn:aws:iam::111122223333:role/r",
    "arn:aws:iam::111122223333:user/u",
    "user-two",
    "u",
    "",
    "aws_iam_user.",
    "module..x",
    "arn:aws:iam::111122223333:",
)
PRESIGN_BUCKETS = (
    "aws_s3_bucket.b",
    "aws_s3_access_point.b",
    "b",
    "presign-demo",
    "arn:aws:s3:::b",
    "arn:aws:s3:us-east-1:111122223333:accesspoint/ap",
    "arn:aws:s3:::",
    "",
    "module.m.aws_s3_bucket.b",
)


def _presign_args(gen: Hostile) -> list[str]:
    rng = gen.rng
    args = ["--signer", rng.choice(PRESIGN_SIGNERS), "--bucket", rng.choice(PRESIGN_BUCKETS)]
    optional: list[tuple[str, list[str]]] = [
        ("--key", ["*", "reports/*.pdf", "", "a" * 2000, "${aws:username}/x", "\x1b[31m"]),
        ("--method", ["GET", "PUT", "HEAD", "DELETE", "", "get"]),
        (
            "--expires",
            ["1h", "30m", "7d", "8d", "0", "-1", "1e999", "9" * 5000, "99999999999999999999d", "", "\u0663h"],
        ),
        ("--source-ip", ["203.0.113.1", "999.1.1.1", "::1", "1.2.3.4/99", "", "2001:db8::/200"]),
        ("--vpce", ["vpce-1234", "", "x"]),
        ("--acl", ["private", "public-read", "", "bogus"]),
        ("--sse", ["aws:kms", "AES256", "", "x"]),
        ("--credentials", ["user-keys", "assume-role", "role-chaining", "lambda", "nope"]),
        ("--bucket-account", ["111122223333", "12", "x" * 12, ""]),
        ("--region", ["us-east-1", "", "../x", "US-EAST-1"]),
        ("--account", ["111122223333", "x", ""]),
        ("--format", list(FORMATS)),
    ]
    for option, values in optional:
        if rng.random() < 0.25:
            args += [option, rng.choice(values)]
    if rng.random() < 0.1:
        args.append("--version-id")
    return args


def _presign(case: Case, gen: Hostile) -> None:
    case.files.update(gen.terraform_module())
    if gen.rng.random() < 0.1:
        case.files[".iam-preflight.toml"] = gen.config_file()
    case.args = ["presign", ".", *_presign_args(gen)]


def _explain_url(case: Case, gen: Hostile) -> None:
    rng = gen.rng
    url = gen.url()
    if rng.random() < 0.2:
        case.stdin, url = url, "-"
    case.args = ["explain-url", url]
    if rng.random() < 0.3:
        case.args += ["--at", rng.choice(["2026-11-27T10:05:00Z", "9999-12-31T23:59:59Z", "0001-01-01", "x", ""])]
    if rng.random() < 0.3:
        case.args += ["--format", rng.choice(["text", "json", "sarif"])]
    if rng.random() < 0.2:
        case.args += ["--method", rng.choice(["GET", "PUT", "", "x"])]
    if rng.random() < 0.25:
        case.files.update(gen.terraform_module())
        case.args += [".", "--signer", rng.choice(PRESIGN_SIGNERS)]
        if rng.random() < 0.3:
            case.args += ["--account", rng.choice(["111122223333", "x"])]


def _explain_error(case: Case, gen: Hostile) -> None:
    rng = gen.rng
    body = gen.s3_error()
    roll = rng.random()
    if roll < 0.4:
        case.files["error.xml"] = encode(body) if rng.random() < 0.8 else mutate_bytes(encode(body), rng, 2)
        case.args = ["explain-error", "error.xml"]
    elif roll < 0.7:
        case.stdin = body
        case.args = ["explain-error", "-"]
    elif len(encode(body)) < 255 or gen.may("long-argument", 0.5):
        case.args = ["explain-error", body.replace("\x00", "")]  # an argument cannot hold NUL
    else:
        case.stdin = body
        case.args = ["explain-error", "-"]
    if rng.random() < 0.3:
        case.args += ["--format", rng.choice(["text", "json", "x"])]


def _simulate(case: Case, gen: Hostile) -> None:
    rng = gen.rng
    jsonl = rng.random() < 0.4
    data = gen.simulate_file(jsonl)
    if rng.random() < 0.2:
        case.stdin = data.decode("utf-8", "replace")
        case.args = ["simulate", "-"]
    else:
        case.files["request.json"] = data
        case.args = ["simulate", "request.json"]
    if jsonl:
        case.args.append("--jsonl")
    if rng.random() < 0.1:
        case.args += ["-o", "response.json"]


FAMILIES: dict[str, tuple[Callable[[Case, Hostile], None], int]] = {
    "check-policy": (_check_policy, 20),
    "check-batch": (_check_batch, 6),
    "check-terraform": (_check_terraform, 18),
    "check-plan": (_check_plan, 6),
    "check-config": (_check_config, 6),
    "presign": (_presign, 10),
    "explain-url": (_explain_url, 14),
    "explain-error": (_explain_error, 10),
    "simulate": (_simulate, 10),
}


def make_case(
    seed: int, index: int, avoid: frozenset[str] = frozenset(), families: tuple[str, ...] | None = None
) -> Case:
    """The case (seed, index): the same on every machine and Python run (random.Random seeded with a string)."""
    rng = random.Random(f"iam-preflight-fuzz/{seed}/{index}")
    names = families or tuple(FAMILIES)
    family = rng.choices(names, weights=[FAMILIES[name][1] for name in names])[0]
    case = Case(seed, index, family, [])
    FAMILIES[family][0](case, Hostile(rng, avoid))
    return case


# --- running a case ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    report_file: str = ""  # what `-o` wrote, when it was given

    @property
    def everything(self) -> str:
        return self.stdout + self.stderr + self.report_file


def lay_out(case: Case, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for name, target in case.links.items():
        (folder / name).symlink_to(target)


@contextlib.contextmanager
def _captured(stdin: str | None) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdin = io.StringIO(stdin or "")
    sys.stdout, sys.stderr = out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def run_case(case: Case, folder: Path, *, keep_debug: bool = False) -> Outcome:
    """Lay the case out in `folder` (empty), run `linter.cli.main` there in this process, and collect its output.

    IAM_PREFLIGHT_DEBUG is removed (an internal error must print its line, as it does for users) unless `keep_debug`:
    then an internal error raises out of here, traceback and all."""
    from linter.cli import main

    lay_out(case, folder)
    previous = Path.cwd()
    if not keep_debug:
        os.environ.pop("IAM_PREFLIGHT_DEBUG", None)
    os.chdir(folder)
    try:
        with _captured(case.stdin) as (out, err):
            code = main(list(case.args))
        tf_cache = sys.modules.get("linter.sources.terraform.cache")
        if tf_cache is not None:
            tf_cache.join_helpers()  # what the run parsed ahead and never read: reap the helpers before the next run
    finally:
        os.chdir(previous)
    report = folder / "report.out"
    written = report.read_text(encoding="utf-8", errors="replace") if report.is_file() else ""
    return Outcome(code, out.getvalue(), err.getvalue(), written)


def problems(case: Case, outcome: Outcome) -> list[str]:
    """What is wrong with how the CLI handled this case; empty when it behaved."""
    found = []
    if outcome.code not in (0, 1, 2):
        found.append(f"exit code {outcome.code}")
    # "please report it": a parser's catch-all turned an exception of ours into an input error on one file.
    for needle in ("internal error", "Traceback (most recent call last)", "please report it"):
        if needle in outcome.everything:
            found.append(f"printed {needle!r}")
    if case.expect_marker and KNOWN_BAD_MARKER not in outcome.everything:
        found.append(f"the finding of {KNOWN_BAD_NAME} beside the hostile input is missing")
    return found
