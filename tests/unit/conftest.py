"""Fixtures of the unit tests: a scripted loopback NC server (real HTTP, answers set per test)."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tf.utils import Diagnostics

from sdn_provider.framework import patch_tf

#: Under mutation testing (mutmut sets MUTANT_UNDER_TEST in its runs) every surviving mutant of a function the
#: property tests reach reruns them, so they draw a tenth of their examples there (docs/guides/testing.md).
MUTATION_RUN = bool(os.environ.get("MUTANT_UNDER_TEST"))


def examples(full: int) -> int:
    """Hypothesis examples for a property test: ``full``, or a tenth of it in a mutation run."""
    return max(full // 10, 10) if MUTATION_RUN else full


def said(diags: Diagnostics) -> list[tuple]:
    """What a user reads of each diagnostic: (severity, summary, detail, attribute path)."""
    return [(d.severity, d.summary, d.detail, d.path) for d in diags.diagnostics]


Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON body (None: empty)
DROP = 0  # as a status: close the connection without answering


@dataclass
class Script:
    """Answers per (method, path): a list consumed in order, the last one repeating."""

    answers: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.answers[(method, "/networking/v1" + path)] = list(answers)

    def next(self, method: str, path: str, headers: dict[str, str]) -> Answer:
        with self.lock:
            self.seen.append((method, path, headers))
            queue = self.answers.get((method, path)) or [(404, {}, {"error": {"code": "NotFound", "message": "no"}})]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def calls(self) -> list[tuple[str, str]]:
        return [(m, p.removeprefix("/networking/v1")) for m, p, _ in self.seen]


@pytest.fixture(scope="session")
def tf_patched() -> None:
    """`tf` as the plugin process runs it (refined unknowns decoded, our servicer); not SIGINT, which pytest needs."""
    patch_tf()


@pytest.fixture
def nc_server() -> Iterator[tuple[Script, str]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body = script.next(self.command, self.path, dict(self.headers))
            if status == DROP:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "x-ms-request-id": "rid", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_DELETE = _answer  # noqa: N815 (http.server names)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # serve_forever checks for shutdown() every poll_interval (0.5 s by default, paid by every test's teardown).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
