"""Fixtures for the data-plane and control tests: the seed's LB in the model, its cluster in a GuestWorld."""

from __future__ import annotations

import copy
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sdn_emulator.dataplane import DataPlane
from sdn_emulator.guests.cluster import GuestWorld
from sdn_emulator.model import NetworkController
from sdn_emulator.topology import Topology, seed_controller

SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
LB = "/loadBalancers/MyNetwork_InternalVIP"
POOL = f"{LB}/backendAddressPools/Backend1"
NICS = ("/networkInterfaces/ClusterNode1_Network-Adapter", "/networkInterfaces/ClusterNode2_Network-Adapter")
VIP, PORT = "192.168.2.100", 1433
SCALE = 0.02  # 5 s x 11 probes -> 1.1 s


def seed_lb(probe_port: int = 59999, floating_ip: bool = True) -> dict[str, Any]:
    """The seed walkthrough's load balancer: Frontend1, Backend1, Probe1 (TCP 59999, 5 s x 11), Rules1."""
    return {
        "properties": {
            "frontendIPConfigurations": [
                {
                    "resourceId": "Frontend1",
                    "properties": {
                        "privateIPAddress": VIP,
                        "privateIPAllocationMethod": "Static",
                        "subnet": {"resourceRef": SUBNET},
                    },
                }
            ],
            "backendAddressPools": [{"resourceId": "Backend1", "properties": {}}],
            "probes": [
                {
                    "resourceId": "Probe1",
                    "properties": {"protocol": "TCP", "port": probe_port, "intervalInSeconds": 5, "numberOfProbes": 11},
                }
            ],
            "loadBalancingRules": [
                {
                    "resourceId": "Rules1",
                    "properties": {
                        "protocol": "TCP",
                        "frontendPort": PORT,
                        "backendPort": PORT,
                        "enableFloatingIP": floating_ip,
                        "idleTimeoutInMinutes": 4,
                        "frontendIPConfigurations": [{"resourceRef": f"{LB}/frontendIPConfigurations/Frontend1"}],
                        "backendAddressPool": {"resourceRef": POOL},
                        "probe": {"resourceRef": f"{LB}/probes/Probe1"},
                    },
                }
            ],
        }
    }


def add_to_pool(nc: NetworkController, nic: str) -> None:
    body = copy.deepcopy(nc.get(nic))
    body["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"].append(
        {"resourceRef": POOL}
    )
    nc.put(nic, body, if_match=body["etag"])


def seed_cluster(world: GuestWorld, probe_port: int = 59999) -> None:
    """The seed's Example 2 on DB1, cycling the IP resource itself so its new parameters take effect."""
    world.new_cluster("DB1", "MyCluster", "DB1", None)
    world.stop_resource("DB1", "Cluster IP Address")
    world.set_parameters(
        "DB1",
        "Cluster IP Address",
        {
            "Address": VIP,
            "ProbePort": probe_port,
            "SubnetMask": "255.255.255.255",
            "Network": "Cluster Network 1",
            "EnableDhcp": 0,
        },
    )
    world.start_resource("DB1", "Cluster IP Address")
    world.start_resource("DB1", "Cluster Name")
    world.add_cluster_node("DB1", "MyCluster", "DB2")


def ask(address: tuple[str, int]) -> str | None:
    """One connection: the line the service answers, or None when the connection fails or is reset."""
    try:
        with socket.create_connection(address, timeout=2) as sock:
            data = sock.recv(100)
    except OSError:
        return None
    return data.decode().strip() or None


def wait_for(predicate: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


@dataclass
class Lab:
    nc: NetworkController
    world: GuestWorld
    dataplane: DataPlane
    topology: Topology

    def build(self, probe_port: int = 59999, floating_ip: bool = True, cluster_probe_port: int = 59999) -> None:
        self.nc.put(LB, seed_lb(probe_port, floating_ip))
        for nic in NICS:
            add_to_pool(self.nc, nic)
        seed_cluster(self.world, cluster_probe_port)
        self.dataplane.sync()

    def vip(self) -> tuple[str, int]:
        endpoint = wait_for(lambda: self.dataplane.endpoint(VIP, PORT), 2)
        assert endpoint, "no mux listener for the VIP"
        return endpoint

    def backend(self, node: str) -> dict[str, Any]:
        rule = self.dataplane.health()[0]
        return next(b for b in rule["backends"] if b["node"] == node)


@pytest.fixture(name="lab")
def lab_fixture() -> Iterator[Lab]:
    topology = Topology.default()
    nc = NetworkController(provisioning_delay=0.0)
    seed_controller(topology, nc)
    world = GuestWorld()
    for node in topology.nodes:
        world.add_node(node.name, node.address, node.subnet_prefix)
    dataplane = DataPlane(nc, world, topology, time_scale=SCALE, sync_interval=0.05)
    dataplane.start()
    try:
        yield Lab(nc, world, dataplane, topology)
    finally:
        dataplane.stop()
