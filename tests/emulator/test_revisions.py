"""The change counters observers poll instead of re-reading everything: NetworkController.version() and
GuestWorld.revision. A missed change would leave the data plane programming a stale load balancer."""

from __future__ import annotations

import copy

from sdn_emulator.guests.cluster import GuestWorld
from sdn_emulator.model.controller import NetworkController

from .conftest import LB_BODY, SUBNET


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _controller(delay: float) -> tuple[NetworkController, Clock]:
    clock = Clock()
    nc = NetworkController(provisioning_delay=delay, clock=clock)
    nc.seed(
        "/virtualNetworks/MyNetwork",
        {
            "properties": {
                "addressSpace": {"addressPrefixes": ["192.168.0.0/16"]},
                "subnets": [{"resourceId": "Subnet2", "properties": {"addressPrefix": "192.168.2.0/24"}}],
            }
        },
    )
    assert SUBNET.startswith("/virtualNetworks/MyNetwork")
    return nc, clock


def test_version_is_stable_without_changes_and_moves_with_every_write() -> None:
    nc, _ = _controller(0.0)
    settled = nc.version()
    assert settled is not None and nc.version() == settled
    nc.put("/loadBalancers/lb1", copy.deepcopy(LB_BODY))
    after_put = nc.version()
    assert after_put is not None and after_put != settled
    nc.bump_etag("/loadBalancers/lb1")
    assert nc.version() != after_put


def test_version_is_unknown_while_provisioning_timers_run() -> None:
    nc, clock = _controller(2.0)
    nc.put("/loadBalancers/lb1", copy.deepcopy(LB_BODY))
    assert nc.version() is None  # Updating turns into Succeeded with time alone
    clock.now += 2.0
    settled = nc.version()
    assert settled is not None
    nc.delete("/loadBalancers/lb1")
    assert nc.version() is None
    clock.now += 2.0
    gone = nc.version()
    assert gone is not None and gone != settled
    assert nc.list("loadBalancers") == []


def test_held_provisioning_stays_unknown_until_released() -> None:
    nc, clock = _controller(0.0)
    nc.hold_provisioning("/loadBalancers/lb1")
    nc.put("/loadBalancers/lb1", copy.deepcopy(LB_BODY))
    clock.now += 1000
    assert nc.version() is None
    nc.release_provisioning()
    assert nc.version() is not None


def test_world_revision_moves_with_node_and_cluster_changes_only() -> None:
    world = GuestWorld()
    world.add_node("DB1", "192.168.2.11", "192.168.2.0/24")
    world.add_node("DB2", "192.168.2.12", "192.168.2.0/24")
    start = world.revision
    world.node_cluster_state("DB1"), world.snapshot(), world.is_up("DB1")
    assert world.revision == start
    world.new_cluster("DB1", "SQLCluster", "DB1", None)
    after_new = world.revision
    assert after_new > start
    world.stop_node("DB1")
    assert world.revision > after_new
