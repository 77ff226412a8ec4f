"""The SimulateCustomPolicy-shaped adapter: request parsing, response shape, --jsonl batches, and agreement with the
Python API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from linter.engine.evaluate import PolicySet, Request, evaluate
from linter.engine.simulate import SimulateRequestError, simulate_jsonl, simulate_request

if TYPE_CHECKING:
    from tests.engine.conftest import Engine

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
SESSION = f"arn:aws:sts::{A}:assumed-role/AppRole/s1"
OBJECT = "arn:aws:s3:::bkt/key"
NOW = datetime(2030, 1, 2, tzinfo=UTC)


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = "arn:aws:s3:::bkt/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def simulate(**request: Any) -> dict[str, Any]:
    return simulate_request({"CallerArn": ALICE, "ActionNames": ["s3:GetObject"], **request}, now=NOW)


def test_response_has_aws_shape_plus_explanation() -> None:
    policy = json.dumps(document({**allow(), "Sid": "Read"}))
    response = simulate(ActionNames=["s3:GetObject", "s3:PutObject"], ResourceArns=[OBJECT], PolicyInputList=[policy])
    assert response == {
        "EvaluationResults": [
            {
                "EvalActionName": "s3:GetObject",
                "EvalResourceName": OBJECT,
                "EvalDecision": "allowed",
                "MatchedStatements": [
                    {
                        "SourcePolicyId": "PolicyInputList.1",
                        "SourcePolicyType": "IAM Policy",
                        "StartPosition": {"Line": 1, "Column": 42},
                        "EndPosition": {"Line": 1, "Column": 135},
                    }
                ],
                "MissingContextValues": [],
                "Explanation": {
                    "Decision": "allowed",
                    "Uncertain": False,
                    "PossibleDecisions": ["allowed"],
                    "DecidingStatements": [
                        {
                            "PolicyId": "PolicyInputList.1",
                            "PolicyType": "identity",
                            "StatementIndex": 0,
                            "Sid": "Read",
                            "Effect": "Allow",
                            "Location": "PolicyInputList.1:1:41",
                        }
                    ],
                    "FailedToAllow": [],
                    "Notes": [],
                },
                "Warnings": [],
            },
            {
                "EvalActionName": "s3:PutObject",
                "EvalResourceName": OBJECT,
                "EvalDecision": "implicitDeny",
                "MatchedStatements": [],
                "MissingContextValues": [],
                "Explanation": {
                    "Decision": "implicitDeny",
                    "Uncertain": False,
                    "PossibleDecisions": ["implicitDeny"],
                    "DecidingStatements": [],
                    "FailedToAllow": ["identity"],
                    "Notes": [],
                },
                "Warnings": [],
            },
        ]
    }


def test_aws_published_example_without_caller() -> None:
    """The simulate-custom-policy example of the AWS CLI reference, request and response."""
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )
    request = {
        "PolicyInputList": [policy],
        "ActionNames": ["dynamodb:CreateBackup"],
        "ContextEntries": [
            {
                "ContextKeyName": "aws:CurrentTime",
                "ContextKeyValues": ["2019-04-25T11:00:00Z"],
                "ContextKeyType": "date",
            }
        ],
    }
    result = simulate_request(request, now=NOW)["EvaluationResults"][0]
    assert {
        key: result[key] for key in ("EvalActionName", "EvalResourceName", "EvalDecision", "MissingContextValues")
    } == {
        "EvalActionName": "dynamodb:CreateBackup",
        "EvalResourceName": "*",
        "EvalDecision": "allowed",
        "MissingContextValues": [],
    }
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 1, "Column": 38},
            "EndPosition": {"Line": 1, "Column": 167},
        }
    ]
    earlier = {
        **request,
        "ContextEntries": [{**request["ContextEntries"][0], "ContextKeyValues": ["2014-04-25T11:00:00Z"]}],
    }
    assert simulate_request(earlier, now=NOW)["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_organizations_and_boundary_details_appear_when_they_apply() -> None:
    response = simulate(
        ResourceArns=[OBJECT],
        PolicyInputList=[document(allow())],
        PermissionsBoundaryPolicyInputList=[document(allow("ec2:*", "*"))],
        OrderedOrganizationPolicyInputList=[{"ServiceControlPolicyInputList": [document(allow("*", "*"))]}],
    )
    result = response["EvaluationResults"][0]
    assert (result["EvalDecision"], result["Explanation"]["FailedToAllow"]) == ("implicitDeny", ["boundary"])
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert [m["SourcePolicyId"] for m in result["MatchedStatements"]] == [
        "OrderedOrganizationPolicyInputList.1.ServiceControlPolicyInputList.1",
        "PolicyInputList.1",
    ]


def test_context_entries_and_extensions() -> None:
    rcp_deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["secret"]}},
    }
    request = {
        "CallerArn": SESSION,
        "ResourceOwner": f"arn:aws:iam::{A}:root",
        "ResourceArns": [OBJECT],
        "ResourcePolicy": document(allow(Principal={"AWS": f"arn:aws:iam::{A}:role/AppRole"})),
        "SessionPolicy": json.dumps(document(allow("s3:*", "*"))),
        "OrderedResourceControlPolicyInputList": [
            {"ResourceControlPolicyInputList": [document({**allow("*", "*"), "Principal": "*"}), document(rcp_deny)]}
        ],
    }
    tags = {"ContextKeyName": "aws:TagKeys", "ContextKeyType": "stringList"}
    denied = simulate(**request, ContextEntries=[{**tags, "ContextKeyValues": ["a", "secret"]}])
    assert denied["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
    allowed = simulate(**request, ContextEntries=[{**tags, "ContextKeyValues": ["a"]}])
    result = allowed["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert [(m["PolicyId"], m["PolicyType"]) for m in result["Explanation"]["DecidingStatements"]] == [
        ("OrderedResourceControlPolicyInputList.1.ResourceControlPolicyInputList.1", "rcp:level 0"),
        ("ResourcePolicy", "resource"),
        ("SessionPolicy", "session"),
    ]


def test_uncertainty_is_reported() -> None:
    policy = document(allow(resource="arn:aws:s3:*"))
    result = simulate(ResourceArns=[OBJECT], PolicyInputList=[policy])["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["Explanation"]["Uncertain"] is True
    assert result["Explanation"]["PossibleDecisions"] == ["implicitDeny", "allowed"]
    assert result["Warnings"] == [
        "PolicyInputList.1:4:5 (statement 0) of identity policy PolicyInputList.1 may or may not apply: matches only "
        "if a segment-final '*' crosses ':' (documented as 'can')"
    ]


def test_question_mark_in_action_is_a_wildcard() -> None:
    # IAM User Guide, "IAM JSON policy elements: Action": "You can also use wildcards (* or ?) as part of the action
    # name." docs/iam-semantics.md §2 Actions.
    policy = document(allow("s3:GetObjec?"))
    result = simulate(ResourceArns=[OBJECT], PolicyInputList=[policy])["EvaluationResults"][0]
    assert (result["EvalDecision"], result["Explanation"]["Uncertain"], result["Warnings"]) == ("allowed", False, [])


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        (
            {"CallerArn": None, "ResourcePolicy": document(allow(Principal="*"))},
            "CallerArn is required with a ResourcePolicy",
        ),
        ({"CallerArn": ""}, "CallerArn must be a principal ARN or 'anonymous'"),
        ({"ActionNames": []}, "ActionNames is required"),
        ({"ActionNames": ["s3:Get*"]}, "'s3:Get\\*' must be service:Action without wildcards"),
        ({"Policies": []}, "unknown request field 'Policies'"),
        ({"PolicyInputList": ['{"Statement": [}']}, "MalformedPolicyDocument: PolicyInputList.1: line 1, column 16: "),
        ({"PolicyInputList": [42]}, "PolicyInputList.1: a policy must be a JSON string or object"),
        (
            {"ResourcePolicy": document(allow(Principal={"AWS": f"arn:aws:iam::{A}:user/*"}))},
            "MalformedPolicyDocument: ResourcePolicy:4:5 \\(statement 0\\): invalid principal",
        ),
        ({"PermissionsBoundaryPolicyInputList": [document(allow()), document(allow())]}, "at most one policy"),
        (
            {"OrderedOrganizationPolicyInputList": [[document(allow())]]},
            "must be an object with ServiceControlPolicyInputList",
        ),
        (
            {"ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["1"], "ContextKeyType": "int"}]},
            "unknown ContextKeyType 'int'",
        ),
        (
            {"ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["x"], "ContextKeyType": "numeric"}]},
            "'x' is not a numeric value",
        ),
        (
            {"ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["a", "b"]}]},
            "takes exactly one value \\(use stringList\\)",
        ),
        (
            {"ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": "a"}]},
            "ContextKeyValues must be a list of strings",
        ),
        ({"ResourceOwner": "someone"}, "expected an account id or arn:aws:iam::ID:root"),
        ({"CallerArn": "arn:aws:iam::111111111111:group/g"}, "unsupported caller"),
        ({"RestrictPublicBuckets": "yes"}, "RestrictPublicBuckets must be true or false"),
    ],
)
def test_invalid_requests(request_fields: dict[str, Any], message: str) -> None:
    request = {"CallerArn": ALICE, "ActionNames": ["s3:GetObject"], **request_fields}
    with pytest.raises(SimulateRequestError, match=message):
        simulate_request({k: v for k, v in request.items() if v is not None})


def test_request_must_be_an_object() -> None:
    with pytest.raises(SimulateRequestError, match="must be a JSON object"):
        simulate_request([])


def test_jsonl_keeps_order_and_reports_bad_lines() -> None:
    good = {"CallerArn": ALICE, "ActionNames": ["s3:GetObject"], "PolicyInputList": [document(allow("s3:*", "*"))]}
    lines = [json.dumps(good), "{not json", "", json.dumps({**good, "ActionNames": ["s3:*"]}), json.dumps(good)]
    out = [json.loads(line) for line in simulate_jsonl(lines, now=NOW)]
    assert [o.get("Error") or o["EvaluationResults"][0]["EvalDecision"] for o in out] == [
        "allowed",
        {"Line": 2, "Message": "invalid JSON at column 2: Expecting property name enclosed in double quotes"},
        {"Line": 4, "Message": "ActionNames: 's3:*' must be service:Action without wildcards"},
        "allowed",
    ]
    assert all("\n" not in line for line in simulate_jsonl(lines, now=NOW))


def _scenarios(engine: Engine) -> list[tuple[dict[str, Any], Request, PolicySet]]:
    """The same request written for simulate_request and for the Python API."""
    bucket_doc = document(allow(Principal={"AWS": f"arn:aws:iam::{B}:root"}))
    identity_doc = document(allow())
    boundary_doc = document(allow("ec2:*", "*"))
    scp_docs = [document(allow("*", "*")), document(allow("s3:*", "*"))]
    role_bucket_doc = document(allow(Principal={"AWS": f"arn:aws:iam::{A}:role/AppRole"}))
    deny_ip = document(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        }
    )
    bob = f"arn:aws:iam::{B}:user/bob"

    def policy(doc: dict[str, Any], name: str) -> Any:
        return engine.policy(*doc["Statement"], name=name)

    return [
        (
            {
                "CallerArn": bob,
                "ActionNames": ["s3:GetObject"],
                "ResourceArns": [OBJECT],
                "ResourceOwner": A,
                "PolicyInputList": [identity_doc],
                "ResourcePolicy": bucket_doc,
            },
            Request(bob, "s3:GetObject", OBJECT, A),
            PolicySet(
                identity=[policy(identity_doc, "PolicyInputList.1")], resource=policy(bucket_doc, "ResourcePolicy")
            ),
        ),
        (
            {
                "CallerArn": SESSION,
                "ActionNames": ["s3:GetObject"],
                "ResourceArns": [OBJECT],
                "ResourcePolicy": role_bucket_doc,
                "PermissionsBoundaryPolicyInputList": [boundary_doc],
            },
            Request(SESSION, "s3:GetObject", OBJECT),
            PolicySet(resource=policy(role_bucket_doc, "ResourcePolicy"), boundary=policy(boundary_doc, "b")),
        ),
        (
            {
                "CallerArn": ALICE,
                "ActionNames": ["s3:GetObject"],
                "ResourceArns": [OBJECT],
                "PolicyInputList": [identity_doc, deny_ip],
                "OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [d]} for d in scp_docs],
                "ContextEntries": [
                    {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["203.0.113.9"], "ContextKeyType": "ip"}
                ],
            },
            Request(ALICE, "s3:GetObject", OBJECT, context={"aws:SourceIp": "203.0.113.9"}),
            PolicySet(
                identity=[policy(identity_doc, "i1"), policy(deny_ip, "i2")],
                scps=[[policy(d, f"scp{i}")] for i, d in enumerate(scp_docs)],
            ),
        ),
    ]


def test_simulate_and_python_api_agree(engine: Engine) -> None:
    decisions = []
    for request, api_request, policy_set in _scenarios(engine):
        simulated = simulate_request(request, now=NOW)["EvaluationResults"][0]
        direct = evaluate(api_request, policy_set, now=NOW)
        assert simulated["EvalDecision"] == direct.decision
        assert simulated["Explanation"]["FailedToAllow"] == list(direct.failed_to_allow)
        assert [m["StatementIndex"] for m in simulated["Explanation"]["DecidingStatements"]] == [
            m.index for m in direct.matched
        ]
        decisions.append(direct.decision)
    assert decisions == ["allowed", "implicitDeny", "explicitDeny"]


def test_a_request_asks_for_at_most_max_results() -> None:
    """ActionNames x ResourceArns results per request: 1,000 x 1,000 took 36 s and 10 GB; past MAX_RESULTS the
    request is refused with one line, as AWS pages its own."""
    from linter.engine.simulate import MAX_RESULTS

    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )

    def request(actions: int, resources: int) -> dict[str, Any]:
        return {
            "CallerArn": "arn:aws:iam::111111111111:user/u",
            "ActionNames": [f"s3:Action{n}" for n in range(actions)],
            "ResourceArns": [f"arn:aws:s3:::b/{n}" for n in range(resources)],
            "PolicyInputList": [policy],
        }

    assert MAX_RESULTS == 10_000
    assert len(simulate_request(request(100, 100), now=NOW)["EvaluationResults"]) == MAX_RESULTS
    with pytest.raises(SimulateRequestError) as refused:
        simulate_request(request(101, 100), now=NOW)
    assert str(refused.value) == "101 ActionNames x 100 ResourceArns make more than 10,000 results: split the request"
