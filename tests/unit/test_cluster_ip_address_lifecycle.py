"""sdn_cluster_ip_address's lifecycle against a scripted WinRM transport: the exact script and values each
operation sends to which node, the exact state it writes, and the exact diagnostics a user reads (severity,
summary, detail, attribute path); plus the plan-time values and the load balancer cross-check's warning."""

from __future__ import annotations

from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.cluster import remote
from sdn_provider.cluster.transport import ClusterCommandTimeout, WinRMConnectionError
from sdn_provider.framework import SdnPlanContext
from sdn_provider.resources.cluster_ip_address import SCHEMA, ClusterIPAddress
from tests.unit.conftest import said
from tests.unit.test_cluster_crud import Nodes, cluster, ctx, diagnostics, failure, nodes
from tests.unit.test_cluster_resources import FakeNC, ip_config, lb, plan_ip, provider

__all__ = ["nodes"]  # the fixture, imported for the tests below

ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING
STATIC = {
    "Address": "192.168.2.100",
    "ProbePort": 59999,
    "SubnetMask": "255.255.255.255",
    "Network": "Cluster Network 1",
    "EnableDhcp": 0,
    "ProbeFailureThreshold": 5,
}
ORIGINAL = {
    "Address": "192.168.2.10",
    "ProbePort": 0,
    "SubnetMask": "255.255.255.0",
    "Network": "Cluster Network 2",
    "EnableDhcp": 0,
    "ProbeFailureThreshold": 3,
}
TIMEOUTS = {"create": "20s", "read": "40s", "update": "30s", "delete": "10s"}


def resource(name: str = "SQL IP Address", **parameters: Any) -> dict:
    """A get_cluster_resource answer."""
    return {"name": name, "state": "Online", "owner_node": "DB2", "parameters": {**STATIC, **parameters}}


def state_of(**over: Any) -> dict:
    """The state written for `resource()` read with ip_config's values (override what differs)."""
    state = {
        "cluster_node": "DB1",
        "resource_name": "SQL IP Address",
        "name_resource": None,
        "address": "192.168.2.100",
        "probe_port": 59999,
        "subnet_mask": "255.255.255.255",
        "network": "Cluster Network 1",
        "enable_dhcp": False,
        "probe_failure_threshold": None,
        "state": "Online",
        "owner_node": "DB2",
        "previous_parameters": None,
        "timeouts": None,
    }
    state.update(over)
    return state


def set_values(parameters: dict, wait: int, resource_name: str = "", name_resource: str = "") -> dict:
    return {
        "resource_name": resource_name,
        "name_resource": name_resource,
        "parameters": parameters,
        "wait_seconds": wait,
    }


# -- schema -----------------------------------------------------------------------------------------------------
def test_the_schema_has_the_documented_attributes_and_flags() -> None:
    """Names, types and required/optional/computed/replace flags of every attribute, as the docs list them."""
    found = {
        a.name: (type(a.type).__name__, a.required, a.optional, a.computed, a.requires_replace)
        for a in SCHEMA.attributes
    }
    assert found == {
        "cluster_node": ("String", True, False, False, None),
        "resource_name": ("String", False, True, True, True),
        "name_resource": ("String", False, True, True, None),
        "address": ("String", False, True, True, None),
        "probe_port": ("Number", True, False, False, None),
        "subnet_mask": ("String", False, True, True, None),
        "network": ("String", True, False, False, None),
        "enable_dhcp": ("Bool", False, True, True, None),
        "probe_failure_threshold": ("Number", False, True, False, None),
        "state": ("String", False, False, True, None),
        "owner_node": ("String", False, False, True, None),
        "previous_parameters": ("Map", False, False, True, None),
    }


def test_every_attribute_description_is_the_documented_one() -> None:
    """The descriptions are what docs/resources/cluster_ip_address.md shows users."""
    with open("docs/resources/cluster_ip_address.md", encoding="utf-8") as f:
        docs = f.read()
    for a in SCHEMA.attributes:
        assert isinstance(a.description, str) and a.description, a.name
        assert f"`{a.name}` - " in docs and a.description in docs, a.name
    assert SCHEMA.attributes[0].description == (
        "Cluster member reached over WinRM to run the commands (any member works; changing it runs nothing)."
    )


# -- read -------------------------------------------------------------------------------------------------------
def test_read_writes_every_managed_value_from_the_cluster(nodes: Nodes) -> None:
    """Refresh maps the resource's parameters into state (drift shows) and keeps the prior's own values."""
    nodes.on("DB1", "get_cluster_resource", resource("Cluster IP Address"))
    current = ip_config(
        resource_name="cluster ip address",
        name_resource="Cluster Name",
        probe_failure_threshold=3,
        previous_parameters={"ProbePort": "0"},
        timeouts=TIMEOUTS,
        address="192.168.2.1",
    )
    context = ctx()
    state = ClusterIPAddress(provider()).read(context, current)
    assert diagnostics(context) == []
    assert nodes.ran == [("DB1", "get_cluster_resource", {"resource_name": "cluster ip address"})]
    assert state == state_of(
        resource_name="cluster ip address",
        name_resource="Cluster Name",
        probe_failure_threshold=5,
        previous_parameters={"ProbePort": "0"},
        timeouts=TIMEOUTS,
    )


def test_read_of_a_dhcp_resource_with_an_unset_probe_port(nodes: Nodes) -> None:
    """EnableDhcp 1 reads as true, empty address/mask as null, a missing ProbePort as 0; a renamed resource's
    name comes from the cluster; an unmanaged threshold stays null."""
    answer = {
        "name": "SQL IP Address",
        "state": "Offline",
        "owner_node": "DB1",
        "parameters": {"Address": "", "SubnetMask": "", "Network": "Cluster Network 1", "EnableDhcp": "1"},
    }
    nodes.on("DB1", "get_cluster_resource", answer)
    state = ClusterIPAddress(provider()).read(ctx(), ip_config(resource_name="Old IP", enable_dhcp=True))
    assert state == state_of(
        address=None,
        probe_port=0,
        subnet_mask=None,
        enable_dhcp=True,
        state="Offline",
        owner_node="DB1",
    )


def test_read_with_string_parameters(nodes: Nodes) -> None:
    """Windows may answer numbers as strings: EnableDhcp "0" is false, ProbePort "59999" the number."""
    nodes.on("DB1", "get_cluster_resource", resource(ProbePort="59999", EnableDhcp="0"))
    state = ClusterIPAddress(provider()).read(ctx(), ip_config(resource_name="SQL IP Address"))
    assert state == state_of()


def test_read_of_a_missing_resource_is_gone_without_asking_the_cluster(nodes: Nodes) -> None:
    """Windows' ObjectNotFound removes the resource from state, with no get_cluster."""
    missing = failure("Get-ClusterResource", "not found", category="ObjectNotFound")
    nodes.on("DB1", "get_cluster_resource", missing)
    nodes.on("DB1", "get_cluster", cluster("DB1"))
    context = ctx()
    assert ClusterIPAddress(provider()).read(context, ip_config(resource_name="SQL IP Address")) is None
    assert diagnostics(context) == []
    assert [s for _, s, _ in nodes.ran] == ["get_cluster_resource"]


def test_a_failed_read_on_a_clustered_node_is_reported_and_keeps_state(nodes: Nodes) -> None:
    """Any other failure: one get_cluster to tell whether the cluster is gone, then the cmdlet's message."""
    nodes.on("DB1", "get_cluster_resource", failure("Get-ClusterResource", "access denied"))
    nodes.on("DB1", "get_cluster", cluster("DB1"))
    context = ctx()
    current = ip_config(resource_name="SQL IP Address")
    assert ClusterIPAddress(provider()).read(context, current) == current
    assert nodes.ran == [
        ("DB1", "get_cluster_resource", {"resource_name": "SQL IP Address"}),
        ("DB1", "get_cluster", {}),
    ]
    assert diagnostics(context) == [
        (
            ERROR,
            "Cannot read cluster resource SQL IP Address",
            "Get-ClusterResource on DB1 failed: access denied",
            None,
        )
    ]


def test_a_failed_read_whose_cluster_check_fails_too_keeps_state(nodes: Nodes) -> None:
    """When the get_cluster that would tell "cluster gone" fails as well, nothing is assumed gone."""
    nodes.on("DB1", "get_cluster_resource", failure("Get-ClusterResource", "access denied"))
    nodes.on("DB1", "get_cluster", WinRMConnectionError("cannot reach WinRM endpoint"))
    context = ctx()
    current = ip_config(resource_name="SQL IP Address")
    assert ClusterIPAddress(provider()).read(context, current) == current
    assert [s for _, s, _, _ in diagnostics(context)] == ["Cannot read cluster resource SQL IP Address"]


def test_an_unreachable_node_with_no_peer_is_reported(nodes: Nodes) -> None:
    """No other member to ask: the connection error, naming the node."""
    nodes.on("DB1", "get_cluster_resource", ClusterCommandTimeout("command timed out"))
    context = ctx()
    current = ip_config(resource_name="SQL IP Address")
    assert ClusterIPAddress(provider()).read(context, current) == current
    assert diagnostics(context) == [
        (ERROR, "Cannot read cluster resource SQL IP Address", "command timed out (node DB1)", None)
    ]


def test_read_through_a_peer_warns_with_the_whole_detail(nodes: Nodes) -> None:
    """The peer is asked for the same resource name; a nameless answer is called "the cluster IP address"."""
    nodes.on("DB1", "get_cluster_resource", WinRMConnectionError("cannot reach WinRM endpoint"))
    nodes.on("DB2", "get_cluster", cluster("DB1", "DB2"))
    nodes.on("DB2", "get_cluster_resource", {**resource(), "name": None})
    p = provider(winrm_endpoints={"DB1": "https://DB1:5986/wsman", "DB2": "https://DB2:5986/wsman"})
    context = ctx()
    state = ClusterIPAddress(p).read(context, ip_config(resource_name="SQL IP Address"))
    assert nodes.ran == [
        ("DB1", "get_cluster_resource", {"resource_name": "SQL IP Address"}),
        ("DB2", "get_cluster", {}),
        ("DB2", "get_cluster_resource", {"resource_name": "SQL IP Address"}),
    ]
    assert diagnostics(context) == [
        (
            WARNING,
            "Cluster node DB1 is unreachable",
            "cannot reach WinRM endpoint\nRead the cluster IP address through DB2, another member of the same "
            "cluster; changes to it still need cluster_node = 'DB1' reachable, or cluster_node set to a member "
            "that is.",
            None,
        )
    ]
    assert {**state, "resource_name": "-"} == state_of(resource_name="-")  # a nameless answer names nothing


def test_read_reuses_the_cluster_answer_of_the_same_refresh(nodes: Nodes) -> None:
    """sdn_failover_cluster's get_cluster on the same node already holds the IP resource: no second command."""
    nodes.on("DB1", "get_cluster", {**cluster("DB1"), "ip_resource": resource("Cluster IP Address")})
    p = provider()
    remote.read_cluster(p, "DB1")
    state = ClusterIPAddress(p).read(ctx(), ip_config(resource_name="Cluster IP Address"))
    assert [s for _, s, _ in nodes.ran] == ["get_cluster"]
    assert state == state_of(resource_name="Cluster IP Address")


def test_read_of_another_resource_does_not_reuse_the_cluster_answer(nodes: Nodes) -> None:
    """A resource other than the core IP is read with its own command."""
    nodes.on("DB1", "get_cluster", cluster("DB1"))
    nodes.on("DB1", "get_cluster_resource", resource())
    p = provider()
    remote.read_cluster(p, "DB1")
    state = ClusterIPAddress(p).read(ctx(), ip_config(resource_name="SQL IP Address"))
    assert nodes.ran[1:] == [("DB1", "get_cluster_resource", {"resource_name": "SQL IP Address"})]
    assert state == state_of()


# -- create -----------------------------------------------------------------------------------------------------
def test_create_sends_the_whole_table_and_records_every_replaced_value(nodes: Nodes) -> None:
    """One set_cluster_ip_address with the desired table, the names, and half the create timeout; state records
    the six managed previous values (as strings) when the threshold is managed."""
    nodes.on("DB1", "set_cluster_ip_address", {"previous": ORIGINAL, "resource": resource()})
    planned = ip_config(
        resource_name="SQL IP Address",
        name_resource="SQL Name",
        subnet_mask="255.255.255.255",
        enable_dhcp=False,
        probe_failure_threshold=5,
        timeouts=TIMEOUTS,
        state=Unknown,
        owner_node=Unknown,
        previous_parameters=Unknown,
    )
    context = ctx()
    state = ClusterIPAddress(provider()).create(context, planned)
    assert diagnostics(context) == []
    assert nodes.ran == [
        (
            "DB1",
            "set_cluster_ip_address",
            set_values(
                {
                    "ProbePort": 59999,
                    "Network": "Cluster Network 1",
                    "EnableDhcp": 0,
                    "Address": "192.168.2.100",
                    "SubnetMask": "255.255.255.255",
                    "ProbeFailureThreshold": 5,
                },
                10,
                "SQL IP Address",
                "SQL Name",
            ),
        )
    ]
    assert state == state_of(
        name_resource="SQL Name",
        probe_failure_threshold=5,
        timeouts=TIMEOUTS,
        previous_parameters={
            "Address": "192.168.2.10",
            "ProbePort": "0",
            "SubnetMask": "255.255.255.0",
            "Network": "Cluster Network 2",
            "EnableDhcp": "0",
            "ProbeFailureThreshold": "3",
        },
    )


def test_create_with_names_found_by_type_and_an_unmanaged_threshold(nodes: Nodes) -> None:
    """Unknown/unset names are sent as "" (the script finds the core resources by type); the name found is
    recorded; an unmanaged threshold's previous value is not recorded, nor a value Windows did not return."""
    previous = {k: v for k, v in ORIGINAL.items() if k != "Network"}
    nodes.on("DB1", "set_cluster_ip_address", {"previous": previous, "resource": resource("Cluster IP Address")})
    planned = ip_config(resource_name=Unknown, name_resource=Unknown, subnet_mask="255.255.255.255", enable_dhcp=False)
    state = ClusterIPAddress(provider()).create(ctx(), planned)
    [(_, _, values)] = nodes.ran
    assert (values["resource_name"], values["name_resource"], values["wait_seconds"]) == ("", "", 60)
    assert "ProbeFailureThreshold" not in values["parameters"]
    assert state == state_of(
        resource_name="Cluster IP Address",
        previous_parameters={
            "Address": "192.168.2.10",
            "ProbePort": "0",
            "SubnetMask": "255.255.255.0",
            "EnableDhcp": "0",
        },
    )


def test_create_with_dhcp_sends_no_address_and_records_none_when_nothing_was_returned(nodes: Nodes) -> None:
    """With DHCP the table has no address or mask; half of a 3 s timeout rounds down to a 1 s wait; no
    `previous` answer records an empty map."""
    lease = resource(Address="192.168.2.77", SubnetMask="255.255.255.0", EnableDhcp=1)
    nodes.on("DB1", "set_cluster_ip_address", {"resource": lease})
    planned = ip_config(address=Unknown, subnet_mask=Unknown, enable_dhcp=True)
    state = ClusterIPAddress(provider(operation_timeout="3s")).create(ctx(), planned)
    assert nodes.ran == [
        (
            "DB1",
            "set_cluster_ip_address",
            set_values({"ProbePort": 59999, "Network": "Cluster Network 1", "EnableDhcp": 1}, 1),
        )
    ]
    assert state == state_of(
        address="192.168.2.77", subnet_mask="255.255.255.0", enable_dhcp=True, previous_parameters={}
    )


def test_create_on_an_unreachable_node_reports_it_and_writes_nothing(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", WinRMConnectionError("cannot reach WinRM endpoint"))
    context = ctx()
    assert ClusterIPAddress(provider()).create(context, ip_config()) is None
    assert diagnostics(context) == [
        (ERROR, "Cannot set cluster IP address parameters", "cannot reach WinRM endpoint (node DB1)", None)
    ]
    assert [s for _, s, _ in nodes.ran] == ["set_cluster_ip_address"]


def test_a_refused_parameter_on_create_is_an_error_on_its_attribute(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Set-ClusterParameter", "The parameter 'Network' is wrong."))
    context = ctx()
    assert ClusterIPAddress(provider()).create(context, ip_config()) is None
    assert diagnostics(context) == [
        (
            ERROR,
            "Cannot set cluster IP address parameters",
            "Set-ClusterParameter on DB1 failed: The parameter 'Network' is wrong.",
            ["network"],
        )
    ]


def test_a_resource_that_failed_to_start_is_read_back_by_its_name(nodes: Nodes) -> None:
    """After Start-ClusterResource failed, the named resource is read back and kept with a warning."""
    nodes.on("DB1", "set_cluster_ip_address", failure("Start-ClusterResource", "failed to come online"))
    nodes.on("DB1", "get_cluster_resource", {**resource(), "state": "Failed"})
    context = ctx()
    state = ClusterIPAddress(provider()).create(context, ip_config(resource_name="SQL IP Address"))
    assert nodes.ran[1] == ("DB1", "get_cluster_resource", {"resource_name": "SQL IP Address"})
    assert diagnostics(context) == [
        (
            ERROR,
            "Cannot set cluster IP address parameters",
            "Start-ClusterResource on DB1 failed: failed to come online",
            None,
        ),
        (
            WARNING,
            "Previous parameters not recorded",
            "The new parameters were written before the failure; the values they replaced were not returned, so "
            "destroy will not restore them.",
            None,
        ),
    ]
    assert state == state_of(state="Failed", previous_parameters={})


def test_a_failed_start_whose_read_back_fails_writes_nothing(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Start-ClusterResource", "failed to come online"))
    nodes.on("DB1", "get_cluster_resource", WinRMConnectionError("gone"))
    context = ctx()
    assert ClusterIPAddress(provider()).create(context, ip_config()) is None
    assert [s for _, s, _, _ in diagnostics(context)] == ["Cannot set cluster IP address parameters"]


# -- update -----------------------------------------------------------------------------------------------------
def current_state(**over: Any) -> dict:
    base = state_of(
        resource_name="SQL IP Address",
        name_resource="SQL Name",
        previous_parameters={"ProbePort": "0"},
        state="Offline",
        owner_node="DB1",
    )
    base.update(over)
    return base


def test_update_of_only_the_node_or_the_timeouts_runs_nothing(nodes: Nodes) -> None:
    """cluster_node and timeouts change in state only ("changing it runs nothing"); the rest is kept."""
    current = current_state(probe_failure_threshold=5)
    planned = {**current, "cluster_node": "DB2", "timeouts": TIMEOUTS, "state": "Failed"}
    context = ctx()
    state = ClusterIPAddress(provider()).update(context, current, planned)
    assert nodes.ran == [] and diagnostics(context) == []
    assert state == {**current, "cluster_node": "DB2", "timeouts": TIMEOUTS}


def test_update_sends_the_new_table_with_the_update_timeout_and_keeps_previous(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", {"previous": ORIGINAL, "resource": resource(ProbePort=60000)})
    current = current_state()
    planned = {**current, "probe_port": 60000, "timeouts": TIMEOUTS, "state": Unknown, "owner_node": Unknown}
    planned["previous_parameters"] = Unknown  # an update never replaces the values recorded at create
    context = ctx()
    state = ClusterIPAddress(provider()).update(context, current, planned)
    assert diagnostics(context) == []
    assert nodes.ran == [
        (
            "DB1",
            "set_cluster_ip_address",
            set_values(
                {
                    "ProbePort": 60000,
                    "Network": "Cluster Network 1",
                    "EnableDhcp": 0,
                    "Address": "192.168.2.100",
                    "SubnetMask": "255.255.255.255",
                },
                15,
                "SQL IP Address",
                "SQL Name",
            ),
        )
    ]
    assert state == current_state(probe_port=60000, timeouts=TIMEOUTS, state="Online", owner_node="DB2")


def test_update_of_only_the_name_resource_runs_the_sequence(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", {"previous": ORIGINAL, "resource": resource()})
    current = current_state()
    ClusterIPAddress(provider()).update(ctx(), current, {**current, "name_resource": "Other Name"})
    [(_, script, values)] = nodes.ran
    assert (script, values["name_resource"], values["wait_seconds"]) == ("set_cluster_ip_address", "Other Name", 60)


def test_a_failed_update_is_reported_on_the_attribute_and_keeps_state(nodes: Nodes) -> None:
    message = "Invalid value (ADDRESS '192.168.2.300') for the resource."
    nodes.on("DB1", "set_cluster_ip_address", failure("Set-ClusterParameter", message))
    current = current_state()
    planned = {**current, "address": "192.168.2.101", "cluster_node": "DB3"}
    p = provider(winrm_endpoints={"DB3": "https://DB1:5986/wsman"})
    context = ctx()
    assert ClusterIPAddress(p).update(context, current, planned) == current
    assert diagnostics(context) == [
        (
            ERROR,
            "Cannot update cluster IP address parameters",
            f"Set-ClusterParameter on DB3 failed: {message}",
            ["address"],
        )
    ]


# -- delete -----------------------------------------------------------------------------------------------------
def test_delete_restores_every_previous_value_with_the_delete_timeout(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", {"previous": STATIC, "resource": resource()})
    previous = {
        "Address": "192.168.2.10",
        "ProbePort": "0",
        "SubnetMask": "255.255.255.0",
        "Network": "Cluster Network 2",
        "EnableDhcp": "0",
        "ProbeFailureThreshold": "3",
    }
    context = ctx()
    current = current_state(previous_parameters=previous, timeouts=TIMEOUTS)
    assert ClusterIPAddress(provider()).delete(context, current) is None
    assert diagnostics(context) == []
    assert nodes.ran == [
        ("DB1", "set_cluster_ip_address", set_values({**ORIGINAL}, 5, "SQL IP Address", "SQL Name")),
    ]


def test_delete_does_not_write_back_a_dhcp_lease(nodes: Nodes) -> None:
    """EnableDhcp 1 before: the table puts DHCP back, without address or mask (even when none was recorded)."""
    nodes.on("DB1", "set_cluster_ip_address", {"previous": STATIC, "resource": resource()})
    previous = {"ProbePort": "0", "Network": "Cluster Network 2", "EnableDhcp": "1"}
    ClusterIPAddress(provider()).delete(ctx(), current_state(previous_parameters=previous, name_resource=None))
    assert nodes.ran == [
        (
            "DB1",
            "set_cluster_ip_address",
            set_values({"ProbePort": 0, "Network": "Cluster Network 2", "EnableDhcp": 1}, 60, "SQL IP Address"),
        )
    ]


def test_delete_of_a_missing_resource_succeeds_without_asking_the_cluster(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Get-ClusterResource", "not found", category="ObjectNotFound"))
    nodes.on("DB1", "get_cluster", cluster("DB1"))
    context = ctx()
    assert ClusterIPAddress(provider()).delete(context, current_state()) is None
    assert diagnostics(context) == []
    assert [s for _, s, _ in nodes.ran] == ["set_cluster_ip_address"]


def test_delete_when_the_cluster_is_gone_succeeds(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Get-ClusterResource", "The cluster service is not running"))
    nodes.on("DB1", "get_cluster", {"exists": False})
    context = ctx()
    assert ClusterIPAddress(provider()).delete(context, current_state()) is None
    assert diagnostics(context) == []
    assert [(n, s, v) for n, s, v in nodes.ran[1:]] == [("DB1", "get_cluster", {})]


def test_a_failed_restore_is_reported(nodes: Nodes) -> None:
    nodes.on("DB1", "set_cluster_ip_address", failure("Set-ClusterParameter", "access denied"))
    nodes.on("DB1", "get_cluster", cluster("DB1"))
    context = ctx()
    assert ClusterIPAddress(provider()).delete(context, current_state()) is None
    assert diagnostics(context) == [
        (
            ERROR,
            "Cannot restore the previous cluster IP address parameters",
            "Set-ClusterParameter on DB1 failed: access denied",
            None,
        )
    ]


# -- import -----------------------------------------------------------------------------------------------------
def test_import_reads_the_resource_and_records_its_values_as_previous(nodes: Nodes) -> None:
    nodes.on("DB2", "get_cluster_resource", resource(Network=None))
    context = ctx()
    state = ClusterIPAddress(provider()).import_(context, "DB2/sql ip address")
    assert diagnostics(context) == []
    assert nodes.ran == [("DB2", "get_cluster_resource", {"resource_name": "sql ip address"})]
    assert state == state_of(
        cluster_node="DB2",
        resource_name="sql ip address",  # the ID's spelling is kept
        network=None,
        previous_parameters={
            "Address": "192.168.2.100",
            "ProbePort": "59999",
            "SubnetMask": "255.255.255.255",
            "EnableDhcp": "0",
        },
    )


def test_a_malformed_import_id_says_what_is_expected() -> None:
    context = ctx()
    assert ClusterIPAddress(provider()).import_(context, "DB1") is None
    assert diagnostics(context) == [
        (ERROR, "Invalid import ID", '"DB1" is not <node>/<resource name> (e.g. DB1/Cluster IP Address).', None)
    ]


def test_a_failed_import_read_is_reported(nodes: Nodes) -> None:
    nodes.on("DB1", "get_cluster_resource", failure("Get-ClusterResource", "not found", category="ObjectNotFound"))
    context = ctx()
    assert ClusterIPAddress(provider()).import_(context, "DB1/SQL IP Address") is None
    assert diagnostics(context) == [
        (ERROR, "Cannot import cluster resource SQL IP Address", "Get-ClusterResource on DB1 failed: not found", None)
    ]


# -- plan -------------------------------------------------------------------------------------------------------
def prior(**over: Any) -> dict:
    """A state as create wrote it (static VIP, host mask)."""
    return current_state(resource_name="Cluster IP Address", name_resource=None, state="Online", **over)


def test_plan_keeps_an_explicit_dhcp_setting_and_leaves_a_configured_address() -> None:
    """enable_dhcp = true is not replaced by the default; with DHCP unknown a configured address stays."""
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(address=None, enable_dhcp=True))
    assert planned["enable_dhcp"] is True
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(enable_dhcp=Unknown))
    assert (planned["address"], planned["subnet_mask"]) == ("192.168.2.100", Unknown)


def test_plan_keeps_a_configured_mask() -> None:
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(subnet_mask="255.255.255.0", enable_dhcp=False))
    assert planned["subnet_mask"] == "255.255.255.0"


def test_plan_keeps_the_lease_while_dhcp_stays_on() -> None:
    """DHCP on before and after: address and mask keep the leased values (no diff)."""
    current = prior(enable_dhcp=True, address="192.168.2.77", subnet_mask="255.255.255.0")
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(address=None, enable_dhcp=True), current)
    assert (planned["address"], planned["subnet_mask"], planned["state"]) == ("192.168.2.77", "255.255.255.0", "Online")


def test_plan_turning_dhcp_on_makes_the_lease_unknown() -> None:
    current = prior()
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(address=None, enable_dhcp=True), current)
    assert (planned["address"], planned["subnet_mask"], planned["state"]) == (Unknown, Unknown, Unknown)


def test_plan_turning_dhcp_off_keeps_the_configured_address() -> None:
    current = prior(enable_dhcp=True, address="192.168.2.77", subnet_mask="255.255.255.0")
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(enable_dhcp=False), current)
    assert (planned["address"], planned["subnet_mask"]) == ("192.168.2.100", "255.255.255.255")


# -- plan: load balancer cross-check ----------------------------------------------------------------------------
def nc_provider(lbs: list[dict]) -> Any:
    p = provider(network_controller_uri="https://nc")
    p._nc = FakeNC(lbs)
    return p


def warned(diags: Diagnostics) -> list[tuple]:
    return said(diags)


def probe_warning(lbs: str, ports: str, port: int = 59999, address: str = "192.168.2.100") -> tuple:
    return (
        WARNING,
        "Probe port differs from the load balancer",
        f"Load balancer(s) {lbs} have frontend {address}, but their rules' probes use port(s) {ports}, not {port}: "
        "the SLB would never see the active node.",
        ["probe_port"],
    )


def test_the_cross_check_warning_names_every_load_balancer_and_port() -> None:
    p = nc_provider([lb("192.168.2.100", 59998, "t2"), lb("192.168.2.100", 59997, "t1")])
    _, diags = plan_ip(ClusterIPAddress(p), ip_config())
    assert warned(diags) == [probe_warning("t1, t2", "59997, 59998")]


def test_a_load_balancer_without_rules_probes_no_port() -> None:
    bare = {
        "resourceId": "lb",
        "properties": {
            "frontendIPConfigurations": [{"resourceId": "fe", "properties": {"privateIPAddress": "192.168.2.100"}}]
        },
    }
    _, diags = plan_ip(ClusterIPAddress(nc_provider([bare])), ip_config())
    assert warned(diags) == [probe_warning("lb", "none")]


def test_a_load_balancer_planned_in_the_same_plan_counts() -> None:
    p = nc_provider([])
    p.plan_frontends("planned-lb", {"192.168.2.100": {59998}})
    _, diags = plan_ip(ClusterIPAddress(p), ip_config())
    assert warned(diags) == [probe_warning("planned-lb", "59998")]


def test_the_planned_load_balancer_replaces_its_copy_in_nc_whatever_the_case() -> None:
    """NC's Lb1 probes the port, but this plan changes lB1's probe: the planned one wins."""
    p = nc_provider([lb("192.168.2.100", 59999, "Lb1")])
    p.plan_frontends("lB1", {"192.168.2.100": {59998}})
    _, diags = plan_ip(ClusterIPAddress(p), ip_config())
    assert warned(diags) == [probe_warning("lB1", "59998")]


@pytest.mark.parametrize("over", [{"address": Unknown}, {"probe_port": Unknown}])
def test_the_cross_check_waits_for_known_values(over: dict) -> None:
    p = nc_provider([lb("192.168.2.100", 59998)])
    _, diags = plan_ip(ClusterIPAddress(p), ip_config(**over))
    assert warned(diags) == [] and p._nc.calls == 0


@pytest.mark.parametrize(
    ("was", "checked"),
    [
        ({"address": "192.168.2.100", "probe_port": 1}, True),  # the probe port changes
        ({"address": "192.168.2.200", "probe_port": 59999}, True),  # the address changes
        ({"address": "192.168.2.100", "probe_port": 59999, "network": "Cluster Network 9"}, False),
    ],
)
def test_an_update_is_cross_checked_only_when_address_or_port_change(was: dict, checked: bool) -> None:
    p = nc_provider([lb("192.168.2.100", 59998)])
    _, diags = plan_ip(ClusterIPAddress(p), ip_config(), prior(**was))
    assert warned(diags) == ([probe_warning("lb", "59998")] if checked else [])
    assert p._nc.calls == (1 if checked else 0)


def nc_lb(rule: dict, fe_id: str = "fe", probe_id: str = "p") -> dict:
    """One load balancer with frontend `fe_id` (the VIP), probe `probe_id` (port 59998) and one rule."""
    return {
        "resourceId": "lb",
        "properties": {
            "frontendIPConfigurations": [{"resourceId": fe_id, "properties": {"privateIPAddress": "192.168.2.100"}}],
            "probes": [{"resourceId": probe_id, "properties": {"port": 59998}}],
            "loadBalancingRules": [{"resourceId": "r", "properties": rule}],
        },
    }


FE_LINK = [{"resourceRef": "/loadBalancers/lb/frontendIPConfigurations/fe"}]
PROBE_LINK = {"resourceRef": "/loadBalancers/lb/probes/p"}


@pytest.mark.parametrize(
    "balancer",
    [
        nc_lb({"frontendIPConfigurations": FE_LINK}, probe_id="XXXX"),  # a rule without a probe
        nc_lb({"frontendIPConfigurations": [{"resourceRef": ""}], "probe": PROBE_LINK}, fe_id="XXXX"),
    ],
)
def test_a_rule_missing_a_probe_or_frontend_link_probes_no_port_of_that_vip(balancer: dict) -> None:
    """Only a rule linking both the VIP's frontend and a probe counts; the unused probe's port does not."""
    _, diags = plan_ip(ClusterIPAddress(nc_provider([balancer])), ip_config())
    assert warned(diags) == [probe_warning("lb", "none")]


def test_plan_keeps_configured_resource_names() -> None:
    """Names set in the configuration are planned as set, not found by type (nor taken from state)."""
    config = ip_config(resource_name="SQL IP Address", name_resource="SQL Name")
    planned, _ = plan_ip(ClusterIPAddress(provider()), config)
    assert (planned["resource_name"], planned["name_resource"]) == ("SQL IP Address", "SQL Name")
    planned, _ = plan_ip(ClusterIPAddress(provider()), config, {**prior(), "name_resource": "Cluster Name"})
    assert (planned["resource_name"], planned["name_resource"]) == ("SQL IP Address", "SQL Name")


def test_dropping_probe_failure_threshold_leaves_the_cluster_alone(nodes: Nodes) -> None:
    """A null threshold is not managed ("left alone and not compared when null"): taking it out of the
    configuration plans no parameter change (state and owner stay known), and the update runs no command, which
    would restart the cluster's name and IP for nothing."""
    current = prior(probe_failure_threshold=5)
    config = {**ip_config(), "subnet_mask": "255.255.255.255", "enable_dhcp": False}
    proposed = {**current, "probe_failure_threshold": None}
    context = SdnPlanContext(Diagnostics(), "sdn_cluster_ip_address", set(), config=config, is_create=False)
    planned = ClusterIPAddress(provider()).plan(context, current, dict(proposed))
    assert planned == proposed and said(context.diagnostics) == []
    update = ctx()
    assert ClusterIPAddress(provider()).update(update, current, planned) == proposed
    assert nodes.ran == [] and diagnostics(update) == []
    # Setting it again is a parameter change: the table is written.
    again = ClusterIPAddress(provider()).plan(context, proposed, {**proposed, "probe_failure_threshold": 3})
    assert (again["state"], again["owner_node"]) == (Unknown, Unknown)
