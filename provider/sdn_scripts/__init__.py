"""The PowerShell the provider sends to cluster nodes, as data.

A neutral package: the provider ships these files over WinRM and the emulator's guest nodes recognise them,
so neither imports the other; the contract between them is what goes over the wire.
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def script_text(name: str) -> str:
    """``<name>.ps1`` as shipped, read once per process; unknown names are a programming error."""
    if not name.isidentifier():
        raise ValueError(f"invalid script name {name!r}")
    return resources.files(__package__).joinpath(f"{name}.ps1").read_text(encoding="utf-8")


def program(name: str) -> str:
    """What one command runs: the shared library, then the script (the transport sends it on stdin)."""
    return script_text("library") + "\n" + script_text(name)


#: The fixed command-line part: reads the program and its JSON input from stdin, forces UTF-8 output.
BOOTSTRAP = script_text("bootstrap")
