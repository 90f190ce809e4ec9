"""Fault-matrix plumbing: each case appends one JSON line (fired, outcome versus expected, mismatch) to a
results directory shared by all xdist workers (created by the controller, passed through the environment); the
controller also counts every matrix test report it receives, so a case that failed before recording still
counts. One summary line at the end of the session (the hooks live in tests/conftest.py, so `make test`
prints it too)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

RESULTS_ENV = "SDN_FAULT_MATRIX_RESULTS"
MATRIX_TEST = "tests/faults/test_matrix.py::"


def record(case: dict) -> None:
    """Append one case's result: id, fired, outcome, expected, mismatch."""
    directory = Path(os.environ.get(RESULTS_ENV) or tempfile.gettempdir())
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(directory / f"{worker}.jsonl", "a") as out:
        out.write(json.dumps(case) + "\n")


class MatrixTally:
    """Every matrix case the controller saw, and whether all of its phases passed."""

    def __init__(self) -> None:
        self.passed: dict[str, bool] = {}

    def add(self, report: pytest.TestReport) -> None:
        if MATRIX_TEST not in report.nodeid:
            return
        ok = report.passed or (report.when != "call" and report.skipped)
        self.passed[report.nodeid] = self.passed.get(report.nodeid, True) and ok

    def summarize(self, directory: Path) -> str | None:
        if not self.passed:
            return None
        cases = [json.loads(line) for f in sorted(directory.glob("*.jsonl")) for line in f.read_text().splitlines()]
        return (
            f"fault matrix: cases={sum(self.passed.values())}/{len(self.passed)} "
            f"fired={sum(bool(c['fired']) for c in cases)} "
            f"expected={sum(c['outcome'] == c['expected'] for c in cases)} "
            f"mismatches={sum(bool(c['mismatch']) for c in cases)}"
        )
