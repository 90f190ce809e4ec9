"""The path users take: filesystem mirror + `terraform init` + a spawned plugin per command."""

from __future__ import annotations

from tests.configs import seed_lb
from tests.harness import REQUIRED_PROVIDERS, Emulator, Terraform


def test_mirror_install_init_apply_destroy_with_env_configuration(tmp_path, emulator: Emulator, cli_config):
    # Provider settings from SDN_* environment variables only: the provider block is empty.
    tf = Terraform(tmp_path, {"TF_CLI_CONFIG_FILE": str(cli_config), "SDN_NETWORK_CONTROLLER_URI": emulator.uri})
    tf.write(REQUIRED_PROVIDERS + 'provider "sdn" {}\n' + seed_lb("Packaged_VIP"))
    init = tf.init()
    assert "windows-sdn/sdn v0.1.0" in init.stdout
    tf.apply()
    assert emulator.get("/loadBalancers/Packaged_VIP")["properties"]["provisioningState"] == "Succeeded"
    tf.assert_no_changes()
    tf.destroy()
    assert emulator.get("/loadBalancers/Packaged_VIP") is None


def test_provider_setting_unknown_at_plan_time(tmp_path, emulator: Emulator, cli_config):
    """An aliased provider configured from another resource's attribute: unknown at plan, no crash."""
    tf = Terraform(tmp_path, {"TF_CLI_CONFIG_FILE": str(cli_config)})
    tf.write(
        REQUIRED_PROVIDERS
        + f"""
provider "sdn" {{
  network_controller_uri = "{emulator.uri}"
}}

provider "sdn" {{
  alias                  = "late"
  network_controller_uri = sdn_load_balancer.first.resource_ref == "" ? "" : "{emulator.uri}"
}}

resource "sdn_load_balancer" "first" {{
  resource_id = "Late_First"
  frontend_ip_configuration {{
    name               = "fe"
    private_ip_address = "192.168.2.101"
    subnet_ref         = "/virtualNetworks/MyNetwork/subnets/Subnet2"
  }}
}}

data "sdn_virtual_network" "late" {{
  provider    = sdn.late
  resource_id = "MyNetwork"
  depends_on  = [sdn_load_balancer.first]
}}

resource "sdn_load_balancer" "second" {{
  provider    = sdn.late
  resource_id = "Late_Second"
  frontend_ip_configuration {{
    name               = "fe"
    private_ip_address = "192.168.2.102"
    subnet_ref         = data.sdn_virtual_network.late.subnet_refs["Subnet2"]
  }}
}}
"""
    )
    tf.init()
    tf.apply()
    assert emulator.get("/loadBalancers/Late_Second") is not None
    tf.assert_no_changes()
    tf.destroy()
