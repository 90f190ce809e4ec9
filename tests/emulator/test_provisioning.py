"""Asynchronous provisioning, If-Match and the not-terminal 409, on an emulator with a 0.2 s delay."""

from __future__ import annotations

from typing import Any

from tests.waiting import wait_until

from .conftest import NIC1, NcClient


def _wait_state(nc: NcClient, path: str, want: str, timeout: float = 3.0) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        body = nc.get(path).json()
        return body if body["properties"]["provisioningState"] == want else None

    body = wait_until(reached, timeout, f"{path} to reach {want}")
    assert body["properties"]["provisioningState"] == want
    return body


def test_updating_then_succeeded(slow_nc: NcClient, lb_body: dict[str, Any]) -> None:
    created = slow_nc.put("/loadBalancers/lb1", lb_body).json()
    assert created["properties"]["provisioningState"] == "Updating"
    assert created["properties"]["probes"][0]["properties"]["provisioningState"] == "Updating"
    busy = slow_nc.put("/loadBalancers/lb1/probes/Probe1", {"properties": {"protocol": "TCP", "port": 1}})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "ResourceNotTerminal"
    assert slow_nc.put("/loadBalancers/lb1", lb_body).status_code == 409
    done = _wait_state(slow_nc, "/loadBalancers/lb1", "Succeeded")
    assert done["properties"]["probes"][0]["properties"]["provisioningState"] == "Succeeded"


def test_child_put_leaves_siblings_alone(slow_nc: NcClient, lb_body: dict[str, Any]) -> None:
    slow_nc.put("/loadBalancers/lb1", lb_body)
    _wait_state(slow_nc, "/loadBalancers/lb1", "Succeeded")
    slow_nc.put("/loadBalancers/lb1/probes/Probe2", {"properties": {"protocol": "TCP", "port": 80}})
    lb = slow_nc.get("/loadBalancers/lb1").json()["properties"]
    assert lb["provisioningState"] == "Updating"
    assert [p["properties"]["provisioningState"] for p in lb["probes"]] == ["Succeeded", "Updating"]


def test_deleting_then_404(slow_nc: NcClient, lb_body: dict[str, Any]) -> None:
    slow_nc.put("/loadBalancers/lb1", lb_body)
    _wait_state(slow_nc, "/loadBalancers/lb1", "Succeeded")
    deleted = slow_nc.delete("/loadBalancers/lb1")
    assert deleted.status_code == 202 and deleted.json()["properties"]["provisioningState"] == "Deleting"
    assert slow_nc.get("/loadBalancers/lb1").json()["properties"]["provisioningState"] == "Deleting"
    assert slow_nc.delete("/loadBalancers/lb1").status_code == 202
    wait_until(lambda: slow_nc.get("/loadBalancers/lb1").status_code == 404, 3.0, "lb1 to be deleted")
    assert slow_nc.get("/loadBalancers/lb1").json()["error"]["code"] == "NotFound"


def test_child_put_under_a_failed_parent_is_409(nc: NcClient, lb_body: dict[str, Any]) -> None:
    """[MS-NCNBI] 1.3.3.3: a descendant PUT while the parent is Failed gets 409; the parent itself may be re-PUT."""
    nc.admin("POST", "faults", json={"kind": "provisioning_outcome", "resourceRef": "/loadBalancers/lb1"})
    assert nc.put("/loadBalancers/lb1", lb_body).json()["properties"]["provisioningState"] == "Failed"
    refused = nc.put("/loadBalancers/lb1/probes/Probe2", {"properties": {"protocol": "Tcp", "port": 80}})
    assert refused.status_code == 409 and "Failed" in refused.json()["error"]["message"]
    assert nc.get("/loadBalancers/lb1/probes/Probe2").status_code == 404
    assert nc.put("/loadBalancers/lb1", lb_body).json()["properties"]["provisioningState"] == "Succeeded"
    assert (
        nc.put("/loadBalancers/lb1/probes/Probe2", {"properties": {"protocol": "Tcp", "port": 80}}).status_code == 201
    )


def test_nic_ip_configuration_put_under_a_failed_nic_is_409(nc: NcClient) -> None:
    nc.admin("POST", "faults", json={"kind": "provisioning_outcome", "resourceRef": NIC1})
    nic = nc.get(NIC1).json()
    assert nc.put(NIC1, nic).json()["properties"]["provisioningState"] == "Failed"
    ipc = nic["properties"]["ipConfigurations"][0]
    assert nc.put(f"{NIC1}/ipConfigurations/ipconfig1", ipc).status_code == 409


def test_nic_configuration_state_follows_provisioning(slow_nc: NcClient) -> None:
    nic = slow_nc.get(NIC1).json()
    updating = slow_nc.put(NIC1, nic).json()["properties"]
    assert updating["provisioningState"] == "Updating" and updating["configurationState"]["status"] == "InProgress"
    done = _wait_state(slow_nc, NIC1, "Succeeded")["properties"]["configurationState"]
    assert done["status"] == "Success" and done["detailedInfo"] == []


def test_if_match(nc: NcClient) -> None:
    nic = nc.get(NIC1).json()
    stale = nic["etag"]
    assert nc.put(NIC1, nic, headers={"If-Match": stale}).status_code == 200
    rejected = nc.put(NIC1, nic, headers={"If-Match": stale})
    assert rejected.status_code == 412 and rejected.json()["error"]["code"] == "PreconditionFailed"
    assert nc.put(NIC1, nic, headers={"If-Match": "*"}).status_code == 200
    assert nc.put(NIC1, nic).status_code == 200
    assert nc.put("/loadBalancers/new", {"properties": {}}, headers={"If-Match": stale}).status_code == 412
    current = nc.get(NIC1).json()["etag"]
    assert nc.delete(NIC1, headers={"If-Match": stale}).status_code == 412
    assert nc.delete(NIC1, headers={"If-Match": current}).status_code == 202


def test_child_if_match_uses_parent_etag(nc: NcClient, lb_body: dict[str, Any]) -> None:
    etag = nc.put("/loadBalancers/lb1", lb_body).json()["etag"]
    probe = {"properties": {"protocol": "TCP", "port": 100}}
    assert nc.put("/loadBalancers/lb1/probes/Probe1", probe, headers={"If-Match": etag}).status_code == 200
    assert nc.put("/loadBalancers/lb1/probes/Probe1", probe, headers={"If-Match": etag}).status_code == 412
