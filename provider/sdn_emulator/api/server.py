"""NC REST adapter: a thin stdlib HTTP(S) layer over ``NetworkController`` (all semantics live in the model).

Routes:
- ``/networking/v1/...``: GET (resource or collection), PUT (200 update / 201 create), DELETE (202 Accepted
  with the resource in ``Deleting`` and ``Location`` = ``Azure-AsyncOperation`` = the absolute
  ``/networking/v1/operationResults/{operationId}`` URL, operationId = the response's x-ms-request-id, plus
  ``Retry-After`` while at least a second remains: [MS-NCNBI] 1.3.2.1, 2.2.1.3; 404 when missing); any other
  verb -> 405. Every request is counted and may be answered by an injected fault first.
- ``/networking/v1/operationResults/{id}``: 202 ``{"status": "InProgress"}`` while the operation runs, then
  200 with ``Succeeded`` or ``Failed`` + ``error`` ([MS-NCNBI] 3.1.5.13); 404 for an unknown id.
- ``/networking/discovery``: ``{"properties": {"currentRestVersion": "v1"}}``.
- ``/_emulator/...`` (not NC; for tests and tools): ``GET stats``, ``POST stats/reset``,
  ``POST faults`` (``{"kind": ..., <params>}``: the same kinds and parameters as the control API's
  ``InjectFault``), ``GET inventory``, ``GET requests[?last=N]`` (the last ``REQUESTS_KEPT`` NC requests:
  method, path, If-Match, the Authorization scheme only, status, the injected fault kind it hit or null) and
  ``POST requests/reset``.

Authentication, as NC's ``ClientAuthentication`` offers it (Install-/Set-NetworkController on Microsoft
Learn): none; X509 client certificates (the TLS layer, ``tls.py``); or Kerberos, which HTTP clients reach through
HTTP Negotiate (Microsoft's clients: ``Invoke-WebRequest -Credential`` / ``-UseDefaultCredentials``). With
``negotiate`` every ``/networking/...`` request on a connection that has not authenticated yet gets 401
``WWW-Authenticate: Negotiate``; the SPNEGO exchange (NTLM inside it here: no KDC on this machine) authenticates
the TCP connection, as HTTP.sys does, so later keep-alive requests need no header. ``/_emulator`` stays open.

Injected transport faults: ``drop_next`` closes the socket without answering; ``slow_next`` processes the
request, then answers only after ``seconds`` (past the client's timeout). Every NC request is logged
(method, path, status, x-ms-request-id) and counted by status in ``stats``.

Responses carry ``x-ms-request-id`` (new GUID each), ``Server: Microsoft-HTTPAPI/2.0``, ``ETag`` for single
resources and always ``Content-Length`` (HTTP/1.1 keep-alive).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import socket
import ssl
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..model import NC_FAULT_KINDS, NcError, NetworkController, apply_nc_fault
from ..model.schema import bad_body, split_path
from ..ntlm import AuthFailed, ConnectionAuth

log = logging.getLogger("sdn_emulator.api")
REQUESTS_KEPT = 500
#: A pending fault's action -> the fault kind that armed it (``fault`` in the recorded requests).
FAULT_KIND = {
    "error": "fail_next",
    "drop": "drop_next",
    "drop_after": "drop_after_next",
    "race": "concurrent_write_next",
    "delay": "slow_next",
}
#: (kind, params) -> result text; raises KeyError/ValueError/TypeError on bad parameters.
FaultHandler = Callable[[str, dict[str, Any]], str]


@dataclass(frozen=True)
class NegotiateAuth:
    """Require HTTP Negotiate as ``username`` (registered with ``ntlm.NTLM_USERS``); ``cbt``: the TLS
    certificate's channel-binding data, which clients such as pypsrp bind their tokens to over HTTPS."""

    username: str
    cbt: bytes | None = None


class _Dropped(Exception):
    """An injected ``drop_next``: close the connection without an answer."""


_QUIET_ERRORS = (ssl.SSLError, ConnectionError, TimeoutError, OSError)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        controller: NetworkController,
        ssl_context: ssl.SSLContext | None,
        faults: FaultHandler,
        negotiate: NegotiateAuth | None,
    ) -> None:
        self.controller = controller
        self.faults = faults
        self.negotiate = negotiate
        self.ssl_context = ssl_context
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUESTS_KEPT)
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            # Handshake later, in the worker thread, so one slow client cannot stall accept().
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        if isinstance(request, ssl.SSLSocket):
            request.settimeout(10)
            request.do_handshake()
        super().finish_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], _QUIET_ERRORS):
            log.exception("error while serving %s", client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            for sock in list(self.connections):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the client's delayed
    # ACK stall every request on a keep-alive connection ~40 ms (HTTP.sys, the real NC, does not).
    disable_nagle_algorithm = True
    server_version = "Microsoft-HTTPAPI/2.0"
    timeout = 120
    server: _Server
    _delay = 0.0  # seconds to hold the answer back (an injected slow_next)
    _drop_after = False  # close the connection after processing, unanswered (an injected drop_after_next)
    _fault = None  # the injected fault this request hit (recorded, so tests can prove a fault fired)

    def setup(self) -> None:
        super().setup()
        auth = self.server.negotiate
        self._auth = ConnectionAuth(auth.username, "negotiate", auth.cbt) if auth else None

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _dispatch(self, method: str) -> None:
        request_id = str(uuid.uuid4())
        headers: dict[str, str] = {}
        self._delay, self._drop_after, self._fault = 0.0, False, None
        nc_api = False
        try:
            raw = self._read_body()
            parts = [unquote(p) for p in split_path(urlsplit(self.path).path)]
            nc_api = [p.lower() for p in parts[:1]] == ["networking"]
            head = [p.lower() for p in parts[:2]]
            if nc_api and self._auth is not None and not self._auth.authenticated:
                self._authenticate(headers)
            if head == ["networking", "v1"]:
                status, doc = self._nc(method, "/" + "/".join(parts[2:]), raw, request_id, headers)
                if isinstance(doc.get("etag"), str):
                    headers["ETag"] = doc["etag"]
            elif head == ["networking", "discovery"] and len(parts) == 2:
                status, doc = self._only(method, "GET", lambda: {"properties": {"currentRestVersion": "v1"}})
            elif head[:1] == ["_emulator"]:
                status, doc = self._admin(method, "/".join(parts[1:]).lower(), raw)
            else:
                raise NcError(404, "NotFound", f"No such endpoint: {self.path}")
        except NcError as error:
            status, doc = error.status, error.body()
        except _Dropped:
            log.info("%s %s -> connection dropped (injected fault)", method, self.path)
            self.server.controller.record_status(0)
            self._record(method, 0)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        log.info("%s %s -> %s (x-ms-request-id: %s)", method, self.path, status, request_id)
        if nc_api:
            self.server.controller.record_status(status)
            self._record(method, status)
        if self._delay:
            time.sleep(self._delay)  # processed already: the client times out and must cope (retry, re-read)
        if self._drop_after:
            log.info("%s %s -> processed, then connection dropped (injected fault)", method, self.path)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(status, doc, request_id, headers)

    def _authenticate(self, headers: dict[str, str]) -> None:
        """One leg of the Negotiate exchange; raises the 401 (with the next challenge) until it completes."""
        assert self._auth is not None
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        challenge = "Negotiate"
        if scheme.lower() == "negotiate" and token.strip():
            try:
                out = self._auth.step(base64.b64decode(token, validate=True))
            except (AuthFailed, binascii.Error) as error:
                log.info("Negotiate authentication failed: %s", error)
                self.close_connection = True
            else:
                reply = f"Negotiate {base64.b64encode(out).decode()}" if out else ""
                if self._auth.authenticated:
                    if reply:
                        headers["WWW-Authenticate"] = reply  # the final SPNEGO token (mechListMIC)
                    return
                challenge = reply or challenge
        headers["WWW-Authenticate"] = challenge
        raise NcError(401, "Unauthorized", "Authenticate with HTTP Negotiate (Kerberos or NTLM).")

    def _record(self, method: str, status: int) -> None:
        """Remember one NC request for ``GET /_emulator/requests``: never a credential, only its scheme."""
        self.server.requests.append(
            {
                "method": method,
                "path": urlsplit(self.path).path,
                "ifMatch": self.headers.get("If-Match"),
                "authorization": self.headers.get("Authorization", "").partition(" ")[0] or None,
                "status": status,
                "fault": self._fault,
            }
        )

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise NcError(411, "LengthRequired", "Send the body with a Content-Length header.")
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    @staticmethod
    def _json(raw: bytes) -> Any:
        if not raw.strip():
            raise bad_body("The request requires a JSON body.")
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise bad_body(f"The request body is not valid JSON: {error}.") from None

    @staticmethod
    def _only(method: str, allowed: str, action: Any) -> tuple[int, dict[str, Any]]:
        if method != allowed:
            raise NcError(405, "MethodNotAllowed", f"{method} is not allowed here; use {allowed}.")
        return 200, action()

    def _nc(
        self, method: str, path: str, raw: bytes, request_id: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        nc = self.server.controller
        nc.record_request(method, path)
        fault = nc.take_fault(method, path)
        if fault is not None:
            self._fault = FAULT_KIND[fault.action]
            if fault.action == "drop":
                raise _Dropped()
            if fault.action == "error":
                raise fault.error(method)
            if fault.action == "race":
                nc.concurrent_write(path)
            self._drop_after = fault.action == "drop_after"
            self._delay = fault.delay
        segments = split_path(path)
        if segments and segments[0].lower() == "operationresults" and method == "GET":
            if len(segments) != 2:
                raise NcError(404, "NotFound", f"No such operation: {path}")
            result, retry_after = nc.operation(segments[1])
            self._retry_after(headers, retry_after)
            return (202 if result["status"] == "InProgress" else 200), result
        if method == "GET":
            return 200, nc.get(path)
        if method == "PUT":
            doc, created = nc.put(path, self._json(raw), self.headers.get("If-Match"))
            return (201 if created else 200), doc
        if method == "DELETE":
            doc, operation = nc.delete(path, self.headers.get("If-Match"), operation_id=request_id)
            monitor = f"{self._base_url()}/networking/v1/operationResults/{operation.operation_id}"
            headers["Location"] = headers["Azure-AsyncOperation"] = monitor
            self._retry_after(headers, nc.operation(operation.operation_id)[1])
            return 202, doc
        raise NcError(405, "MethodNotAllowed", f"{method} is not supported by the Network Controller API.")

    @staticmethod
    def _retry_after(headers: dict[str, str], seconds: int | None) -> None:
        if seconds is not None:
            headers["Retry-After"] = str(seconds)

    def _base_url(self) -> str:
        """The absolute base clients reached us by (their Host header), as the async-operation URLs need."""
        scheme = "https" if self.server.ssl_context is not None else "http"
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"{scheme}://{host}"

    def _admin(self, method: str, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        nc = self.server.controller
        if path == "stats":
            return self._only(method, "GET", lambda: _stats(nc))
        if path == "stats/reset":
            return self._only(method, "POST", lambda: nc.reset_request_counts() or {"reset": True})
        if path == "inventory":
            return self._only(method, "GET", nc.snapshot)
        if path == "faults":
            return self._only(method, "POST", lambda: _apply_fault(self.server.faults, self._json(raw)))
        if path == "requests":
            return self._only(method, "GET", self._recorded_requests)
        if path == "requests/reset":
            return self._only(method, "POST", lambda: self.server.requests.clear() or {"reset": True})
        raise NcError(404, "NotFound", f"No such emulator endpoint: /_emulator/{path}")

    def _recorded_requests(self) -> dict[str, Any]:
        """The recorded NC requests, oldest first; ``?last=N`` keeps the newest N."""
        values = parse_qs(urlsplit(self.path).query).get("last", [])
        try:
            last = int(values[0]) if values else len(self.server.requests)
        except ValueError:
            raise bad_body(f"'last' must be an integer, not {values[0]!r}.") from None
        recorded = list(self.server.requests)
        return {"requests": recorded[len(recorded) - min(max(last, 0), len(recorded)) :]}

    def _send(self, status: int, doc: dict[str, Any], request_id: str, headers: dict[str, str]) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", request_id)
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


def _stats(nc: NetworkController) -> dict[str, Any]:
    counts = nc.request_counts()
    return {
        "requests": [{"method": m, "collection": c, "count": n} for (m, c), n in sorted(counts.items())],
        "total": sum(counts.values()),
        "statuses": {str(code): n for code, n in sorted(nc.status_counts().items())},
    }


def _apply_fault(handler: FaultHandler, spec: Any) -> dict[str, Any]:
    """Admin fault injection: ``{"kind": ..., <params>}``, handled like the control API's InjectFault."""
    if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
        raise bad_body("The fault must be a JSON object with a 'kind'.")
    params = {k: v for k, v in spec.items() if k != "kind"}
    try:
        result = handler(spec["kind"], params)
    except NcError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise bad_body(f"Invalid fault specification: {error!r}.") from None
    if result.startswith("etag "):
        return {"etag": result.removeprefix("etag "), "result": result}
    return {"armed": True, "result": result}


def model_faults(nc: NetworkController) -> FaultHandler:
    """The handler when no guest world is attached: NC model faults only."""

    def handle(kind: str, params: dict[str, Any]) -> str:
        result = apply_nc_fault(nc, kind, params)
        if result is None:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(NC_FAULT_KINDS)}")
        return result

    return handle


class NcRestServer:
    """The NC REST endpoint as an emulator component (start/stop/url)."""

    name = "nc-rest"

    def __init__(
        self,
        controller: NetworkController,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        faults: FaultHandler | None = None,
        negotiate: NegotiateAuth | None = None,
    ) -> None:
        self._server = _Server((host, port), controller, ssl_context, faults or model_faults(controller), negotiate)
        self._thread: threading.Thread | None = None
        self._tls = ssl_context is not None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def describe(self) -> str:
        return f"NC REST API     {self.url}/networking/v1"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="nc-rest", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()
