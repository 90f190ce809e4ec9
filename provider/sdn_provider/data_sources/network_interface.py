"""`sdn_network_interface`: an existing NIC, to see its ip configurations and current pool memberships."""

from __future__ import annotations

from typing import Any

from tf import types
from tf.schema import Attribute, Schema

from sdn_provider.errors import ProviderError
from sdn_provider.framework import BaseResource, Object
from sdn_provider.nc.refs import linked_ref, prop, resource_ref
from sdn_provider.resources.backend_pool_member import ip_configurations, nic_ref, pool_refs
from sdn_provider.resources.common import report

IP_CONFIGURATION = Object(
    {
        "name": types.String(),
        "resource_ref": types.String(),
        "private_ip_address": types.String(),
        "subnet_ref": types.String(),
        "backend_address_pool_refs": types.List(types.String()),
    }
)


class NetworkInterfaceData(BaseResource):
    type_name = "network_interface"
    schema = Schema(
        version=0,
        description="An existing Network Controller network interface (made by SCVMM or SDN Express).",
        attributes=[
            Attribute(
                "resource_id",
                types.String(),
                required=True,
                description="NC resourceId of the network interface, e.g. `ClusterNode1_Network-Adapter`. A "
                'missing NIC is an error ("Network interface not found").',
            ),
            Attribute("resource_ref", types.String(), computed=True, description="`/networkInterfaces/<resource_id>`."),
            Attribute(
                "mac_address",
                types.String(),
                computed=True,
                description="NC `privateMacAddress` (12 upper-case hex digits).",
            ),
            Attribute(
                "ip_configurations",
                types.List(IP_CONFIGURATION),
                computed=True,
                description="IP configurations in NC order, each with `name` (its resourceId, e.g. `ipconfig1`), "
                "`resource_ref` (`/networkInterfaces/<nic>/ipConfigurations/<name>`), `private_ip_address` (the "
                "node's own address, its DIP, e.g. `192.168.2.11`), `subnet_ref` (resourceRef of its subnet) and "
                "`backend_address_pool_refs` (the backend pools it is a member of).",
            ),
        ],
    )

    def read(self, ctx: Any, config: dict) -> dict | None:
        ref = nic_ref(config["resource_id"])
        try:
            nic = self.provider.nc.get(ref)
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot read network interface", exc)
            return None
        if nic is None:
            ctx.diagnostics.add_error("Network interface not found", f"{ref} does not exist.", path=["resource_id"])
            return None
        return {
            "resource_id": config["resource_id"],
            "resource_ref": resource_ref(nic) or ref,
            "mac_address": prop(nic, "privateMacAddress"),
            "ip_configurations": [
                {
                    "name": c.get("resourceId"),
                    "resource_ref": resource_ref(c),
                    "private_ip_address": prop(c, "privateIPAddress"),
                    "subnet_ref": linked_ref(c, "subnet"),
                    "backend_address_pool_refs": pool_refs(c),
                }
                for c in ip_configurations(nic)
            ],
        }
