"""Logical networks, public IP addresses, frontends on them, NAT rules, resource metadata and full-replace PUTs,
the way real tenant load balancers look (microsoft/SdnDiagnostics SdnApiResources dumps; [MS-NCNBI] 3.1.5.5)."""

from __future__ import annotations

from typing import Any

import requests

from .conftest import NIC1, POOL, NcClient

LN = "/logicalNetworks/PublicVIP"
PUBLIC_SUBNET = f"{LN}/subnets/PublicVIPSubnet"
PIP = "/publicIPAddresses/TestPublicIP"
FE_REF = "/loadBalancers/lb1/frontendIPConfigurations/FE1"


def _public_frontend(lb_body: dict[str, Any], pip: str = PIP) -> None:
    lb_body["properties"]["frontendIPConfigurations"][0]["properties"] = {
        "privateIPAllocationMethod": "dynamic",
        "publicIPAddress": {"resourceRef": pip},
    }


def _with_nat_rules(lb_body: dict[str, Any]) -> None:
    lb_body["properties"]["outboundNatRules"] = [
        {
            "resourceId": "Outbound1",
            "properties": {
                "protocol": "ALL",
                "frontendIPConfigurations": [{"resourceRef": FE_REF}],
                "backendAddressPool": {"resourceRef": POOL},
            },
        }
    ]
    lb_body["properties"]["inboundNatRules"] = [
        {
            "resourceId": "Rdp",
            "properties": {
                "protocol": "tcp",
                "frontendPort": 3389,
                "backendPort": 3389,
                "frontendIPConfigurations": [{"resourceRef": FE_REF}],
            },
        }
    ]


def test_seeded_logical_network_and_public_ip(nc: NcClient) -> None:
    subnet = nc.get(PUBLIC_SUBNET).json()["properties"]
    assert subnet["isPublic"] is True and subnet["addressPrefix"] == "203.0.113.0/24"
    pip = nc.get("/publicIPAddresses/PublicIP1").json()["properties"]
    assert pip["publicIPAllocationMethod"] == "Static" and pip["ipAddress"] == "203.0.113.10"
    assert "ipConfiguration" not in pip


def test_public_ip_dynamic_allocation_and_spelling(nc: NcClient) -> None:
    created = nc.put(PIP, {"properties": {"publicIPAllocationMethod": "DYNAMIC"}})
    assert created.status_code == 201
    props = created.json()["properties"]
    assert props["publicIPAllocationMethod"] == "Dynamic" and props["idleTimeoutInMinutes"] == 4
    assert props["ipAddress"] == "203.0.113.1"  # lowest free host of the isPublic subnet
    taken = nc.put("/publicIPAddresses/Other", {"properties": {"ipAddress": "203.0.113.10"}})
    assert taken.status_code == 400 and taken.json()["error"]["target"] == "ipAddress"
    static = nc.put("/publicIPAddresses/Other", {"properties": {"publicIPAllocationMethod": "Static"}})
    assert static.status_code == 400 and static.json()["error"]["target"] == "ipAddress"


def test_load_balancer_with_public_frontend_and_nat_rules(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put(PIP, {"properties": {}})
    _public_frontend(lb_body)
    _with_nat_rules(lb_body)
    lb_body["resourceMetadata"] = {"client": "Terraform", "resourceName": "lb1"}
    response = nc.put("/loadBalancers/lb1", lb_body)
    assert response.status_code == 201, response.text
    lb = response.json()
    fe = lb["properties"]["frontendIPConfigurations"][0]["properties"]
    assert fe["privateIPAddress"] == "" and fe["privateIPAllocationMethod"] == "Dynamic"
    assert fe["publicIPAddress"] == {"resourceRef": PIP}
    assert fe["outboundNatRules"] == [{"resourceRef": "/loadBalancers/lb1/outboundNatRules/Outbound1"}]
    assert fe["inboundNatRules"] == [{"resourceRef": "/loadBalancers/lb1/inboundNatRules/Rdp"}]
    assert lb["properties"]["outboundNatRules"][0]["properties"]["protocol"] == "All"
    assert lb["properties"]["inboundNatRules"][0]["properties"]["protocol"] == "Tcp"
    assert lb["resourceMetadata"] == {"client": "Terraform", "resourceName": "lb1"}
    pool = nc.get(POOL).json()["properties"]
    assert pool["outboundNatRules"] == [{"resourceRef": "/loadBalancers/lb1/outboundNatRules/Outbound1"}]
    assert nc.get(PIP).json()["properties"]["ipConfiguration"] == {"resourceRef": FE_REF}
    in_use = nc.delete(PIP)
    assert in_use.status_code == 409 and FE_REF in in_use.json()["error"]["message"]


def test_frontend_on_a_logical_subnet(nc: NcClient, lb_body: dict[str, Any]) -> None:
    lb_body["properties"]["frontendIPConfigurations"][0]["properties"] = {
        "privateIPAddress": "203.0.113.50",
        "subnet": {"resourceRef": PUBLIC_SUBNET.upper()},
    }
    fe = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]["frontendIPConfigurations"][0]["properties"]
    assert fe["subnet"] == {"resourceRef": PUBLIC_SUBNET} and fe["privateIPAllocationMethod"] == "Static"
    lb_body["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "198.51.100.1"
    outside = nc.put("/loadBalancers/lb1", lb_body)
    assert outside.status_code == 400 and outside.json()["error"]["target"] == "privateIPAddress"


def test_frontend_needs_public_ip_or_subnet(nc: NcClient, lb_body: dict[str, Any]) -> None:
    """[MS-NCNBI] 3.1.5.5.3: either a publicIPAddress or a privateIPAddress and subnet MUST be configured."""
    lb_body["properties"]["frontendIPConfigurations"][0]["properties"] = {"privateIPAddress": "192.168.2.100"}
    missing = nc.put("/loadBalancers/lb1", lb_body)
    assert missing.status_code == 400 and missing.json()["error"]["target"] == "subnet"
    _public_frontend(lb_body, "/publicIPAddresses/Nope")
    dangling = nc.put("/loadBalancers/lb1", lb_body)
    assert dangling.status_code == 400 and dangling.json()["error"]["target"] == "publicIPAddress"


def test_put_is_a_full_replace_and_unknown_properties_round_trip(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put(PIP, {"properties": {}})
    _public_frontend(lb_body)
    _with_nat_rules(lb_body)
    lb_body["properties"]["someFutureSetting"] = {"Mode": "Fast", "list": [1, "two"]}
    lb_body["properties"]["probes"][0]["properties"]["vendorExtension"] = "kept"
    lb = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]
    assert lb["someFutureSetting"] == {"Mode": "Fast", "list": [1, "two"]}
    assert lb["probes"][0]["properties"]["vendorExtension"] == "kept"
    del lb_body["properties"]["outboundNatRules"], lb_body["properties"]["someFutureSetting"]
    lb = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]
    assert lb["outboundNatRules"] == [] and "someFutureSetting" not in lb
    assert nc.get("/loadBalancers/lb1/outboundNatRules/Outbound1").status_code == 404


def test_nic_public_ip_and_unknown_properties(nc: NcClient) -> None:
    nc.put(PIP, {"properties": {}})
    nic = nc.get(NIC1).json()
    nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] = {"resourceRef": PIP.lower()}
    nic["properties"]["portSettings"]["provisioningState"] = "Succeeded"  # SdnDiagnostics dumps carry this
    nic["properties"]["futureNicSetting"] = True
    props = nc.put(NIC1, nic).json()["properties"]
    assert props["ipConfigurations"][0]["properties"]["publicIPAddress"] == {"resourceRef": PIP}
    assert props["portSettings"]["provisioningState"] == "Succeeded" and props["futureNicSetting"] is True
    assert "ipConfiguration" not in nc.get(PIP).json()["properties"]  # as SdnDiagnostics' pip-tenant-0001


def test_logical_network_validation_and_references(nc: NcClient) -> None:
    bad = nc.put(
        "/logicalNetworks/Bad",
        {"properties": {"subnets": [{"resourceId": "s", "properties": {"addressPrefix": "10.0.0.0/33"}}]}},
    )
    assert bad.status_code == 400 and bad.json()["error"]["target"] == "addressPrefix"
    gateway = nc.put(
        "/logicalNetworks/Bad",
        {
            "properties": {
                "subnets": [
                    {"resourceId": "s", "properties": {"addressPrefix": "10.0.0.0/24", "defaultGateways": ["x"]}}
                ]
            }
        },
    )
    assert gateway.status_code == 400 and gateway.json()["error"]["target"] == "defaultGateways"
    vnet = nc.get("/virtualNetworks/MyNetwork").json()
    vnet["properties"]["logicalNetwork"] = {"resourceRef": LN}
    assert nc.put("/virtualNetworks/MyNetwork", vnet).status_code == 200
    assert nc.delete(LN).status_code == 409  # still referenced by the VNet ([MS-NCNBI] 1.3.3.3)


def test_request_recording(nc: NcClient) -> None:
    nc.admin("POST", "requests/reset")
    nic = nc.get(NIC1).json()
    nc.put(NIC1, nic, headers={"If-Match": nic["etag"], "Authorization": "Bearer secret-token"})
    nc.get("/loadBalancers/missing")
    recorded = nc.admin("GET", "requests").json()["requests"]
    assert recorded == [
        {
            "method": "GET",
            "path": f"/networking/v1{NIC1}",
            "ifMatch": None,
            "authorization": None,
            "status": 200,
            "fault": None,
        },
        {
            "method": "PUT",
            "path": f"/networking/v1{NIC1}",
            "ifMatch": nic["etag"],
            "authorization": "Bearer",
            "status": 200,
            "fault": None,
        },
        {
            "method": "GET",
            "path": "/networking/v1/loadBalancers/missing",
            "ifMatch": None,
            "authorization": None,
            "status": 404,
            "fault": None,
        },
    ]
    assert "secret-token" not in nc.admin("GET", "requests").text
    assert nc.admin("GET", "requests?last=1").json()["requests"] == recorded[-1:]
    assert nc.admin("GET", "requests?last=x").status_code == 400
    assert nc.admin("POST", "requests/reset").status_code == 200
    assert nc.admin("GET", "requests").json() == {"requests": []}


def test_recorded_requests_name_the_fault_they_hit(nc: NcClient) -> None:
    """Emulator-only test surface: a test proves its fault fired from the request that hit it."""
    nc.admin("POST", "requests/reset")
    for kind in ("fail_next", "drop_after_next"):
        nc.admin("POST", "faults", json={"kind": kind, "method": "GET", "collection": "networkInterfaces"})
        try:
            nc.get(NIC1)
        except requests.ConnectionError:
            pass  # drop_after_next: processed, unanswered
    nc.get(NIC1)
    faults = [(r["status"], r["fault"]) for r in nc.admin("GET", "requests").json()["requests"]]
    assert faults == [(503, "fail_next"), (200, "drop_after_next"), (200, None)]
