variable "network_controller_uri" {
  description = "Network Controller REST endpoint (the demo passes the emulator's)."
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

variable "cluster_name" {
  description = "Name of the failover cluster."
  type        = string
  default     = "MyCluster"
}

variable "cluster_nodes" {
  description = "Cluster node name -> Network Controller resourceId of its NIC. The first node (by name) creates the cluster."
  type        = map(string)
  default = {
    DB1 = "ClusterNode1_Network-Adapter"
    DB2 = "ClusterNode2_Network-Adapter"
  }
}

variable "vip" {
  description = "The cluster's floating IP: an unused address in the nodes' subnet."
  type        = string
  default     = "192.168.2.100"
}

variable "probe_port" {
  description = "TCP port only the active cluster node answers on (the cluster IP resource's ProbePort)."
  type        = number
  default     = 59999
}

variable "cluster_network" {
  description = "Failover cluster network that carries the VIP."
  type        = string
  default     = "Cluster Network 1"
}
