"""The load balancer's plan-time checks, one block at a time: each bad input gets exactly the diagnostics a user
reads (severity, summary, detail, attribute path), and good input gets none. The property tests only show that no
input crashes validate; these pin what it says."""

from __future__ import annotations

from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.resources.load_balancer import _check_frontend, _check_probe, _check_rule, _check_rule_overlap
from tests.unit.conftest import said

SUBNET = "/virtualNetworks/vnet1/subnets/subnet1"
PUBLIC_IP = "/publicIPAddresses/pip1"
FE = ["frontend_ip_configuration", (0,)]
PROBE = ["probe", (0,)]
RULE = ["load_balancing_rule", (0,)]
NAMES = {"frontend_ip_configuration": {"fe1"}, "backend_address_pool": {"pool1"}, "probe": {"probe1"}}
ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING


def diagnostics(check: Any, *args: Any) -> list[tuple]:
    diags = Diagnostics()
    check(diags, *args)
    return said(diags)


@pytest.mark.parametrize(
    "fe",
    [
        {"private_ip_address": "192.168.2.100", "subnet_ref": SUBNET},
        {"private_ip_address": "192.168.2.100", "subnet_ref": SUBNET, "private_ip_allocation_method": "static"},
        {"subnet_ref": SUBNET, "private_ip_allocation_method": "Dynamic"},
        {"public_ip_address_ref": PUBLIC_IP},
        {"private_ip_address": Unknown, "subnet_ref": Unknown},
    ],
)
def test_a_good_frontend_has_no_diagnostics(fe: dict) -> None:
    assert diagnostics(_check_frontend, fe, FE) == []


@pytest.mark.parametrize(
    ("fe", "expected"),
    [
        (
            {"private_ip_address": "192.168.2.100"},
            [
                (
                    ERROR,
                    "Missing subnet_ref",
                    "A frontend needs subnet_ref (an internal VIP in a subnet) or public_ip_address_ref (a public IP).",
                    [*FE, "subnet_ref"],
                )
            ],
        ),
        (
            {"subnet_ref": SUBNET},
            [
                (
                    ERROR,
                    "Missing private_ip_address",
                    "A Static frontend needs private_ip_address (the VIP).",
                    [*FE, "private_ip_address"],
                )
            ],
        ),
        (
            {"subnet_ref": SUBNET, "private_ip_allocation_method": "STATIC"},
            [
                (
                    ERROR,
                    "Missing private_ip_address",
                    "A Static frontend needs private_ip_address (the VIP).",
                    [*FE, "private_ip_address"],
                )
            ],
        ),
    ],
)
def test_a_frontend_missing_what_it_needs_says_which_attribute(fe: dict, expected: list) -> None:
    assert diagnostics(_check_frontend, fe, FE) == expected


@pytest.mark.parametrize(
    ("fe", "attribute", "summary", "shape"),
    [
        (
            {"private_ip_address": "192.168.2.100", "subnet_ref": "/virtualNetworks/vnet1"},
            "subnet_ref",
            "Invalid subnet_ref",
            "subnet",
        ),
        (
            {"public_ip_address_ref": "/loadBalancers/lb1"},
            "public_ip_address_ref",
            "Invalid public_ip_address_ref",
            "public",
        ),
    ],
)
def test_a_malformed_ref_is_refused_on_its_attribute(fe: dict, attribute: str, summary: str, shape: str) -> None:
    ((severity, said, detail, path),) = diagnostics(_check_frontend, fe, FE)
    assert (severity, said, path) == (ERROR, summary, [*FE, attribute])
    assert shape in detail.lower() and fe[attribute] in detail


def test_a_bad_vip_and_a_malformed_subnet_ref_are_each_refused_in_full() -> None:
    """Both at once, each on its attribute, with the whole text: the second names the shapes a subnet ref has."""
    fe = {"private_ip_address": "192.168.2.300", "subnet_ref": "/virtualNetworks/vnet1"}
    assert diagnostics(_check_frontend, fe, FE) == [
        (
            ERROR,
            "Invalid IPv4 address",
            '"192.168.2.300" is not an IPv4 address (dotted quad, e.g. 192.168.2.100).',
            [*FE, "private_ip_address"],
        ),
        (
            ERROR,
            "Invalid subnet_ref",
            '"/virtualNetworks/vnet1" is not a subnet resourceRef (/virtualNetworks/<vnet>/subnets/<subnet> or '
            "/logicalNetworks/<lnet>/subnets/<subnet>), e.g. /virtualNetworks/MyNetwork/subnets/Subnet2",
            [*FE, "subnet_ref"],
        ),
    ]


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        ({"protocol": "Tcp"}, []),
        ({}, []),
        ({"protocol": "Http", "request_path": "/health"}, []),
        ({"protocol": "HTTP", "request_path": Unknown}, []),
        (
            {"protocol": "http"},
            [
                (
                    ERROR,
                    "Missing request_path",
                    'An HTTP probe needs request_path (e.g. "/health").',
                    [*PROBE, "request_path"],
                )
            ],
        ),
        (
            {"request_path": "/health"},
            [
                (
                    ERROR,
                    "request_path not allowed",
                    "request_path is only valid for HTTP probes.",
                    [*PROBE, "request_path"],
                )
            ],
        ),
        (
            {"protocol": "Http", "request_path": "health"},
            [(ERROR, "Invalid request_path", 'request_path must start with "/".', [*PROBE, "request_path"])],
        ),
        (
            {"protocol": "TCP", "request_path": "health"},
            [
                (
                    ERROR,
                    "request_path not allowed",
                    "request_path is only valid for HTTP probes.",
                    [*PROBE, "request_path"],
                ),
                (ERROR, "Invalid request_path", 'request_path must start with "/".', [*PROBE, "request_path"]),
            ],
        ),
    ],
)
def test_probe_checks(probe: dict, expected: list) -> None:
    assert diagnostics(_check_probe, probe, PROBE) == expected


GOOD_RULE = {
    "frontend_ip_configuration_names": ["FE1"],
    "backend_address_pool_name": "pool1",
    "probe_name": "Probe1",
    "enable_floating_ip": True,
}


@pytest.mark.parametrize(
    "rule",
    [
        GOOD_RULE,
        {**GOOD_RULE, "probe_name": None},
        {**GOOD_RULE, "frontend_ip_configuration_names": Unknown, "backend_address_pool_name": Unknown},
        {**GOOD_RULE, "enable_floating_ip": None},
    ],
)
def test_a_rule_naming_its_blocks_has_no_diagnostics(rule: dict) -> None:
    assert diagnostics(_check_rule, rule, RULE, NAMES) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"frontend_ip_configuration_names": []},
            [
                (
                    ERROR,
                    "No frontend",
                    "frontend_ip_configuration_names needs at least one name.",
                    [*RULE, "frontend_ip_configuration_names"],
                )
            ],
        ),
        (
            {"frontend_ip_configuration_names": ["fe1", "fe2"]},
            [
                (
                    ERROR,
                    "Unknown frontend_ip_configuration",
                    'No frontend_ip_configuration block is named "fe2".',
                    [*RULE, "frontend_ip_configuration_names"],
                )
            ],
        ),
        (
            {"backend_address_pool_name": "Pool2"},
            [
                (
                    ERROR,
                    "Unknown backend_address_pool",
                    'No backend_address_pool block is named "Pool2".',
                    [*RULE, "backend_address_pool_name"],
                )
            ],
        ),
        (
            {"probe_name": "probe2"},
            [(ERROR, "Unknown probe", 'No probe block is named "probe2".', [*RULE, "probe_name"])],
        ),
        (
            {"enable_floating_ip": False},
            [
                (
                    WARNING,
                    "Floating IP is off",
                    "enable_floating_ip = false delivers traffic to the nodes' own addresses, where a clustered "
                    "service bound to the cluster IP does not listen: guest-cluster traffic through the VIP fails.",
                    [*RULE, "enable_floating_ip"],
                )
            ],
        ),
    ],
)
def test_rule_checks(change: dict, expected: list) -> None:
    assert diagnostics(_check_rule, {**GOOD_RULE, **change}, RULE, NAMES) == expected


def _rule(name: str, frontends: Any = ("fe1",), protocol: Any = "Tcp", port: Any = 1433) -> dict:
    return {
        "name": name,
        "frontend_ip_configuration_names": list(frontends),
        "protocol": protocol,
        "frontend_port": port,
    }


def test_two_rules_on_one_frontend_protocol_and_port_are_refused_on_the_second() -> None:
    rules = [_rule("r1"), _rule("r2", port=1434), _rule("r3", frontends=("FE1",), protocol="TCP")]
    assert diagnostics(_check_rule_overlap, rules) == [
        (
            ERROR,
            "Duplicate rule",
            'Rule "r3" listens on FE1 TCP/1433, already used by rule "r1".',
            ["load_balancing_rule", (2,), "frontend_port"],
        )
    ]


@pytest.mark.parametrize(
    "rules",
    [
        [_rule("r1"), _rule("r2", protocol="Udp")],
        [_rule("r1"), _rule("r2", frontends=("fe2",))],
        [_rule("r1"), {**_rule("r2"), "frontend_port": Unknown}],
        [_rule("r1"), {**_rule("r2"), "protocol": Unknown}],
        [_rule("r1"), {**_rule("r2"), "frontend_ip_configuration_names": Unknown}],
    ],
)
def test_rules_apart_in_protocol_frontend_or_unknown_port_do_not_overlap(rules: list) -> None:
    assert diagnostics(_check_rule_overlap, rules) == []


def test_a_rule_not_known_yet_hides_no_overlap_after_it() -> None:
    rules = [_rule("r0", port=Unknown), _rule("r1"), _rule("r2")]
    assert [d[2] for d in diagnostics(_check_rule_overlap, rules)] == [
        'Rule "r2" listens on fe1 Tcp/1433, already used by rule "r1".'
    ]


def test_a_rule_without_protocol_counts_as_tcp() -> None:
    rules = [_rule("r1", protocol=None), _rule("r2")]
    assert [d[2] for d in diagnostics(_check_rule_overlap, rules)] == [
        'Rule "r2" listens on fe1 Tcp/1433, already used by rule "r1".'
    ]
