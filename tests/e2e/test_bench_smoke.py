"""`make bench` keeps working: one tenant, one run of each twin (ours, Go null, pynull) and one provisioning
chain, checked for shape only. Timings are never asserted (the benchmark is its own command)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tools.terraform_cli import selected

BENCH = Path(__file__).resolve().parents[2] / "bench" / "run.py"


def test_bench_runs_every_twin_and_prints_the_summary_line() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--tenants", "1", "--terraform", selected().path],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    for kind in ("ours", "null", "pynull"):
        assert re.search(rf"N=1 run 1/1 {kind}: apply [\d.]+s plan [\d.]+s destroy [\d.]+s", out), out
    # The refresh of one tenant: data source + LB + 2 NICs over HTTP, one shared WinRM command.
    assert re.search(r"\n\s+1 plan .* 4 HTTP \(.*\), 1 WinRM", out), out
    assert re.search(r"provider CPU per plan, N=1 \(reattached, 1 runs\): median \d+ ms for 6 instances", out), out
    # The CPU split found Terraform and the provider of every twin, and the emulator for ours (0.00 would mean the
    # sampler missed them).
    for op in ("apply", "plan", "destroy"):
        for kind in ("ours", "pynull", "null"):
            row = re.search(rf"^  {op} +{kind} +[\d.]+ +([\d.]+) +([\d.]+) +([\d.]+|-) +[\d.]+$", out, re.M)
            assert row, out
            assert float(row[1]) > 0 and float(row[2]) > 0, row[0]
            assert (row[3] != "-" and float(row[3]) > 0) if kind == "ours" else row[3] == "-", row[0]
    assert re.search(r"^  N=1 apply: [\d.]+ \(goal <= 1.5: (met|MISSED)\); CPU floor [\d.]+$", out, re.M), out
    summary = (
        r"^bench: (Terraform|OpenTofu) [\d.]+ N=1 plan_ratio=[\d.]+ apply_ratio=[\d.]+ destroy_ratio=[\d.]+ "
        r"handshake_ms=\d+ cold_handshake_ms=\d+ cpu_ms_per_resource=[\d.]+$"
    )
    assert re.search(summary, out, re.M), out
