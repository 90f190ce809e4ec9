"""`sdn_load_balancer`: an SLB load balancer in Network Controller (VIP, pools, probes, rules).

The whole load balancer is one NC object. A PUT replaces all of it ([MS-NCNBI] 3.1.5.5), and real tenant load
balancers carry parts this resource does not model (outbound and inbound NAT rules, `resourceMetadata`, fields of
newer NC versions), so every update is GET -> merge -> PUT: the attributes declared in `load_balancer_fields` are
written, everything else is sent back as NC returned it (as microsoft/SDN's `New-NCLoadBalancer` wrapper carries
the outbound NAT rules over). Pool membership is written from the NIC side by `sdn_backend_pool_member`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tf import types
from tf.schema import Attribute, Block, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.errors import ProviderError
from sdn_provider.framework import BaseResource, ListNestedBlock, SdnPlanContext, is_known
from sdn_provider.nc import (
    ArcManaged,
    NCConnectionError,
    NCError,
    NCTimeoutError,
    ProvisioningFailed,
    is_arc_managed,
    strip_read_only,
)
from sdn_provider.nc.refs import (
    LOAD_BALANCER,
    PUBLIC_IP_ADDRESS,
    SUBNETS,
    MalformedRef,
    child_ref,
    children,
    etag,
    last_segment,
    linked_ref,
    linked_refs,
    parse_any,
    prop,
    properties,
    resource_ref,
    same_ref,
)
from sdn_provider.resources.common import (
    check_timeouts,
    deadline,
    known_list,
    report,
    timeouts_block,
)
from sdn_provider.resources.load_balancer_fields import BLOCKS, Field, is_choice, managed_keys, spelled
from sdn_provider.validation import check_enum, check_ipv4, check_name, check_range, check_unique

#: Re-reads after a 412 before giving up (another writer keeps changing the object).
MAX_PRECONDITION_RETRIES = 3
#: Read-cache key of the NIC address index the VIP check reads (not the collection: see _nic_address_owners).
NIC_ADDRESS_OWNERS = "/networkInterfaces#address-owners"

# NC's error targets -> Terraform attribute names (for diagnostics that point at the attribute). NC's targets are
# property names ("SubnetAddress" in [MS-NCNBI] 3.1.5.31), so this is a hint that works when they match.
_TARGET_NAMES = {
    **{coll.lower(): block for block, (coll, _) in BLOCKS.items()},
    **{f.nc.lower(): f.attr for _, fields in BLOCKS.values() for f in fields if f.nc},
    "backendaddresspool": "backend_address_pool_name",
    "probe": "probe_name",
    "resourceid": "name",
    "tags": "tags",
}
_TARGET_ROOTS = frozenset({*BLOCKS, "tags"})
_RULE_REFS = {  # rule attribute -> (NC property, referenced block)
    "frontend_ip_configuration_names": ("frontendIPConfigurations", "frontend_ip_configuration"),
    "backend_address_pool_name": ("backendAddressPool", "backend_address_pool"),
    "probe_name": ("probe", "probe"),
}


def _a(name: str, t: types.TfType, desc: str, **kw: Any) -> Attribute:
    return Attribute(name, t, description=desc, **kw)


def _block(name: str, description: str, **kw: Any) -> ListNestedBlock:
    return ListNestedBlock(
        name, Block(attributes=[f.attribute() for f in BLOCKS[name][1]], description=description), **kw
    )


SCHEMA = Schema(
    # 1: frontend_ip_configuration.public_ip_address_ref (version-0 states upgrade by filling it in as null).
    version=1,
    description="An SLB load balancer in Network Controller: frontend VIPs, backend pools, health probes and "
    "load-balancing rules. Updates keep every part of the NC object this resource does not manage (NAT rules, "
    "resourceMetadata, unknown fields).",
    attributes=[
        _a(
            "resource_id",
            types.String(),
            "NC resourceId of the load balancer, e.g. `MyNetwork_InternalVIP` (1-80 letters, digits, `_`, `-`, `.`). "
            "Changing it creates a new load balancer.",
            required=True,
            requires_replace=True,
        ),
        _a("tags", types.Map(types.String()), "Map of free-form NC tags.", optional=True),
        _a("resource_ref", types.String(), "NC resourceRef, `/loadBalancers/<resource_id>`.", computed=True),
        _a("instance_id", types.String(), "NC instanceId (GUID, stable for the object's life).", computed=True),
        _a("etag", types.String(), "NC etag of the last write (changes on every PUT).", computed=True),
        _a(
            "provisioning_state",
            types.String(),
            "NC `provisioningState` after the last operation (`Succeeded`).",
            computed=True,
        ),
        _a(
            "frontend_ip_configuration_refs",
            types.Map(types.String()),
            "Map of frontend IP configuration name to its NC resourceRef.",
            computed=True,
        ),
        _a(
            "backend_address_pool_refs",
            types.Map(types.String()),
            "Map of backend pool name to its NC resourceRef, e.g. "
            "`/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1`. Known at plan time (derived from the "
            "names), so `sdn_backend_pool_member` can use it in the same plan.",
            computed=True,
        ),
        _a("probe_refs", types.Map(types.String()), "Map of probe name to its NC resourceRef.", computed=True),
    ],
    block_types=[
        _block("frontend_ip_configuration", "A frontend (VIP).", min_items=1),
        _block("backend_address_pool", "A backend pool; its members are `sdn_backend_pool_member`s."),
        _block("probe", "A health probe."),
        _block("load_balancing_rule", "A load-balancing rule: a frontend port forwarded to a pool."),
        timeouts_block(),
    ],
)


def lb_ref(resource_id: str) -> str:
    return LOAD_BALANCER.format(resource_id)


def parse_import_id(text: str) -> str | None:
    """The resourceId in an import ID: the id alone, or the load balancer's ref (`/loadBalancers/<id>`)."""
    text = text.strip()
    if "/" not in text:
        return text or None
    try:
        return LOAD_BALANCER.parse(text).id
    except MalformedRef:
        return None


def child_refs(resource_id: Any, items: Any, block: str) -> Any:
    """Child refs are derivable from names, so they are known at plan time (members can use them)."""
    if not is_known(resource_id) or not is_known(items):
        return Unknown
    refs = {}
    for item in items:
        if not is_known(item.get("name")):
            return Unknown
        refs[item["name"]] = child_ref(lb_ref(resource_id), BLOCKS[block][0], item["name"])
    return refs


class LoadBalancer(BaseResource):
    type_name = "load_balancer"
    schema = SCHEMA

    # -- plan ---------------------------------------------------------------------------------------
    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        check_name(diags, config.get("resource_id"), ["resource_id"], "resource_id")
        check_timeouts(diags, config)
        blocks = {b: known_list(config.get(b)) for b in BLOCKS}
        for block, (_, fields) in BLOCKS.items():
            check_unique(diags, blocks[block], "name", block, f"{block} name")
            for i, item in enumerate(blocks[block]):
                check_name(diags, item.get("name"), [block, (i,), "name"])
                for f in fields:
                    _check_field(diags, f, item.get(f.attr), [block, (i,), f.attr])
        for i, fe in enumerate(blocks["frontend_ip_configuration"]):
            _check_frontend(diags, fe, ["frontend_ip_configuration", (i,)])
        for i, probe in enumerate(blocks["probe"]):
            _check_probe(diags, probe, ["probe", (i,)])
        names = {b: {str(x.get("name")).lower() for x in blocks[b] if is_known(x.get("name"))} for b in BLOCKS}
        for i, rule in enumerate(blocks["load_balancing_rule"]):
            _check_rule(diags, rule, ["load_balancing_rule", (i,)], names)
        _check_rule_overlap(diags, blocks["load_balancing_rule"])

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        for block, (_, fields) in BLOCKS.items():
            items = planned.get(block)
            config_items = ctx.config.get(block)
            if not is_known(items):
                continue
            for i, item in enumerate(items):
                cfg = config_items[i] if is_known(config_items) and i < len(config_items) else {}
                for f in fields:
                    if f.default is not None and cfg.get(f.attr) is None:
                        item[f.attr] = f.default
                if block == "load_balancing_rule" and cfg.get("backend_port") is None:
                    item["backend_port"] = item.get("frontend_port")
                if block == "frontend_ip_configuration":
                    public = cfg.get("public_ip_address_ref") is not None
                    if cfg.get("private_ip_allocation_method") is None:
                        item["private_ip_allocation_method"] = "Dynamic" if public else "Static"
                    if cfg.get("private_ip_address") is None:
                        item["private_ip_address"] = None if public else Unknown
            _keep_prior_spelling(items, known_list((current or {}).get(block)))
        rid = planned.get("resource_id")
        planned["resource_ref"] = lb_ref(rid) if is_known(rid) else Unknown
        for block in ("frontend_ip_configuration", "backend_address_pool", "probe"):
            planned[f"{block}_refs"] = child_refs(rid, planned.get(block), block)
        if current is None or _managed_changed(current, planned):
            planned["etag"] = Unknown
            planned["provisioning_state"] = Unknown
            if current is None:
                planned["instance_id"] = Unknown
        self._check_vips_in_subnets(ctx.diagnostics, planned, current)
        if is_known(rid):
            self.provider.plan_frontends(rid, planned_probe_ports(planned))
        return planned

    def _check_vips_in_subnets(self, diags: Diagnostics, planned: dict, current: dict | None) -> None:
        """Plan-time: a new or changed VIP must be inside its subnet (one GET per subnet, shared by concurrent plans).
        A frontend NC already accepted is not re-checked: a steady-state plan costs no extra request."""
        accepted = known_list((current or {}).get("frontend_ip_configuration"))
        for i, fe in enumerate(known_list(planned.get("frontend_ip_configuration"))):
            address, subnet_ref = fe.get("private_ip_address"), fe.get("subnet_ref")
            if not (is_known(address) and is_known(subnet_ref)) or not _is_subnet_ref(subnet_ref):
                continue
            if any(
                a.get("private_ip_address") == address and same_ref(a.get("subnet_ref"), subnet_ref) for a in accepted
            ):
                continue
            try:
                prefix = self._subnet_prefix(subnet_ref)
                ip = ipaddress.IPv4Address(address)
            except ProviderError:
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
            elif prefix.prefixlen < 31 and ip in (prefix.network_address, prefix.broadcast_address):
                diags.add_error(
                    "VIP is not a host address",
                    f"{address} is the {'network' if ip == prefix.network_address else 'broadcast'} address of "
                    f"{subnet_ref} ({prefix}); pick an unused host address of that subnet.",
                    path=[*path, "private_ip_address"],
                )
            elif owner := self._address_owner(address, subnet_ref):
                diags.add_error(
                    "VIP is a node's own address",
                    f"{address} is the address of {owner} in {subnet_ref}. The VIP must be an unused address of "
                    "the subnet (the SLB answers for it; the nodes keep their own addresses).",
                    path=[*path, "private_ip_address"],
                )

    def _address_owner(self, address: str, subnet_ref: str) -> str | None:
        """The NIC ip configuration that already has `address` in `subnet_ref`, if any (one GET of the NIC
        collection, shared by the load balancers planned together; only for a new or changed VIP)."""
        try:
            owners = self.provider.reads.get(
                NIC_ADDRESS_OWNERS, lambda: _nic_address_owners(self.provider.nc.get("/networkInterfaces"))
            )
        except ProviderError:
            return None  # NC unreachable at plan time: apply reports it
        return owners.get((address, subnet_ref.lower()))

    def _subnet_prefix(self, subnet_ref: str) -> ipaddress.IPv4Network | None:
        """Through the provider's read cache: LBs planned together on one subnet share one GET."""
        subnet = self.provider.read(subnet_ref)
        prefix = prop(subnet, "addressPrefix")
        return ipaddress.IPv4Network(prefix, strict=False) if prefix else None

    # -- CRUD -----------------------------------------------------------------------------------------
    def create(self, ctx: Any, planned: dict) -> dict | None:
        diags, nc, sent = ctx.diagnostics, None, False
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
            sent = True
            first = nc.put(ref, to_nc(planned), deadline=until)
            return self._settle(diags, ref, planned, until, first, "create")
        except ProviderError as exc:
            report(diags, "Cannot create load balancer", exc, _TARGET_NAMES, _TARGET_ROOTS)
            if nc is None:
                return None
            found = self._recover(ref, planned)
            if found is None and sent and isinstance(exc, NCConnectionError):
                # The PUT may have landed before the connection broke: keep it in state (tainted), so the next
                # refresh finds out and nothing is orphaned; a refresh that finds nothing drops it again.
                return _unconfirmed(planned)
            return found
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
        except ProviderError:
            return None
        return from_nc(resource, planned) if resource is not None else None

    def read(self, ctx: Any, current: dict) -> dict | None:
        try:
            resource = self.provider.nc.get(lb_ref(current["resource_id"]))
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot read load balancer", exc)
            return current
        return from_nc(resource, current) if resource is not None else None

    def update(self, ctx: Any, current: dict, planned: dict) -> dict | None:
        diags = ctx.diagnostics
        ref = lb_ref(planned["resource_id"])
        try:
            until = deadline(self.provider, planned, "update")
            first = self._merge_and_put(ref, current, planned, until)
            return self._settle(diags, ref, planned, until, first, "update")
        except ProviderError as exc:
            report(diags, "Cannot update load balancer", exc, _TARGET_NAMES, _TARGET_ROOTS)
            return self._recover(ref, current) or None
        finally:
            self._forget_cached_reads()

    def _merge_and_put(self, ref: str, current: dict, planned: dict, until: float) -> dict:
        """GET -> merge -> PUT with If-Match on the etag just read. A 412 means someone wrote in between: re-read
        and merge again while what we manage is as Terraform last saw it (a few times). NC refusing the etag it
        just returned is not a race (the spec's 412 also reads "parent resource unavailable"): NC's error."""
        nc = self.provider.nc
        desired = to_nc(planned)
        live = nc.get(ref)
        for _ in range(MAX_PRECONDITION_RETRIES):
            if live is not None:
                if is_arc_managed(live):
                    raise ArcManaged(ref)
                if etag(live) != current.get("etag") and _managed_changed(from_nc(live, current), current):
                    raise NCError(
                        412,
                        "PreconditionFailed",
                        f"{ref} was changed outside Terraform after the last refresh; run terraform plan again to "
                        "see the difference",
                    )
            sent = etag(live)
            try:
                return nc.put(ref, merge(live, desired), etag=sent, deadline=until)
            except NCError as exc:
                if exc.status != 412:
                    raise
                live = nc.get(ref)
                if live is not None and etag(live) == sent:
                    exc.message += " (Network Controller refused If-Match with the etag it had just returned)"
                    raise
                last = exc
        raise last

    def delete(self, ctx: Any, current: dict) -> dict | None:
        """Errors keep the load balancer in state: NC still has it, so the next destroy tries again."""
        diags = ctx.diagnostics
        ref = lb_ref(current["resource_id"])
        try:
            self.provider.nc.delete(ref, deadline(self.provider, current, "delete"))
            return None
        except NCError as exc:
            if exc.status != 409:
                report(diags, "Cannot delete load balancer", exc)
                return self._after_failed_delete(ref, current)
            users = self._referencing_ip_configurations(ref)
            diags.add_error(
                "Load balancer is still in use",
                f"{exc}\nNetwork interface ip configurations still in its backend pools: "
                f"{', '.join(users) if users else 'see the message above'}. Remove those memberships "
                "(sdn_backend_pool_member) first; in one configuration Terraform orders this for you when the "
                "members reference this load balancer's backend_address_pool_refs.",
            )
            return self._after_failed_delete(ref, current)
        except ProviderError as exc:
            report(diags, "Cannot delete load balancer", exc)
            return self._after_failed_delete(ref, current)
        finally:
            self._forget_cached_reads()

    def _after_failed_delete(self, ref: str, current: dict) -> dict | None:
        """What state should hold after a delete that did not finish: NC's object as it is now (e.g. Failed),
        nothing if it went away after all, or the prior state when NC cannot be read."""
        try:
            live = self.provider.nc.get(ref)
        except ProviderError:
            return current
        return from_nc(live, current) if live is not None else None

    def _forget_cached_reads(self) -> None:
        """After any write attempt: cached reads of load balancers (the cluster IP cross-check's index) are stale."""
        self.provider.reads.forget_prefix("/loadBalancers")

    def _referencing_ip_configurations(self, ref: str) -> list[str]:
        try:
            live = self.provider.nc.get(ref)
        except ProviderError:
            return []
        return sorted(
            {
                ipc
                for pool in children(live, "backendAddressPools")
                for ipc in linked_refs(pool, "backendIPConfigurations")
            }
        )

    def import_(self, ctx: Any, id: str) -> dict | None:
        resource_id = parse_import_id(id)
        if resource_id is None:
            ctx.diagnostics.add_error(
                "Invalid import ID",
                f'"{id}" is not a load balancer resource id '
                "(e.g. MyNetwork_InternalVIP or /loadBalancers/MyNetwork_InternalVIP).",
            )
            return None
        try:
            resource = self.provider.nc.get(lb_ref(resource_id))
            if resource is not None and is_arc_managed(resource):
                raise ArcManaged(lb_ref(resource_id))
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot import load balancer", exc)
            return None
        if resource is None:
            ctx.diagnostics.add_error("Load balancer not found", f"{lb_ref(resource_id)} does not exist.")
            return None
        return from_nc(resource, {"timeouts": None})


# -- plan-time checks ---------------------------------------------------------------------------------------
def _check_field(diags: Diagnostics, f: Field, value: Any, path: list) -> None:
    """The checks a field declares: NC's enum values (any case) and integer ranges."""
    if f.choices:
        check_enum(diags, value, path, f.choices, f.what, ignore_case=True)
    if f.low is not None:
        check_range(diags, value, path, f.low, f.high, f.what)


def _check_frontend(diags: Diagnostics, fe: dict, path: list) -> None:
    check_ipv4(diags, fe.get("private_ip_address"), [*path, "private_ip_address"])
    subnet, public = fe.get("subnet_ref"), fe.get("public_ip_address_ref")
    if subnet is None and public is None:
        diags.add_error(
            "Missing subnet_ref",
            "A frontend needs subnet_ref (an internal VIP in a subnet) or public_ip_address_ref (a public IP).",
            path=[*path, "subnet_ref"],
        )
    allocation = fe.get("private_ip_allocation_method")
    static = allocation is None or is_choice(allocation, "Static")
    if public is None and static and fe.get("private_ip_address") is None:
        diags.add_error(
            "Missing private_ip_address",
            "A Static frontend needs private_ip_address (the VIP).",
            path=[*path, "private_ip_address"],
        )
    if is_known(subnet):
        try:
            parse_any(subnet, SUBNETS, "subnet")
        except MalformedRef as exc:
            diags.add_error("Invalid subnet_ref", str(exc), path=[*path, "subnet_ref"])
    if is_known(public):
        try:
            PUBLIC_IP_ADDRESS.parse(public)
        except MalformedRef as exc:
            diags.add_error("Invalid public_ip_address_ref", str(exc), path=[*path, "public_ip_address_ref"])


def _check_probe(diags: Diagnostics, probe: dict, path: list) -> None:
    protocol, request_path = probe.get("protocol") or "TCP", probe.get("request_path")
    if is_choice(protocol, "Http") and request_path is None:
        diags.add_error(
            "Missing request_path", 'An HTTP probe needs request_path (e.g. "/health").', path=[*path, "request_path"]
        )
    if is_choice(protocol, "Tcp") and is_known(request_path):
        diags.add_error(
            "request_path not allowed", "request_path is only valid for HTTP probes.", path=[*path, "request_path"]
        )
    if is_known(request_path) and not request_path.startswith("/"):
        diags.add_error("Invalid request_path", 'request_path must start with "/".', path=[*path, "request_path"])


def _check_rule(diags: Diagnostics, rule: dict, path: list, names: dict[str, set[str]]) -> None:
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
            key = (str(name).lower(), protocol.lower(), port)
            if key in seen:
                diags.add_error(
                    "Duplicate rule",
                    f'Rule "{rule.get("name")}" listens on {name} {protocol}/{port}, '
                    f'already used by rule "{seen[key]}".',
                    path=["load_balancing_rule", (i,), "frontend_port"],
                )
            seen[key] = rule.get("name")


def _is_subnet_ref(ref: str) -> bool:
    return any(shape.matches(ref) for shape in SUBNETS)


# -- mapping between Terraform state and the NC object ---------------------------------------------
def to_nc(state: dict) -> dict:
    """The NC document for what Terraform manages (`merge` adds what it does not)."""
    ref = lb_ref(state["resource_id"])
    properties: dict[str, Any] = {}
    for block, (collection, fields) in BLOCKS.items():
        children = []
        for item in state.get(block) or []:
            props = {f.nc: f.to_nc(item[f.attr]) for f in fields if f.nc and is_known(item.get(f.attr))}
            if block == "frontend_ip_configuration":
                props.setdefault("privateIPAllocationMethod", "Static" if item.get("subnet_ref") else "Dynamic")
            if block == "load_balancing_rule":
                for attr, (prop, target) in _RULE_REFS.items():
                    value = item.get(attr)
                    if value:
                        refs = [{"resourceRef": child_ref(ref, BLOCKS[target][0], n)} for n in _as_list(value)]
                        props[prop] = refs if isinstance(value, list) else refs[0]
            children.append({"resourceId": item["name"], "properties": props})
        properties[collection] = children
    body: dict[str, Any] = {"resourceId": state["resource_id"], "properties": properties}
    if state.get("tags"):
        body["tags"] = state["tags"]
    return body


def planned_probe_ports(state: dict) -> dict[str, set[int]]:
    """VIP -> probe ports of the rules listening on it, for what is known of a planned load balancer."""
    ports = {str(p.get("name")).lower(): p.get("port") for p in known_list(state.get("probe"))}
    vips = {
        str(f.get("name")).lower(): f.get("private_ip_address")
        for f in known_list(state.get("frontend_ip_configuration"))
    }
    out: dict[str, set[int]] = {}
    for rule in known_list(state.get("load_balancing_rule")):
        port = ports.get(str(rule.get("probe_name")).lower())
        for name in known_list(rule.get("frontend_ip_configuration_names")):
            vip = vips.get(str(name).lower())
            if is_known(vip) and vip:
                out.setdefault(vip, set()).update([int(port)] if is_known(port) else [])
    return out


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def merge(live: dict | None, desired: dict) -> dict:
    """`desired` (from `to_nc`) laid over NC's current document: managed children and their managed properties
    come from `desired`, children Terraform dropped are dropped, and everything else (NAT rules,
    resourceMetadata, unmodelled properties of any child) is sent back as NC returned it, minus its
    computed state fields ([MS-NCNBI] 3.1.5.5: PUT replaces the whole object)."""
    if live is None:
        return desired
    body = strip_read_only({k: v for k, v in live.items() if k not in ("resourceRef", "instanceId", "etag")})
    body["resourceId"] = desired["resourceId"]
    if desired.get("tags"):
        body["tags"] = desired["tags"]
    else:
        body.pop("tags", None)
    props = body.setdefault("properties", {})
    for block, (collection, _) in BLOCKS.items():
        existing = {str(c.get("resourceId", "")).lower(): c for c in children(body, collection)}
        managed = managed_keys(block)
        merged = []
        for child in desired["properties"][collection]:
            base = existing.get(child["resourceId"].lower(), {})
            kept = {k: v for k, v in properties(base).items() if k not in managed}
            envelope = {k: v for k, v in base.items() if k not in ("resourceRef", "instanceId", "etag", "properties")}
            merged.append(
                {**envelope, "resourceId": child["resourceId"], "properties": {**kept, **child["properties"]}}
            )
        props[collection] = merged
    return body


def _children_from_nc(block: str, items: list, prior_items: list) -> list[dict]:
    """NC children -> state items, keeping the user's spelling of names, enum values and refs."""
    _, fields = BLOCKS[block]
    prior = {str(p.get("name")).lower(): p for p in prior_items if is_known(p.get("name"))}
    out = []
    for child in items:
        props = properties(child)
        before = prior.get(str(child.get("resourceId")).lower(), {})
        item = {f.attr: spelled(before.get(f.attr), f.from_nc(props.get(f.nc))) for f in fields if f.nc}
        item["name"] = spelled(before.get("name"), child.get("resourceId"))
        if block == "load_balancing_rule":
            for attr, (prop, _) in _RULE_REFS.items():
                value = props.get(prop)
                if isinstance(value, list):
                    names = [last_segment(resource_ref(r)) for r in value]
                    was = known_list(before.get(attr))
                    item[attr] = [spelled(was[i] if i < len(was) else None, n) for i, n in enumerate(names)]
                else:
                    item[attr] = spelled(before.get(attr), last_segment(resource_ref(value)))
        out.append(item)
    return out


def from_nc(resource: dict, prior: dict) -> dict:
    """NC object -> state. Keeps the user's spelling where NC answers the same value in its own casing."""
    rid = resource.get("resourceId") or prior.get("resource_id")
    state: dict[str, Any] = {
        block: _children_from_nc(block, children(resource, collection), known_list(prior.get(block)))
        for block, (collection, _) in BLOCKS.items()
    }
    state.update(
        {
            "resource_id": spelled(prior.get("resource_id"), rid),
            "tags": resource.get("tags") or (prior.get("tags") if prior.get("tags") == {} else None),
            "resource_ref": resource_ref(resource) or lb_ref(rid),
            "instance_id": resource.get("instanceId"),
            "etag": etag(resource),
            "provisioning_state": prop(resource, "provisioningState"),
            "timeouts": prior.get("timeouts"),
        }
    )
    for block in ("frontend_ip_configuration", "backend_address_pool", "probe"):
        state[f"{block}_refs"] = child_refs(rid, state[block], block)
    return state


def _keep_prior_spelling(items: list, prior_items: list) -> None:
    """Plan the prior value where the configuration differs from it only in letter case (`TCP` against NC's
    `Tcp` after an import): NC treats them as one value, and Terraform accepts a planned value equal to the
    prior one as "functionally equivalent" to the configuration. No update is planned for spelling alone."""
    prior = {str(p.get("name")).lower(): p for p in prior_items if is_known(p.get("name"))}
    for item in items:
        before = prior.get(str(item.get("name")).lower()) if is_known(item.get("name")) else None
        for key, value in (before or {}).items():
            now = item.get(key)
            if isinstance(now, list) and isinstance(value, list) and len(now) == len(value):
                item[key] = [spelled(b, n) for b, n in zip(value, now, strict=True)]
            elif isinstance(now, str):
                item[key] = spelled(value, now)


def _unconfirmed(planned: dict) -> dict:
    """The planned state with what only NC could tell (etag, instanceId, a Dynamic VIP) left null."""
    if isinstance(planned, dict):
        return {k: _unconfirmed(v) for k, v in planned.items()}
    if isinstance(planned, list):
        return [_unconfirmed(v) for v in planned]
    return None if planned is Unknown else planned


def _managed_changed(a: dict, b: dict) -> bool:
    return any(a.get(k) != b.get(k) for k in ("tags", *BLOCKS))


def _nic_address_owners(collection: dict | None) -> dict[tuple[str, str], str]:
    """(address, lower-cased subnet ref) -> the NIC ip configuration that has it, over NC's whole NIC collection.
    What the read cache keeps for the VIP check: each concurrent plan copies this small index, not the
    collection, whose copy per load balancer made a plan quadratic in tenants."""
    owners: dict[tuple[str, str], str] = {}
    for nic in (collection or {}).get("value") or []:
        for ipc in children(nic, "ipConfigurations"):
            address, subnet = prop(ipc, "privateIPAddress"), linked_ref(ipc, "subnet")
            if isinstance(address, str) and isinstance(subnet, str):
                owner = resource_ref(ipc) or f"{nic.get('resourceId')}/{ipc.get('resourceId')}"
                owners.setdefault((address, subnet.lower()), owner)
    return owners
