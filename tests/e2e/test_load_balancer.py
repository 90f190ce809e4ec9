"""sdn_load_balancer end to end: real terraform, reattached provider, real emulator over HTTP."""

from __future__ import annotations

import pytest

from tests.configs import SUBNET, seed_lb
from tests.harness import Emulator, Terraform, provider_block
from tests.steps import State, Step, attr, holds, nc_seed, output, run

LB = "sdn_load_balancer.lb"


def test_lifecycle_apply_update_import_drift_destroy(tf: Terraform, emulator: Emulator):
    name = "Lifecycle_VIP"
    ref = f"/loadBalancers/{name}"
    first: dict = {}

    def written(state: State) -> None:
        live = emulator.get(ref)
        first.update(live)
        assert live["properties"]["provisioningState"] == "Succeeded"
        assert live["properties"]["probes"][0]["properties"]["port"] == 59999
        assert live["properties"]["loadBalancingRules"][0]["properties"]["enableFloatingIP"] is True

    def updated_in_place(state: State) -> None:
        """A probe change is an in-place update: same instanceId, new etag."""
        updated = emulator.get(ref)
        assert updated["instanceId"] == first["instanceId"] and updated["etag"] != first["etag"]
        assert updated["properties"]["probes"][0]["properties"]["intervalInSeconds"] == 10

    def delete_out_of_band() -> None:
        assert emulator.delete(ref).status_code in (200, 202, 204)
        for _ in range(100):
            if emulator.get(ref) is None:
                break

    config = provider_block(emulator) + seed_lb(name, interval=10)
    run(
        tf,
        [
            Step(
                provider_block(emulator) + seed_lb(name),
                actions={LB: "create"},
                checks=(
                    written,
                    attr(LB, "backend_address_pool_refs", {"Backend1": f"{ref}/backendAddressPools/Backend1"}),
                ),
            ),
            Step(
                config,
                actions={LB: "update"},
                plan_shows=("update in-place",),
                plan_hides=("forces replacement",),
                checks=(updated_in_place,),
            ),
            # Import can only record refs and enums in NC's spelling (there is no config to copy the user's from),
            # so the import's configuration spells the subnet that way, and the user's spellings are not compared.
            Step(
                config,
                imports={LB: name},
                import_config=provider_block(emulator) + seed_lb(name, interval=10, subnet=SUBNET),
                import_ignore=(
                    "frontend_ip_configuration.0.subnet_ref",
                    "probe.0.protocol",
                    "load_balancing_rule.0.protocol",
                ),
            ),
            # Out-of-band delete: refresh notices, plan re-creates.
            Step(config, before=delete_out_of_band, actions={LB: "create"}, plan_shows=("will be created",)),
            Step(
                config,
                destroy=True,
                checks=(
                    holds("the load balancer", lambda: emulator.get(ref), None),
                    holds(
                        "load balancers named so",
                        lambda: [lb for lb in emulator.list("loadBalancers") if lb["resourceId"] == name],
                        [],
                    ),
                ),
            ),
        ],
        seed=nc_seed(emulator),
    )


def test_out_of_band_change_is_detected(tf: Terraform, emulator: Emulator):
    name = "Drift_VIP"
    config = provider_block(emulator) + seed_lb(name)

    def change_probe_port() -> None:
        live = emulator.get(f"/loadBalancers/{name}")
        live["properties"]["probes"][0]["properties"]["port"] = 60000
        assert emulator.put(f"/loadBalancers/{name}", live).status_code in (200, 201)

    run(
        tf,
        [
            Step(config),
            Step(config, before=change_probe_port, actions={LB: "update"}, plan_shows=("60000 -> 59999",)),
        ],
        seed=nc_seed(emulator),
    )


def test_create_refuses_to_adopt_existing(tf: Terraform, emulator: Emulator):
    name = "Adopt_VIP"
    tf.write(provider_block(emulator) + seed_lb(name))
    tf.apply()
    again = Terraform(tf.workdir / "again", tf.env)
    again.workdir.mkdir()
    again.write(provider_block(emulator) + seed_lb(name))
    proc = again.apply(check=False)
    assert proc.returncode == 1 and "already exists" in proc.stderr and "terraform import" in proc.stderr
    tf.destroy()


@pytest.mark.parametrize(
    ("kwargs", "message", "attribute"),
    [
        ({"probe_port": 70000}, "probe port must be a whole number from 1 to 65535", "port"),
        ({"vip": "192.168.2.300"}, "is not an IPv4 address", "private_ip_address"),
        ({"vip": "192.168.3.5"}, "VIP outside its subnet", "private_ip_address"),
        ({"vip": "192.168.2.0"}, "is the network address of", "private_ip_address"),
        ({"vip": "192.168.2.255"}, "is the broadcast address of", "private_ip_address"),
        (
            {"vip": "192.168.2.11"},
            "VIP is a node's own address",
            "private_ip_address",
        ),
        ({"subnet": "/virtualNetworks/MyNetwork/subnets/NoSuchSubnet"}, "does not exist", "subnet_ref"),
        ({"subnet": "Subnet2"}, "is not a subnet resourceRef", "subnet_ref"),
        ({"interval": 1}, "interval_in_seconds must be a whole number from 5", "interval_in_seconds"),
    ],
)
def test_bad_input_is_refused_at_plan_with_the_attribute(tf: Terraform, emulator: Emulator, kwargs, message, attribute):
    tf.write(provider_block(emulator) + seed_lb("Bad_VIP", **kwargs))
    proc = tf.plan()
    assert proc.returncode == 1, proc.stdout
    assert message in proc.stderr
    assert f"{attribute} " in proc.stderr or f"{attribute}=" in proc.stderr.replace(" ", ""), proc.stderr
    assert emulator.get("/loadBalancers/Bad_VIP") is None


def test_dangling_rule_reference_names_the_attribute(tf: Terraform, emulator: Emulator):
    rule = """
  load_balancing_rule {
    name                            = "Rules2"
    frontend_ip_configuration_names = ["Frontend1"]
    backend_address_pool_name       = "NoSuchPool"
    frontend_port                   = 80
  }"""
    tf.write(provider_block(emulator) + seed_lb("Dangling_VIP", extra_rule=rule))
    proc = tf.plan()
    assert proc.returncode == 1
    assert 'No backend_address_pool block is named "NoSuchPool"' in proc.stderr
    assert "backend_address_pool_name" in proc.stderr


def test_data_sources_read_what_was_applied(tf: Terraform, emulator: Emulator):
    config = (
        provider_block(emulator)
        + seed_lb("Data_VIP")
        + """
data "sdn_load_balancer" "read" {
  resource_id = sdn_load_balancer.lb.resource_id
}

data "sdn_virtual_network" "vnet" {
  resource_id = "MyNetwork"
}

output "vip" {
  value = data.sdn_load_balancer.read.frontend_ip_configuration[0].private_ip_address
}

output "subnet_prefix" {
  value = data.sdn_virtual_network.vnet.subnets[0].address_prefix
}
"""
    )
    run(
        tf,
        [Step(config, checks=(output("vip", "192.168.2.100"), output("subnet_prefix", "192.168.2.0/24")))],
        seed=nc_seed(emulator),
    )
