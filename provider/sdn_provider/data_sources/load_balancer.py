"""`sdn_load_balancer` data source: an existing load balancer (e.g. made by hand) to reference."""

from __future__ import annotations

from typing import Any

from tf import types
from tf.schema import Attribute, Schema

from sdn_provider.errors import ProviderError
from sdn_provider.framework import BaseResource
from sdn_provider.nc.refs import children, linked_refs
from sdn_provider.resources.common import report
from sdn_provider.resources.load_balancer import from_nc, lb_ref
from sdn_provider.resources.load_balancer_fields import object_type

_COMPUTED = [
    ("resource_ref", types.String(), "`/loadBalancers/<resource_id>`."),
    ("instance_id", types.String(), "NC instanceId (a GUID, stable for the object's life)."),
    ("etag", types.String(), "Current etag."),
    ("provisioning_state", types.String(), "NC `provisioningState`."),
    ("tags", types.Map(types.String()), "NC tags (empty map when none)."),
    (
        "frontend_ip_configuration",
        types.List(object_type("frontend_ip_configuration")),
        "Frontends. Enum values are NC's spelling (`Static`, `Dynamic`).",
    ),
    ("backend_address_pool", types.List(object_type("backend_address_pool")), "Backend pools."),
    ("probe", types.List(object_type("probe")), "Health probes. Enum values are NC's spelling (`Tcp`, `Http`)."),
    (
        "load_balancing_rule",
        types.List(object_type("load_balancing_rule")),
        "Load-balancing rules. Enum values are NC's spelling (`Tcp`, `Udp`, `All`).",
    ),
    ("frontend_ip_configuration_refs", types.Map(types.String()), "Map of frontend name to its resourceRef."),
    ("backend_address_pool_refs", types.Map(types.String()), "Map of backend pool name to its resourceRef."),
    ("probe_refs", types.Map(types.String()), "Map of probe name to its resourceRef."),
    (
        "backend_ip_configuration_refs",
        types.Map(types.List(types.String())),
        "Map of backend pool name to the NIC ip configuration refs that are its members (NC's read-only "
        "`backendIPConfigurations`), e.g. "
        " `/networkInterfaces/ClusterNode1_Network-Adapter/ipConfigurations/ipconfig1`.",
    ),
]


class LoadBalancerData(BaseResource):
    type_name = "load_balancer"
    schema = Schema(
        version=0,
        description="An existing Network Controller load balancer.",
        attributes=[
            Attribute(
                "resource_id",
                types.String(),
                required=True,
                description="NC resourceId of the load balancer. Reading one that does not exist is an error "
                '("Load balancer not found").',
            ),
            *[Attribute(n, t, computed=True, description=d) for n, t, d in _COMPUTED],
        ],
    )

    def read(self, ctx: Any, config: dict) -> dict | None:
        ref = lb_ref(config["resource_id"])
        try:
            resource = self.provider.nc.get(ref)
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot read load balancer", exc)
            return None
        if resource is None:
            ctx.diagnostics.add_error("Load balancer not found", f"{ref} does not exist.", path=["resource_id"])
            return None
        state = from_nc(resource, {"resource_id": config["resource_id"]})
        state.pop("timeouts")
        state["tags"] = resource.get("tags") or {}
        state["backend_ip_configuration_refs"] = {
            p.get("resourceId"): linked_refs(p, "backendIPConfigurations")
            for p in children(resource, "backendAddressPools")
        }
        return state
