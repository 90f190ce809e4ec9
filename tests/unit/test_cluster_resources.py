"""Plan-time validation, planning and the pure mappings of the cluster resources (no WinRM)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.cluster.remote import endpoint_for
from sdn_provider.errors import NotConfigured
from sdn_provider.framework import SdnPlanContext
from sdn_provider.provider import SdnProvider
from sdn_provider.resources.cluster_ip_address import (
    ClusterIPAddress,
    desired_parameters,
    from_resource,
    restore_parameters,
)
from sdn_provider.resources.failover_cluster import FailoverCluster, from_cluster
from sdn_provider.resources.load_balancer import LoadBalancer

IP_ATTRS = (
    "cluster_node",
    "resource_name",
    "name_resource",
    "address",
    "probe_port",
    "subnet_mask",
    "network",
    "enable_dhcp",
    "probe_failure_threshold",
    "state",
    "owner_node",
    "previous_parameters",
    "timeouts",
)


def ip_config(**over: Any) -> dict:
    config = dict.fromkeys(IP_ATTRS)
    config.update(cluster_node="DB1", address="192.168.2.100", probe_port=59999, network="Cluster Network 1")
    config.update(over)
    return config


def provider(**settings: Any) -> SdnProvider:
    p = SdnProvider()
    p.config = settings
    return p


def validate(resource: Any, config: dict) -> list[tuple[str, str, list | None]]:
    diags = Diagnostics()
    resource.validate(diags, "sdn_x", config)
    return [(d.severity, d.summary, d.path) for d in diags.diagnostics]


@pytest.mark.parametrize(
    ("over", "summary", "path"),
    [
        ({"address": "192.168.2.300"}, "Invalid IPv4 address", ["address"]),
        ({"probe_port": 0}, "Probe port required", ["probe_port"]),
        ({"probe_port": 65536}, "Invalid probe_port", ["probe_port"]),
        ({"probe_port": 59999.5}, "Invalid probe_port", ["probe_port"]),
        ({"subnet_mask": "255.0.255.0"}, "Invalid subnet mask", ["subnet_mask"]),
        ({"enable_dhcp": True}, "address with DHCP", ["address"]),
        (
            {"enable_dhcp": True, "address": None, "subnet_mask": "255.255.255.255"},
            "subnet_mask with DHCP",
            ["subnet_mask"],
        ),
        ({"address": None}, "Missing address", ["address"]),
        ({"network": " "}, "Invalid network", ["network"]),
        ({"probe_failure_threshold": -1}, "Invalid probe_failure_threshold", ["probe_failure_threshold"]),
        (
            {"timeouts": {"create": "soon", "read": None, "update": None, "delete": None}},
            "Invalid duration",
            ["timeouts", "create"],
        ),
    ],
)
def test_ip_address_errors_point_at_the_attribute(over, summary, path):
    found = validate(ClusterIPAddress(provider()), ip_config(**over))
    assert ("error", summary, path) in found, found


def test_seed_values_are_valid_and_unknowns_are_not_judged():
    assert validate(ClusterIPAddress(provider()), ip_config(subnet_mask="255.255.255.255", enable_dhcp=False)) == []
    unknown = ip_config(address=Unknown, probe_port=Unknown, enable_dhcp=Unknown, network=Unknown)
    assert validate(ClusterIPAddress(provider()), unknown) == []


def test_mask_other_than_host_mask_is_a_warning():
    found = validate(ClusterIPAddress(provider()), ip_config(subnet_mask="255.255.255.0"))
    assert found == [("warning", "Subnet mask is not 255.255.255.255", ["subnet_mask"])]


def plan_ip(resource: ClusterIPAddress, config: dict, current: dict | None = None) -> tuple[dict, Diagnostics]:
    diags = Diagnostics()
    planned = {**config}
    if current is not None:  # Terraform proposes the prior value for null optional+computed attributes
        planned = {k: current.get(k) if v is None else v for k, v in config.items()}
    ctx = SdnPlanContext(diags, "sdn_cluster_ip_address", set(), config=config, is_create=current is None)
    return resource.plan(ctx, current, planned), diags


def test_plan_keeps_recorded_names_of_an_older_state():
    """A state written before names were found by type (default names recorded) plans clean."""
    current = {**ip_config(), "resource_name": "Cluster IP Address", "name_resource": "Cluster Name"}
    current.update(subnet_mask="255.255.255.255", enable_dhcp=False, state="Online", owner_node="DB1")
    current["previous_parameters"] = {}
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(), current)
    assert planned["resource_name"] == "Cluster IP Address" and planned["name_resource"] == "Cluster Name"
    assert planned["state"] == "Online"


def test_plan_fills_defaults_and_unknowns_on_create():
    planned, diags = plan_ip(ClusterIPAddress(provider()), ip_config())
    # Unset names are found by type on the node (localized, renameable): the IP's name is known after apply.
    assert planned["resource_name"] is Unknown and planned["name_resource"] is None
    assert planned["subnet_mask"] == "255.255.255.255" and planned["enable_dhcp"] is False
    assert planned["state"] is Unknown and planned["previous_parameters"] is Unknown
    assert not diags.diagnostics


def test_plan_keeps_computed_values_when_nothing_managed_changes():
    config = ip_config()
    current, _ = plan_ip(ClusterIPAddress(provider()), config)
    current.update(state="Online", owner_node="DB1", previous_parameters={"ProbePort": "0"})
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(cluster_node="DB2"), current)
    assert planned["state"] == "Online" and planned["previous_parameters"] == {"ProbePort": "0"}
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(probe_port=59998), current)
    assert planned["state"] is Unknown and planned["previous_parameters"] == {"ProbePort": "0"}


def test_plan_with_dhcp_leaves_address_and_mask_to_the_lease():
    planned, _ = plan_ip(ClusterIPAddress(provider()), ip_config(address=None, enable_dhcp=True))
    assert planned["address"] is Unknown and planned["subnet_mask"] is Unknown


def lb(vip: str, port: int, name: str = "lb") -> dict:
    ref = f"/loadBalancers/{name}"
    return {
        "resourceId": name,
        "properties": {
            "frontendIPConfigurations": [{"resourceId": "fe", "properties": {"privateIPAddress": vip}}],
            "probes": [{"resourceId": "p", "properties": {"port": port}}],
            "loadBalancingRules": [
                {
                    "resourceId": "r",
                    "properties": {
                        "frontendIPConfigurations": [{"resourceRef": f"{ref}/frontendIPConfigurations/fe"}],
                        "probe": {"resourceRef": f"{ref}/probes/p"},
                    },
                }
            ],
        },
    }


class FakeNC:
    def __init__(self, lbs: list[dict]):
        self.lbs = lbs
        self.calls = 0

    def get(self, ref: str) -> dict:
        self.calls += 1
        assert ref == "/loadBalancers"
        return {"value": self.lbs}


@pytest.mark.parametrize(
    ("lbs", "expected"),
    [
        ([lb("192.168.2.100", 59999)], []),
        ([lb("192.168.2.100", 59998)], [("Probe port differs from the load balancer", ["probe_port"])]),
        ([lb("192.168.2.101", 59999)], []),  # another tenant's VIP reusing the probe port is normal
        ([lb("192.168.2.101", 1)], []),
        ([lb("192.168.2.100", 59998, "t1"), lb("192.168.2.100", 59999, "t2")], []),
        (
            [lb("192.168.2.100", 59998, "t1"), lb("192.168.2.100", 59997, "t2")],
            [("Probe port differs from the load balancer", ["probe_port"])],
        ),  # same VIP in another virtual network
    ],
)
def test_plan_cross_checks_load_balancers_in_network_controller(lbs, expected):
    p = provider(network_controller_uri="https://nc")
    p._nc = FakeNC(lbs)
    _, diags = plan_ip(ClusterIPAddress(p), ip_config())
    assert [(d.summary, d.path) for d in diags.diagnostics if d.severity == "warning"] == expected
    plan_ip(ClusterIPAddress(p), ip_config())
    assert p._nc.calls == 1  # one GET per provider configuration


def test_cross_check_sees_a_load_balancer_change_written_by_this_provider():
    """A load balancer write forgets the cached index, so the IP planned after it (same apply) is checked
    against the new probe, not the one cached a moment before."""
    p = provider(network_controller_uri="https://nc")
    p._nc = FakeNC([lb("192.168.2.100", 59998)])
    _, diags = plan_ip(ClusterIPAddress(p), ip_config())
    assert [d.summary for d in diags.diagnostics] == ["Probe port differs from the load balancer"]
    p._nc.lbs = [lb("192.168.2.100", 59999)]
    LoadBalancer(p)._forget_cached_reads()
    _, diags = plan_ip(ClusterIPAddress(p), ip_config())
    assert not diags.diagnostics and p._nc.calls == 2


def test_cross_check_is_skipped_without_network_controller():
    _, diags = plan_ip(ClusterIPAddress(provider()), ip_config())
    assert not diags.diagnostics


def test_parameters_table_and_restore():
    state = {**ip_config(subnet_mask="255.255.255.255", enable_dhcp=False), "probe_failure_threshold": 3}
    assert desired_parameters(state) == {
        "ProbePort": 59999,
        "Network": "Cluster Network 1",
        "EnableDhcp": 0,
        "Address": "192.168.2.100",
        "SubnetMask": "255.255.255.255",
        "ProbeFailureThreshold": 3,
    }
    dhcp = {**state, "enable_dhcp": True, "address": None, "subnet_mask": None, "probe_failure_threshold": None}
    assert desired_parameters(dhcp) == {"ProbePort": 59999, "Network": "Cluster Network 1", "EnableDhcp": 1}
    # A DHCP lease is not written back as a static address.
    previous = {
        "Address": "192.168.2.50",
        "SubnetMask": "255.255.255.0",
        "EnableDhcp": "1",
        "ProbePort": "0",
        "Network": "Cluster Network 1",
    }
    assert restore_parameters(previous) == {"EnableDhcp": 1, "ProbePort": 0, "Network": "Cluster Network 1"}
    assert restore_parameters({**previous, "EnableDhcp": "0"})["Address"] == "192.168.2.50"


def test_read_mapping_shows_drift_and_keeps_spelling():
    resource = {
        "name": "Cluster IP Address",
        "state": "Online",
        "owner_node": "DB2",
        "parameters": {
            "Address": "192.168.2.100",
            "ProbePort": 60000,
            "SubnetMask": "255.255.255.255",
            "Network": "Cluster Network 1",
            "EnableDhcp": 0,
            "ProbeFailureThreshold": 5,
        },
    }
    prior = {
        **ip_config(resource_name="cluster ip address", name_resource="Cluster Name"),
        "previous_parameters": {"ProbePort": "0"},
    }
    state = from_resource(resource, prior)
    assert state["probe_port"] == 60000 and state["resource_name"] == "cluster ip address"
    assert state["probe_failure_threshold"] is None  # not managed unless configured
    assert state["owner_node"] == "DB2" and state["previous_parameters"] == {"ProbePort": "0"}


# -- sdn_failover_cluster ---------------------------------------------------------------------------
def cluster_config(**over: Any) -> dict:
    config = {
        "name": "MyCluster",
        "nodes": ["DB1", "DB2"],
        "static_address": None,
        "cluster_ip_address": None,
        "cluster_ip_state": None,
        "cluster_ip_owner_node": None,
        "node_states": None,
        "timeouts": None,
    }
    config.update(over)
    return config


@pytest.mark.parametrize(
    ("over", "summary", "path"),
    [
        ({"nodes": []}, "No nodes", ["nodes"]),
        ({"nodes": ["DB1", "db1"]}, "Duplicate node", ["nodes", (1,)]),
        ({"nodes": ["DB1", ""]}, "Invalid node name", ["nodes", (1,)]),
        ({"static_address": "10.0.0"}, "Invalid IPv4 address", ["static_address"]),
        ({"name": ""}, "Invalid cluster name", ["name"]),
        ({"name": "Tenant100Cluster"}, "Invalid cluster name", ["name"]),  # 16 characters: NetBIOS has 15
        ({"name": "sql.cluster"}, "Invalid cluster name", ["name"]),
        ({"name": "12345"}, "Invalid cluster name", ["name"]),
        ({"name": "x'; Remove-Cluster -Force; '"}, "Invalid cluster name", ["name"]),
    ],
)
def test_cluster_errors_point_at_the_attribute(over, summary, path):
    found = validate(FailoverCluster(provider()), cluster_config(**over))
    assert ("error", summary, path) in found, found


def test_valid_cluster_names_pass():
    for name in ("MyCluster", "T250-Cluster", "SQL-CL1", "a"):
        assert validate(FailoverCluster(provider()), cluster_config(name=name)) == [], name


def plan_cluster(config: dict, current: dict | None) -> tuple[dict, SdnPlanContext]:
    ctx = SdnPlanContext(Diagnostics(), "sdn_failover_cluster", set(), config=config, is_create=current is None)
    planned = {k: (current or {}).get(k) if v is None else v for k, v in config.items()}
    return FailoverCluster(provider()).plan(ctx, current, planned), ctx


def test_cluster_plan_marks_computed_unknown_only_when_membership_changes():
    current = cluster_config(
        static_address="192.168.2.50", cluster_ip_state="Online", node_states={"DB1": "Up", "DB2": "Up"}
    )
    planned, ctx = plan_cluster(cluster_config(nodes=["db1", "DB2"]), current)
    assert planned["node_states"] == {"DB1": "Up", "DB2": "Up"} and not ctx.requires_replace
    planned, ctx = plan_cluster(cluster_config(nodes=["DB1"]), current)
    assert planned["node_states"] is Unknown and planned["cluster_ip_state"] is Unknown


def test_static_address_replaces_only_when_a_recorded_value_changes():
    _, ctx = plan_cluster(cluster_config(static_address="192.168.2.51"), cluster_config(static_address="192.168.2.50"))
    assert ctx.requires_replace == [["static_address"]]
    _, ctx = plan_cluster(cluster_config(static_address="192.168.2.51"), cluster_config())  # after an import
    assert ctx.requires_replace == []


def test_cluster_mapping_keeps_user_order_and_reports_new_members():
    info = {
        "exists": True,
        "name": "MYCLUSTER",
        "static_address": "192.168.2.50",
        "nodes": [{"name": "DB1", "state": "Up"}, {"name": "DB3", "state": "Down"}, {"name": "DB2", "state": "Up"}],
        "ip_resource": {"state": "Online", "owner_node": "DB1", "parameters": {"Address": "192.168.2.100"}},
    }
    state = from_cluster(info, cluster_config(nodes=["db2", "DB1"], static_address="192.168.2.50"))
    assert state["name"] == "MyCluster" and state["nodes"] == ["db2", "DB1", "DB3"]
    assert state["node_states"] == {"DB1": "Up", "DB3": "Down", "db2": "Up"}
    assert state["cluster_ip_address"] == "192.168.2.100" and state["cluster_ip_owner_node"] == "DB1"


@pytest.mark.parametrize("resource", [FailoverCluster, ClusterIPAddress])
@pytest.mark.parametrize("bad_id", ["MyCluster", "/MyCluster", "DB1/", ""])
def test_import_ids_need_a_node_and_a_name(resource, bad_id):
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert resource(provider()).import_(ctx, bad_id) is None
    assert ctx.diagnostics.diagnostics[0].summary == "Invalid import ID"


# -- provider settings -> WinRM endpoint --------------------------------------------------------------
def test_endpoint_comes_from_the_map_case_insensitively_else_the_node_name():
    p = provider(winrm_endpoints={"db1": "https://127.0.0.1:55986/wsman"})
    assert endpoint_for(p, "DB1") == "https://127.0.0.1:55986/wsman"
    assert endpoint_for(p, "DB2.contoso.com") == "https://DB2.contoso.com:5986/wsman"
    assert endpoint_for(provider(winrm_use_https=False), "DB2") == "http://DB2:5985/wsman"
    assert endpoint_for(provider(winrm_port=15986), "DB2") == "https://DB2:15986/wsman"
    with pytest.raises(NotConfigured, match="is not a host name"):
        endpoint_for(p, "x'; Remove-Cluster -Force; '")
