"""The Microsoft.PowerShell.* cmdlets the shipped scripts call, each as its Microsoft Learn page describes it.

Time is the script's own: Get-Date starts at the real clock and Start-Sleep only moves it on, since nothing in the
emulator's model changes by itself while a script waits (an assumption of the model, not of Windows).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

from .errors import ErrorRecord, PSError
from .interpreter import Command, Invocation
from .values import Hashtable, PSObject, ScriptBlock, Unsupported, collapse, to_int, to_string, truthy


def _script_block(invocation: Invocation, name: str) -> ScriptBlock:
    block = invocation.bound.get(name)
    if not isinstance(block, ScriptBlock):
        raise Unsupported("ForEach-Object/Where-Object without a script block", invocation.line)
    return block


def _for_each(invocation: Invocation) -> list[Any]:
    """ForEach-Object -Process: the block once per input object, ``$_`` the object."""
    block = _script_block(invocation, "process")
    out: list[Any] = []
    for item in invocation.input:
        out.extend(invocation.interpreter.invoke_block(block, invocation.scope, item))
    return out


def _where(invocation: Invocation) -> list[Any]:
    """Where-Object -FilterScript: the input objects for which the block's result is true."""
    block = _script_block(invocation, "filterscript")
    return [
        item
        for item in invocation.input
        if truthy(collapse(invocation.interpreter.invoke_block(block, invocation.scope, item)))
    ]


def _select(invocation: Invocation) -> list[Any]:
    """Select-Object -First N (the only form the scripts use)."""
    if set(invocation.bound) != {"first"}:
        raise Unsupported("Select-Object without -First", invocation.line)
    return invocation.input[: to_int(invocation.bound["first"], invocation.line)]


def _json_value(value: Any, depth: int, line: int) -> Any:
    """ConvertTo-Json: hashtables and objects become JSON objects, arrays arrays; past -Depth an object is its
    string (Learn, ConvertTo-Json -Depth)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_json_value(v, depth - 1, line) for v in value]
    if isinstance(value, Hashtable | PSObject):
        if depth < 0:
            return "System.Collections.Hashtable" if isinstance(value, Hashtable) else value.type_name
        return {str(k): _json_value(v, depth - 1, line) for k, v in value.items()}
    raise Unsupported(f"ConvertTo-Json of a {type(value).__name__}", line)


def _to_json(invocation: Invocation) -> list[Any]:
    """ConvertTo-Json -Depth N -Compress. Windows PowerShell 5.1 also escapes <, >, ' and & as \\u003c etc.; the
    emulator has always written them plain, and the provider reads either (JSON is the same)."""
    if not invocation.bound.get("compress"):
        raise Unsupported("ConvertTo-Json without -Compress (the indented layout is not modelled)", invocation.line)
    items = invocation.input if "inputobject" not in invocation.bound else [invocation.bound["inputobject"]]
    if not items:
        return []
    depth = to_int(invocation.bound.get("depth", 2), invocation.line)
    document = _json_value(items[0] if len(items) == 1 else items, depth, invocation.line)
    return [json.dumps(document, separators=(",", ":"))]


def from_json(text: str) -> Any:
    """ConvertFrom-Json: JSON objects become PSCustomObjects with their properties in order, arrays arrays."""

    def hook(pairs: list[tuple[str, Any]]) -> PSObject:
        result = PSObject()
        for key, value in pairs:
            result.set_ci(key, value)
        return result

    return json.loads(text, object_pairs_hook=hook)


def _from_json(invocation: Invocation) -> list[Any]:
    text = "\n".join(to_string(i) for i in invocation.input) or to_string(invocation.bound.get("inputobject"))
    try:
        return [from_json(text)]
    except ValueError:
        raise PSError(
            ErrorRecord(
                "Invalid JSON primitive.",
                "NotSpecified",
                "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
                cmdlet="ConvertFrom-Json",
                exception_type="ArgumentException",
            )  # fmt: skip
        ) from None


class Clock:
    """The script's clock (see the module docstring)."""

    def __init__(self) -> None:
        self.now = datetime.datetime.now()

    def get_date(self, invocation: Invocation) -> list[Any]:
        if invocation.bound:
            raise Unsupported("Get-Date with parameters", invocation.line)
        return [self.now]

    def sleep(self, invocation: Invocation) -> list[Any]:
        """Start-Sleep -Seconds N."""
        self.now += datetime.timedelta(seconds=float(invocation.bound.get("seconds", 0)))
        return []


def _passthrough(invocation: Invocation) -> list[Any]:
    """Write-Output: its arguments (or input) to the output stream."""
    value = invocation.bound.get("inputobject")
    return list(invocation.input) + ([] if value is None else value if isinstance(value, list) else [value])


#: Add-Type -MemberDefinition: ``[DllImport("x.dll", ...)] public static extern <type> Name(...);``
_EXTERN = re.compile(r'\[DllImport\("([^"]+)"[^\]]*\]\s*public\s+static\s+extern\s+\w+\s+(\w+)\s*\(', re.IGNORECASE)


def add_type(natives: dict[tuple[str, str], Callable[..., Any]]) -> Callable[[Invocation], list[Any]]:
    """Add-Type -Namespace -Name -MemberDefinition with P/Invoke declarations: the class gets one static method
    per declared function, each bound to the host's model of that DLL export (``natives``)."""

    def run(invocation: Invocation) -> list[Any]:
        bound = invocation.bound
        definition = to_string(bound.get("memberdefinition"))
        methods = {}
        for dll, function in _EXTERN.findall(definition):
            implementation = natives.get((dll.lower(), function.lower()))
            if implementation is None:
                raise Unsupported(f"Add-Type of {dll}!{function} (no model of it)", invocation.line)
            methods[function.lower()] = implementation
        if not methods or not bound.get("namespace") or not bound.get("name"):
            raise Unsupported("Add-Type other than -Namespace -Name -MemberDefinition of DllImports", invocation.line)
        type_name = f"{to_string(bound['namespace'])}.{to_string(bound['name'])}".lower()
        invocation.interpreter.types[type_name] = methods
        return []

    return run


def import_module(installed: set[str]) -> Callable[[Invocation], list[Any]]:
    """Import-Module Name: fails for a module that is not installed, with Windows' text and error id."""

    def run(invocation: Invocation) -> list[Any]:
        name = to_string(invocation.bound.get("name"))
        if name.lower() not in {m.lower() for m in installed}:
            raise PSError(
                ErrorRecord(
                    f"The specified module '{name}' was not loaded because no valid module file was found in any "
                    "module directory.",
                    "ResourceUnavailable",
                    "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
                    cmdlet="Import-Module",
                    target=name,
                    exception_type="FileNotFoundException",
                )
            )
        return []

    return run


def core_commands(natives: dict[tuple[str, str], Callable[..., Any]], modules: set[str]) -> dict[str, Command]:
    """A fresh set of the core cmdlets (each run gets its own clock); ``modules`` are the installed ones."""
    clock = Clock()
    commands = [
        Command("Import-Module", import_module(modules), ("Name",), ("Name",)),
        Command("ForEach-Object", _for_each, ("Process",), ("Process",)),
        Command("Where-Object", _where, ("FilterScript",), ("FilterScript",)),
        Command("Select-Object", _select, ("First",)),
        Command("Out-Null", lambda invocation: [], ("InputObject",)),
        Command("Write-Output", _passthrough, ("InputObject",), ("InputObject",)),
        Command("ConvertTo-Json", _to_json, ("InputObject", "Depth"), ("InputObject",), ("Compress",)),
        Command("ConvertFrom-Json", _from_json, ("InputObject",), ("InputObject",)),
        Command("Get-Date", clock.get_date),
        Command("Start-Sleep", clock.sleep, ("Seconds",), ("Seconds",)),
        Command("Add-Type", add_type(natives), ("Namespace", "Name", "MemberDefinition")),
    ]
    return {c.name: c for c in commands}
