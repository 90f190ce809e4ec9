"""Network Controller resource references, parsed, formatted and compared in one place.

A ref is a path under `/networking/v1`: `/{collection}/{id}[/{childCollection}/{childId}]` ([MS-NCNBI] 2.2,
3.1.5). NC accepts collection names and ids in any letter case and answers in its own canonical camelCase
(docs/guides/network-controller-compatibility.md), so refs compare without letter case. A `RefShape` names the
collections a ref runs through (the azurerm `parse.LoadBalancerID` idea): parsing checks the shape and fails with
an error that names it, formatting builds a ref from ids, and `Ref` compares case-insensitively.

Also here: small accessors for NC documents (`properties`, `resourceRef`, `etag`, `provisioningState`, child
lists), which answer an empty value when NC's document does not have the expected shape instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class MalformedRef(ValueError):
    """A string is not a ref of the expected shape; the message names the shape and gives an example."""


@dataclass(frozen=True)
class RefShape:
    """The shape of one kind of ref, written as NC spells it: `/loadBalancers/<lb>/backendAddressPools/<pool>`."""

    pattern: str
    #: What the ref is called in messages ("backend pool").
    what: str
    #: A ref of this shape, quoted in error messages.
    example: str

    @property
    def collections(self) -> tuple[str, ...]:
        return tuple(self.pattern.strip("/").split("/")[0::2])

    def format(self, *ids: str) -> str:
        if len(ids) != len(self.collections):
            raise TypeError(f"a {self.what} ref takes {len(self.collections)} id(s), got {len(ids)}")
        return "".join(f"/{c}/{i}" for c, i in zip(self.collections, ids, strict=True))

    def ref(self, *ids: str) -> Ref:
        self.format(*ids)  # checks the count
        return Ref(self, tuple(ids))

    def parse(self, text: Any, *, rooted: bool = False) -> Ref:
        """The ref in `text` (surrounding slashes tolerated, collections in any case); `rooted` also requires the
        leading slash (a ref kept in state and compared with NC's answers must be one NC writes back)."""
        if not isinstance(text, str) or (rooted and not text.startswith("/")):
            raise self.malformed(text)
        parts = text.strip("/").split("/")
        if len(parts) != 2 * len(self.collections) or not all(parts):
            raise self.malformed(text)
        if any(n.lower() != c.lower() for n, c in zip(parts[0::2], self.collections, strict=True)):
            raise self.malformed(text)
        return Ref(self, tuple(parts[1::2]))

    def matches(self, text: Any, *, rooted: bool = False) -> bool:
        try:
            self.parse(text, rooted=rooted)
        except MalformedRef:
            return False
        return True

    def malformed(self, text: Any) -> MalformedRef:
        return MalformedRef(f'"{text}" is not a {self.what} resourceRef ({self.pattern}), e.g. {self.example}')


@dataclass(frozen=True, eq=False)
class Ref:
    """A parsed ref: equal to another of the same shape when the ids match without letter case; `str()` spells
    the collections as NC does and the ids as given."""

    shape: RefShape
    ids: tuple[str, ...]

    def _key(self) -> tuple[str, ...]:
        return (self.shape.pattern, *(i.lower() for i in self.ids))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self.shape.format(*self.ids)

    @property
    def id(self) -> str:
        """The last id: the resource's own `resourceId`."""
        return self.ids[-1]


LOAD_BALANCER = RefShape("/loadBalancers/<lb>", "load balancer", "/loadBalancers/MyNetwork_InternalVIP")
BACKEND_POOL = RefShape(
    "/loadBalancers/<lb>/backendAddressPools/<pool>",
    "backend pool",
    "/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1",
)
NETWORK_INTERFACE = RefShape("/networkInterfaces/<nic>", "network interface", "/networkInterfaces/Guest1_Nic1")
IP_CONFIGURATION = RefShape(
    "/networkInterfaces/<nic>/ipConfigurations/<ipconfig>",
    "ip configuration",
    "/networkInterfaces/Guest1_Nic1/ipConfigurations/ipconfig1",
)
VIRTUAL_NETWORK = RefShape("/virtualNetworks/<vnet>", "virtual network", "/virtualNetworks/MyNetwork")
VIRTUAL_SUBNET = RefShape(
    "/virtualNetworks/<vnet>/subnets/<subnet>", "subnet", "/virtualNetworks/MyNetwork/subnets/Subnet2"
)
LOGICAL_SUBNET = RefShape(
    "/logicalNetworks/<lnet>/subnets/<subnet>", "logical subnet", "/logicalNetworks/PublicVIP/subnets/PublicVIP1"
)
PUBLIC_IP_ADDRESS = RefShape("/publicIPAddresses/<id>", "public IP address", "/publicIPAddresses/PublicVIP1")
#: A VIP lives in a virtual network's subnet or a logical network's ([MS-NCNBI] frontendIPConfigurations.subnet).
SUBNETS = (VIRTUAL_SUBNET, LOGICAL_SUBNET)


def parse_any(text: Any, shapes: tuple[RefShape, ...], what: str, *, rooted: bool = False) -> Ref:
    """The ref in `text` of the first of `shapes` it fits; the error names every shape."""
    for shape in shapes:
        if shape.matches(text, rooted=rooted):
            return shape.parse(text, rooted=rooted)
    patterns = " or ".join(s.pattern for s in shapes)
    raise MalformedRef(f'"{text}" is not a {what} resourceRef ({patterns}), e.g. {shapes[0].example}')


def child_ref(parent: str, collection: str, child_id: str) -> str:
    """`/loadBalancers/lb` + `probes` + `p` -> `/loadBalancers/lb/probes/p`."""
    return f"{parent.rstrip('/')}/{collection}/{child_id}"


def top_level(text: str) -> str:
    """`/loadBalancers/lb` of `/loadBalancers/lb/probes/p` (of any ref path): the resource NC locks for a child."""
    parts = [p for p in text.split("/") if p]
    return "/" + "/".join(parts[:2])


def same_ref(a: Any, b: Any) -> bool:
    """NC refs and ids compare case-insensitively (users write `/VirtualNetworks/...`, NC answers camelCase)."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def last_segment(ref: str | None) -> str | None:
    """The resource's own id at the end of a ref path."""
    return ref.rstrip("/").rsplit("/", 1)[-1] if ref else None


# -- NC documents ------------------------------------------------------------------------------------------
def properties(doc: Any) -> dict:
    """`doc["properties"]`, or {} when NC's document has none (or is not an object)."""
    props = doc.get("properties") if isinstance(doc, dict) else None
    return props if isinstance(props, dict) else {}


def prop(doc: Any, name: str) -> Any:
    """One property of an NC document, None when absent."""
    return properties(doc).get(name)


def children(doc: Any, collection: str) -> list[dict]:
    """A child list under `properties` (`ipConfigurations`, `backendAddressPools`, ...), [] when absent."""
    items = properties(doc).get(collection)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def resource_ref(link: Any) -> str | None:
    """`resourceRef` of a document or of a `{"resourceRef": ...}` link."""
    value = link.get("resourceRef") if isinstance(link, dict) else None
    return value if isinstance(value, str) else None


def linked_ref(doc: Any, name: str) -> str | None:
    """The ref a property links to: `properties.subnet.resourceRef`."""
    return resource_ref(prop(doc, name))


def linked_refs(doc: Any, name: str) -> list[str]:
    """The refs of a list of links: `properties.backendIPConfigurations[*].resourceRef`."""
    return [r for r in (resource_ref(link) for link in children(doc, name)) if r is not None]


def etag(doc: Any) -> str | None:
    value = doc.get("etag") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def provisioning_state(doc: Any) -> str:
    """provisioningState, or "unknown" when NC's document does not have the expected shape."""
    state = prop(doc, "provisioningState")
    return state if isinstance(state, str) else "unknown"
