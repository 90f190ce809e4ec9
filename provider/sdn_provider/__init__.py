"""terraform-provider-sdn: Windows Server SDN guest clusters under Terraform."""

__version__ = "0.1.0"
