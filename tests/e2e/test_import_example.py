"""examples/import: a load balancer and two pool memberships made by REST, as the seed's PowerShell would,
adopted with `terraform import` using the documented IDs; the plan afterwards is empty."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from tests.harness import REPO, Emulator, Terraform
from tests.observe import wait_succeeded

EXAMPLE = REPO / "examples" / "import"
LB = "/loadBalancers/MyNetwork_InternalVIP"
POOL = LB + "/backendAddressPools/Backend1"
NODES = {"DB1": "ClusterNode1_Network-Adapter", "DB2": "ClusterNode2_Network-Adapter"}


@pytest.fixture(scope="module")
def seed_emulator() -> Iterator[Emulator]:
    """Its own emulator: the hand-made objects use the seed's fixed names."""
    emu = Emulator.start(delay=0.05)
    yield emu
    emu.stop()


def make_by_hand(emu: Emulator) -> None:
    """New-NetworkControllerLoadBalancer, then get / += pool / new-networkcontrollernetworkinterface per NIC."""
    r = emu.put(LB, json.loads((EXAMPLE / "load-balancer.json").read_text()))
    assert r.status_code in (200, 201), r.text
    wait_succeeded(emu, LB)
    for nic_id in NODES.values():
        ref = f"/networkInterfaces/{nic_id}"
        nic = emu.get(ref)
        nic["properties"]["ipConfigurations"][0]["properties"].setdefault("loadBalancerBackendAddressPools", [])
        nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"].append(
            {"resourceRef": POOL}
        )
        r = emu.put(ref, nic)
        assert r.status_code in (200, 201), r.text
        wait_succeeded(emu, ref)


def test_import_hand_made_load_balancer_and_memberships(tmp_path, provider_server, seed_emulator):
    emu = seed_emulator
    make_by_hand(emu)
    workdir = tmp_path / "import"
    shutil.copytree(EXAMPLE, workdir)
    tf = Terraform(
        workdir,
        {
            "TF_REATTACH_PROVIDERS": provider_server.reattach,
            "TF_CLI_CONFIG_FILE": "/dev/null",
            "TF_VAR_network_controller_uri": emu.uri,
            "TF_VAR_ca_cert_file": emu.info["ca_file"],
        },
    )
    # Before the imports, create would refuse to adopt: the plan shows creates.
    assert {a for a, _ in tf.resource_changes()} == {
        "sdn_load_balancer.cluster_vip",
        'sdn_backend_pool_member.node["DB1"]',
        'sdn_backend_pool_member.node["DB2"]',
    }

    tf.import_("sdn_load_balancer.cluster_vip", "MyNetwork_InternalVIP")
    for node, nic_id in NODES.items():
        tf.import_(f'sdn_backend_pool_member.node["{node}"]', f"{nic_id}/ipconfig1|{POOL}")
    tf.assert_no_changes()

    # Adopted for real: destroy removes the memberships, then the load balancer.
    tf.destroy()
    assert emu.get(LB) is None
    for nic_id in NODES.values():
        ipc = emu.get(f"/networkInterfaces/{nic_id}")["properties"]["ipConfigurations"][0]
        assert not ipc["properties"].get("loadBalancerBackendAddressPools")
