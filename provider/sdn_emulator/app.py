"""The emulator as one object: the NC model plus the network-facing components built on it.

``Emulator`` is a plain composition: every component has ``start()``, ``stop()``, ``describe()`` and is
appended to ``self.components`` in ``__init__``. Simulated guest nodes (WinRM), the SLB data plane and the
gRPC control service plug in the same way, next to the NC REST server, sharing ``self.controller``
and ``self.topology``.
"""

from __future__ import annotations

import ipaddress
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .api import NcRestServer, NegotiateAuth
from .control.service import ControlServer, Views, apply_fault
from .control.status import StatusServer
from .dataplane import DataPlane
from .guests.cluster import GuestWorld
from .guests.component import GuestNodes
from .model import NetworkController
from .ntlm import NTLM_USERS, tls_server_end_point
from .persistence import DataDir, DataDirError, Persister
from .tls import TlsMaterial, ensure_tls_material
from .topology import Topology, TopologyError, seed_controller


class Component(Protocol):
    """A network-facing part of the emulator; ``stop()`` must be safe if never started or called twice."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def describe(self) -> str: ...


@dataclass
class EmulatorOptions:
    host: str = "127.0.0.1"
    port: int = 0
    provisioning_delay: float = 1.0
    topology: Topology | None = None
    tls: bool = False
    tls_dir: Path | None = None
    client_cert_auth: bool = False  # NC ClientAuthentication X509
    negotiate_auth: bool = False  # NC ClientAuthentication Kerberos: HTTP Negotiate as the topology's account
    allow_remote: bool = False
    probe_time_scale: float = 1.0  # multiplies probe intervals (0.02: 5 s x 11 probes take 1.1 s)
    # The AD domain the guest nodes are joined to (None: a workgroup). Cluster writes then need a second hop
    # (Microsoft Learn, New-Cluster: "cannot be run remotely without CredSSP"), and each node's WinRM has
    # CredSSP enabled as docs/guides/windows-prerequisites.md tells admins to (Enable-WSManCredSSP -Role Server).
    domain: str | None = None
    # Where the state lives across restarts (None: in memory only); TLS material goes to DIR/tls by default.
    data_dir: Path | None = None
    # Pinned ports; 0 (or absent) = the port of the data directory's last run, else a free one.
    winrm_ports: dict[str, int] = field(default_factory=dict)
    control_port: int = 0
    status_port: int = 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _topology(given: Topology | None, saved: dict[str, Any] | None) -> Topology:
    """A data directory's topology wins; a different ``given`` one is refused rather than half applied."""
    if saved is None:
        return given or Topology.default()
    if given is not None and given.to_dict() != saved["topology"]:
        raise DataDirError(
            "the data directory was seeded from another topology; start with a new --data-dir to use this one"
        )
    return Topology.from_dict(saved["topology"])


def _node_ports(topology: Topology, ports: dict[str, int]) -> dict[str, int]:
    """Pinned WinRM ports keyed by the topology's node names (matched case-insensitively, as Windows does)."""
    names = {n.name.upper(): n.name for n in topology.nodes}
    unknown = sorted(set(n.upper() for n in ports) - set(names))
    if unknown:
        raise TopologyError(
            f"a WinRM port is pinned for unknown node(s) {', '.join(unknown)}; nodes: {', '.join(names.values())}"
        )
    return {names[n.upper()]: port for n, port in ports.items()}


class Emulator:
    """NC model + REST API, guest nodes, SLB data plane, gRPC control API and status page, one lifecycle."""

    def __init__(self, options: EmulatorOptions | None = None, **overrides: Any) -> None:
        self.options = replace(options or EmulatorOptions(), **overrides)
        opts = self.options
        if not is_loopback(opts.host) and not opts.allow_remote:
            raise ValueError(f"refusing to listen on non-loopback host {opts.host!r} without allow_remote")
        if opts.client_cert_auth and not opts.tls:
            raise ValueError("client certificate auth requires TLS")
        if opts.client_cert_auth and opts.negotiate_auth:
            raise ValueError("choose one NC authentication mode: client certificates or Negotiate")
        self.data_dir = DataDir(opts.data_dir) if opts.data_dir else None
        if self.data_dir:
            self.data_dir.lock()  # before anything binds a remembered port; released by the persister's stop()
        saved = self.data_dir.load() if self.data_dir else None
        self.topology = _topology(opts.topology, saved)
        remembered = saved["ports"] if saved else {}
        self.controller = NetworkController(opts.provisioning_delay)
        if saved:
            self.controller.restore(saved["nc"])
        else:
            seed_controller(self.topology, self.controller)
        # The CA always exists: guest WinRM is HTTPS-only; `tls` decides whether NC REST uses it too.
        tls_dir = opts.tls_dir or (self.data_dir.path / "tls" if self.data_dir else None)
        self._temporary_certs = tls_dir is None
        self._certs = ensure_tls_material(tls_dir)
        self.tls: TlsMaterial | None = self._certs if opts.tls else None
        context = self.tls.server_context(opts.client_cert_auth) if self.tls else None
        creds = self.topology.credentials
        negotiate = None
        if opts.negotiate_auth:
            NTLM_USERS.add(creds.username, creds.password)
            negotiate = NegotiateAuth(
                creds.username, tls_server_end_point(str(self.tls.server_cert)) if self.tls else None
            )
        # REST fault injection goes through the control API's handler (guest faults included).
        self.nc = NcRestServer(
            self.controller,
            opts.host,
            opts.port or remembered.get("nc", 0),
            context,
            faults=lambda kind, params: apply_fault(self.views, kind, params),
            negotiate=negotiate,
        )
        self.guest_world = GuestWorld()
        self.guests = GuestNodes(
            self.guest_world,
            self.topology.nodes,
            opts.host,
            (str(self._certs.server_cert), str(self._certs.server_key)),
            (creds.username, creds.password),
            {**remembered.get("winrm", {}), **_node_ports(self.topology, opts.winrm_ports)},
        )
        if saved:
            self.guest_world.restore(saved["guests"])
        if opts.domain:
            self.guest_world.domain = opts.domain
            for node in self.guest_world.nodes.values():
                node.credssp_server = True
        # The data plane, control API and status page stay on loopback whatever ``host`` is.
        self.dataplane = DataPlane(self.controller, self.guest_world, self.topology, opts.probe_time_scale)
        self.views = views = Views(self.controller, self.guest_world, self.dataplane, self.topology)
        self.control = ControlServer(views, port=opts.control_port or remembered.get("control", 0))
        self.status = StatusServer(views, port=opts.status_port or remembered.get("status", 0))
        self.components: list[Component] = [self.nc, self.guests, self.dataplane, self.control, self.status]
        if self.data_dir:
            persister = Persister(self.data_dir, self.controller, self.guest_world, self.topology.to_dict(), self.ports)
            self.components.insert(0, persister)  # stops last: its final save comes after every listener closed

    def ports(self) -> dict[str, Any]:
        """Every listener's port, as the data directory remembers them."""
        return {
            "nc": urlsplit(self.nc.url).port,
            "winrm": dict(self.guests.ports),
            "control": self.control.port,
            "status": urlsplit(self.status.url).port,
        }

    def start(self) -> Emulator:
        try:
            for component in self.components:
                component.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()
        if self._temporary_certs:
            shutil.rmtree(self._certs.directory, ignore_errors=True)  # a generated temp dir: nobody else uses it

    def endpoints(self) -> dict[str, Any]:
        """Where clients connect: ``nc_uri``, its ``nc_auth`` mode (none | x509 | negotiate, with
        ``nc_username``/``nc_password`` for negotiate), the TLS files (client cert None without TLS) and WinRM."""
        creds = self.topology.credentials
        negotiate = self.options.negotiate_auth
        return {
            "nc_uri": self.nc.url,
            "nc_auth": self.nc_auth,
            "nc_username": creds.username if negotiate else None,
            "nc_password": creds.password if negotiate else None,
            "ca_file": str(self._certs.ca_file),
            "client_cert": str(self.tls.client_cert) if self.tls else None,
            "client_key": str(self.tls.client_key) if self.tls else None,
            "winrm_endpoints": self.guests.endpoints,
            "winrm_username": creds.username,
            "winrm_password": creds.password,
            # What a client should use here: on a domain only CredSSP (or Kerberos delegation) can make cluster
            # writes; in a workgroup NTLM with a local account is enough.
            "winrm_auth": "credssp" if self.options.domain else "ntlm",
            "domain": self.options.domain,
            "control": self.control.address,
            "status_url": self.status.url,
        }

    @property
    def nc_auth(self) -> str:
        return "x509" if self.options.client_cert_auth else "negotiate" if self.options.negotiate_auth else "none"

    def describe(self) -> list[str]:
        """One readable line per component, for the CLI banner."""
        lines = [c.describe() for c in self.components]
        lines.append(f"provisioning    {self.options.provisioning_delay:g}s Updating/Deleting per PUT/DELETE")
        if self.tls:
            lines.append(f"TLS CA          {self.tls.ca_file}")
        lines.append(f"NC client auth  {self.nc_auth}")
        nodes = ", ".join(n.name for n in self.topology.nodes) or "none"
        lines.append(
            f"topology        {len(self.topology.virtual_networks)} virtual network(s), "
            f"{len(self.topology.network_interfaces)} NIC(s), nodes: {nodes}"
        )
        return lines

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
