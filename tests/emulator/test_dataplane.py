"""The simulated SLB data plane against the seed topology: probes, floating IP, failover, deletion."""

from __future__ import annotations

import time

from .dataplane_fixtures import LB, NICS, PORT, SCALE, VIP, Lab, ask, lab_fixture, wait_for  # noqa: F401

DEADLINE = 5 * 11 * SCALE + 1.0  # interval x probes, scaled, plus sync slack


def test_vip_answers_with_the_owner_node(lab: Lab) -> None:
    lab.build()
    assert wait_for(lambda: ask(lab.vip()) == "DB1", 2)
    db1, db2 = lab.backend("DB1"), lab.backend("DB2")
    assert db1["healthy"] and "answered" in db1["reason"]
    assert not db2["healthy"]
    assert "DB2 does not own an online cluster IP with ProbePort 59999" in db2["reason"]
    assert lab.dataplane.health()[0]["owner_node"] == "DB1"


def test_failover_moves_traffic_within_interval_times_probes(lab: Lab) -> None:
    lab.build()
    endpoint = lab.vip()
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)
    moved = time.monotonic()
    lab.world.move_group("DB2")
    assert wait_for(lambda: all(ask(endpoint) == "DB2" for _ in range(4)), DEADLINE)
    took = time.monotonic() - moved
    assert took < DEADLINE
    assert wait_for(lambda: not lab.backend("DB1")["healthy"], DEADLINE)
    assert lab.backend("DB1")["consecutive_failures"] >= 11


def test_stopped_node_fails_over(lab: Lab) -> None:
    lab.build()
    endpoint = lab.vip()
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)
    lab.world.stop_node("DB1")
    assert wait_for(lambda: ask(endpoint) == "DB2", DEADLINE)
    assert wait_for(lambda: "node DB1 is stopped" in lab.backend("DB1")["reason"], 1)


def test_without_floating_ip_nothing_connects(lab: Lab) -> None:
    lab.build(floating_ip=False)
    endpoint = lab.vip()
    assert wait_for(lambda: lab.backend("DB1")["healthy"], 2)
    assert all(ask(endpoint) is None for _ in range(3))
    assert "enableFloatingIP is false" in lab.backend("DB1")["delivery"]


def test_probe_port_mismatch_keeps_every_member_down(lab: Lab) -> None:
    lab.build(probe_port=59998)
    endpoint = lab.vip()
    assert wait_for(lambda: lab.backend("DB1")["probes_sent"] >= 2, 2)
    assert ask(endpoint) is None
    db1 = lab.backend("DB1")
    assert not db1["healthy"]
    assert "has ProbePort 59999, not 59998" in db1["reason"]


def test_no_probe_port_on_the_cluster_ip(lab: Lab) -> None:
    lab.build(cluster_probe_port=0)
    assert wait_for(lambda: lab.backend("DB1")["probes_sent"] >= 2, 2)
    assert ask(lab.vip()) is None
    assert "no ProbePort set" in lab.backend("DB1")["reason"]


def test_cluster_ip_offline(lab: Lab) -> None:
    lab.build()
    endpoint = lab.vip()
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)
    lab.world.stop_resource("DB1", "Cluster IP Address")
    assert wait_for(lambda: ask(endpoint) is None, 1)
    assert wait_for(lambda: not lab.backend("DB1")["healthy"], DEADLINE)
    assert "offline on every node" in lab.backend("DB1")["reason"]


def test_deleting_the_lb_closes_its_listener(lab: Lab) -> None:
    lab.build()
    endpoint = lab.vip()
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)
    for nic in NICS:
        body = lab.nc.get(nic)
        body["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
        lab.nc.put(nic, body)
    lab.nc.delete(LB)
    assert wait_for(lambda: lab.dataplane.endpoint(VIP, PORT) is None, 1)
    assert lab.dataplane.endpoints() == []
    assert ask(endpoint) is None


def test_updating_lb_keeps_the_programmed_listener(lab: Lab) -> None:
    lab.build()
    endpoint = lab.vip()
    lab.nc.provisioning_delay = 0.5
    lab.nc.put(
        f"{LB}/probes/Probe1",
        {"properties": {"protocol": "TCP", "port": 59999, "intervalInSeconds": 5, "numberOfProbes": 11}},
    )
    lab.dataplane.sync()
    assert lab.dataplane.endpoint(VIP, PORT) == endpoint
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)


def test_http_probe_needs_200(lab: Lab) -> None:
    lab.build()
    lab.nc.put(
        f"{LB}/probes/Probe1",
        {
            "properties": {
                "protocol": "HTTP",
                "port": 59999,
                "intervalInSeconds": 5,
                "numberOfProbes": 11,
                "requestPath": "/health",
            }
        },
    )
    assert wait_for(lambda: lab.dataplane.health()[0]["probe_protocol"] == "HTTP", 1)
    assert wait_for(lambda: lab.backend("DB1")["healthy"] and lab.backend("DB1")["probes_sent"] >= 1, 2)
    assert wait_for(lambda: ask(lab.vip()) == "DB1", 2)


def test_everything_is_loopback(lab: Lab) -> None:
    lab.build()
    assert {e["host"] for e in lab.dataplane.endpoints()} == {"127.0.0.1"}
