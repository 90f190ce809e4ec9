terraform {
  required_providers {
    sdn = { source = "windows-sdn/sdn" }
  }
}

provider "sdn" {
  network_controller_uri = "https://nc.contoso.com"
  auth                   = "certificate"
  client_cert_file       = "/etc/sdn/nc-client.pem"
  client_key_file        = "/etc/sdn/nc-client-key.pem"
  ca_cert_file           = "/etc/sdn/contoso-root-ca.pem"

  winrm_username = "CONTOSO\\sdn-automation"
  # winrm_password comes from SDN_WINRM_PASSWORD (or an ephemeral variable on Terraform >= 1.10)
}
