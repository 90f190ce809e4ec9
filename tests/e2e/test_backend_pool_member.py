"""sdn_backend_pool_member end to end: real terraform, reattached provider, real emulator over HTTP."""

from __future__ import annotations

import copy

from tests.e2e.test_load_balancer import seed_lb
from tests.harness import Emulator, Terraform, provider_block

NICS = ("ClusterNode1_Network-Adapter", "ClusterNode2_Network-Adapter")
SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"


def lb_hcl(name: str, vip: str) -> str:
    return seed_lb(name, vip=vip, subnet=SUBNET)


def members(
    pool_expr: str = 'sdn_load_balancer.lb.backend_address_pool_refs["Backend1"]', nics: tuple[str, ...] = NICS
) -> str:
    return "".join(
        f"""
resource "sdn_backend_pool_member" "node{i}" {{
  network_interface_id     = "{nic}"
  backend_address_pool_ref = {pool_expr}
}}
"""
        for i, nic in enumerate(nics, 1)
    )


def comparable(nic: dict) -> dict:
    """The NIC minus what every write changes (etag, provisioning and configuration state)."""
    nic = copy.deepcopy(nic)
    nic.pop("etag", None)
    for item in [nic, *nic["properties"]["ipConfigurations"]]:
        item.pop("etag", None)
        item["properties"].pop("provisioningState", None)
        item["properties"].pop("configurationState", None)
    return nic


def pool_of(emulator: Emulator, lb: str) -> list[str]:
    pool = emulator.get(f"/loadBalancers/{lb}/backendAddressPools/Backend1")
    return sorted(c["resourceRef"] for c in pool["properties"]["backendIPConfigurations"])


def ipc_pools(emulator: Emulator, nic: str) -> list[str]:
    ipc = emulator.get(f"/networkInterfaces/{nic}")["properties"]["ipConfigurations"][0]
    return [p["resourceRef"] for p in ipc["properties"]["loadBalancerBackendAddressPools"]]


def test_lifecycle_join_import_drift_destroy(tf: Terraform, emulator: Emulator, tmp_path_factory):
    lb = "Member_VIP"
    pool = f"/loadBalancers/{lb}/backendAddressPools/Backend1"
    before = {nic: comparable(emulator.get(f"/networkInterfaces/{nic}")) for nic in NICS}
    tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.101") + members())
    plan = tf.plan()
    assert plan.returncode == 2 and 'ip_configuration_id      = "ipconfig1"' in plan.stdout, plan.stdout
    tf.apply()
    assert pool_of(emulator, lb) == [f"/networkInterfaces/{nic}/ipConfigurations/ipconfig1" for nic in NICS]
    state = tf.resources()["sdn_backend_pool_member.node1"]
    assert state["ip_configuration_id"] == "ipconfig1"
    assert state["membership_id"] == f"{NICS[0]}/ipconfig1|{pool}"
    tf.assert_no_changes()

    # Everything else on the NIC is untouched: only the pool ref was added.
    for nic in NICS:
        after = comparable(emulator.get(f"/networkInterfaces/{nic}"))
        after["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
        assert after == before[nic]

    # Import into an empty state (the LB too), then the plan is empty.
    other = Terraform(tmp_path_factory.mktemp("import"), tf.env)
    other.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.101") + members())
    other.import_("sdn_load_balancer.lb", lb)
    for i, nic in enumerate(NICS, 1):
        other.import_(f"sdn_backend_pool_member.node{i}", f"{nic}/ipconfig1|{pool}")
    other.assert_no_changes()
    bad = other.import_("sdn_backend_pool_member.node1", f"{NICS[0]}|{pool}", check=False)
    assert bad.returncode == 1 and "Invalid import ID" in bad.stderr

    # Out-of-band removal (PUT the NIC without the ref): planned back as a create.
    nic = emulator.get(f"/networkInterfaces/{NICS[0]}")
    nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
    assert emulator.put(f"/networkInterfaces/{NICS[0]}", nic).status_code == 200
    plan = tf.plan()
    assert plan.returncode == 2 and "sdn_backend_pool_member.node1 will be created" in plan.stdout, plan.stdout
    assert "Plan: 1 to add, 0 to change, 0 to destroy" in plan.stdout
    tf.apply()
    tf.assert_no_changes()

    # One destroy removes members first, then the LB; the NICs are exactly as before.
    tf.destroy()
    assert emulator.get(f"/loadBalancers/{lb}") is None
    for nic in NICS:
        assert comparable(emulator.get(f"/networkInterfaces/{nic}")) == before[nic]


def test_create_refuses_existing_membership_and_names_the_import(tf: Terraform, emulator: Emulator):
    lb = "MemberAdopt_VIP"
    tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.102") + members())
    tf.apply()
    again = Terraform(tf.workdir / "again", tf.env)
    again.workdir.mkdir()
    pool = f"/loadBalancers/{lb}/backendAddressPools/Backend1"
    again.write(provider_block(emulator) + members(f'"{pool}"'))
    proc = again.apply(check=False)
    assert proc.returncode == 1 and "already a member" in proc.stderr, proc.stderr
    assert f"terraform import <address> '{NICS[0]}/ipconfig1|{pool}'" in proc.stderr.replace("\n", " ")
    assert ipc_pools(emulator, NICS[0]) == [pool]  # nothing duplicated
    tf.destroy()


def test_412_is_retried_after_a_re_read(tf: Terraform, emulator: Emulator):
    """Another client writes each NIC between our GET and PUT (the emulator renews the etag just before the next
    two NIC PUTs are processed, so If-Match fails for real): the provider re-reads, re-splices and retries, and
    both memberships land with nothing else changed. Deterministic twin of test_membership_concurrency.py."""
    lb = "MemberRace_VIP"
    tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.104"))
    tf.apply()
    try:
        before = {nic: comparable(emulator.get(f"/networkInterfaces/{nic}")) for nic in NICS}
        tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.104") + members())
        emulator.admin("POST", "stats/reset")
        emulator.admin("POST", "requests/reset")
        race = {"kind": "concurrent_write_next", "method": "PUT", "collection": "networkInterfaces", "count": 2}
        emulator.admin("POST", "faults", race)
        tf.apply()
        puts = [r for r in emulator.admin("GET", "requests")["requests"] if r["method"] == "PUT"]
        assert [r["status"] for r in puts].count(412) == 2 and len(puts) == len(NICS) + 2, puts
        assert all(r["ifMatch"] for r in puts), puts  # every NIC PUT is guarded
        assert pool_of(emulator, lb) == [f"/networkInterfaces/{nic}/ipConfigurations/ipconfig1" for nic in NICS]
        for nic in NICS:
            after = comparable(emulator.get(f"/networkInterfaces/{nic}"))
            after["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
            assert after == before[nic]
        tf.assert_no_changes()
    finally:
        tf.destroy()


def test_412_with_an_unchanged_etag_is_nc_error_not_a_loop(tf: Terraform, emulator: Emulator):
    """NC answers 412 to a NIC PUT while the NIC's etag stays what we sent ([MS-NCNBI] 2.2.1.3.4 also reads 412
    as "parent resource unavailable"): no lost race to retry, so the apply stops at once with NC's message
    instead of re-reading until operation_timeout. The NIC is left as it was."""
    lb = "MemberEtag_VIP"
    tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.103"))
    tf.apply()
    try:
        before = comparable(emulator.get(f"/networkInterfaces/{NICS[0]}"))
        tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.103") + members(nics=NICS[:1]))
        emulator.admin("POST", "stats/reset")
        emulator.admin(
            "POST",
            "faults",
            {"kind": "fail_next", "method": "PUT", "collection": "networkInterfaces", "status": 412, "count": 1},
        )
        proc = tf.apply(check=False)
        assert proc.returncode == 1
        assert "refused If-Match with the etag it had just returned" in " ".join(proc.stderr.split()), proc.stderr
        stats = {(r["method"], r["collection"]): r["count"] for r in emulator.admin("GET", "stats")["requests"]}
        assert stats[("PUT", "networkInterfaces")] == 1
        assert comparable(emulator.get(f"/networkInterfaces/{NICS[0]}")) == before
        assert "sdn_backend_pool_member.node1" not in tf.resources()
    finally:
        tf.destroy()


def test_lb_destroy_names_out_of_band_members(tf: Terraform, emulator: Emulator):
    lb = "MemberInUse_VIP"
    pool = f"/loadBalancers/{lb}/backendAddressPools/Backend1"
    tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.104"))
    tf.apply()
    nic_ref = f"/networkInterfaces/{NICS[1]}"
    original = emulator.get(nic_ref)
    nic = copy.deepcopy(original)
    nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = [{"resourceRef": pool}]
    assert emulator.put(nic_ref, nic).status_code == 200
    proc = tf.destroy(check=False)
    assert proc.returncode == 1, proc.stdout
    message = proc.stderr.replace("\n", " ")
    assert "still in use" in message and f"{nic_ref}/ipConfigurations/ipconfig1" in message, proc.stderr
    # Clean up: drop the out-of-band membership, then the destroy goes through.
    for _ in range(100):
        current = emulator.get(nic_ref)
        if current["properties"]["provisioningState"] == "Succeeded":
            break
    current["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
    assert emulator.put(nic_ref, current).status_code == 200
    tf.destroy()


def test_data_source_lists_ip_configurations_and_pools(tf: Terraform, emulator: Emulator):
    lb = "MemberData_VIP"
    tf.write(
        provider_block(emulator)
        + lb_hcl(lb, "192.168.2.105")
        + members()
        + f"""
data "sdn_network_interface" "nic" {{
  resource_id = "{NICS[0]}"
  depends_on  = [sdn_backend_pool_member.node1]
}}

output "ipc" {{
  value = data.sdn_network_interface.nic.ip_configurations[0]
}}

output "mac" {{
  value = data.sdn_network_interface.nic.mac_address
}}
"""
    )
    tf.apply()
    outputs = tf.state()["values"]["outputs"]
    assert outputs["mac"]["value"] == "00155D020B11"
    assert outputs["ipc"]["value"] == {
        "name": "ipconfig1",
        "resource_ref": f"/networkInterfaces/{NICS[0]}/ipConfigurations/ipconfig1",
        "private_ip_address": "192.168.2.11",
        "subnet_ref": "/virtualNetworks/MyNetwork/subnets/Subnet2",
        "backend_address_pool_refs": [f"/loadBalancers/{lb}/backendAddressPools/Backend1"],
    }
    tf.destroy()


def test_failed_provisioning_is_an_error_and_keeps_the_membership_tainted(tf: Terraform, emulator: Emulator):
    lb = "MemberFailed_VIP"
    nic_ref = f"/networkInterfaces/{NICS[0]}"
    tf.write(provider_block(emulator) + lb_hcl(lb, "192.168.2.106") + members())
    tf.apply("-target=sdn_load_balancer.lb")
    emulator.admin(
        "POST",
        "faults",
        {"kind": "provisioning_outcome", "resourceRef": nic_ref, "detail": "Host agent rejected the port profile."},
    )
    proc = tf.apply(check=False)
    assert proc.returncode == 1 and "Host agent rejected the port profile." in proc.stderr, proc.stderr
    assert tf.resources()["sdn_backend_pool_member.node1"]["membership_id"] == (
        f"{NICS[0]}/ipconfig1|/loadBalancers/{lb}/backendAddressPools/Backend1"
    )
    assert "tainted" in tf.run("state", "show", "-no-color", "sdn_backend_pool_member.node1").stdout
    plan = tf.plan()
    assert plan.returncode == 2 and "sdn_backend_pool_member.node1 is tainted, so must be replaced" in plan.stdout
    tf.apply()
    assert emulator.get(nic_ref)["properties"]["provisioningState"] == "Succeeded"
    tf.assert_no_changes()
    tf.destroy()
