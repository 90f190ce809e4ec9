"""A small interpreter for the PowerShell subset the shipped scripts use, on the tree-sitter-powershell parse.

The emulator runs the script text a WinRS command received (:mod:`sdn_emulator.guests.executor`), so a script edit
changes what the emulator does. Constructs outside the subset raise :class:`Unsupported` with their line.
"""

from .errors import ErrorRecord, ExitScript, PSError
from .interpreter import Command, Interpreter, Invocation
from .values import PSObject, Ref, Unsupported

__all__ = [
    "Command",
    "ErrorRecord",
    "ExitScript",
    "Interpreter",
    "Invocation",
    "PSError",
    "PSObject",
    "Ref",
    "Unsupported",
]
