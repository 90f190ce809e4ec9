"""REST contract: envelope, etags, instance ids, children, casing, collections, verbs."""

from __future__ import annotations

import re
import uuid
from typing import Any

from .conftest import NIC1, POOL, SUBNET, NcClient

ETAG = re.compile(r'^W/"[0-9a-f-]{36}"$')


def test_envelope_and_headers(nc: NcClient, lb_body: dict[str, Any]) -> None:
    response = nc.put("/loadBalancers/lb1", lb_body)
    assert response.status_code == 201
    lb = response.json()
    assert response.headers["ETag"] == lb["etag"]
    assert response.headers["Server"] == "Microsoft-HTTPAPI/2.0"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    uuid.UUID(response.headers["x-ms-request-id"])
    assert lb["resourceId"] == "lb1" and lb["resourceRef"] == "/loadBalancers/lb1"
    assert ETAG.match(lb["etag"]) and uuid.UUID(lb["instanceId"])
    assert "tags" not in lb and "resourceMetadata" not in lb  # left out when empty, as in NC's dumps
    assert lb["properties"]["provisioningState"] == "Succeeded"
    pool = lb["properties"]["backendAddressPools"][0]
    assert pool["resourceRef"] == POOL and pool["etag"] == lb["etag"]
    assert pool["properties"]["provisioningState"] == "Succeeded"
    assert nc.get("/loadBalancers/lb1").headers["x-ms-request-id"] != response.headers["x-ms-request-id"]


def test_etag_renewed_per_put_and_instance_id_stable(nc: NcClient, lb_body: dict[str, Any]) -> None:
    first = nc.put("/loadBalancers/lb1", lb_body).json()
    again = nc.put("/loadBalancers/lb1", lb_body)
    assert again.status_code == 200
    second = again.json()
    assert second["etag"] != first["etag"]
    assert second["instanceId"] == first["instanceId"]
    for before, after in zip(first["properties"]["probes"], second["properties"]["probes"], strict=True):
        assert after["instanceId"] == before["instanceId"]
        assert after["etag"] == second["etag"]


def test_read_only_fields_in_body_are_ignored(nc: NcClient, lb_body: dict[str, Any]) -> None:
    got = nc.put("/loadBalancers/lb1", lb_body).json()
    got["properties"]["provisioningState"] = "Failed"
    got["properties"]["backendAddressPools"][0]["properties"]["backendIPConfigurations"] = [
        {"resourceRef": "/networkInterfaces/nope/ipConfigurations/x"}
    ]
    got["instanceId"] = str(uuid.uuid4())
    again = nc.put("/loadBalancers/lb1", got)
    assert again.status_code == 200
    body = again.json()
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert body["properties"]["backendAddressPools"][0]["properties"]["backendIPConfigurations"] == []
    assert body["instanceId"] != got["instanceId"]


def test_case_insensitive_paths_keys_and_lenient_types(nc: NcClient, lb_body: dict[str, Any]) -> None:
    rule = lb_body["properties"]["loadBalancingRules"][0]
    rule["properties"] = {
        "Protocol": "tcp",
        "frontEndPort": "1433",
        "EnableFloatingIP": "true",
        "frontendipconfigurations": [{"resourceref": "/loadbalancers/LB1/FrontendIPConfigurations/fe1"}],
        "BackendAddressPool": {"resourceRef": "/LoadBalancers/lb1/BackendAddressPools/be1"},
    }
    lb_body["properties"]["frontendIPConfigurations"][0]["properties"]["subnet"] = {
        "resourceRef": "/VirtualNetworks/MyNetwork/Subnets/Subnet2"
    }
    assert nc.put("/LoadBalancers/lb1", lb_body).status_code == 201
    got = nc.get("/LOADBALANCERS/LB1/LoadBalancingRules/RULE1").json()
    assert got["resourceRef"] == "/loadBalancers/lb1/loadBalancingRules/Rule1"
    props = got["properties"]
    assert props["protocol"] == "Tcp" and props["frontendPort"] == 1433 and props["backendPort"] == 1433
    assert props["enableFloatingIP"] is True
    assert props["frontendIPConfigurations"] == [{"resourceRef": "/loadBalancers/lb1/frontendIPConfigurations/FE1"}]
    assert props["backendAddressPool"] == {"resourceRef": POOL}
    fe = nc.get("/loadBalancers/lb1/frontendIPConfigurations/FE1").json()
    assert fe["properties"]["subnet"] == {"resourceRef": SUBNET}


def test_resource_id_keeps_creation_casing(nc: NcClient, lb_body: dict[str, Any]) -> None:
    lb_body["resourceId"] = "lb2"
    assert nc.put("/loadBalancers/lb1", lb_body).status_code == 400  # body id must match the URL
    del lb_body["resourceId"]
    nc.put("/loadBalancers/Lb1", {"properties": {}})
    assert nc.put("/loadBalancers/LB1", {"properties": {}}).status_code == 200
    assert nc.get("/loadbalancers/lb1").json()["resourceRef"] == "/loadBalancers/Lb1"


def test_collection_get(nc: NcClient, lb_body: dict[str, Any]) -> None:
    assert nc.get("/loadBalancers").json() == {"value": [], "nextLink": ""}
    nc.put("/loadBalancers/lb1", lb_body)
    listing = nc.get("/loadBalancers").json()
    assert [lb["resourceId"] for lb in listing["value"]] == ["lb1"] and listing["nextLink"] == ""
    probes = nc.get("/loadBalancers/lb1/probes").json()["value"]
    assert [p["resourceRef"] for p in probes] == ["/loadBalancers/lb1/probes/Probe1"]
    nics = nc.get("/networkInterfaces").json()["value"]
    assert len(nics) == 2


def test_child_put_get_delete_splices_into_parent(nc: NcClient, lb_body: dict[str, Any]) -> None:
    etag = nc.put("/loadBalancers/lb1", lb_body).json()["etag"]
    created = nc.put(
        "/loadBalancers/lb1/probes/Probe2",
        {"properties": {"protocol": "HTTP", "port": "80", "requestPath": "/health.htm"}},
    )
    assert created.status_code == 201
    probe = created.json()
    assert probe["resourceRef"] == "/loadBalancers/lb1/probes/Probe2"
    assert probe["properties"]["intervalInSeconds"] == 15 and probe["properties"]["numberOfProbes"] == 2
    parent = nc.get("/loadBalancers/lb1").json()
    assert parent["etag"] == probe["etag"] != etag
    assert [p["resourceId"] for p in parent["properties"]["probes"]] == ["Probe1", "Probe2"]
    updated = nc.put("/loadBalancers/lb1/probes/probe2", {"properties": {"protocol": "TCP", "port": 8080}})
    assert updated.status_code == 200 and updated.json()["resourceId"] == "Probe2"
    assert nc.get("/loadBalancers/lb1/probes/Probe2").json()["properties"]["port"] == 8080
    assert nc.delete("/loadBalancers/lb1/probes/Probe2").status_code == 202
    assert nc.get("/loadBalancers/lb1/probes/Probe2").status_code == 404
    assert [p["resourceId"] for p in nc.get("/loadBalancers/lb1").json()["properties"]["probes"]] == ["Probe1"]


def test_child_put_requires_parent(nc: NcClient) -> None:
    response = nc.put("/loadBalancers/missing/probes/p", {"properties": {"protocol": "TCP", "port": 1}})
    assert response.status_code == 404 and response.json()["error"]["code"] == "NotFound"


def test_nic_ip_configuration_arrays_and_extras_preserved(nc: NcClient) -> None:
    nic = nc.get(NIC1).json()
    props = nic["properties"]
    ipc = props["ipConfigurations"][0]["properties"]
    assert ipc["loadBalancerBackendAddressPools"] == [] and ipc["loadBalancerInboundNatRules"] == []
    assert props["configurationState"]["status"] == "Success" and props["configurationState"]["detailedInfo"] == []
    assert props["portSettings"]["macSpoofingEnabled"] == "Disabled" and props["privateMacAllocationMethod"] == "Static"
    again = nc.put(NIC1, nic).json()["properties"]
    assert again["portSettings"] == props["portSettings"] and again["dnsSettings"] == props["dnsSettings"]


def test_errors_404_405_and_bad_json(nc: NcClient) -> None:
    missing = nc.get("/loadBalancers/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NotFound"
    assert nc.delete("/loadBalancers/nope").status_code == 404
    assert nc.get("/unknownThings").status_code == 404
    assert nc.request("PATCH", NIC1, json={}).status_code == 405
    assert nc.request("POST", "/loadBalancers", json={}).status_code == 405
    assert nc.put("/loadBalancers", {}).status_code == 405
    bad = nc.request("PUT", "/loadBalancers/x", data=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidRequestBody"
    assert nc.request("PUT", "/loadBalancers/x").status_code == 400
    assert nc.put("/loadBalancers/x", [1, 2]).status_code == 400


def test_discovery(nc: NcClient) -> None:
    response = nc.session.get(f"{nc.uri}/networking/discovery", timeout=5)
    assert response.json()["properties"]["currentRestVersion"] == "v1"


def test_keep_alive_reuses_connection(nc: NcClient) -> None:
    for _ in range(3):
        assert nc.get("/networkInterfaces").status_code == 200
    pool = nc.session.get_adapter(nc.base).poolmanager
    assert sum(p.num_connections for p in pool.pools._container.values()) == 1
