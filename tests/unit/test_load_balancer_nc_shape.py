"""The load balancer's NC mapping whole: every attribute `from_nc` writes to state from an NC document, and the
whole body `to_nc` builds for a PUT ([MS-NCNBI] 3.1.5.5; docs/resources/load_balancer.md, NC mapping)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tf.types import Unknown

from sdn_provider.resources.load_balancer import from_nc, to_nc
from tests.unit.test_load_balancer_mapping import LB, live

SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
PUBLIC_IP = "/publicIPAddresses/PublicVIP1"
RULE1 = {
    "protocol": "Tcp",
    "frontend_port": 1433,
    "backend_port": 1433,
    "idle_timeout_in_minutes": 4,
    "enable_floating_ip": True,
    "load_distribution": "Default",
    "name": "Rule1",
    "frontend_ip_configuration_names": ["Internal"],
    "backend_address_pool_name": "Pool1",
    "probe_name": "Probe1",
}
#: live() as state: NC's "" VIP on the public frontend is null, and an absent enableFloatingIP is NC's default, off.
STATE = {
    "frontend_ip_configuration": [
        {
            "private_ip_address": "192.168.2.100",
            "private_ip_allocation_method": "Static",
            "subnet_ref": SUBNET,
            "public_ip_address_ref": None,
            "name": "Internal",
        },
        {
            "private_ip_address": None,
            "private_ip_allocation_method": "Dynamic",
            "subnet_ref": None,
            "public_ip_address_ref": PUBLIC_IP,
            "name": "Public",
        },
    ],
    "backend_address_pool": [{"name": "Pool1"}],
    "probe": [
        {
            "protocol": "Tcp",
            "port": 59999,
            "interval_in_seconds": 5,
            "number_of_probes": 11,
            "request_path": None,
            "name": "Probe1",
        }
    ],
    "load_balancing_rule": [
        RULE1,
        {
            "protocol": "Udp",
            "frontend_port": 53,
            "backend_port": None,
            "idle_timeout_in_minutes": None,
            "enable_floating_ip": False,
            "load_distribution": None,
            "name": "Rule2",
            "frontend_ip_configuration_names": None,
            "backend_address_pool_name": None,
            "probe_name": None,
        },
    ],
    "resource_id": "Tenant_LB",
    "tags": {"owner": "someone-else"},
    "resource_ref": LB,
    "instance_id": "i-1",
    "etag": 'W/"e1"',
    "provisioning_state": "Succeeded",
    "timeouts": {"create": "5m"},
    "frontend_ip_configuration_refs": {
        "Internal": f"{LB}/frontendIPConfigurations/Internal",
        "Public": f"{LB}/frontendIPConfigurations/Public",
    },
    "backend_address_pool_refs": {"Pool1": f"{LB}/backendAddressPools/Pool1"},
    "probe_refs": {"Probe1": f"{LB}/probes/Probe1"},
}


def test_from_nc_writes_every_attribute_and_keeps_the_timeouts_block() -> None:
    assert from_nc(live(), {"timeouts": {"create": "5m"}}) == STATE


def test_from_nc_keeps_the_users_spelling_of_the_resource_id() -> None:
    state = from_nc(live(), {"resource_id": "tenant_lb"})
    assert (state["resource_id"], state["resource_ref"]) == ("tenant_lb", LB)


def test_from_nc_falls_back_to_the_prior_id_and_builds_the_refs_from_it() -> None:
    document = live()
    del document["resourceId"], document["resourceRef"]
    state = from_nc(document, {"resource_id": "Tenant_LB"})
    assert state["resource_ref"] == LB
    assert state["probe_refs"] == {"Probe1": f"{LB}/probes/Probe1"}


@pytest.mark.parametrize(("prior", "expected"), [({}, {}), (None, None), ({"a": "b"}, None)])
def test_from_nc_without_tags_keeps_an_empty_map_only(prior: Any, expected: Any) -> None:
    document = live()
    del document["tags"]
    assert from_nc(document, {"tags": prior})["tags"] == expected


def test_from_nc_of_an_object_still_provisioning_says_so() -> None:
    document = live()
    document["properties"]["provisioningState"] = "Updating"
    assert from_nc(document, {})["provisioning_state"] == "Updating"


def body(state: dict) -> dict:
    return to_nc(state)["properties"]


def test_to_nc_builds_the_whole_put_body() -> None:
    assert to_nc(STATE) == {
        "resourceId": "Tenant_LB",
        "properties": {
            "frontendIPConfigurations": [
                {
                    "resourceId": "Internal",
                    "properties": {
                        "privateIPAddress": "192.168.2.100",
                        "privateIPAllocationMethod": "Static",
                        "subnet": {"resourceRef": SUBNET},
                    },
                },
                {
                    "resourceId": "Public",
                    "properties": {
                        "privateIPAllocationMethod": "Dynamic",
                        "publicIPAddress": {"resourceRef": PUBLIC_IP},
                    },
                },
            ],
            "backendAddressPools": [{"resourceId": "Pool1", "properties": {}}],
            "probes": [
                {
                    "resourceId": "Probe1",
                    "properties": {"protocol": "Tcp", "port": 59999, "intervalInSeconds": 5, "numberOfProbes": 11},
                }
            ],
            "loadBalancingRules": [
                {
                    "resourceId": "Rule1",
                    "properties": {
                        "protocol": "Tcp",
                        "frontendPort": 1433,
                        "backendPort": 1433,
                        "idleTimeoutInMinutes": 4,
                        "enableFloatingIP": True,
                        "loadDistribution": "Default",
                        "frontendIPConfigurations": [{"resourceRef": f"{LB}/frontendIPConfigurations/Internal"}],
                        "backendAddressPool": {"resourceRef": f"{LB}/backendAddressPools/Pool1"},
                        "probe": {"resourceRef": f"{LB}/probes/Probe1"},
                    },
                },
                {
                    "resourceId": "Rule2",
                    "properties": {"protocol": "Udp", "frontendPort": 53, "enableFloatingIP": False},
                },
            ],
        },
        "tags": {"owner": "someone-else"},
    }


@pytest.mark.parametrize(
    ("frontend", "allocation"),
    [({"subnet_ref": SUBNET}, "Static"), ({"public_ip_address_ref": PUBLIC_IP}, "Dynamic")],
)
def test_to_nc_sends_the_allocation_a_frontend_implies_when_it_is_unknown(frontend: dict, allocation: str) -> None:
    state = copy.deepcopy(STATE)
    state["frontend_ip_configuration"] = [{"name": "fe", "private_ip_allocation_method": Unknown, **frontend}]
    (sent,) = body(state)["frontendIPConfigurations"]
    assert sent["properties"]["privateIPAllocationMethod"] == allocation


def test_to_nc_sends_an_explicit_allocation_as_written() -> None:
    state = copy.deepcopy(STATE)
    state["frontend_ip_configuration"] = [
        {"name": "fe", "subnet_ref": SUBNET, "private_ip_allocation_method": "Dynamic"}
    ]
    assert body(state)["frontendIPConfigurations"][0]["properties"]["privateIPAllocationMethod"] == "Dynamic"


@pytest.mark.parametrize("tags", [None, {}])
def test_to_nc_leaves_tags_out_when_there_are_none(tags: Any) -> None:
    assert "tags" not in to_nc({**STATE, "tags": tags})


def test_to_nc_sends_numbers_as_integers_and_no_unknowns() -> None:
    state = copy.deepcopy(STATE)
    state["probe"][0].update(port=59999.0, interval_in_seconds=Unknown)
    sent = body(state)["probes"][0]["properties"]
    assert sent == {"protocol": "Tcp", "port": 59999, "numberOfProbes": 11}
    assert type(sent["port"]) is int
