output "vip" {
  description = "The load balancer's frontend address (the cluster's floating IP)."
  value       = sdn_load_balancer.cluster_vip.frontend_ip_configuration[0].private_ip_address
}

output "load_balancer_ref" {
  value = sdn_load_balancer.cluster_vip.resource_ref
}

output "backend_pool_ref" {
  value = sdn_load_balancer.cluster_vip.backend_address_pool_refs["Backend1"]
}
