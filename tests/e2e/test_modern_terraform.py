"""Features of newer Terraform releases, against the emulator: `import {}` blocks (with for_each),
`plan -generate-config-out`, `moved`, `removed`, `-refresh-only` and `terraform test` with `mock_provider`.

Each test runs where this run's binary has the feature and is skipped with the reason where it does not;
`make test` runs this file once per Terraform version it finds (tools/version_matrix.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.configs import SUBNET, cluster_hcl, seed_lb
from tests.harness import REPO, REQUIRED_PROVIDERS, TERRAFORM_BINARY, Emulator, Terraform, provider_block, requires
from tests.observe import sh, wait_succeeded

EXAMPLE = REPO / "examples" / "import"


def lb(name: str, vip: str, label: str = "lb", for_each: str = "") -> str:
    """The seed's load balancer as `sdn_load_balancer.<label>`, optionally with a for_each line."""
    header = f'"sdn_load_balancer" "{label}" {{' + (f"\n  for_each = {for_each}" if for_each else "")
    return seed_lb(name, vip=vip, subnet=SUBNET).replace('"sdn_load_balancer" "lb" {', header)


def make_by_rest(emulator: Emulator, name: str, vip: str) -> None:
    """The seed's load balancer made outside Terraform (the REST body New-NetworkControllerLoadBalancer sends)."""
    text = (EXAMPLE / "load-balancer.json").read_text()
    body = json.loads(text.replace("MyNetwork_InternalVIP", name).replace("192.168.2.100", vip))
    response = emulator.put(f"/loadBalancers/{name}", body)
    assert response.status_code in (200, 201), response.text
    wait_succeeded(emulator, f"/loadBalancers/{name}")


def planned(tf: Terraform) -> dict:
    tf.run("plan", "-out=tfplan", "-no-color", "-input=false")
    return json.loads(tf.run("show", "-json", "-no-color", "tfplan").stdout)


@requires("import blocks with for_each")
def test_import_blocks_with_for_each_adopt_hand_made_load_balancers(tf: Terraform, emulator: Emulator):
    vips = {"Adopt_A": "192.168.2.171", "Adopt_B": "192.168.2.172"}
    for name, vip in vips.items():
        make_by_rest(emulator, name, vip)
    resource = lb("${each.key}", "${each.value}", for_each="local.vips")
    tf.write(
        provider_block(emulator)
        + f"locals {{\n  vips = {json.dumps(vips).replace(':', ' =')}\n}}\n"
        + "import {\n  for_each = local.vips\n  to       = sdn_load_balancer.lb[each.key]\n  id       = each.key\n}\n"
        + resource
    )
    changes = {c["address"]: c for c in planned(tf)["resource_changes"]}
    assert set(changes) == {f'sdn_load_balancer.lb["{name}"]' for name in vips}
    for change in changes.values():
        assert change["change"]["actions"] == ["no-op"], change
        assert change["change"]["importing"]["id"] in vips
    tf.apply()
    tf.assert_no_changes()
    assert set(tf.resources()) == set(changes)


@requires("plan -generate-config-out")
def test_generate_config_out_writes_config_that_plans_clean(tf: Terraform, emulator: Emulator):
    make_by_rest(emulator, "Generated_VIP", "192.168.2.173")
    tf.write(provider_block(emulator) + 'import {\n  to = sdn_load_balancer.adopted\n  id = "Generated_VIP"\n}\n')
    proc = tf.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    assert "1 to import, 0 to add, 0 to change, 0 to destroy" in proc.stdout, proc.stdout
    generated = (tf.workdir / "generated.tf").read_text()
    # What users find in the file (docs/guides/modern-terraform.md): unset optionals are written as null.
    assert 'resource "sdn_load_balancer" "adopted"' in generated
    assert 'resource_id = "Generated_VIP"' in generated
    assert "tags        = null" in generated
    assert 'private_ip_address           = "192.168.2.173"' in generated
    tf.apply()
    tf.assert_no_changes()


@requires("moved blocks")
def test_moved_block_renames_without_replacing(tf: Terraform, emulator: Emulator):
    tf.write(provider_block(emulator) + lb("Moved_VIP", "192.168.2.174", label="old"))
    tf.apply()
    instance_id = tf.resources()["sdn_load_balancer.old"]["instance_id"]
    tf.write(
        provider_block(emulator)
        + lb("Moved_VIP", "192.168.2.174", label="new")
        + "moved {\n  from = sdn_load_balancer.old\n  to   = sdn_load_balancer.new\n}\n"
    )
    (change,) = planned(tf)["resource_changes"]
    assert change["address"] == "sdn_load_balancer.new"
    assert change["previous_address"] == "sdn_load_balancer.old"
    assert change["change"]["actions"] == ["no-op"]
    tf.apply()
    assert tf.resources()["sdn_load_balancer.new"]["instance_id"] == instance_id
    tf.assert_no_changes()
    tf.destroy()


@requires("removed blocks")
def test_removed_block_forgets_the_object_and_leaves_it_in_network_controller(tf: Terraform, emulator: Emulator):
    tf.write(provider_block(emulator) + lb("Removed_VIP", "192.168.2.175"))
    tf.apply()
    tf.write(
        provider_block(emulator)
        + "removed {\n  from = sdn_load_balancer.lb\n  lifecycle {\n    destroy = false\n  }\n}\n"
    )
    tf.apply()
    assert tf.resources() == {}
    assert emulator.get("/loadBalancers/Removed_VIP")["properties"]["provisioningState"] == "Succeeded"
    assert emulator.delete("/loadBalancers/Removed_VIP").status_code in (200, 202, 204)


def test_refresh_only_records_drift_without_changing_network_controller(tf: Terraform, emulator: Emulator):
    """Runs everywhere (-refresh-only is Terraform 0.15.4+)."""
    name = "Refresh_VIP"
    tf.write(provider_block(emulator) + lb(name, "192.168.2.176"))
    tf.apply()
    body = emulator.get(f"/loadBalancers/{name}")
    body["properties"]["probes"][0]["properties"]["intervalInSeconds"] = 15  # changed by hand
    assert emulator.put(f"/loadBalancers/{name}", body).status_code in (200, 201)
    wait_succeeded(emulator, f"/loadBalancers/{name}")

    proc = tf.plan("-refresh-only")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "interval_in_seconds = 5 -> 15" in proc.stdout, proc.stdout
    tf.apply("-refresh-only")
    (probe,) = tf.resources()["sdn_load_balancer.lb"]["probe"]
    assert probe["interval_in_seconds"] == 15
    # The configuration still says 5: a normal plan now proposes to put it back; NC was not touched.
    assert emulator.get(f"/loadBalancers/{name}")["properties"]["probes"][0]["properties"]["intervalInSeconds"] == 15
    assert tf.plan().returncode == 2
    tf.destroy()


@requires("terraform test with mock_provider")
def test_terraform_test_with_mock_provider_needs_no_network_controller(tf: Terraform, emulator: Emulator):
    """A module's own tests with `mock_provider "sdn"`: the provider's schema is used, its API never called."""
    tf.write(
        'terraform {\n  required_providers {\n    sdn = { source = "windows-sdn/sdn" }\n  }\n}\n'
        + 'provider "sdn" {\n  network_controller_uri = "https://nc.invalid"\n}\n'
        + lb("Mocked_VIP", "192.168.2.177")
    )
    (tf.workdir / "tests").mkdir()
    tf.write(
        """
        mock_provider "sdn" {
          mock_resource "sdn_load_balancer" {
            defaults = {
              resource_ref = "/loadBalancers/Mocked_VIP"
            }
          }
        }

        run "plans_the_seed_vip" {
          command = apply
          assert {
            condition     = sdn_load_balancer.lb.resource_ref == "/loadBalancers/Mocked_VIP"
            error_message = "mocked ref expected"
          }
          assert {
            condition     = one(sdn_load_balancer.lb.frontend_ip_configuration).private_ip_address == "192.168.2.177"
            error_message = "the VIP comes from the configuration"
          }
        }
        """,
        name="tests/lb.tftest.hcl",
    )
    proc = tf.run("test", "-no-color")
    assert "1 passed, 0 failed" in proc.stdout, proc.stdout
    assert emulator.get("/loadBalancers/Mocked_VIP") is None


def test_schema_is_served_once_per_command_where_terraform_caches_it(tmp_path, emulator: Emulator, cli_config):
    """Spawned plugins (mirror + init): Terraform >= 1.6 asks the first start for the schema and reuses it
    (get_provider_schema_optional); older releases ask every start. Destroy plans reach the provider."""
    tf = Terraform(tmp_path, {"TF_CLI_CONFIG_FILE": str(cli_config), "TF_LOG": "trace"})
    tf.write(provider_block(emulator) + lb("Schema_VIP", "192.168.2.178"))
    tf.init()
    tf.apply()
    log = tf.destroy().stderr
    starts = len(re.findall(r"plugin started", log))
    served = len(re.findall(r"served GetProviderSchema", log))
    assert starts >= 2, log[-3000:]
    assert served == (1 if TERRAFORM_BINARY.supports("cached provider schemas") else starts), (starts, served)
    destroy_plans = len(re.findall(r"planned the destroy of a sdn_load_balancer", log))
    assert destroy_plans == (1 if TERRAFORM_BINARY.supports("destroy plans by the provider") else 0), log[-3000:]
    assert emulator.get("/loadBalancers/Schema_VIP") is None


@pytest.fixture(scope="module")
def own_emulator() -> Iterator[Emulator]:
    """Its own guest nodes: this module builds a failover cluster, which other files' tests also do."""
    emu = Emulator.start(delay=0.05)
    yield emu
    emu.stop()


@requires("ephemeral variables")
def test_ephemeral_winrm_password_stays_out_of_the_saved_plan_and_the_state(tf: Terraform, own_emulator: Emulator):
    info = own_emulator.info
    endpoints = ", ".join(f'{node} = "{url}"' for node, url in info["winrm_endpoints"].items())
    tf.write(
        'variable "winrm_password" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n'
        + provider_block(
            own_emulator,
            f"winrm_endpoints    = {{ {endpoints} }}\n"
            f'  winrm_username     = "{info["winrm_username"]}"\n'
            "  winrm_password     = var.winrm_password\n"
            f'  winrm_ca_cert_file = "{info["ca_file"]}"',
        )
        + cluster_hcl(nodes=("DB1",))
    )
    password = info["winrm_password"]
    tf.env["TF_VAR_winrm_password"] = password
    tf.run("plan", "-out=tfplan", "-no-color", "-input=false")
    assert password not in tf.run("show", "-json", "-no-color", "tfplan").stdout
    tf.apply("tfplan")  # Terraform asks for the ephemeral value again at apply: TF_VAR_ supplies it
    assert sh(own_emulator, "DB1", "get_cluster")["exists"]
    assert password not in (tf.workdir / "terraform.tfstate").read_text()
    tf.assert_no_changes()
    tf.destroy()


def test_the_guides_emulator_provider_block_works(tf: Terraform, emulator: Emulator):
    """docs/guides/modern-terraform.md's block, as written, against an emulator's state file."""
    guide = (REPO / "docs" / "guides" / "modern-terraform.md").read_text()
    block = guide.split("## A provider block for the emulator", 1)[1].split("```hcl\n", 1)[1].split("```", 1)[0]
    (tf.workdir / "emu.json").write_text(json.dumps(emulator.info))
    tf.write(
        REQUIRED_PROVIDERS
        + block
        + 'data "sdn_virtual_network" "tenant" {\n  resource_id = "MyNetwork"\n}\n'
        + 'output "subnet" {\n  value = data.sdn_virtual_network.tenant.subnet_refs["Subnet2"]\n}\n'
    )
    tf.apply()
    assert json.loads(tf.run("output", "-json").stdout)["subnet"]["value"].lower().endswith("/subnets/subnet2")
