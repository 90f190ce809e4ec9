"""Errors of the cluster (WinRM) client, in a leaf module: resources catch `ClusterError` without loading the
transport (and its WinRM libraries)."""

from __future__ import annotations

from typing import Any

from sdn_provider.errors import ProviderError


class ClusterError(ProviderError):
    """Base of every error of the cluster (WinRM) client, so callers catch one class."""


class WinRMSettingsError(ClusterError, ValueError):
    """The provider's winrm_* settings are unusable; raised before any traffic."""


class WinRMConnectionError(ClusterError):
    """The node could not be reached or the WinRM protocol failed."""


class WinRMAuthError(WinRMConnectionError):
    """The node rejected the credentials (HTTP 401)."""


class ClusterCommandTimeout(ClusterError):
    """A command ran past its deadline and was terminated (WinRS Signal Terminate)."""


class ClusterCommandError(ClusterError):
    """A cluster cmdlet failed; carries the fields of Windows' error record the provider acts on or shows."""

    def __init__(self, script: str, record: dict[str, Any]):
        self.script = script
        self.cmdlet = str(record.get("cmdlet") or "")
        self.category = str(record.get("category") or "")
        self.fully_qualified_error_id = str(record.get("fullyQualifiedErrorId") or "")
        message = str(record.get("message") or "unknown error")
        where = f"{self.cmdlet}: " if self.cmdlet else ""
        super().__init__(f"{script}: {where}{message}")
        self.message = message
