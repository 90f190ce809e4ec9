"""NC REST adapter over the emulator model."""

from .server import NcRestServer

__all__ = ["NcRestServer"]
