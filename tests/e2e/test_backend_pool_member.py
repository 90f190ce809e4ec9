"""sdn_backend_pool_member end to end: real terraform, reattached provider, real emulator over HTTP."""

from __future__ import annotations

import re

from tests.configs import NICS, lb_hcl, members
from tests.harness import Emulator, Terraform, provider_block
from tests.observe import comparable, ipc_pools, pool_of
from tests.steps import State, Step, absent, attr, holds, nc_seed, output, run

LB = "sdn_load_balancer.lb"
NODE1, NODE2 = "sdn_backend_pool_member.node1", "sdn_backend_pool_member.node2"
#: The import does not know the user's spelling of NC's enums (`TCP` written, `Tcp` answered).
ENUM_SPELLINGS = ("probe.0.protocol", "load_balancing_rule.0.protocol")


def nics_untouched_but_for_the_pool(emulator: Emulator, before: dict) -> None:
    """Everything else on the NIC is untouched: only the pool ref was added."""
    for nic in before:
        after = comparable(emulator.get(f"/networkInterfaces/{nic}"))
        after["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
        assert after == before[nic], nic


def nics(emulator: Emulator, names: tuple[str, ...] = NICS) -> dict:
    return {nic: comparable(emulator.get(f"/networkInterfaces/{nic}")) for nic in names}


def test_lifecycle_join_import_drift_destroy(tf: Terraform, emulator: Emulator):
    lb = "Member_VIP"
    pool = f"/loadBalancers/{lb}/backendAddressPools/Backend1"
    before = nics(emulator)
    config = provider_block(emulator) + lb_hcl(lb, "192.168.2.101") + members()

    def remove_node1_out_of_band() -> None:
        """PUT the NIC without the ref: planned back as a create."""
        nic = emulator.get(f"/networkInterfaces/{NICS[0]}")
        nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
        assert emulator.put(f"/networkInterfaces/{NICS[0]}", nic).status_code == 200

    joined = [f"/networkInterfaces/{nic}/ipConfigurations/ipconfig1" for nic in NICS]
    run(
        tf,
        [
            Step(
                config,
                actions={LB: "create", NODE1: "create", NODE2: "create"},
                plan_shows=('ip_configuration_id      = "ipconfig1"',),
                checks=(
                    holds("pool members", lambda: pool_of(emulator, lb), joined),
                    attr(NODE1, "ip_configuration_id", "ipconfig1"),
                    attr(NODE1, "membership_id", f"{NICS[0]}/ipconfig1|{pool}"),
                    lambda _: nics_untouched_but_for_the_pool(emulator, before),
                ),
            ),
            # Import into an empty state (the LB too): attribute by attribute as applied, then the plan is empty.
            Step(
                config,
                imports={
                    LB: lb,
                    **{f"sdn_backend_pool_member.node{i}": f"{nic}/ipconfig1|{pool}" for i, nic in enumerate(NICS, 1)},
                },
                import_ignore=ENUM_SPELLINGS,
            ),
            Step(config, imports={NODE1: f"{NICS[0]}|{pool}"}, expect_error="Invalid import ID"),
            Step(
                config,
                before=remove_node1_out_of_band,
                actions={NODE1: "create"},
                plan_shows=(f"{NODE1} will be created", "Plan: 1 to add, 0 to change, 0 to destroy"),
            ),
            # One destroy removes members first, then the LB; the NICs are exactly as before.
            Step(
                config,
                destroy=True,
                checks=(
                    holds("the load balancer", lambda: emulator.get(f"/loadBalancers/{lb}"), None),
                    holds("the NICs", lambda: nics(emulator), before),
                ),
            ),
        ],
        seed=nc_seed(emulator),
    )


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
    before = nics(emulator)

    def race() -> None:
        emulator.admin("POST", "stats/reset")
        emulator.admin("POST", "requests/reset")
        race = {"kind": "concurrent_write_next", "method": "PUT", "collection": "networkInterfaces", "count": 2}
        emulator.admin("POST", "faults", race)

    def retried(_: State) -> None:
        puts = [r for r in emulator.admin("GET", "requests")["requests"] if r["method"] == "PUT"]
        assert [r["status"] for r in puts].count(412) == 2 and len(puts) == len(NICS) + 2, puts
        assert all(r["ifMatch"] for r in puts), puts  # every NIC PUT is guarded

    run(
        tf,
        [
            Step(provider_block(emulator) + lb_hcl(lb, "192.168.2.104")),
            Step(
                provider_block(emulator) + lb_hcl(lb, "192.168.2.104") + members(),
                before=race,
                checks=(
                    retried,
                    holds(
                        "pool members",
                        lambda: pool_of(emulator, lb),
                        [f"/networkInterfaces/{nic}/ipConfigurations/ipconfig1" for nic in NICS],
                    ),
                    lambda _: nics_untouched_but_for_the_pool(emulator, before),
                ),
            ),
        ],
        seed=nc_seed(emulator),
    )


def test_412_with_an_unchanged_etag_is_nc_error_not_a_loop(tf: Terraform, emulator: Emulator):
    """NC answers 412 to a NIC PUT while the NIC's etag stays what we sent ([MS-NCNBI] 2.2.1.3.4 also reads 412
    as "parent resource unavailable"): no lost race to retry, so the apply stops at once with NC's message
    instead of re-reading until operation_timeout. The NIC is left as it was."""
    lb = "MemberEtag_VIP"
    before = nics(emulator, NICS[:1])

    def refuse_the_next_nic_put() -> None:
        emulator.admin("POST", "stats/reset")
        emulator.admin(
            "POST",
            "faults",
            {"kind": "fail_next", "method": "PUT", "collection": "networkInterfaces", "status": 412, "count": 1},
        )

    def one_nic_put() -> int:
        stats = {(r["method"], r["collection"]): r["count"] for r in emulator.admin("GET", "stats")["requests"]}
        return stats[("PUT", "networkInterfaces")]

    run(
        tf,
        [
            Step(provider_block(emulator) + lb_hcl(lb, "192.168.2.103")),
            Step(
                provider_block(emulator) + lb_hcl(lb, "192.168.2.103") + members(nics=NICS[:1]),
                before=refuse_the_next_nic_put,
                expect_error=re.escape("refused If-Match with the etag it had just returned"),
                checks=(
                    holds("NIC PUTs", one_nic_put, 1),
                    holds("the NIC", lambda: nics(emulator, NICS[:1]), before),
                    absent(NODE1),
                ),
            ),
        ],
        seed=nc_seed(emulator),
    )


def test_lb_destroy_names_out_of_band_members(tf: Terraform, emulator: Emulator):
    lb = "MemberInUse_VIP"
    pool = f"/loadBalancers/{lb}/backendAddressPools/Backend1"
    nic_ref = f"/networkInterfaces/{NICS[1]}"
    config = provider_block(emulator) + lb_hcl(lb, "192.168.2.104")

    def set_pools(pools: list[dict]) -> None:
        for _ in range(100):
            nic = emulator.get(nic_ref)
            if nic["properties"]["provisioningState"] == "Succeeded":
                break
        nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = pools
        assert emulator.put(nic_ref, nic).status_code == 200

    run(
        tf,
        [
            Step(config),
            Step(
                config,
                before=lambda: set_pools([{"resourceRef": pool}]),
                destroy=True,
                expect_error=f"still in use.*{re.escape(nic_ref)}/ipConfigurations/ipconfig1",
            ),
            # Clean up: drop the out-of-band membership; the final destroy then goes through.
            Step(config, before=lambda: set_pools([])),
        ],
        seed=nc_seed(emulator),
    )


def test_data_source_lists_ip_configurations_and_pools(tf: Terraform, emulator: Emulator):
    lb = "MemberData_VIP"
    config = (
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
    ipc = {
        "name": "ipconfig1",
        "resource_ref": f"/networkInterfaces/{NICS[0]}/ipConfigurations/ipconfig1",
        "private_ip_address": "192.168.2.11",
        "subnet_ref": "/virtualNetworks/MyNetwork/subnets/Subnet2",
        "backend_address_pool_refs": [f"/loadBalancers/{lb}/backendAddressPools/Backend1"],
    }
    run(
        tf,
        [Step(config, expect_empty_plan=False, checks=(output("mac", "00155D020B11"), output("ipc", ipc)))],
        seed=nc_seed(emulator),
    )


def test_failed_provisioning_is_an_error_and_keeps_the_membership_tainted(tf: Terraform, emulator: Emulator):
    lb = "MemberFailed_VIP"
    nic_ref = f"/networkInterfaces/{NICS[0]}"
    config = provider_block(emulator) + lb_hcl(lb, "192.168.2.106") + members()

    def fail_the_nic() -> None:
        emulator.admin(
            "POST",
            "faults",
            {"kind": "provisioning_outcome", "resourceRef": nic_ref, "detail": "Host agent rejected the port profile."},
        )

    def tainted(_: State) -> None:
        assert "tainted" in tf.run("state", "show", "-no-color", NODE1).stdout

    run(
        tf,
        [
            Step(config, targets=(LB,), expect_empty_plan=False),
            Step(
                config,
                before=fail_the_nic,
                expect_error=re.escape("Host agent rejected the port profile."),
                checks=(
                    attr(
                        NODE1, "membership_id", f"{NICS[0]}/ipconfig1|/loadBalancers/{lb}/backendAddressPools/Backend1"
                    ),
                    tainted,
                ),
            ),
            Step(
                config,
                actions={NODE1: "replace"},
                plan_shows=(f"{NODE1} is tainted, so must be replaced",),
                checks=(
                    holds(
                        "NIC provisioningState",
                        lambda: emulator.get(nic_ref)["properties"]["provisioningState"],
                        "Succeeded",
                    ),
                ),
            ),
        ],
        seed=nc_seed(emulator),
    )
