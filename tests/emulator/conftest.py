"""Fixtures: an in-process emulator on a free loopback port and a tiny NC REST client over requests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sdn_emulator.app import Emulator
from sdn_emulator.tls import TlsMaterial, ensure_tls_material

SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
NIC1 = "/networkInterfaces/ClusterNode1_Network-Adapter"
NIC2 = "/networkInterfaces/ClusterNode2_Network-Adapter"
POOL = "/loadBalancers/lb1/backendAddressPools/BE1"

LB_BODY: dict[str, Any] = {
    "resourceId": "lb1",
    "properties": {
        "frontendIPConfigurations": [
            {
                "resourceId": "FE1",
                "properties": {
                    "privateIPAddress": "192.168.2.100",
                    "privateIPAllocationMethod": "Static",
                    "subnet": {"resourceRef": SUBNET},
                },
            }
        ],
        "backendAddressPools": [{"resourceId": "BE1", "properties": {}}],
        "probes": [
            {
                "resourceId": "Probe1",
                "properties": {"protocol": "TCP", "port": 59999, "intervalInSeconds": 5, "numberOfProbes": 11},
            }
        ],
        "loadBalancingRules": [
            {
                "resourceId": "Rule1",
                "properties": {
                    "protocol": "TCP",
                    "frontendPort": 1433,
                    "backendPort": 1433,
                    "enableFloatingIP": True,
                    "idleTimeoutInMinutes": 4,
                    "loadDistribution": "Default",
                    "frontendIPConfigurations": [{"resourceRef": "/loadBalancers/lb1/frontendIPConfigurations/FE1"}],
                    "backendAddressPool": {"resourceRef": POOL},
                    "probe": {"resourceRef": "/loadBalancers/lb1/probes/Probe1"},
                },
            }
        ],
    },
}


class NcClient:
    """Just enough of an NC client for contract tests: base URL, TLS options, JSON in and out."""

    def __init__(self, uri: str, **request_options: Any) -> None:
        self.base = f"{uri}/networking/v1"
        self.uri = uri
        self.session = requests.Session()
        self.options = request_options

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=10, **{**self.options, **kwargs})

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.uri}/_emulator/{path}", timeout=10, **kwargs)

    def add_to_pool(self, nic: str, pool: str = POOL) -> requests.Response:
        body = self.get(nic).json()
        body["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"].append(
            {"resourceRef": pool}
        )
        return self.put(nic, body, headers={"If-Match": body["etag"]})


@pytest.fixture
def lb_body() -> dict[str, Any]:
    return copy.deepcopy(LB_BODY)


@pytest.fixture
def nc_emulator() -> Iterator[Emulator]:
    """An in-process emulator (no provisioning delay); named apart from the e2e ``emulator`` process fixture."""
    with Emulator(provisioning_delay=0.0) as emu:
        yield emu


@pytest.fixture
def nc(nc_emulator: Emulator) -> NcClient:
    return NcClient(nc_emulator.endpoints()["nc_uri"])


@pytest.fixture
def slow_nc() -> Iterator[NcClient]:
    """An emulator whose PUT/DELETE stay Updating/Deleting for 0.2 s."""
    with Emulator(provisioning_delay=0.2) as emu:
        yield NcClient(emu.endpoints()["nc_uri"])


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return ensure_tls_material(tmp_path_factory.mktemp("tls"))
