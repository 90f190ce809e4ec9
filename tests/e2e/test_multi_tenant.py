"""examples/multi-tenant: ten tenants from one module; removing a tenant touches only that tenant."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdn_emulator.control.client import ControlClient
from sdn_emulator.topology import generate_multi_tenant
from tests.harness import REPO, Emulator, ProviderServer, Terraform

TENANTS = 10
GONE = 7  # the tenant removed half-way


def tenant(i: int) -> dict:
    return {
        "virtual_network": f"Tenant{i}Network",
        "subnet": "Subnet1",
        "vip": f"192.168.{i}.100",
        "nodes": {f"T{i}-DB{n}": f"T{i}-ClusterNode{n}_Network-Adapter" for n in (1, 2)},
        "cluster_name": f"T{i}-Cluster",
        **({"probe_port": 50000 + i} if i % 2 == 0 else {}),  # probe_port is optional
    }


@pytest.fixture(scope="module")
def tenants_emulator(tmp_path_factory) -> Iterator[Emulator]:
    topology = tmp_path_factory.mktemp("topology") / "topology.json"
    topology.write_text(json.dumps(generate_multi_tenant(TENANTS)))
    emu = Emulator.start("--topology", str(topology), delay=0.05)
    yield emu
    emu.stop()


def example(tmp_path: Path, server: ProviderServer, emu: Emulator) -> Terraform:
    """A copy of examples/multi-tenant (and the module it uses, at the same relative path)."""
    shutil.copytree(REPO / "examples" / "multi-tenant", tmp_path / "examples" / "multi-tenant")
    shutil.copytree(REPO / "examples" / "modules", tmp_path / "examples" / "modules")
    tf = Terraform(
        tmp_path / "examples" / "multi-tenant",
        {
            "TF_REATTACH_PROVIDERS": server.reattach,
            "TF_CLI_CONFIG_FILE": "/dev/null",
            **emu.example_variables(),
        },
    )
    tf.run("get", "-no-color")  # installs the local module; the provider is reattached, so no init
    return tf


def write_tenants(tf: Terraform, numbers: list[int]) -> None:
    tf.write(json.dumps({"tenants": {f"tenant{i}": tenant(i) for i in numbers}}, indent=2), "tenants.auto.tfvars.json")


def nic_pools(emu: Emulator) -> dict[str, list[str]]:
    """NIC resourceId -> pool refs of all its ip configurations, read by REST."""
    return {
        nic["resourceId"]: [
            p["resourceRef"]
            for c in nic["properties"]["ipConfigurations"]
            for p in c["properties"].get("loadBalancerBackendAddressPools") or []
        ]
        for nic in emu.list("networkInterfaces")
    }


def test_ten_tenants_remove_one_then_destroy(tmp_path, provider_server, tenants_emulator):
    emu, timings = tenants_emulator, {}
    tf = example(tmp_path, provider_server, emu)
    everyone = list(range(1, TENANTS + 1))
    write_tenants(tf, everyone)

    start = time.monotonic()
    tf.apply("-parallelism=10")
    timings["apply 10 tenants"] = time.monotonic() - start
    assert len(emu.list("loadBalancers")) == TENANTS
    start = time.monotonic()
    assert tf.resource_changes() == []
    timings["plan (empty)"] = time.monotonic() - start

    # Remove one tenant: the plan deletes exactly its five resources and nothing else.
    write_tenants(tf, [i for i in everyone if i != GONE])
    changes = tf.resource_changes()
    prefix = f'module.tenant["tenant{GONE}"].'
    assert sorted(changes) == sorted(
        [
            (prefix + "sdn_load_balancer.this", ["delete"]),
            (prefix + f'sdn_backend_pool_member.node["T{GONE}-DB1"]', ["delete"]),
            (prefix + f'sdn_backend_pool_member.node["T{GONE}-DB2"]', ["delete"]),
            (prefix + "sdn_failover_cluster.this", ["delete"]),
            (prefix + "sdn_cluster_ip_address.this", ["delete"]),
        ]
    ), changes
    start = time.monotonic()
    tf.apply("-parallelism=10")
    timings["apply removing 1 tenant"] = time.monotonic() - start

    lbs = {lb["resourceId"] for lb in emu.list("loadBalancers")}
    assert lbs == {f"Tenant{i}Network_InternalVIP" for i in everyone if i != GONE}
    pools = nic_pools(emu)
    for i in everyone:
        pool = f"/loadBalancers/Tenant{i}Network_InternalVIP/backendAddressPools/Backend1"
        for n in (1, 2):
            expected = [] if i == GONE else [pool]
            assert pools[f"T{i}-ClusterNode{n}_Network-Adapter"] == expected, (i, n, pools)
    with ControlClient(emu.info["control"]) as control:
        clusters = {node.name: node.cluster for node in control.topology().nodes}
    assert clusters[f"T{GONE}-DB1"] == clusters[f"T{GONE}-DB2"] == ""
    assert clusters["T1-DB1"] == "T1-Cluster"
    assert tf.resource_changes() == []

    start = time.monotonic()
    tf.destroy("-parallelism=10")
    timings["destroy 9 tenants"] = time.monotonic() - start
    assert emu.list("loadBalancers") == []
    assert all(refs == [] for refs in nic_pools(emu).values()), nic_pools(emu)
    print("multi-tenant timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
