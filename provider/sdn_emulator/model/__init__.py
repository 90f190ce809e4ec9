"""The emulated Network Controller model: state and validation, no HTTP (shared by REST, WinRM, data plane)."""

from .controller import NC_FAULT_KINDS, Fault, NetworkController, apply_nc_fault
from .errors import NcError

__all__ = ["NC_FAULT_KINDS", "Fault", "NcError", "NetworkController", "apply_nc_fault"]
