"""Fault-matrix plumbing: each case appends one JSON line to a results directory shared by all xdist
workers (created by the controller, passed through the environment), and the controller prints ONE
summary line at the end of the session (the hooks live in tests/conftest.py, so `make test` prints it too)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

RESULTS_ENV = "SDN_FAULT_MATRIX_RESULTS"


def record(case: dict) -> None:
    """Append one case's outcome (fault, operation, resource, outcome, mismatch) for the summary."""
    directory = Path(os.environ.get(RESULTS_ENV) or tempfile.gettempdir())
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(directory / f"{worker}.jsonl", "a") as out:
        out.write(json.dumps(case) + "\n")


def summarize(directory: Path) -> str | None:
    cases = [json.loads(line) for f in sorted(directory.glob("*.jsonl")) for line in f.read_text().splitlines()]
    if not cases:
        return None
    return (
        f"fault matrix: faults={len({c['fault'] for c in cases})} operations={len(cases)} "
        f"retried={sum(c['outcome'] == 'retried' for c in cases)} "
        f"surfaced={sum(c['outcome'] == 'surfaced' for c in cases)} "
        f"mismatches={sum(bool(c['mismatch']) for c in cases)}"
    )
