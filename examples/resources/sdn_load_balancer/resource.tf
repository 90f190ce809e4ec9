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

  timeouts {
    create = "10m"
  }
}
