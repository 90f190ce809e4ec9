data "sdn_virtual_network" "tenant" {
  resource_id = "MyNetwork"
}

resource "sdn_load_balancer" "cluster_vip" {
  resource_id = "MyNetwork_InternalVIP"

  frontend_ip_configuration {
    name               = "Frontend1"
    private_ip_address = "192.168.2.100"
    subnet_ref         = data.sdn_virtual_network.tenant.subnet_refs["Subnet2"]
  }
}

output "subnet_prefixes" {
  value = { for s in data.sdn_virtual_network.tenant.subnets : s.name => s.address_prefix }
}
