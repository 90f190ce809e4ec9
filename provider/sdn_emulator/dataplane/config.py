"""What the mux is programmed with: load-balancing rules read from the NC model's rendered documents.

The parser works on what NC returns (``GET /loadBalancers``, ``GET /networkInterfaces``), so the data plane
sees exactly what a client of the REST API sees, including the read-only ``backendIPConfigurations``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..topology import Topology


@dataclass(frozen=True)
class Probe:
    ref: str
    protocol: str
    port: int
    interval: int
    count: int
    request_path: str


@dataclass(frozen=True)
class Member:
    """One pool member: a NIC ip configuration, its address label and the guest node behind it (or None)."""

    ipconfig: str
    nic: str
    address: str
    node: str | None


@dataclass(frozen=True)
class Rule:
    load_balancer: str
    rule: str
    frontend: str
    vip: str
    frontend_port: int
    backend_port: int
    protocol: str
    floating_ip: bool
    idle_timeout: int
    pool: str
    probe: Probe | None
    members: tuple[Member, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.load_balancer.lower(), self.rule.lower(), self.frontend.lower())


def _last(ref: Any) -> str:
    return str((ref or {}).get("resourceRef", "")).rstrip("/").rsplit("/", 1)[-1].lower()


def nic_nodes(topology: Topology | None, world_nodes: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(NIC id -> node name from the topology, DIP address -> node name from the guest world) for mapping."""
    by_nic = {n.network_interface.lower(): n.name for n in (topology.nodes if topology else [])}
    by_address = {n["address"]: n["name"] for n in world_nodes}
    return by_nic, by_address


def parse_rules(
    lbs: list[dict[str, Any]], nics: list[dict[str, Any]], by_nic: dict[str, str], by_address: dict[str, str]
) -> list[Rule]:
    """Every (rule, frontend) of the given load balancers with its probe and current pool members."""
    ipconfigs: dict[str, tuple[str, str]] = {}
    for nic in nics:
        for ipc in nic["properties"].get("ipConfigurations", []):
            ipconfigs[ipc["resourceRef"].lower()] = (nic["resourceId"], ipc["properties"].get("privateIPAddress", ""))
    rules = []
    for lb in lbs:
        props = lb["properties"]
        frontends = {f["resourceId"].lower(): f for f in props.get("frontendIPConfigurations", [])}
        pools = {p["resourceId"].lower(): p for p in props.get("backendAddressPools", [])}
        probes = {p["resourceId"].lower(): p for p in props.get("probes", [])}
        for r in props.get("loadBalancingRules", []):
            rp = r["properties"]
            pool = pools.get(_last(rp.get("backendAddressPool")))
            members = []
            for ref in (pool or {}).get("properties", {}).get("backendIPConfigurations", []):
                nic, address = ipconfigs.get(ref["resourceRef"].lower(), ("", ""))
                node = by_nic.get(nic.lower()) or by_address.get(address)
                members.append(Member(ref["resourceRef"], nic, address, node))
            probe = None
            pd = probes.get(_last(rp.get("probe")))
            if pd is not None:
                pp = pd["properties"]
                probe = Probe(
                    pd["resourceRef"],
                    str(pp.get("protocol", "TCP")).upper(),
                    int(pp.get("port", 0)),
                    int(pp.get("intervalInSeconds", 15)),
                    int(pp.get("numberOfProbes", 2)),
                    str(pp.get("requestPath") or "/"),
                )
            for fe_ref in rp.get("frontendIPConfigurations", []):
                fe = frontends.get(_last(fe_ref))
                if fe is None or not fe["properties"].get("privateIPAddress"):
                    continue
                rules.append(
                    Rule(
                        lb["resourceId"],
                        r["resourceId"],
                        fe["resourceId"],
                        fe["properties"]["privateIPAddress"],
                        int(rp.get("frontendPort", 0)),
                        int(rp.get("backendPort", 0)),
                        str(rp.get("protocol", "TCP")).upper(),
                        bool(rp.get("enableFloatingIP", False)),
                        int(rp.get("idleTimeoutInMinutes", 4)),
                        pool["resourceRef"] if pool else "",
                        probe,
                        tuple(members),
                    )
                )
    return rules
