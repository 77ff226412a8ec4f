"""Where a URL is opened from: as declared, or every network the policies name plus somewhere else.

A pre-signed request carries the signer's identity but the opener's network: aws:SourceIp is the address of whoever
opens the link, and through a VPC endpoint aws:SourceVpce is set instead (IAM User Guide,
reference_policies_condition-keys). Not a door itself: the permission door asks its question from each network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from linter.engine.context import UNKNOWN, ContextInput, Unknown
from linter.model import THIS_ACCOUNT, AccessPoint, Policy
from linter.presign.request import Expectation, UrlContext, is_network_key
from linter.presign.resolve import find_endpoint
from linter.presign.subject import Subject

# Where the URL is opened from when nobody said: an address in no one's allow-list (RFC 5737 TEST-NET-1).
ELSEWHERE_IP = "192.0.2.1"


class Network(NamedTuple):
    """Where the URL is opened from, and whether the expectation declared it."""

    label: str
    context: UrlContext
    declared: bool


def access_point_keys(point: AccessPoint | None) -> dict[str, ContextInput]:
    if point is None:
        return {}
    return {
        "s3:DataAccessPointArn": UNKNOWN if point.name.is_unknown else point.arn,
        "s3:DataAccessPointAccount": THIS_ACCOUNT,
        "s3:AccessPointNetworkOrigin": "VPC" if point.vpc_id is not None else "Internet",
    }


def _candidates(policies: Iterable[Policy | None]) -> tuple[dict[str, str], list[str], bool]:
    """An IP inside every CIDR (by the CIDR as written), the VPC endpoints policies name in network conditions, and
    whether some such value could not be resolved."""
    ips: dict[str, str] = {}
    endpoints: list[str] = []
    unresolved = False
    for policy in policies:
        for statement in policy.statements if policy else []:
            for condition in statement.conditions:
                key = condition.key.value.lower()
                if not is_network_key(key):
                    continue
                for value in condition.values:
                    if value.is_unknown:
                        unresolved = True
                    elif key == "aws:sourceip":
                        try:
                            network = ipaddress.ip_network(value.value, strict=False)
                        except ValueError:
                            continue
                        ips.setdefault(value.value, str(next(iter(network.hosts()), network.network_address)))
                    elif key == "aws:sourcevpce":
                        endpoints.append(value.value)
    return ips, list(dict.fromkeys(endpoints)), unresolved


def networks(subject: Subject, expectation: Expectation, policy: Policy | None) -> list[Network]:
    """Where the URL is opened from: as declared, or every network the policies name plus somewhere else."""
    # The headers the URL was signed with, and the keys S3 adds to a request through an access point (the bucket
    # policy sees them too: that is how a bucket delegates access control to its access points).
    signed = UrlContext(acl=expectation.acl, sse=expectation.sse, extra=access_point_keys(subject.access_point))
    if expectation.vpce:
        # An endpoint of these inputs is named by its address, which stands in for its id (and its VPC's).
        endpoint = find_endpoint(subject.inventory, expectation.vpce)
        vpce: str | Unknown = endpoint.address if endpoint else expectation.vpce
        if endpoint is None and subject.inventory.vpc_endpoints:
            vpce = UNKNOWN  # an id written out may be one of the endpoints defined here, known by address only
        vpc = endpoint.vpc_id.value if endpoint and endpoint.vpc_id and not endpoint.vpc_id.is_unknown else None
        through = replace(signed, vpce=vpce, vpc=vpc)
        return [Network(f"VPC endpoint {expectation.vpce}", through, True)]
    if expectation.source_ips:
        return [Network(ip, replace(signed, source_ip=ip), True) for ip in expectation.source_ips]
    ips, endpoints, unresolved = _candidates([*subject.identity, subject.boundary, policy])
    elsewhere = Network("elsewhere", replace(signed, source_ip=ELSEWHERE_IP), False)
    if not ips and not endpoints and not unresolved:
        return [elsewhere._replace(label="anywhere")]
    found = [Network(cidr, replace(signed, source_ip=ip), False) for cidr, ip in ips.items()]
    found += [Network(f"VPC endpoint {e}", replace(signed, vpce=e), False) for e in endpoints]
    if unresolved:
        # A condition names a network Terraform cannot resolve: opened from there, the answer is unknown.
        found.append(Network("the network an unresolved condition names", replace(signed, vpce=UNKNOWN), False))
    return [*found, elsewhere]
