"""The cluster (WinRM) client: `transport` runs the scripts, `remote` maps provider settings onto it; its errors
are re-exported here (one base, `ClusterError`), as requests and httpx re-export theirs."""

from sdn_provider.cluster.errors import (
    ClusterCommandError,
    ClusterCommandTimeout,
    ClusterError,
    WinRMAuthError,
    WinRMConnectionError,
    WinRMSettingsError,
)

__all__ = [
    "ClusterCommandError",
    "ClusterCommandTimeout",
    "ClusterError",
    "WinRMAuthError",
    "WinRMConnectionError",
    "WinRMSettingsError",
]
