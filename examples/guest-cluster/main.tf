# The seed "Guest Clustering in a Virtual Network", Example 1: the load balancer.
provider "sdn" {
  network_controller_uri = var.network_controller_uri
  ca_cert_file           = var.ca_cert_file
}

data "sdn_virtual_network" "tenant" {
  resource_id = "MyNetwork"
}

resource "sdn_load_balancer" "cluster_vip" {
  resource_id = "MyNetwork_InternalVIP"

  frontend_ip_configuration {
    name               = "Frontend1"
    private_ip_address = var.vip
    subnet_ref         = data.sdn_virtual_network.tenant.subnet_refs["Subnet2"]
  }

  backend_address_pool {
    name = "Backend1"
  }

  probe {
    name                = "Probe1"
    protocol            = "TCP"
    port                = var.probe_port
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
