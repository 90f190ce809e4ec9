"""Runs a WinRS command on a simulated guest node.

Only the provider's own program is understood: ``powershell.exe -NoProfile -NonInteractive -EncodedCommand``
with the shipped bootstrap, and on stdin two base64 lines, the shipped library followed by one shipped script
byte-for-byte, then the JSON input. Each script has a Python twin here that follows the script's documented
sequence step by step against :mod:`cluster` and prints what the real script would print (JSON, or an error
record with exit code 1). Errors PowerShell raises outside a script's ``try`` (the library's ``Import-Module``,
the bootstrap's ``ConvertFrom-Json``) go to stderr as CLIXML, as powershell.exe writes them when its streams are
redirected. Anything else fails the way PowerShell does for an unknown command.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from sdn_scripts import BOOTSTRAP, program

from .cluster import ClusterCmdletError, CommandHangs, GuestWorld

_HEADER = re.compile(r"# sdn-script: ([a-z_]+)\n")
_LIBRARY_END = program("get_cluster").index("# sdn-script: ")


def _thrown(message: str) -> ClusterCmdletError:
    """What a script's ``throw "..."`` records: no cmdlet, category OperationStopped, the text as error id."""
    return ClusterCmdletError("", message, "OperationStopped", message)


def _assert_cluster(world: GuestWorld, node: str, expected: str) -> str:
    """Assert-SdnCluster: the local cluster, refused when it is not the expected one."""
    if world.node_cluster_state(node) == 1:
        raise _thrown(f"This node ({node}) is not a member of cluster '{expected}'.")
    actual = world.local_cluster(node)
    if actual.lower() != expected.lower():
        raise _thrown(f"This node ({node}) is a member of cluster '{actual}', not of '{expected}'.")
    return actual


def _resolve(world: GuestWorld, node: str, name: str, resource_type: str) -> str:
    """Resolve-SdnResource: by name when given, else the core group's resource of that type."""
    if name:
        return name
    found = world.core_resource(node, resource_type)
    if found is None:
        raise _thrown(f"The core cluster group has no '{resource_type}' resource.")
    return found


def _get_cluster(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    return world.get_cluster(node)


def _new_cluster(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    ignored = [str(n) for n in p.get("ignore_networks") or []]
    world.new_cluster(
        node, str(p.get("name") or ""), str(p.get("node") or ""), p.get("static_address") or None, ignored
    )
    return world.get_cluster(node)


def _add_cluster_node(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    cluster = _assert_cluster(world, node, str(p.get("cluster") or ""))
    joining = str(p.get("node") or "")
    world.add_cluster_node(node, cluster, joining)
    # The script then polls Get-ClusterNode until the node is Up; a node of the model is Up at once or never.
    state = next((n["state"] for n in world.get_cluster(node)["nodes"] if n["name"].lower() == joining.lower()), "")
    if state != "Up":
        raise _thrown(f"Node {joining} joined but did not reach Up within 120 seconds.")
    return world.get_cluster(node)


def _remove_cluster_node(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    cluster = _assert_cluster(world, node, str(p.get("cluster") or ""))
    world.remove_cluster_node(node, cluster, str(p.get("node") or ""))
    return world.get_cluster(node)


def _remove_cluster(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    cluster = _assert_cluster(world, node, str(p.get("cluster") or ""))
    world.remove_cluster(node, cluster)
    return {"removed": True}


def _get_cluster_resource(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    return world.get_resource(node, _resolve(world, node, str(p.get("resource_name") or ""), "IP Address"))


def _set_cluster_ip_address(world: GuestWorld, node: str, p: dict[str, Any]) -> Any:
    ip_name = _resolve(world, node, str(p.get("resource_name") or ""), "IP Address")
    name_res = _resolve(world, node, str(p.get("name_resource") or ""), "Network Name")
    previous = world.get_resource(node, ip_name)["parameters"]
    values = {str(k): v for k, v in (p.get("parameters") or {}).items()}
    world.stop_resource(node, name_res)
    world.stop_resource(node, ip_name)
    try:
        world.set_parameters(node, ip_name, values)
    finally:  # as the script's try/finally: the resources come back online even when the table is refused
        world.start_resource(node, ip_name)
        world.start_resource(node, name_res)
    return {"previous": previous, "resource": world.get_resource(node, ip_name), "name_resource": name_res}


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
    return 1, b"", clixml_error(message)


def clixml_error(message: str) -> bytes:
    """An error record as powershell.exe writes it to a redirected stderr (``#< CLIXML`` then ``<Objs>``), CR and
    LF escaped as ``_x000D__x000A_``; a progress record comes first, as PowerShell 5.1 emits one at start-up."""
    text = escape(message).replace("\r", "_x000D_").replace("\n", "_x000A_")
    return (
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
        '<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first '
        "use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>"
        f'<S S="Error">{text}</S></Objs>'
    ).encode()


def _compact(value: Any) -> bytes:
    return (json.dumps(value, separators=(",", ":")) + "\r\n").encode("utf-8")


def _decode_line(line: str) -> str | None:
    try:
        return base64.b64decode(line.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


class _NotOurs(Exception):
    """A command that is not the provider's program; carries what powershell.exe would answer."""

    def __init__(self, result: tuple[int, bytes, bytes]):
        super().__init__("not a shipped program")
        self.result = result


def _parse(executable: str, arguments: list[str], stdin: bytes) -> tuple[str, str]:
    """(script name, input JSON text) of the provider's program; raises _NotOurs for anything else."""
    if executable.strip().lower() not in ("powershell.exe", "powershell"):
        raise _NotOurs(_not_recognized(executable.strip() or "''"))
    lowered = [a.lower() for a in arguments]
    if "-encodedcommand" not in lowered or lowered.index("-encodedcommand") + 1 >= len(arguments):
        raise _NotOurs(_not_recognized(" ".join(arguments)))
    try:
        source = base64.b64decode(arguments[lowered.index("-encodedcommand") + 1], validate=True).decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError):
        message = (
            b"Cannot process the command because the value specified with -EncodedCommand is not properly "
            b"encoded. The value must be Base64 encoded.\r\n"
        )
        raise _NotOurs((1, b"", message)) from None
    if source != BOOTSTRAP:
        first = source.strip().split()[0] if source.strip() else "''"
        raise _NotOurs(_not_recognized(first))
    lines = stdin.decode("ascii", errors="replace").split("\n")
    text = _decode_line(lines[0]) if lines else None
    m_header = _HEADER.match(text[_LIBRARY_END:]) if text else None
    name = m_header.group(1) if m_header else ""
    if text is None or name not in SCRIPTS or text != program(name):
        first = text.strip().split()[0] if text and text.strip() else "''"
        raise _NotOurs(_not_recognized(first))
    return name, (_decode_line(lines[1]) if len(lines) > 1 else None) or ""


# The cmdlet of each script that makes a second hop (see GuestWorld.domain).
SECOND_HOP = {
    "new_cluster": "NewClusterCommand",
    "add_cluster_node": "AddClusterNodeCommand",
    "remove_cluster_node": "RemoveClusterNodeCommand",
    "remove_cluster": "RemoveClusterCommand",
}


def _second_hop_denied(world: GuestWorld, node: str, name: str) -> ClusterCmdletError:
    """What the cmdlet reports when the node cannot pass the user's identity on: the next machine (a domain
    controller, another node) sees an anonymous logon and denies access. The wording is an assumption (Windows
    wraps E_ACCESSDENIED in cmdlet-specific text); the code is Windows' E_ACCESSDENIED."""
    cmdlet = SECOND_HOP[name]
    return ClusterCmdletError(
        cmdlet,
        f"{_cmdlet_name(cmdlet)} on {node} could not reach Active Directory ({world.domain}) or the other nodes "
        "with your credentials: Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))",
        "PermissionDenied",
        f"UnauthorizedAccess,Microsoft.FailoverClusters.PowerShell.{cmdlet}",
    )


def execute(
    world: GuestWorld,
    node: str,
    executable: str,
    arguments: list[str],
    stdin: bytes,
    cancelled: threading.Event,
    delegated: bool = False,
) -> tuple[int, bytes, bytes]:
    """Run one command on ``node``; returns (exit code, stdout, stderr). A hung command returns once
    ``cancelled`` is set (WinRS Signal Terminate or the shell's deletion). ``delegated``: the session handed the
    node the user's credentials (CredSSP), so the cmdlets may make a second hop."""
    world.count_command(node)
    try:
        name, input_text = _parse(executable, arguments, stdin)
    except _NotOurs as refused:
        return refused.result
    if not world.node(node).clustering_tools:
        # The library's Import-Module runs outside the script's try: PowerShell's own error, as CLIXML on stderr.
        return (
            1,
            b"",
            clixml_error(
                "Import-Module : The specified module 'FailoverClusters' was not loaded because no valid module file "
                "was found in any module directory.\r\n    + CategoryInfo          : ResourceUnavailable: "
                "(FailoverClusters:String) [Import-Module], FileNotFoundException\r\n    + FullyQualifiedErrorId : "
                "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand\r\n"
            ),
        )
    try:
        params = json.loads(input_text)
    except ValueError:
        params = None
    if not isinstance(params, dict):  # the bootstrap's ConvertFrom-Json, outside any try
        return 1, b"", clixml_error("ConvertFrom-Json : Invalid JSON primitive.\r\n")
    try:
        injected = world.take_command_fault(node, name)
        if isinstance(injected, CommandHangs):
            cancelled.wait()
            return -1, b"", b""
        if injected is not None:
            raise injected
        if name in SECOND_HOP and world.domain and not delegated:
            if name != "new_cluster":  # the script checks its local cluster before the cmdlet
                _assert_cluster(world, node, str(params.get("cluster") or ""))
            raise _second_hop_denied(world, node, name)
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
