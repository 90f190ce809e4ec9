"""Live status page on its own loopback HTTP server (the NC REST server has no hook for extra routes).

``GET /`` (or ``/_emulator/status``) is a static page that fetches ``status.json`` every second. Each pool member
there carries a ``display`` label (``member_display``) so the page tells a healthy standby from an outage.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from .service import Views


def member_display(backend: dict[str, Any], rule: dict[str, Any], nodes: list[dict[str, Any]]) -> dict[str, str]:
    """What the page shows for one pool member: ``state`` (up | failing | standby | down | pending) and ``text``.

    In a guest cluster only the node owning the cluster IP answers the probe (DESIGN: simulated data plane), so a
    passive member that is Up, in a cluster and not the owner is a standby, not an outage. A member still in
    rotation while its probes fail shows the count toward ``numberOfProbes`` (it leaves rotation at the limit).
    """
    limit, failures = rule["number_of_probes"], backend["consecutive_failures"]
    if not rule["probe"]:
        return {"state": "up", "text": "UP (no probe)"}
    if backend["healthy"]:
        if failures:
            return {"state": "failing", "text": f"UP, failing {failures}/{limit}"}
        return {"state": "up", "text": "UP"}
    if not backend["probes_sent"]:
        return {"state": "pending", "text": "not probed yet"}
    node = next((n for n in nodes if backend["node"] and n["name"].upper() == backend["node"].upper()), None)
    owner = rule["owner_node"]
    if node and node["state"] == "Up" and node["cluster"] and owner and owner.upper() != node["name"].upper():
        return {"state": "standby", "text": f"STANDBY ({owner} owns the cluster IP)"}
    return {"state": "down", "text": f"DOWN ({failures} failed probes)" if failures else "DOWN"}


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
            health, topology = views.health(), views.topology_view()
            for rule in health["rules"]:
                for backend in rule["backends"]:
                    backend["display"] = member_display(backend, rule, topology["nodes"])
            body = json.dumps({"health": health, "topology": topology}).encode()
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
