"""Many memberships on few NICs never lose an update: within one apply (the per-NIC lock) and across two
concurrent applies served by two provider processes (If-Match + re-read and retry on 412).

Runs against its own emulator: 5 NICs with 2 ip configurations each, and a load balancer with 2 pools.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdn_emulator.api.server import REQUESTS_KEPT
from tests.harness import Emulator, ProviderServer, Terraform, provider_block
from tests.observe import comparable

LB = "Concurrency_LB"
POOLS = ("PoolA", "PoolB")
NICS = [f"Node{i}_Network-Adapter" for i in range(1, 6)]
IPCS = ("ipconfig1", "ipconfig2")
SUBNET = "/virtualNetworks/ConcNetwork/subnets/Subnet1"
TOPOLOGY = {
    "virtualNetworks": [
        {
            "resourceId": "ConcNetwork",
            "addressPrefixes": ["192.168.50.0/24"],
            "subnets": [{"resourceId": "Subnet1", "addressPrefix": "192.168.50.0/24"}],
        }
    ],
    "networkInterfaces": [
        {
            "resourceId": nic,
            "privateMacAddress": f"00155D0032{n:02X}",
            "ipConfigurations": [
                {"resourceId": ipc, "privateIPAddress": f"192.168.50.{10 * n + k}", "subnet": SUBNET}
                for k, ipc in enumerate(IPCS, 1)
            ],
        }
        for n, nic in enumerate(NICS, 1)
    ],
    "nodes": [],
}
SLOW_READ = 1.0  # seconds: the window in which both processes hold the same etag of a NIC
RETRY_LINE = re.compile(r"changed since it was read \(412\)")


@pytest.fixture(scope="module")
def emu(tmp_path_factory) -> Iterator[Emulator]:
    topology = tmp_path_factory.mktemp("topology") / "topology.json"
    topology.write_text(json.dumps(TOPOLOGY))
    emulator = Emulator.start("--topology", str(topology), delay=0.05)
    body = {
        "resourceId": LB,
        "properties": {
            "frontendIPConfigurations": [
                {
                    "resourceId": "Frontend1",
                    "properties": {
                        "privateIPAddress": "192.168.50.100",
                        "privateIPAllocationMethod": "Static",
                        "subnet": {"resourceRef": SUBNET},
                    },
                }
            ],
            "backendAddressPools": [{"resourceId": p, "properties": {}} for p in POOLS],
        },
    }
    assert emulator.put(f"/loadBalancers/{LB}", body).status_code == 201
    _wait_succeeded(emulator, f"/loadBalancers/{LB}")
    yield emulator
    emulator.stop()


def _wait_succeeded(emulator: Emulator, ref: str) -> None:
    for _ in range(200):
        if emulator.get(ref)["properties"]["provisioningState"] == "Succeeded":
            return
        time.sleep(0.02)
    raise AssertionError(f"{ref} never reached Succeeded")


def pool_ref(pool: str) -> str:
    return f"/loadBalancers/{LB}/backendAddressPools/{pool}"


def members_hcl(pools: tuple[str, ...]) -> str:
    """One for_each resource: every (NIC, ip configuration, pool) combination."""
    items = {
        f"{nic}/{ipc}/{pool}": {"nic": nic, "ipc": ipc, "pool": pool_ref(pool)}
        for nic in NICS
        for ipc in IPCS
        for pool in pools
    }
    return f"""
locals {{
  members = {json.dumps(items)}
}}

resource "sdn_backend_pool_member" "m" {{
  for_each                 = local.members
  network_interface_id     = each.value.nic
  ip_configuration_id      = each.value.ipc
  backend_address_pool_ref = each.value.pool
}}
"""


def snapshot(emulator: Emulator) -> dict[str, dict]:
    return {nic: comparable(emulator.get(f"/networkInterfaces/{nic}")) for nic in NICS}


def memberships(emulator: Emulator) -> dict[tuple[str, str], list[str]]:
    found = {}
    for nic in NICS:
        for ipc in emulator.get(f"/networkInterfaces/{nic}")["properties"]["ipConfigurations"]:
            refs = [p["resourceRef"] for p in ipc["properties"]["loadBalancerBackendAddressPools"]]
            found[(nic, ipc["resourceId"])] = sorted(refs)
    return found


def without_pools(snap: dict[str, dict]) -> dict[str, dict]:
    for nic in snap.values():
        for ipc in nic["properties"]["ipConfigurations"]:
            ipc["properties"]["loadBalancerBackendAddressPools"] = []
    return snap


def start_logged_provider(log: Path) -> ProviderServer:
    """A provider process of its own (as a second `terraform` would spawn), logging its 412 retries."""
    return ProviderServer.start({"TF_LOG_PROVIDER": "INFO"}, log_path=log)


def run_together(*calls) -> list:
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _nic_puts(requests: list[dict]) -> list[dict]:
    return [r for r in requests if r["method"] == "PUT" and "/networkInterfaces/" in r["path"]]


def assert_raced_and_retried(requests: list[dict]) -> None:
    """The two applies raced: some NIC PUT carried an etag the other process had already replaced (412),
    and every NIC refused that way was written successfully afterwards (re-read, retried with the new etag)."""
    assert len(requests) < REQUESTS_KEPT, "the emulator's request record overflowed"
    puts = _nic_puts(requests)
    assert puts and all(r["ifMatch"] for r in puts), puts  # every NIC PUT is guarded by the etag it read
    refused = [i for i, r in enumerate(puts) if r["status"] == 412]
    print(f"NIC PUTs: {len(puts)}, refused with 412 and retried: {len(refused)}")
    assert refused, "no 412: the applies did not race, so this run proved nothing about If-Match and retries"
    for i in refused:
        assert any(r["path"] == puts[i]["path"] and r["status"] == 200 for r in puts[i + 1 :]), puts[i]


def test_twenty_memberships_on_five_nics_in_one_apply(tf: Terraform, emu: Emulator):
    before = snapshot(emu)
    tf.write(provider_block(emu) + members_hcl(POOLS))
    started = time.monotonic()
    tf.apply("-parallelism=20")
    print(f"apply of 20 memberships at -parallelism=20: {time.monotonic() - started:.1f}s")
    assert memberships(emu) == {(n, i): sorted(pool_ref(p) for p in POOLS) for n in NICS for i in IPCS}
    for pool in POOLS:
        backends = emu.get(pool_ref(pool))["properties"]["backendIPConfigurations"]
        assert len(backends) == 10
    assert without_pools(snapshot(emu)) == before
    tf.assert_no_changes()
    started = time.monotonic()
    tf.destroy("-parallelism=20")
    print(f"destroy of 20 memberships at -parallelism=20: {time.monotonic() - started:.1f}s")
    assert snapshot(emu) == before


ATTEMPTS = 3  # a race on a loaded machine can miss (one Terraform starts seconds after the other): run it again


def _race(tmp_path: Path, emu: Emulator, before: dict) -> list[dict]:
    """Two provider processes apply 10 memberships each on the same NICs, then destroy them together; every run
    must converge. Returns the NC requests of the applies."""
    servers = [start_logged_provider(tmp_path / f"provider{i}.log") for i in range(2)]
    try:
        runs = []
        for server, pool in zip(servers, POOLS, strict=True):
            workdir = tmp_path / pool
            workdir.mkdir()
            run = Terraform(workdir, {"TF_REATTACH_PROVIDERS": server.reattach, "TF_CLI_CONFIG_FILE": "/dev/null"})
            run.write(provider_block(emu) + members_hcl((pool,)))
            runs.append(run)
        emu.admin("POST", "requests/reset")
        # A loaded NC answers reads late: every NIC GET is processed at once and answered SLOW_READ s later, so both
        # processes read each NIC before either writes it, and one of them holds a replaced etag.
        emu.admin(
            "POST",
            "faults",
            {
                "kind": "slow_next",
                "method": "GET",
                "collection": "networkInterfaces",
                "count": 1000,
                "seconds": SLOW_READ,
            },
        )
        started = time.monotonic()
        results = run_together(*(lambda r=r: r.apply("-parallelism=10", check=False) for r in runs))
        print(f"two concurrent applies of 10 memberships each: {time.monotonic() - started:.1f}s")
        emu.admin("POST", "faults", {"kind": "clear_faults"})
        requests = emu.admin("GET", "requests")["requests"]
        for proc in results:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        assert memberships(emu) == {(n, i): sorted(pool_ref(p) for p in POOLS) for n in NICS for i in IPCS}
        assert without_pools(snapshot(emu)) == before
        for run in runs:
            run.assert_no_changes()
        started = time.monotonic()
        results = run_together(*(lambda r=r: r.destroy("-parallelism=10", check=False) for r in runs))
        print(f"two concurrent destroys: {time.monotonic() - started:.1f}s")
        for proc in results:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        assert snapshot(emu) == before
    finally:
        for server in servers:
            server.stop()
    retries = sum(len(RETRY_LINE.findall((tmp_path / f"provider{i}.log").read_text())) for i in range(2))
    print(f"412 re-read-and-retry rounds across both provider processes: {retries}")
    return requests


def test_two_concurrent_applies_in_two_processes_on_the_same_nics(tmp_path: Path, emu: Emulator):
    before = snapshot(emu)
    for attempt in range(1, ATTEMPTS + 1):
        workdir = tmp_path / f"attempt{attempt}"
        workdir.mkdir()
        requests = _race(workdir, emu, before)
        if any(r["status"] == 412 for r in _nic_puts(requests)):
            break
        print(f"attempt {attempt}: the applies did not race (no 412)")
    assert_raced_and_retried(requests)
