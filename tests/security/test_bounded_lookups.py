"""What a policy of thousands of misspelt names costs (what a hostile pull request can write): the caches keyed by
strings from the inputs keep at most INPUT_KEYED_CACHE entries, and the closest real name (~0.5 ms each) is looked
for only for the findings listed, at most MAX_LISTED_PER_RULE per rule and policy."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from linter.awsdata import INPUT_KEYED_CACHE, AwsData
from linter.cli import main
from linter.model import MAX_LISTED_PER_RULE
from rules._shared import actions, statements

DISTINCT = INPUT_KEYED_CACHE + 500


def _caches() -> dict[str, Callable[..., object]]:
    return {
        "lookup_action": actions.lookup_action,
        "action_keys": actions.action_keys,
        "action_templates": actions.action_templates,
        "operator_of": actions.operator_of,
        "statements._by_name": statements._by_name,
        "statements._operator": statements._operator,
        "AwsData.actions": AwsData.actions,
        "AwsData.resource_types": AwsData.resource_types,
        "AwsData.arn_services": AwsData.arn_services,
        "AwsData.closest_service": AwsData.closest_service,
        "AwsData.condition_key": AwsData.condition_key,
        "AwsData.closest_condition_key": AwsData.closest_condition_key,
    }


def test_input_keyed_caches_keep_at_most_their_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    statement = {
        "Effect": "Allow",
        "Action": [f"svc{n}:Get{n}" for n in range(DISTINCT)] + [f"s3:Get{n}*" for n in range(DISTINCT)],
        "Resource": "*",
        "Condition": {
            **{f"StringEquals{n}": {"aws:SourceVpc": "v"} for n in range(DISTINCT)},
            "StringEquals": {f"svc{n}:key{n}": "v" for n in range(DISTINCT)},
        },
    }
    Path("hostile.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    for cache in _caches().values():
        cache.cache_clear()  # type: ignore[attr-defined]
    assert main(["check", "hostile.json", "--format", "json"]) == 1
    capsys.readouterr()
    sizes = {name: cache.cache_info() for name, cache in _caches().items()}  # type: ignore[attr-defined]
    assert {name: info.maxsize for name, info in sizes.items()} == dict.fromkeys(sizes, INPUT_KEYED_CACHE)
    assert max(info.currsize for info in sizes.values()) == INPUT_KEYED_CACHE  # filled, and no further


def test_the_closest_name_is_looked_for_only_for_findings_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    names = 3 * MAX_LISTED_PER_RULE
    statement = {
        "Effect": "Allow",
        "Action": [f"svc{n}:Get{n}" for n in range(names)] + [f"s3:GetObjectX{n}" for n in range(names)],
        "Resource": "*",
        "Condition": {f"StringEquals{n}": {"aws:SourceVpc": "v"} for n in range(names)},
    }
    Path("misspelt.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    looked_for: list[str] = []
    close_matches = difflib.get_close_matches

    def counted(word: str, *args: object, **kwargs: object) -> list[str]:
        looked_for.append(word)
        return close_matches(word, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(difflib, "get_close_matches", counted)
    assert main(["check", "misspelt.json", "--format", "json"]) == 1
    listed = [f for f in json.loads(capsys.readouterr().out)["findings"] if "did you mean" in f["message"]]
    assert {f["rule_id"] for f in listed} == {"IPA001", "IPA005"}
    # Each rule lists MAX_LISTED_PER_RULE and says there are more: unknown actions (of either kind) and operators.
    assert len(looked_for) <= 2 * MAX_LISTED_PER_RULE


def test_resource_matching_work_is_bounded_per_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """20,000 ARNs against the resource types of `ec2:*` and seven more services: IPA002 judges at most its budget of
    pairs instead of every pair (3.4 million, 11 s)."""
    from rules.actions import resource_mismatch

    monkeypatch.chdir(tmp_path)
    services = ["s3:Get*", "ec2:*", "iam:*", "dynamodb:*", "lambda:*", "sqs:*", "sns:*", "kms:*"]
    statement = {"Effect": "Allow", "Action": services, "Resource": [f"arn:aws:s3:::b{n}/k{n}" for n in range(20_000)]}
    Path("many.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    judged: list[tuple[str, str]] = []
    can_name = resource_mismatch.can_name

    def counted(pattern: str, template: str) -> bool:
        judged.append((pattern, template))
        return can_name(pattern, template)

    monkeypatch.setattr(resource_mismatch, "can_name", counted)
    assert main(["check", "many.json", "--format", "json", "--select", "IPA002"]) in (0, 1)
    capsys.readouterr()
    assert 0 < len(judged) < resource_mismatch._PAIRS_JUDGED_PER_POLICY


def test_simulate_caches_keyed_by_policy_strings_keep_at_most_their_bound() -> None:
    # A batch's Action lists, conditions and principals are compiled once each, as they recur from policy to policy;
    # a batch of thousands of distinct ones keeps no more than the bound.
    from linter.engine import conditions, matching, principals
    from linter.engine.simulate import simulate_jsonl

    caches = {
        "actions": matching._known_actions,
        "conditions": conditions._known_condition,
        "principals": principals.parse_principal,
    }
    for cache in caches.values():
        cache.cache_clear()

    def request(n: int) -> str:
        statement = {
            "Effect": "Allow",
            "Action": [f"s3:GetObject{n}", "s3:GetObject"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": f"team{n}"}},
        }
        grant = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::111111111111:user/u{n}"}, "Action": "s3:*"}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        return json.dumps(
            {
                "CallerArn": "arn:aws:iam::111111111111:user/u",
                "ActionNames": ["s3:GetObject"],
                "ResourceArns": ["arn:aws:s3:::b/k"],
                "PolicyInputList": [json.dumps(document)],
                "ResourcePolicy": json.dumps({**document, "Statement": [{**grant, "Resource": "arn:aws:s3:::b/*"}]}),
            }
        )

    answers = list(simulate_jsonl((request(n) for n in range(DISTINCT)), jobs=1))
    assert len(answers) == DISTINCT and '"Error"' not in answers[-1]
    sizes = {name: cache.cache_info() for name, cache in caches.items()}
    assert {name: (info.maxsize, info.currsize) for name, info in sizes.items()} == dict.fromkeys(
        sizes, (INPUT_KEYED_CACHE, INPUT_KEYED_CACHE)
    )
