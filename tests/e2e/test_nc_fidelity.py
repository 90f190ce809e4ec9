"""Network Controller's real behaviour through the real terraform binary: NC's enum spelling, state written by
the previous provider version, and (with the emulator's NC model) full-object PUTs, async deletes and their
Failed end. Each test names the [MS-NCNBI] section or Microsoft source it stands on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.e2e.test_load_balancer import seed_lb
from tests.harness import Emulator, Terraform, provider_block

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
