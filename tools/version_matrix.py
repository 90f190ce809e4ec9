"""`make test`: the unit and emulator tests once, then the end-to-end suites (tests/e2e, tests/faults) once
per Terraform/OpenTofu version (see terraform_cli.matrix), then a line naming the versions covered and a
last "matrix: N passed, N failed, N skipped" line over all runs.

Extra arguments go to every pytest run (e.g. `-x`, `-k name`). Exits non-zero if any run failed, after
running them all, so one version's failure does not hide another's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from terraform_cli import TerraformBinary, matrix

ONCE = ["tests/unit", "tests/emulator"]
PER_BINARY = ["tests/e2e", "tests/faults"]


def pytest(paths: list[str], extra: list[str], totals: Counter, terraform: TerraformBinary | None = None) -> bool:
    """One pytest run; adds its passed/failed/skipped counts (from its JUnit XML) to `totals`."""
    env = {**os.environ, **({"TERRAFORM": terraform.path} if terraform else {})}
    what = f"{' '.join(paths)} with {terraform}" if terraform else " ".join(paths)
    print(f"==> pytest {what}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", f"--junitxml={report}", *extra, *paths]
        ok = subprocess.run(command, env=env).returncode in (0, 5)  # 5: `-k` selected nothing in this run
        if report.exists():
            for suite in ET.parse(report).getroot().iter("testsuite"):
                failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
                skipped = int(suite.get("skipped", 0))
                totals.update(passed=int(suite.get("tests", 0)) - failed - skipped, failed=failed, skipped=skipped)
    print(f"==> {'passed' if ok else 'FAILED'}: {what} ({time.monotonic() - started:.0f} s)", flush=True)
    return ok


def main(extra: list[str]) -> int:
    try:
        binaries = matrix()
    except ValueError as exc:  # a TERRAFORM(S) entry that is not Terraform/OpenTofu
        print(f"terraform matrix: {exc}", file=sys.stderr)
        return 2
    print("terraform matrix: " + ", ".join(map(str, binaries)), flush=True)
    totals: Counter = Counter()
    results = {"unit+emulator": pytest(ONCE, extra, totals)}
    for binary in binaries:
        results[binary.label] = pytest(PER_BINARY, extra, totals, binary)
    covered = ", ".join(f"{name} {'passed' if ok else 'FAILED'}" for name, ok in results.items())
    print(f"terraform versions covered: {', '.join(b.label for b in binaries)} ({covered})")
    # Failures that produced no report (a crashed run) still count as one failure.
    failed = max(totals["failed"], sum(not ok for ok in results.values()))
    print(f"matrix: {totals['passed']} passed, {failed} failed, {totals['skipped']} skipped")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
