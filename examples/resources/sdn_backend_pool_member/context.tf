# What resource.tf refers to, so that `terraform validate` checks it (the page shows resource.tf only).
resource "sdn_load_balancer" "cluster_vip" {
  resource_id = "MyNetwork_InternalVIP"

  backend_address_pool {
    name = "Backend1"
  }

  frontend_ip_configuration {
    name               = "Frontend1"
    private_ip_address = "192.168.2.100"
    subnet_ref         = "/virtualNetworks/MyNetwork/subnets/Subnet2"
  }
}
