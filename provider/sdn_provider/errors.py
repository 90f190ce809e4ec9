"""Errors shared by the provider's layers, in a leaf module: resources and clients import it without importing
the provider (no provider <-> resources cycle)."""

from __future__ import annotations


class NotConfigured(Exception):
    """A CRUD call needs a setting the configuration left unknown or empty."""
