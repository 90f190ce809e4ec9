"""`sdn_cluster_ip_address`: the guest cluster's "Cluster IP Address" parameters (seed Example 2, steps 3-5).

Create/update is ONE WinRM command (`set_cluster_ip_address`): remember the old values, stop the name
resource, set all parameters at once, start the IP, then the name. Read is one command
(`get_cluster_resource`). Destroy puts back the values found before create with the same script.
"""

from __future__ import annotations

from typing import Any

from tf import types
from tf.schema import Attribute, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.cluster import ClusterCommandError
from sdn_provider.cluster.remote import (
    UNREACHABLE,
    cluster_peers,
    is_member,
    is_not_found,
    read_cluster,
    recent_cluster,
    report,
    run,
    split_import_id,
)
from sdn_provider.errors import ProviderError
from sdn_provider.framework import BaseResource, SdnPlanContext, is_known
from sdn_provider.nc.refs import children, last_segment, linked_ref, linked_refs, prop
from sdn_provider.resources.common import check_timeouts, timeouts_block
from sdn_provider.validation import check_ipv4, check_mask, check_port, check_range

#: Read-cache key of the cross-check's index; load balancer writes forget it (prefix "/loadBalancers").
PROBE_PORTS_BY_VIP = "/loadBalancers#probe-ports-by-vip"
DEFAULTS = {"enable_dhcp": False}
# Unset, these name no resource: the scripts find the core group's "IP Address" and "Network Name" resources by
# type (their names are localized and may be renamed), and state records the IP resource found.
_BY_TYPE = ("resource_name", "name_resource")
HOST_MASK = "255.255.255.255"
# Managed arguments -> cluster parameter names.
_PARAMS = {
    "address": "Address",
    "probe_port": "ProbePort",
    "subnet_mask": "SubnetMask",
    "network": "Network",
    "enable_dhcp": "EnableDhcp",
    "probe_failure_threshold": "ProbeFailureThreshold",
}
_NUMERIC = ("ProbePort", "EnableDhcp", "ProbeFailureThreshold")
_COMPUTED = ("state", "owner_node")


def _a(name: str, t: types.TfType, desc: str, **kw: Any) -> Attribute:
    return Attribute(name, t, description=desc, **kw)


SCHEMA = Schema(
    version=0,
    description='The private parameters of a cluster IP Address resource (by default the core "Cluster IP '
    'Address"), set the way Windows Server SDN guest clustering needs them: Address = the load balancer VIP, '
    "ProbePort = the load balancer probe port, SubnetMask 255.255.255.255, EnableDhcp 0. Import ID: "
    "`<node>/<resource name>`, e.g. `DB1/Cluster IP Address`.",
    attributes=[
        _a(
            "cluster_node",
            types.String(),
            "Cluster member reached over WinRM to run the commands (any member works; changing it runs nothing).",
            required=True,
        ),
        _a(
            "resource_name",
            types.String(),
            "Cluster resource to configure. Default: the core cluster group's resource of type `IP Address`, found "
            "by type (group type `Cluster`, as FailoverClusterDsc does), because display names are localized on "
            'non-English Windows and can be renamed; state records the name found ("Cluster IP Address" on English '
            "Windows). Changing it manages another resource (the old one gets its previous parameters back).",
            optional=True,
            computed=True,
            requires_replace=True,
        ),
        _a(
            "name_resource",
            types.String(),
            "Network Name resource that depends on this IP; it is taken offline "
            "while the parameters change and brought back online after (default: the core group's Network Name "
            'resource, found by type at each apply, "Cluster Name" on English Windows). State written by earlier '
            "versions keeps the names it recorded.",
            optional=True,
            computed=True,
        ),
        _a(
            "address",
            types.String(),
            "IPv4 `Address`: the load balancer's frontend VIP. Required unless `enable_dhcp` is true; refused with "
            "DHCP.",
            optional=True,
            computed=True,
        ),
        _a(
            "probe_port",
            types.Number(),
            "The `ProbePort`: the TCP port the load balancer probes (1-65535); only the node that owns "
            "the online IP answers on it. 0 (no probe) is refused: without a probe the SLB cannot find the "
            "active node.",
            required=True,
        ),
        _a(
            "subnet_mask",
            types.String(),
            "`SubnetMask` (default `255.255.255.255`). Any other mask gives a plan-time warning: guest clustering "
            "behind an SLB needs the host mask. Refused with DHCP.",
            optional=True,
            computed=True,
        ),
        _a(
            "network",
            types.String(),
            'Cluster network name, e.g. "Cluster Network 1" (`Get-ClusterNetwork`).',
            required=True,
        ),
        _a(
            "enable_dhcp",
            types.Bool(),
            "`EnableDhcp` (default `false`). With `true`, `address` and `subnet_mask` come from the lease and are "
            "known after apply.",
            optional=True,
            computed=True,
        ),
        _a(
            "probe_failure_threshold",
            types.Number(),
            "`ProbeFailureThreshold`, passed through when set (undocumented by Microsoft); left alone and not "
            "compared when null.",
            optional=True,
        ),
        _a(
            "state",
            types.String(),
            "Resource state after the last operation or refresh (`Online`, `Offline`, `Failed`).",
            computed=True,
        ),
        _a(
            "owner_node",
            types.String(),
            "Node that currently owns the resource (the active node). A failover changes it; that is not drift.",
            computed=True,
        ),
        _a(
            "previous_parameters",
            types.Map(types.String()),
            "The managed parameters as they were before "
            "create, kept in state: destroy writes them back (with the same offline/online cycle) instead of "
            "leaving the VIP configured. After an import they are the values found at import time.",
            computed=True,
        ),
    ],
    block_types=[timeouts_block()],
)


def desired_parameters(state: dict) -> dict[str, Any]:
    """State -> the `Set-ClusterParameter -Multiple` table (address and mask only without DHCP)."""
    dhcp = bool(state.get("enable_dhcp"))
    params: dict[str, Any] = {
        "ProbePort": int(state["probe_port"]),
        "Network": state["network"],
        "EnableDhcp": 1 if dhcp else 0,
    }
    if not dhcp:
        params["Address"] = state["address"]
        params["SubnetMask"] = state["subnet_mask"]
    if is_known(state.get("probe_failure_threshold")):
        params["ProbeFailureThreshold"] = int(state["probe_failure_threshold"])
    return params


def restore_parameters(previous: dict[str, str]) -> dict[str, Any]:
    """previous_parameters -> the table that puts them back (a DHCP address is not written back)."""
    values: dict[str, Any] = {k: int(v) if k in _NUMERIC else v for k, v in previous.items() if v is not None}
    if values.get("EnableDhcp") == 1:
        values.pop("Address", None)
        values.pop("SubnetMask", None)
    return values


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def from_resource(resource: dict, prior: dict) -> dict:
    """get_cluster_resource's JSON -> state; every managed value comes from the cluster (drift shows)."""
    p = resource.get("parameters") or {}
    name = prior.get("resource_name")
    managed_threshold = is_known(prior.get("probe_failure_threshold"))
    return {
        "cluster_node": prior.get("cluster_node"),
        "resource_name": name
        if isinstance(name, str) and name.lower() == str(resource.get("name")).lower()
        else resource.get("name"),
        "name_resource": prior.get("name_resource") if is_known(prior.get("name_resource")) else None,
        "address": p.get("Address") or None,
        "probe_port": _int(p.get("ProbePort")) or 0,
        "subnet_mask": p.get("SubnetMask") or None,
        "network": p.get("Network"),
        "enable_dhcp": _int(p.get("EnableDhcp")) == 1,
        "probe_failure_threshold": _int(p.get("ProbeFailureThreshold")) if managed_threshold else None,
        "state": resource.get("state"),
        "owner_node": resource.get("owner_node"),
        "previous_parameters": prior.get("previous_parameters"),
        "timeouts": prior.get("timeouts"),
    }


def _by_name(state: dict, key: str) -> str:
    """The resource name to send; "" makes the script find the core resource by type."""
    value = state.get(key)
    return value if is_known(value) and value else ""


def _shared_ip_resource(cluster: Any, resource_name: Any) -> dict | None:
    """The IP resource inside a `get_cluster` answer that sdn_failover_cluster's refresh just got from this node,
    when it is the one this resource manages: same name, same parameters as get_cluster_resource returns, so
    the refresh needs no command of its own (on Windows, one PowerShell start fewer per tenant)."""
    ip = cluster.get("ip_resource") if isinstance(cluster, dict) and cluster.get("exists") else None
    if not isinstance(ip, dict) or not isinstance(resource_name, str):
        return None
    return ip if str(ip.get("name")).lower() == resource_name.lower() else None


def managed_keys(state: dict) -> list[str]:
    keys = ["Address", "ProbePort", "SubnetMask", "Network", "EnableDhcp"]
    return keys + (["ProbeFailureThreshold"] if is_known(state.get("probe_failure_threshold")) else [])


def _wait_seconds(provider: Any, state: dict, op: str) -> int:
    """Start-ClusterResource -Wait per resource: two starts must fit in the operation timeout (cap 60 s)."""
    return max(1, min(60, int(provider.operation_timeout(state.get("timeouts"), op) / 2)))


class ClusterIPAddress(BaseResource):
    type_name = "cluster_ip_address"
    schema = SCHEMA

    # -- plan ---------------------------------------------------------------------------------------
    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        check_timeouts(diags, config)
        for key in ("cluster_node", "resource_name", "name_resource", "network"):
            value = config.get(key)
            if is_known(value) and not value.strip():
                diags.add_error(f"Invalid {key}", f"{key} must not be empty.", path=[key])
        address, dhcp, mask = config.get("address"), config.get("enable_dhcp"), config.get("subnet_mask")
        check_ipv4(diags, address, ["address"])
        port = config.get("probe_port")
        if port == 0:
            diags.add_error(
                "Probe port required",
                "probe_port 0 means no probe: the load balancer could not tell which node owns the cluster IP, so "
                "traffic to the VIP would reach every node. Use the load balancer probe's port (e.g. 59999).",
                path=["probe_port"],
            )
        else:
            check_port(diags, port, ["probe_port"], "probe_port")
        check_range(
            diags,
            config.get("probe_failure_threshold"),
            ["probe_failure_threshold"],
            0,
            4294967295,
            "probe_failure_threshold",
        )
        check_mask(diags, mask, ["subnet_mask"])
        if is_known(mask) and mask != HOST_MASK:
            diags.add_warning(
                "Subnet mask is not 255.255.255.255",
                f"subnet_mask {mask}: Microsoft's guest-clustering steps (and the Azure load balancer guides) "
                "require 255.255.255.255 for a cluster IP that is a load balancer VIP.",
                path=["subnet_mask"],
            )
        if dhcp is True:
            for key in ("address", "subnet_mask"):
                if config.get(key) is not None:
                    diags.add_error(
                        f"{key} with DHCP",
                        f"{key} cannot be set when enable_dhcp is true: DHCP assigns it.",
                        path=[key],
                    )
        elif dhcp is not Unknown and address is None:
            diags.add_error(
                "Missing address",
                "address is required unless enable_dhcp is true (the guest cluster needs the load balancer VIP here).",
                path=["address"],
            )

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        for key, default in DEFAULTS.items():
            if ctx.config.get(key) is None:
                planned[key] = default
        for key in _BY_TYPE:
            if ctx.config.get(key) is None:
                planned[key] = (
                    current.get(key) if current is not None else (Unknown if key == "resource_name" else None)
                )
        dhcp = planned.get("enable_dhcp")
        if dhcp is False and ctx.config.get("subnet_mask") is None:
            planned["subnet_mask"] = HOST_MASK
        # With DHCP the address and mask come from the lease: known only while DHCP was already on.
        keep_lease = dhcp is True and current is not None and current.get("enable_dhcp") is True
        for key in ("address", "subnet_mask"):
            if dhcp is not False and ctx.config.get(key) is None and not keep_lease:
                planned[key] = Unknown
        if current is None:
            planned["previous_parameters"] = Unknown
        if current is None or self._parameters_change(current, planned):
            for key in _COMPUTED:
                planned[key] = Unknown
        if current is None or any(planned.get(k) != current.get(k) for k in ("address", "probe_port")):
            self._cross_check_load_balancers(ctx.diagnostics, planned)
        return planned

    @staticmethod
    def _parameters_change(current: dict, planned: dict) -> bool:
        """Whether the apply must write the parameter table (which restarts the cluster's name and IP). A null
        probe_failure_threshold is not managed, so dropping it from the configuration leaves the cluster alone."""
        keys = ("name_resource", *_PARAMS)
        return any(
            planned.get(k) is Unknown or planned.get(k) != current.get(k)
            for k in keys
            if k != "probe_failure_threshold" or planned.get(k) is not None
        )

    def _cross_check_load_balancers(self, diags: Diagnostics, planned: dict) -> None:
        """Warn when load balancers (in NC, or planned by this same plan) have this address as a VIP but none
        probes this port.

        Only that direction: other tenants may reuse the probe port, and (in other virtual networks) even
        the address, so "port used for another VIP" would be a false alarm. Runs on create and on a change
        of address or probe port; concurrent plans share one GET of the collection.
        """
        address, port = planned.get("address"), planned.get("probe_port")
        if not (is_known(address) and is_known(port)):
            return
        try:
            if not self.provider.setting("network_controller_uri"):
                return
            by_address = self.provider.reads.get(
                PROBE_PORTS_BY_VIP, lambda: _probe_ports_by_vip(self.provider.nc.get("/loadBalancers"))
            )
        except ProviderError:
            return  # NC is optional for this resource; the check is advice only
        planned = self.provider.planned_probe_ports(address)  # what this plan makes wins over NC's copy
        replaced = {lb.lower() for lb in planned}
        probes = {lb: p for lb, p in (by_address.get(address) or {}).items() if lb.lower() not in replaced}
        probes.update(planned)
        if probes and not any(int(port) in ports for ports in probes.values()):
            used = sorted({p for ports in probes.values() for p in ports})
            diags.add_warning(
                "Probe port differs from the load balancer",
                f"Load balancer(s) {', '.join(sorted(probes))} have frontend {address}, but their rules' probes "
                f"use port(s) {', '.join(map(str, used)) or 'none'}, not {int(port)}: the SLB would never see "
                "the active node.",
                path=["probe_port"],
            )

    # -- CRUD -----------------------------------------------------------------------------------------
    def _set(self, state: dict, parameters: dict[str, Any], op: str) -> dict:
        return run(
            self.provider,
            state["cluster_node"],
            "set_cluster_ip_address",
            {
                "resource_name": _by_name(state, "resource_name"),
                "name_resource": _by_name(state, "name_resource"),
                "parameters": parameters,
                "wait_seconds": _wait_seconds(self.provider, state, op),
            },
        )

    def create(self, ctx: Any, planned: dict) -> dict | None:
        try:
            result = self._set(planned, desired_parameters(planned), "create")
        except ClusterCommandError as exc:
            report(
                ctx.diagnostics,
                "Cannot set cluster IP address parameters",
                exc,
                planned["cluster_node"],
                path=_path_of(exc),
            )
            return self._after_failure(ctx.diagnostics, planned, exc)
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot set cluster IP address parameters", exc, planned["cluster_node"])
            return None
        previous = result.get("previous") or {}
        prior = {
            **planned,
            "previous_parameters": {k: str(previous[k]) for k in managed_keys(planned) if previous.get(k) is not None},
        }
        return from_resource(result["resource"], prior)

    def _after_failure(self, diags: Diagnostics, planned: dict, exc: ClusterCommandError) -> dict | None:
        """Set-ClusterParameter validates the whole table, so a failure up to it wrote nothing: no state.

        When a resource then fails to come online the parameters are written: keep the object in state
        (tainted) as read back, so destroy or the next apply knows about it.
        """
        if exc.cmdlet != "Start-ClusterResource":
            return None
        try:
            resource = run(
                self.provider,
                planned["cluster_node"],
                "get_cluster_resource",
                {"resource_name": _by_name(planned, "resource_name")},
            )
        except ProviderError:
            return None
        diags.add_warning(
            "Previous parameters not recorded",
            "The new parameters were written before the "
            "failure; the values they replaced were not returned, so destroy will not restore them.",
        )
        return from_resource(resource, {**planned, "previous_parameters": {}})

    def read(self, ctx: Any, current: dict) -> dict | None:
        node = current["cluster_node"]
        try:
            return from_resource(self._read_on(node, current["resource_name"]), current)
        except ProviderError as exc:
            if is_not_found(exc) or self._cluster_gone(node, exc):
                return None
            if isinstance(exc, UNREACHABLE):
                # One node down is the outage a guest cluster exists for: any other member can answer.
                for peer in cluster_peers(self.provider, node):
                    resource = self._read_through(peer, node, current["resource_name"])
                    if resource is not None:
                        ctx.diagnostics.add_warning(
                            f"Cluster node {node} is unreachable",
                            f"{exc}\nRead {resource.get('name') or 'the cluster IP address'} through {peer}, "
                            "another member of the same cluster; changes to it still need "
                            f"cluster_node = {node!r} reachable, or cluster_node set to a member that is.",
                        )
                        return from_resource(resource, current)
            report(ctx.diagnostics, f"Cannot read cluster resource {current['resource_name']}", exc, node)
            return current

    def _read_on(self, node: str, resource_name: Any) -> dict:
        """The IP resource as `node` sees it: from its cluster answer of this refresh, else one command."""
        shared = _shared_ip_resource(recent_cluster(self.provider, node), resource_name)
        if shared is not None:
            return shared
        return run(self.provider, node, "get_cluster_resource", {"resource_name": resource_name})

    def _read_through(self, peer: str, node: str, resource_name: Any) -> dict | None:
        """The resource read on `peer`, if `peer` answers and is in `node`'s cluster; None otherwise."""
        try:
            if not is_member(read_cluster(self.provider, peer), node):
                return None
            return self._read_on(peer, resource_name)
        except ProviderError:
            return None

    def _cluster_gone(self, node: str, exc: Exception) -> bool:
        """A node that answers but is in no cluster: the resource is gone (one more command, on failure only)."""
        if not isinstance(exc, ClusterCommandError):
            return False
        try:
            return not run(self.provider, node, "get_cluster", {}).get("exists")
        except ProviderError:
            return False

    def update(self, ctx: Any, current: dict, planned: dict) -> dict | None:
        if not self._parameters_change(current, planned):
            return {
                **current,
                "cluster_node": planned["cluster_node"],
                "timeouts": planned.get("timeouts"),
                "probe_failure_threshold": planned.get("probe_failure_threshold"),
            }
        try:
            result = self._set(planned, desired_parameters(planned), "update")
        except ProviderError as exc:
            report(
                ctx.diagnostics,
                "Cannot update cluster IP address parameters",
                exc,
                planned["cluster_node"],
                path=_path_of(exc),
            )
            return current
        return from_resource(result["resource"], {**planned, "previous_parameters": current.get("previous_parameters")})

    def delete(self, ctx: Any, current: dict) -> None:
        previous = restore_parameters(current.get("previous_parameters") or {})
        if not previous:
            return None
        try:
            self._set(current, previous, "delete")
        except ProviderError as exc:
            if is_not_found(exc) or self._cluster_gone(current["cluster_node"], exc):
                return None  # nothing left to restore
            report(
                ctx.diagnostics,
                "Cannot restore the previous cluster IP address parameters",
                exc,
                current["cluster_node"],
            )
        return None

    def import_(self, ctx: Any, id: str) -> dict | None:
        parsed = split_import_id(ctx.diagnostics, id, "resource name", "DB1/Cluster IP Address")
        if parsed is None:
            return None
        node, name = parsed
        try:
            resource = run(self.provider, node, "get_cluster_resource", {"resource_name": name})
        except ProviderError as exc:
            report(ctx.diagnostics, f"Cannot import cluster resource {name}", exc, node)
            return None
        state = from_resource(resource, {"cluster_node": node, "resource_name": name, "timeouts": None})
        p = resource.get("parameters") or {}
        state["previous_parameters"] = {k: str(p[k]) for k in managed_keys(state) if p.get(k) is not None}
        return state


def _path_of(exc: Exception) -> list | None:
    """Point Windows' parameter complaints at the argument they are about, when the message names one."""
    if not isinstance(exc, ClusterCommandError):
        return None
    text = exc.message.lower()
    for attr, param in _PARAMS.items():
        if f"parameter '{param.lower()}'" in text or f"({param.lower()} '" in text:
            return [attr]
    return None


def _probe_ports_by_vip(collection: dict | None) -> dict[str, dict[str, frozenset[int]]]:
    """VIP -> {load balancer resourceId: probe ports} over NC's whole collection. What the read cache keeps for
    the cross-check: every concurrent plan copies this small index, not the collection (quadratic in tenants)."""
    out: dict[str, dict[str, frozenset[int]]] = {}
    for lb in (collection or {}).get("value") or []:
        for vip, ports in _frontend_probe_ports(lb).items():
            out.setdefault(vip, {})[str(lb.get("resourceId"))] = frozenset(ports)
    return out


def _frontend_probe_ports(lb: dict) -> dict[str, set[int]]:
    """VIP -> probe ports of the rules on that frontend, for one NC load balancer JSON."""
    vips = {}
    for fe in children(lb, "frontendIPConfigurations"):
        address = prop(fe, "privateIPAddress")
        if address:
            vips[str(fe.get("resourceId")).lower()] = address
    probes = {str(p.get("resourceId")).lower(): prop(p, "port") for p in children(lb, "probes")}
    out: dict[str, set[int]] = {vip: set() for vip in vips.values()}
    for rule in children(lb, "loadBalancingRules"):
        port = probes.get((last_segment(linked_ref(rule, "probe")) or "").lower())
        for fe_ref in linked_refs(rule, "frontendIPConfigurations"):
            vip = vips.get((last_segment(fe_ref) or "").lower())
            if vip and port:
                out[vip].add(int(port))
    return out
