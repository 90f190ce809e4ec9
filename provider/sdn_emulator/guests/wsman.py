"""A real WS-Management (WinRS) endpoint per simulated guest node, on its own loopback port.

Implements what pypsrp's ``WSMan``/``WinRS``/``Process`` use: Create shell, Command, Send (stdin), Receive, Signal
and Delete, with SOAP faults for errors ([MS-WSMV] 3.1.4.1.30 ff.). As on Windows a command runs as its own
process: it starts reading stdin at Command and ends when its program does; a Receive waits for output at most the
request's OperationTimeout and then answers the w:TimedOut fault (code 2150858793) that clients treat as "no output
yet"; Signal Terminate and Delete kill a command still running.

Authentication is enforced: Basic (HTTPS, or HTTP when explicitly allowed), NTLM through pyspnego's acceptor,
with channel binding to the TLS certificate, and CredSSP ([MS-CSSP], pyspnego's acceptor) on nodes where it is
enabled (``Enable-WSManCredSSP -Role Server``; off by default, as WinRM's Service/Auth/CredSSP is). Only CredSSP
hands the node the user's password (TSCredentials), which is what a second hop needs; the connection remembers
whether it did, and each command carries that to the executor. NTLM and CredSSP are offered over HTTPS only: over
HTTP pypsrp would demand WinRM message encryption, which is not implemented here. While a node is Down its
listener is closed, so clients get "connection refused" as from a powered-off VM.
"""

from __future__ import annotations

import base64
import socket
import ssl
import sys
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import spnego
import spnego.channel_bindings

from ..ntlm import NTLM_USERS as _NTLM_USERS
from ..ntlm import same_user as _same_user
from ..ntlm import tls_server_end_point as _tls_server_end_point
from .cluster import GuestWorld
from .executor import execute

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsman": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "wst": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
DONE = SHELL + "CommandState/Done"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


class WSManFault(Exception):
    """Becomes an HTTP 500 SOAP fault in the shape Windows' WinRM service uses."""

    def __init__(self, subcode: str, reason: str, code: int):
        super().__init__(reason)
        self.subcode, self.reason, self.code = subcode, reason, code


TIMED_OUT = 2150858793


@dataclass
class _Command:
    """One running process: its stdin until End, then its result once the executor returns."""

    executable: str
    arguments: list[str]
    delegated: bool
    stdin: bytearray = field(default_factory=bytearray)
    result: tuple[int, bytes, bytes] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def start(self, ep: NodeEndpoint) -> None:
        def run() -> None:
            self.result = execute(
                ep.world, ep.node, self.executable, self.arguments, bytes(self.stdin), self.cancelled, self.delegated
            )
            self.done.set()

        threading.Thread(target=run, name=f"winrs-{ep.node}", daemon=True).start()

    def kill(self) -> None:
        self.cancelled.set()


@dataclass
class _Shell:
    commands: dict[str, _Command] = field(default_factory=dict)


@dataclass
class NodeEndpoint:
    """One node's listener; re-bound on the same port when the node comes back up."""

    node: str
    world: GuestWorld
    host: str
    port: int
    tls: tuple[str, str] | None
    credentials: tuple[str, str]
    allow_http_basic: bool
    shells: dict[str, _Shell] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    cbt: bytes | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/wsman"

    def start(self) -> None:
        with self.lock:
            if self.server is not None:
                return
            server = _Server((self.host, self.port), _Handler)
            server.endpoint = self
            if self.tls:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(*self.tls)
                server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
            self.port = server.server_address[1]
            self.server = server
            threading.Thread(target=server.serve_forever, args=(0.05,), name=f"wsman-{self.node}", daemon=True).start()

    def stop(self) -> None:
        """Close the listener and forget every shell, as a reboot does; clients must handle the unknown ShellId."""
        with self.lock:
            server, self.server = self.server, None
            for shell in self.shells.values():
                for command in shell.commands.values():
                    command.kill()
            self.shells.clear()
        if server is not None:
            server.shutdown()
            server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    endpoint: NodeEndpoint

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that drop the connection or reject our certificate are normal here, not tracebacks."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True
    server: _Server
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.authenticated = False
        self.delegated = False
        self.ntlm: Any = None
        self.credssp: Any = None

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator logs through its own channels."""

    def do_POST(self) -> None:
        ep = self.server.endpoint
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not ep.world.is_up(ep.node):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if not self.authenticated and not self._authenticate(ep):
            return
        if not body:  # pypsrp's empty auth-probe message
            self._send(200, b"", "application/soap+xml;charset=UTF-8")
            return
        try:
            envelope = ET.fromstring(body)
        except ET.ParseError:
            self._send(400, b"", "text/plain")
            return
        message_id = envelope.findtext("s:Header/wsa:MessageID", "", NS)
        try:
            action, response_body = self._dispatch(ep, envelope)
            status = 200
        except WSManFault as fault:
            action, response_body, status = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", _fault(fault), 500
        self._send(status, _envelope(action, message_id, response_body), "application/soap+xml;charset=UTF-8")

    # ----- authentication --------------------------------------------------------------------
    def _authenticate(self, ep: NodeEndpoint) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        scheme = scheme.lower()
        basic_ok = bool(ep.tls) or ep.allow_http_basic
        if scheme == "basic" and basic_ok:
            try:
                user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", ""
            if _same_user(user, ep.credentials[0]) and password == ep.credentials[1]:
                self.authenticated = True
                return True
        elif scheme in ("ntlm", "negotiate") and ep.tls and token:
            return self._ntlm_step(ep, scheme, token)
        elif scheme == "credssp" and ep.tls and token and ep.world.node(ep.node).credssp_server:
            return self._credssp_step(ep, token)
        self._challenge(ep)
        return False

    def _credssp_step(self, ep: NodeEndpoint, token: str) -> bool:
        """One CredSSP leg: TLS inside the tokens, NTLM inside TLS, then the user's TSCredentials."""
        try:
            if self.credssp is None:
                self.credssp = spnego.server(protocol="credssp")
            out = self.credssp.step(base64.b64decode(token))
        except Exception:  # a failed handshake or a bad password is a plain 401
            self.credssp = None
            self._challenge(ep, close=True)
            return False
        if not self.credssp.complete:
            header = f"CredSSP {base64.b64encode(out or b'').decode()}"
            self._send(401, b"", "text/plain", [("WWW-Authenticate", header)])
            return False
        creds = self.credssp.get_extra_info("client_credential")
        user = f"{getattr(creds, 'domain_name', '')}\\{getattr(creds, 'username', '')}"
        if not _same_user(user, ep.credentials[0]) or getattr(creds, "password", None) != ep.credentials[1]:
            self.credssp = None
            self._challenge(ep, close=True)
            return False
        self.authenticated = self.delegated = True
        return True

    def _ntlm_step(self, ep: NodeEndpoint, scheme: str, token: str) -> bool:
        try:
            if self.ntlm is None:
                bindings = spnego.channel_bindings.GssChannelBindings(application_data=ep.cbt) if ep.cbt else None
                self.ntlm = spnego.server(protocol="ntlm", channel_bindings=bindings)
            out = self.ntlm.step(base64.b64decode(token))
        except Exception:  # any NTLM failure (bad password, bad bindings, garbage) is a plain 401
            self.ntlm = None
            self._challenge(ep, close=True)
            return False
        if not self.ntlm.complete:
            header = f"{'Negotiate' if scheme == 'negotiate' else 'NTLM'} {base64.b64encode(out or b'').decode()}"
            self._send(401, b"", "text/plain", [("WWW-Authenticate", header)])
            return False
        principal = str(self.ntlm.client_principal or "")
        if not _same_user(principal, ep.credentials[0]):
            self.ntlm = None
            self._challenge(ep, close=True)
            return False
        self.authenticated = True
        return True

    def _challenge(self, ep: NodeEndpoint, close: bool = False) -> None:
        offers = []
        if ep.tls:
            offers.append(("WWW-Authenticate", "NTLM"))
            if ep.world.node(ep.node).credssp_server:
                offers.append(("WWW-Authenticate", "CredSSP"))
        if ep.tls or ep.allow_http_basic:
            offers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        self.close_connection = close
        self._send(401, b"", "text/plain", offers)

    def _send(self, status: int, payload: bytes, ctype: str, headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        for key, value in headers or []:
            self.send_header(key, value)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    # ----- WS-Management actions -------------------------------------------------------------
    def _dispatch(self, ep: NodeEndpoint, envelope: ET.Element) -> tuple[str, ET.Element | None]:
        action = envelope.findtext("s:Header/wsa:Action", "", NS)
        body = envelope.find("s:Body", NS)
        shell_id = ""
        for sel in envelope.findall("s:Header/wsman:SelectorSet/wsman:Selector", NS):
            if sel.get("Name") == "ShellId":
                shell_id = sel.text or ""
        if action == TRANSFER + "Create":
            return TRANSFER + "CreateResponse", self._create(ep)
        shell = ep.shells.get(shell_id)
        if shell is None:
            raise WSManFault(
                "w:InvalidSelectors",
                "The WS-Management service cannot process the request because the "
                "request contained invalid selectors for the resource. ",
                2150858843,
            )
        if action == TRANSFER + "Delete":
            for command in ep.shells.pop(shell_id, shell).commands.values():
                command.kill()
            return TRANSFER + "DeleteResponse", None
        if action == SHELL + "Command":
            return SHELL + "CommandResponse", self._command(shell, body)
        if action == SHELL + "Send":
            return SHELL + "SendResponse", self._send_input(ep, shell, body)
        if action == SHELL + "Receive":
            return SHELL + "ReceiveResponse", self._receive(shell, body, _operation_timeout(envelope))
        if action == SHELL + "Signal":
            signal = body.find("rsp:Signal", NS) if body is not None else None
            command = shell.commands.pop(signal.get("CommandId", "") if signal is not None else "", None)
            if command is not None:  # Terminate ends the process; pypsrp also sends it after a finished command
                command.kill()
            return SHELL + "SignalResponse", ET.Element(_q("rsp", "SignalResponse"))
        raise WSManFault("a:ActionNotSupported", f"The action {action} is not supported by the service.", 2150858771)

    def _create(self, ep: NodeEndpoint) -> ET.Element:
        shell_id = str(uuid.uuid4()).upper()
        ep.shells[shell_id] = _Shell()
        created = ET.Element(_q("wst", "ResourceCreated"))
        ET.SubElement(created, _q("wsa", "Address")).text = ep.url
        ref = ET.SubElement(created, _q("wsa", "ReferenceParameters"))
        ET.SubElement(ref, _q("wsman", "ResourceURI")).text = SHELL.rstrip("/") + "/cmd"
        sel = ET.SubElement(ET.SubElement(ref, _q("wsman", "SelectorSet")), _q("wsman", "Selector"), Name="ShellId")
        sel.text = shell_id
        return created

    def _command(self, shell: _Shell, body: ET.Element | None) -> ET.Element:
        line = body.find("rsp:CommandLine", NS) if body is not None else None
        if line is None:
            raise WSManFault(
                "w:InvalidParameter",
                "The WS-Management service cannot process the request. The CommandLine element is missing.",
                2150858882,
            )
        executable = line.findtext("rsp:Command", "", NS)
        args = [a.text or "" for a in line.findall("rsp:Arguments", NS)]
        command_id = line.get("CommandId") or str(uuid.uuid4()).upper()
        shell.commands[command_id] = _Command(executable, args, self.delegated)
        rsp = ET.Element(_q("rsp", "CommandResponse"))
        ET.SubElement(rsp, _q("rsp", "CommandId")).text = command_id
        return rsp

    def _send_input(self, ep: NodeEndpoint, shell: _Shell, body: ET.Element | None) -> ET.Element:
        """stdin for a command; the process sees end of input (and the interpreter starts) at ``End="true"``."""
        stream = body.find("rsp:Send/rsp:Stream", NS) if body is not None else None
        command = shell.commands.get(stream.get("CommandId", "") if stream is not None else "")
        if stream is None or command is None:
            raise WSManFault(
                "w:InvalidSelectors",
                "The request for the Windows Remote Shell with ShellId failed because the command was not found.",
                2150858843,
            )
        command.stdin += base64.b64decode(stream.text or "")
        if stream.get("End", "").lower() == "true":
            command.start(ep)
        return ET.Element(_q("rsp", "SendResponse"))

    def _receive(self, shell: _Shell, body: ET.Element | None, timeout: float) -> ET.Element:
        stream = body.find("rsp:Receive/rsp:DesiredStream", NS) if body is not None else None
        command_id = stream.get("CommandId", "") if stream is not None else ""
        command = shell.commands.get(command_id)
        if command is None:
            raise WSManFault(
                "w:InvalidSelectors",
                "The request for the Windows Remote Shell with ShellId failed because the command was not found.",
                2150858843,
            )
        if not command.done.wait(timeout) or command.result is None:
            raise WSManFault(
                "w:TimedOut",
                "The WS-Management service cannot complete the operation within the time specified in "
                "OperationTimeout.  ",
                TIMED_OUT,
            )
        rc, out, err = command.result
        rsp = ET.Element(_q("rsp", "ReceiveResponse"))
        for name, data in (("stdout", out), ("stderr", err)):
            s = ET.SubElement(rsp, _q("rsp", "Stream"), Name=name, CommandId=command_id)
            s.text = base64.b64encode(data).decode("ascii")
        for name in ("stdout", "stderr"):
            ET.SubElement(rsp, _q("rsp", "Stream"), Name=name, CommandId=command_id, End="true")
        state = ET.SubElement(rsp, _q("rsp", "CommandState"), CommandId=command_id, State=DONE)
        ET.SubElement(state, _q("rsp", "ExitCode")).text = str(rc)
        return rsp


def _operation_timeout(envelope: ET.Element) -> float:
    """The request's wsman:OperationTimeout (``PT20S``, ``PT20.000S``); WinRM's default is 60 s."""
    text = envelope.findtext("s:Header/wsman:OperationTimeout", "", NS)
    try:
        return float(text.removeprefix("PT").removesuffix("S"))
    except ValueError:
        return 60.0


def _envelope(action: str, relates_to: str, body: ET.Element | None) -> bytes:
    env = ET.Element(_q("s", "Envelope"))
    header = ET.SubElement(env, _q("s", "Header"))
    ET.SubElement(header, _q("wsa", "Action")).text = action
    ET.SubElement(header, _q("wsa", "MessageID")).text = f"uuid:{str(uuid.uuid4()).upper()}"
    ET.SubElement(header, _q("wsa", "To")).text = ANONYMOUS
    ET.SubElement(header, _q("wsa", "RelatesTo")).text = relates_to
    soap_body = ET.SubElement(env, _q("s", "Body"))
    if body is not None:
        soap_body.append(body)
    return ET.tostring(env, encoding="utf-8", xml_declaration=False)


def _fault(fault: WSManFault) -> ET.Element:
    f = ET.Element(_q("s", "Fault"))
    code = ET.SubElement(f, _q("s", "Code"))
    ET.SubElement(code, _q("s", "Value")).text = "s:Sender"
    ET.SubElement(ET.SubElement(code, _q("s", "Subcode")), _q("s", "Value")).text = fault.subcode
    ET.SubElement(ET.SubElement(f, _q("s", "Reason")), _q("s", "Text"), {"xml:lang": "en-US"}).text = fault.reason
    detail = ET.SubElement(f, _q("s", "Detail"))
    wf = ET.SubElement(detail, _q("f", "WSManFault"), Code=str(fault.code), Machine="localhost")
    ET.SubElement(wf, _q("f", "Message")).text = fault.reason
    return f


class GuestServers(dict[str, str]):
    """Node name -> endpoint URL; also owns the listeners, which follow the nodes' Up/Down state."""

    def __init__(self, world: GuestWorld, endpoints: dict[str, NodeEndpoint]):
        super().__init__({name: ep.url for name, ep in endpoints.items()})
        self.world = world
        self.endpoints = endpoints
        self._stopped = False
        world.add_listener(self._on_node_state)

    def _on_node_state(self, node: str, state: str) -> None:
        ep = self.endpoints.get(node)
        if ep is None or self._stopped:
            return
        if state == "Up":
            ep.start()
        else:
            ep.stop()

    def stop(self) -> None:
        self._stopped = True
        for ep in self.endpoints.values():
            ep.stop()


def start_guest_servers(
    cluster: GuestWorld,
    nodes: list[str],
    host: str = "127.0.0.1",
    tls: tuple[str, str] | None = None,
    credentials: tuple[str, str] = ("Administrator", "Passw0rd!"),
    allow_http_basic: bool = False,
    ports: dict[str, int] | None = None,
) -> GuestServers:
    """Start one WinRM endpoint per node on ``host`` (loopback; ``ports`` pins some, others are ephemeral);
    returns node -> URL."""
    if tls:
        _NTLM_USERS.add(*credentials)
    cbt = _tls_server_end_point(tls[0]) if tls else None
    endpoints = {}
    for name in nodes:
        node = cluster.node(name)
        port = (ports or {}).get(node.name, 0)
        ep = NodeEndpoint(node.name, cluster, host, port, tls, credentials, allow_http_basic, cbt=cbt)
        ep.start()  # bind even a Down node once, so its URL is stable when it comes up
        if node.state != "Up":
            ep.stop()
        endpoints[node.name] = ep
    return GuestServers(cluster, endpoints)


def stop_guest_servers(servers: GuestServers) -> None:
    """Close every listener started by :func:`start_guest_servers`."""
    servers.stop()
