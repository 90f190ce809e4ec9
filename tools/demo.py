"""`make demo`: the seed's guest cluster, end to end, against a freshly started emulator.

Uses the real packaging path (filesystem mirror + `terraform init` + spawned plugin), exactly what a
user runs. Exits non-zero on any failure; ends with one success line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from terraform_cli import selected

from sdn_emulator.control.client import ControlClient
from sdn_emulator.process import EmulatorProcess, EmulatorStartError

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "build" / "demo"
#: $TERRAFORM, else the bundled Terraform 1.0.3 (tools/terraform_cli.py); printed at the start and the end.
TERRAFORM_BINARY = selected()
TERRAFORM = TERRAFORM_BINARY.path
#: Probe timing runs 10x faster than configured, so "5 s x 11 probes" takes 5.5 s in the demo.
TIME_SCALE = 0.1


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run_terraform(*args: str, env: dict, cwd: Path) -> str:
    proc = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"demo: terraform {args[0]} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def start_emulator() -> EmulatorProcess:
    try:
        return EmulatorProcess.start(
            "--tls",
            "--domain",
            "contoso.test",
            "--probe-time-scale",
            str(TIME_SCALE),
            delay=0.5,
            workdir=WORK,
            timeout=15,
        )
    except EmulatorStartError as exc:
        raise SystemExit(f"demo: {exc}") from exc


def show_connection(control: ControlClient, vip: str, port: int) -> str | None:
    answer = control.connect(vip, port)
    print(f"    vip {vip}:{port} -> {answer or '(no answer)'}", flush=True)
    return answer


def demo(config: Path, env: dict, control: ControlClient) -> None:
    step("terraform init (provider windows-sdn/sdn from the local filesystem mirror)")
    run_terraform("init", "-input=false", env=env, cwd=config)

    step("terraform apply examples/guest-cluster (load balancer, pool members, cluster, cluster IP)")
    out = run_terraform("apply", "-auto-approve", "-input=false", env=env, cwd=config)
    for line in out.splitlines():
        if "Creation complete" in line or "Apply complete" in line:
            print("    " + line)
    outputs = {k: v["value"] for k, v in json.loads(run_terraform("output", "-json", env=env, cwd=config)).items()}
    vip, port = outputs["vip"], 1433
    print(
        f"    VIP {vip}, probe port {outputs['probe_port']}, cluster IP {outputs['cluster_ip_state']} "
        f"on {outputs['cluster_ip_owner_node']}"
    )

    step("terraform plan right after apply: expecting no changes")
    proc = subprocess.run(
        [TERRAFORM, "plan", "-detailed-exitcode", "-no-color", "-input=false"],
        cwd=config,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"demo: plan after apply was not empty (rc={proc.returncode}):\n{proc.stdout}")
    print("    No changes.")

    step(f"connecting through the VIP (probes every 5 s x 11, time scaled x{TIME_SCALE})")
    active = control.wait_for_answer(vip, port, timeout=30)
    if active is None:
        raise SystemExit("demo: no node answered through the VIP")
    for _ in range(3):
        if show_connection(control, vip, port) != active:
            raise SystemExit(f"demo: expected {active} to answer")
    standby = next(n.name for n in control.topology().nodes if n.name != active)

    budget = 5 * 11 * TIME_SCALE
    step(
        f"failing over: moving the cluster group from {active} to {standby} (probes mark {active} down "
        f"within interval x probes = {budget:.1f} s)"
    )
    control.failover(standby)
    started, streak, first, settled = time.monotonic(), 0, None, 0.0
    # Until the probes mark the old owner down, the mux still sends it some connections (refused there).
    while streak < 3:
        if time.monotonic() - started > budget + 5:
            raise SystemExit(f"demo: traffic did not settle on {standby} within {budget + 5:.1f} s")
        now = time.monotonic() - started
        if show_connection(control, vip, port) == standby:
            first = first if first is not None else now
            settled = settled if streak else now
            streak += 1
        else:
            streak = 0
        time.sleep(0.5)
    print(
        f"    {standby} answered {first:.1f} s after the failover; every connection reaches it from "
        f"{settled:.1f} s on (the old owner is marked down after 11 failed probes)"
    )

    step("terraform destroy")
    run_terraform("destroy", "-auto-approve", "-input=false", env=env, cwd=config)
    if control.vip_endpoint(vip, port) is not None:
        raise SystemExit("demo: the VIP listener is still there after destroy")
    print("    Destroy complete; no VIP listener remains.")


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    config = WORK / "guest-cluster"
    shutil.copytree(REPO / "examples" / "guest-cluster", config)
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(REPO / "build" / "terraform.rc"),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }

    step(f"using {TERRAFORM_BINARY}")
    step("starting the emulator (Network Controller REST and WinRM over HTTPS, SLB data plane; loopback only)")
    emulator = start_emulator()
    info = emulator.info
    try:
        print(f"    network controller {info['nc_uri']}")
        print(f"    status page {info['status_url']} (live while the demo runs; it stops with the emulator at the end)")
        print("    guest nodes " + ", ".join(f"{n} {url}" for n, url in info["winrm_endpoints"].items()))
        env.update(emulator.example_variables())
        with ControlClient(info["control"]) as control:
            demo(config, env, control)
    finally:
        step("stopping the emulator (its status page and endpoints go with it)")
        emulator.stop(remove_workdir=False)  # WORK keeps the emulator's log for the user
    print(f"demo: SUCCESS - guest-cluster applied, verified and destroyed against the emulator with {TERRAFORM_BINARY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
