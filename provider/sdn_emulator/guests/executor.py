"""Runs a WinRS command line on a simulated guest node.

Only the provider's own scripts are understood: the command must be ``powershell.exe ... -EncodedCommand``
whose text is the fixed prelude followed by a shipped ``.ps1`` byte-for-byte; each script has a Python twin
here that drives :mod:`cluster` and prints what the real script would print (JSON, or an error record with
exit code 1). Anything else fails the way PowerShell does for an unknown command.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from sdn_scripts import script_text

from .cluster import NAME_RESOURCE, ClusterCmdletError, GuestWorld

_PRELUDE = re.compile(
    r"\$SdnInput = ConvertFrom-Json \(\[Text\.Encoding\]::UTF8\.GetString\(\[Convert\]::FromBase64String"
    r"\('([A-Za-z0-9+/=]*)'\)\)\)"
)
_HEADER = re.compile(r"# sdn-script: ([a-z_]+)\n")


def _get_cluster(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    return world.get_cluster(node)


def _new_cluster(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    world.new_cluster(node, str(p.get("name") or ""), str(p.get("node") or ""), p.get("static_address") or None)
    return world.get_cluster(node)


def _add_cluster_node(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    world.add_cluster_node(node, str(p.get("cluster") or ""), str(p.get("node") or ""))
    return world.get_cluster(node)


def _remove_cluster_node(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    world.remove_cluster_node(node, str(p.get("cluster") or ""), str(p.get("node") or ""))
    return world.get_cluster(node)


def _remove_cluster(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    world.remove_cluster(node, str(p.get("cluster") or ""))
    return {"removed": True}


def _get_cluster_resource(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    return world.get_resource(node, str(p.get("resource_name") or ""))


def _set_cluster_ip_address(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    ip_name = str(p.get("resource_name") or "")
    name_res = str(p.get("name_resource") or NAME_RESOURCE)
    previous = world.get_resource(node, ip_name)["parameters"]
    values = {str(k): v for k, v in (p.get("parameters") or {}).items()}
    world.stop_resource(node, name_res)
    world.stop_resource(node, ip_name)
    try:
        world.set_parameters(node, ip_name, values)
    finally:  # as the script's try/finally: the resources come back online even when the table is refused
        world.start_resource(node, ip_name)
        world.start_resource(node, name_res)
    return {"previous": previous, "resource": world.get_resource(node, ip_name)}


SCRIPTS: dict[str, Callable[[GuestWorld, str, dict[str, Any]], Any]] = {
    "get_cluster": _get_cluster,
    "new_cluster": _new_cluster,
    "add_cluster_node": _add_cluster_node,
    "remove_cluster_node": _remove_cluster_node,
    "remove_cluster": _remove_cluster,
    "get_cluster_resource": _get_cluster_resource,
    "set_cluster_ip_address": _set_cluster_ip_address,
}


def _not_recognized(term: str) -> tuple[int, bytes, bytes]:
    term = term[:80]
    message = (
        f"{term} : The term '{term}' is not recognized as the name of a cmdlet, function, script file, "
        "or operable program. Check the spelling of the name, or if a path was included, verify that the "
        "path is correct and try again.\r\n    + CategoryInfo          : ObjectNotFound: "
        f"({term}:String) [], CommandNotFoundException\r\n"
        "    + FullyQualifiedErrorId : CommandNotFoundException\r\n"
    )
    return 1, b"", message.encode("utf-8")


def _compact(value: Any) -> bytes:
    return (json.dumps(value, separators=(",", ":")) + "\r\n").encode("utf-8")


def execute(world: GuestWorld, node: str, executable: str, arguments: list[str]) -> tuple[int, bytes, bytes]:
    """Run one command on ``node``; returns (exit code, stdout, stderr)."""
    world.count_command(node)
    exe = executable.strip().lower()
    if exe not in ("powershell.exe", "powershell"):
        return _not_recognized(executable.strip() or "''")
    lowered = [a.lower() for a in arguments]
    if "-encodedcommand" not in lowered or lowered.index("-encodedcommand") + 1 >= len(arguments):
        return _not_recognized(" ".join(arguments))
    try:
        source = base64.b64decode(arguments[lowered.index("-encodedcommand") + 1], validate=True).decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError):
        return (
            1,
            b"",
            b"Cannot process the command because the value specified with -EncodedCommand is not properly "
            b"encoded. The value must be Base64 encoded.\r\n",
        )
    prelude, _, body = source.partition("\n")
    m_prelude = _PRELUDE.fullmatch(prelude)
    m_header = _HEADER.match(body)
    name = m_header.group(1) if m_header else ""
    if not m_prelude or name not in SCRIPTS or body != script_text(name):
        first = source.strip().split()[0] if source.strip() else "''"
        return _not_recognized(first)
    try:
        params = json.loads(base64.b64decode(m_prelude.group(1)).decode("utf-8"))
    except (ValueError, binascii.Error):
        params = None
    if not isinstance(params, dict):
        err = ClusterCmdletError(
            "ConvertFrom-Json",
            "Invalid JSON primitive.",
            "NotSpecified",
            "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
        )
        return 1, _compact({"error": err.record()}), b""
    try:
        injected = world.take_command_fault(node, name)
        if injected is not None:
            raise injected
        result = SCRIPTS[name](world, node, params)
    except ClusterCmdletError as err:
        record = err.record()
        record["cmdlet"] = _cmdlet_name(err.cmdlet)
        return 1, _compact({"error": record}), b""
    return 0, _compact(result), b""


def _cmdlet_name(class_name: str) -> str:
    """``SetClusterParameterCommand`` -> ``Set-ClusterParameter`` (what $_.InvocationInfo.MyCommand.Name gives)."""
    base = class_name.removesuffix("Command")
    if base == "GetResource":
        return "Get-ClusterResource"
    m = re.match(r"([A-Z][a-z]+)(.*)", base)
    return f"{m.group(1)}-{m.group(2)}" if m else base
