"""A VPC endpoint policy: a URL opened through an S3 gateway endpoint of these inputs is also decided by the
endpoint's policy, which must allow the request (VPC User Guide, vpc-endpoints-s3 "Endpoint policies")."""

from __future__ import annotations

from linter.engine.evaluate import PolicySet, Request
from linter.presign import wording
from linter.presign.doors import UrlRequest
from linter.presign.doors.networks import networks
from linter.presign.problem import Problem
from linter.presign.request import sample_keys
from linter.presign.resolve import find_endpoint
from linter.presign.subject import evaluate_request, request_keys
from linter.presign.unmet import unmet_conditions


def problems(request: UrlRequest) -> list[Problem]:
    subject, expectation = request.subject, request.expectation
    endpoint = find_endpoint(subject.inventory, expectation.vpce) if expectation.vpce else None
    if endpoint is None or endpoint.policy is None:
        return []
    [network] = networks(subject, expectation, None)
    point = subject.access_point
    for operation in request.operations:
        action = operation.action
        for key in sample_keys(expectation.key):
            resource = point.object_arn(key) if point else f"{subject.bucket.arn}/{key}"
            keys = request_keys(subject, action, network.context, endpoint.policy)
            asked = Request(subject.caller, action, resource, subject.signer.account, keys)
            decision = evaluate_request(asked, PolicySet(resource=endpoint.policy))
            if decision.allowed:
                continue
            if decision.uncertain:
                return [wording.undecided(subject, decision, action, wording.through(request.what, endpoint.address))]
            unmet = unmet_conditions(
                subject,
                action,
                resource,
                network.context,
                [endpoint.policy],
                "resource",
                endpoint.policy,
                filter_policy=True,
            )
            refused = (subject, request.what, endpoint, endpoint.policy, decision, action, resource, unmet)
            return [wording.endpoint_policy(*refused)]
    return []
