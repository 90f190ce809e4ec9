"""One in-process lock per NC parent resource (LB, NIC), as azurerm does with its mutexkv."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLocks:
    """Lazily created locks keyed case-insensitively (NC refs are case-insensitive)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def hold(self, *keys: str) -> Iterator[None]:
        """Acquire the locks of all keys in sorted order, so two callers can never deadlock."""
        ordered = sorted({k.lower() for k in keys})
        with self._guard:
            locks = [self._locks.setdefault(k, threading.Lock()) for k in ordered]
        for lock in locks:
            lock.acquire()
        try:
            yield
        finally:
            for lock in reversed(locks):
                lock.release()
