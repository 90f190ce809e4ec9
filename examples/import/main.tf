# What the seed's PowerShell (Example 1) made by hand, written as HCL so that `terraform import`
# can adopt it: every value below is what load-balancer.json and the NIC updates in README.md set,
# so the plan after the imports is empty. See README.md for the steps.
provider "sdn" {
  network_controller_uri = var.network_controller_uri
  ca_cert_file           = var.ca_cert_file
}

data "sdn_virtual_network" "tenant" {
  resource_id = "MyNetwork"
}

# terraform import sdn_load_balancer.cluster_vip MyNetwork_InternalVIP
resource "sdn_load_balancer" "cluster_vip" {
  resource_id = "MyNetwork_InternalVIP"

  frontend_ip_configuration {
    name               = "Frontend1"
    private_ip_address = "192.168.2.100"
    # The data source returns NC's casing (/virtualNetworks/MyNetwork/subnets/Subnet2); the seed's
    # "/VirtualNetworks/.../Subnets/..." would work as well: refs compare without letter case.
    subnet_ref = data.sdn_virtual_network.tenant.subnet_refs["Subnet2"]
  }

  backend_address_pool {
    name = "Backend1"
  }

  probe {
    name                = "Probe1"
    protocol            = "TCP"
    port                = 59999
    interval_in_seconds = 5
    number_of_probes    = 11
  }

  load_balancing_rule {
    name                            = "Rules1"
    frontend_ip_configuration_names = ["Frontend1"]
    backend_address_pool_name       = "Backend1"
    probe_name                      = "Probe1"
    protocol                        = "TCP"
    frontend_port                   = 1433
    backend_port                    = 1433
    idle_timeout_in_minutes         = 4
    enable_floating_ip              = true
  }
}

# terraform import 'sdn_backend_pool_member.node["DB1"]' \
#   'ClusterNode1_Network-Adapter/ipconfig1|/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1'
resource "sdn_backend_pool_member" "node" {
  for_each = var.cluster_nodes

  network_interface_id     = each.value
  backend_address_pool_ref = sdn_load_balancer.cluster_vip.backend_address_pool_refs["Backend1"]
}
