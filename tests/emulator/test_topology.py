"""The seed topology: logical network and public IP next to the seed's names, and the Arc-owned NIC option."""

from __future__ import annotations

import json
import subprocess

from sdn_emulator.app import Emulator
from sdn_emulator.topology import ARC_METADATA, Topology

from .conftest import NIC1, NcClient
from .test_tls_cli import SCRIPT

ARC_NIC = "/networkInterfaces/T1-ArcManaged_Network-Adapter"


def test_seed_keeps_its_names_and_gains_public_networks(nc: NcClient) -> None:
    assert nc.get(NIC1).json()["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "192.168.2.11"
    assert [v["resourceId"] for v in nc.get("/virtualNetworks").json()["value"]] == ["MyNetwork"]
    assert [n["resourceId"] for n in nc.get("/logicalNetworks").json()["value"]] == ["PublicVIP"]
    assert [p["resourceId"] for p in nc.get("/publicIPAddresses").json()["value"]] == ["PublicIP1"]
    assert "resourceMetadata" not in nc.get(NIC1).json()


def test_arc_nic_from_the_topology_command_is_seeded_and_still_writable() -> None:
    generated = subprocess.run(
        [SCRIPT, "topology", "--tenants", "1", "--arc-nic"], check=True, capture_output=True, text=True
    ).stdout
    topology = Topology.from_dict(json.loads(generated))
    with Emulator(provisioning_delay=0.0, topology=topology) as emu:
        nc = NcClient(emu.endpoints()["nc_uri"])
        nic = nc.get(ARC_NIC).json()
        assert nic["resourceMetadata"] == ARC_METADATA
        assert nic["resourceMetadata"]["client"] == "Network Resource Provider"
        assert [n.name for n in topology.nodes] == ["T1-DB1", "T1-DB2"]  # no guest node behind it
        nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] = "192.168.1.21"
        assert nc.put(ARC_NIC, nic).status_code == 200  # a real NC accepts it; refusing is the client's job
        assert nc.get(ARC_NIC).json()["resourceMetadata"] == ARC_METADATA
