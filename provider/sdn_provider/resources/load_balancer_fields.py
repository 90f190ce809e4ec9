"""One declaration per load balancer attribute: type, default, check, NC JSON name and description.

`sdn_load_balancer`'s schema, its plan-time checks, the `to_nc`/`from_nc` mapping, the GET -> merge -> PUT of
updates and the data source's object types all derive from these tables; cross-field rules stay hand-written in
the resource. Adding an NC field is one `Field(...)` line.

NC matches enum values case-insensitively and answers in its own spelling (`Tcp`, `All`, `Dynamic`: [MS-NCNBI]
3.1.5.5.5.1.2.2; microsoft/SdnDiagnostics' sanitized NC dumps), so enums are checked case-insensitively and state
keeps the user's spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tf import types
from tf.schema import Attribute

from sdn_provider.framework import Object, is_known


@dataclass(frozen=True)
class Field:
    attr: str
    nc: str | None  # NC property name; None for attributes derived in the resource (name, child refs)
    type: types.TfType
    description: str
    required: bool = False
    default: Any = None  # applied at plan time when the configuration leaves it null
    choices: tuple[str, ...] = ()  # NC's spellings; matched case-insensitively
    low: int | None = None
    high: int | None = None
    ref: bool = False  # NC holds it as {"resourceRef": value}
    computed: bool = True  # optional attributes NC fills in are computed too
    label: str = ""  # how diagnostics name it (default: the attribute name)

    @property
    def what(self) -> str:
        return self.label or self.attr

    def attribute(self) -> Attribute:
        optional = not self.required
        return Attribute(
            self.attr,
            self.type,
            description=self.description,
            required=self.required,
            optional=optional,
            computed=optional and self.computed,
        )

    def to_nc(self, value: Any) -> Any:
        if isinstance(self.type, types.Number):
            return int(value)
        if isinstance(self.type, types.Bool):
            return bool(value)
        return {"resourceRef": value} if self.ref else value

    def from_nc(self, value: Any) -> Any:
        if self.ref:
            value = value.get("resourceRef") if isinstance(value, dict) else None
        if isinstance(self.type, types.String) and value == "":
            return None  # NC answers "privateIPAddress": "" for a frontend on a public IP
        if isinstance(self.type, types.Bool):
            return bool(value)
        return value


def _name(what: str) -> Field:
    return Field("name", None, types.String(), f"resourceId of the {what}.", required=True)


FRONTEND = (
    _name("frontend IP configuration"),
    Field(
        "private_ip_address",
        "privateIPAddress",
        types.String(),
        "The VIP. Required with `Static` allocation; it must be inside `subnet_ref`'s prefix (checked at plan time: "
        '"VIP outside its subnet"). For a guest cluster: an unused address of the nodes\' subnet, equal to the '
        "cluster IP. Empty (null) on a frontend with `public_ip_address_ref`: NC answers it empty.",
    ),
    Field(
        "private_ip_allocation_method",
        "privateIPAllocationMethod",
        types.String(),
        "How the VIP is assigned: by default `Static` with `subnet_ref`, `Dynamic` with `public_ip_address_ref`. "
        "With `Dynamic` NC picks the address and `private_ip_address` is known after apply.",
        choices=("Static", "Dynamic"),
    ),
    Field(
        "subnet_ref",
        "subnet",
        types.String(),
        "resourceRef of the subnet of an internal VIP, e.g. `/virtualNetworks/MyNetwork/subnets/Subnet2` (or "
        '`data.sdn_virtual_network.x.subnet_refs["Subnet2"]`), or a logical network\'s subnet '
        "`/logicalNetworks/<ln>/subnets/<s>`. A frontend needs `subnet_ref`, `public_ip_address_ref` or both (NC's "
        "dumps show public frontends that also name a logical network's subnet).",
        ref=True,
        computed=False,
    ),
    Field(
        "public_ip_address_ref",
        "publicIPAddress",
        types.String(),
        "resourceRef of an NC public IP address, e.g. `/publicIPAddresses/PublicVIP1`, for a public frontend "
        "([MS-NCNBI] 3.1.5.5.3: a frontend has a public IP address, or a private address and a subnet).",
        ref=True,
        computed=False,
    ),
)
POOL = (_name("backend pool"),)
PROBE = (
    _name("probe"),
    Field(
        "protocol",
        "protocol",
        types.String(),
        "How backends are probed: a TCP connect or an HTTP GET of `request_path`. NC answers `Tcp`/`Http`; your "
        "spelling is kept in state.",
        default="TCP",
        choices=("Tcp", "Http"),
        label="probe protocol",
    ),
    Field(
        "port",
        "port",
        types.Number(),
        "Port probed on every backend's own address. For a guest cluster: the cluster IP resource's `ProbePort` "
        "(`sdn_cluster_ip_address.probe_port`).",
        required=True,
        low=1,
        high=65535,
        label="probe port",
    ),
    Field(
        "interval_in_seconds",
        "intervalInSeconds",
        types.Number(),
        "Seconds between probes.",
        default=15,
        low=5,
        high=2147483647,
    ),
    Field(
        "number_of_probes",
        "numberOfProbes",
        types.Number(),
        "Failed probes in a row before a backend is taken out of rotation.",
        default=2,
        low=1,
        high=100,
    ),
    Field(
        "request_path",
        "requestPath",
        types.String(),
        "Path requested by `HTTP` probes: required for HTTP, refused for TCP, must start with `/`.",
        computed=False,
    ),
)
RULE = (
    _name("rule"),
    Field(
        "frontend_ip_configuration_names",
        None,
        types.List(types.String()),
        "Names of the `frontend_ip_configuration` blocks the rule listens on (at least one; each must exist in this "
        "resource).",
        required=True,
    ),
    Field(
        "backend_address_pool_name",
        None,
        types.String(),
        "Name of the `backend_address_pool` traffic goes to.",
        required=True,
    ),
    Field(
        "probe_name",
        None,
        types.String(),
        "Name of the `probe` that decides which backends are healthy. A guest cluster needs it: without a probe "
        "every node gets traffic.",
        computed=False,
    ),
    Field(
        "protocol",
        "protocol",
        types.String(),
        "Transport protocol of the rule (NC answers `Tcp`/`Udp`/`All`; your spelling is kept in state). One rule "
        "per (frontend, protocol, frontend port).",
        default="TCP",
        choices=("Tcp", "Udp", "All"),
        label="rule protocol",
    ),
    Field("frontend_port", "frontendPort", types.Number(), "Port on the VIP.", required=True, low=1, high=65535),
    Field(
        "backend_port",
        "backendPort",
        types.Number(),
        "Port on the backend (default: `frontend_port`).",
        low=1,
        high=65535,
    ),
    Field(
        "idle_timeout_in_minutes",
        "idleTimeoutInMinutes",
        types.Number(),
        "Minutes an idle TCP flow is kept.",
        default=4,
        low=4,
        high=30,
    ),
    Field(
        "enable_floating_ip",
        "enableFloatingIP",
        types.Bool(),
        "Deliver packets with the VIP as destination (direct server return). On by default (NC's default is off): a "
        'guest cluster needs it, and `false` gives a plan-time warning ("Floating IP is off").',
        default=True,
    ),
    Field(
        "load_distribution",
        "loadDistribution",
        types.String(),
        "How flows are spread over the backends: `Default` hashes the 5-tuple, `SourceIP` the addresses, "
        "`SourceIPProtocol` the addresses and the protocol.",
        default="Default",
        choices=("Default", "SourceIP", "SourceIPProtocol"),
    ),
)

#: Terraform block -> (NC collection, fields).
BLOCKS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "frontend_ip_configuration": ("frontendIPConfigurations", FRONTEND),
    "backend_address_pool": ("backendAddressPools", POOL),
    "probe": ("probes", PROBE),
    "load_balancing_rule": ("loadBalancingRules", RULE),
}


def managed_keys(block: str) -> set[str]:
    """NC properties of one child that this provider writes; the merge keeps every other property."""
    keys = {f.nc for f in BLOCKS[block][1] if f.nc}
    if block == "load_balancing_rule":
        keys |= {"frontendIPConfigurations", "backendAddressPool", "probe"}
    return keys


def object_type(block: str) -> Object:
    """The data source's object type for one block (as google's DatasourceSchemaFromResourceSchema does)."""
    return Object({f.attr: f.type for f in BLOCKS[block][1]})


def spelled(prior: Any, value: Any) -> Any:
    """`prior` when it equals `value` but for letter case (the user's spelling of an NC enum, id or ref)."""
    if isinstance(prior, str) and isinstance(value, str) and prior.lower() == value.lower():
        return prior
    return value


def is_choice(value: Any, choice: str) -> bool:
    """Case-insensitive comparison with one of NC's enum values."""
    return is_known(value) and isinstance(value, str) and value.lower() == choice.lower()
