"""NC REST adapter over the emulator model."""

from .server import NcRestServer, NegotiateAuth

__all__ = ["NcRestServer", "NegotiateAuth"]
