"""TLS with the generated CA, client-certificate auth, and the real ``sdn-emulator`` console script."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sdn_emulator.app import Emulator
from sdn_emulator.tls import TlsMaterial

from .conftest import NIC1

SCRIPT = str(Path(sysconfig.get_path("scripts")) / "sdn-emulator")


@pytest.fixture
def tls_emulator(tls_material: TlsMaterial) -> Iterator[Emulator]:
    with Emulator(provisioning_delay=0.0, tls=True, tls_dir=tls_material.directory) as emu:
        yield emu


@pytest.fixture
def mtls_emulator(tls_material: TlsMaterial) -> Iterator[Emulator]:
    with Emulator(provisioning_delay=0.0, tls=True, tls_dir=tls_material.directory, client_cert_auth=True) as emu:
        yield emu


def test_tls_with_generated_ca(tls_emulator: Emulator) -> None:
    ends = tls_emulator.endpoints()
    assert ends["nc_uri"].startswith("https://127.0.0.1:")
    url = ends["nc_uri"] + "/networking/v1" + NIC1
    assert requests.get(url, verify=ends["ca_file"], timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, verify=True, timeout=5)


def test_client_certificate_required_and_accepted(mtls_emulator: Emulator) -> None:
    ends = mtls_emulator.endpoints()
    url = ends["nc_uri"] + "/networking/v1/loadBalancers"
    ok = requests.get(url, verify=ends["ca_file"], cert=(ends["client_cert"], ends["client_key"]), timeout=5)
    assert ok.status_code == 200 and ok.json()["value"] == []
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, verify=ends["ca_file"], timeout=5)


def test_refuses_remote_host_and_cert_auth_without_tls() -> None:
    with pytest.raises(ValueError):
        Emulator(host="0.0.0.0")
    with pytest.raises(ValueError):
        Emulator(client_cert_auth=True)


def test_console_script_with_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    topology = tmp_path / "topology.json"
    topology.write_text(
        subprocess.run([SCRIPT, "topology", "--tenants", "3"], check=True, capture_output=True, text=True).stdout
    )
    proc = subprocess.Popen(
        [
            SCRIPT,
            "--port",
            "0",
            "--provisioning-delay",
            "0",
            "--tls",
            "--client-cert-auth",
            "--tls-dir",
            str(tmp_path / "tls"),
            "--topology",
            str(topology),
            "--state-file",
            str(state_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not state_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        state = json.loads(state_file.read_text())
        assert state["pid"] == proc.pid and state["nc_uri"].startswith("https://127.0.0.1:")
        assert all(Path(state[k]).exists() for k in ("ca_file", "client_cert", "client_key"))
        nics = requests.get(
            state["nc_uri"] + "/networking/v1/networkInterfaces",
            verify=state["ca_file"],
            cert=(state["client_cert"], state["client_key"]),
            timeout=5,
        ).json()["value"]
        assert len(nics) == 6 and nics[0]["resourceId"] == "T1-ClusterNode1_Network-Adapter"
        os.kill(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "NC REST API" in output and "T3-DB2" in output
    assert not state_file.exists()


def test_refuses_non_loopback_host_from_cli() -> None:
    result = subprocess.run([SCRIPT, "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--allow-remote" in result.stderr
