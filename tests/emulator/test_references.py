"""Computed back-references and the 409 ResourceInUse rules."""

from __future__ import annotations

from typing import Any

from .conftest import NIC1, NIC2, POOL, NcClient

IPC1 = "/networkInterfaces/ClusterNode1_Network-Adapter/ipConfigurations/ipconfig1"
IPC2 = "/networkInterfaces/ClusterNode2_Network-Adapter/ipConfigurations/ipconfig1"
RULE = "/loadBalancers/lb1/loadBalancingRules/Rule1"


def test_backrefs_inside_the_load_balancer(nc: NcClient, lb_body: dict[str, Any]) -> None:
    lb = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]
    assert lb["probes"][0]["properties"]["loadBalancingRules"] == [{"resourceRef": RULE}]
    fe = lb["frontendIPConfigurations"][0]["properties"]
    assert fe["loadBalancingRules"] == [{"resourceRef": RULE}]
    assert fe["inboundNatRules"] == [] and fe["outboundNatRules"] == []
    pool = lb["backendAddressPools"][0]["properties"]
    assert pool["loadBalancingRules"] == [{"resourceRef": RULE}] and pool["backendIPConfigurations"] == []


def test_pool_membership_from_nic_side(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    assert nc.add_to_pool(NIC1).status_code == 200
    assert nc.add_to_pool(NIC2, "/LOADBALANCERS/LB1/backendaddresspools/be1").status_code == 200
    pool = nc.get(POOL).json()["properties"]
    assert pool["backendIPConfigurations"] == [{"resourceRef": IPC1}, {"resourceRef": IPC2}]
    ipc = nc.get(NIC2).json()["properties"]["ipConfigurations"][0]["properties"]
    assert ipc["loadBalancerBackendAddressPools"] == [{"resourceRef": POOL}]
    nic = nc.get(NIC1).json()
    nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
    nc.put(NIC1, nic)
    assert nc.get(POOL).json()["properties"]["backendIPConfigurations"] == [{"resourceRef": IPC2}]


def test_delete_in_use_names_every_referencing_nic(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    nc.add_to_pool(NIC1)
    nc.add_to_pool(NIC2)
    for path, users in (("/loadBalancers/lb1", [IPC1, IPC2]), (POOL, [RULE, IPC1, IPC2])):
        response = nc.delete(path)
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "ResourceInUse"
        assert IPC1 in error["message"] and IPC2 in error["message"]
        assert sorted(d["target"] for d in error["details"]) == users
    assert nc.get("/loadBalancers/lb1").status_code == 200


def test_put_dropping_a_referenced_pool_is_409(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    nc.add_to_pool(NIC1)
    lb_body["properties"]["loadBalancingRules"] = []
    lb_body["properties"]["backendAddressPools"] = []
    response = nc.put("/loadBalancers/lb1", lb_body)
    assert response.status_code == 409 and IPC1 in response.json()["error"]["message"]


def test_delete_child_used_by_rule_is_409(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    for child in ("probes/Probe1", "frontendIPConfigurations/FE1", "backendAddressPools/BE1"):
        response = nc.delete(f"/loadBalancers/lb1/{child}")
        assert response.status_code == 409
        assert response.json()["error"]["details"][0]["target"] == RULE
    assert nc.delete(RULE).status_code == 202
    assert nc.delete("/loadBalancers/lb1/probes/Probe1").status_code == 202


def test_deleting_a_referenced_subnet_is_409(nc: NcClient) -> None:
    response = nc.delete("/virtualNetworks/MyNetwork")
    assert response.status_code == 409
    assert {d["target"] for d in response.json()["error"]["details"]} == {IPC1, IPC2}
    subnet = nc.get("/virtualNetworks/MyNetwork/subnets/Subnet2").json()["properties"]
    assert subnet["ipConfigurations"] == [{"resourceRef": IPC1}, {"resourceRef": IPC2}]


def test_delete_after_membership_removed(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    nc.add_to_pool(NIC1)
    nic = nc.get(NIC1).json()
    nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
    nc.put(NIC1, nic)
    assert nc.delete("/loadBalancers/lb1").status_code == 202
    assert nc.get("/loadBalancers/lb1").status_code == 404
