variable "network_controller_uri" {
  description = "Network Controller REST endpoint (the emulator's state file reports it as nc_uri)."
  type        = string
}

variable "ca_cert_file" {
  description = "CA that signed Network Controller's certificate; null for the system store."
  type        = string
  default     = null
}

variable "cluster_nodes" {
  description = "Cluster node name -> Network Controller resourceId of its NIC (the NICs put in the pool by hand)."
  type        = map(string)
  default = {
    DB1 = "ClusterNode1_Network-Adapter"
    DB2 = "ClusterNode2_Network-Adapter"
  }
}
