"""Network Controller's real behaviour through the real terraform binary: NC's enum spelling, state written by
the previous provider version, and (with the emulator's NC model) full-object PUTs, async deletes and their
Failed end. Each test names the [MS-NCNBI] section or Microsoft source it stands on."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.configs import seed_lb
from tests.contract import sdndiagnostics
from tests.harness import BIN, Emulator, Terraform, provider_block

FIXTURES = Path(__file__).parent / "fixtures"


def test_any_enum_spelling_applies_and_plans_clean(tf: Terraform, emulator: Emulator):
    """NC answers enums in its own spelling whatever the client sent ([MS-NCNBI] 3.1.5.5.5.1.2.2 answers "Tcp";
    SdnDiagnostics' dumps answer "All" for "ALL"): state keeps the user's spelling, so no inconsistent result
    after apply and an empty plan after it. Case-only references between blocks are kept as written too."""
    name = "Spelling_VIP"
    hcl = seed_lb(name).replace('protocol            = "TCP"', 'protocol            = "tcp"')
    hcl = hcl.replace('protocol                       = "TCP"', 'protocol = "tcp"\n    load_distribution = "sourceip"')
    hcl = hcl.replace('probe_name                     = "Probe1"', 'probe_name = "probe1"')
    hcl = hcl.replace(
        'name               = "Frontend1"', 'name = "Frontend1"\n    private_ip_allocation_method = "STATIC"'
    )
    assert hcl.count('"tcp"') == 2 and '"probe1"' in hcl and '"sourceip"' in hcl and '"STATIC"' in hcl
    tf.write(provider_block(emulator) + hcl)
    tf.apply()
    try:
        live = emulator.get(f"/loadBalancers/{name}")["properties"]
        rule, probe = live["loadBalancingRules"][0]["properties"], live["probes"][0]["properties"]
        assert (rule["protocol"], rule["loadDistribution"], probe["protocol"]) == ("Tcp", "SourceIP", "Tcp")
        assert rule["probe"]["resourceRef"].endswith("/probes/Probe1")
        lb = tf.resources()["sdn_load_balancer.lb"]
        assert lb["probe"][0]["protocol"] == "tcp" and lb["load_balancing_rule"][0]["probe_name"] == "probe1"
        assert lb["frontend_ip_configuration"][0]["private_ip_allocation_method"] == "STATIC"
        tf.assert_no_changes()
    finally:
        tf.destroy()


def test_state_written_by_the_previous_version_plans_clean(tf: Terraform, emulator: Emulator):
    """A state file written by provider 0.1.0 (main at 4ee66e4: no public_ip_address_ref, subnet_ref
    required, NC enums as sent) must refresh and plan with no changes against the same objects."""
    hcl = provider_block(emulator) + (FIXTURES / "state_0_1_0_seed_lb.tf").read_text()
    tf.write(hcl)
    tf.apply()  # makes the objects the old state describes
    try:
        old = json.loads((FIXTURES / "state_0_1_0_seed_lb.tfstate").read_text())
        (tf.workdir / "terraform.tfstate").write_text(json.dumps(old))
        tf.assert_no_changes()
        tf.run("apply", "-refresh-only", "-auto-approve", "-no-color")  # writes the upgraded state
        lb = tf.resources()["sdn_load_balancer.lb"]
        assert lb["frontend_ip_configuration"][0]["public_ip_address_ref"] is None
        assert lb["probe"][0]["protocol"] == "TCP"
        tf.assert_no_changes()
    finally:
        tf.destroy()
        shutil.rmtree(tf.workdir / ".terraform", ignore_errors=True)


def tenant_lb_from_dump(name: str, client: str) -> dict:
    """SdnDiagnostics' real outbound-NAT load balancer (public IP frontend on a logical subnet, NAT rule,
    resourceMetadata), moved onto the emulator's seed PublicVIP network and given a probe with a field this
    provider has never heard of."""
    lb = json.loads(
        json.dumps(sdndiagnostics("loadBalancers")[0])
        .replace("lb-outbound-0001", name)
        .replace("/publicIPAddresses/pip-outbound-0001", "/publicIPAddresses/PublicIP1")
        .replace(
            "/logicalNetworks/transit-0001/subnets/transit-subnet-0001",
            "/logicalNetworks/PublicVIP/subnets/PublicVIPSubnet",
        )
    )
    lb["resourceMetadata"]["client"] = client
    lb["properties"]["probes"] = [
        {"resourceId": "Probe1", "properties": {"protocol": "Tcp", "port": 59999, "intervalInSeconds": 5,
                                                 "numberOfProbes": 11, "futureProbeField": "kept"}}
    ]  # fmt: skip
    return lb


def imported_lb_hcl(name: str, interval: int) -> str:
    return f"""
resource "sdn_load_balancer" "lb" {{
  resource_id = "{name}"
  frontend_ip_configuration {{
    name                         = "feip-0001"
    private_ip_allocation_method = "Dynamic"
    subnet_ref                   = "/logicalNetworks/PublicVIP/subnets/PublicVIPSubnet"
    public_ip_address_ref        = "/publicIPAddresses/PublicIP1"
  }}
  backend_address_pool {{
    name = "OutboundNatPool"
  }}
  probe {{
    name                = "Probe1"
    port                = 59999
    interval_in_seconds = {interval}
    number_of_probes    = 11
  }}
}}
"""


def wait_succeeded(emulator: Emulator, ref: str) -> dict:
    for _ in range(200):
        doc = emulator.get(ref)
        if doc and doc["properties"]["provisioningState"] == "Succeeded":
            return doc
        time.sleep(0.05)
    raise AssertionError(f"{ref} did not reach Succeeded")


def test_update_of_an_imported_lb_keeps_what_it_does_not_manage(tf: Terraform, emulator: Emulator):
    """PUT replaces the whole object ([MS-NCNBI] 3.1.5.5): importing a real tenant load balancer (outbound NAT
    rule, public-IP frontend on a logical subnet, resourceMetadata, an unknown probe field) and changing one probe
    interval leaves everything else as NC had it, and the plan never mentions it."""
    name = "Imported_Tenant_LB"
    ref = f"/loadBalancers/{name}"
    assert emulator.put(ref, tenant_lb_from_dump(name, "SDN Express")).status_code == 201
    before = wait_succeeded(emulator, ref)
    tf.write(provider_block(emulator) + imported_lb_hcl(name, 5))
    try:
        tf.import_("sdn_load_balancer.lb", name)
        tf.assert_no_changes()
        tf.write(provider_block(emulator) + imported_lb_hcl(name, 10))
        assert tf.resource_changes() == [("sdn_load_balancer.lb", ["update"])]
        tf.apply()
        after = emulator.get(ref)
        assert after["properties"]["probes"][0]["properties"]["intervalInSeconds"] == 10
        assert after["properties"]["probes"][0]["properties"]["futureProbeField"] == "kept"
        for key in ("outboundNatRules", "frontendIPConfigurations"):
            assert strip(after["properties"][key]) == strip(before["properties"][key]), key
        assert after["resourceMetadata"] == before["resourceMetadata"]
        tf.assert_no_changes()
    finally:
        tf.destroy()
    assert emulator.get(ref) is None


def strip(value: object) -> object:
    """A document minus what every write renews."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in ("etag", "provisioningState")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def test_arc_managed_load_balancer_is_not_imported(tf: Terraform, emulator: Emulator):
    """Azure Local "SDN enabled by Arc" owns objects whose resourceMetadata.client is "Network Resource Provider"
    (SdnDiagnostics' dumps); Arc and on-prem management are mutually exclusive (Microsoft Learn)."""
    name = "Arc_Tenant_LB"
    ref = f"/loadBalancers/{name}"
    assert emulator.put(ref, tenant_lb_from_dump(name, "Network Resource Provider")).status_code == 201
    try:
        wait_succeeded(emulator, ref)
        tf.write(provider_block(emulator) + imported_lb_hcl(name, 5))
        proc = tf.import_("sdn_load_balancer.lb", name, check=False)
        assert proc.returncode == 1 and "managed by Azure Arc" in " ".join(proc.stderr.split()), proc.stderr
    finally:
        emulator.delete(ref)


def test_a_delete_nc_fails_surfaces_at_once_and_stays_in_state(tf: Terraform, emulator: Emulator):
    """DELETE answers 202 and its operation can end Failed ([MS-NCNBI] 1.3.2.1, 1.3.2.6): destroy reports NC's
    error from operationResults instead of waiting operation_timeout (30 minutes here) for a 404, the load
    balancer stays in state, and the next destroy deletes it through the same asynchronous operation."""
    name = "FailedDelete_VIP"
    ref = f"/loadBalancers/{name}"
    tf.write(provider_block(emulator, 'operation_timeout = "30m"') + seed_lb(name, vip="192.168.2.121"))
    tf.apply()
    message = "SLB Manager could not remove the VIP from the muxes."
    emulator.admin("POST", "faults", {"kind": "fail_delete", "resourceRef": ref, "code": "InternalError",
                                      "message": message})  # fmt: skip
    proc = tf.destroy(check=False)
    assert proc.returncode == 1
    assert message in " ".join(proc.stderr.split()) and "ended Failed" in proc.stderr, proc.stderr
    assert list(tf.resources()) == ["sdn_load_balancer.lb"] and emulator.get(ref) is not None
    assert tf.resources()["sdn_load_balancer.lb"]["provisioning_state"] == "Failed"  # as NC has it now
    emulator.admin("POST", "requests/reset")
    tf.destroy()
    assert emulator.get(ref) is None
    paths = [r["path"] for r in emulator.admin("GET", "requests")["requests"]]
    assert any("/operationResults/" in p for p in paths), paths


@pytest.fixture(scope="module")
def negotiate_emulator(tmp_path_factory) -> Iterator[Emulator]:
    """NC with ClientAuthentication Kerberos (the emulator speaks NTLM inside Negotiate) and a tenant whose
    NIC Azure Arc owns."""
    topology = tmp_path_factory.mktemp("arc") / "arc.json"
    topology.write_text(
        subprocess.run(
            [str(BIN / "sdn-emulator"), "topology", "--tenants", "1", "--arc-nic"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    emu = Emulator.start("--tls", "--nc-auth", "negotiate", "--topology", str(topology), delay=0.05)
    yield emu
    emu.stop()


def negotiate_block(emu: Emulator, password: str) -> str:
    return provider_block(
        emu, f'auth = "negotiate"\n  username = "{emu.info["nc_username"]}"\n  password = "{password}"'
    )


TENANT_LB = seed_lb("Negotiate_VIP", subnet="/virtualNetworks/Tenant1Network/subnets/Subnet1", vip="192.168.1.100")


def test_negotiate_auth_with_username_and_password(tf: Terraform, negotiate_emulator: Emulator):
    """Microsoft's NC clients authenticate with Negotiate and -Credential; so does auth = "negotiate". A wrong
    password is NC's 401, not a hang or a crash."""
    emu = negotiate_emulator
    tf.write(negotiate_block(emu, emu.info["nc_password"]) + TENANT_LB)
    tf.apply()
    try:
        tf.assert_no_changes()
        schemes = {r["authorization"] for r in emu.admin("GET", "requests")["requests"]}
        assert "Negotiate" in schemes, schemes
    finally:
        tf.destroy()
    tf.write(negotiate_block(emu, "wrong") + TENANT_LB)
    proc = tf.apply(check=False)
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 1 and re.search(r"Error: Cannot create load balancer .*\b401\b", text), proc.stderr
    assert emu.admin("GET", "inventory")["loadBalancers"] == []  # the admin API needs no NC credentials


def test_membership_of_an_arc_managed_nic_is_refused_at_plan(tf: Terraform, negotiate_emulator: Emulator):
    """NICs that Azure Arc owns carry resourceMetadata.client = "Network Resource Provider" (SdnDiagnostics'
    dumps): writing them from here would fight Azure, so the plan stops, naming the attribute."""
    emu = negotiate_emulator
    member = """
resource "sdn_backend_pool_member" "arc" {
  network_interface_id     = "T1-ArcManaged_Network-Adapter"
  backend_address_pool_ref = "/loadBalancers/Negotiate_VIP/backendAddressPools/Backend1"
}
"""
    tf.write(negotiate_block(emu, emu.info["nc_password"]) + member)
    proc = tf.plan()
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 1 and "managed by Azure Arc" in text and "network_interface_id" in text, text


def test_nc_validation_error_shows_its_inner_error(tf: Terraform, emulator: Emulator):
    """[MS-NCNBI] 3.1.5.31: NC's error carries innerError, the root cause; the diagnostic quotes it (with NC's code
    and message) and nothing is written."""
    member = """
resource "sdn_backend_pool_member" "m" {
  network_interface_id     = "ClusterNode2_Network-Adapter"
  backend_address_pool_ref = "/loadBalancers/NoSuchLB/backendAddressPools/Backend1"
}
"""
    before = emulator.get("/networkInterfaces/ClusterNode2_Network-Adapter")["etag"]
    tf.write(provider_block(emulator) + member)
    proc = tf.apply(check=False)
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 1 and "400 InvalidParameterValue" in text and "Root cause (innerError):" in text, text
    assert emulator.get("/networkInterfaces/ClusterNode2_Network-Adapter")["etag"] == before
