"""sdn_failover_cluster, sdn_cluster_ip_address and data.sdn_cluster_resource end to end: real terraform, the
reattached provider, the emulator's guest nodes over real WinRM/HTTPS (NTLM). The tests look at the
simulated cluster the same way, through the provider's own WinRM scripts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdn_emulator.control.client import ControlClient
from sdn_provider.cluster.transport import close_connections
from tests.configs import (
    SEED_NODES,
    cluster_hcl,
    cluster_provider,
    cluster_resource_data,
    guests_provider,
    ip_hcl,
    seed_lb,
)
from tests.emulator.guests_fixtures import guest_tls_fixture, guests_fixture  # noqa: F401
from tests.harness import Emulator, Terraform, provider_block
from tests.observe import ip_params, sh
from tests.steps import State, Step, attr, cluster_seed, flat, holds, output, run

INJECTION = "x'; Remove-Cluster -Force; '"


def _remove_clusters(emulator: Emulator) -> None:
    for node in SEED_NODES:
        info = sh(emulator, node, "get_cluster")
        if info.get("exists"):
            sh(emulator, node, "remove_cluster", cluster=info["name"])


@pytest.fixture(autouse=True)
def clean_nodes(request) -> Iterator[None]:
    """DB1/DB2 belong to no cluster before and after each emulator test (the emulator is shared)."""
    if "emulator" not in request.fixturenames:
        yield
        return
    emulator = request.getfixturevalue("emulator")
    _remove_clusters(emulator)
    yield
    _remove_clusters(emulator)
    close_connections()


CLUSTER, IP = "sdn_failover_cluster.c", "sdn_cluster_ip_address.ip"
SEED_PARAMETERS = ("Address", "ProbePort", "SubnetMask", "Network", "EnableDhcp")
#: What an import cannot know: static_address is create-time only (the import's configuration leaves it out), and
#: previous_parameters are, by design, the values found at import time, not those before the create
#: (docs/resources/cluster_ip_address.md).
IMPORT_CANNOT_KNOW = ("static_address", "previous_parameters")


def cluster_nodes(emulator: Emulator, on: str = "DB1") -> list[str]:
    return [n["name"] for n in sh(emulator, on, "get_cluster")["nodes"]]


def ip_parameters(emulator: Emulator) -> dict:
    params = ip_params(emulator)
    return {k: params[k] for k in SEED_PARAMETERS}


def test_seed_lifecycle_update_drift_import_restore(tf: Terraform, emulator: Emulator):
    provider = cluster_provider(emulator)

    def joined_with_the_seeds_parameters(state: State) -> None:
        cluster = sh(emulator, "DB2", "get_cluster")
        assert cluster["name"] == "MyCluster" and [n["name"] for n in cluster["nodes"]] == ["DB1", "DB2"]
        assert sh(emulator, "DB1", "get_cluster_resource", resource_name="Cluster IP Address")["state"] == "Online"
        assert ip_parameters(emulator) == {
            "Address": "192.168.2.100",
            "ProbePort": 59999,
            "SubnetMask": "255.255.255.255",
            "Network": "Cluster Network 1",
            "EnableDhcp": 0,
        }
        assert sh(emulator, "DB1", "get_cluster_resource", resource_name="Cluster Name")["state"] == "Online"

    def drift() -> None:
        """Out-of-band parameter change and out-of-band eviction: both show up as drift and are put back."""
        sh(
            emulator,
            "DB1",
            "set_cluster_ip_address",
            resource_name="Cluster IP Address",
            parameters={"ProbePort": 60000},
        )
        sh(emulator, "DB1", "remove_cluster_node", cluster="MyCluster", node="DB2")

    probe_port = holds("ProbePort", lambda: ip_params(emulator)["ProbePort"], 59998)
    evicted = provider + cluster_hcl(nodes=("DB1",)) + ip_hcl(59998)
    run(
        tf,
        [
            Step(
                provider + cluster_hcl(nodes=("DB1",)),
                actions={CLUSTER: "create"},
                checks=(holds("cluster nodes", lambda: cluster_nodes(emulator), ["DB1"]),),
            ),
            # Join DB2 in place, set the seed's parameters and read them back through the data source.
            Step(
                provider + cluster_hcl() + ip_hcl() + cluster_resource_data(),
                actions={CLUSTER: "update", IP: "create"},
                plan_shows=("update in-place",),
                plan_hides=("forces replacement",),
                checks=(
                    joined_with_the_seeds_parameters,
                    attr(
                        IP,
                        "previous_parameters",
                        {
                            "Address": "192.168.2.50",
                            "ProbePort": "0",
                            "SubnetMask": "255.255.255.0",
                            "Network": "Cluster Network 1",
                            "EnableDhcp": "0",
                        },
                    ),
                    attr(IP, "state", "Online"),
                    attr(CLUSTER, "node_states", {"DB1": "Up", "DB2": "Up"}),
                    output("name_state", "Online"),
                    output("name_deps", "[Cluster IP Address]"),
                ),
            ),
            # Probe port change: in place.
            Step(
                provider + cluster_hcl() + ip_hcl(59998),
                actions={IP: "update"},
                plan_shows=("59999 -> 59998",),
                plan_hides=("forces replacement",),
                checks=(probe_port,),
            ),
            Step(
                provider + cluster_hcl() + ip_hcl(59998),
                before=drift,
                actions={CLUSTER: "update", IP: "update"},
                plan_shows=("60000 -> 59998", '+ "DB2"'),
                checks=(probe_port, holds("cluster nodes", lambda: cluster_nodes(emulator), ["DB1", "DB2"])),
            ),
            # Evict DB2 through the configuration (in place), then import both resources elsewhere.
            Step(
                evicted,
                actions={CLUSTER: "update"},
                checks=(holds("DB2 in a cluster", lambda: sh(emulator, "DB2", "get_cluster")["exists"], False),),
            ),
            Step(
                evicted,
                imports={CLUSTER: "DB1/MyCluster", IP: "DB1/Cluster IP Address"},
                import_config=provider + cluster_hcl(nodes=("DB1",), static=None) + ip_hcl(59998),
                import_ignore=IMPORT_CANNOT_KNOW,
            ),
            # Destroying the IP resource puts back what New-Cluster had set; destroying the cluster removes it.
            Step(
                evicted,
                destroy=True,
                targets=(IP,),
                checks=(
                    holds(
                        "restored parameters",
                        lambda: ip_parameters(emulator),
                        {
                            "Address": "192.168.2.50",
                            "ProbePort": 0,
                            "SubnetMask": "255.255.255.0",
                            "Network": "Cluster Network 1",
                            "EnableDhcp": 0,
                        },
                    ),
                ),
            ),
            Step(
                evicted,
                destroy=True,
                checks=(holds("DB1 in a cluster", lambda: sh(emulator, "DB1", "get_cluster")["exists"], False),),
            ),
        ],
        seed=cluster_seed(emulator, SEED_NODES),
    )


def test_cluster_removed_out_of_band_is_recreated(tf: Terraform, emulator: Emulator):
    config = cluster_provider(emulator) + cluster_hcl(nodes=("DB1",))
    run(
        tf,
        [
            Step(config),
            Step(
                config,
                before=lambda: sh(emulator, "DB1", "remove_cluster", cluster="MyCluster"),
                actions={CLUSTER: "create"},
                plan_shows=("will be created",),
            ),
        ],
        seed=cluster_seed(emulator, SEED_NODES),
    )


def test_create_refuses_a_node_already_in_a_cluster(tf: Terraform, emulator: Emulator):
    sh(emulator, "DB1", "new_cluster", name="Other", node="DB1")
    tf.write(cluster_provider(emulator) + cluster_hcl("Mine", nodes=("DB1",)))
    proc = tf.apply(check=False)
    assert proc.returncode == 1 and "Node already in a cluster" in flat(proc)
    assert "already a member of cluster Other" in flat(proc)
    tf.write(cluster_provider(emulator) + cluster_hcl("Other", nodes=("DB1",)))
    proc = tf.apply(check=False)
    assert proc.returncode == 1 and "terraform import <address> DB1/Other" in flat(proc)
    # Joining: Windows' Add-ClusterNode refuses a node of another cluster; the new cluster stays (tainted).
    tf.write(cluster_provider(emulator) + cluster_hcl("Mine", nodes=("DB2", "DB1")))
    proc = tf.apply(check=False)
    assert proc.returncode == 1 and "already part of cluster 'Other'" in flat(proc), flat(proc)
    assert tf.resources()["sdn_failover_cluster.c"]["nodes"] == ["DB2"]
    tf.destroy()
    assert sh(emulator, "DB1", "get_cluster")["name"] == "Other"


def test_wrong_winrm_password_is_a_clear_diagnostic(tf: Terraform, emulator: Emulator):
    tf.write(cluster_provider(emulator, password="not-the-password") + cluster_hcl(nodes=("DB1",)))
    proc = tf.apply(check=False)
    text = flat(proc)
    assert proc.returncode == 1 and "authentication to https://127.0.0.1:" in text
    assert "check winrm_username/winrm_password" in text and "not-the-password" not in proc.stderr + proc.stdout
    assert not sh(emulator, "DB1", "get_cluster")["exists"]


def test_wrong_winrm_password_fails_the_plan_before_anything_is_created(tf: Terraform, emulator: Emulator):
    """Issue 13, item 5: a plan with cluster changes checks each node it will reach (connect, authenticate, one
    Get-Cluster), so the load balancer of the same plan is never created with a cluster that cannot follow."""
    tf.write(cluster_provider(emulator, password="not-the-password") + seed_lb("PlanCheck_VIP") + cluster_hcl())
    proc = tf.plan()
    text = flat(proc)
    assert proc.returncode == 1 and "Cannot reach cluster node DB1" in text and "Cannot reach cluster node DB2" in text
    assert "check winrm_username/winrm_password" in text, text
    assert emulator.get("/loadBalancers/PlanCheck_VIP") is None


def test_unknown_network_reports_windows_message(tf: Terraform, emulator: Emulator):
    provider = cluster_provider(emulator)
    tf.write(provider + cluster_hcl(nodes=("DB1",)) + ip_hcl(network="Cluster Network 9"))
    proc = tf.apply(check=False)
    text = flat(proc)
    assert proc.returncode == 1 and "Set-ClusterParameter on DB1 failed" in text
    assert "The cluster network was not found. (Network 'Cluster Network 9')" in text
    assert "sdn_cluster_ip_address.ip" not in tf.resources()
    assert ip_params(emulator)["Network"] == "Cluster Network 1"
    # The refused change does not leave the core resources stopped.
    for name in ("Cluster IP Address", "Cluster Name"):
        assert sh(emulator, "DB1", "get_cluster_resource", resource_name=name)["state"] == "Online", name
    tf.destroy()


def test_string_arguments_reach_windows_as_literals(tf: Terraform, emulator: Emulator):
    provider = cluster_provider(emulator)
    # Cluster name: refused at plan (not a computer name); the cluster on DB1 made first is untouched.
    sh(emulator, "DB1", "new_cluster", name="Guard", node="DB1")
    tf.write(provider + cluster_hcl(INJECTION, nodes=("DB2",), static=None))
    proc = tf.apply(check=False)
    assert proc.returncode == 1 and "is not a valid cluster name" in flat(proc), flat(proc)
    assert sh(emulator, "DB1", "get_cluster")["name"] == "Guard"
    sh(emulator, "DB1", "remove_cluster", cluster="Guard")

    # A joining node name: Add-ClusterNode looks for a computer literally named so.
    tf.write(provider + cluster_hcl("MyCluster", nodes=("DB1", INJECTION), static=None))
    proc = tf.apply(check=False)
    assert proc.returncode == 1 and f"The computer '{INJECTION}' could not be reached" in flat(proc), flat(proc)
    assert sh(emulator, "DB1", "get_cluster")["name"] == "MyCluster"

    # The IP resource's names, one at a time, against a healthy cluster.
    tf.write(provider + cluster_hcl("MyCluster", nodes=("DB1",), static=None))
    tf.apply()
    cases = {
        "resource_name": f"An error occurred opening resource '{INJECTION}'",
        "name_resource": f"An error occurred opening resource '{INJECTION}'",
        "network": f"(Network '{INJECTION}')",
    }
    for argument, message in cases.items():
        extra = f'{argument} = "{INJECTION}"' if argument != "network" else ""
        body = ip_hcl(network=INJECTION if argument == "network" else "Cluster Network 1", extra=extra)
        tf.write(provider + cluster_hcl("MyCluster", nodes=("DB1",), static=None) + body)
        proc = tf.apply(check=False)
        assert proc.returncode == 1 and message in flat(proc), (argument, flat(proc))
        assert sh(emulator, "DB1", "get_cluster")["name"] == "MyCluster", argument
    tf.destroy()


def test_plan_warns_when_load_balancer_disagrees(tf: Terraform, emulator: Emulator):
    tf.write(provider_block(emulator) + seed_lb("ClusterCheck_VIP"))
    tf.apply()
    tf.write(
        cluster_provider(emulator)
        + seed_lb("ClusterCheck_VIP")
        + """
resource "sdn_cluster_ip_address" "ip" {
  cluster_node = "DB1"
  address      = "192.168.2.100"
  probe_port   = 59998
  network      = "Cluster Network 1"
}
"""
    )
    plan = tf.plan()
    text = " ".join(plan.stderr.split()) + " ".join(plan.stdout.split())
    assert plan.returncode == 2 and "Probe port differs from the load balancer" in text, text
    assert "ClusterCheck_VIP" in text and "have frontend 192.168.2.100" in text
    tf.write(provider_block(emulator) + seed_lb("ClusterCheck_VIP"))
    tf.destroy()


def test_plan_warns_when_a_load_balancer_planned_with_it_disagrees(tf: Terraform, emulator: Emulator):
    """Issue 13, item 4: the load balancer is new in the same plan (not in NC yet); its planned probe port still
    reaches the cluster IP's cross-check, and nothing is created by the plan."""
    tf.write(
        cluster_provider(emulator)
        + seed_lb("PlannedCheck_VIP", vip="192.168.2.101")
        + """
resource "sdn_cluster_ip_address" "ip" {
  cluster_node = "DB1"
  address      = "192.168.2.101"
  probe_port   = 59998
  network      = "Cluster Network 1"
  depends_on   = [sdn_load_balancer.lb]
}
"""
    )
    plan = tf.plan()
    text = " ".join((plan.stdout + plan.stderr).split())
    assert plan.returncode == 2 and "Probe port differs from the load balancer" in text, text
    assert "PlannedCheck_VIP" in text and "use port(s) 59999, not 59998" in text, text
    assert emulator.get("/loadBalancers/PlannedCheck_VIP") is None


def test_one_winrm_command_per_operation(tf: Terraform, guests):
    """In-process guests, so the test can count the commands each node ran."""
    provider = guests_provider(guests)
    world = guests.world

    def commands(action) -> int:
        before = sum(world.command_counts().values())
        action()
        return sum(world.command_counts().values()) - before

    tf.write(provider + cluster_hcl() + ip_hcl())
    measured = {"apply create (cluster of 2 + ip)": commands(tf.apply)}
    measured["plan (refresh of both)"] = commands(tf.plan)
    tf.write(provider + cluster_hcl() + ip_hcl(59998))
    measured["apply probe port change"] = commands(tf.apply)
    tf.write(provider + cluster_hcl(nodes=("DB1",)) + ip_hcl(59998))
    measured["apply evict DB2"] = commands(tf.apply)
    measured["destroy (restore + remove)"] = commands(tf.destroy)
    print(measured)
    # create: New-Cluster + Add-ClusterNode + set_cluster_ip_address; the plan-time check that each new node
    # answers opens a connection and a shell but runs no command. A refresh is one get_cluster: the cluster IP
    # address on the cluster's first node reuses its answer (the IP resource is in it).
    assert measured == {
        "apply create (cluster of 2 + ip)": 3,
        "plan (refresh of both)": 1,
        "apply probe port change": 1 + 1,
        "apply evict DB2": 1 + 1,
        "destroy (restore + remove)": 1 + 2,
    }
    assert not world.clusters


def test_localized_and_renamed_core_resources_are_found_by_type(tf: Terraform, guests):
    """Fact 5: a French node names the core resources in French (FailoverClusterDsc issue 196); an administrator
    may rename them. Unnamed, sdn_cluster_ip_address finds them by type and records the IP resource's name."""
    guests.world.set_node("DB1", locale="fr-FR")
    provider = guests_provider(guests)
    tf.write(provider + cluster_hcl(nodes=("DB1",)) + ip_hcl())
    tf.apply()
    state = tf.resources()
    assert state["sdn_cluster_ip_address.ip"]["resource_name"] == "Adresse IP du cluster"
    assert state["sdn_cluster_ip_address.ip"]["state"] == "Online"
    assert guests.world.probe_answerers() == [("DB1", "192.168.2.100", 59999)]
    tf.assert_no_changes()
    tf.destroy()

    guests.world.set_node("DB1", locale="en-US")
    tf.write(provider + cluster_hcl(nodes=("DB1",)))
    tf.apply()
    guests.world.rename_resource("DB1", "Cluster IP Address", "SQL VIP")
    guests.world.rename_resource("DB1", "Cluster Name", "SQL Name")
    tf.write(provider + cluster_hcl(nodes=("DB1",)) + ip_hcl())
    before = len(guests.world.history)
    tf.apply()
    assert tf.resources()["sdn_cluster_ip_address.ip"]["resource_name"] == "SQL VIP"
    assert guests.world.probe_answerers() == [("DB1", "192.168.2.100", 59999)]
    stops = [args["Name"] for _, cmd, args in guests.world.history[before:] if cmd == "Stop-ClusterResource"]
    assert stops == ["SQL Name", "SQL VIP"]
    tf.assert_no_changes()
    tf.destroy()
    assert not guests.world.clusters


def test_cluster_service_down_during_refresh_is_an_error_not_a_deleted_cluster(tf: Terraform, guests):
    """Fact 3: only "not a cluster member" means gone; a stopped ClusSvc must not drop a live cluster from state."""
    tf.write(guests_provider(guests) + cluster_hcl(nodes=("DB1",)))
    tf.apply()
    guests.world.set_node("DB1", cluster_service="Stopped")
    plan = tf.plan()
    text = flat(plan)
    assert plan.returncode == 1 and "Cannot read failover cluster MyCluster" in text, text
    assert "The cluster service is not running" in text and "will be created" not in text
    assert "sdn_failover_cluster.c" in tf.resources()
    guests.world.set_node("DB1", cluster_service="Running")
    tf.assert_no_changes()
    tf.destroy()


def test_hung_command_is_terminated_and_named(tf: Terraform, guests):
    """Fact 9: a New-Cluster that never returns (AD or DNS unreachable) is terminated at the command deadline."""
    guests.world.hang_next_command("DB1", "new_cluster")
    tf.write(guests_provider(guests, "winrm_command_timeout = 3") + cluster_hcl(nodes=("DB1",)))
    proc = tf.apply(check=False)
    text = flat(proc)
    assert proc.returncode == 1 and "new_cluster did not finish within 3 s" in text, text
    assert "WinRS Signal Terminate" in text and "(node DB1)" in text
    assert not guests.world.clusters and "sdn_failover_cluster.c" not in tf.resources()
    # The (reattached, still running) provider deleted the shell, which ends the hung process on the node.
    assert guests.servers.endpoints["DB1"].shells == {}
    # The node is usable again at once: the next command opens a new shell.
    tf.apply()
    assert guests.world.clusters
    tf.destroy()


def test_network_without_dhcp_needs_a_static_address_or_ignore_networks(tf: Terraform, guests):
    """Fact 6: New-Cluster includes DHCP networks; any other needs -StaticAddress or -IgnoreNetwork."""
    guests.world.set_node("DB1", dhcp=False)
    provider = guests_provider(guests)
    tf.write(provider + cluster_hcl(nodes=("DB1",), static=None))
    proc = tf.apply(check=False)
    text = flat(proc)
    assert proc.returncode == 1 and "There is no DHCP server on network '192.168.2.0/24'" in text, text
    assert "list the network in ignore_networks" in text and not guests.world.clusters

    bad = cluster_hcl(nodes=("DB1",)).replace("nodes =", 'ignore_networks = ["10.0.2.0"]\n  nodes =')
    tf.write(provider + bad)
    plan = tf.plan()
    assert plan.returncode == 1 and '"10.0.2.0" is not an IPv4 network in CIDR form' in flat(plan)

    tf.write(provider + cluster_hcl(nodes=("DB1",)).replace("nodes =", 'ignore_networks = ["10.0.2.0/24"]\n  nodes ='))
    tf.apply()
    created = [args for _, cmd, args in guests.world.history if cmd == "New-Cluster"][-1]
    assert created["IgnoreNetwork"] == ["10.0.2.0/24"] and created["StaticAddress"] == "192.168.2.50"
    tf.assert_no_changes()
    tf.destroy()


def test_error_outside_the_script_arrives_as_readable_text(tf: Terraform, guests):
    """Fact 4: Import-Module FailoverClusters fails before any try when RSAT-Clustering-PowerShell is missing;
    PowerShell writes it to stderr as CLIXML, which the diagnostic decodes."""
    guests.world.set_node("DB1", clustering_tools=False)
    tf.write(guests_provider(guests) + cluster_hcl(nodes=("DB1",)))
    proc = tf.apply(check=False)
    text = flat(proc)
    assert proc.returncode == 1 and "The specified module 'FailoverClusters' was not loaded" in text, text
    assert "CLIXML" not in text and "_x000D_" not in text and "Preparing modules" not in text


def test_plan_warns_when_cluster_writes_cannot_delegate(tf: Terraform, guests):
    """Fact 1: New-Cluster and friends need a second hop; NTLM cannot delegate, Kerberos only when asked to."""
    tf.write(guests_provider(guests) + cluster_hcl(nodes=("DB1",)))
    plan = tf.plan()
    text = flat(plan)
    assert plan.returncode == 2 and "Cluster change needs credential delegation" in text, text
    assert 'winrm_auth = "ntlm": NTLM cannot delegate credentials' in text and 'winrm_auth = "credssp"' in text
    tf.write(
        guests_provider(guests, 'winrm_auth = "kerberos"\n  winrm_kerberos_delegate = true')
        + cluster_hcl(nodes=("DB1",))
    )
    plan = tf.plan()
    # No delegation warning; the plan still fails, at the plan-time check of the node: the emulator has no KDC.
    text = flat(plan)
    assert plan.returncode == 1 and "credential delegation" not in text, text
    assert "Cannot reach cluster node DB1" in text, text


def _on_domain(guests) -> None:
    guests.world.domain = "contoso.test"
    for node in SEED_NODES:
        guests.world.set_node(node, credssp_server=True)


def test_ntlm_cannot_make_the_second_hop_on_a_domain_and_credssp_can(tf: Terraform, guests):
    """Fact 1 through terraform: NTLM plans with a warning and New-Cluster fails with access denied; CredSSP creates,
    joins, evicts and destroys, each run from a node that does not own the core group (fact 2: no cmdlet goes
    through the cluster name, which resolves to the VIP once the cluster IP is the SLB's /32)."""
    _on_domain(guests)
    world = guests.world
    tf.write(guests_provider(guests) + cluster_hcl(nodes=("DB1",)))
    proc = tf.apply(check=False)
    text = flat(proc)
    assert proc.returncode == 1 and "Cluster change needs credential delegation" in text
    assert "New-Cluster on DB1 failed" in text and "Access is denied" in text, text
    assert not world.clusters

    provider = guests_provider(guests, 'winrm_auth = "credssp"')
    tf.write(provider + cluster_hcl(nodes=("DB1",)) + ip_hcl())
    proc = tf.apply()
    assert "credential delegation" not in flat(proc)
    tf.write(provider + cluster_hcl() + ip_hcl())
    tf.apply()
    assert [n for n in world.clusters["MYCLUSTER"].nodes] == ["DB1", "DB2"]

    world.move_group("DB2")  # DB2 now owns the core group and the VIP; DB1 runs the next commands
    tf.write(provider + cluster_hcl(nodes=("DB1",)) + ip_hcl())
    before = len(world.history)
    tf.apply()
    assert world.clusters["MYCLUSTER"].nodes == ["DB1"]
    assert [(on, cmd) for on, cmd, _ in world.history[before:] if cmd == "Remove-ClusterNode"] == [
        ("DB1", "Remove-ClusterNode")
    ]
    tf.write(provider + cluster_hcl() + ip_hcl())
    tf.apply()
    world.move_group("DB2")
    before = len(world.history)
    tf.destroy()
    assert not world.clusters
    assert [(on, cmd) for on, cmd, _ in world.history[before:] if cmd == "Remove-Cluster"] == [
        ("DB1", "Remove-Cluster")
    ]


def test_state_written_before_these_attributes_plans_clean(tf: Terraform, guests):
    """Upgrade: the previous release's state has no ignore_networks and the default core names recorded."""
    import json

    tf.write(guests_provider(guests) + cluster_hcl(nodes=("DB1",)) + ip_hcl())
    tf.apply()
    path = tf.workdir / "terraform.tfstate"
    state = json.loads(path.read_text())
    for resource in state["resources"]:
        attributes = resource["instances"][0]["attributes"]
        if resource["type"] == "sdn_failover_cluster":
            del attributes["ignore_networks"]
            resource["instances"][0]["schema_version"] = 0
        else:
            attributes["name_resource"] = "Cluster Name"
    state["serial"] += 1
    path.write_text(json.dumps(state))
    tf.assert_no_changes()
    tf.destroy()


def test_static_address_is_not_reported_changed_after_the_cluster_ip_moves(tf: Terraform, emulator: Emulator):
    """Issue 13, item 8: sdn_cluster_ip_address gives the cluster the VIP right after the cluster is made;
    static_address is create-time only, so later refreshes do not report it "changed outside of Terraform"."""
    config = cluster_provider(emulator) + cluster_hcl(static=None) + ip_hcl()  # DHCP: recorded at create
    recorded: dict = {}

    def record(state: State) -> None:
        recorded["static_address"] = state.resources[CLUSTER]["static_address"]

    def kept(state: State) -> None:
        assert state.resources[CLUSTER]["static_address"] == recorded["static_address"] != "192.168.2.100"

    run(
        tf,
        [
            Step(config, checks=(record,)),
            Step(config, plan_only=True, actions={CLUSTER: "no-op", IP: "no-op"}, plan_hides=("static_address",)),
            Step(config, refresh=True, checks=(kept,)),
        ],
        seed=cluster_seed(emulator, SEED_NODES),
    )


def test_one_node_down_does_not_block_the_plan(tf: Terraform, emulator: Emulator):
    """Issue 13, item 2: with DB1 (the cluster IP's cluster_node) stopped, refresh reads the cluster and its IP
    resource through DB2, the plan succeeds with a warning naming the unreachable node, and shows no change."""
    tf.write(cluster_provider(emulator) + cluster_hcl() + ip_hcl())
    tf.apply()
    try:
        with ControlClient(emulator.info["control"]) as control:
            control.stop_node("DB1")
            try:
                proc = tf.plan()
            finally:
                control.start_node("DB1")
        text = " ".join((proc.stdout + proc.stderr).split())  # Terraform prints warnings on stdout
        assert proc.returncode == 0, text
        assert "Cluster node DB1 is unreachable" in text and "through DB2" in text, text
    finally:
        tf.destroy()
