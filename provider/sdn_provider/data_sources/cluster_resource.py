"""`sdn_cluster_resource` data source: one failover-cluster resource as `Get-ClusterResource | Get-ClusterParameter`
shows it (one WinRM command), e.g. to check the cluster IP's owner or feed its Address elsewhere."""

from __future__ import annotations

from typing import Any

from tf import types
from tf.schema import Attribute, Schema

from sdn_provider.cluster.remote import report, run
from sdn_provider.errors import ProviderError
from sdn_provider.framework import BaseResource

_COMPUTED = [
    ("state", types.String(), "`Online`, `Offline`, `Failed`, ..."),
    ("owner_node", types.String(), "Node that owns the resource's group."),
    ("resource_type", types.String(), "Resource type, e.g. `IP Address` or `Network Name`."),
    ("owner_group", types.String(), "Group the resource belongs to, e.g. `Cluster Group`."),
    ("dependencies", types.String(), "Dependency expression, e.g. `[Cluster IP Address]` (empty string when none)."),
    (
        "parameters",
        types.Map(types.String()),
        "Map of private parameters (`Get-ClusterParameter`), every value as a string, e.g. `Address`, `ProbePort`, "
        "`SubnetMask`, `Network`, `EnableDhcp`.",
    ),
]


class ClusterResourceData(BaseResource):
    type_name = "cluster_resource"
    schema = Schema(
        version=0,
        description="An existing failover-cluster resource and its private parameters.",
        attributes=[
            Attribute(
                "cluster_node",
                types.String(),
                required=True,
                description="Cluster member reached over WinRM (the provider's `winrm_*` settings).",
            ),
            Attribute(
                "name",
                types.String(),
                required=True,
                description="Resource name, e.g. `Cluster IP Address` or `Cluster Name`.",
            ),
            *[Attribute(n, t, computed=True, description=d) for n, t, d in _COMPUTED],
        ],
    )

    def read(self, ctx: Any, config: dict) -> dict | None:
        node, name = config["cluster_node"], config["name"]
        try:
            resource = run(self.provider, node, "get_cluster_resource", {"resource_name": name})
        except ProviderError as exc:
            report(ctx.diagnostics, f"Cannot read cluster resource {name}", exc, node, path=["name"])
            return None
        return {
            "cluster_node": node,
            "name": name,
            "state": resource.get("state"),
            "owner_node": resource.get("owner_node"),
            "resource_type": resource.get("resource_type"),
            "owner_group": resource.get("owner_group"),
            "dependencies": resource.get("dependencies") or "",
            "parameters": {str(k): "" if v is None else str(v) for k, v in (resource.get("parameters") or {}).items()},
        }
