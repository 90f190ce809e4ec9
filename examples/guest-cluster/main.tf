# The seed "Guest Clustering in a Virtual Network", both examples, as one configuration.
provider "sdn" {
  network_controller_uri = var.network_controller_uri
  ca_cert_file           = var.ca_cert_file

  winrm_username     = var.winrm_username
  winrm_password     = var.winrm_password
  winrm_auth         = var.winrm_auth
  winrm_ca_cert_file = var.ca_cert_file
  winrm_endpoints    = var.winrm_endpoints
}

data "sdn_virtual_network" "tenant" {
  resource_id = "MyNetwork"
}

# Example 1, steps 1-5: the internal VIP, backend pool, probe and floating-IP rule.
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

# Example 1, step 6: each cluster node's NIC joins the backend pool.
resource "sdn_backend_pool_member" "node" {
  for_each = var.cluster_nodes

  network_interface_id     = each.value
  backend_address_pool_ref = sdn_load_balancer.cluster_vip.backend_address_pool_refs["Backend1"]
}

# Example 2, steps 2 and 6: the cluster on the first node, then the others join.
resource "sdn_failover_cluster" "cluster" {
  name  = var.cluster_name
  nodes = sort(keys(var.cluster_nodes))
}

# Example 2, steps 3-5: stop "Cluster Name", set the IP parameters, start both again.
resource "sdn_cluster_ip_address" "vip" {
  cluster_node = sdn_failover_cluster.cluster.nodes[0]
  address      = sdn_load_balancer.cluster_vip.frontend_ip_configuration[0].private_ip_address
  probe_port   = sdn_load_balancer.cluster_vip.probe[0].port
  subnet_mask  = "255.255.255.255"
  network      = var.cluster_network
  enable_dhcp  = false
}
