# The guest-cluster module's twin on HashiCorp's null provider: same resource count and dependency
# shape (data source -> LB -> members (for_each) ; cluster ; cluster IP after members), no work.
# Terraform core plus a Go provider doing nothing is the floor our provider is measured against.

terraform {
  required_providers {
    null = { source = "hashicorp/null" }
  }
}

variable "virtual_network" { type = string }
variable "subnet" { type = string }
variable "vip" { type = string }
variable "nodes" { type = map(string) }
variable "cluster_name" { type = string }

data "null_data_source" "vnet" {
  inputs = { subnet_ref = "/virtualNetworks/${var.virtual_network}/subnets/${var.subnet}" }
}

resource "null_resource" "load_balancer" {
  triggers = { subnet_ref = data.null_data_source.vnet.outputs["subnet_ref"], vip = var.vip }
}

resource "null_resource" "member" {
  for_each = var.nodes
  triggers = { nic = each.value, pool = null_resource.load_balancer.id }
}

resource "null_resource" "cluster" {
  triggers = { name = var.cluster_name, nodes = join(",", sort(keys(var.nodes))) }
}

resource "null_resource" "cluster_ip" {
  triggers   = { node = split(",", null_resource.cluster.triggers["nodes"])[0], address = var.vip }
  depends_on = [null_resource.member]
}
