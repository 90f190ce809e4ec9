"""``--data-dir``: the emulator's state on disk, so a restart resumes where it stopped.

One JSON file holds the topology the model was seeded from, the NC model (ids, etags, instanceIds), the guest
nodes and clusters, and the ports every listener used. It is rewritten atomically (temp file, fsync,
``os.replace``) shortly after every change and once more at stop, so even a killed emulator loses at most the
last fraction of a second. Injected faults, counters and probe health are a run's, not state, and start afresh.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .guests.cluster import GuestWorld
from .model import NetworkController

FORMAT = 1
STATE_NAME = "emulator-state.json"
SAVE_INTERVAL = 0.25  # seconds between change checks
SAVE_SHARE_INVERSE = 4  # wait at least 4x the last save's time before the next: saving takes <= 20% of a core
log = logging.getLogger(__name__)


class DataDirError(ValueError):
    """The data directory cannot be used as asked (unreadable, another format, another topology)."""


class DataDir:
    """The state file in one directory; ``load()`` is None for a new directory."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.file = self.path / STATE_NAME
        self._lock_file: IO[str] | None = None

    def load(self) -> dict[str, Any] | None:
        if not self.file.exists():
            return None
        try:
            doc = json.loads(self.file.read_text())
        except (OSError, ValueError) as error:
            raise DataDirError(f"cannot read {self.file}: {error}") from error
        if doc.get("format") != FORMAT:
            raise DataDirError(f"{self.file} has format {doc.get('format')!r}, this emulator reads {FORMAT}")
        return doc

    def save(self, text: str) -> None:
        """Replace the state file with ``text`` (a ``dumps`` result): readers see the old file or the new one."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_name(f".{STATE_NAME}.{os.getpid()}.tmp")
        # 0600: the file holds the guests' credentials (the topology's), like the TLS keys next to it.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.file)

    def lock(self) -> None:
        """Hold an exclusive lock until ``unlock``: two emulators on one directory would overwrite each other."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.path / ".lock", "a+")  # noqa: SIM115 (held while the emulator runs)
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise DataDirError(f"{self.path} is in use by another running emulator") from None

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing releases the lock
            self._lock_file = None


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT, **doc}, sort_keys=True)


class Persister:
    """Emulator component writing the state file whenever the model, the guests or the ports changed. First in
    the emulator's components, so it stops last and its final save sees every listener closed."""

    name = "persistence"

    def __init__(
        self,
        data_dir: DataDir,
        controller: NetworkController,
        world: GuestWorld,
        topology: dict[str, Any],
        ports: Callable[[], dict[str, Any]],
    ) -> None:
        """``ports`` is called at each save: listeners know their ports only once bound."""
        self.data_dir = data_dir
        self._controller, self._world, self._topology, self._ports = controller, world, topology, ports
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: str | None = None
        self._saving = threading.Lock()

    def save(self) -> None:
        doc = {
            "topology": self._topology,
            "ports": self._ports(),
            "nc": self._controller.dump(),
            "guests": self._world.dump(),
        }
        text = dumps(doc)
        with self._saving:  # the saver thread and stop() may both get here
            if text != self._last:
                self.data_dir.save(text)
                self._last = text

    def _run(self) -> None:
        seen: tuple[Any, ...] | None = None
        pause = SAVE_INTERVAL
        while not self._stop.wait(pause):
            # version() is None while provisioning timers run: documents then change with time alone. Ports are
            # compared too: listeners bind after this component starts.
            now = (self._controller.version(), self._world.revision, self._ports())
            if now != seen or now[0] is None:
                started = time.monotonic()
                try:
                    self.save()
                    seen = now
                except OSError as error:  # a full disk must not take the emulator down; retried next tick
                    log.error("cannot save the emulator state to %s: %s", self.data_dir.file, error)
                # A big model (250 tenants: ~0.1 s a save) is saved less often rather than eat a core under churn.
                pause = max(SAVE_INTERVAL, SAVE_SHARE_INVERSE * (time.monotonic() - started))

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="persistence", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """The final save, then the directory is free for the next emulator (locked since ``DataDir.lock``)."""
        try:
            if self._thread is not None:
                self._stop.set()
                self._thread.join(timeout=5)
                self._thread = None
                self.save()
        finally:
            self.data_dir.unlock()

    def describe(self) -> str:
        return f"data directory  {self.data_dir.path} (state restored on restart)"
