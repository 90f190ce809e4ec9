"""Names, casing and lenient input parsing shared by the model.

NC treats path segments, collection names, property keys and resourceRefs case-insensitively and
accepts numbers/booleans sent as JSON strings (the Microsoft PowerShell wrappers do both); responses
always use canonical camelCase and real ints/bools. This module is the single place that knows that.
"""

from __future__ import annotations

from typing import Any

from .errors import NcError, invalid

# Top-level collections and their embedded child collections (canonical casing).
# logicalNetworks and publicIPAddresses: [MS-NCNBI] 3.1.5.x resource pages; shapes from microsoft/SdnDiagnostics
# tests/offline/data/SdnApiResources/{logicalNetworks,publicIPAddresses}.json (sanitized real NC dumps). Logical
# subnets' ipPools (a third level) are not addressable here: they round-trip as an opaque subnet property.
CHILDREN: dict[str, tuple[str, ...]] = {
    "virtualNetworks": ("subnets",),
    "logicalNetworks": ("subnets",),
    "publicIPAddresses": (),
    "networkInterfaces": ("ipConfigurations",),
    "loadBalancers": (
        "frontendIPConfigurations",
        "backendAddressPools",
        "loadBalancingRules",
        "probes",
        "inboundNatRules",
        "outboundNatRules",
    ),
}
_COLLECTIONS = {name.lower(): name for name in [*CHILDREN, *(c for cs in CHILDREN.values() for c in cs)]}

# Read-only back-references, recomputed on every read: target child collection -> {source collection: property}.
BACKREFS: dict[str, dict[str, str]] = {
    "backendAddressPools": {
        "ipConfigurations": "backendIPConfigurations",
        "loadBalancingRules": "loadBalancingRules",
        "outboundNatRules": "outboundNatRules",
    },
    "probes": {"loadBalancingRules": "loadBalancingRules"},
    "frontendIPConfigurations": {
        "loadBalancingRules": "loadBalancingRules",
        "inboundNatRules": "inboundNatRules",
        "outboundNatRules": "outboundNatRules",
    },
    "subnets": {"ipConfigurations": "ipConfigurations"},
}
# Single-valued read-only back-references, present only while something points here: a public IP's
# ``ipConfiguration`` names the load balancer frontend using it. SdnDiagnostics publicIPAddresses.json shows it
# for a frontend's public IP but not for the one a NIC ipConfiguration references (pip-tenant-0001), so a NIC
# reference does not set it here either.
SINGLE_BACKREFS: dict[str, dict[str, str]] = {
    "publicIPAddresses": {"frontendIPConfigurations": "ipConfiguration"},
}
ENVELOPE_READ_ONLY = ("resourceRef", "instanceId", "etag")
PROPERTY_READ_ONLY = ("provisioningState", "configurationState")
# Read-only NIC fields that a client re-PUTting a GET result sends back: keep the stored value.
PRESERVED_READ_ONLY = {"networkInterfaces": ("server", "previousPrivateMacAddress")}

INT_FIELDS = frozenset(
    {"frontendPort", "backendPort", "port", "intervalInSeconds", "numberOfProbes", "idleTimeoutInMinutes", "vlanID"}
)
BOOL_FIELDS = frozenset(
    {
        "enableFloatingIP",
        "enableOutboundNat",
        "isPrimary",
        "isHostVirtualNetworkInterface",
        "isPublic",
        "networkVirtualizationEnabled",
    }
)
_KNOWN_KEYS = [
    "resourceId",
    "resourceRef",
    "instanceId",
    "etag",
    "tags",
    "resourceMetadata",
    "properties",
    "provisioningState",
    "configurationState",
    "addressSpace",
    "addressPrefixes",
    "addressPrefix",
    "logicalNetwork",
    "dhcpOptions",
    "privateIPAddress",
    "privateIPAllocationMethod",
    "subnet",
    "publicIPAddress",
    "protocol",
    "probe",
    "backendAddressPool",
    "backendIPConfigurations",
    "requestPath",
    "ipConfigurations",
    "privateMacAddress",
    "privateMacAllocationMethod",
    "dnsSettings",
    "dnsServers",
    "portSettings",
    "macSpoofingEnabled",
    "arpGuardEnabled",
    "dhcpGuardEnabled",
    "stormLimit",
    "portFlowLimit",
    "iovWeight",
    "iovInterruptModeration",
    "iovQueuePairsRequested",
    "vmqWeight",
    "qosSettings",
    "serviceInsertionElements",
    "server",
    "previousPrivateMacAddress",
    "loadBalancerBackendAddressPools",
    "loadBalancerInboundNatRules",
    "accessControlList",
    "defaultGateways",
    "ipPools",
    "startIPAddress",
    "endIPAddress",
    "ipAddress",
    "publicIPAllocationMethod",
    "publicIPAddressVersion",
    "ipConfiguration",
    "loadDistribution",
    *INT_FIELDS,
    *BOOL_FIELDS,
    *_COLLECTIONS.values(),
    *(p for m in BACKREFS.values() for p in m.values()),
]
_KEYS = {k.lower(): k for k in _KNOWN_KEYS}
_FREE_FORM = frozenset({"tags", "resourceMetadata"})

Key = tuple[tuple[str, str], ...]  # ((collection, lower-cased id), ...)
Pairs = tuple[tuple[str, str], ...]  # ((collection, id as given), ...)


def canonical_collection(segment: str) -> str | None:
    return _COLLECTIONS.get(segment.lower())


def split_path(path: str) -> list[str]:
    return [s for s in path.split("?")[0].strip().split("/") if s]


def parse_ref(ref: str) -> Pairs:
    """Parse ``/Coll/id[/child/id]`` into canonical pairs; ValueError if it is not an emulated resource."""
    parts = split_path(ref)
    if not parts or len(parts) % 2 or len(parts) > 4:
        raise ValueError(ref)
    top = canonical_collection(parts[0])
    if top not in CHILDREN:
        raise ValueError(ref)
    pairs = [(top, parts[1])]
    if len(parts) == 4:
        child = canonical_collection(parts[2])
        if child not in CHILDREN[top]:
            raise ValueError(ref)
        pairs.append((child, parts[3]))
    return tuple(pairs)


def key_of(pairs: Pairs) -> Key:
    return tuple((c, i.lower()) for c, i in pairs)


def ref_of(pairs: Pairs) -> str:
    return "".join(f"/{c}/{i}" for c, i in pairs)


def normalize(value: Any, path: str = "") -> Any:
    """Canonicalise keys and coerce string numbers/booleans, recursively (tags and metadata left as given)."""
    if isinstance(value, list):
        return [normalize(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for raw_key, item in value.items():
        key = _KEYS.get(str(raw_key).lower(), str(raw_key))
        target = f"{path}.{key}" if path else key
        if key in _FREE_FORM:
            out[key] = item
        elif key in INT_FIELDS:
            out[key] = _to_int(item, target)
        elif key in BOOL_FIELDS:
            out[key] = _to_bool(item, target)
        else:
            out[key] = normalize(item, target)
    return out


def _to_int(value: Any, target: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise invalid(target, f"'{value}' is not a valid integer for '{target.rsplit('.', 1)[-1]}'.")


def _to_bool(value: Any, target: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid(target, f"'{value}' is not a valid boolean for '{target.rsplit('.', 1)[-1]}'.")


def require_object(value: Any, target: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(target, f"'{target}' must be a JSON object.")
    return value


def bad_body(message: str) -> NcError:
    return NcError(400, "InvalidRequestBody", message)
