"""Waiting on a condition instead of sleeping a fixed time (issue 18): a test waits exactly as long as the system
needs, and a timeout fails with what was awaited instead of a later, puzzling assertion."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Call ``predicate`` until it returns something truthy and return that; the deadline is a safety net for a
    hung system, not a performance assertion. Raises AssertionError naming ``what`` (and the last value seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last value: {value!r})")
        time.sleep(interval)
