"""`sdn_load_balancer`: an SLB load balancer in Network Controller (VIP, pools, probes, rules).

The whole load balancer is one NC object, written with one PUT (as the seed's
New-NetworkControllerLoadBalancer does). Pool membership is written from the NIC side by
`sdn_backend_pool_member`, so it is not an argument here.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tf import types
from tf.schema import Attribute, Block, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.framework import BaseResource, ListNestedBlock, SdnPlanContext, is_known
from sdn_provider.nc import NCError, NCTimeoutError, ProvisioningFailed
from sdn_provider.resources.common import (
    CLIENT_ERRORS,
    check_timeouts,
    deadline,
    keep_spelling,
    known_list,
    last_segment,
    report,
    same_ref,
    timeouts_block,
)
from sdn_provider.validation import (
    check_enum,
    check_ipv4,
    check_name,
    check_port,
    check_range,
    check_unique,
)

PROBE_PROTOCOLS = ("TCP", "HTTP")
RULE_PROTOCOLS = ("TCP", "UDP", "All")
DISTRIBUTIONS = ("Default", "SourceIP", "SourceIPProtocol")
ALLOCATIONS = ("Static", "Dynamic")

# NC's error targets -> Terraform attribute names (for diagnostics that point at the attribute).
_TARGET_NAMES = {
    "frontendipconfigurations": "frontend_ip_configuration",
    "backendaddresspools": "backend_address_pool",
    "probes": "probe",
    "loadbalancingrules": "load_balancing_rule",
    "privateipaddress": "private_ip_address",
    "privateipallocationmethod": "private_ip_allocation_method",
    "subnet": "subnet_ref",
    "protocol": "protocol",
    "port": "port",
    "intervalinseconds": "interval_in_seconds",
    "numberofprobes": "number_of_probes",
    "requestpath": "request_path",
    "frontendport": "frontend_port",
    "backendport": "backend_port",
    "idletimeoutinminutes": "idle_timeout_in_minutes",
    "enablefloatingip": "enable_floating_ip",
    "loaddistribution": "load_distribution",
    "backendaddresspool": "backend_address_pool_name",
    "probe": "probe_name",
    "resourceid": "name",
    "tags": "tags",
}


def _a(name: str, t: types.TfType, desc: str, **kw: Any) -> Attribute:
    return Attribute(name, t, description=desc, **kw)


SCHEMA = Schema(
    version=0,
    description="An SLB load balancer in Network Controller: frontend VIPs, backend pools, health probes and "
    "load-balancing rules, written as one object.",
    attributes=[
        _a(
            "resource_id",
            types.String(),
            "NC resourceId of the load balancer (e.g. `MyNetwork_InternalVIP`). "
            "Changing it creates a new load balancer.",
            required=True,
            requires_replace=True,
        ),
        _a("tags", types.Map(types.String()), "Free-form NC tags.", optional=True),
        _a("resource_ref", types.String(), "NC resourceRef, `/loadBalancers/<resource_id>`.", computed=True),
        _a("instance_id", types.String(), "NC instanceId (GUID, stable for the object's life).", computed=True),
        _a("etag", types.String(), "NC etag of the last write (changes on every PUT).", computed=True),
        _a("provisioning_state", types.String(), "NC provisioningState after the last operation.", computed=True),
        _a(
            "frontend_ip_configuration_refs",
            types.Map(types.String()),
            "Map of frontend IP configuration name to its NC resourceRef.",
            computed=True,
        ),
        _a(
            "backend_address_pool_refs",
            types.Map(types.String()),
            "Map of backend pool name to its NC resourceRef (feed these to `sdn_backend_pool_member`).",
            computed=True,
        ),
        _a("probe_refs", types.Map(types.String()), "Map of probe name to its NC resourceRef.", computed=True),
    ],
    block_types=[
        ListNestedBlock(
            "frontend_ip_configuration",
            Block(
                attributes=[
                    _a("name", types.String(), "resourceId of the frontend IP configuration.", required=True),
                    _a(
                        "private_ip_address",
                        types.String(),
                        "The VIP. Must be inside `subnet_ref`'s prefix. For a guest "
                        "cluster: an unused address of the nodes' subnet, equal to the cluster IP.",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "private_ip_allocation_method",
                        types.String(),
                        "`Static` (default) or `Dynamic`.",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "subnet_ref",
                        types.String(),
                        "resourceRef of the subnet, e.g. `/virtualNetworks/MyNetwork/subnets/Subnet2`.",
                        required=True,
                    ),
                ]
            ),
            min_items=1,
        ),
        ListNestedBlock(
            "backend_address_pool",
            Block(
                attributes=[
                    _a("name", types.String(), "resourceId of the backend pool.", required=True),
                ]
            ),
        ),
        ListNestedBlock(
            "probe",
            Block(
                attributes=[
                    _a("name", types.String(), "resourceId of the probe.", required=True),
                    _a("protocol", types.String(), "`TCP` (default) or `HTTP`.", optional=True, computed=True),
                    _a(
                        "port",
                        types.Number(),
                        "Port probed on every backend's own address (1-65535). For a guest "
                        "cluster: the cluster IP resource's `ProbePort`.",
                        required=True,
                    ),
                    _a(
                        "interval_in_seconds",
                        types.Number(),
                        "Seconds between probes, 5-2147483647 (default 15).",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "number_of_probes",
                        types.Number(),
                        "Failed probes before a backend is taken out, 1-100 (default 2).",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "request_path",
                        types.String(),
                        "Path requested by `HTTP` probes (required for HTTP, not allowed for TCP).",
                        optional=True,
                    ),
                ]
            ),
        ),
        ListNestedBlock(
            "load_balancing_rule",
            Block(
                attributes=[
                    _a("name", types.String(), "resourceId of the rule.", required=True),
                    _a(
                        "frontend_ip_configuration_names",
                        types.List(types.String()),
                        "Names of the frontend IP configurations this rule listens on.",
                        required=True,
                    ),
                    _a(
                        "backend_address_pool_name",
                        types.String(),
                        "Name of the backend pool traffic goes to.",
                        required=True,
                    ),
                    _a(
                        "probe_name",
                        types.String(),
                        "Name of the probe deciding which backends are healthy.",
                        optional=True,
                    ),
                    _a("protocol", types.String(), "`TCP` (default), `UDP` or `All`.", optional=True, computed=True),
                    _a("frontend_port", types.Number(), "Port on the VIP (1-65535).", required=True),
                    _a(
                        "backend_port",
                        types.Number(),
                        "Port on the backend (1-65535; defaults to `frontend_port`).",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "idle_timeout_in_minutes",
                        types.Number(),
                        "TCP idle timeout, 4-30 (default 4).",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "enable_floating_ip",
                        types.Bool(),
                        "Deliver packets with the VIP as destination (direct server "
                        "return). Default **true**: a guest cluster needs it.",
                        optional=True,
                        computed=True,
                    ),
                    _a(
                        "load_distribution",
                        types.String(),
                        "`Default` (5-tuple), `SourceIP` or `SourceIPProtocol`.",
                        optional=True,
                        computed=True,
                    ),
                ]
            ),
        ),
        timeouts_block(),
    ],
)

# (block, attribute) -> default applied at plan time when the configuration leaves it null.
_DEFAULTS = {
    ("frontend_ip_configuration", "private_ip_allocation_method"): "Static",
    ("probe", "protocol"): "TCP",
    ("probe", "interval_in_seconds"): 15,
    ("probe", "number_of_probes"): 2,
    ("load_balancing_rule", "protocol"): "TCP",
    ("load_balancing_rule", "idle_timeout_in_minutes"): 4,
    ("load_balancing_rule", "enable_floating_ip"): True,
    ("load_balancing_rule", "load_distribution"): "Default",
}
_BLOCKS = ("frontend_ip_configuration", "backend_address_pool", "probe", "load_balancing_rule")
_COLLECTIONS = {
    "frontend_ip_configuration": "frontendIPConfigurations",
    "backend_address_pool": "backendAddressPools",
    "probe": "probes",
    "load_balancing_rule": "loadBalancingRules",
}


def lb_ref(resource_id: str) -> str:
    return f"/loadBalancers/{resource_id}"


def child_refs(resource_id: Any, items: Any, block: str) -> Any:
    """Child refs are derivable from names, so they are known at plan time (members can use them)."""
    if not is_known(resource_id) or not is_known(items):
        return Unknown
    refs = {}
    for item in items:
        if not is_known(item.get("name")):
            return Unknown
        refs[item["name"]] = f"{lb_ref(resource_id)}/{_COLLECTIONS[block]}/{item['name']}"
    return refs


class LoadBalancer(BaseResource):
    @classmethod
    def get_name(cls) -> str:
        return "load_balancer"

    @classmethod
    def get_schema(cls) -> Schema:
        return SCHEMA

    # -- plan ---------------------------------------------------------------------------------------
    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        check_name(diags, config.get("resource_id"), ["resource_id"], "resource_id")
        check_timeouts(diags, config)
        blocks = {b: known_list(config.get(b)) for b in _BLOCKS}
        for b in _BLOCKS:
            check_unique(diags, blocks[b], "name", b, f"{b} name")
            for i, item in enumerate(blocks[b]):
                check_name(diags, item.get("name"), [b, (i,), "name"])
        for i, fe in enumerate(blocks["frontend_ip_configuration"]):
            path = ["frontend_ip_configuration", (i,)]
            check_ipv4(diags, fe.get("private_ip_address"), [*path, "private_ip_address"])
            check_enum(
                diags,
                fe.get("private_ip_allocation_method"),
                [*path, "private_ip_allocation_method"],
                ALLOCATIONS,
                "private_ip_allocation_method",
            )
            if fe.get("private_ip_allocation_method") in (None, "Static") and fe.get("private_ip_address") is None:
                diags.add_error(
                    "Missing private_ip_address",
                    "A Static frontend needs private_ip_address (the VIP).",
                    path=[*path, "private_ip_address"],
                )
            subnet = fe.get("subnet_ref")
            if is_known(subnet) and _subnet_parts(subnet) is None:
                diags.add_error(
                    "Invalid subnet_ref",
                    f'"{subnet}" is not a subnet resourceRef such as /virtualNetworks/MyNetwork/subnets/Subnet2.',
                    path=[*path, "subnet_ref"],
                )
        for i, probe in enumerate(blocks["probe"]):
            path = ["probe", (i,)]
            check_enum(diags, probe.get("protocol"), [*path, "protocol"], PROBE_PROTOCOLS, "probe protocol")
            check_port(diags, probe.get("port"), [*path, "port"], "probe port")
            check_range(
                diags,
                probe.get("interval_in_seconds"),
                [*path, "interval_in_seconds"],
                5,
                2147483647,
                "interval_in_seconds",
            )
            check_range(diags, probe.get("number_of_probes"), [*path, "number_of_probes"], 1, 100, "number_of_probes")
            protocol, request_path = probe.get("protocol") or "TCP", probe.get("request_path")
            if protocol == "HTTP" and request_path is None:
                diags.add_error(
                    "Missing request_path",
                    'An HTTP probe needs request_path (e.g. "/health").',
                    path=[*path, "request_path"],
                )
            if protocol == "TCP" and is_known(request_path):
                diags.add_error(
                    "request_path not allowed",
                    "request_path is only valid for HTTP probes.",
                    path=[*path, "request_path"],
                )
            if is_known(request_path) and not request_path.startswith("/"):
                diags.add_error(
                    "Invalid request_path", 'request_path must start with "/".', path=[*path, "request_path"]
                )
        names = {b: {str(x.get("name")).lower() for x in blocks[b] if is_known(x.get("name"))} for b in _BLOCKS}
        for i, rule in enumerate(blocks["load_balancing_rule"]):
            path = ["load_balancing_rule", (i,)]
            check_enum(diags, rule.get("protocol"), [*path, "protocol"], RULE_PROTOCOLS, "rule protocol")
            check_port(diags, rule.get("frontend_port"), [*path, "frontend_port"], "frontend_port")
            check_port(diags, rule.get("backend_port"), [*path, "backend_port"], "backend_port")
            check_range(
                diags,
                rule.get("idle_timeout_in_minutes"),
                [*path, "idle_timeout_in_minutes"],
                4,
                30,
                "idle_timeout_in_minutes",
            )
            check_enum(
                diags, rule.get("load_distribution"), [*path, "load_distribution"], DISTRIBUTIONS, "load_distribution"
            )
            fe_names = rule.get("frontend_ip_configuration_names")
            if is_known(fe_names):
                if not fe_names:
                    diags.add_error(
                        "No frontend",
                        "frontend_ip_configuration_names needs at least one name.",
                        path=[*path, "frontend_ip_configuration_names"],
                    )
                for name in fe_names:
                    _check_known_name(
                        diags,
                        name,
                        names["frontend_ip_configuration"],
                        "frontend_ip_configuration",
                        [*path, "frontend_ip_configuration_names"],
                    )
            _check_known_name(
                diags,
                rule.get("backend_address_pool_name"),
                names["backend_address_pool"],
                "backend_address_pool",
                [*path, "backend_address_pool_name"],
            )
            if rule.get("probe_name") is not None:
                _check_known_name(diags, rule.get("probe_name"), names["probe"], "probe", [*path, "probe_name"])
            if rule.get("enable_floating_ip") is False:
                diags.add_warning(
                    "Floating IP is off",
                    "enable_floating_ip = false delivers traffic to the nodes' own addresses, where a clustered "
                    "service bound to the cluster IP does not listen: guest-cluster traffic through the VIP fails.",
                    path=[*path, "enable_floating_ip"],
                )
        _check_rule_overlap(diags, blocks["load_balancing_rule"])

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        for block in _BLOCKS:
            items = planned.get(block)
            config_items = ctx.config.get(block)
            if not is_known(items):
                continue
            for i, item in enumerate(items):
                cfg = config_items[i] if is_known(config_items) and i < len(config_items) else {}
                for (b, attr), default in _DEFAULTS.items():
                    if b == block and cfg.get(attr) is None:
                        item[attr] = default
                if block == "load_balancing_rule" and cfg.get("backend_port") is None:
                    item["backend_port"] = item.get("frontend_port")
                if block == "frontend_ip_configuration" and cfg.get("private_ip_address") is None:
                    item["private_ip_address"] = Unknown
        rid = planned.get("resource_id")
        planned["resource_ref"] = lb_ref(rid) if is_known(rid) else Unknown
        planned["frontend_ip_configuration_refs"] = child_refs(
            rid, planned.get("frontend_ip_configuration"), "frontend_ip_configuration"
        )
        planned["backend_address_pool_refs"] = child_refs(
            rid, planned.get("backend_address_pool"), "backend_address_pool"
        )
        planned["probe_refs"] = child_refs(rid, planned.get("probe"), "probe")
        if current is None or _managed_changed(current, planned):
            planned["etag"] = Unknown
            planned["provisioning_state"] = Unknown
            if current is None:
                planned["instance_id"] = Unknown
        self._check_vips_in_subnets(ctx.diagnostics, planned, current)
        return planned

    def _check_vips_in_subnets(self, diags: Diagnostics, planned: dict, current: dict | None) -> None:
        """Plan-time: a new or changed VIP must be inside its subnet (one GET per subnet, shared by concurrent plans).
        A frontend NC already accepted is not re-checked: a steady-state plan costs no extra request."""
        accepted = known_list((current or {}).get("frontend_ip_configuration"))
        for i, fe in enumerate(known_list(planned.get("frontend_ip_configuration"))):
            address, subnet_ref = fe.get("private_ip_address"), fe.get("subnet_ref")
            if not (is_known(address) and is_known(subnet_ref)) or _subnet_parts(subnet_ref) is None:
                continue
            if any(
                a.get("private_ip_address") == address and same_ref(a.get("subnet_ref"), subnet_ref) for a in accepted
            ):
                continue
            try:
                prefix = self._subnet_prefix(subnet_ref)
                ip = ipaddress.IPv4Address(address)
            except CLIENT_ERRORS:
                return  # NC unreachable at plan time: apply reports it with NC's own message
            except ValueError:
                continue
            path = ["frontend_ip_configuration", (i,)]
            if prefix is None:
                diags.add_error(
                    "Subnet not found",
                    f"{subnet_ref} does not exist in Network Controller.",
                    path=[*path, "subnet_ref"],
                )
            elif ip not in prefix:
                diags.add_error(
                    "VIP outside its subnet",
                    f"{address} is not inside {subnet_ref} ({prefix}); pick an unused address of that subnet.",
                    path=[*path, "private_ip_address"],
                )

    def _subnet_prefix(self, subnet_ref: str) -> ipaddress.IPv4Network | None:
        """Through the provider's read cache: LBs planned together on one subnet share one GET."""
        subnet = self.provider.reads.get(subnet_ref, lambda: self.provider.nc.get(subnet_ref))
        prefix = ((subnet or {}).get("properties") or {}).get("addressPrefix")
        return ipaddress.IPv4Network(prefix, strict=False) if prefix else None

    # -- CRUD -----------------------------------------------------------------------------------------
    def create(self, ctx: Any, planned: dict) -> dict | None:
        diags, nc = ctx.diagnostics, None
        ref = lb_ref(planned["resource_id"])
        try:
            nc = self.provider.nc
            until = deadline(self.provider, planned, "create")
            if nc.get(ref) is not None:
                diags.add_error(
                    "Load balancer already exists",
                    f"{ref} already exists in Network Controller. To manage it with Terraform, import it: "
                    f"terraform import <address> {planned['resource_id']}",
                    path=["resource_id"],
                )
                return None
            first = nc.put(ref, to_nc(planned), deadline=until)
            return self._settle(diags, ref, planned, until, first, "create")
        except CLIENT_ERRORS as exc:
            report(diags, "Cannot create load balancer", exc, _TARGET_NAMES)
            return self._recover(ref, planned) if nc is not None else None
        finally:
            self._forget_cached_reads()

    def _settle(self, diags: Diagnostics, ref: str, planned: dict, until: float, first: dict, op: str) -> dict:
        """Wait for Succeeded; Failed or timeout keep the object in state (tainted) with NC's details."""
        nc = self.provider.nc
        try:
            resource = nc.wait_for_provisioning(ref, until, first)
        except ProvisioningFailed as exc:
            report(diags, f"Load balancer {op} failed in Network Controller", exc)
            resource = exc.resource
        except NCTimeoutError as exc:
            report(diags, f"Load balancer {op} timed out", exc)
            resource = nc.get(ref) or first
        return from_nc(resource, planned)

    def _recover(self, ref: str, planned: dict) -> dict | None:
        """After an error, return what exists so state matches NC (tainted); None if nothing was made."""
        try:
            resource = self.provider.nc.get(ref)
        except CLIENT_ERRORS:
            return None
        return from_nc(resource, planned) if resource is not None else None

    def read(self, ctx: Any, current: dict) -> dict | None:
        try:
            resource = self.provider.nc.get(lb_ref(current["resource_id"]))
        except CLIENT_ERRORS as exc:
            report(ctx.diagnostics, "Cannot read load balancer", exc)
            return current
        return from_nc(resource, current) if resource is not None else None

    def update(self, ctx: Any, current: dict, planned: dict) -> dict | None:
        diags = ctx.diagnostics
        ref = lb_ref(planned["resource_id"])
        try:
            nc = self.provider.nc
            until = deadline(self.provider, planned, "update")
            body = to_nc(planned)
            try:
                first = nc.put(ref, body, etag=current.get("etag"), deadline=until)
            except NCError as exc:
                if exc.status != 412:
                    raise
                # Someone wrote the LB since our refresh: overwrite only if what we manage is unchanged.
                live = nc.get(ref)
                if live is None or _managed_changed(from_nc(live, current), current):
                    raise NCError(
                        412,
                        "PreconditionFailed",
                        f"{ref} was changed outside Terraform after the last "
                        "refresh; run terraform plan again to see the difference",
                    ) from exc
                first = nc.put(ref, body, etag=live.get("etag"), deadline=until)
            return self._settle(diags, ref, planned, until, first, "update")
        except CLIENT_ERRORS as exc:
            report(diags, "Cannot update load balancer", exc, _TARGET_NAMES)
            return self._recover(ref, current) or None
        finally:
            self._forget_cached_reads()

    def delete(self, ctx: Any, current: dict) -> None:
        diags = ctx.diagnostics
        ref = lb_ref(current["resource_id"])
        try:
            nc = self.provider.nc
            until = deadline(self.provider, current, "delete")
            nc.delete(ref, deadline=until)
            nc.wait_for_deletion(ref, until)
        except NCError as exc:
            if exc.status == 409:
                users = self._referencing_ip_configurations(ref)
                diags.add_error(
                    "Load balancer is still in use",
                    f"{exc}\nNetwork interface ip configurations still in its backend pools: "
                    f"{', '.join(users) if users else 'see the message above'}. Remove those memberships "
                    "(sdn_backend_pool_member) first; in one configuration Terraform orders this for you when the "
                    "members reference this load balancer's backend_address_pool_refs.",
                )
            else:
                report(diags, "Cannot delete load balancer", exc)
        except CLIENT_ERRORS as exc:
            report(diags, "Cannot delete load balancer", exc)
        finally:
            self._forget_cached_reads()
        return None

    def _forget_cached_reads(self) -> None:
        """After any write attempt: cached reads of load balancers (the cluster IP cross-check's index) are stale."""
        self.provider.reads.forget_prefix("/loadBalancers")

    def _referencing_ip_configurations(self, ref: str) -> list[str]:
        try:
            live = self.provider.nc.get(ref) or {}
        except CLIENT_ERRORS:
            return []
        pools = (live.get("properties") or {}).get("backendAddressPools") or []
        return sorted(
            {
                c.get("resourceRef", "")
                for p in pools
                for c in (p.get("properties") or {}).get("backendIPConfigurations") or []
            }
        )

    def import_(self, ctx: Any, id: str) -> dict | None:
        resource_id = last_segment(id.strip())
        if not resource_id or (id.count("/") > 0 and not id.lower().lstrip("/").startswith("loadbalancers/")):
            ctx.diagnostics.add_error(
                "Invalid import ID",
                f'"{id}" is not a load balancer resource id '
                "(e.g. MyNetwork_InternalVIP or /loadBalancers/MyNetwork_InternalVIP).",
            )
            return None
        try:
            resource = self.provider.nc.get(lb_ref(resource_id))
        except CLIENT_ERRORS as exc:
            report(ctx.diagnostics, "Cannot import load balancer", exc)
            return None
        if resource is None:
            ctx.diagnostics.add_error("Load balancer not found", f"{lb_ref(resource_id)} does not exist.")
            return None
        return from_nc(resource, {"timeouts": None})


# -- mapping between Terraform state and the NC object ---------------------------------------------
def to_nc(state: dict) -> dict:
    ref = lb_ref(state["resource_id"])

    def child(block: str, name: str) -> dict:
        return {"resourceRef": f"{ref}/{_COLLECTIONS[block]}/{name}"}

    frontends = []
    for fe in state.get("frontend_ip_configuration") or []:
        props = {
            "privateIPAllocationMethod": fe.get("private_ip_allocation_method") or "Static",
            "subnet": {"resourceRef": fe["subnet_ref"]},
        }
        if is_known(fe.get("private_ip_address")):
            props["privateIPAddress"] = fe["private_ip_address"]
        frontends.append({"resourceId": fe["name"], "properties": props})
    probes = []
    for p in state.get("probe") or []:
        props = {
            "protocol": p["protocol"],
            "port": int(p["port"]),
            "intervalInSeconds": int(p["interval_in_seconds"]),
            "numberOfProbes": int(p["number_of_probes"]),
        }
        if p.get("request_path") is not None:
            props["requestPath"] = p["request_path"]
        probes.append({"resourceId": p["name"], "properties": props})
    rules = []
    for r in state.get("load_balancing_rule") or []:
        props = {
            "protocol": r["protocol"],
            "frontendPort": int(r["frontend_port"]),
            "backendPort": int(r["backend_port"]),
            "idleTimeoutInMinutes": int(r["idle_timeout_in_minutes"]),
            "enableFloatingIP": bool(r["enable_floating_ip"]),
            "loadDistribution": r["load_distribution"],
            "frontendIPConfigurations": [
                child("frontend_ip_configuration", n) for n in r["frontend_ip_configuration_names"]
            ],
            "backendAddressPool": child("backend_address_pool", r["backend_address_pool_name"]),
        }
        if r.get("probe_name"):
            props["probe"] = child("probe", r["probe_name"])
        rules.append({"resourceId": r["name"], "properties": props})
    body: dict[str, Any] = {
        "resourceId": state["resource_id"],
        "properties": {
            "frontendIPConfigurations": frontends,
            "backendAddressPools": [
                {"resourceId": p["name"], "properties": {}} for p in state.get("backend_address_pool") or []
            ],
            "probes": probes,
            "loadBalancingRules": rules,
        },
    }
    if state.get("tags"):
        body["tags"] = state["tags"]
    return body


def from_nc(resource: dict, prior: dict) -> dict:
    """NC object -> state. Keeps the user's spelling of refs that NC returns in canonical casing."""
    props = resource.get("properties") or {}
    rid = resource.get("resourceId") or prior.get("resource_id")
    prior_fes = {f.get("name"): f for f in known_list(prior.get("frontend_ip_configuration"))}
    frontends = []
    for fe in props.get("frontendIPConfigurations") or []:
        p = fe.get("properties") or {}
        name = fe.get("resourceId")
        frontends.append(
            {
                "name": name,
                "private_ip_address": p.get("privateIPAddress") or None,
                "private_ip_allocation_method": p.get("privateIPAllocationMethod"),
                "subnet_ref": keep_spelling(
                    (prior_fes.get(name) or {}).get("subnet_ref"), (p.get("subnet") or {}).get("resourceRef")
                ),
            }
        )
    probes = []
    for pr in props.get("probes") or []:
        p = pr.get("properties") or {}
        probes.append(
            {
                "name": pr.get("resourceId"),
                "protocol": p.get("protocol"),
                "port": p.get("port"),
                "interval_in_seconds": p.get("intervalInSeconds"),
                "number_of_probes": p.get("numberOfProbes"),
                "request_path": p.get("requestPath") or None,
            }
        )
    rules = []
    for ru in props.get("loadBalancingRules") or []:
        p = ru.get("properties") or {}
        rules.append(
            {
                "name": ru.get("resourceId"),
                "frontend_ip_configuration_names": [
                    last_segment(f.get("resourceRef")) for f in p.get("frontendIPConfigurations") or []
                ],
                "backend_address_pool_name": last_segment((p.get("backendAddressPool") or {}).get("resourceRef")),
                "probe_name": last_segment((p.get("probe") or {}).get("resourceRef")),
                "protocol": p.get("protocol"),
                "frontend_port": p.get("frontendPort"),
                "backend_port": p.get("backendPort"),
                "idle_timeout_in_minutes": p.get("idleTimeoutInMinutes"),
                "enable_floating_ip": bool(p.get("enableFloatingIP")),
                "load_distribution": p.get("loadDistribution"),
            }
        )
    pools = [{"name": bp.get("resourceId")} for bp in props.get("backendAddressPools") or []]
    state = {
        "resource_id": prior["resource_id"] if (prior.get("resource_id") or "").lower() == rid.lower() else rid,
        "tags": resource.get("tags") or (prior.get("tags") if prior.get("tags") == {} else None),
        "resource_ref": resource.get("resourceRef") or lb_ref(rid),
        "instance_id": resource.get("instanceId"),
        "etag": resource.get("etag"),
        "provisioning_state": props.get("provisioningState"),
        "frontend_ip_configuration": frontends,
        "backend_address_pool": pools,
        "probe": probes,
        "load_balancing_rule": rules,
        "timeouts": prior.get("timeouts"),
    }
    state["frontend_ip_configuration_refs"] = child_refs(rid, frontends, "frontend_ip_configuration")
    state["backend_address_pool_refs"] = child_refs(rid, pools, "backend_address_pool")
    state["probe_refs"] = child_refs(rid, probes, "probe")
    return state


def _managed_changed(a: dict, b: dict) -> bool:
    keys = ("tags", *_BLOCKS)
    return any(a.get(k) != b.get(k) for k in keys)


def _subnet_parts(ref: str) -> tuple[str, str] | None:
    parts = ref.strip("/").split("/")
    if len(parts) == 4 and parts[0].lower() in ("virtualnetworks", "logicalnetworks") and parts[2].lower() == "subnets":
        return parts[1], parts[3]
    return None


def _check_known_name(diags: Diagnostics, name: Any, names: set[str], block: str, path: list) -> None:
    if is_known(name) and name.lower() not in names:
        diags.add_error(f"Unknown {block}", f'No {block} block is named "{name}".', path=path)


def _check_rule_overlap(diags: Diagnostics, rules: list) -> None:
    """NC keeps one rule per (frontend, protocol, frontend port) (documented assumption)."""
    seen: dict[tuple, str] = {}
    for i, rule in enumerate(rules):
        names, protocol, port = (
            rule.get("frontend_ip_configuration_names"),
            rule.get("protocol") or "TCP",
            rule.get("frontend_port"),
        )
        if not (is_known(names) and is_known(protocol) and is_known(port)):
            continue
        for name in names:
            key = (str(name).lower(), protocol, port)
            if key in seen:
                diags.add_error(
                    "Duplicate rule",
                    f'Rule "{rule.get("name")}" listens on {name} {protocol}/{port}, '
                    f'already used by rule "{seen[key]}".',
                    path=["load_balancing_rule", (i,), "frontend_port"],
                )
            seen[key] = rule.get("name")
