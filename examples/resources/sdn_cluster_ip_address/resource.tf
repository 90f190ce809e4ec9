resource "sdn_cluster_ip_address" "vip" {
  cluster_node = sdn_failover_cluster.cluster.nodes[0]
  address      = sdn_load_balancer.cluster_vip.frontend_ip_configuration[0].private_ip_address
  probe_port   = sdn_load_balancer.cluster_vip.probe[0].port
  subnet_mask  = "255.255.255.255"
  network      = "Cluster Network 1"
  enable_dhcp  = false

  # Configure the cluster IP once the load balancer can probe the nodes.
  depends_on = [sdn_backend_pool_member.node]
}
