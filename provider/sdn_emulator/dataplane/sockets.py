"""Loopback socket helpers for the simulated data plane: listeners, refusing ports, byte pumps.

Every socket here binds or connects to 127.0.0.1 only: tenant addresses are labels, never destinations.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable

LOOPBACK = "127.0.0.1"


class Listener:
    """A loopback TCP listener calling ``handler(conn)`` on its own thread per connection."""

    def __init__(self, name: str, handler: Callable[[socket.socket], None]) -> None:
        self.name = name
        self._handler = handler
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(128)
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name=f"dp-{name}", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(conn,), name=f"dp-{self.name}-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._handler(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        """Stop accepting; afterwards connecting to ``port`` is refused (nobody else listens there)."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=2)


class RefusingPort:
    """A bound but never listening port: connects get ECONNREFUSED, and no other process can take it."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


def reset(conn: socket.socket) -> None:
    """Close with RST, so the client sees a failed connection rather than an empty answer."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def pump(client: socket.socket, backend: socket.socket, idle_timeout: float) -> None:
    """Copy bytes both ways until both sides are done or idle for ``idle_timeout`` seconds."""
    client.settimeout(idle_timeout)
    backend.settimeout(idle_timeout)

    def copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    back = threading.Thread(target=copy, args=(backend, client), name="dp-pump", daemon=True)
    back.start()
    copy(client, backend)
    back.join(timeout=idle_timeout)
