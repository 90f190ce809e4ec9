output "vip" {
  description = "The floating IP (load balancer frontend and cluster IP address)."
  value       = sdn_load_balancer.this.frontend_ip_configuration[0].private_ip_address
}

output "load_balancer_ref" {
  description = "resourceRef of the load balancer."
  value       = sdn_load_balancer.this.resource_ref
}

output "backend_pool_ref" {
  description = "resourceRef of the backend pool the nodes are in."
  value       = sdn_load_balancer.this.backend_address_pool_refs["Backend1"]
}

output "probe_port" {
  description = "The probe port shared by the load balancer and the cluster IP resource."
  value       = sdn_cluster_ip_address.this.probe_port
}

output "cluster_ip_state" {
  description = "State of the cluster IP resource after the last apply (Online when healthy)."
  value       = sdn_cluster_ip_address.this.state
}
