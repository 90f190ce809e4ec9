variable "virtual_network" {
  description = "Network Controller resourceId of the tenant's virtual network (e.g. MyNetwork)."
  type        = string
}

variable "subnet" {
  description = "Name of the subnet that holds the cluster nodes and the VIP (e.g. Subnet2)."
  type        = string
}

variable "vip" {
  description = "The cluster's floating IP: an unused address of the subnet. Used for both the load balancer frontend and the cluster IP resource, so they always agree."
  type        = string

  validation {
    condition     = can(regex("^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$", var.vip))
    error_message = "The vip must be an IPv4 address such as 192.168.2.100."
  }
}

variable "nodes" {
  description = "Cluster node name -> Network Controller resourceId of its NIC. The alphabetically first node creates the cluster."
  type        = map(string)

  validation {
    condition     = length(var.nodes) >= 1
    error_message = "A guest cluster needs at least one node."
  }
}

variable "probe_port" {
  description = "TCP port that only the active node answers on; set as both the load balancer probe port and the cluster IP's ProbePort."
  type        = number
  default     = 59999

  validation {
    # No floor() here: Terraform 1.0.3 can panic in floor() when many module instances validate at once;
    # the provider still refuses a fractional port at plan time, on the probe's `port` attribute.
    condition     = var.probe_port >= 1 && var.probe_port <= 65535
    error_message = "The probe_port must be from 1 to 65535."
  }
}

variable "probe_interval_in_seconds" {
  description = "Seconds between health probes."
  type        = number
  default     = 5
}

variable "probe_count" {
  description = "Failed probes before a node is taken out of rotation."
  type        = number
  default     = 11
}

variable "rules" {
  description = "Load-balancing rules on the VIP: one per clustered service port. backend_port defaults to frontend_port (floating IP needs them equal)."
  type = list(object({
    name          = string
    protocol      = string
    frontend_port = number
  }))
  default = [{ name = "sql", protocol = "TCP", frontend_port = 1433 }]

  validation {
    condition     = alltrue([for r in var.rules : r.frontend_port >= 1 && r.frontend_port <= 65535 && contains(["TCP", "UDP", "All"], r.protocol)])
    error_message = "Each rule needs a protocol of TCP, UDP or All and a frontend_port from 1 to 65535."
  }
}

variable "cluster_name" {
  description = "Name of the failover cluster."
  type        = string
}

variable "cluster_network" {
  description = "Failover cluster network that carries the VIP."
  type        = string
  default     = "Cluster Network 1"
}

variable "load_balancer_id" {
  description = "Network Controller resourceId of the load balancer (default <virtual_network>_InternalVIP)."
  type        = string
  default     = null
}
