"""Emulator-only admin API: request counters, fault injection, inventory snapshot."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sdn_emulator.app import Emulator
from tests.waiting import wait_until

from .conftest import NIC1, NcClient


def _state(nc: NcClient, path: str) -> str:
    return nc.get(path).json()["properties"]["provisioningState"]


def _count(nc: NcClient, method: str, collection: str) -> int:
    stats = nc.admin("GET", "stats").json()
    return next((r["count"] for r in stats["requests"] if (r["method"], r["collection"]) == (method, collection)), 0)


def test_counters_and_reset(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    nc.get("/LoadBalancers/lb1/probes/Probe1")
    nc.get("/loadBalancers")
    assert _count(nc, "GET", "loadBalancers") == 2 and _count(nc, "PUT", "loadBalancers") == 1
    assert nc.admin("POST", "stats/reset").status_code == 200
    assert nc.admin("GET", "stats").json() == {"requests": [], "total": 0, "statuses": {}}


def test_stats_count_responses_by_status(nc: NcClient) -> None:
    nc.get(NIC1)
    nc.get("/loadBalancers/missing")
    nc.admin("POST", "faults", json={"kind": "fail_next", "status": 500})
    nc.get(NIC1)
    assert nc.admin("GET", "stats").json()["statuses"] == {"200": 1, "404": 1, "500": 1}


def test_fail_next(nc: NcClient) -> None:
    armed = nc.admin(
        "POST",
        "faults",
        json={"kind": "fail_next", "method": "GET", "collection": "networkInterfaces", "status": 503, "count": 2},
    )
    assert armed.status_code == 200
    assert nc.get("/virtualNetworks").status_code == 200
    first, second = nc.get(NIC1), nc.get("/networkinterfaces")
    assert first.status_code == second.status_code == 503
    assert first.json()["error"]["code"] == "ServiceUnavailable"
    assert nc.get(NIC1).status_code == 200
    nc.admin("POST", "faults", json={"kind": "fail_next", "status": 429})
    throttled = nc.put(NIC1, {"properties": {}})  # a wildcard fault answers before any validation
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "TooManyRequests"
    assert nc.admin("POST", "faults", json={"kind": "nope"}).status_code == 400


def test_bump_etag_causes_412(nc: NcClient) -> None:
    nic = nc.get(NIC1).json()
    new = nc.admin("POST", "faults", json={"kind": "bump_etag", "resourceRef": NIC1.lower()}).json()["etag"]
    assert new != nic["etag"]
    assert nc.put(NIC1, nic, headers={"If-Match": nic["etag"]}).status_code == 412
    assert nc.put(NIC1, nic, headers={"If-Match": new}).status_code == 200


def test_provisioning_outcome_failed(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.admin(
        "POST",
        "faults",
        json={
            "kind": "provisioning_outcome",
            "resourceRef": "/loadBalancers/lb1",
            "state": "Failed",
            "detail": "VIP 192.168.2.100 is already in use",
        },
    )
    lb = nc.put("/loadBalancers/lb1", lb_body).json()["properties"]
    assert lb["provisioningState"] == "Failed"
    info = lb["configurationState"]["detailedInfo"][0]
    assert lb["configurationState"]["status"] == "Failure" and "already in use" in info["message"]
    assert nc.put("/loadBalancers/lb1", lb_body).json()["properties"]["provisioningState"] == "Succeeded"


def test_inventory_matches_model_snapshot(nc: NcClient, nc_emulator: Emulator, lb_body: dict[str, Any]) -> None:
    nc.put("/loadBalancers/lb1", lb_body)
    inventory = nc.admin("GET", "inventory").json()
    assert inventory == nc_emulator.controller.snapshot()
    assert [lb["resourceId"] for lb in inventory["loadBalancers"]] == ["lb1"]
    assert len(inventory["networkInterfaces"]) == 2 and len(inventory["virtualNetworks"]) == 1


def test_drop_next_closes_the_connection_unanswered(nc: NcClient) -> None:
    nc.admin("POST", "faults", json={"kind": "drop_next", "method": "GET", "collection": "networkInterfaces"})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(nc.uri + "/networking/v1" + NIC1, timeout=5)
    assert nc.get(NIC1).status_code == 200
    assert nc.admin("GET", "stats").json()["statuses"]["0"] == 1


def test_slow_next_processes_then_answers_late(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.admin("POST", "faults", json={"kind": "slow_next", "method": "PUT", "seconds": 1.5})
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.put(nc.uri + "/networking/v1/loadBalancers/lb1", json=lb_body, timeout=0.5)
    # The PUT was applied even though nobody heard the answer.
    wait_until(lambda: nc.get("/loadBalancers/lb1").status_code == 200, 5.0, "the unanswered PUT of lb1 to apply")
    assert nc.get("/loadBalancers/lb1").json()["resourceId"] == "lb1"


def test_hold_provisioning_until_released(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.admin("POST", "faults", json={"kind": "hold_provisioning", "resourceRef": "/loadBalancers/lb1"})
    assert nc.put("/loadBalancers/lb1", lb_body).json()["properties"]["provisioningState"] == "Updating"
    # A PUT made after lb1's, and not held, finishes (this emulator has no provisioning delay); lb1 does not.
    assert nc.put(NIC1, nc.get(NIC1).json()).status_code == 200
    wait_until(lambda: _state(nc, NIC1) == "Succeeded", 5.0, "the unheld NIC PUT to finish provisioning")
    assert _state(nc, "/loadBalancers/lb1") == "Updating"
    nc.admin("POST", "faults", json={"kind": "clear_faults"})
    assert nc.get("/loadBalancers/lb1").json()["properties"]["provisioningState"] == "Succeeded"
    nc.admin("POST", "faults", json={"kind": "hold_provisioning", "resourceRef": "/loadBalancers/lb1"})
    assert nc.delete("/loadBalancers/lb1").json()["properties"]["provisioningState"] == "Deleting"
    assert nc.get("/loadBalancers/lb1").status_code == 200
    nc.admin("POST", "faults", json={"kind": "release_provisioning"})
    assert nc.get("/loadBalancers/lb1").status_code == 404


def test_guest_faults_through_the_rest_admin_endpoint(nc: NcClient, nc_emulator: Emulator) -> None:
    armed = nc.admin("POST", "faults", json={"kind": "fail_command", "node": "DB1", "script": "get_cluster"})
    assert armed.json()["result"] == "armed"
    assert nc_emulator.guest_world.take_command_fault("db1", "GET_CLUSTER") is not None
    assert nc_emulator.guest_world.take_command_fault("DB1", "get_cluster") is None
    assert nc.admin("POST", "faults", json={"kind": "fail_command", "node": "nope"}).status_code == 400
