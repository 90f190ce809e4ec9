data "sdn_network_interface" "node1" {
  resource_id = "ClusterNode1_Network-Adapter"
}

output "node1_address" {
  value = data.sdn_network_interface.node1.ip_configurations[0].private_ip_address
}

output "node1_import_id" {
  value = "${data.sdn_network_interface.node1.resource_id}/${data.sdn_network_interface.node1.ip_configurations[0].name}|/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1"
}
