# A guest cluster behind an SLB VIP, as Microsoft's "Guest Clustering in a Virtual Network" builds it.
# The VIP and the probe port come from one variable each, and floating IP is always on, so the load
# balancer and the cluster IP resource cannot disagree.

data "sdn_virtual_network" "this" {
  resource_id = var.virtual_network
}

resource "sdn_load_balancer" "this" {
  resource_id = coalesce(var.load_balancer_id, "${var.virtual_network}_InternalVIP")

  frontend_ip_configuration {
    name               = "Frontend1"
    private_ip_address = var.vip
    subnet_ref         = data.sdn_virtual_network.this.subnet_refs[var.subnet]
  }

  backend_address_pool {
    name = "Backend1"
  }

  probe {
    name                = "Probe1"
    protocol            = "TCP"
    port                = var.probe_port
    interval_in_seconds = var.probe_interval_in_seconds
    number_of_probes    = var.probe_count
  }

  dynamic "load_balancing_rule" {
    for_each = var.rules

    content {
      name                            = load_balancing_rule.value.name
      frontend_ip_configuration_names = ["Frontend1"]
      backend_address_pool_name       = "Backend1"
      probe_name                      = "Probe1"
      protocol                        = load_balancing_rule.value.protocol
      frontend_port                   = load_balancing_rule.value.frontend_port
      backend_port                    = load_balancing_rule.value.frontend_port
      enable_floating_ip              = true
    }
  }
}

resource "sdn_backend_pool_member" "node" {
  for_each = var.nodes

  network_interface_id     = each.value
  backend_address_pool_ref = sdn_load_balancer.this.backend_address_pool_refs["Backend1"]
}

resource "sdn_failover_cluster" "this" {
  name  = var.cluster_name
  nodes = sort(keys(var.nodes))
}

resource "sdn_cluster_ip_address" "this" {
  cluster_node = sdn_failover_cluster.this.nodes[0]
  address      = var.vip
  probe_port   = var.probe_port
  subnet_mask  = "255.255.255.255"
  network      = var.cluster_network
  enable_dhcp  = false

  # Configure the cluster IP once the load balancer can probe the nodes.
  depends_on = [sdn_backend_pool_member.node]
}
