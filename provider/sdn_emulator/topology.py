"""Emulator topology: the virtual networks, NICs and guest nodes that exist before any Terraform run.

The JSON format mirrors the seed walkthrough (one VNet, two cluster-node NICs, two nodes); the same
file feeds the NC model (``seed_controller``) and, later, the simulated guest nodes (``nodes``).
Besides, like a real SLB deployment, a ``PublicVIP`` logical network with a public subnet and one public IP
address (DOC-SLB: frontends on ``/logicalNetworks/PublicVIP/subnets/...``; addresses from TEST-NET-3, labels
only). A NIC may carry ``resourceMetadata``: ``{"client": "Network Resource Provider"}`` marks one managed by
Azure Local "SDN enabled by Arc" (SdnDiagnostics networkInterfaces.json); the emulator, like NC, still
accepts writes to it.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import NetworkController

DEFAULT_TOPOLOGY: dict[str, Any] = {
    "virtualNetworks": [
        {
            "resourceId": "MyNetwork",
            "addressPrefixes": ["192.168.0.0/16"],
            "subnets": [{"resourceId": "Subnet2", "addressPrefix": "192.168.2.0/24"}],
        }
    ],
    "networkInterfaces": [
        {
            "resourceId": "ClusterNode1_Network-Adapter",
            "privateMacAddress": "00155D020B11",
            "ipConfigurations": [
                {
                    "resourceId": "ipconfig1",
                    "privateIPAddress": "192.168.2.11",
                    "subnet": "/virtualNetworks/MyNetwork/subnets/Subnet2",
                }
            ],
        },
        {
            "resourceId": "ClusterNode2_Network-Adapter",
            "privateMacAddress": "00155D020B12",
            "ipConfigurations": [
                {
                    "resourceId": "ipconfig1",
                    "privateIPAddress": "192.168.2.12",
                    "subnet": "/virtualNetworks/MyNetwork/subnets/Subnet2",
                }
            ],
        },
    ],
    "nodes": [
        {"name": "DB1", "networkInterface": "ClusterNode1_Network-Adapter"},
        {"name": "DB2", "networkInterface": "ClusterNode2_Network-Adapter"},
    ],
    "credentials": {"username": "administrator", "password": "Emulator-Passw0rd!"},
}
PUBLIC_NETWORKS: dict[str, Any] = {
    "logicalNetworks": [
        {
            "resourceId": "PublicVIP",
            "subnets": [
                {
                    "resourceId": "PublicVIPSubnet",
                    "addressPrefix": "203.0.113.0/24",
                    "defaultGateways": ["203.0.113.254"],
                    "isPublic": True,
                }
            ],
        }
    ],
    "publicIPAddresses": [{"resourceId": "PublicIP1", "ipAddress": "203.0.113.10"}],
}
DEFAULT_TOPOLOGY.update(PUBLIC_NETWORKS)
#: What SdnDiagnostics' dumps show on NICs owned by Azure Local "SDN enabled by Arc".
ARC_METADATA: dict[str, Any] = {"client": "Network Resource Provider", "resourceName": "arc-managed-nic"}

# What a NIC created by SCVMM/SDN Express carries besides addresses: a client that rewrites the NIC
# (pool membership) must send all of it back unchanged.
_NIC_EXTRAS: dict[str, Any] = {
    "privateMacAllocationMethod": "Static",
    "dnsSettings": {"dnsServers": ["192.168.2.4"]},
    "portSettings": {
        "macSpoofingEnabled": "Disabled",
        "arpGuardEnabled": "Disabled",
        "dhcpGuardEnabled": "Disabled",
        "stormLimit": 0,
        "portFlowLimit": 0,
        "iovWeight": 0,
        "iovInterruptModeration": "Default",
        "iovQueuePairsRequested": 1,
        "vmqWeight": 100,
        "qosSettings": {
            "enableHardwareLimits": False,
            "outboundReservedValue": 0,
            "outboundMaximumMbps": 0,
            "inboundMaximumMbps": 0,
        },
    },
    "serviceInsertionElements": [],
    "isPrimary": True,
    "isHostVirtualNetworkInterface": False,
}


class TopologyError(ValueError):
    """The topology file is inconsistent (unknown NIC, subnet, ...)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class NodeSpec:
    """A guest cluster node; address and subnet come from its NIC's first ip configuration."""

    name: str
    network_interface: str
    address: str
    subnet_prefix: str


@dataclass
class Topology:
    virtual_networks: list[dict[str, Any]]
    network_interfaces: list[dict[str, Any]]
    nodes: list[NodeSpec]
    credentials: Credentials
    logical_networks: list[dict[str, Any]] = field(default_factory=list)
    public_ip_addresses: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def default(cls) -> Topology:
        return cls.from_dict(DEFAULT_TOPOLOGY)

    @classmethod
    def load(cls, path: str | Path) -> Topology:
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Topology:
        data = copy.deepcopy(data)
        prefixes = {
            f"/virtualnetworks/{v['resourceId']}/subnets/{s['resourceId']}".lower(): s["addressPrefix"]
            for v in data.get("virtualNetworks", [])
            for s in v.get("subnets", [])
        }
        nics = {n["resourceId"].lower(): n for n in data.get("networkInterfaces", [])}
        nodes = []
        for node in data.get("nodes", []):
            nic = nics.get(str(node.get("networkInterface", "")).lower())
            if nic is None or not nic.get("ipConfigurations"):
                raise TopologyError(f"node {node.get('name')!r}: unknown network interface or no ip configuration")
            ipc = nic["ipConfigurations"][0]
            prefix = prefixes.get(ipc["subnet"].lower())
            if prefix is None:
                raise TopologyError(f"NIC {nic['resourceId']!r}: unknown subnet {ipc['subnet']!r}")
            nodes.append(NodeSpec(node["name"], nic["resourceId"], ipc["privateIPAddress"], prefix))
        creds = data.get("credentials") or DEFAULT_TOPOLOGY["credentials"]
        return cls(
            data.get("virtualNetworks", []),
            data.get("networkInterfaces", []),
            nodes,
            Credentials(creds["username"], creds["password"]),
            data.get("logicalNetworks", []),
            data.get("publicIPAddresses", []),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "logicalNetworks": self.logical_networks,
            "publicIPAddresses": self.public_ip_addresses,
            "virtualNetworks": self.virtual_networks,
            "networkInterfaces": self.network_interfaces,
            "nodes": [{"name": n.name, "networkInterface": n.network_interface} for n in self.nodes],
            "credentials": {"username": self.credentials.username, "password": self.credentials.password},
        }


def seed_controller(topology: Topology, controller: NetworkController) -> None:
    """Create the topology's logical networks, public IPs, VNets and NICs in the model, already Succeeded."""
    for network in topology.logical_networks:
        subnets = [
            {"resourceId": s["resourceId"], "properties": {k: v for k, v in s.items() if k != "resourceId"}}
            for s in network.get("subnets", [])
        ]
        controller.seed(f"/logicalNetworks/{network['resourceId']}", {"properties": {"subnets": subnets}})
    for pip in topology.public_ip_addresses:
        controller.seed(
            f"/publicIPAddresses/{pip['resourceId']}",
            {"properties": {"publicIPAllocationMethod": "Static", "ipAddress": pip["ipAddress"]}},
        )
    for vnet in topology.virtual_networks:
        controller.seed(
            f"/virtualNetworks/{vnet['resourceId']}",
            {
                "properties": {
                    "addressSpace": {"addressPrefixes": vnet["addressPrefixes"]},
                    "subnets": [
                        {"resourceId": s["resourceId"], "properties": {"addressPrefix": s["addressPrefix"]}}
                        for s in vnet.get("subnets", [])
                    ],
                }
            },
        )
    for nic in topology.network_interfaces:
        controller.seed(
            f"/networkInterfaces/{nic['resourceId']}",
            {
                "resourceMetadata": copy.deepcopy(nic.get("resourceMetadata") or {}),
                "properties": {
                    **copy.deepcopy(_NIC_EXTRAS),
                    "privateMacAddress": nic.get("privateMacAddress", ""),
                    "ipConfigurations": [
                        {
                            "resourceId": c["resourceId"],
                            "properties": {
                                "privateIPAddress": c["privateIPAddress"],
                                "privateIPAllocationMethod": "Static",
                                "subnet": {"resourceRef": c["subnet"]},
                            },
                        }
                        for c in nic.get("ipConfigurations", [])
                    ],
                },
            },
        )


def generate_multi_tenant(n: int, arc_nic: bool = False) -> dict[str, Any]:
    """N tenants, each a VNet ``Tenant{i}Network`` (192.168.{i}.0/24 subnet) with two NICs and nodes; with
    ``arc_nic`` tenant 1 also gets ``T1-ArcManaged_Network-Adapter``, owned by Arc (``ARC_METADATA``)."""
    if not 1 <= n <= 250:
        raise ValueError("tenants must be between 1 and 250")
    data: dict[str, Any] = {
        "virtualNetworks": [],
        "networkInterfaces": [],
        "nodes": [],
        "credentials": dict(DEFAULT_TOPOLOGY["credentials"]),
    }
    for i in range(1, n + 1):
        vnet, subnet = f"Tenant{i}Network", ipaddress.IPv4Network(f"192.168.{i}.0/24")
        data["virtualNetworks"].append(
            {
                "resourceId": vnet,
                "addressPrefixes": [str(subnet)],
                "subnets": [{"resourceId": "Subnet1", "addressPrefix": str(subnet)}],
            }
        )
        for node in (1, 2):
            nic = f"T{i}-ClusterNode{node}_Network-Adapter"
            data["networkInterfaces"].append(
                {
                    "resourceId": nic,
                    "privateMacAddress": f"00155D{i:02X}0B{10 + node}",
                    "ipConfigurations": [
                        {
                            "resourceId": "ipconfig1",
                            "privateIPAddress": str(subnet[10 + node]),
                            "subnet": f"/virtualNetworks/{vnet}/subnets/Subnet1",
                        }
                    ],
                }
            )
            data["nodes"].append({"name": f"T{i}-DB{node}", "networkInterface": nic})
    if arc_nic:
        data["networkInterfaces"].append(
            {
                "resourceId": "T1-ArcManaged_Network-Adapter",
                "privateMacAddress": "00155D010B20",
                "resourceMetadata": copy.deepcopy(ARC_METADATA),
                "ipConfigurations": [
                    {
                        "resourceId": "ipconfig1",
                        "privateIPAddress": "192.168.1.20",
                        "subnet": "/virtualNetworks/Tenant1Network/subnets/Subnet1",
                    }
                ],
            }
        )
    return data
