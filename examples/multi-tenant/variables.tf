variable "network_controller_uri" {
  description = "Network Controller REST endpoint (the emulator's state file reports it as nc_uri)."
  type        = string
}

variable "ca_cert_file" {
  description = "CA that signed Network Controller's and the nodes' WinRM certificates; null for the system store."
  type        = string
  default     = null
}

variable "winrm_username" {
  description = "User for remote PowerShell on the cluster nodes."
  type        = string
}

variable "winrm_password" {
  description = "Password of winrm_username. Null: the provider reads SDN_WINRM_PASSWORD from its environment (which keeps it out of saved plans)."
  type        = string
  sensitive   = true
  default     = null
}

variable "winrm_auth" {
  description = "WinRM authentication: credssp (the default) is what New-Cluster, Add-ClusterNode and evictions need on a domain (the second hop); a workgroup cluster with local accounts can use ntlm. See docs/guides/windows-prerequisites.md."
  type        = string
  default     = "credssp"
}

variable "winrm_endpoints" {
  description = "Node name -> WinRM URL, when nodes are not reached at https://<node>:5986/wsman (the emulator's ports)."
  type        = map(string)
  default     = {}
}

variable "tenants" {
  description = <<-EOT
    Tenant name -> its guest cluster: virtual_network and subnet (NC resourceIds), vip (an unused
    address of that subnet), nodes (cluster node name -> NIC resourceId), cluster_name, and an
    optional probe_port (default 59999). Adding or removing a tenant touches only that tenant.
  EOT
  type        = any
  default     = {}

  validation {
    condition = alltrue([
      for t in values(var.tenants) : alltrue([
        for k in ["virtual_network", "subnet", "vip", "nodes", "cluster_name"] : can(t[k])
      ])
    ])
    error_message = "Each tenant needs virtual_network, subnet, vip, nodes and cluster_name (probe_port is optional)."
  }
}
