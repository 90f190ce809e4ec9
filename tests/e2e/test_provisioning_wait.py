"""Apply and destroy wait for Network Controller to finish: against an emulator whose provisioning takes 2 s,
state records provisioning_state "Succeeded" (what NC said when the wait ended, not the PUT's "Updating") and the
emulator's recorded requests show the polls that waited: GETs of the resource after its PUT, operationResults
answered 202 (InProgress) before 200 after a DELETE. No wall-clock assertion: the requests are the evidence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.configs import seed_lb
from tests.harness import Emulator, Terraform, provider_block

DELAY = 2.0  # seconds every PUT/DELETE stays Updating/Deleting: many poll intervals (0.2 s at first)
LB = "Slow_VIP"
LB_PATH = f"/networking/v1/loadBalancers/{LB}"
NIC = "ClusterNode1_Network-Adapter"
NIC_PATH = f"/networking/v1/networkInterfaces/{NIC}"
MEMBER = f"""
resource "sdn_backend_pool_member" "m" {{
  network_interface_id     = "{NIC}"
  backend_address_pool_ref = sdn_load_balancer.lb.backend_address_pool_refs["Backend1"]
}}
"""


@pytest.fixture(scope="module")
def slow_nc() -> Iterator[Emulator]:
    emu = Emulator.start(delay=DELAY)
    yield emu
    emu.stop()


def recorded(emu: Emulator) -> list[dict]:
    return emu.admin("GET", "requests")["requests"]


def polls_after_write(requests: list[dict], path: str, method: str = "PUT") -> list[dict]:
    """The GETs of ``path`` after the last successful write of it (the provider waiting for Succeeded)."""
    writes = [i for i, r in enumerate(requests) if r["method"] == method and r["path"] == path and r["status"] < 300]
    assert writes, f"no {method} of {path} in {requests}"
    return [r for r in requests[writes[-1] + 1 :] if r["method"] == "GET" and r["path"] == path]


def applied(tf: Terraform, emu: Emulator, hcl: str) -> list[dict]:
    emu.admin("POST", "requests/reset")
    tf.write(provider_block(emu) + hcl)
    tf.apply()
    return recorded(emu)


def test_apply_and_destroy_wait_for_network_controller(tf: Terraform, slow_nc: Emulator):
    created = applied(tf, slow_nc, seed_lb(LB))
    state = tf.resources()["sdn_load_balancer.lb"]
    assert state["provisioning_state"] == "Succeeded"
    assert state["etag"] == slow_nc.get(f"/loadBalancers/{LB}")["etag"]
    assert len(polls_after_write(created, LB_PATH)) >= 2, created  # the PUT answered Updating; polled until done

    updated = applied(tf, slow_nc, seed_lb(LB, interval=10))
    state = tf.resources()["sdn_load_balancer.lb"]
    assert state["provisioning_state"] == "Succeeded"
    assert slow_nc.get(f"/loadBalancers/{LB}")["properties"]["probes"][0]["properties"]["intervalInSeconds"] == 10
    assert len(polls_after_write(updated, LB_PATH)) >= 2, updated

    joined = applied(tf, slow_nc, seed_lb(LB, interval=10) + MEMBER)
    assert len(polls_after_write(joined, NIC_PATH)) >= 2, joined  # the NIC PUT is waited for too
    assert slow_nc.get(f"/networkInterfaces/{NIC}")["properties"]["provisioningState"] == "Succeeded"

    slow_nc.admin("POST", "requests/reset")
    tf.destroy()
    destroyed = recorded(slow_nc)
    deletes = [r["status"] for r in destroyed if r["method"] == "DELETE" and r["path"].endswith(LB_PATH)]
    operations = [r["status"] for r in destroyed if "/operationResults/" in r["path"]]
    assert deletes == [202], destroyed  # NC took the DELETE asynchronously
    # Followed the operation to its end: polled until 200 (one poll when NC's Retry-After was right, more if not).
    assert operations and operations[-1] == 200 and set(operations) <= {200, 202}, destroyed
    assert slow_nc.get(f"/loadBalancers/{LB}") is None  # gone when destroy returned, not still Deleting
    assert len(polls_after_write(destroyed, NIC_PATH)) >= 2, destroyed  # the membership removal waited first
