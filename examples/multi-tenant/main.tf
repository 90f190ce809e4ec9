# One guest cluster per tenant, all from the same module: the seed's procedure, N times.
provider "sdn" {
  network_controller_uri = var.network_controller_uri
  ca_cert_file           = var.ca_cert_file

  winrm_username     = var.winrm_username
  winrm_password     = var.winrm_password
  winrm_auth         = var.winrm_auth
  winrm_ca_cert_file = var.ca_cert_file
  winrm_endpoints    = var.winrm_endpoints
}

locals {
  # One shape for every tenant (probe_port may be left out), so for_each sees a map.
  tenants = {
    for name, t in var.tenants : name => {
      virtual_network = t.virtual_network
      subnet          = t.subnet
      vip             = t.vip
      nodes           = t.nodes
      cluster_name    = t.cluster_name
      probe_port      = try(t.probe_port, 59999)
    }
  }
}

module "tenant" {
  source   = "../modules/guest-cluster"
  for_each = local.tenants

  virtual_network = each.value.virtual_network
  subnet          = each.value.subnet
  vip             = each.value.vip
  nodes           = each.value.nodes
  cluster_name    = each.value.cluster_name
  probe_port      = each.value.probe_port
}
