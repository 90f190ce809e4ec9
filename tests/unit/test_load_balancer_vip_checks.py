"""The plan-time VIP checks over several frontends: one frontend skipped (not known yet, not a subnet VIP, already
accepted by NC) never ends the checks of the others, a VIP not known yet costs no request, and a /31 has no
network or broadcast address to refuse (RFC 3021)."""

from __future__ import annotations

import copy
from typing import Any

from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.framework import SdnPlanContext
from sdn_provider.resources.load_balancer import LoadBalancer
from tests.unit.conftest import Script
from tests.unit.test_load_balancer_mapping import SUBNET, imported, nc_provider

OUTSIDE = ("VIP outside its subnet", ["frontend_ip_configuration", (1,), "private_ip_address"])


def frontend(name: str, address: Any, subnet: Any = SUBNET) -> dict:
    return {
        "name": name,
        "private_ip_address": address,
        "private_ip_allocation_method": "Static",
        "subnet_ref": subnet,
        "public_ip_address_ref": None,
    }


def plan(uri: str, *frontends: dict, current: dict | None = None) -> list[tuple[str, list | None]]:
    """Plan the imported load balancer with these frontends; the summary and path of each diagnostic."""
    planned = imported()
    planned["frontend_ip_configuration"] = list(frontends)
    ctx = SdnPlanContext(Diagnostics(), "sdn_load_balancer", set(), config=copy.deepcopy(planned), is_create=False)
    LoadBalancer(nc_provider(uri)).plan(ctx, current, planned)
    return [(d.summary, d.path) for d in ctx.diagnostics.diagnostics]


def subnet(script: Script, prefix: str = "192.168.2.0/24") -> None:
    script.on("GET", SUBNET, (200, {}, {"properties": {"addressPrefix": prefix}}))
    script.on("GET", "/networkInterfaces", (200, {}, {"value": []}))


def test_a_vip_not_known_yet_costs_no_request(nc_server) -> None:
    script, uri = nc_server
    assert plan(uri, frontend("fe1", Unknown), frontend("fe2", "192.168.2.5", Unknown)) == []
    assert script.calls() == []


def test_a_skipped_frontend_does_not_end_the_checks_of_the_next(nc_server) -> None:
    """Skipped: not known yet, a malformed subnet ref (validate reports it) or a malformed address (likewise)."""
    script, uri = nc_server
    subnet(script)
    for first in (frontend("fe1", Unknown), frontend("fe1", "192.168.2.5", "/virtualNetworks/x"), frontend("fe1", "x")):
        assert plan(uri, first, frontend("fe2", "192.168.3.5")) == [OUTSIDE]


def test_an_accepted_vip_is_not_rechecked_but_the_next_one_is(nc_server) -> None:
    script, uri = nc_server
    subnet(script)
    current = imported()
    current["frontend_ip_configuration"] = [frontend("fe1", "192.168.2.5")]
    assert plan(uri, frontend("fe1", "192.168.2.5"), frontend("fe2", "192.168.3.5"), current=current) == [OUTSIDE]


def test_a_vip_moved_within_an_accepted_frontends_subnet_is_checked(nc_server) -> None:
    """Accepted means the same address in the same subnet: a new address there is checked like any other."""
    script, uri = nc_server
    subnet(script)
    current = imported()
    current["frontend_ip_configuration"] = [frontend("fe1", "192.168.2.5"), frontend("fe2", "192.168.2.6")]
    assert plan(uri, frontend("fe1", "192.168.2.5"), frontend("fe2", "192.168.3.5"), current=current) == [OUTSIDE]


def test_both_addresses_of_a_31_are_host_addresses(nc_server) -> None:
    script, uri = nc_server
    subnet(script, "192.168.2.0/31")
    assert plan(uri, frontend("fe1", "192.168.2.0"), frontend("fe2", "192.168.2.1")) == []


def test_a_subnet_prefix_written_with_host_bits_still_bounds_the_vip(nc_server) -> None:
    """An addressPrefix with host bits set, as an administrator may write it, means its network: 192.168.2.0/24."""
    script, uri = nc_server
    subnet(script, "192.168.2.10/24")
    assert plan(uri, frontend("fe1", "192.168.2.5"), frontend("fe2", "192.168.3.5")) == [OUTSIDE]
