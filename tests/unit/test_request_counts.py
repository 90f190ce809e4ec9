"""Steady-state cost of one guest-cluster tenant, counted by the emulator (counts, never times).

A refresh must cost exactly one GET per load balancer and per NIC (plus the module's virtual network data
source) and one WinRM command per cluster resource: anything more is a redundant round trip that multiplies
with tenants. Runs the real module through the reattached provider against an emulator of its own, with a
generated one-tenant topology, so the counts are not disturbed by other tests.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdn_emulator.control.client import ControlClient
from tests.harness import BIN, REPO, Emulator, Terraform, provider_block

MODULE = REPO / "examples" / "modules" / "guest-cluster"


@pytest.fixture(scope="module")
def tenant_emulator(tmp_path_factory) -> Iterator[Emulator]:
    topology = tmp_path_factory.mktemp("topology") / "one-tenant.json"
    topology.write_text(
        subprocess.run(
            [str(BIN / "sdn-emulator"), "topology", "--tenants", "1"], check=True, capture_output=True, text=True
        ).stdout
    )
    emu = Emulator.start("--topology", str(topology))
    yield emu
    emu.stop()


def counters(emu: Emulator, reset: bool = False) -> tuple[Counter, int]:
    """(NC requests by (method, collection), WinRM commands so far); `reset` zeroes the NC counts."""
    with ControlClient(emu.info["control"]) as control:
        c = control.counters(reset_nc=reset)
    return Counter({(r.method, r.collection): r.count for r in c.nc_requests}), sum(c.winrm_commands.values())


def measure(emu: Emulator, run) -> tuple[Counter, int]:
    _, winrm_before = counters(emu, reset=True)
    run()
    nc, winrm_after = counters(emu)
    return nc, winrm_after - winrm_before


def test_refresh_of_one_tenant_is_one_get_per_object_and_one_shared_cluster_command(
    tmp_path: Path, provider_server, tenant_emulator: Emulator
):
    info = tenant_emulator.info
    tf = Terraform(tmp_path, {"TF_REATTACH_PROVIDERS": provider_server.reattach, "TF_CLI_CONFIG_FILE": "/dev/null"})
    extra = (
        f'winrm_username     = "{info["winrm_username"]}"\n  winrm_password     = "{info["winrm_password"]}"\n'
        f'  winrm_ca_cert_file = "{info["ca_file"]}"\n  winrm_endpoints    = {json.dumps(info["winrm_endpoints"])}'
    )
    tf.write(
        provider_block(tenant_emulator, extra)
        + f"""
module "tenant" {{
  source          = "{MODULE}"
  virtual_network = "Tenant1Network"
  subnet          = "Subnet1"
  vip             = "192.168.1.100"
  nodes           = {{ "T1-DB1" = "T1-ClusterNode1_Network-Adapter", "T1-DB2" = "T1-ClusterNode2_Network-Adapter" }}
  cluster_name    = "T1-Cluster"
}}
"""
    )
    tf.init()  # installs the local module (the reattached provider needs no install)
    tf.apply()
    try:
        # Refresh only: data source + LB + 2 NICs over HTTP; one WinRM command, shared by the failover cluster
        # and the cluster IP address on its first node.
        nc, winrm = measure(tenant_emulator, lambda: tf.run("apply", "-refresh-only", "-auto-approve", "-no-color"))
        assert nc == Counter(
            {("GET", "virtualNetworks"): 1, ("GET", "loadBalancers"): 1, ("GET", "networkInterfaces"): 2}
        )
        assert winrm == 1

        # A full plan reads the same objects once each; no PUT, DELETE or second GET of a NIC.
        nc, winrm = measure(tenant_emulator, tf.assert_no_changes)
        assert nc[("GET", "networkInterfaces")] == 2
        assert {m for m, _ in nc} == {"GET"}
        assert winrm == 1
    finally:
        tf.destroy()
