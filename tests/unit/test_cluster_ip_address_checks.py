"""sdn_cluster_ip_address's plan-time checks: each bad input gets exactly the diagnostic a user reads (severity,
summary, detail, attribute path); a good configuration gets none."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.resources.cluster_ip_address import ClusterIPAddress
from tests.unit.conftest import said

ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING
GOOD = {
    "cluster_node": "DB1",
    "address": "192.168.2.100",
    "subnet_mask": "255.255.255.255",
    "probe_port": 59999,
    "enable_dhcp": False,
}


def validate(change: dict) -> list[tuple]:
    diags = Diagnostics()
    ClusterIPAddress(SimpleNamespace()).validate(diags, "sdn_cluster_ip_address", {**GOOD, **change})
    return said(diags)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"enable_dhcp": None},
        {"enable_dhcp": True, "address": None, "subnet_mask": None},
        {"enable_dhcp": Unknown, "address": None},
        {"probe_port": None, "probe_failure_threshold": 0},
        {"probe_port": 65535, "probe_failure_threshold": 4294967295},
        {"resource_name": "Cluster IP Address", "name_resource": "Cluster Name", "network": "Cluster Network 1"},
    ],
)
def test_a_good_configuration_has_no_diagnostics(change: dict) -> None:
    assert validate(change) == []


@pytest.mark.parametrize("key", ["cluster_node", "resource_name", "name_resource", "network"])
def test_a_blank_name_is_refused_on_its_attribute(key: str) -> None:
    assert validate({key: "  "}) == [(ERROR, f"Invalid {key}", f"{key} must not be empty.", [key])]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"probe_port": 0},
            [
                (
                    ERROR,
                    "Probe port required",
                    "probe_port 0 means no probe: the load balancer could not tell which node owns the cluster IP, "
                    "so traffic to the VIP would reach every node. Use the load balancer probe's port (e.g. 59999).",
                    ["probe_port"],
                )
            ],
        ),
        (
            {"probe_port": 65536},
            [
                (
                    ERROR,
                    "Invalid probe_port",
                    "probe_port must be a whole number from 1 to 65535, got 65536.",
                    ["probe_port"],
                )
            ],
        ),
        (
            {"probe_failure_threshold": 4294967296},
            [
                (
                    ERROR,
                    "Invalid probe_failure_threshold",
                    "probe_failure_threshold must be a whole number from 0 to 4294967295, got 4294967296.",
                    ["probe_failure_threshold"],
                )
            ],
        ),
        (
            {"probe_failure_threshold": -1},
            [
                (
                    ERROR,
                    "Invalid probe_failure_threshold",
                    "probe_failure_threshold must be a whole number from 0 to 4294967295, got -1.",
                    ["probe_failure_threshold"],
                )
            ],
        ),
        (
            {"subnet_mask": "255.255.255.0"},
            [
                (
                    WARNING,
                    "Subnet mask is not 255.255.255.255",
                    "subnet_mask 255.255.255.0: Microsoft's guest-clustering steps (and the Azure load balancer "
                    "guides) require 255.255.255.255 for a cluster IP that is a load balancer VIP.",
                    ["subnet_mask"],
                )
            ],
        ),
        (
            {"address": None},
            [
                (
                    ERROR,
                    "Missing address",
                    "address is required unless enable_dhcp is true (the guest cluster needs the load balancer VIP "
                    "here).",
                    ["address"],
                )
            ],
        ),
        (
            {"enable_dhcp": True},
            [
                (
                    ERROR,
                    "address with DHCP",
                    "address cannot be set when enable_dhcp is true: DHCP assigns it.",
                    ["address"],
                ),
                (
                    ERROR,
                    "subnet_mask with DHCP",
                    "subnet_mask cannot be set when enable_dhcp is true: DHCP assigns it.",
                    ["subnet_mask"],
                ),
            ],
        ),
    ],
)
def test_bad_input_gets_its_diagnostic(change: dict, expected: list) -> None:
    assert validate(change) == expected


def test_the_timeouts_are_checked_too() -> None:
    """The shared check; its wording is pinned in test_resource_common."""
    assert [(d[1], d[3]) for d in validate({"timeouts": {"update": "later"}})] == [
        ("Invalid duration", ["timeouts", "update"])
    ]


@pytest.mark.parametrize(("key", "value"), [("address", "192.168.2"), ("subnet_mask", "255.0.255.0")])
def test_a_malformed_address_or_mask_is_refused_on_its_attribute(key: str, value: str) -> None:
    errors = [d for d in validate({key: value}) if d[0] == ERROR]
    assert [(d[1], d[3]) for d in errors] == [
        ("Invalid IPv4 address" if key == "address" else "Invalid subnet mask", [key])
    ]
    assert value in errors[0][2]
