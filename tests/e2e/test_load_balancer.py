"""sdn_load_balancer end to end: real terraform, reattached provider, real emulator over HTTP."""

from __future__ import annotations

import pytest

from tests.harness import Emulator, Terraform, provider_block


def seed_lb(
    name: str = "MyNetwork_InternalVIP",
    vip: str = "192.168.2.100",
    probe_port: int = 59999,
    interval: int = 5,
    subnet: str = "/VirtualNetworks/MyNetwork/Subnets/Subnet2",
    extra_rule: str = "",
) -> str:
    """The seed's load balancer, written as a user would (the seed's mixed-case subnet ref included)."""
    return f"""
resource "sdn_load_balancer" "lb" {{
  resource_id = "{name}"

  frontend_ip_configuration {{
    name               = "Frontend1"
    private_ip_address = "{vip}"
    subnet_ref         = "{subnet}"
  }}

  backend_address_pool {{
    name = "Backend1"
  }}

  probe {{
    name                = "Probe1"
    protocol            = "TCP"
    port                = {probe_port}
    interval_in_seconds = {interval}
    number_of_probes    = 11
  }}

  load_balancing_rule {{
    name                           = "Rules1"
    frontend_ip_configuration_names = ["Frontend1"]
    backend_address_pool_name      = "Backend1"
    probe_name                     = "Probe1"
    protocol                       = "TCP"
    frontend_port                  = 1433
    backend_port                   = 1433
    idle_timeout_in_minutes        = 4
    enable_floating_ip             = true
  }}
  {extra_rule}
}}
"""


def test_lifecycle_apply_update_import_drift_destroy(tf: Terraform, emulator: Emulator, tmp_path_factory):
    name = "Lifecycle_VIP"
    ref = f"/loadBalancers/{name}"
    tf.write(provider_block(emulator) + seed_lb(name))
    tf.apply()
    live = emulator.get(ref)
    assert live["properties"]["provisioningState"] == "Succeeded"
    assert live["properties"]["probes"][0]["properties"]["port"] == 59999
    assert live["properties"]["loadBalancingRules"][0]["properties"]["enableFloatingIP"] is True
    assert tf.resources()["sdn_load_balancer.lb"]["backend_address_pool_refs"] == {
        "Backend1": f"{ref}/backendAddressPools/Backend1"
    }
    tf.assert_no_changes()

    # A probe change is an in-place update: same instanceId, new etag.
    tf.write(provider_block(emulator) + seed_lb(name, interval=10))
    plan = tf.plan()
    assert plan.returncode == 2 and "update in-place" in plan.stdout and "forces replacement" not in plan.stdout
    tf.apply()
    updated = emulator.get(ref)
    assert updated["instanceId"] == live["instanceId"] and updated["etag"] != live["etag"]
    assert updated["properties"]["probes"][0]["properties"]["intervalInSeconds"] == 10
    tf.assert_no_changes()

    # Import into an empty state, then the plan is empty. Import can only record refs in NC's canonical
    # casing (there is no config to copy the spelling from), so this config spells the subnet that way.
    other = Terraform(
        tmp_path_factory.mktemp("import"),
        {k: v for k, v in tf.env.items() if k in ("TF_REATTACH_PROVIDERS", "TF_CLI_CONFIG_FILE")},
    )
    canonical = "/virtualNetworks/MyNetwork/subnets/Subnet2"
    other.write(provider_block(emulator) + seed_lb(name, interval=10, subnet=canonical))
    other.import_("sdn_load_balancer.lb", name)
    other.assert_no_changes()

    # Out-of-band delete: refresh notices, plan re-creates.
    assert emulator.delete(ref).status_code in (200, 202, 204)
    for _ in range(100):
        if emulator.get(ref) is None:
            break
    plan = tf.plan()
    assert plan.returncode == 2 and "will be created" in plan.stdout
    tf.apply()
    tf.assert_no_changes()

    tf.destroy()
    assert emulator.get(ref) is None
    assert all(lb["resourceId"] != name for lb in emulator.list("loadBalancers"))


def test_out_of_band_change_is_detected(tf: Terraform, emulator: Emulator):
    name = "Drift_VIP"
    tf.write(provider_block(emulator) + seed_lb(name))
    tf.apply()
    live = emulator.get(f"/loadBalancers/{name}")
    live["properties"]["probes"][0]["properties"]["port"] = 60000
    assert emulator.put(f"/loadBalancers/{name}", live).status_code in (200, 201)
    plan = tf.plan()
    assert plan.returncode == 2 and "60000 -> 59999" in plan.stdout
    tf.apply()
    tf.assert_no_changes()
    tf.destroy()


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
    tf.write(
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
    tf.apply()
    outputs = tf.state()["values"]["outputs"]
    assert outputs["vip"]["value"] == "192.168.2.100"
    assert outputs["subnet_prefix"]["value"] == "192.168.2.0/24"
    tf.assert_no_changes()
    tf.destroy()
