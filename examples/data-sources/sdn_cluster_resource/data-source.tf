data "sdn_cluster_resource" "cluster_ip" {
  cluster_node = "DB1"
  name         = "Cluster IP Address"
}

output "active_node" {
  value = data.sdn_cluster_resource.cluster_ip.owner_node
}

output "probe_port" {
  value = tonumber(data.sdn_cluster_resource.cluster_ip.parameters["ProbePort"])
}
