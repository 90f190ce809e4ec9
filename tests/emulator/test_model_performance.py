"""Complexity of the model's request path, asserted without clocks: serving one tenant's resource may only
touch that tenant's stored resources, so a GET (or a static-address PUT) costs the same at 2 or 250
tenants. Back-references used to be rebuilt by scanning every resource on every request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from sdn_emulator.model import NetworkController
from sdn_emulator.model.controller import _Node
from sdn_emulator.topology import Topology, generate_multi_tenant, seed_controller

TENANTS = 12


class _Watched(_Node):
    """A stored node that records which tenant's resource was read (any attribute access)."""

    owners: dict[int, int] = {}
    touched: set[int] = set()

    def __getattribute__(self, name: str) -> Any:
        _Watched.touched.add(_Watched.owners[id(self)])
        return object.__getattribute__(self, name)


def _lb(i: int) -> str:
    return f"/loadBalancers/Tenant{i}Network_InternalVIP"


def _nic(i: int, node: int) -> str:
    return f"/networkInterfaces/T{i}-ClusterNode{node}_Network-Adapter"


def _build(n: int) -> NetworkController:
    """The guest-cluster module's world for n tenants: one LB per tenant, both NICs in its pool."""
    nc = NetworkController(provisioning_delay=0.0)
    seed_controller(Topology.from_dict(generate_multi_tenant(n)), nc)
    for i in range(1, n + 1):
        lb = _lb(i)
        nc.put(
            lb,
            {
                "properties": {
                    "frontendIPConfigurations": [
                        {
                            "resourceId": "Frontend1",
                            "properties": {
                                "privateIPAddress": f"192.168.{i}.100",
                                "subnet": {"resourceRef": f"/virtualNetworks/Tenant{i}Network/subnets/Subnet1"},
                            },
                        }
                    ],
                    "backendAddressPools": [{"resourceId": "Backend1", "properties": {}}],
                    "probes": [{"resourceId": "Probe1", "properties": {"protocol": "TCP", "port": 59999}}],
                    "loadBalancingRules": [
                        {
                            "resourceId": "Rule1",
                            "properties": {
                                "protocol": "TCP",
                                "frontendPort": 1433,
                                "enableFloatingIP": True,
                                "frontendIPConfigurations": [
                                    {"resourceRef": f"{lb}/frontendIPConfigurations/Frontend1"}
                                ],
                                "backendAddressPool": {"resourceRef": f"{lb}/backendAddressPools/Backend1"},
                                "probe": {"resourceRef": f"{lb}/probes/Probe1"},
                            },
                        }
                    ],
                }
            },
        )
        for node in (1, 2):
            _join_pool(nc, i, node)
    return nc


def _join_pool(nc: NetworkController, i: int, node: int) -> dict[str, Any]:
    path = f"{_nic(i, node)}/ipConfigurations/ipconfig1"
    props = nc.get(path)["properties"]
    props["loadBalancerBackendAddressPools"] = [{"resourceRef": f"{_lb(i)}/backendAddressPools/Backend1"}]
    return nc.put(path, {"resourceId": "ipconfig1", "properties": props})[0]


def _watch(nc: NetworkController) -> None:
    """Swap every stored node for a _Watched one owned by the tenant number in its top-level id."""
    _Watched.owners.clear()
    for nodes in nc._store.values():
        for top in nodes.values():
            tenant = int(re.search(r"T(?:enant)?(\d+)", top.resource_id).group(1))
            for node in (top, *(c for cs in top.children.values() for c in cs.values())):
                node.__class__ = _Watched
                _Watched.owners[id(node)] = tenant


@pytest.fixture(scope="module")
def world() -> Iterator[NetworkController]:
    nc = _build(TENANTS)
    _watch(nc)
    yield nc


def _tenant_paths(i: int) -> list[str]:
    return [
        f"/virtualNetworks/Tenant{i}Network",
        f"/virtualNetworks/Tenant{i}Network/subnets/Subnet1",
        _lb(i),
        f"{_lb(i)}/backendAddressPools/Backend1",
        f"{_lb(i)}/probes/Probe1",
        _nic(i, 1),
        f"{_nic(i, 2)}/ipConfigurations/ipconfig1",
        f"{_lb(i)}/loadBalancingRules",
    ]


@pytest.mark.parametrize("tenant", [1, TENANTS // 2, TENANTS])
def test_get_touches_only_its_own_tenant(world: NetworkController, tenant: int) -> None:
    for path in _tenant_paths(tenant):
        _Watched.touched.clear()
        doc = world.get(path)
        assert _Watched.touched == {tenant}, path
        assert doc  # and it still rendered something


def test_backrefs_still_come_from_other_resources(world: NetworkController) -> None:
    pool = world.get(f"{_lb(3)}/backendAddressPools/Backend1")["properties"]
    assert pool["backendIPConfigurations"] == [
        {"resourceRef": f"/networkInterfaces/T3-ClusterNode{n}_Network-Adapter/ipConfigurations/ipconfig1"}
        for n in (1, 2)
    ]
    subnet = world.get("/virtualNetworks/Tenant3Network/subnets/Subnet1")["properties"]
    assert subnet["ipConfigurations"] == pool["backendIPConfigurations"]


def test_pool_membership_put_touches_only_its_own_tenant() -> None:
    nc = _build(4)
    _watch(nc)
    _Watched.touched.clear()
    _join_pool(nc, 2, 1)
    assert _Watched.touched == {2}
