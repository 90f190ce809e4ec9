"""Simulated Windows failover clusters on the emulator's guest VMs (no network code).

The model keeps what the guest-cluster topology depends on: which node owns the core group, whether the
"Cluster IP Address" resource is Online, and the Address/ProbePort it went online with. Parameter changes
are stored at once but, as on Windows, only take effect the next time the resource comes online, so a
script that forgets the offline/online cycle misbehaves here too. Error texts follow Windows' as closely
as known; where Windows' exact text is uncertain the message still names the offending value.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
ONLINE, OFFLINE, FAILED, PENDING = "Online", "Offline", "Failed", "Pending"
CORE_GROUP = "Cluster Group"
IP_RESOURCE = "Cluster IP Address"
NAME_RESOURCE = "Cluster Name"
# Core resource names by the locale of the node that created the cluster. Windows localizes these display names
# while ResourceType names stay English (FailoverClusterDsc issue 196: a French node shows its quorum witness as
# "Témoin de partage de fichiers", ResourceType.Name "File Share Witness"). The French strings are an assumption.
CORE_NAMES = {
    "en-US": (CORE_GROUP, IP_RESOURCE, NAME_RESOURCE),
    "fr-FR": ("Groupe de cluster", "Adresse IP du cluster", "Nom du cluster"),
}
# clusapi GetNodeClusterState values (Microsoft Learn): what the scripts ask when Get-Cluster fails.
NOT_CONFIGURED, NOT_RUNNING, RUNNING = 1, 3, 19
_NETBIOS_BAD = re.compile(r"[\\/:*?\"<>|,~!@#$%^&'.(){}_ ;]")


class ClusterCmdletError(Exception):
    """A cmdlet failure, shaped like PowerShell's ErrorRecord."""

    def __init__(self, cmdlet: str, message: str, category: str = "NotSpecified", error_id: str = ""):
        super().__init__(message)
        self.cmdlet = cmdlet
        self.message = message
        self.category = category
        self.fully_qualified_error_id = error_id or f"{category},Microsoft.FailoverClusters.PowerShell.{cmdlet}"

    def record(self) -> dict[str, str]:
        """The JSON error record our scripts write."""
        return {
            "message": self.message,
            "category": self.category,
            "cmdlet": self.cmdlet,
            "fullyQualifiedErrorId": self.fully_qualified_error_id,
        }


class CommandHangs(ClusterCmdletError):
    """An injected fault: the command never returns on its own (only Signal Terminate ends it)."""


@dataclass
class GuestNode:
    name: str
    address: str
    subnet: ipaddress.IPv4Network
    state: str = "Up"
    failover_clustering: bool = True
    commands: int = 0
    locale: str = "en-US"
    # The node's network has a DHCP server (New-Cluster needs a static address or IgnoreNetwork otherwise).
    dhcp: bool = True
    cluster_service: str = "Running"
    # RSAT-Clustering-PowerShell: without it Import-Module FailoverClusters fails before any script's try.
    clustering_tools: bool = True
    # WinRM's Service/Auth/CredSSP (Enable-WSManCredSSP -Role Server); false by default on Windows.
    credssp_server: bool = False


@dataclass
class Resource:
    name: str
    resource_type: str
    group: str
    parameters: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    state: str = OFFLINE
    # Parameters as of the last time the resource came online (what the node actually uses).
    effective: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cluster:
    name: str
    nodes: list[str]
    groups: dict[str, str]  # group name -> owner node
    resources: dict[str, Resource]
    networks: dict[str, ipaddress.IPv4Network]
    core_group: str = CORE_GROUP


def _mutates(method: Callable[..., T]) -> Callable[..., T]:
    """Count the change in ``revision`` (even a failed cmdlet may have changed something before failing)."""

    @functools.wraps(method)
    def counted(self: GuestWorld, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        finally:
            with self._lock:
                self.revision += 1

    return counted


class GuestWorld:
    """All guest nodes and their clusters; every public method is atomic under one lock.

    ``revision`` changes with every change to nodes or clusters, so observers (the data plane) can skip
    re-reading a world that did not change.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.nodes: dict[str, GuestNode] = {}
        self.clusters: dict[str, Cluster] = {}
        self.history: list[tuple[str, str, dict[str, Any]]] = []
        self._listeners: list[Callable[[str, str], None]] = []
        self._command_faults: list[tuple[str, str, ClusterCmdletError]] = []
        self.revision = 0
        # The AD domain the nodes are joined to, or None for a workgroup. On a domain, New-Cluster, Add-ClusterNode,
        # Remove-ClusterNode and Remove-Cluster reach AD and the other nodes from the node they run on: a second hop
        # that needs delegated credentials (Microsoft Learn on each cmdlet; Failover Clustering blog, "PowerShell
        # Remoting and the Double-Hop Problem", 2009). A workgroup cluster of local accounts is not checked.
        self.domain: str | None = None

    # ----- nodes -------------------------------------------------------------------------------
    @_mutates
    def add_node(self, name: str, address: str, subnet: str, failover_clustering: bool = True) -> GuestNode:
        """Register a guest VM (e.g. DB1, 192.168.2.11, 192.168.2.0/24)."""
        with self._lock:
            node = GuestNode(name, address, ipaddress.IPv4Network(subnet), failover_clustering=failover_clustering)
            self.nodes[name.upper()] = node
            return node

    def node(self, name: str) -> GuestNode:
        with self._lock:
            return self.nodes[name.upper()]

    def add_listener(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(node, "Up"|"Down")`` on node state changes (the WinRM servers follow them)."""
        self._listeners.append(callback)

    def is_up(self, name: str) -> bool:
        with self._lock:
            node = self.nodes.get(name.upper())
            return node is not None and node.state == "Up"

    def count_command(self, name: str) -> None:
        with self._lock:
            self.nodes[name.upper()].commands += 1

    def command_counts(self) -> dict[str, int]:
        """WinRM commands run per node, for benchmarks (one Terraform operation should cost one)."""
        with self._lock:
            return {n.name: n.commands for n in self.nodes.values()}

    @_mutates
    def stop_node(self, name: str) -> None:
        """Power the node off: its groups fail over to another Up member, or go offline."""
        with self._lock:
            node = self.node(name)
            node.state = "Down"
            cluster = self._cluster_of(node.name)
            if cluster:
                for group, owner in list(cluster.groups.items()):
                    if owner == node.name:
                        self._failover(cluster, group)
        for cb in list(self._listeners):
            cb(node.name, "Down")

    @_mutates
    def start_node(self, name: str) -> None:
        """Power the node on (no automatic failback, as with Windows' default)."""
        with self._lock:
            node = self.node(name)
            node.state = "Up"
            cluster = self._cluster_of(node.name)
            if cluster:
                for group, owner in cluster.groups.items():
                    if not self.is_up(owner):
                        cluster.groups[group] = node.name
                        self._bring_group_online(cluster, group, only_failed=True)
        for cb in list(self._listeners):
            cb(node.name, "Up")

    # ----- injected cmdlet failures ----------------------------------------------------------------
    def fail_next_command(self, node: str, script: str, message: str = "", cmdlet: str = "") -> None:
        """Make the next run of ``script`` (a shipped script name, or ``*``) on ``node`` (or ``*``) fail
        before it changes anything, with a Windows-style error record (e.g. an RPC failure in a cmdlet)."""
        with self._lock:
            name = "*" if node == "*" else self.node(node).name.upper()
            error = ClusterCmdletError(
                cmdlet or "GetClusterCommand",
                message or "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)",
                "ConnectionError",
                "ClusterRpcConnection,Microsoft.FailoverClusters.PowerShell.GetClusterCommand",
            )
            self._command_faults.append((name, script.lower(), error))

    def hang_next_command(self, node: str, script: str) -> None:
        """Make the next run of ``script`` on ``node`` block until the client terminates it, as a New-Cluster
        waiting on an unreachable domain controller or DNS server does (issue: pypsrp would poll forever)."""
        with self._lock:
            name = "*" if node == "*" else self.node(node).name.upper()
            self._command_faults.append((name, script.lower(), CommandHangs("", "the command hangs")))

    def take_command_fault(self, node: str, script: str) -> ClusterCmdletError | None:
        """Consume the injected fault for this run, if one is pending (a CommandHangs: the command blocks)."""
        with self._lock:
            for fault in self._command_faults:
                if fault[0] in ("*", node.upper()) and fault[1] in ("*", script.lower()):
                    self._command_faults.remove(fault)
                    return fault[2]
            return None

    def clear_command_faults(self) -> None:
        with self._lock:
            self._command_faults.clear()

    # ----- queries for the data plane and the control API ---------------------------------------
    @_mutates
    def move_group(self, node: str, group: str | None = None, cluster: str | None = None) -> None:
        """Move-ClusterGroup: the group's online resources go offline and come online on ``node``."""
        with self._lock:
            target = self.node(node)
            c = self.clusters[cluster.upper()] if cluster else self._cluster_of(target.name)
            if c is None or target.name not in c.nodes:
                raise ClusterCmdletError(
                    "MoveClusterGroupCommand", f"The node '{node}' is not part of a cluster.", "ObjectNotFound"
                )
            group = group or c.core_group
            if group not in c.groups:
                raise ClusterCmdletError(
                    "MoveClusterGroupCommand", f"An error occurred opening group '{group}'.", "ObjectNotFound"
                )
            if target.state != "Up":
                raise ClusterCmdletError(
                    "MoveClusterGroupCommand",
                    f"An error occurred moving the clustered role '{group}'.\n"
                    "    The cluster node is not available for this operation.",
                    "InvalidOperation",
                )
            was_online = [r for r in self._group_resources(c, group) if r.state == ONLINE]
            for r in was_online:
                r.state = OFFLINE
            c.groups[group] = target.name
            for r in was_online:
                self._online(c, r)

    def probe_answerers(self) -> list[tuple[str, str, int]]:
        """(node, address, probe port) for every Online IP Address resource with a ProbePort."""
        with self._lock:
            out = []
            for c in self.clusters.values():
                for r in c.resources.values():
                    port = int(r.effective.get("ProbePort", 0) or 0)
                    if r.resource_type == "IP Address" and r.state == ONLINE and port > 0:
                        out.append((c.groups[r.group], str(r.effective["Address"]), port))
            return sorted(out)

    def cluster_ip_online(self, address: str) -> str | None:
        """The node currently serving ``address`` as a cluster IP, or None."""
        with self._lock:
            for c in self.clusters.values():
                for r in c.resources.values():
                    if r.resource_type == "IP Address" and r.state == ONLINE and r.effective.get("Address") == address:
                        return c.groups[r.group]
            return None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of the whole world for the control API."""
        with self._lock:
            return {
                "nodes": [
                    {
                        "name": n.name,
                        "address": n.address,
                        "subnet": str(n.subnet),
                        "state": n.state,
                        "failover_clustering": n.failover_clustering,
                        "commands": n.commands,
                    }
                    for n in self.nodes.values()
                ],
                "clusters": [
                    {
                        "name": c.name,
                        "nodes": list(c.nodes),
                        "groups": dict(c.groups),
                        "networks": {k: str(v) for k, v in c.networks.items()},
                        "resources": [self._describe(c, r) for r in c.resources.values()],
                    }
                    for c in self.clusters.values()
                ],
            }

    def dump(self) -> dict[str, Any]:
        """Everything a restart must bring back (nodes, clusters, domain), JSON-able; ``restore`` reads it.
        Injected command faults and the cmdlet history are a test's, not the guests', and are left out."""
        with self._lock:
            return {
                "domain": self.domain,
                "nodes": [{**asdict(n), "subnet": str(n.subnet)} for n in self.nodes.values()],
                "clusters": [
                    {
                        **asdict(c),
                        "resources": [asdict(r) for r in c.resources.values()],
                        "networks": {k: str(v) for k, v in c.networks.items()},
                    }
                    for c in self.clusters.values()
                ],
            }

    @_mutates
    def restore(self, doc: dict[str, Any]) -> None:
        """Replace every node and cluster with a ``dump()`` (an emulator restarting on its data directory)."""
        with self._lock:
            self.domain = doc.get("domain")
            self.nodes = {
                n["name"].upper(): GuestNode(**{**n, "subnet": ipaddress.IPv4Network(n["subnet"])})
                for n in doc["nodes"]
            }
            self.clusters = {}
            for c in doc["clusters"]:
                resources = {r["name"]: Resource(**r) for r in c["resources"]}
                networks = {k: ipaddress.IPv4Network(v) for k, v in c["networks"].items()}
                cluster = Cluster(**{**c, "resources": resources, "networks": networks})
                self.clusters[cluster.name.upper()] = cluster

    # ----- cmdlets (called by the script executor, on behalf of ``on_node``) --------------------
    def node_cluster_state(self, on_node: str) -> int:
        """GetNodeClusterState for ``on_node``: not configured, not running (ClusSvc stopped) or running."""
        with self._lock:
            node = self.node(on_node)
            if self._cluster_of(node.name) is None:
                return NOT_CONFIGURED
            return RUNNING if node.cluster_service == "Running" else NOT_RUNNING

    def local_cluster(self, on_node: str) -> str:
        """Get-Cluster with no -Cluster: the cluster of ``on_node`` through its own cluster service."""
        with self._lock:
            node = self.node(on_node)
            c = self._cluster_of(node.name)
            if c is None or node.cluster_service != "Running":
                # Windows' text when the local cluster service cannot be reached (stopped, or not a member).
                raise ClusterCmdletError(
                    "GetClusterCommand",
                    "The cluster service is not running.  Make sure that the service is running on all nodes "
                    "in the cluster.\n    There are no more endpoints available from the endpoint mapper",
                    "ConnectionError",
                    "ClusterEndpointNotRegistered,Microsoft.FailoverClusters.PowerShell.GetClusterCommand",
                )
            return c.name

    def cluster_nodes(self, on_node: str) -> list[dict[str, str]]:
        """Get-ClusterNode: every member of the local cluster and its state."""
        with self._lock:
            c = self._local("GetClusterNodeCommand", on_node)
            return [{"name": n, "state": self.nodes[n.upper()].state} for n in c.nodes]

    def cluster_groups(self, on_node: str) -> list[dict[str, str]]:
        """Get-ClusterGroup: each group, its owner and GroupType ("Cluster" for the core group, Learn's
        GroupType enumeration; the model has no other roles, "Unknown" for any other is an assumption)."""
        with self._lock:
            c = self._local("GetClusterGroupCommand", on_node)
            return [
                {"name": g, "owner_node": owner, "group_type": "Cluster" if g == c.core_group else "Unknown"}
                for g, owner in c.groups.items()
            ]

    def cluster_resources(self, on_node: str) -> list[dict[str, Any]]:
        """Get-ClusterResource with no name: every resource of the local cluster."""
        with self._lock:
            c = self._local("GetResourceCommand", on_node)
            return [self._describe(c, r) for r in c.resources.values()]

    @_mutates
    def rename_resource(self, on_node: str, name: str, new_name: str) -> None:
        """``(Get-ClusterResource X).Name = "Y"``: Windows lets an administrator rename any resource."""
        with self._lock:
            c, r = self._resource("GetResourceCommand", on_node, name)
            del c.resources[r.name]
            for other in c.resources.values():
                other.dependencies = [new_name if d == r.name else d for d in other.dependencies]
            r.name = new_name
            c.resources[new_name] = r

    @_mutates
    def set_node(self, name: str, **values: Any) -> None:
        """Change a node's locale, DHCP, cluster service or clustering tools (fault kinds of the control API)."""
        with self._lock:
            node = self.node(name)
            for key, value in values.items():
                if not hasattr(node, key) or key in ("name", "state", "commands"):
                    raise KeyError(key)
                setattr(node, key, value)

    @_mutates
    def new_cluster(
        self, on_node: str, name: str, node: str, static_address: str | None, ignore_networks: list[str] | None = None
    ) -> None:
        cmdlet = "NewClusterCommand"
        ignored = list(ignore_networks or [])
        with self._lock:
            self.history.append(
                (
                    on_node,
                    "New-Cluster",
                    {"Name": name, "Node": node, "StaticAddress": static_address, "IgnoreNetwork": ignored},
                )
            )
            if not name or len(name) > 15 or _NETBIOS_BAD.search(name) or name.isdigit():
                raise ClusterCmdletError(
                    cmdlet,
                    f"The computer name '{name}' is not valid. A cluster name must be "
                    "1-15 characters and may not contain spaces or \\/:*?\"<>|,~!@#$%^&'.(){}_;",
                    "InvalidArgument",
                )
            member = self._existing_node(cmdlet, node)
            if not member.failover_clustering:
                raise ClusterCmdletError(
                    cmdlet,
                    f"The Failover Clustering feature is not installed on node '{member.name}'.",
                    "InvalidOperation",
                )
            if self._cluster_of(member.name):
                raise ClusterCmdletError(
                    cmdlet, f"The node '{member.name}' is already part of a cluster.", "InvalidOperation"
                )
            if name.upper() in self.clusters:
                raise ClusterCmdletError(cmdlet, f"The cluster name '{name}' is already in use.", "ResourceExists")
            subnet = member.subnet
            if static_address:
                try:
                    address = ipaddress.IPv4Address(static_address)
                except ValueError:
                    raise ClusterCmdletError(
                        cmdlet,
                        f"Cannot bind parameter 'StaticAddress'. The static address "
                        f"'{static_address}' is not a valid IPv4 address.",
                        "InvalidArgument",
                    ) from None
                if address not in subnet:
                    raise ClusterCmdletError(
                        cmdlet,
                        f"Static address '{static_address}' was not found on any cluster "
                        "network or is not a valid address.",
                        "InvalidArgument",
                    )
            else:
                self._check_networks_without_static(cmdlet, member, ignored)
                address = self._dhcp_address(subnet)
            network = "Cluster Network 1"
            ip_params = {
                "Address": str(address),
                "SubnetMask": str(subnet.netmask),
                "Network": network,
                "EnableDhcp": 0 if static_address else 1,
                "OverrideAddressMatch": 0,
                "EnableNetBIOS": 1,
                "ProbePort": 0,
                "ProbeFailureThreshold": 0,
                "LeaseObtainedTime": "" if static_address else "/Date(0)/",
                "LeaseExpiresTime": "" if static_address else "/Date(0)/",
                "DhcpServer": "" if static_address else str(next(subnet.hosts())),
                "DhcpAddress": "" if static_address else str(address),
                "DhcpSubnetMask": "" if static_address else str(subnet.netmask),
            }
            group, ip_name, name_name = CORE_NAMES.get(member.locale, CORE_NAMES["en-US"])
            ip = Resource(ip_name, "IP Address", group, ip_params)
            nm = Resource(
                name_name,
                "Network Name",
                group,
                {"Name": name.upper(), "DnsName": name, "RegisterAllProvidersIP": 0, "HostRecordTTL": 1200},
                dependencies=[ip_name],
            )
            c = Cluster(name, [member.name], {group: member.name}, {ip.name: ip, nm.name: nm}, {network: subnet}, group)
            self.clusters[name.upper()] = c
            self._online(c, nm)

    @_mutates
    def add_cluster_node(self, on_node: str, cluster: str, node: str) -> None:
        cmdlet = "AddClusterNodeCommand"
        with self._lock:
            self.history.append((on_node, "Add-ClusterNode", {"Cluster": cluster, "Name": node}))
            c = self._named_cluster(cmdlet, cluster)
            member = self._existing_node(cmdlet, node)
            if member.state != "Up":
                raise ClusterCmdletError(cmdlet, f"The node '{member.name}' is not reachable.", "ConnectionError")
            if not member.failover_clustering:
                raise ClusterCmdletError(
                    cmdlet,
                    f"The Failover Clustering feature is not installed on node '{member.name}'.",
                    "InvalidOperation",
                )
            other = self._cluster_of(member.name)
            if other is c:
                return
            if other:
                raise ClusterCmdletError(
                    cmdlet, f"The node '{member.name}' is already part of cluster '{other.name}'.", "InvalidOperation"
                )
            c.nodes.append(member.name)
            if not any(member.subnet == s for s in c.networks.values()):
                c.networks[f"Cluster Network {len(c.networks) + 1}"] = member.subnet

    @_mutates
    def remove_cluster_node(self, on_node: str, cluster: str, node: str) -> None:
        cmdlet = "RemoveClusterNodeCommand"
        with self._lock:
            self.history.append((on_node, "Remove-ClusterNode", {"Cluster": cluster, "Name": node}))
            c = self._named_cluster(cmdlet, cluster)
            match = [n for n in c.nodes if n.upper() == node.upper()]
            if not match:
                raise ClusterCmdletError(
                    cmdlet,
                    f"The cluster node '{node}' could not be found.\n    The cluster node was not found.",
                    "ObjectNotFound",
                    "ClusterObjectNotFound,Microsoft.FailoverClusters.PowerShell.RemoveClusterNodeCommand",
                )
            if len(c.nodes) == 1:
                raise ClusterCmdletError(
                    cmdlet,
                    f"Node '{match[0]}' is the last node in cluster '{c.name}'. "
                    "Use Remove-Cluster to destroy the cluster.",
                    "InvalidOperation",
                )
            c.nodes.remove(match[0])
            for group, owner in list(c.groups.items()):
                if owner == match[0]:
                    self._failover(c, group)

    @_mutates
    def remove_cluster(self, on_node: str, cluster: str) -> None:
        with self._lock:
            self.history.append((on_node, "Remove-Cluster", {"Cluster": cluster, "Force": True, "CleanupAD": True}))
            c = self._named_cluster("RemoveClusterCommand", cluster)
            del self.clusters[c.name.upper()]

    def get_resource(self, on_node: str, name: str) -> dict[str, Any]:
        with self._lock:
            self.history.append((on_node, "Get-ClusterResource", {"Name": name}))
            c, r = self._resource("GetResourceCommand", on_node, name)
            return self._describe(c, r)

    @_mutates
    def set_parameters(self, on_node: str, name: str, values: dict[str, Any]) -> None:
        """Set-ClusterParameter -Multiple: validated as a whole, stored, effective at the next online."""
        cmdlet = "SetClusterParameterCommand"
        with self._lock:
            self.history.append((on_node, "Set-ClusterParameter", {"Resource": name, **values}))
            c, r = self._resource(cmdlet, on_node, name)
            for key in values:
                if key not in r.parameters:
                    raise ClusterCmdletError(
                        cmdlet,
                        f"Parameter '{key}' does not exist on the cluster object '{r.name}'. If you are trying "
                        "to update an existing parameter, please make sure the parameter name is specified correctly. "
                        "You can check for the current parameters by passing the .NET object received from the "
                        'appropriate Get-Cluster* cmdlet to "| Get-ClusterParameter". If you are trying to update a '
                        "common property on the object, you should set the property directly on the .NET object "
                        "received by the appropriate Get-Cluster* cmdlet. You can check for the current common "
                        "properties by passing the .NET object received from the appropriate Get-Cluster* cmdlet "
                        'to "| fl *". If you are trying to create a new unknown parameter, please use -Create with '
                        "this Set-ClusterParameter cmdlet.",
                        "NotSpecified",
                    )
            new = {**r.parameters, **values}
            if r.resource_type == "IP Address":
                self._check_ip_parameters(c, r, new)
            r.parameters = new

    @_mutates
    def start_resource(self, on_node: str, name: str) -> None:
        cmdlet = "StartClusterResourceCommand"
        with self._lock:
            self.history.append((on_node, "Start-ClusterResource", {"Name": name}))
            c, r = self._resource(cmdlet, on_node, name)
            if not self.is_up(c.groups[r.group]):
                self._failover(c, r.group)
            if not self.is_up(c.groups[r.group]):
                r.state = FAILED
                raise ClusterCmdletError(
                    cmdlet,
                    f"Failed to start resource '{r.name}'.\n    The cluster node is not available for this operation.",
                    "InvalidOperation",
                )
            self._online(c, r)
            if r.state != ONLINE:
                raise ClusterCmdletError(
                    cmdlet,
                    f"Failed to start resource '{r.name}'.\n    The resource failed to come online.",
                    "OperationTimeout",
                )

    @_mutates
    def stop_resource(self, on_node: str, name: str) -> None:
        with self._lock:
            self.history.append((on_node, "Stop-ClusterResource", {"Name": name}))
            c, r = self._resource("StopClusterResourceCommand", on_node, name)
            self._offline(c, r)

    # ----- internals --------------------------------------------------------------------------
    def _cluster_of(self, node: str) -> Cluster | None:
        return next((c for c in self.clusters.values() if node in c.nodes), None)

    def _existing_node(self, cmdlet: str, name: str) -> GuestNode:
        node = self.nodes.get(name.upper())
        if node is None:
            raise ClusterCmdletError(
                cmdlet, f"The computer '{name}' could not be reached. No such host is known.", "ObjectNotFound"
            )
        return node

    def _check_networks_without_static(self, cmdlet: str, member: GuestNode, ignored: list[str]) -> None:
        """Learn, New-Cluster -StaticAddress: "Networks with DHCP enabled are always included, but other networks
        need a static address to be specified using the StaticAddress parameter or should be explicitly ignored
        with this IgnoreNetwork parameter." The error text is an assumption that names the network."""
        networks = []
        for text in ignored:
            try:
                networks.append(ipaddress.IPv4Network(text, strict=False))
            except ValueError:
                raise ClusterCmdletError(
                    cmdlet,
                    f"Cannot bind parameter 'IgnoreNetwork'. '{text}' is not a valid network.",
                    "InvalidArgument",
                ) from None
        if member.subnet in networks:
            raise ClusterCmdletError(  # assumption: with its only network ignored the node has none left
                cmdlet,
                f"Every network of node '{member.name}' is ignored: no cluster network is left.",
                "InvalidArgument",
            )
        if member.dhcp:
            return
        raise ClusterCmdletError(
            cmdlet,
            f"There is no DHCP server on network '{member.subnet}' of node '{member.name}'. Specify a static address "
            "for it with -StaticAddress, or exclude it with -IgnoreNetwork.",
            "InvalidArgument",
        )

    def _named_cluster(self, cmdlet: str, name: str) -> Cluster:
        c = self.clusters.get(name.upper())
        if c is None:
            raise ClusterCmdletError(
                cmdlet,
                f"The cluster '{name}' could not be found. Make sure the cluster name "
                "is correct and that the cluster service is running.",
                "ConnectionError",
                f"ClusterAccessDenied,Microsoft.FailoverClusters.PowerShell.{cmdlet}",
            )
        return c

    def _local(self, cmdlet: str, on_node: str) -> Cluster:
        c = self._cluster_of(self.node(on_node).name)
        if c is None:
            raise ClusterCmdletError(
                cmdlet,
                "The cluster service is not running.  Make sure that the service is "
                "running on all nodes in the cluster.",
                "ConnectionError",
            )
        return c

    def _resource(self, cmdlet: str, on_node: str, name: str) -> tuple[Cluster, Resource]:
        c = self._local(cmdlet, on_node)
        r = c.resources.get(name)
        if r is None:
            r = next((x for x in c.resources.values() if x.name.upper() == name.upper()), None)
        if r is None:
            raise ClusterCmdletError(
                cmdlet,
                f"An error occurred opening resource '{name}'.\n    The cluster resource could not be found.",
                "ObjectNotFound",
                f"ClusterObjectNotFound,Microsoft.FailoverClusters.PowerShell.{cmdlet}",
            )
        return c, r

    def _group_resources(self, c: Cluster, group: str) -> list[Resource]:
        return [r for r in c.resources.values() if r.group == group]

    def _dhcp_address(self, subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
        used = {n.address for n in self.nodes.values()}
        used |= {str(r.parameters.get("Address")) for c in self.clusters.values() for r in c.resources.values()}
        hosts = list(subnet.hosts())
        return next((a for a in hosts[49:] + hosts[:49] if str(a) not in used), hosts[-1])

    def _check_ip_parameters(self, c: Cluster, r: Resource, p: dict[str, Any]) -> None:
        cmdlet = "SetClusterParameterCommand"
        prefix = f"Unable to save property changes for '{r.name}'.\n    "
        network = c.networks.get(str(p.get("Network")))
        if network is None:
            raise ClusterCmdletError(
                cmdlet, prefix + f"The cluster network was not found. (Network '{p.get('Network')}')", "ObjectNotFound"
            )
        try:
            address = ipaddress.IPv4Address(str(p.get("Address")))
            mask = ipaddress.IPv4Network(f"0.0.0.0/{p.get('SubnetMask')}").prefixlen
        except ValueError:
            raise ClusterCmdletError(cmdlet, prefix + "The parameter is incorrect.", "InvalidArgument") from None
        if str(p.get("EnableDhcp")) == "0" and mask != 32 and not int(p.get("OverrideAddressMatch") or 0):
            if address not in network or mask != network.prefixlen:
                raise ClusterCmdletError(
                    cmdlet,
                    prefix + f"The IP address {address} with subnet mask "
                    f"{p.get('SubnetMask')} does not match cluster network '{p.get('Network')}' "
                    f"({network}).",
                    "InvalidArgument",
                )
        port = int(p.get("ProbePort") or 0)
        if not 0 <= port <= 65535:
            raise ClusterCmdletError(cmdlet, prefix + "The parameter is incorrect.", "InvalidArgument")

    def _online(self, c: Cluster, r: Resource) -> None:
        """Bring dependencies online first, as Windows does."""
        if r.state == ONLINE:
            return
        for dep in r.dependencies:
            self._online(c, c.resources[dep])
            if c.resources[dep].state != ONLINE:
                r.state = FAILED
                return
        r.effective = copy.deepcopy(r.parameters)
        r.state = ONLINE

    def _offline(self, c: Cluster, r: Resource) -> None:
        """Dependents go offline first."""
        for other in c.resources.values():
            if r.name in other.dependencies and other.state == ONLINE:
                self._offline(c, other)
        r.state = OFFLINE

    def _failover(self, c: Cluster, group: str) -> None:
        owner = c.groups[group]
        candidates = [n for n in c.nodes if n != owner and self.nodes[n.upper()].state == "Up"]
        resources = self._group_resources(c, group)
        if not candidates:
            for r in resources:
                if r.state == ONLINE:
                    r.state = FAILED
            return
        was_online = [r for r in resources if r.state in (ONLINE, FAILED)]
        for r in resources:
            if r.state == ONLINE:
                r.state = OFFLINE
        c.groups[group] = candidates[0]
        for r in was_online:
            self._online(c, r)

    def _bring_group_online(self, c: Cluster, group: str, only_failed: bool) -> None:
        for r in self._group_resources(c, group):
            if r.state == FAILED or not only_failed:
                r.state = OFFLINE
                self._online(c, r)

    def _describe(self, c: Cluster, r: Resource) -> dict[str, Any]:
        return {
            "name": r.name,
            "state": r.state,
            "owner_node": c.groups[r.group],
            "resource_type": r.resource_type,
            "owner_group": r.group,
            "dependencies": " and ".join(f"[{d}]" for d in r.dependencies),
            "parameters": copy.deepcopy(r.parameters),
        }
