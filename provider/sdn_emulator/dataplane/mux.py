"""The simulated SLB data plane: a mux listener per (VIP, frontend port), health probes, guest-side listeners.

One sync thread polls the NC model (every ``sync_interval``) and the guest world (every tick) and runs
due probes; listeners accept on their own threads. Programming follows NC: a load balancer is programmed
once it is ``Succeeded``; while it is ``Updating`` or ``Failed`` the last programmed version stays; once
``Deleting`` (or gone) its listeners close. Each guest node owns loopback ports standing for its addresses:
the VIP service port exists only on the owner of the online "Cluster IP Address", the probe port only while
``GuestWorld.probe_answerers()`` lists the node; anything else resolves to a refusing port.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..guests.cluster import GuestWorld
from ..model import NetworkController
from ..topology import Topology
from .config import Member, Probe, Rule, nic_nodes, parse_rules
from .sockets import LOOPBACK, Listener, RefusingPort, pump, reset

HealthKey = tuple[str, str]  # (probe ref, ipconfig ref), lower-cased


@dataclass
class Health:
    healthy: bool = False
    consecutive_failures: int = 0
    probes_sent: int = 0
    reason: str = "not probed yet"
    next_due: float = 0.0


@dataclass
class _Node:
    """A guest node's loopback stand-ins: (address label, port label) -> listener; the rest refuses."""

    name: str
    refuse: RefusingPort = field(default_factory=RefusingPort)
    listeners: dict[tuple[str, int], Listener] = field(default_factory=dict)

    def resolve(self, address: str, port: int) -> int:
        listener = self.listeners.get((address, port))
        return listener.port if listener else self.refuse.port

    def close(self) -> None:
        for listener in self.listeners.values():
            listener.close()
        self.listeners.clear()
        self.refuse.close()


def _serve_name(name: str) -> Callable[[socket.socket], None]:
    """The clustered service on the VIP: one line with the serving node's name, then close."""

    def handler(conn: socket.socket) -> None:
        conn.sendall(f"{name}\n".encode())

    return handler


def _serve_probe(conn: socket.socket) -> None:
    """The cluster IP's probe port: a TCP accept is the answer; an HTTP GET gets 200."""
    conn.settimeout(1.0)
    try:
        data = conn.recv(4096)
    except OSError:
        return
    if data.startswith(b"GET "):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")


class DataPlane:
    """Emulator component; ``time_scale`` multiplies probe intervals (0.02 makes 5 s x 11 probes take 1.1 s)."""

    name = "dataplane"

    def __init__(
        self,
        controller: NetworkController,
        world: GuestWorld,
        topology: Topology | None = None,
        time_scale: float = 1.0,
        sync_interval: float = 0.2,
        tick: float = 0.02,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.controller = controller
        self.world = world
        self.topology = topology
        self.time_scale = time_scale
        self.sync_interval = sync_interval
        self.tick = tick
        self._lock = threading.RLock()
        self._programmed: dict[str, dict[str, Any]] = {}  # lb id (lower) -> last programmed document
        self._rules: dict[tuple[str, str, str], Rule] = {}
        self._rules_generation = 0
        self._mux: dict[tuple[str, str, str], tuple[tuple[str, int], Listener]] = {}
        self._health: dict[HealthKey, Health] = {}
        self._nodes: dict[str, _Node] = {}
        self._rr = itertools.count()
        self._connections: dict[tuple[str, str, str], list[int]] = {}  # (lb, rule, node) -> [delivered, refused]
        self.probes_sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self._stop.clear()
        self.sync()
        self._thread = threading.Thread(target=self._run, name="dataplane-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            for _, listener in self._mux.values():
                listener.close()
            self._mux.clear()
            for node in self._nodes.values():
                node.close()
            self._nodes.clear()

    def describe(self) -> str:
        with self._lock:
            vips = (
                ", ".join(
                    f"{r.vip}:{r.frontend_port} -> {LOOPBACK}:{self._mux[k][1].port}"
                    for k, r in self._rules.items()
                    if k in self._mux
                )
                or "no VIPs yet"
            )
        return f"SLB data plane  {vips} (probe time x{self.time_scale:g})"

    def _run(self) -> None:
        """Poll model and guests, but re-read them only when their revisions say something changed: a
        50-tenant store costs ~10 ms to render, and the poll runs every tick."""
        last_model = 0.0
        model_seen: tuple[int | None, int] | None = None
        guests_seen: tuple[int, int] | None = None
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            if now - last_model >= self.sync_interval:
                last_model = now
                seen = (self.controller.version(), self.world.revision)
                if seen[0] is None or seen != model_seen:
                    self._sync_model()
                    model_seen = seen
            seen_guests = (self.world.revision, self._rules_generation)
            if seen_guests != guests_seen:
                self._sync_guests()
                guests_seen = seen_guests
            self._run_probes()

    def sync(self) -> None:
        """Re-read model and guests now (tests and the control API call it to skip the poll delay)."""
        self._sync_model()
        self._sync_guests()

    # ----------------------------------------------------------------- programming from the model
    def _sync_model(self) -> None:
        lbs = self.controller.list("loadBalancers")
        nics = self.controller.list("networkInterfaces")
        by_nic, by_address = nic_nodes(self.topology, self.world.snapshot()["nodes"])
        with self._lock:
            current = {lb["resourceId"].lower(): lb for lb in lbs}
            for lb_id in list(self._programmed):
                if lb_id not in current or current[lb_id]["properties"]["provisioningState"] == "Deleting":
                    del self._programmed[lb_id]
            for lb_id, lb in current.items():
                if lb["properties"]["provisioningState"] == "Succeeded":
                    self._programmed[lb_id] = lb
            rules = {
                r.key: r
                for r in parse_rules(list(self._programmed.values()), nics, by_nic, by_address)
                if r.protocol in ("TCP", "ALL")
            }
            self._rules = rules
            self._rules_generation += 1
            for key in list(self._mux):
                endpoint, listener = self._mux[key]
                if key not in rules or (rules[key].vip, rules[key].frontend_port) != endpoint:
                    listener.close()
                    del self._mux[key]
            for key, rule in rules.items():
                if key not in self._mux:
                    listener = Listener(f"mux-{rule.vip}:{rule.frontend_port}", self._forwarder(key))
                    self._mux[key] = ((rule.vip, rule.frontend_port), listener)
            wanted = {(r.probe.ref.lower(), m.ipconfig.lower()) for r in rules.values() if r.probe for m in r.members}
            for hk in list(self._health):
                if hk not in wanted:
                    del self._health[hk]
            for hk in wanted:
                self._health.setdefault(hk, Health())

    # ----------------------------------------------------------------- guest side
    def _node(self, name: str) -> _Node:
        node = self._nodes.get(name.upper())
        if node is None:
            node = self._nodes[name.upper()] = _Node(name)
        return node

    def _sync_guests(self) -> None:
        answerers = self.world.probe_answerers()
        with self._lock:
            vips = {(r.vip, r.backend_port) for r in self._rules.values() if r.floating_ip}
            owners = {vip: self.world.cluster_ip_online(vip) for vip, _ in vips}
        wanted: dict[str, dict[tuple[str, int], str]] = {}
        for node_name, _address, port in answerers:
            dip = self.world.node(node_name).address
            wanted.setdefault(node_name.upper(), {})[(dip, port)] = "probe"
        for vip, port in vips:
            owner = owners.get(vip)
            if owner:
                wanted.setdefault(owner.upper(), {})[(vip, port)] = "service"
        with self._lock:
            for name in {*wanted, *self._nodes}:
                display = self.world.node(name).name if name in self.world.nodes else name
                node = self._node(display)
                want = wanted.get(name, {})
                for label in list(node.listeners):
                    if label not in want:
                        node.listeners.pop(label).close()
                for label, kind in want.items():
                    if label not in node.listeners:
                        handler = _serve_probe if kind == "probe" else _serve_name(node.name)
                        node.listeners[label] = Listener(f"{node.name}-{kind}-{label[1]}", handler)

    # ----------------------------------------------------------------- probes
    def _run_probes(self) -> None:
        now = time.monotonic()
        tasks: list[tuple[HealthKey, Probe, Member, str, int]] = []
        with self._lock:
            for rule in self._rules.values():
                if rule.probe is None:
                    continue
                for member in rule.members:
                    hk = (rule.probe.ref.lower(), member.ipconfig.lower())
                    health = self._health.get(hk)
                    if health is None or health.next_due > now:
                        continue
                    health.next_due = now + rule.probe.interval * self.time_scale
                    port = self._node(member.node).resolve(member.address, rule.probe.port) if member.node else 0
                    tasks.append((hk, rule.probe, member, rule.vip, port))
        for hk, probe, member, vip, port in tasks:
            ok = bool(port) and self.world.is_up(member.node or "") and self._probe(probe, member, port)
            reason = (
                f"probe {probe.protocol} port {probe.port} answered on {member.node}"
                if ok
                else self._why_down(probe, member, vip)
            )
            with self._lock:
                self.probes_sent += 1
                health = self._health.get(hk)
                if health is None:
                    continue
                health.probes_sent += 1
                health.reason = reason
                if ok:
                    health.healthy, health.consecutive_failures = True, 0
                else:
                    health.consecutive_failures += 1
                    if health.consecutive_failures >= probe.count:
                        health.healthy = False

    def _probe(self, probe: Probe, member: Member, port: int) -> bool:
        """A real loopback connection (plus an HTTP GET for HTTP probes, which must return 200)."""
        timeout = max(0.2, min(probe.interval * self.time_scale, 2.0))
        try:
            with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
                if probe.protocol != "HTTP":
                    return True
                sock.sendall(
                    f"GET {probe.request_path} HTTP/1.1\r\nHost: {member.address}:{probe.port}\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
                status = sock.recv(4096).split(b"\r\n", 1)[0].split()
                return len(status) >= 2 and status[1] == b"200"
        except OSError:
            return False

    def _why_down(self, probe: Probe, member: Member, vip: str) -> str:
        node = member.node
        if node is None:
            return f"NIC {member.nic or member.ipconfig} ({member.address}) is not attached to a simulated node"
        if not self.world.is_up(node):
            return f"probe port {probe.port} timed out: node {node} is stopped"
        refused = f"probe {probe.protocol} port {probe.port} refused"
        mine = [(a, p) for n, a, p in self.world.probe_answerers() if n.upper() == node.upper()]
        owner = self.world.cluster_ip_online(vip)
        if owner and owner.upper() == node.upper():
            ports = [p for a, p in mine if a == vip]
            if not ports:
                return f"{refused}: node {node} owns cluster IP {vip} but no ProbePort set"
            if probe.protocol == "HTTP":
                return f"{refused}: HTTP GET {probe.request_path} did not return 200 on node {node}"
            return f"{refused}: node {node}'s cluster IP {vip} has ProbePort {ports[0]}, not {probe.port}"
        where = f"owned by {owner}" if owner else "offline on every node"
        return (
            f"{refused}: node {node} does not own an online cluster IP with ProbePort {probe.port} "
            f"(cluster IP {vip} is {where})"
        )

    # ----------------------------------------------------------------- forwarding
    def _forwarder(self, key: tuple[str, str, str]) -> Callable[[socket.socket], None]:
        def handler(conn: socket.socket) -> None:
            with self._lock:
                rule = self._rules.get(key)
                healthy = [m for m in (rule.members if rule else ()) if self._is_healthy(rule, m)]
                member = healthy[next(self._rr) % len(healthy)] if healthy else None
                port = 0
                if rule and member and member.node:
                    address = rule.vip if rule.floating_ip else member.address
                    port = self._node(member.node).resolve(address, rule.backend_port)
            if rule is None:
                reset(conn)
                return
            try:
                if not port:
                    raise ConnectionRefusedError("no healthy member")
                backend = socket.create_connection((LOOPBACK, port), timeout=2)
            except OSError:
                self._count(rule, member, delivered=False)
                reset(conn)
                return
            self._count(rule, member, delivered=True)
            with backend:
                pump(conn, backend, rule.idle_timeout * 60.0)

        return handler

    def _count(self, rule: Rule, member: Member | None, delivered: bool) -> None:
        node = (member.node or member.nic) if member else "(no healthy member)"
        with self._lock:
            counter = self._connections.setdefault((rule.load_balancer, rule.rule, node), [0, 0])
            counter[0 if delivered else 1] += 1

    def _is_healthy(self, rule: Rule, member: Member) -> bool:
        if rule.probe is None:
            return True  # no probe: SLB sends to every member
        health = self._health.get((rule.probe.ref.lower(), member.ipconfig.lower()))
        return health is not None and health.healthy

    # ----------------------------------------------------------------- queries (control API, status page)
    def endpoints(self) -> list[dict[str, Any]]:
        """Every programmed (rule, frontend) with the loopback port standing for VIP:frontendPort."""
        with self._lock:
            return [
                {
                    "load_balancer": r.load_balancer,
                    "rule": r.rule,
                    "frontend": r.frontend,
                    "vip": r.vip,
                    "frontend_port": r.frontend_port,
                    "backend_port": r.backend_port,
                    "protocol": r.protocol,
                    "enable_floating_ip": r.floating_ip,
                    "host": LOOPBACK,
                    "port": self._mux[k][1].port,
                    "endpoint": f"{LOOPBACK}:{self._mux[k][1].port}",
                }
                for k, r in self._rules.items()
                if k in self._mux
            ]

    def endpoint(self, vip: str, frontend_port: int) -> tuple[str, int] | None:
        """The loopback (host, port) standing for ``vip:frontend_port``, if a rule programs it."""
        for e in self.endpoints():
            if e["vip"] == vip and e["frontend_port"] == frontend_port:
                return e["host"], e["port"]
        return None

    def health(self) -> list[dict[str, Any]]:
        """Per rule and pool member: probe health with the reason, and where a connection would be delivered."""
        out = []
        with self._lock:
            for key, r in self._rules.items():
                owner = self.world.cluster_ip_online(r.vip)
                backends = []
                for m in r.members:
                    h = self._health.get((r.probe.ref.lower(), m.ipconfig.lower())) if r.probe else None
                    backends.append(
                        {
                            "ip_configuration": m.ipconfig,
                            "node": m.node or "",
                            "address": m.address,
                            "healthy": self._is_healthy(r, m),
                            "consecutive_failures": h.consecutive_failures if h else 0,
                            "probes_sent": h.probes_sent if h else 0,
                            "reason": h.reason if h else "rule has no probe: every member receives traffic",
                            "delivery": self._delivery(r, m, owner),
                        }
                    )
                probe = r.probe
                out.append(
                    {
                        "load_balancer": r.load_balancer,
                        "rule": r.rule,
                        "vip": r.vip,
                        "frontend_port": r.frontend_port,
                        "backend_port": r.backend_port,
                        "enable_floating_ip": r.floating_ip,
                        "endpoint": f"{LOOPBACK}:{self._mux[key][1].port}" if key in self._mux else "",
                        "probe": probe.ref if probe else "",
                        "probe_protocol": probe.protocol if probe else "",
                        "probe_port": probe.port if probe else 0,
                        "interval_in_seconds": probe.interval if probe else 0,
                        "number_of_probes": probe.count if probe else 0,
                        "owner_node": owner or "",
                        "backends": backends,
                    }
                )
        return out

    @staticmethod
    def _delivery(r: Rule, m: Member, owner: str | None) -> str:
        if not m.node:
            return "no simulated node: connections are reset"
        if not r.floating_ip:
            return (
                f"DIP {m.address}:{r.backend_port} on {m.node}: refused, the clustered service listens only "
                "on the cluster IP (enableFloatingIP is false)"
            )
        if owner and owner.upper() == m.node.upper():
            return f"VIP {r.vip}:{r.backend_port} on {m.node} (floating IP): served"
        return f"VIP {r.vip}:{r.backend_port} is not online on {m.node}: refused"

    def connection_counts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"load_balancer": lb, "rule": rule, "node": node, "delivered": c[0], "refused": c[1]}
                for (lb, rule, node), c in sorted(self._connections.items())
            ]
