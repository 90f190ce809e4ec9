"""The gRPC control API, the ctl CLI and the status page, over real loopback connections."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import grpc
import pytest
import requests

from sdn_emulator.control.ctl import main as ctl_main
from sdn_emulator.control.gen import control_pb2 as pb
from sdn_emulator.control.gen import control_pb2_grpc as pb_grpc
from sdn_emulator.control.service import ControlServer, Views
from sdn_emulator.control.status import StatusServer

from .dataplane_fixtures import LB, PORT, SCALE, VIP, Lab, ask, lab_fixture, wait_for  # noqa: F401

DEADLINE = 5 * 11 * SCALE + 1.0


@pytest.fixture(name="control")
def control_fixture(lab: Lab) -> Iterator[tuple[ControlServer, pb_grpc.EmulatorControlStub]]:
    server = ControlServer(Views(lab.nc, lab.world, lab.dataplane, lab.topology))
    server.start()
    with grpc.insecure_channel(server.address) as channel:
        yield server, pb_grpc.EmulatorControlStub(channel)
    server.stop()


def test_topology_reports_the_vip_endpoint(lab: Lab, control) -> None:
    _, stub = control
    lab.build()
    topo = stub.GetTopology(pb.GetTopologyRequest(), timeout=5)
    assert [v.resource_id for v in topo.virtual_networks] == ["MyNetwork"]
    assert {n.resource_id: n.node for n in topo.network_interfaces} == {
        "ClusterNode1_Network-Adapter": "DB1",
        "ClusterNode2_Network-Adapter": "DB2",
    }
    assert all(c.backend_address_pools for n in topo.network_interfaces for c in n.ip_configurations)
    [vip] = topo.vips
    assert (vip.vip, vip.frontend_port, vip.host, vip.enable_floating_ip) == (VIP, PORT, "127.0.0.1", True)
    assert vip.endpoint == f"127.0.0.1:{vip.port}"
    [ip] = topo.cluster_ips
    assert (ip.address, ip.probe_port, ip.state, ip.owner_node) == (VIP, 59999, "Online", "DB1")
    assert wait_for(lambda: ask((vip.host, vip.port)) == "DB1", 2)


def test_failover_and_health_over_grpc(lab: Lab, control) -> None:
    _, stub = control
    lab.build()
    endpoint = lab.vip()
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)
    state = stub.MoveClusterGroup(pb.MoveClusterGroupRequest(node="DB2"), timeout=5)
    assert state.cluster_ips[0].owner_node == "DB2"
    assert wait_for(lambda: ask(endpoint) == "DB2", DEADLINE)

    def db1() -> pb.BackendHealth:
        rule = stub.GetProbeHealth(pb.GetProbeHealthRequest(), timeout=5).rules[0]
        return next(b for b in rule.backends if b.node == "DB1")

    assert wait_for(lambda: not db1().healthy, DEADLINE)
    assert db1().consecutive_failures >= 11
    assert "DB1 does not own an online cluster IP with ProbePort 59999" in db1().reason

    stub.StopNode(pb.NodeRequest(node="DB2"), timeout=5)
    assert wait_for(lambda: ask(endpoint) == "DB1", DEADLINE)
    state = stub.StartNode(pb.NodeRequest(node="DB2"), timeout=5)
    assert {n.name: n.state for n in state.nodes} == {"DB1": "Up", "DB2": "Up"}


def test_errors_map_to_status_codes(control) -> None:
    _, stub = control
    with pytest.raises(grpc.RpcError) as info:
        stub.MoveClusterGroup(pb.MoveClusterGroupRequest(node="DB1"), timeout=5)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND and "not part of a cluster" in info.value.details()
    with pytest.raises(grpc.RpcError) as info:
        stub.StopNode(pb.NodeRequest(node="NOPE"), timeout=5)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        stub.InjectFault(pb.InjectFaultRequest(kind="meteor"), timeout=5)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_inject_fault_reaches_model_and_guests(lab: Lab, control) -> None:
    _, stub = control
    lab.build()
    etag = lab.nc.get(LB)["etag"]
    assert stub.InjectFault(pb.InjectFaultRequest(kind="bump_etag", params={"resourceRef": LB}), timeout=5).result
    assert lab.nc.get(LB)["etag"] != etag
    stub.InjectFault(pb.InjectFaultRequest(kind="fail_next", params={"method": "GET", "status": "503"}), timeout=5)
    fault = lab.nc.take_fault("GET", LB)
    assert fault is not None and fault.status == 503
    stub.InjectFault(pb.InjectFaultRequest(kind="provisioning_outcome", params={"resourceRef": LB}), timeout=5)
    lab.nc.put(LB, lab.nc.get(LB))
    assert lab.nc.get(LB)["properties"]["provisioningState"] == "Failed"
    stub.InjectFault(
        pb.InjectFaultRequest(kind="stop_resource", params={"node": "DB1", "resource": "Cluster IP Address"}), timeout=5
    )
    assert lab.world.cluster_ip_online(VIP) is None


def test_counters(lab: Lab, control) -> None:
    _, stub = control
    lab.build()
    lab.nc.record_request("GET", "/loadBalancers")
    endpoint = lab.vip()
    assert wait_for(lambda: ask(endpoint) == "DB1", 2)
    counters = stub.GetCounters(pb.GetCountersRequest(reset_nc=True), timeout=5)
    assert counters.nc_total == 1 and counters.nc_requests[0].collection == "loadBalancers"
    assert dict(counters.winrm_commands) == {"DB1": 0, "DB2": 0}
    assert counters.probes_sent > 0
    assert any(c.node == "DB1" and c.delivered >= 1 for c in counters.connections)
    assert stub.GetCounters(pb.GetCountersRequest(), timeout=5).nc_total == 0


def test_ctl_cli(lab: Lab, control, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    server, _ = control
    lab.build()
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"control": server.address}))
    assert ctl_main(["ctl", "--state-file", str(state), "topology"]) == 0
    assert f"vip {VIP}:{PORT} -> 127.0.0.1:" in capsys.readouterr().out
    assert wait_for(lambda: lab.backend("DB1")["healthy"], 2)
    assert ctl_main(["ctl", "--control", server.address, "health"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"DB1 +\S+ +UP:", out), out
    assert re.search(r"DB2 +\S+ +STANDBY \(DB1 owns the cluster IP\):", out), out
    assert ctl_main(["ctl", "--control", server.address, "failover", "DB2"]) == 0
    assert "Online on DB2" in capsys.readouterr().out
    assert ctl_main(["ctl", "--control", server.address, "stop-node", "DB9"]) == 1
    assert "NOT_FOUND" in capsys.readouterr().err
    assert ctl_main(["ctl", "--control", server.address, "counters"]) == 0
    assert "probes sent:" in capsys.readouterr().out


def test_status_page(lab: Lab) -> None:
    lab.build()
    status = StatusServer(Views(lab.nc, lab.world, lab.dataplane, lab.topology))
    status.start()
    try:
        page = requests.get(status.url, timeout=5)
        assert page.status_code == 200 and "status.json" in page.text
        assert wait_for(lambda: lab.backend("DB1")["healthy"], 2)
        doc = requests.get(status.url + "status.json", timeout=5).json()
        rule = doc["health"]["rules"][0]
        assert rule["owner_node"] == "DB1" and rule["vip"] == VIP
        assert {b["node"]: b["healthy"] for b in rule["backends"]} == {"DB1": True, "DB2": False}
        assert doc["topology"]["cluster_ips"][0]["probe_port"] == 59999
    finally:
        status.stop()


def test_emulator_app_reports_control_and_status() -> None:
    from sdn_emulator.app import Emulator

    with Emulator(provisioning_delay=0.0, probe_time_scale=SCALE) as emu:
        ends = emu.endpoints()
        assert ends["control"].startswith("127.0.0.1:") and ends["status_url"].startswith("http://127.0.0.1:")
        with grpc.insecure_channel(ends["control"]) as channel:
            topo = pb_grpc.EmulatorControlStub(channel).GetTopology(pb.GetTopologyRequest(), timeout=5)
        assert [n.name for n in topo.nodes] == ["DB1", "DB2"] and not topo.vips
        assert requests.get(ends["status_url"], timeout=5).status_code == 200


def test_fail_delete_over_grpc(lab: Lab, control) -> None:
    """The generic InjectFault carries fail_delete: no proto change."""
    _, stub = control
    nic = "/networkInterfaces/ClusterNode1_Network-Adapter"
    params = {"resourceRef": nic, "code": "HostUnreachable", "message": "host DB1 unreachable"}
    assert stub.InjectFault(pb.InjectFaultRequest(kind="fail_delete", params=params), timeout=5).result == "armed"
    _, operation = lab.nc.delete(nic)
    result, _ = lab.nc.operation(operation.operation_id)
    assert result["status"] == "Failed" and result["error"]["message"] == "host DB1 unreachable"
    assert lab.nc.get(nic)["properties"]["provisioningState"] == "Failed"
