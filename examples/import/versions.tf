terraform {
  required_version = ">= 1.0"

  required_providers {
    sdn = {
      source = "windows-sdn/sdn"
    }
  }
}
