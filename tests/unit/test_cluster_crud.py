"""Create, update, delete and import of the cluster resources against a scripted transport: which script runs on
which node with which values, how the answers map into state, and what each failure tells the user (the e2e tests
run the same against the emulator's WinRM nodes)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from tf.utils import Diagnostics

from sdn_provider.cluster import remote
from sdn_provider.cluster.transport import ClusterCommandError, WinRMConnectionError
from sdn_provider.resources.cluster_ip_address import ClusterIPAddress
from sdn_provider.resources.failover_cluster import FailoverCluster
from tests.unit.conftest import said
from tests.unit.test_cluster_resources import cluster_config, ip_config, provider

PARAMETERS = {"Address": "192.168.2.10", "ProbePort": 0, "SubnetMask": "255.255.255.0", "Network": "Cluster Network 1"}
IP_RESOURCE = {"name": "Cluster IP Address", "state": "Online", "owner_node": "DB1", "parameters": PARAMETERS}


def cluster(*nodes: str, name: str = "MyCluster") -> dict:
    return {
        "exists": True,
        "name": name,
        "nodes": [{"name": n, "state": "Up"} for n in nodes],
        "static_address": "192.168.2.10",
        "ip_resource": IP_RESOURCE,
        "name_resource": "Cluster Name",
    }


class Nodes:
    """The transport: each (node, script) answers in turn from its list (an exception is raised); every command is
    recorded as (node, script, values). A connection without a command (transport.connect) is recorded as the
    script "connect" and answers like one, succeeding when no answer is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: dict[tuple[str, str], list[Any]] = {}
        self.ran: list[tuple[str, str, dict]] = []
        monkeypatch.setattr(remote, "run_script", self._run)
        monkeypatch.setattr(remote, "connect", self._connect)

    @staticmethod
    def _node(settings: Any) -> str:
        return settings.endpoint.split("//")[1].split(":")[0]

    def _connect(self, settings: Any) -> None:
        self.answers.setdefault((self._node(settings), "connect"), [None])
        self._run(settings, "connect", {})

    def on(self, node: str, script: str, *answers: Any) -> None:
        self.answers[(node, script)] = list(answers)

    def _run(self, settings: Any, script: str, params: dict) -> Any:
        node = self._node(settings)
        self.ran.append((node, script, params))
        queue = self.answers[(node, script)]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def nodes(monkeypatch: pytest.MonkeyPatch) -> Nodes:
    return Nodes(monkeypatch)


def ctx() -> SimpleNamespace:
    return SimpleNamespace(diagnostics=Diagnostics())


def diagnostics(context: SimpleNamespace) -> list[tuple[str, str, str, list | None]]:
    return said(context.diagnostics)


def failure(cmdlet: str, message: str, category: str = "InvalidOperation") -> ClusterCommandError:
    return ClusterCommandError("script", {"cmdlet": cmdlet, "message": message, "category": category})


def test_create_makes_the_cluster_on_the_first_node_and_joins_the_others_there(nodes: Nodes) -> None:
    nodes.on("DB1", "new_cluster", cluster("DB1"))
    nodes.on("DB1", "add_cluster_node", cluster("DB1", "DB2"), cluster("DB1", "DB2", "DB3"))
    planned = cluster_config(nodes=["DB1", "DB2", "DB3"], ignore_networks=["10.0.0.0/8"])
    context = ctx()
    state = FailoverCluster(provider()).create(context, planned)
    assert diagnostics(context) == []
    assert nodes.ran == [
        (
            "DB1",
            "new_cluster",
            {"name": "MyCluster", "node": "DB1", "static_address": None, "ignore_networks": ["10.0.0.0/8"]},
        ),
        ("DB1", "add_cluster_node", {"cluster": "MyCluster", "node": "DB2"}),
        ("DB1", "add_cluster_node", {"cluster": "MyCluster", "node": "DB3"}),
    ]
    assert state["nodes"] == ["DB1", "DB2", "DB3"]
    assert state["node_states"] == {"DB1": "Up", "DB2": "Up", "DB3": "Up"}
    assert (state["static_address"], state["cluster_ip_address"], state["cluster_ip_state"]) == (
        "192.168.2.10",
        "192.168.2.10",
        "Online",
    )


@pytest.mark.parametrize(
    ("existing", "hint"),
    [
        ("MyCluster", "To manage it with Terraform, import it: terraform import <address> DB1/MyCluster"),
        ("Other", "Evict it from that cluster first, or list other nodes."),
    ],
)
def test_create_on_a_node_already_in_a_cluster_says_so(nodes: Nodes, existing: str, hint: str) -> None:
    nodes.on("DB1", "new_cluster", failure("New-Cluster", "The node is already part of a cluster."))
    nodes.on("DB1", "get_cluster", cluster("DB1", name=existing))
    context = ctx()
    assert FailoverCluster(provider()).create(context, cluster_config()) is None
    [(severity, summary, detail, path)] = diagnostics(context)
    assert (summary, path) == ("Node already in a cluster", ["nodes", (0,)])
    assert detail == (
        f"DB1 is already a member of cluster {existing}; Terraform does not adopt existing clusters. {hint}\n"
        "(New-Cluster said: The node is already part of a cluster.)"
    )


def test_a_refused_new_cluster_points_at_the_name_or_the_network(nodes: Nodes) -> None:
    nodes.on("DB1", "get_cluster", {"exists": False})
    nodes.on("DB1", "new_cluster", failure("New-Cluster", "The name is invalid."))
    context = ctx()
    FailoverCluster(provider()).create(context, cluster_config())
    assert [(s, p) for _, s, _, p in diagnostics(context)] == [("Cannot create failover cluster", ["name"])]
    nodes.on("DB1", "new_cluster", failure("New-Cluster", "Use IgnoreNetwork to skip the DHCP network."))
    context = ctx()
    FailoverCluster(provider()).create(context, cluster_config())
    [(_, summary, detail, path)] = diagnostics(context)
    assert (summary, path) == ("Cannot create failover cluster", ["static_address"])
    assert detail.endswith("Set static_address to an address on that network, or list the network in ignore_networks.")


def test_a_node_that_cannot_join_keeps_the_cluster_in_state(nodes: Nodes) -> None:
    nodes.on("DB1", "new_cluster", cluster("DB1"))
    nodes.on("DB1", "add_cluster_node", failure("Add-ClusterNode", "DB2 is not reachable."))
    context = ctx()
    state = FailoverCluster(provider()).create(context, cluster_config())
    [(_, summary, detail, path)] = diagnostics(context)
    assert (summary, path) == ("Cannot add node DB2 to cluster MyCluster", ["nodes", (1,)])
    assert detail == "Add-ClusterNode on DB1 failed: DB2 is not reachable."
    assert state["nodes"] == ["DB1"] and state["name"] == "MyCluster"


def test_update_joins_through_a_staying_node_then_evicts_through_the_first_planned(nodes: Nodes) -> None:
    nodes.on("DB2", "add_cluster_node", cluster("DB1", "DB2", "DB3"))
    nodes.on("DB3", "remove_cluster_node", cluster("DB2", "DB3"))
    context = ctx()
    state = FailoverCluster(provider()).update(
        context, cluster_config(nodes=["DB1", "DB2"]), cluster_config(nodes=["DB3", "DB2"])
    )
    assert diagnostics(context) == []
    assert nodes.ran == [
        ("DB2", "add_cluster_node", {"cluster": "MyCluster", "node": "DB3"}),
        ("DB3", "remove_cluster_node", {"cluster": "MyCluster", "node": "DB1"}),
    ]
    assert state["nodes"] == ["DB3", "DB2"] and state["node_states"] == {"DB2": "Up", "DB3": "Up"}


def test_update_of_only_the_spelling_runs_nothing(nodes: Nodes) -> None:
    current = cluster_config(node_states={"DB1": "Up", "DB2": "Down"})
    state = FailoverCluster(provider()).update(ctx(), current, cluster_config(nodes=["db2", "DB1"]))
    assert nodes.ran == []
    assert state["nodes"] == ["db2", "DB1"] and state["node_states"] == {"db2": "Down", "DB1": "Up"}


def test_a_failed_eviction_is_reported_on_the_nodes(nodes: Nodes) -> None:
    nodes.on("DB1", "remove_cluster_node", failure("Remove-ClusterNode", "quorum would be lost"))
    context = ctx()
    state = FailoverCluster(provider()).update(context, cluster_config(), cluster_config(nodes=["DB1"]))
    [(_, summary, detail, path)] = diagnostics(context)
    assert (summary, detail, path) == (
        "Cannot evict node DB2 in cluster MyCluster",
        "Remove-ClusterNode on DB1 failed: quorum would be lost",
        ["nodes"],
    )
    assert state["nodes"] == ["DB1", "DB2"]


def test_delete_tries_the_next_node_only_when_one_is_unreachable(nodes: Nodes) -> None:
    nodes.on("DB1", "remove_cluster", WinRMConnectionError("cannot reach WinRM endpoint"))
    nodes.on("DB2", "remove_cluster", {"removed": True})
    context = ctx()
    FailoverCluster(provider()).delete(context, cluster_config())
    assert diagnostics(context) == []
    assert [(n, s) for n, s, _ in nodes.ran] == [("DB1", "remove_cluster"), ("DB2", "remove_cluster")]
    nodes.on("DB2", "remove_cluster", WinRMConnectionError("down too"))
    context = ctx()
    FailoverCluster(provider()).delete(context, cluster_config())
    assert [(s, d) for _, s, d, _ in diagnostics(context)] == [
        ("Cannot remove failover cluster MyCluster", "cannot reach WinRM endpoint (node DB1)")
    ]
    nodes.on("DB1", "remove_cluster", failure("Remove-Cluster", "access denied"))
    context = ctx()
    FailoverCluster(provider()).delete(context, cluster_config())
    assert [(s, d) for _, s, d, _ in diagnostics(context)] == [
        ("Cannot remove failover cluster MyCluster", "Remove-Cluster on DB1 failed: access denied")
    ]


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ({"exists": False}, "DB1 is not in a cluster, not of MyCluster."),
        (cluster("DB1", name="Other"), "DB1 is a member of cluster Other, not of MyCluster."),
    ],
)
def test_import_of_a_cluster_the_node_is_not_in_fails(nodes: Nodes, answer: dict, detail: str) -> None:
    nodes.on("DB1", "get_cluster", answer)
    context = ctx()
    assert FailoverCluster(provider()).import_(context, "DB1/MyCluster") is None
    assert [(s, d) for _, s, d, _ in diagnostics(context)] == [("Failover cluster not found", detail)]


def test_import_reads_the_cluster(nodes: Nodes) -> None:
    nodes.on("DB1", "get_cluster", cluster("DB1", "DB2", name="MYCLUSTER"))
    state = FailoverCluster(provider()).import_(ctx(), "DB1/MyCluster")
    assert state["nodes"] == ["DB1", "DB2"] and state["node_states"] == {"DB1": "Up", "DB2": "Up"}


# -- sdn_cluster_ip_address ----------------------------------------------------------------------------------
def test_ip_create_sends_the_parameters_and_records_what_they_replaced(nodes: Nodes) -> None:
    resource = {**IP_RESOURCE, "parameters": {**PARAMETERS, "Address": "192.168.2.100", "ProbePort": 59999}}
    nodes.on("DB1", "set_cluster_ip_address", {"previous": PARAMETERS, "resource": resource})
    context = ctx()
    state = ClusterIPAddress(provider()).create(context, ip_config(name_resource="Cluster Name"))
    assert diagnostics(context) == []
    [(node, script, values)] = nodes.ran
    assert (node, script, values["resource_name"], values["name_resource"]) == (
        "DB1",
        "set_cluster_ip_address",
        "",
        "Cluster Name",
    )
    assert values["parameters"]["Address"] == "192.168.2.100" and values["parameters"]["ProbePort"] == 59999
    assert 1 <= values["wait_seconds"] <= 60
    assert (state["address"], state["probe_port"], state["state"], state["owner_node"]) == (
        "192.168.2.100",
        59999,
        "Online",
        "DB1",
    )
    assert state["previous_parameters"]["Address"] == "192.168.2.10"
    assert state["previous_parameters"]["ProbePort"] == "0"


def test_an_ip_that_did_not_come_online_stays_in_state_with_a_warning(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Start-ClusterResource", "resource failed to come online"))
    nodes.on("DB1", "get_cluster_resource", {**IP_RESOURCE, "state": "Failed"})
    context = ctx()
    state = ClusterIPAddress(provider()).create(context, ip_config())
    [error, warning] = diagnostics(context)
    assert (error[1], warning[1]) == ("Cannot set cluster IP address parameters", "Previous parameters not recorded")
    assert error[0] != warning[0]  # the failure is an error, the lost previous values a warning
    assert warning[2] == (
        "The new parameters were written before the failure; the values they replaced were not returned, so "
        "destroy will not restore them."
    )
    assert nodes.ran[1] == ("DB1", "get_cluster_resource", {"resource_name": ""})
    assert state["state"] == "Failed" and state["previous_parameters"] == {}


def test_an_ip_whose_parameters_were_refused_is_not_in_state(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Set-ClusterParameter", "invalid parameter 'Address'"))
    context = ctx()
    assert ClusterIPAddress(provider()).create(context, ip_config()) is None
    assert [s for _, s, _, _ in diagnostics(context)] == ["Cannot set cluster IP address parameters"]
    assert [s for _, s, _ in nodes.ran] == ["set_cluster_ip_address"]


def test_ip_read_through_a_peer_when_its_node_is_unreachable(nodes: Nodes) -> None:
    nodes.on("DB1", "get_cluster_resource", WinRMConnectionError("cannot reach WinRM endpoint"))
    nodes.on("DB2", "get_cluster", cluster("DB1", "DB2"))
    nodes.on("DB2", "get_cluster_resource", IP_RESOURCE)
    p = provider(winrm_endpoints={"DB1": "https://DB1:5986/wsman", "DB2": "https://DB2:5986/wsman"})
    context = ctx()
    state = ClusterIPAddress(p).read(context, ip_config(resource_name="Cluster IP Address"))
    [(_, summary, detail, _)] = diagnostics(context)
    assert summary == "Cluster node DB1 is unreachable"
    assert "Read Cluster IP Address through DB2, another member of the same cluster" in detail
    assert state["address"] == "192.168.2.10" and state["cluster_node"] == "DB1"


def test_ip_of_a_node_no_longer_in_a_cluster_is_gone(nodes: Nodes) -> None:
    nodes.on("DB1", "get_cluster_resource", failure("Get-ClusterResource", "The cluster service is not running"))
    nodes.on("DB1", "get_cluster", {"exists": False})
    assert ClusterIPAddress(provider()).read(ctx(), ip_config(resource_name="Cluster IP Address")) is None
    nodes.on("DB1", "get_cluster", cluster("DB1"))
    context = ctx()
    current = ip_config(resource_name="Cluster IP Address")
    assert ClusterIPAddress(provider()).read(context, current) == current
    assert [s for _, s, _, _ in diagnostics(context)] == ["Cannot read cluster resource Cluster IP Address"]


def test_ip_delete_restores_the_previous_parameters(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", {"previous": PARAMETERS, "resource": IP_RESOURCE})
    ClusterIPAddress(provider()).delete(ctx(), ip_config(previous_parameters={"Address": "192.168.2.10"}))
    [(_, script, values)] = nodes.ran
    assert script == "set_cluster_ip_address" and values["parameters"]["Address"] == "192.168.2.10"
    nodes.ran.clear()
    ClusterIPAddress(provider()).delete(ctx(), ip_config(previous_parameters={}))
    assert nodes.ran == []  # nothing recorded: nothing to restore


@pytest.mark.parametrize(
    ("message", "path"),
    [
        ("The value for parameter 'SubnetMask' is not valid.", ["subnet_mask"]),
        ("Invalid value (PROBEPORT '70000') for the resource.", ["probe_port"]),
        ("The cluster network is not available.", None),
    ],
)
def test_a_refused_parameter_points_at_its_attribute(nodes: Nodes, message: str, path: list | None) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Set-ClusterParameter", message))
    context = ctx()
    ClusterIPAddress(provider()).create(context, ip_config())
    [(_, summary, detail, found)] = diagnostics(context)
    assert (summary, found) == ("Cannot set cluster IP address parameters", path)
    assert detail == f"Set-ClusterParameter on DB1 failed: {message}"
