"""Network Controller REST client (all HTTP behaviour of the provider).

`NCClient`/`NCSettings` load lazily: importing requests costs ~55 ms, and most provider processes
Terraform starts only answer GetProviderSchema.
"""

from typing import Any

from sdn_provider.nc.errors import (
    ArcManaged,
    NCClientError,
    NCConnectionError,
    NCError,
    NCTimeoutError,
    OperationFailed,
    ProvisioningFailed,
    is_arc_managed,
    strip_read_only,
)
from sdn_provider.nc.locks import KeyedLocks

__all__ = [
    "ArcManaged",
    "KeyedLocks",
    "NCClient",
    "NCClientError",
    "NCConnectionError",
    "NCError",
    "NCSettings",
    "NCTimeoutError",
    "OperationFailed",
    "ProvisioningFailed",
    "is_arc_managed",
    "strip_read_only",
]


def __getattr__(name: str) -> Any:
    if name in ("NCClient", "NCSettings"):
        from sdn_provider.nc import client

        return getattr(client, name)
    raise AttributeError(name)
