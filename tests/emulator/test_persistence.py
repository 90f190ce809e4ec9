"""``--data-dir``: a restarted ``sdn-emulator serve`` resumes with the same objects, clusters, endpoints and
credentials, driven through the real console script, NC REST (requests) and WinRM (the provider's pypsrp client)."""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from sdn_emulator.persistence import STATE_NAME
from sdn_emulator.process import SDN_EMULATOR, EmulatorProcess
from sdn_emulator.topology import DEFAULT_TOPOLOGY
from sdn_provider.cluster.transport import WinRMSettings, close_connections, run_script
from tests.waiting import wait_until

from .conftest import LB_BODY, NIC1, POOL

SAME_ACROSS_RESTARTS = (
    "nc_uri",
    "ca_file",
    "winrm_endpoints",
    "winrm_username",
    "winrm_password",
    "control",
    "status_url",
)


def _start(workdir: Path, *args: str, delay: float = 0.0) -> EmulatorProcess:
    return EmulatorProcess.start("--data-dir", str(workdir / "data"), *args, delay=delay, workdir=workdir)


def _nc(emu: EmulatorProcess, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, emu.info["nc_uri"] + "/networking/v1" + path, timeout=10, **kwargs)


def _fault(emu: EmulatorProcess, kind: str, **params: str) -> None:
    answer = requests.post(emu.info["nc_uri"] + "/_emulator/faults", json={"kind": kind, **params}, timeout=10)
    assert answer.ok, answer.text


def _winrm(emu: EmulatorProcess, node: str) -> WinRMSettings:
    info = emu.info
    return WinRMSettings(
        endpoint=info["winrm_endpoints"][node],
        auth="ntlm",
        username=info["winrm_username"],
        password=info["winrm_password"],
        ca_cert_file=info["ca_file"],
        operation_timeout=10,
        connection_timeout=10,
    )


def _stopped(emu: EmulatorProcess) -> None:
    close_connections()  # pooled WinRM sessions belong to the process that is going away
    emu.stop(remove_workdir=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_restart_resumes_objects_clusters_and_endpoints(tmp_path: Path) -> None:
    emu = _start(tmp_path)
    try:
        assert _nc(emu, "PUT", "/loadBalancers/lb1", json=LB_BODY).status_code == 201
        nic = _nc(emu, "GET", NIC1).json()
        ipc = nic["properties"]["ipConfigurations"][0]
        ipc["properties"]["loadBalancerBackendAddressPools"] = [{"resourceRef": POOL}]
        assert _nc(emu, "PUT", NIC1, json=nic, headers={"If-Match": nic["etag"]}).status_code == 200
        db1 = _winrm(emu, "DB1")
        run_script(db1, "new_cluster", {"name": "MyCluster", "node": "DB1", "static_address": None})
        run_script(db1, "add_cluster_node", {"cluster": "MyCluster", "node": "DB2"})
        before = {p: _nc(emu, "GET", p).json() for p in ("/loadBalancers/lb1", NIC1)}
        cluster_before = run_script(db1, "get_cluster", {})
        info_before = emu.info
        saved = wait_until(lambda: (tmp_path / "data" / STATE_NAME).exists(), 10, "the state file to be written")
        assert saved and (tmp_path / "data" / STATE_NAME).stat().st_mode & 0o077 == 0  # it holds the WinRM password
    finally:
        _stopped(emu)

    emu = _start(tmp_path)
    try:
        assert {k: emu.info[k] for k in SAME_ACROSS_RESTARTS} == {k: info_before[k] for k in SAME_ACROSS_RESTARTS}
        after = {p: _nc(emu, "GET", p).json() for p in before}
        assert after == before  # ids, etags, instanceIds, back-references, provisioningState
        pool = after["/loadBalancers/lb1"]["properties"]["backendAddressPools"][0]
        assert pool["properties"]["backendIPConfigurations"] == [{"resourceRef": ipc["resourceRef"]}]
        db2 = _winrm(emu, "DB2")  # same endpoint and credentials, now through the other node
        cluster_after = run_script(db2, "get_cluster", {})
        assert cluster_after == cluster_before
        assert [n["name"] for n in cluster_after["nodes"]] == ["DB1", "DB2"]
        # The restored model is a live one: the etag it kept still guards writes.
        lb = after["/loadBalancers/lb1"]
        assert _nc(emu, "PUT", "/loadBalancers/lb1", json=lb, headers={"If-Match": lb["etag"]}).status_code == 200
    finally:
        _stopped(emu)


def test_killed_emulator_keeps_what_it_acknowledged(tmp_path: Path) -> None:
    """SIGKILL gives no chance for a final save: the state file is rewritten shortly after each change."""
    emu = _start(tmp_path)
    state = tmp_path / "data" / STATE_NAME
    try:
        assert _nc(emu, "PUT", "/loadBalancers/lb1", json=LB_BODY).status_code == 201
        end = time.monotonic() + 30
        while not state.exists() or "lb1" not in state.read_text():
            assert time.monotonic() < end, "the state file never recorded the load balancer"
            time.sleep(0.05)
        etag = _nc(emu, "GET", "/loadBalancers/lb1").json()["etag"]
    finally:
        emu.proc.kill()
        emu.proc.wait()
    emu = _start(tmp_path)
    try:
        assert _nc(emu, "GET", "/loadBalancers/lb1").json()["etag"] == etag
    finally:
        _stopped(emu)


def test_delete_in_flight_at_stop_completes_after_restart(tmp_path: Path) -> None:
    emu = _start(tmp_path, delay=0.0)
    try:
        assert _nc(emu, "PUT", "/loadBalancers/lb1", json=LB_BODY).status_code == 201
        _fault(emu, "hold_provisioning", resourceRef="/loadBalancers/lb1")
        deleting = _nc(emu, "DELETE", "/loadBalancers/lb1")
        assert deleting.status_code == 202
        operation = deleting.headers["Azure-AsyncOperation"]
        assert _nc(emu, "GET", "/loadBalancers/lb1").json()["properties"]["provisioningState"] == "Deleting"
    finally:
        _stopped(emu)
    emu = _start(tmp_path, delay=0.0)
    try:
        # Held faults are a run's, not state: the delete resumes and ends as it would have.
        assert _nc(emu, "GET", "/loadBalancers/lb1").status_code == 404
        assert requests.get(operation, timeout=5).json()["status"] == "Succeeded"
    finally:
        _stopped(emu)


def test_pinned_ports_are_used_and_remembered(tmp_path: Path) -> None:
    winrm, control, status = _free_port(), _free_port(), _free_port()
    emu = _start(tmp_path, "--winrm-port", f"db2={winrm}", "--control-port", str(control), "--status-port", str(status))
    try:
        assert emu.info["winrm_endpoints"]["DB2"] == f"https://127.0.0.1:{winrm}/wsman"
        assert emu.info["control"] == f"127.0.0.1:{control}"
        assert emu.info["status_url"] == f"http://127.0.0.1:{status}/"
        first = emu.info
    finally:
        _stopped(emu)
    emu = _start(tmp_path)  # no pins this time: the data directory's ports
    try:
        assert emu.info["winrm_endpoints"] == first["winrm_endpoints"]
        assert (emu.info["control"], emu.info["status_url"]) == (first["control"], first["status_url"])
    finally:
        _stopped(emu)


def _serve_fails(*args: str) -> str:
    proc = subprocess.run(
        [str(SDN_EMULATOR), "serve", "--port", "0", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    return proc.stderr


def test_refuses_another_topology_a_foreign_state_file_and_unknown_nodes(tmp_path: Path) -> None:
    _stopped(_start(tmp_path))
    other = copy.deepcopy(DEFAULT_TOPOLOGY)
    other["credentials"]["password"] = "Another-Passw0rd!"
    topology = tmp_path / "other.json"
    topology.write_text(json.dumps(other))
    data = str(tmp_path / "data")
    assert "seeded from another topology" in _serve_fails("--data-dir", data, "--topology", str(topology))
    assert "unknown node(s) DB3" in _serve_fails("--data-dir", data, "--winrm-port", "DB3=5986")
    (tmp_path / "data" / STATE_NAME).write_text(json.dumps({"format": 99}))
    assert "has format 99" in _serve_fails("--data-dir", data)


def test_one_data_directory_serves_one_emulator(tmp_path: Path) -> None:
    emu = _start(tmp_path)
    try:
        assert "in use by another running emulator" in _serve_fails("--data-dir", str(tmp_path / "data"))
        assert _nc(emu, "GET", "/loadBalancers").ok  # the first one is untouched
    finally:
        _stopped(emu)
    _stopped(_start(tmp_path))  # and the directory is free again once it stopped


@pytest.mark.parametrize("option", ["--status-port", "--control-port", "--winrm-port"])
def test_a_taken_port_is_a_clear_error(tmp_path: Path, option: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        value = f"DB1={port}" if option == "--winrm-port" else str(port)
        assert "cannot listen" in _serve_fails("--data-dir", str(tmp_path / "data"), option, value)


def test_a_node_powered_off_stays_off_on_its_port(tmp_path: Path) -> None:
    emu = _start(tmp_path)
    try:
        _fault(emu, "stop_node", node="DB2")
        endpoints = emu.info["winrm_endpoints"]
    finally:
        _stopped(emu)
    emu = _start(tmp_path)
    try:
        assert emu.info["winrm_endpoints"] == endpoints
        with pytest.raises(requests.ConnectionError):
            requests.get(endpoints["DB2"], verify=emu.info["ca_file"], timeout=5)
        _fault(emu, "start_node", node="DB2")
        assert run_script(_winrm(emu, "DB2"), "get_cluster", {}) == {"exists": False}
    finally:
        _stopped(emu)
