"""Nothing orphaned when Network Controller's answer to a write is lost: the object is kept in state (tainted),
the next apply converges, the plan after it is empty and destroy leaves nothing. The emulator's `drop_after_next`
processes the request, then closes the connection unanswered (a network blip, or NC's REST IP moving to another
node); with `max_retries = 1` the retried PUT is lost the same way, so the provider never sees an answer."""

from __future__ import annotations

import pytest

from tests.configs import lb_hcl, members
from tests.harness import Emulator, Terraform, provider_block


def blip_after(emulator: Emulator, collection: str) -> None:
    """The PUT and its one retry land, and both answers are lost."""
    lost = {"kind": "drop_after_next", "method": "PUT", "collection": collection, "count": 2}
    emulator.admin("POST", "faults", lost)


@pytest.mark.parametrize("collection", ["loadBalancers", "networkInterfaces"])
def test_a_write_whose_answer_is_lost_is_not_orphaned(tf: Terraform, emulator: Emulator, collection: str):
    lb, vip = f"Blip_{collection}", "192.168.2.130" if collection == "loadBalancers" else "192.168.2.131"
    provider = provider_block(emulator, "max_retries = 1")
    config = provider + lb_hcl(lb, vip) + members(nics=("ClusterNode1_Network-Adapter",))
    if collection == "networkInterfaces":
        tf.write(provider + lb_hcl(lb, vip))
        tf.apply()
    tf.write(config)
    blip_after(emulator, collection)
    try:
        proc = tf.apply(check=False)
    finally:
        emulator.admin("POST", "faults", {"kind": "clear_faults"})
    assert proc.returncode == 1 and "cannot reach Network Controller" in " ".join(proc.stderr.split()), proc.stderr
    address = "sdn_load_balancer.lb" if collection == "loadBalancers" else "sdn_backend_pool_member.node1"
    assert address in tf.resources(), "the write landed: state must record it"
    tf.apply()
    tf.assert_no_changes()
    pool = emulator.get(f"/loadBalancers/{lb}/backendAddressPools/Backend1")
    assert [c["resourceRef"] for c in pool["properties"]["backendIPConfigurations"]] == [
        "/networkInterfaces/ClusterNode1_Network-Adapter/ipConfigurations/ipconfig1"
    ]
    tf.destroy()
    assert emulator.get(f"/loadBalancers/{lb}") is None
    nic = emulator.get("/networkInterfaces/ClusterNode1_Network-Adapter")
    assert nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] == []
