data "sdn_load_balancer" "existing" {
  resource_id = "MyNetwork_InternalVIP"
}

resource "sdn_backend_pool_member" "db3" {
  network_interface_id     = "ClusterNode3_Network-Adapter"
  backend_address_pool_ref = data.sdn_load_balancer.existing.backend_address_pool_refs["Backend1"]
}

output "members" {
  value = data.sdn_load_balancer.existing.backend_ip_configuration_refs["Backend1"]
}
