"""Live status page on its own loopback HTTP server (the NC REST server has no hook for extra routes).

``GET /`` (or ``/_emulator/status``) is a static page that fetches ``status.json`` every second.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from .service import Views


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the page polls every second."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("", "/_emulator/status"):
            body, kind = self.server.page, "text/html; charset=utf-8"
        elif path in ("/status.json", "/_emulator/status.json"):
            views = self.server.views
            body = json.dumps({"health": views.health(), "topology": views.topology_view()}).encode()
            kind = "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], views: Views) -> None:
        self.views = views
        self.page = resources.files("sdn_emulator").joinpath("static/status.html").read_bytes()
        super().__init__(address, _Handler)


class StatusServer:
    """Emulator component serving the status page; ``url`` is what the state file reports as ``status_url``."""

    name = "status"

    def __init__(self, views: Views, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), views)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="status", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def describe(self) -> str:
        return f"status page     {self.url}"
