"""Errors shared by the provider's layers, in a leaf module: resources and clients import it without importing
the provider (no provider <-> resources cycle).

`ProviderError` is the root, as `requests.RequestException` is for requests: each client has its own base below
it (`NCClientError` for Network Controller, `ClusterError` for WinRM), and a resource that turns "anything our
layers raise on purpose" into a diagnostic catches the root instead of listing classes.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every error the provider reports as a diagnostic rather than a traceback."""


class NotConfigured(ProviderError):
    """A CRUD call needs a setting the configuration left unknown or empty."""
