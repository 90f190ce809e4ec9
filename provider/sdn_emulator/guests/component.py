"""The simulated guest nodes as one emulator component: the cluster world + a WinRM endpoint per node."""

from __future__ import annotations

from .cluster import GuestWorld
from .wsman import GuestServers, start_guest_servers


class GuestNodes:
    """Builds the nodes from the topology; WinRM is HTTPS with the emulator's CA (NTLM needs TLS here)."""

    name = "guests"

    def __init__(
        self,
        world: GuestWorld,
        nodes: list,
        host: str,
        tls: tuple[str, str],
        credentials: tuple[str, str],
        ports: dict[str, int] | None = None,
    ):
        self.world = world
        #: node -> WinRM port: the pinned ones, then every bound one (kept after stop, for the data directory).
        self.ports = dict(ports or {})
        self.host = host
        self.tls = tls
        self.credentials = credentials
        self.node_names = []
        for node in nodes:
            world.add_node(node.name, node.address, node.subnet_prefix)
            self.node_names.append(node.name)
        self.servers: GuestServers | None = None

    def start(self) -> None:
        self.servers = start_guest_servers(
            self.world, self.node_names, self.host, self.tls, self.credentials, ports=self.ports
        )
        self.ports.update({name: ep.port for name, ep in self.servers.endpoints.items()})

    def stop(self) -> None:
        if self.servers is not None:
            self.servers.stop()
            self.servers = None

    @property
    def endpoints(self) -> dict[str, str]:
        return dict(self.servers or {})

    def describe(self) -> str:
        listing = ", ".join(f"{n} {url}" for n, url in self.endpoints.items()) or "no nodes"
        return f"WinRM (guests)  {listing} (user {self.credentials[0]})"
