resource "sdn_backend_pool_member" "node" {
  for_each = {
    DB1 = "ClusterNode1_Network-Adapter"
    DB2 = "ClusterNode2_Network-Adapter"
  }

  network_interface_id     = each.value
  backend_address_pool_ref = sdn_load_balancer.cluster_vip.backend_address_pool_refs["Backend1"]
}

# A NIC with several ip configurations
resource "sdn_backend_pool_member" "second_ip" {
  network_interface_id     = "ClusterNode1_Network-Adapter"
  ip_configuration_id      = "ipconfig2"
  backend_address_pool_ref = sdn_load_balancer.cluster_vip.backend_address_pool_refs["Backend1"]
}
