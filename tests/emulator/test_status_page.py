"""The status page's member labels: a passive node is a standby, a failover shows the probe count to the limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sdn_emulator.control.service import Views
from sdn_emulator.control.status import StatusServer, member_display

from .dataplane_fixtures import SCALE, Lab, lab_fixture, wait_for  # noqa: F401

DEADLINE = 5 * 11 * SCALE + 1.0


@pytest.fixture(name="status")
def status_fixture(lab: Lab) -> Iterator[StatusServer]:
    server = StatusServer(Views(lab.nc, lab.world, lab.dataplane, lab.topology))
    server.start()
    yield server
    server.stop()


def _displays(status: StatusServer) -> dict[str, dict[str, str]]:
    rule = requests.get(status.url + "status.json", timeout=5).json()["health"]["rules"][0]
    return {b["node"]: b["display"] for b in rule["backends"]}


def test_passive_node_is_standby_and_failover_counts_toward_the_threshold(lab: Lab, status: StatusServer) -> None:
    lab.build()
    assert wait_for(lambda: lab.backend("DB1")["healthy"] and lab.backend("DB2")["probes_sent"], 2)
    shown = _displays(status)
    assert shown["DB1"] == {"state": "up", "text": "UP"}
    assert shown["DB2"] == {"state": "standby", "text": "STANDBY (DB1 owns the cluster IP)"}

    lab.world.move_group("DB2")
    failing = wait_for(lambda: (d := _displays(status)["DB1"])["state"] == "failing" and d, DEADLINE)
    assert failing["text"].startswith("UP, failing ") and failing["text"].endswith("/11")
    assert 1 <= int(failing["text"].removeprefix("UP, failing ").split("/")[0]) < 11
    assert wait_for(lambda: _displays(status) == _after_failover(), DEADLINE)

    lab.world.stop_node("DB1")
    assert wait_for(lambda: _displays(status)["DB1"]["state"] == "down", DEADLINE)


def _after_failover() -> dict[str, dict[str, str]]:
    return {
        "DB1": {"state": "standby", "text": "STANDBY (DB2 owns the cluster IP)"},
        "DB2": {"state": "up", "text": "UP"},
    }


RULE: dict[str, Any] = {"probe": "/loadBalancers/lb1/probes/Probe1", "number_of_probes": 11, "owner_node": "DB1"}
BACKEND: dict[str, Any] = {"node": "DB2", "healthy": False, "consecutive_failures": 4, "probes_sent": 4}
NODES = [{"name": "DB1", "state": "Up", "cluster": "MyCluster"}, {"name": "DB2", "state": "Up", "cluster": "MyCluster"}]


@pytest.mark.parametrize(
    ("rule", "backend", "nodes", "expected"),
    [
        ({}, {}, NODES, ("standby", "STANDBY (DB1 owns the cluster IP)")),
        ({}, {}, [NODES[0], {**NODES[1], "state": "Down"}], ("down", "DOWN (4 failed probes)")),
        ({}, {}, [NODES[0], {**NODES[1], "cluster": ""}], ("down", "DOWN (4 failed probes)")),
        ({"owner_node": ""}, {}, NODES, ("down", "DOWN (4 failed probes)")),
        ({}, {"node": "DB1"}, NODES, ("down", "DOWN (4 failed probes)")),
        ({}, {"probes_sent": 0, "consecutive_failures": 0}, NODES, ("pending", "not probed yet")),
        ({}, {"healthy": True, "consecutive_failures": 3}, NODES, ("failing", "UP, failing 3/11")),
        ({"probe": ""}, {"healthy": True, "consecutive_failures": 0}, NODES, ("up", "UP (no probe)")),
    ],
    ids=[
        "standby",
        "node-down",
        "not-clustered",
        "ip-offline",
        "owner-not-answering",
        "pending",
        "failing",
        "no-probe",
    ],
)
def test_member_display(rule: dict, backend: dict, nodes: list, expected: tuple[str, str]) -> None:
    shown = member_display({**BACKEND, **backend}, {**RULE, **rule}, nodes)
    assert (shown["state"], shown["text"]) == expected
