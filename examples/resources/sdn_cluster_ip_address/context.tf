# What resource.tf refers to, so that `terraform validate` checks it (the page shows resource.tf only).
resource "sdn_failover_cluster" "cluster" {
  name  = "MyCluster"
  nodes = ["DB1", "DB2"]
}

resource "sdn_load_balancer" "cluster_vip" {
  resource_id = "MyNetwork_InternalVIP"

  frontend_ip_configuration {
    name               = "Frontend1"
    private_ip_address = "192.168.2.100"
    subnet_ref         = "/virtualNetworks/MyNetwork/subnets/Subnet2"
  }

  probe {
    name = "Probe1"
    port = 59999
  }
}

resource "sdn_backend_pool_member" "node" {
  network_interface_id     = "ClusterNode1_Network-Adapter"
  backend_address_pool_ref = "/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1"
}
