"""NC REST authentication modes beyond none/X509: HTTP Negotiate (NC ClientAuthentication Kerberos), driven by
pypsrp's HTTPNegotiateAuth, the client the provider uses. NTLM inside SPNEGO authenticates the connection."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pypsrp.negotiate import HTTPNegotiateAuth

from sdn_emulator.app import Emulator
from sdn_emulator.tls import TlsMaterial

from .conftest import NIC1, NcClient
from .test_tls_cli import SCRIPT


@pytest.fixture
def negotiate_emulator() -> Iterator[Emulator]:
    with Emulator(provisioning_delay=0.0, negotiate_auth=True) as emu:
        yield emu


def _client(emu: Emulator, password: str | None = None, **options: object) -> NcClient:
    ends = emu.endpoints()
    nc = NcClient(ends["nc_uri"], **options)
    nc.session.auth = HTTPNegotiateAuth(ends["nc_username"], password or ends["nc_password"], service="HTTP")
    return nc


def test_unauthenticated_requests_get_401_negotiate(negotiate_emulator: Emulator) -> None:
    ends = negotiate_emulator.endpoints()
    assert ends["nc_auth"] == "negotiate" and ends["nc_username"] and ends["nc_password"]
    response = requests.get(ends["nc_uri"] + "/networking/v1/networkInterfaces", timeout=5)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Negotiate"
    assert requests.get(ends["nc_uri"] + "/networking/discovery", timeout=5).status_code == 401
    garbage = requests.get(
        ends["nc_uri"] + "/networking/v1/networkInterfaces", headers={"Authorization": "Negotiate !!!"}, timeout=5
    )
    assert garbage.status_code == 401
    assert requests.get(ends["nc_uri"] + "/_emulator/stats", timeout=5).status_code == 200


def test_negotiate_authenticates_the_connection(negotiate_emulator: Emulator) -> None:
    nc = _client(negotiate_emulator)
    nc.admin("POST", "requests/reset")
    nic = nc.get(NIC1)
    assert nic.status_code == 200
    assert nc.put(NIC1, nic.json()).status_code == 200
    assert nc.get("/loadBalancers").status_code == 200
    recorded = [(r["method"], r["authorization"], r["status"]) for r in nc.admin("GET", "requests").json()["requests"]]
    # 401 challenge, the Negotiate leg(s), then the same keep-alive connection stays authenticated.
    assert recorded[0] == ("GET", None, 401)
    assert ("GET", "Negotiate", 200) in recorded
    assert recorded[-2:] == [("PUT", None, 200), ("GET", None, 200)]


def test_wrong_password_is_refused(negotiate_emulator: Emulator) -> None:
    nc = _client(negotiate_emulator, password="not-the-password")
    assert nc.get(NIC1).status_code == 401


def test_negotiate_over_tls_with_channel_binding(tls_material: TlsMaterial) -> None:
    with Emulator(provisioning_delay=0.0, tls=True, tls_dir=tls_material.directory, negotiate_auth=True) as emu:
        nc = _client(emu, verify=emu.endpoints()["ca_file"])
        assert nc.get(NIC1).status_code == 200
        unbound = _client(emu, verify=emu.endpoints()["ca_file"])
        unbound.session.auth.send_cbt = False
        # Assumption: bindings required over TLS (HTTP.sys "Extended Protection" on), the stricter reading.
        assert unbound.get(NIC1).status_code == 401


def test_modes_exclude_each_other(tls_material: TlsMaterial) -> None:
    with pytest.raises(ValueError):
        Emulator(tls=True, tls_dir=tls_material.directory, client_cert_auth=True, negotiate_auth=True)


def test_console_script_publishes_negotiate_credentials(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    proc = subprocess.Popen(
        [SCRIPT, "--port", "0", "--nc-auth", "negotiate", "--state-file", str(state_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not state_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        state = json.loads(state_file.read_text())
        assert state["nc_auth"] == "negotiate"
        session = requests.Session()
        session.auth = HTTPNegotiateAuth(state["nc_username"], state["nc_password"], service="HTTP")
        assert session.get(state["nc_uri"] + "/networking/v1" + NIC1, timeout=5).status_code == 200
        os.kill(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "NC client auth  negotiate" in output
