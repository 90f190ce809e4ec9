"""The emulated Network Controller model: state and validation, no HTTP (shared by REST, WinRM, data plane)."""

from .controller import NetworkController
from .errors import NcError

__all__ = ["NcError", "NetworkController"]
