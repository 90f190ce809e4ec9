output "vip" {
  description = "The load balancer's frontend address (the cluster's floating IP)."
  value       = sdn_load_balancer.cluster_vip.frontend_ip_configuration[0].private_ip_address
}

output "load_balancer_ref" {
  description = "resourceRef of the load balancer."
  value       = sdn_load_balancer.cluster_vip.resource_ref
}

output "probe_port" {
  description = "Probe port shared by the load balancer and the cluster IP resource."
  value       = sdn_cluster_ip_address.vip.probe_port
}

output "cluster_ip_state" {
  description = "State of the \"Cluster IP Address\" resource after apply."
  value       = sdn_cluster_ip_address.vip.state
}

output "cluster_ip_owner_node" {
  description = "Node that owns the cluster IP (the active node)."
  value       = sdn_cluster_ip_address.vip.owner_node
}
