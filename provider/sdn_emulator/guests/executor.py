"""Runs a WinRS command on a simulated guest node: the shipped PowerShell, through the interpreter.

Only the provider's own program is accepted: ``powershell.exe -NoProfile -NonInteractive -EncodedCommand`` with
the shipped bootstrap, and on stdin two base64 lines, the shipped library followed by one shipped script
byte-for-byte, then the JSON input. The bootstrap (fixed, checked byte-for-byte) is modelled here: it decodes the
two lines and runs the program with the input as ``$SdnInput``. The program itself runs in
:mod:`sdn_emulator.powershell` against :mod:`failover_clusters`, so what it prints (JSON, or an error record with
exit code 1) is what its text says. Errors PowerShell raises outside a script's ``try`` (the library's
``Import-Module``, the bootstrap's ``ConvertFrom-Json``) go to stderr as CLIXML, as powershell.exe writes them when
its streams are redirected. Anything else fails the way PowerShell does for an unknown command.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from xml.sax.saxutils import escape

from sdn_scripts import BOOTSTRAP, program, script_text

from sdn_emulator.powershell import ExitScript, Interpreter, PSError, PSObject, Unsupported
from sdn_emulator.powershell.cmdlets import core_commands, from_json
from sdn_emulator.powershell.errors import command_not_found

from .cluster import ClusterCmdletError, CommandHangs, GuestWorld
from .failover_clusters import FailoverClusters

_HEADER = re.compile(r"# sdn-script: ([a-z_]+)\n")
_LIBRARY_END = program("get_cluster").index("# sdn-script: ")


def _not_recognized(term: str) -> tuple[int, bytes, bytes]:
    return 1, b"", clixml_error(command_not_found(term[:80]).record.console_text())


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


def _parse(executable: str, arguments: list[str], stdin: bytes) -> tuple[str, str, str]:
    """(script name, program text, input JSON text) of the provider's program; raises _NotOurs otherwise."""
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
    if text is None or not _is_shipped(name) or text != program(name):
        first = text.strip().split()[0] if text and text.strip() else "''"
        raise _NotOurs(_not_recognized(first))
    return name, text, (_decode_line(lines[1]) if len(lines) > 1 else None) or ""


def _is_shipped(name: str) -> bool:
    try:
        return bool(name) and script_text(name).startswith(f"# sdn-script: {name}\n")
    except FileNotFoundError:
        return False


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
        name, source, input_text = _parse(executable, arguments, stdin)
    except _NotOurs as refused:
        return refused.result
    try:
        params = from_json(input_text)
    except ValueError:
        params = None
    if not isinstance(params, PSObject):  # the bootstrap's ConvertFrom-Json, outside any try
        return 1, b"", clixml_error("ConvertFrom-Json : Invalid JSON primitive.\r\n")
    injected = world.take_command_fault(node, name)
    if isinstance(injected, CommandHangs):
        cancelled.wait()
        return -1, b"", b""
    return _run(world, node, source, params, delegated, injected)


def _run(
    world: GuestWorld, node: str, source: str, params: PSObject, delegated: bool, injected: ClusterCmdletError | None
) -> tuple[int, bytes, bytes]:
    """The program in the interpreter, with the FailoverClusters module where RSAT-Clustering-PowerShell is."""
    module = FailoverClusters(world, node, delegated, injected)
    installed = {"FailoverClusters"} if world.node(node).clustering_tools else set()
    commands = {**core_commands(module.natives(), installed), **(module.commands() if installed else {})}
    interpreter = Interpreter(commands, {"COMPUTERNAME": node}, {"SdnInput": params})
    output: list[object] = []
    code, stderr = 0, b""
    try:
        interpreter.run(source, output)
    except ExitScript as ended:
        code = ended.code
    except PSError as uncaught:  # powershell.exe prints it and exits 1
        code, stderr = 1, clixml_error(uncaught.record.console_text())
    except Unsupported as limitation:  # the emulator's limit, never Windows' behaviour: say so loudly
        return 1, b"", clixml_error(f"sdn-emulator cannot run this PowerShell: {limitation}\r\n")
    lines = []
    for item in output:
        if not isinstance(item, str):
            return 1, b"", clixml_error(f"sdn-emulator: the script output a {type(item).__name__}, not text\r\n")
        lines.append(item + "\r\n")
    return code, "".join(lines).encode("utf-8"), stderr
