"""Network Controller REST client (all HTTP behaviour of the provider)."""

from sdn_provider.nc.client import (
    NCClient,
    NCConnectionError,
    NCError,
    NCSettings,
    NCTimeoutError,
    ProvisioningFailed,
    strip_read_only,
)
from sdn_provider.nc.locks import KeyedLocks

__all__ = [
    "KeyedLocks",
    "NCClient",
    "NCConnectionError",
    "NCError",
    "NCSettings",
    "NCTimeoutError",
    "ProvisioningFailed",
    "strip_read_only",
]
