provider "sdn" {
  winrm_auth     = "credssp" # New-Cluster and Add-ClusterNode make a second hop to AD and the other nodes
  winrm_username = "CONTOSO\\clusteradmin"
  winrm_password = var.winrm_password
}

resource "sdn_failover_cluster" "cluster" {
  name           = "MyCluster"
  nodes          = ["DB1", "DB2"]
  static_address = "192.168.2.50" # tenant networks usually have no DHCP
}
