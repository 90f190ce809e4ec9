"""Per-collection validation of a PUT body, strict where the real API is undocumented.

Validators normalise in place (enum casing, defaults, canonical resourceRefs) and raise a 400
``InvalidParameterValue`` whose ``target`` is the JSON path inside the PUT body. The real API does not
document most ranges, so these are our documented assumptions (the conservative reading):

| field                                    | rule (assumption unless marked [C])                              |
|------------------------------------------|------------------------------------------------------------------|
| any IPv4 address / prefix                | dotted quad / CIDR [C]                                           |
| subnet addressPrefix                     | inside one of the VNet's addressPrefixes (logical subnets: CIDR) |
| privateIPAllocationMethod (frontend)     | Static or Dynamic [C]; Static needs privateIPAddress             |
| privateIPAllocationMethod (NIC ipconfig) | Static, Dynamic or Unmanaged [C]                                 |
| privateIPAddress                         | inside the referenced subnet, which must exist                   |
| Dynamic without an address               | lowest free host of the subnet, skipping .1-.3                   |
| frontend                                 | publicIPAddress, or privateIPAddress + subnet [C 3.1.5.5.3];     |
|                                          | subnet on a virtualNetwork or a logicalNetwork [C DOC-SLB]; a    |
|                                          | Dynamic frontend with a publicIPAddress answers                  |
|                                          | ``privateIPAddress: ""`` [C SdnDiagnostics loadBalancers.json]   |
| frontendPort, backendPort, probe port    | 1..65535; backendPort defaults to frontendPort [C]               |
| rule protocol                            | Tcp, Udp or All [C]; inbound NAT also Gre, Esp (spelling assumed)|
| probe protocol                           | Tcp or Http; requestPath required iff Http [C]                   |
| intervalInSeconds                        | 5..2147483647, default 15                                        |
| numberOfProbes                           | 1..2147483647, default 2                                         |
| idleTimeoutInMinutes                     | 4..30, default 4                                                 |
| loadDistribution                         | Default, SourceIP or SourceIPProtocol, default Default           |
| rule frontendIPConfigurations            | non-empty; refs (and backendAddressPool, probe) in the same LB   |
| rule backendAddressPool                  | required                                                         |
| (frontend, protocol, frontendPort)       | unique across loadBalancingRules; All overlaps Tcp and Udp       |
| child resourceIds                        | unique within one parent, case-insensitively                     |
| NIC loadBalancerBackendAddressPools      | every ref is an existing backend pool                            |
| NIC loadBalancerInboundNatRules          | every ref is an existing inbound NAT rule                        |
| NIC / frontend publicIPAddress           | an existing publicIPAddresses resource                           |
| privateMacAddress                        | 12 hex digits, dashes/colons accepted, stored upper-case [C]     |
| publicIPAllocationMethod                 | Static or Dynamic, default Dynamic; Static needs ipAddress       |
| public ipAddress (Dynamic, none given)   | lowest free host of a logical subnet with ``isPublic: true``     |
Enum values are matched case-insensitively and answered in NC's own spelling whatever the client sent
([MS-NCNBI] 3.1.5.5.5.1.2.2 rule GET example answers ``"protocol": "Tcp"``; microsoft/SdnDiagnostics
``loadBalancers.json`` answers ``"All"`` where the client sent ``"ALL"``; Microsoft's SLB/NAT guide sends
``"dynamic"`` and reads back ``"Dynamic"``). Properties nobody validates are stored and returned as sent.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, Protocol

from .errors import invalid
from .schema import Pairs, parse_ref, ref_of

INT_MAX = 2147483647


class Resolver(Protocol):
    """What validation needs from the store: existing resources outside the body being validated."""

    def lookup(self, pairs: Pairs) -> tuple[str, dict[str, Any]] | None:
        """Canonical resourceRef and stored properties of an existing resource, or None."""

    def used_addresses(self, subnet_ref: str) -> set[str]:
        """Addresses already taken in a subnet (for Dynamic allocation)."""

    def public_pools(self) -> list[tuple[str, dict[str, Any]]]:
        """(ref, properties) of every logical subnet flagged ``isPublic``."""

    def used_public_addresses(self) -> set[str]:
        """``ipAddress`` values already held by other publicIPAddresses."""


Children = dict[str, list[dict[str, Any]]]


def validate(collection: str, resource_id: str, props: dict[str, Any], children: Children, resolver: Resolver) -> None:
    _VALIDATORS[collection](_Ctx(collection, resource_id, props, children, resolver))


class _Ctx:
    def __init__(
        self, collection: str, resource_id: str, props: dict[str, Any], children: Children, resolver: Resolver
    ) -> None:
        self.collection, self.resource_id, self.props, self.children, self.resolver = (
            collection,
            resource_id,
            props,
            children,
            resolver,
        )

    def items(self, child: str) -> list[tuple[str, dict[str, Any]]]:
        """(json path of the child's properties, properties) for each child of one collection."""
        return [(f"properties.{child}[{i}].properties", c["properties"]) for i, c in enumerate(self.children[child])]

    def internal(self, value: Any, target: str, child: str) -> str:
        """Resolve a ref to a sibling child defined in this same body; return it canonical."""
        raw = _ref_string(value, target)
        try:
            pairs = parse_ref(raw)
        except ValueError:
            pairs = ()
        if (
            len(pairs) == 2
            and pairs[0][0] == self.collection
            and pairs[0][1].lower() == self.resource_id.lower()
            and pairs[1][0] == child
        ):
            for c in self.children[child]:
                if c["resourceId"].lower() == pairs[1][1].lower():
                    return ref_of(((self.collection, self.resource_id), (child, c["resourceId"])))
        owner = ref_of(((self.collection, self.resource_id),))
        raise invalid(target, f"'{raw}' does not reference a {child} entry of {owner}.")

    def external(self, value: Any, target: str, *kinds: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
        """Resolve a ref to an existing resource of one of the given collection paths; return (canonical ref,
        props)."""
        raw = _ref_string(value, target)
        try:
            pairs = parse_ref(raw)
        except ValueError:
            pairs = ()
        found = self.resolver.lookup(pairs) if tuple(c for c, _ in pairs) in kinds else None
        if found is None:
            names = " or ".join("/".join(k) for k in kinds)
            raise invalid(target, f"The referenced resource '{raw}' does not exist or is not a {names} entry.")
        return found


def _ref_string(value: Any, target: str) -> str:
    ref = value.get("resourceRef") if isinstance(value, dict) else None
    if not isinstance(ref, str) or not ref.strip():
        raise invalid(target, f"'{target}' must be an object with a 'resourceRef'.")
    return ref


def _enum(
    props: dict[str, Any],
    key: str,
    path: str,
    allowed: tuple[str, ...],
    default: str | None = None,
    required: bool = False,
) -> str | None:
    value = props.get(key)
    if value is None or value == "":
        if required:
            raise invalid(f"{path}.{key}", f"'{key}' is required; allowed values: {', '.join(allowed)}.")
        if default is not None:
            props[key] = default
        return default
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            props[key] = option
            return option
    raise invalid(f"{path}.{key}", f"'{value}' is not a valid value for '{key}'; allowed: {', '.join(allowed)}.")


def _int(
    props: dict[str, Any], key: str, path: str, low: int, high: int, default: int | None = None, required: bool = False
) -> int | None:
    value = props.get(key)
    if value is None:
        if required:
            raise invalid(f"{path}.{key}", f"'{key}' is required ({low}-{high}).")
        if default is not None:
            props[key] = default
        return default
    if not low <= value <= high:
        raise invalid(f"{path}.{key}", f"'{value}' is not a valid value for '{key}'; expected {low}-{high}.")
    return value


def _ipv4(value: Any, target: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(value)
    except (ipaddress.AddressValueError, ValueError):
        raise invalid(target, f"'{value}' is not a valid IPv4 address.") from None


def _prefix(value: Any, target: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=False)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError, TypeError):
        raise invalid(target, f"'{value}' is not a valid argument for '{target.rsplit('.', 1)[-1]}'.") from None


VNET_SUBNET = ("virtualNetworks", "subnets")
LOGICAL_SUBNET = ("logicalNetworks", "subnets")
PUBLIC_IP = ("publicIPAddresses",)


def _public_ip(ctx: _Ctx, props: dict[str, Any], path: str) -> bool:
    """Resolve an optional ``publicIPAddress`` ref (frontends and NIC ipconfigs); True if there is one."""
    if not props.get("publicIPAddress"):
        return False
    props["publicIPAddress"] = {
        "resourceRef": ctx.external(props["publicIPAddress"], f"{path}.publicIPAddress", PUBLIC_IP)[0]
    }
    return True


def _address_in_subnet(
    ctx: _Ctx, props: dict[str, Any], path: str, methods: tuple[str, ...], subnets: tuple[tuple[str, ...], ...]
) -> None:
    """Shared by frontends and NIC ipconfigs: subnet ref, allocation method, address inside the subnet."""
    method = _enum(
        props,
        "privateIPAllocationMethod",
        path,
        methods,
        default="Static" if props.get("privateIPAddress") else "Dynamic",
    )
    if "subnet" not in props:
        raise invalid(f"{path}.subnet", "'subnet' is required.")
    ref, subnet = ctx.external(props["subnet"], f"{path}.subnet", *subnets)
    props["subnet"] = {"resourceRef": ref}
    network = ipaddress.IPv4Network(subnet["addressPrefix"], strict=False)
    address = props.get("privateIPAddress")
    if address:
        if _ipv4(address, f"{path}.privateIPAddress") not in network:
            raise invalid(f"{path}.privateIPAddress", f"'{address}' is not inside subnet '{ref}' ({network}).")
    elif method == "Static":
        raise invalid(f"{path}.privateIPAddress", "'privateIPAddress' is required with Static allocation.")
    elif method == "Dynamic":
        used = ctx.resolver.used_addresses(ref)
        free = (str(h) for h in network.hosts() if int(h) - int(network.network_address) > 3 and str(h) not in used)
        props["privateIPAddress"] = next(free, "")


def _refs_list(
    ctx: _Ctx, props: dict[str, Any], key: str, path: str, resolve: Callable[[Any, str], str], required: bool = False
) -> list[str]:
    values = props.get(key)
    if values is None:
        values = []
    if not isinstance(values, list) or (required and not values):
        raise invalid(f"{path}.{key}", f"'{key}' must be a {'non-empty ' if required else ''}array of references.")
    refs = [resolve(v, f"{path}.{key}[{i}]") for i, v in enumerate(values)]
    props[key] = [{"resourceRef": r} for r in refs]
    return refs


def _logical_network(ctx: _Ctx) -> None:
    for path, props in ctx.items("subnets"):
        _prefix(props.get("addressPrefix"), f"{path}.addressPrefix")
        gateways = props.get("defaultGateways") or []
        if not isinstance(gateways, list):
            raise invalid(f"{path}.defaultGateways", "'defaultGateways' must be an array of IPv4 addresses.")
        for i, gateway in enumerate(gateways):
            _ipv4(gateway, f"{path}.defaultGateways[{i}]")


def _public_ip_address(ctx: _Ctx) -> None:
    props = ctx.props
    method = _enum(props, "publicIPAllocationMethod", "properties", ("Static", "Dynamic"), default="Dynamic")
    _int(props, "idleTimeoutInMinutes", "properties", 4, 30, default=4)
    address = props.get("ipAddress")
    if address:
        _ipv4(address, "properties.ipAddress")
        if address in ctx.resolver.used_public_addresses():
            raise invalid("properties.ipAddress", f"'{address}' is already used by another publicIPAddress.")
    elif method == "Static":
        raise invalid("properties.ipAddress", "'ipAddress' is required with Static allocation.")
    else:
        used = ctx.resolver.used_public_addresses()
        hosts = (
            str(h)
            for _, subnet in ctx.resolver.public_pools()
            for h in ipaddress.IPv4Network(subnet["addressPrefix"], strict=False).hosts()
        )
        props["ipAddress"] = next((h for h in hosts if h not in used), "")


def _virtual_network(ctx: _Ctx) -> None:
    space = ctx.props.setdefault("addressSpace", {"addressPrefixes": []})
    prefixes = space.get("addressPrefixes") if isinstance(space, dict) else None
    if not isinstance(prefixes, list) or not prefixes:
        raise invalid("properties.addressSpace.addressPrefixes", "'addressPrefixes' must be a non-empty array.")
    nets = [_prefix(p, f"properties.addressSpace.addressPrefixes[{i}]") for i, p in enumerate(prefixes)]
    for path, props in ctx.items("subnets"):
        net = _prefix(props.get("addressPrefix"), f"{path}.addressPrefix")
        if not any(net.subnet_of(n) for n in nets):
            raise invalid(f"{path}.addressPrefix", f"'{net}' is not inside the virtual network's address space.")


def _network_interface(ctx: _Ctx) -> None:
    mac = ctx.props.get("privateMacAddress")
    if mac:
        clean = str(mac).replace("-", "").replace(":", "").upper()
        if len(clean) != 12 or any(ch not in "0123456789ABCDEF" for ch in clean):
            raise invalid("properties.privateMacAddress", f"'{mac}' is not a valid MAC address.")
        ctx.props["privateMacAddress"] = clean
    for path, props in ctx.items("ipConfigurations"):
        _address_in_subnet(ctx, props, path, ("Static", "Dynamic", "Unmanaged"), (VNET_SUBNET, LOGICAL_SUBNET))
        _public_ip(ctx, props, path)
        _refs_list(
            ctx,
            props,
            "loadBalancerBackendAddressPools",
            path,
            lambda v, t: ctx.external(v, t, ("loadBalancers", "backendAddressPools"))[0],
        )
        _refs_list(
            ctx,
            props,
            "loadBalancerInboundNatRules",
            path,
            lambda v, t: ctx.external(v, t, ("loadBalancers", "inboundNatRules"))[0],
        )


def _load_balancer(ctx: _Ctx) -> None:
    def frontend(v: Any, t: str) -> str:
        return ctx.internal(v, t, "frontendIPConfigurations")

    for path, props in ctx.items("frontendIPConfigurations"):
        # [MS-NCNBI] 3.1.5.5.3: "Either a publicIPAddress or a privateIPAddress and subnet MUST be configured".
        if _public_ip(ctx, props, path):
            _enum(props, "privateIPAllocationMethod", path, ("Static", "Dynamic"), default="Dynamic")
            if props.get("subnet"):
                ref = ctx.external(props["subnet"], f"{path}.subnet", VNET_SUBNET, LOGICAL_SUBNET)[0]
                props["subnet"] = {"resourceRef": ref}
            # SdnDiagnostics loadBalancers.json: a Dynamic public-IP frontend answers "privateIPAddress": "".
            props.setdefault("privateIPAddress", "")
            if props["privateIPAddress"]:
                _ipv4(props["privateIPAddress"], f"{path}.privateIPAddress")
            continue
        _address_in_subnet(ctx, props, path, ("Static", "Dynamic"), (VNET_SUBNET, LOGICAL_SUBNET))
    for path, props in ctx.items("probes"):
        protocol = _enum(props, "protocol", path, ("Tcp", "Http"), required=True)
        _int(props, "port", path, 1, 65535, required=True)
        _int(props, "intervalInSeconds", path, 5, INT_MAX, default=15)
        _int(props, "numberOfProbes", path, 1, INT_MAX, default=2)
        if protocol == "Http" and not props.get("requestPath"):
            raise invalid(f"{path}.requestPath", "'requestPath' is required for HTTP probes.")
        if protocol == "Tcp" and props.get("requestPath"):
            raise invalid(f"{path}.requestPath", "'requestPath' is only allowed for HTTP probes.")
    seen: dict[tuple[str, str, int], str] = {}
    for i, (path, props) in enumerate(ctx.items("loadBalancingRules")):
        protocol = _enum(props, "protocol", path, ("Tcp", "Udp", "All"), required=True)
        port = _int(props, "frontendPort", path, 1, 65535, required=True)
        _int(props, "backendPort", path, 1, 65535, default=port)
        _int(props, "idleTimeoutInMinutes", path, 4, 30, default=4)
        _enum(props, "loadDistribution", path, ("Default", "SourceIP", "SourceIPProtocol"), default="Default")
        props.setdefault("enableFloatingIP", False)
        for fe in _refs_list(ctx, props, "frontendIPConfigurations", path, frontend, required=True):
            for proto in ("Tcp", "Udp") if protocol == "All" else (protocol,):
                other = seen.setdefault((fe.lower(), proto, port), ctx.children["loadBalancingRules"][i]["resourceId"])
                if other != ctx.children["loadBalancingRules"][i]["resourceId"]:
                    raise invalid(
                        f"{path}.frontendPort", f"Frontend '{fe}' already uses {proto} port {port} in rule '{other}'."
                    )
        if "backendAddressPool" not in props:
            raise invalid(f"{path}.backendAddressPool", "'backendAddressPool' is required.")
        props["backendAddressPool"] = {
            "resourceRef": ctx.internal(
                props["backendAddressPool"], f"{path}.backendAddressPool", "backendAddressPools"
            )
        }
        if props.get("probe"):
            props["probe"] = {"resourceRef": ctx.internal(props["probe"], f"{path}.probe", "probes")}
    for path, props in ctx.items("inboundNatRules"):
        # [MS-NCNBI] 78c08f00 lists UDP, TCP, GRE, ESP, ALL; NC's answer spelling of GRE/ESP is an assumption.
        protocol = _enum(props, "protocol", path, ("Tcp", "Udp", "Gre", "Esp", "All"), required=True)
        port = _int(props, "frontendPort", path, 1, 65535, required=protocol in ("Tcp", "Udp"))
        _int(props, "backendPort", path, 1, 65535, default=port)
        _int(props, "idleTimeoutInMinutes", path, 4, 30, default=4)
        _refs_list(ctx, props, "frontendIPConfigurations", path, frontend, required=True)
    for path, props in ctx.items("outboundNatRules"):
        _enum(props, "protocol", path, ("Tcp", "Udp", "All"), default="All")
        _refs_list(ctx, props, "frontendIPConfigurations", path, frontend, required=True)
        if "backendAddressPool" not in props:
            raise invalid(f"{path}.backendAddressPool", "'backendAddressPool' is required.")
        props["backendAddressPool"] = {
            "resourceRef": ctx.internal(
                props["backendAddressPool"], f"{path}.backendAddressPool", "backendAddressPools"
            )
        }


_VALIDATORS: dict[str, Callable[[_Ctx], None]] = {
    "virtualNetworks": _virtual_network,
    "logicalNetworks": _logical_network,
    "publicIPAddresses": _public_ip_address,
    "networkInterfaces": _network_interface,
    "loadBalancers": _load_balancer,
}
