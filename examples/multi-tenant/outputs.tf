output "vips" {
  description = "Tenant -> its cluster's floating IP (the load balancer VIP)."
  value       = { for name, t in module.tenant : name => t.vip }
}

output "load_balancer_refs" {
  description = "Tenant -> resourceRef of its load balancer."
  value       = { for name, t in module.tenant : name => t.load_balancer_ref }
}

output "cluster_ip_states" {
  description = "Tenant -> state of its \"Cluster IP Address\" resource after the last apply."
  value       = { for name, t in module.tenant : name => t.cluster_ip_state }
}
