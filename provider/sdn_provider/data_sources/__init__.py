"""Read-only views of Network Controller and cluster objects."""

from sdn_provider.data_sources.cluster_resource import ClusterResourceData
from sdn_provider.data_sources.load_balancer import LoadBalancerData
from sdn_provider.data_sources.network_interface import NetworkInterfaceData
from sdn_provider.data_sources.virtual_network import VirtualNetworkData

DATA_SOURCES: list = [ClusterResourceData, LoadBalancerData, NetworkInterfaceData, VirtualNetworkData]
