"""The HCL the e2e, fault and security tests share, in one place (terraform-plugin-testing's `testAccXxxConfig`
functions). Each builder returns a fragment; a test adds a provider block from here or `tests.harness`."""

from __future__ import annotations

from tests.emulator.guests_fixtures import PASSWORD, USER
from tests.harness import Emulator, provider_block

#: The seed's guest nodes (emulator topology) and the NICs of the two cluster nodes.
SEED_NODES = ("DB1", "DB2")
NICS = ("ClusterNode1_Network-Adapter", "ClusterNode2_Network-Adapter")
#: The seed's subnet in NC's canonical spelling (what an import records).
SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
DEFAULT_POOL = 'sdn_load_balancer.lb.backend_address_pool_refs["Backend1"]'


def seed_lb(
    name: str = "MyNetwork_InternalVIP",
    vip: str = "192.168.2.100",
    probe_port: int = 59999,
    interval: int = 5,
    subnet: str = "/VirtualNetworks/MyNetwork/Subnets/Subnet2",
    extra_rule: str = "",
    frontend_port: int = 1433,
    backend_port: int = 1433,
    idle_timeout: int = 4,
    floating_ip: bool = True,
) -> str:
    """The seed's load balancer, written as a user would (the seed's mixed-case subnet ref included)."""
    return f"""
resource "sdn_load_balancer" "lb" {{
  resource_id = "{name}"

  frontend_ip_configuration {{
    name               = "Frontend1"
    private_ip_address = "{vip}"
    subnet_ref         = "{subnet}"
  }}

  backend_address_pool {{
    name = "Backend1"
  }}

  probe {{
    name                = "Probe1"
    protocol            = "TCP"
    port                = {probe_port}
    interval_in_seconds = {interval}
    number_of_probes    = 11
  }}

  load_balancing_rule {{
    name                           = "Rules1"
    frontend_ip_configuration_names = ["Frontend1"]
    backend_address_pool_name      = "Backend1"
    probe_name                     = "Probe1"
    protocol                       = "TCP"
    frontend_port                  = {frontend_port}
    backend_port                   = {backend_port}
    idle_timeout_in_minutes        = {idle_timeout}
    enable_floating_ip             = {str(floating_ip).lower()}
  }}
  {extra_rule}
}}
"""


def lb_hcl(name: str, vip: str) -> str:
    """The seed's load balancer with the subnet in NC's spelling (so an import of it plans clean)."""
    return seed_lb(name, vip=vip, subnet=SUBNET)


def members(pool_expr: str = DEFAULT_POOL, nics: tuple[str, ...] = NICS) -> str:
    """One `sdn_backend_pool_member` per NIC (node1, node2, ...), each in the pool `pool_expr` evaluates to."""
    return "".join(
        f"""
resource "sdn_backend_pool_member" "node{i}" {{
  network_interface_id     = "{nic}"
  backend_address_pool_ref = {pool_expr}
}}
"""
        for i, nic in enumerate(nics, 1)
    )


def cluster_provider(emulator: Emulator, password: str | None = None) -> str:
    """The provider block for the emulator's guest nodes over WinRM (and its NC)."""
    info = emulator.info
    endpoints = ", ".join(f'{n} = "{u}"' for n, u in info["winrm_endpoints"].items())
    return provider_block(
        emulator,
        f"""winrm_endpoints    = {{ {endpoints} }}
  winrm_username     = "{info["winrm_username"]}"
  winrm_password     = "{password or info["winrm_password"]}"
  winrm_ca_cert_file = "{info["ca_file"]}\"""",
    )


def guests_provider(guests, extra: str = "") -> str:
    """A provider block for the in-process guests (the test can shape those nodes directly)."""
    endpoints = ", ".join(f'{n} = "{u}"' for n, u in guests.servers.items())
    return f"""
terraform {{
  required_providers {{
    sdn = {{ source = "windows-sdn/sdn" }}
  }}
}}

provider "sdn" {{
  winrm_endpoints    = {{ {endpoints} }}
  winrm_username     = "{USER}"
  winrm_password     = "{PASSWORD}"
  winrm_ca_cert_file = "{guests.ca_file}"
  {extra}
}}
"""


def cluster_hcl(
    name: str = "MyCluster", nodes: tuple[str, ...] = SEED_NODES, static: str | None = "192.168.2.50"
) -> str:
    node_list = ", ".join(f'"{n}"' for n in nodes)
    static_line = f'static_address = "{static}"' if static else ""
    return f"""
resource "sdn_failover_cluster" "c" {{
  name  = "{name}"
  nodes = [{node_list}]
  {static_line}
}}
"""


def ip_hcl(probe_port: int = 59999, network: str = "Cluster Network 1", extra: str = "") -> str:
    """The seed's step 4: Address = VIP, ProbePort, /32, the cluster network, no DHCP."""
    return f"""
resource "sdn_cluster_ip_address" "ip" {{
  cluster_node = sdn_failover_cluster.c.nodes[0]
  address      = "192.168.2.100"
  probe_port   = {probe_port}
  subnet_mask  = "255.255.255.255"
  network      = "{network}"
  enable_dhcp  = false
  {extra}
}}
"""


def cluster_resource_data(name: str = "Cluster Name") -> str:
    """`data.sdn_cluster_resource.name` read through the cluster IP's node, with its state and dependencies."""
    return f"""
data "sdn_cluster_resource" "name" {{
  cluster_node = sdn_cluster_ip_address.ip.cluster_node
  name         = "{name}"
}}

output "name_state" {{ value = data.sdn_cluster_resource.name.state }}
output "name_deps"  {{ value = data.sdn_cluster_resource.name.dependencies }}
"""
