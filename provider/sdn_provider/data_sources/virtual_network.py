"""`sdn_virtual_network`: a virtual network and its subnets, to reference instead of guessing refs."""

from __future__ import annotations

from typing import Any

from tf import types
from tf.schema import Attribute, Schema

from sdn_provider.errors import ProviderError
from sdn_provider.framework import BaseResource, Object
from sdn_provider.nc.refs import VIRTUAL_NETWORK, children, prop, resource_ref
from sdn_provider.resources.common import report

SUBNET = Object({"name": types.String(), "resource_ref": types.String(), "address_prefix": types.String()})


class VirtualNetworkData(BaseResource):
    type_name = "virtual_network"
    schema = Schema(
        version=0,
        description="A Network Controller virtual network and its subnets.",
        attributes=[
            Attribute(
                "resource_id",
                types.String(),
                required=True,
                description="NC resourceId of the virtual network, e.g. `MyNetwork`. A missing virtual network is "
                'an error ("Virtual network not found").',
            ),
            Attribute("resource_ref", types.String(), computed=True, description="`/virtualNetworks/<resource_id>`."),
            Attribute(
                "address_prefixes",
                types.List(types.String()),
                computed=True,
                description='The virtual network\'s address prefixes, e.g. `["192.168.0.0/16"]`.',
            ),
            Attribute(
                "subnets",
                types.List(SUBNET),
                computed=True,
                description="Subnets, each with `name` (its resourceId), `resource_ref` "
                "(`/virtualNetworks/<vnet>/subnets/<subnet>`) and `address_prefix` (e.g. `192.168.2.0/24`).",
            ),
            Attribute(
                "subnet_refs",
                types.Map(types.String()),
                computed=True,
                description="Map of subnet name to resourceRef.",
            ),
        ],
    )

    def read(self, ctx: Any, config: dict) -> dict | None:
        ref = VIRTUAL_NETWORK.format(config["resource_id"])
        try:
            vnet = self.provider.nc.get(ref)
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot read virtual network", exc)
            return None
        if vnet is None:
            ctx.diagnostics.add_error("Virtual network not found", f"{ref} does not exist.", path=["resource_id"])
            return None
        subnets = [
            {
                "name": s.get("resourceId"),
                "resource_ref": resource_ref(s),
                "address_prefix": prop(s, "addressPrefix"),
            }
            for s in children(vnet, "subnets")
        ]
        return {
            "resource_id": config["resource_id"],
            "resource_ref": resource_ref(vnet) or ref,
            "address_prefixes": list((prop(vnet, "addressSpace") or {}).get("addressPrefixes") or []),
            "subnets": subnets,
            "subnet_refs": {s["name"]: s["resource_ref"] for s in subnets},
        }
