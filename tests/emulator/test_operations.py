"""Asynchronous DELETE ([MS-NCNBI] 1.3.2.1): 202 + Location/Azure-AsyncOperation -> operationResults/{id},
polled until Succeeded or Failed (1.3.2.6, 3.1.5.13); the ``fail_delete`` fault makes one end Failed."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from sdn_emulator.app import Emulator
from sdn_emulator.model import NcError, NetworkController
from sdn_emulator.model.controller import OPERATIONS_KEPT

from .conftest import NcClient

LB = "/loadBalancers/lb1"


def _poll(nc: NcClient, url: str, timeout: float = 5.0) -> requests.Response:
    """Follow an operation URL until it stops answering 202."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        response = nc.session.get(url, timeout=5)
        if response.status_code != 202:
            return response
        assert response.json()["status"] == "InProgress"
        time.sleep(0.02)
    raise AssertionError(f"{url} still InProgress")


def _fail_delete(nc: NcClient, ref: str = LB, **extra: Any) -> None:
    fault = {"kind": "fail_delete", "resourceRef": ref, "code": "SlbConfigurationFailed", "message": "Mux unreachable"}
    assert nc.admin("POST", "faults", json={**fault, **extra}).status_code == 200


def test_delete_answers_202_with_operation_urls(slow_nc: NcClient, lb_body: dict[str, Any]) -> None:
    slow_nc.put(LB, lb_body)
    time.sleep(0.25)
    response = slow_nc.delete(LB)
    assert response.status_code == 202
    assert response.json()["properties"]["provisioningState"] == "Deleting"
    request_id = response.headers["x-ms-request-id"]
    url = response.headers["Azure-AsyncOperation"]
    assert url == response.headers["Location"] == f"{slow_nc.base}/operationResults/{request_id}"
    assert "Retry-After" not in response.headers  # less than a second remains (0.2 s delay)
    running = slow_nc.session.get(url, timeout=5)
    assert running.status_code == 202
    assert running.json() == {
        "operationId": request_id,
        "status": "InProgress",
        "startTime": running.json()["startTime"],
    }
    done = _poll(slow_nc, url)
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "Succeeded" and body["operationId"] == request_id
    assert body["startTime"] <= body["endTime"] and "error" not in body
    assert slow_nc.get(LB).status_code == 404


def test_unknown_operation_is_404(nc: NcClient) -> None:
    response = nc.get("/operationResults/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NotFound"


def test_retry_after_only_while_a_second_or_more_remains() -> None:
    with Emulator(provisioning_delay=2.5) as emu:
        nc = NcClient(emu.endpoints()["nc_uri"])
        emu.controller.seed(LB, {"properties": {}})
        response = nc.delete(LB)
        assert response.status_code == 202 and 1 <= int(response.headers["Retry-After"]) <= 3
        polled = nc.session.get(response.headers["Location"], timeout=5)
        assert polled.status_code == 202 and 1 <= int(polled.headers["Retry-After"]) <= 3
        emu.controller.release_provisioning()
        finished = nc.session.get(response.headers["Location"], timeout=5)
        assert finished.status_code == 200 and "Retry-After" not in finished.headers


def test_failed_delete_keeps_the_resource_failed(slow_nc: NcClient, lb_body: dict[str, Any]) -> None:
    slow_nc.put(LB, lb_body)
    time.sleep(0.25)
    _fail_delete(slow_nc)
    response = slow_nc.delete(LB)
    assert response.status_code == 202 and response.json()["properties"]["provisioningState"] == "Deleting"
    result = _poll(slow_nc, response.headers["Azure-AsyncOperation"])
    assert result.status_code == 200
    body = result.json()
    assert body["status"] == "Failed"
    assert body["error"] == {"code": "SlbConfigurationFailed", "message": "Mux unreachable", "details": []}
    lb = slow_nc.get(LB).json()["properties"]
    assert lb["provisioningState"] == "Failed"
    assert lb["configurationState"]["detailedInfo"][0]["message"] == "Mux unreachable"
    assert {p["properties"]["provisioningState"] for p in lb["probes"]} == {"Failed"}
    refused = slow_nc.put("/loadBalancers/lb1/probes/Probe2", {"properties": {"protocol": "Tcp", "port": 80}})
    assert refused.status_code == 409  # [MS-NCNBI] 1.3.3.3: the parent is Failed
    again = slow_nc.delete(LB)
    assert again.status_code == 202
    assert _poll(slow_nc, again.headers["Location"]).json()["status"] == "Succeeded"
    assert slow_nc.get(LB).status_code == 404


def test_failed_delete_of_a_child(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put(LB, lb_body)
    nc.delete("/loadBalancers/lb1/loadBalancingRules/Rule1")
    _fail_delete(nc, "/loadBalancers/lb1/probes/Probe1", count=2)
    for _ in range(2):
        response = nc.delete("/loadBalancers/lb1/probes/Probe1")
        assert _poll(nc, response.headers["Location"]).json()["status"] == "Failed"
        assert nc.get("/loadBalancers/lb1/probes/Probe1").json()["properties"]["provisioningState"] == "Failed"
    assert nc.get(LB).json()["properties"]["provisioningState"] == "Succeeded"
    response = nc.delete("/loadBalancers/lb1/probes/Probe1")
    assert _poll(nc, response.headers["Location"]).json()["status"] == "Succeeded"
    assert nc.get("/loadBalancers/lb1/probes/Probe1").status_code == 404


def test_held_delete_stays_in_progress_without_retry_after(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put(LB, lb_body)
    nc.admin("POST", "faults", json={"kind": "hold_provisioning", "resourceRef": LB})
    url = nc.delete(LB).headers["Location"]
    polled = nc.session.get(url, timeout=5)
    assert polled.status_code == 202 and "Retry-After" not in polled.headers
    busy = nc.put("/loadBalancers/lb1/probes/Probe2", {"properties": {"protocol": "Tcp", "port": 80}})
    assert busy.status_code == 409  # [MS-NCNBI] 1.3.3.3: the parent is Deleting
    nc.admin("POST", "faults", json={"kind": "release_provisioning"})
    assert nc.session.get(url, timeout=5).json()["status"] == "Succeeded"


def test_fail_delete_cleared_and_bad_parameters(nc: NcClient, lb_body: dict[str, Any]) -> None:
    nc.put(LB, lb_body)
    _fail_delete(nc)
    nc.admin("POST", "faults", json={"kind": "clear_faults"})
    assert _poll(nc, nc.delete(LB).headers["Location"]).json()["status"] == "Succeeded"
    bad = nc.admin("POST", "faults", json={"kind": "fail_delete", "resourceRef": LB, "count": 0})
    assert bad.status_code == 400
    assert nc.admin("POST", "faults", json={"kind": "fail_delete", "code": "X"}).status_code == 400


def test_operations_are_bounded() -> None:
    nc = NetworkController(provisioning_delay=0.0)
    nc.seed(LB, {"properties": {}})
    first = nc.delete(LB)[1].operation_id
    for i in range(OPERATIONS_KEPT):
        nc.seed(f"/loadBalancers/x{i}", {"properties": {}})
        nc.delete(f"/loadBalancers/x{i}")
    with pytest.raises(NcError, match="not found"):
        nc.operation(first)
