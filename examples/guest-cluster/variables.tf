variable "network_controller_uri" {
  description = "Network Controller REST endpoint (the demo passes the emulator's)."
  type        = string
}

variable "ca_cert_file" {
  description = "CA that signed Network Controller's (and the nodes' WinRM) certificates; null for the system store."
  type        = string
  default     = null
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
