"""One module per resource: schema + CRUD + import, nothing else."""

from sdn_provider.resources.backend_pool_member import BackendPoolMember
from sdn_provider.resources.cluster_ip_address import ClusterIPAddress
from sdn_provider.resources.failover_cluster import FailoverCluster
from sdn_provider.resources.load_balancer import LoadBalancer

RESOURCES: list = [LoadBalancer, BackendPoolMember, FailoverCluster, ClusterIPAddress]
