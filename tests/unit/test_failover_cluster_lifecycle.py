"""sdn_failover_cluster's whole lifecycle against a scripted transport: the WinRM script and values each step
sends to which node, every diagnostic a user reads (severity, summary, detail, attribute path), and the exact
state written by plan, create, read, update, delete and import (docs/resources/failover_cluster.md)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.cluster.transport import WinRMConnectionError
from sdn_provider.framework import SdnPlanContext
from sdn_provider.resources import common
from sdn_provider.resources import failover_cluster as module
from sdn_provider.resources.failover_cluster import FailoverCluster, from_cluster
from tests.unit.conftest import said
from tests.unit.test_cluster_crud import Nodes, cluster, ctx, failure
from tests.unit.test_cluster_resources import cluster_config, provider

ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING
UNREACHABLE = "cannot reach WinRM endpoint"
NTLM_PROBLEM = (
    'winrm_auth = "ntlm": NTLM cannot delegate credentials, and Windows says New-Cluster, Add-ClusterNode, '
    "Remove-ClusterNode and Remove-Cluster cannot be run remotely without CredSSP. On a domain, set winrm_auth = "
    '"credssp" (with Enable-WSManCredSSP -Role Server on the nodes) or winrm_auth = "kerberos" with '
    "winrm_kerberos_delegate = true. A workgroup cluster of local accounts may still work: see "
    "docs/guides/windows-prerequisites.md."
)


@pytest.fixture
def nodes(monkeypatch: pytest.MonkeyPatch) -> Nodes:
    """test_cluster_crud's scripted transport: (node, script) -> answers; every command recorded."""
    return Nodes(monkeypatch)


def state_of(**over: Any) -> dict:
    """The state written for cluster("DB1", "DB2") (test_cluster_crud's answer) read with cluster_config()."""
    state = {
        "name": "MyCluster",
        "nodes": ["DB1", "DB2"],
        "static_address": None,
        "cluster_ip_address": "192.168.2.10",
        "cluster_ip_state": "Online",
        "cluster_ip_owner_node": "DB1",
        "node_states": {"DB1": "Up", "DB2": "Up"},
        "ignore_networks": None,
        "timeouts": None,
    }
    state.update(over)
    return state


class Clock:
    """time.monotonic for deadline() and the resource's between-steps checks: hands out the given readings."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *readings: float) -> None:
        self.readings = list(readings)
        fake = SimpleNamespace(monotonic=self.monotonic)
        monkeypatch.setattr(common, "time", fake)
        monkeypatch.setattr(module, "time", fake)

    def monotonic(self) -> float:
        return self.readings.pop(0)


# -- create ---------------------------------------------------------------------------------------------------
def test_create_sends_a_known_static_address_and_records_what_new_cluster_got(nodes: Nodes) -> None:
    """A known static_address reaches New-Cluster; the state keeps ignore_networks and timeouts as planned."""
    nodes.on("DB1", "new_cluster", {**cluster("DB1"), "static_address": "192.168.2.50"})
    nodes.on("DB1", "add_cluster_node", {**cluster("DB1", "DB2"), "static_address": "192.168.2.50"})
    planned = cluster_config(static_address="192.168.2.50", ignore_networks=["10.0.2.0/24"], timeouts={"create": "30m"})
    context = ctx()
    state = FailoverCluster(provider()).create(context, planned)
    assert said(context.diagnostics) == []
    assert nodes.ran == [
        (
            "DB1",
            "new_cluster",
            {"name": "MyCluster", "node": "DB1", "static_address": "192.168.2.50", "ignore_networks": ["10.0.2.0/24"]},
        ),
        ("DB1", "add_cluster_node", {"cluster": "MyCluster", "node": "DB2"}),
    ]
    assert state == state_of(static_address="192.168.2.50", ignore_networks=["10.0.2.0/24"], timeouts={"create": "30m"})


def test_create_with_a_static_address_known_only_after_apply_asks_for_none(nodes: Nodes) -> None:
    """An unknown static_address is never sent as a value: New-Cluster gets none (DHCP) and state records the
    address the cluster got."""
    nodes.on("DB1", "new_cluster", cluster("DB1"))
    context = ctx()
    state = FailoverCluster(provider()).create(context, cluster_config(nodes=["DB1"], static_address=Unknown))
    assert nodes.ran == [
        ("DB1", "new_cluster", {"name": "MyCluster", "node": "DB1", "static_address": None, "ignore_networks": []})
    ]
    assert state == state_of(nodes=["DB1"], node_states={"DB1": "Up"}, static_address="192.168.2.10")


def test_create_on_an_unreachable_first_node_points_at_it(nodes: Nodes) -> None:
    """A first node that cannot be reached: one error on nodes[0], no cluster in state, no other command."""
    nodes.on("DB1", "new_cluster", WinRMConnectionError(UNREACHABLE))
    context = ctx()
    assert FailoverCluster(provider()).create(context, cluster_config()) is None
    assert said(context.diagnostics) == [
        (ERROR, "Cannot create failover cluster", f"{UNREACHABLE} (node DB1)", ["nodes", (0,)])
    ]
    assert [s for _, s, _ in nodes.ran] == ["new_cluster"]


def test_create_checks_its_own_deadline_between_joins(nodes: Nodes, monkeypatch: pytest.MonkeyPatch) -> None:
    """timeouts.create bounds the joins: a join starting exactly at the deadline runs, one after it does not,
    and the cluster made so far stays in state."""
    Clock(monkeypatch, 1000.0, 1005.0, 1005.5)
    nodes.on("DB1", "new_cluster", cluster("DB1"))
    nodes.on("DB1", "add_cluster_node", cluster("DB1", "DB2"))
    context = ctx()
    planned = cluster_config(nodes=["DB1", "DB2", "DB3"], timeouts={"create": "5s"})
    state = FailoverCluster(provider()).create(context, planned)
    assert said(context.diagnostics) == [
        (
            ERROR,
            "Failover cluster create timed out",
            "Cluster MyCluster exists but DB3 and later nodes were not joined in time.",
            None,
        )
    ]
    assert [(n, s, v.get("node")) for n, s, v in nodes.ran] == [
        ("DB1", "new_cluster", "DB1"),
        ("DB1", "add_cluster_node", "DB2"),
    ]
    assert state == state_of(timeouts={"create": "5s"}, static_address="192.168.2.10")


def test_a_refused_new_cluster_on_a_node_that_cannot_say_its_cluster_blames_the_name(nodes: Nodes) -> None:
    """New-Cluster refused and get_cluster unreachable: the refusal is quoted in full, on the name."""
    nodes.on("DB1", "new_cluster", failure("New-Cluster", "The name is invalid."))
    nodes.on("DB1", "get_cluster", WinRMConnectionError(UNREACHABLE))
    context = ctx()
    assert FailoverCluster(provider()).create(context, cluster_config()) is None
    assert said(context.diagnostics) == [
        (ERROR, "Cannot create failover cluster", "New-Cluster on DB1 failed: The name is invalid.", ["name"])
    ]
    assert nodes.ran[1] == ("DB1", "get_cluster", {})


def test_a_new_cluster_refused_for_a_network_says_how_to_fix_it(nodes: Nodes) -> None:
    """An IgnoreNetwork refusal quotes Windows, then adds the static_address/ignore_networks advice."""
    nodes.on("DB1", "new_cluster", failure("New-Cluster", "Use IgnoreNetwork to skip 10.0.2.0/24."))
    nodes.on("DB1", "get_cluster", {"exists": False})
    context = ctx()
    assert FailoverCluster(provider()).create(context, cluster_config()) is None
    assert said(context.diagnostics) == [
        (
            ERROR,
            "Cannot create failover cluster",
            "New-Cluster on DB1 failed: Use IgnoreNetwork to skip 10.0.2.0/24.\n"
            "Set static_address to an address on that network, or list the network in ignore_networks.",
            ["static_address"],
        )
    ]


# -- read -----------------------------------------------------------------------------------------------------
def test_read_asks_the_first_node_and_maps_its_answer(nodes: Nodes) -> None:
    """Refresh: one get_cluster on the first node (its cluster name compared case-insensitively)."""
    nodes.on("DB1", "get_cluster", cluster("DB1", "DB2", "DB3", name="MYCLUSTER"))
    context = ctx()
    state = FailoverCluster(provider()).read(context, cluster_config())
    assert said(context.diagnostics) == []
    assert nodes.ran == [("DB1", "get_cluster", {})]
    assert state == state_of(nodes=["DB1", "DB2", "DB3"], node_states={"DB1": "Up", "DB2": "Up", "DB3": "Up"})


def test_read_goes_on_to_the_next_node_when_one_is_unreachable(nodes: Nodes) -> None:
    """An unreachable node is skipped, not fatal: the next member answers and no diagnostic is shown."""
    nodes.on("DB1", "get_cluster", WinRMConnectionError(UNREACHABLE))
    nodes.on("DB2", "get_cluster", cluster("DB1", "DB2"))
    context = ctx()
    state = FailoverCluster(provider()).read(context, cluster_config())
    assert said(context.diagnostics) == []
    assert [(n, s) for n, s, _ in nodes.ran] == [("DB1", "get_cluster"), ("DB2", "get_cluster")]
    assert state == state_of()


def test_read_drops_the_cluster_only_when_every_node_says_it_is_not_a_member(nodes: Nodes) -> None:
    """Not in a cluster, or in another cluster: gone from state, silently."""
    nodes.on("DB1", "get_cluster", {"exists": False, "name": "MyCluster"})
    nodes.on("DB2", "get_cluster", cluster("DB2", name="Other"))
    context = ctx()
    assert FailoverCluster(provider()).read(context, cluster_config()) is None
    assert said(context.diagnostics) == []
    assert [n for n, _, _ in nodes.ran] == ["DB1", "DB2"]


@pytest.mark.parametrize("db2", [WinRMConnectionError("down too"), {"exists": False}])
def test_read_with_an_unreachable_node_and_no_answer_keeps_the_state(nodes: Nodes, db2: Any) -> None:
    """No member found and a node unreachable: an error naming the first unreachable node; state kept."""
    nodes.on("DB1", "get_cluster", WinRMConnectionError(UNREACHABLE))
    nodes.on("DB2", "get_cluster", db2)
    context = ctx()
    current = cluster_config(node_states={"DB1": "Up"})
    assert FailoverCluster(provider()).read(context, current) is current
    assert said(context.diagnostics) == [
        (ERROR, "Cannot read failover cluster MyCluster", f"{UNREACHABLE} (node DB1)", None)
    ]


# -- import ---------------------------------------------------------------------------------------------------
def test_import_records_the_members_in_the_ids_spelling_and_no_static_address(nodes: Nodes) -> None:
    """Import: get_cluster on the named node; the name keeps the ID's spelling; static_address is null."""
    nodes.on("DB1", "get_cluster", cluster("DB1", "DB2", name="MYCLUSTER"))
    context = ctx()
    state = FailoverCluster(provider()).import_(context, "DB1/MyCluster")
    assert said(context.diagnostics) == []
    assert nodes.ran == [("DB1", "get_cluster", {})]
    assert state == state_of()


def test_import_with_a_malformed_id_shows_the_expected_form(nodes: Nodes) -> None:
    context = ctx()
    assert FailoverCluster(provider()).import_(context, "MyCluster") is None
    assert said(context.diagnostics) == [
        (ERROR, "Invalid import ID", '"MyCluster" is not <node>/<cluster name> (e.g. DB1/MyCluster).', None)
    ]
    assert nodes.ran == []


def test_import_through_an_unreachable_node_says_which(nodes: Nodes) -> None:
    nodes.on("DB1", "get_cluster", WinRMConnectionError(UNREACHABLE))
    context = ctx()
    assert FailoverCluster(provider()).import_(context, "DB1/MyCluster") is None
    assert said(context.diagnostics) == [
        (ERROR, "Cannot import failover cluster MyCluster", f"{UNREACHABLE} (node DB1)", None)
    ]


# -- plan -----------------------------------------------------------------------------------------------------
def plan(config: dict, current: dict | None, **settings: Any) -> tuple[dict, SdnPlanContext]:
    context = SdnPlanContext(Diagnostics(), "sdn_failover_cluster", set(), config=config, is_create=current is None)
    planned = {k: (current or {}).get(k) if v is None else v for k, v in config.items()}
    return FailoverCluster(provider(**settings)).plan(context, current, planned), context


def test_plan_of_a_create_checks_every_node_answers_and_warns_about_delegation(nodes: Nodes) -> None:
    """Create: each node gets one connection at plan time and no command; an unreachable one is an error at its
    index, and NTLM auth gets the delegation warning (no attribute path: the whole resource is new)."""
    nodes.on("DB2", "connect", WinRMConnectionError(UNREACHABLE))
    planned, context = plan(cluster_config(), None)
    assert nodes.ran == [("DB1", "connect", {}), ("DB2", "connect", {})]
    assert said(context.diagnostics) == [
        (ERROR, "Cannot reach cluster node DB2", f"{UNREACHABLE} (node DB2)", ["nodes", (1,)]),
        (WARNING, "Cluster change needs credential delegation", NTLM_PROBLEM, None),
    ]
    assert [planned[k] for k in ("cluster_ip_address", "cluster_ip_state", "cluster_ip_owner_node")] == [Unknown] * 3
    assert planned["node_states"] is Unknown


def test_plan_of_a_join_checks_only_the_new_known_nodes(nodes: Nodes) -> None:
    """Adding nodes: members (in any spelling) and unknown names are not asked; a new node after an unknown one
    is; the delegation warning points at nodes."""
    nodes.on("DB3", "connect", WinRMConnectionError(UNREACHABLE))
    current = state_of()
    _, context = plan(cluster_config(nodes=["db1", Unknown, "DB3", "DB2"]), current)
    assert nodes.ran == [("DB3", "connect", {})]
    assert said(context.diagnostics) == [
        (ERROR, "Cannot reach cluster node DB3", f"{UNREACHABLE} (node DB3)", ["nodes", (2,)]),
        (WARNING, "Cluster change needs credential delegation", NTLM_PROBLEM, ["nodes"]),
    ]


def test_plan_of_a_join_with_a_node_that_answers_has_only_the_warning(nodes: Nodes) -> None:
    """A new node that accepts the connection passes the check (what it would say is the apply's business: no
    command runs); credssp needs no warning."""
    _, context = plan(cluster_config(nodes=["DB1", "DB2", "DB3"]), state_of())
    assert said(context.diagnostics) == [
        (WARNING, "Cluster change needs credential delegation", NTLM_PROBLEM, ["nodes"])
    ]
    _, context = plan(cluster_config(nodes=["DB1", "DB2", "DB4"]), state_of(), winrm_auth="credssp")
    assert said(context.diagnostics) == []
    assert nodes.ran == [("DB3", "connect", {}), ("DB4", "connect", {})]


# -- update ---------------------------------------------------------------------------------------------------
def test_update_replacing_every_node_joins_through_an_old_one_and_evicts_through_the_first_new(
    nodes: Nodes,
) -> None:
    """No node stays: joins run on the first old node, evictions on the first planned one."""
    nodes.on("DB1", "add_cluster_node", cluster("DB1", "DB2", "DB3"))
    nodes.on("DB3", "remove_cluster_node", cluster("DB2", "DB3"), cluster("DB3"))
    context = ctx()
    state = FailoverCluster(provider()).update(context, state_of(), cluster_config(nodes=["DB3"]))
    assert said(context.diagnostics) == []
    assert nodes.ran == [
        ("DB1", "add_cluster_node", {"cluster": "MyCluster", "node": "DB3"}),
        ("DB3", "remove_cluster_node", {"cluster": "MyCluster", "node": "DB1"}),
        ("DB3", "remove_cluster_node", {"cluster": "MyCluster", "node": "DB2"}),
    ]
    assert state == state_of(nodes=["DB3"], node_states={"DB3": "Up"})


def test_a_failed_join_is_reported_at_the_planned_index_and_state_is_unchanged(nodes: Nodes) -> None:
    """The join error points at the node's index in nodes; state keeps the old members with the planned
    timeouts and static_address."""
    nodes.on("DB1", "add_cluster_node", failure("Add-ClusterNode", "DB3 is not reachable."))
    context = ctx()
    current = state_of()
    planned = cluster_config(nodes=["DB1", "DB2", "DB3"], static_address="192.168.2.50", timeouts={"update": "1h"})
    state = FailoverCluster(provider()).update(context, current, planned)
    assert said(context.diagnostics) == [
        (
            ERROR,
            "Cannot add node DB3 in cluster MyCluster",
            "Add-ClusterNode on DB1 failed: DB3 is not reachable.",
            ["nodes", (2,)],
        )
    ]
    assert state == state_of(static_address="192.168.2.50", timeouts={"update": "1h"})


def test_update_checks_its_own_deadline_between_steps(nodes: Nodes, monkeypatch: pytest.MonkeyPatch) -> None:
    """timeouts.update bounds the steps: one starting exactly at the deadline runs, one after it does not."""
    Clock(monkeypatch, 1000.0, 1005.0, 1005.5)
    nodes.on("DB1", "add_cluster_node", cluster("DB1", "DB2"))
    context = ctx()
    planned = cluster_config(nodes=["DB1", "DB2", "DB3"], timeouts={"update": "5s"})
    state = FailoverCluster(provider()).update(context, state_of(nodes=["DB1"]), planned)
    assert said(context.diagnostics) == [
        (ERROR, "Failover cluster update timed out", "add_cluster_node for DB3 was not run in time.", None)
    ]
    assert [(n, s, v["node"]) for n, s, v in nodes.ran] == [("DB1", "add_cluster_node", "DB2")]
    assert state == state_of(timeouts={"update": "5s"})


def test_update_times_out_before_the_first_step_with_the_prior_members(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadline passed before any step: nothing runs and state is the prior one with the planned settings."""
    Clock(monkeypatch, 1000.0, 1005.5)
    context = ctx()
    planned = cluster_config(nodes=["DB1", "DB2", "DB3"], timeouts={"update": "5s"}, static_address="192.168.2.50")
    state = FailoverCluster(provider()).update(context, state_of(), planned)
    assert said(context.diagnostics) == [
        (ERROR, "Failover cluster update timed out", "add_cluster_node for DB3 was not run in time.", None)
    ]
    assert nodes.ran == []
    assert state == state_of(timeouts={"update": "5s"}, static_address="192.168.2.50")


def test_setting_static_address_after_an_import_runs_nothing(nodes: Nodes) -> None:
    """Same members, a static_address set where import recorded none: no command, the value is recorded."""
    context = ctx()
    planned = cluster_config(static_address="192.168.2.50", timeouts={"update": "1h"})
    state = FailoverCluster(provider()).update(context, state_of(), planned)
    assert said(context.diagnostics) == [] and nodes.ran == []
    assert state == state_of(static_address="192.168.2.50", timeouts={"update": "1h"})


# -- delete ---------------------------------------------------------------------------------------------------
def test_delete_removes_the_cluster_by_name_on_the_first_node(nodes: Nodes) -> None:
    nodes.on("DB1", "remove_cluster", {"removed": True})
    context = ctx()
    assert FailoverCluster(provider()).delete(context, state_of()) is None
    assert said(context.diagnostics) == []
    assert nodes.ran == [("DB1", "remove_cluster", {"cluster": "MyCluster"})]


# -- mapping --------------------------------------------------------------------------------------------------
def test_mapping_takes_a_renamed_cluster_and_keeps_the_create_time_settings() -> None:
    """A cluster answering under another name gets that name; static_address, ignore_networks and timeouts are
    the prior ones, never the cluster's."""
    prior = cluster_config(
        name="OldName", static_address="192.168.2.50", ignore_networks=["10.0.2.0/24"], timeouts={"read": "1m"}
    )
    assert from_cluster(cluster("DB1", "DB2"), prior) == state_of(
        static_address="192.168.2.50", ignore_networks=["10.0.2.0/24"], timeouts={"read": "1m"}
    )
