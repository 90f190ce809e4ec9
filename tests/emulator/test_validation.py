"""Every 400 InvalidParameterValue rule: ``target`` names the property the way NC does ([MS-NCNBI] 3.1.5.31
example: ``"target": "SubnetAddress"``), and the JSON path of the offending value is in ``innerError``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sdn_emulator.model.errors import property_name

from .conftest import NIC1, NcClient

FE = "properties.frontendIPConfigurations[0].properties"
PROBE = "properties.probes[0].properties"
RULE = "properties.loadBalancingRules[0].properties"
Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Set a dotted path (with [i] indexes) inside the LB body."""

    def mutate(body: dict[str, Any]) -> None:
        *parents, leaf = path.replace("[", ".").replace("]", "").split(".")
        node: Any = body
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[leaf] = value

    return mutate


def _dup_rule(body: dict[str, Any]) -> None:
    rule = dict(body["properties"]["loadBalancingRules"][0], resourceId="Rule2")
    body["properties"]["loadBalancingRules"].append(rule)


def _dup_probe_id(body: dict[str, Any]) -> None:
    body["properties"]["probes"].append(dict(body["properties"]["probes"][0], resourceId="PROBE1"))


CASES: list[tuple[str, Mutation, str]] = [
    ("bad ipv4", _set(f"{FE}.privateIPAddress", "192.168.2.300"), f"{FE}.privateIPAddress"),
    ("vip outside subnet", _set(f"{FE}.privateIPAddress", "10.0.0.5"), f"{FE}.privateIPAddress"),
    (
        "dangling subnet",
        _set(f"{FE}.subnet", {"resourceRef": "/virtualNetworks/MyNetwork/subnets/Nope"}),
        f"{FE}.subnet",
    ),
    ("allocation method", _set(f"{FE}.privateIPAllocationMethod", "Sticky"), f"{FE}.privateIPAllocationMethod"),
    ("probe port 0", _set(f"{PROBE}.port", 0), f"{PROBE}.port"),
    ("probe port too big", _set(f"{PROBE}.port", 65536), f"{PROBE}.port"),
    ("probe port not a number", _set(f"{PROBE}.port", "eighty"), f"{PROBE}.port"),
    ("probe protocol", _set(f"{PROBE}.protocol", "UDP"), f"{PROBE}.protocol"),
    ("http probe without path", _set(f"{PROBE}.protocol", "HTTP"), f"{PROBE}.requestPath"),
    ("tcp probe with path", _set(f"{PROBE}.requestPath", "/health"), f"{PROBE}.requestPath"),
    ("probe interval", _set(f"{PROBE}.intervalInSeconds", 4), f"{PROBE}.intervalInSeconds"),
    ("probe count", _set(f"{PROBE}.numberOfProbes", 0), f"{PROBE}.numberOfProbes"),
    ("frontend port", _set(f"{RULE}.frontendPort", 70000), f"{RULE}.frontendPort"),
    ("backend port", _set(f"{RULE}.backendPort", 0), f"{RULE}.backendPort"),
    ("idle timeout", _set(f"{RULE}.idleTimeoutInMinutes", 31), f"{RULE}.idleTimeoutInMinutes"),
    ("load distribution", _set(f"{RULE}.loadDistribution", "RoundRobin"), f"{RULE}.loadDistribution"),
    ("rule protocol", _set(f"{RULE}.protocol", "ICMP"), f"{RULE}.protocol"),
    ("floating ip not bool", _set(f"{RULE}.enableFloatingIP", "maybe"), f"{RULE}.enableFloatingIP"),
    (
        "rule probe elsewhere",
        _set(f"{RULE}.probe", {"resourceRef": "/loadBalancers/other/probes/Probe1"}),
        f"{RULE}.probe",
    ),
    (
        "rule pool missing",
        _set(f"{RULE}.backendAddressPool", {"resourceRef": "/loadBalancers/lb1/backendAddressPools/X"}),
        f"{RULE}.backendAddressPool",
    ),
    ("rule frontend missing", _set(f"{RULE}.frontendIPConfigurations", []), f"{RULE}.frontendIPConfigurations"),
    ("duplicate frontend port", _dup_rule, "properties.loadBalancingRules[1].properties.frontendPort"),
    ("duplicate child id", _dup_probe_id, "properties.probes[1].resourceId"),
]


@pytest.mark.parametrize(("mutate", "target"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_load_balancer_validation(nc: NcClient, lb_body: dict[str, Any], mutate: Mutation, target: str) -> None:
    mutate(lb_body)
    response = nc.put("/loadBalancers/lb1", lb_body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "InvalidParameterValue"
    assert error["target"] == property_name(target) and "." not in error["target"]
    assert f"'{target}'" in error["innerError"]
    assert error["message"] and error["details"] == []
    assert nc.get("/loadBalancers/lb1").status_code == 404


def test_child_put_target_is_relative_to_the_child(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    response = nc.put("/loadBalancers/lb1/probes/P2", {"properties": {"protocol": "TCP", "port": 0}})
    error = response.json()["error"]
    assert response.status_code == 400 and error["target"] == "port"
    assert "'properties.port'" in error["innerError"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("privateIPAddress", "192.168.3.11"),
        ("loadBalancerBackendAddressPools", [{"resourceRef": "/loadBalancers/nope/backendAddressPools/BE1"}]),
    ],
)
def test_nic_validation(nc: NcClient, field: str, value: Any) -> None:
    nic = nc.get(NIC1).json()
    nic["properties"]["ipConfigurations"][0]["properties"][field] = value
    response = nc.put(NIC1, nic)
    error = response.json()["error"]
    assert response.status_code == 400 and error["target"] == field
    assert f"'properties.ipConfigurations[0].properties.{field}" in error["innerError"]


def test_valid_variants_accepted(nc: NcClient, lb_body: dict[str, Any]) -> None:
    _set(f"{PROBE}.protocol", "http")(lb_body)
    _set(f"{PROBE}.requestPath", "/health.htm")(lb_body)
    _set(f"{RULE}.protocol", "all")(lb_body)
    _set(f"{RULE}.loadDistribution", "sourceipprotocol")(lb_body)
    fe = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]
    assert fe["probes"][0]["properties"]["protocol"] == "Http"
    assert fe["loadBalancingRules"][0]["properties"]["protocol"] == "All"
    assert fe["loadBalancingRules"][0]["properties"]["loadDistribution"] == "SourceIPProtocol"


@pytest.mark.parametrize(
    ("sent", "answered"),
    [("TCP", "Tcp"), ("tcp", "Tcp"), ("UDP", "Udp"), ("ALL", "All"), ("all", "All")],
)
def test_rule_protocol_answered_in_nc_spelling(nc: NcClient, lb_body: dict[str, Any], sent: str, answered: str) -> None:
    """[MS-NCNBI] 3.1.5.5.5.1.2.2 answers "Tcp"; SdnDiagnostics loadBalancers.json answers "All" for "ALL"."""
    _set(f"{RULE}.protocol", sent)(lb_body)
    created = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]["loadBalancingRules"][0]["properties"]
    assert created["protocol"] == answered
    assert nc.get("/loadBalancers/lb1/loadBalancingRules/Rule1").json()["properties"]["protocol"] == answered


def test_every_enum_answered_in_nc_spelling(nc: NcClient, lb_body: dict[str, Any]) -> None:
    _set(f"{FE}.privateIPAllocationMethod", "STATIC")(lb_body)
    _set(f"{PROBE}.protocol", "TCP")(lb_body)
    _set(f"{RULE}.loadDistribution", "SOURCEIP")(lb_body)
    lb_body["properties"]["inboundNatRules"] = [
        {
            "resourceId": "Nat1",
            "properties": {
                "protocol": "GRE",
                "frontendIPConfigurations": [{"resourceRef": "/loadBalancers/lb1/frontendIPConfigurations/FE1"}],
            },
        }
    ]
    props = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]
    assert props["frontendIPConfigurations"][0]["properties"]["privateIPAllocationMethod"] == "Static"
    assert props["probes"][0]["properties"]["protocol"] == "Tcp"
    assert props["loadBalancingRules"][0]["properties"]["loadDistribution"] == "SourceIP"
    assert props["inboundNatRules"][0]["properties"]["protocol"] == "Gre"
    nic = nc.get(NIC1).json()
    nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAllocationMethod"] = "unmanaged"
    ipc = nc.put(NIC1, nic).json()["properties"]["ipConfigurations"][0]["properties"]
    assert ipc["privateIPAllocationMethod"] == "Unmanaged"
