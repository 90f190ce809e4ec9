# What resource.tf refers to, so that `terraform validate` checks it (the page shows resource.tf only).
variable "winrm_password" {
  type      = string
  sensitive = true
}
