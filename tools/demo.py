"""`make demo`: the seed's guest cluster, end to end, against a freshly started emulator.

Uses the real packaging path (filesystem mirror + `terraform init` + spawned plugin), exactly what a
user runs. Exits non-zero on any failure; ends with one success line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sysconfig.get_path("scripts"))
WORK = REPO / "build" / "demo"
TERRAFORM = os.environ.get("TERRAFORM") or str(BIN / "terraform")


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run_terraform(*args: str, env: dict, cwd: Path) -> str:
    proc = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"demo: terraform {args[0]} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def start_emulator() -> tuple[subprocess.Popen, dict]:
    state_file = WORK / "emulator.json"
    state_file.unlink(missing_ok=True)
    log = open(WORK / "emulator.log", "w")  # noqa: SIM115 (lives as long as the process)
    proc = subprocess.Popen(
        [str(BIN / "sdn-emulator"), "serve", "--port", "0", "--tls", "--tls-dir", str(WORK / "tls"),
         "--provisioning-delay", "0.5", "--state-file", str(state_file)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    for _ in range(300):
        if state_file.exists() and state_file.stat().st_size:
            return proc, json.loads(state_file.read_text())
        if proc.poll() is not None:
            raise SystemExit(f"demo: the emulator exited early; see {WORK / 'emulator.log'}")
        time.sleep(0.05)
    raise SystemExit("demo: the emulator did not start within 15 s")


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    config = WORK / "guest-cluster"
    shutil.copytree(REPO / "examples" / "guest-cluster", config)
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(REPO / "build" / "terraform.rc"), "TF_IN_AUTOMATION": "1",
           "CHECKPOINT_DISABLE": "1"}

    step("starting the emulator (Network Controller REST over HTTPS, loopback only)")
    emulator, info = start_emulator()
    try:
        print(f"    network controller: {info['nc_uri']}  (CA: {info['ca_file']})")
        env.update({"TF_VAR_network_controller_uri": info["nc_uri"], "TF_VAR_ca_cert_file": info["ca_file"]})

        step("terraform init (provider windows-sdn/sdn from the local filesystem mirror)")
        run_terraform("init", "-input=false", env=env, cwd=config)

        step("terraform apply examples/guest-cluster")
        out = run_terraform("apply", "-auto-approve", "-input=false", env=env, cwd=config)
        print("    " + "\n    ".join(line for line in out.splitlines() if "Creation complete" in line
                                      or "Apply complete" in line))
        outputs = json.loads(run_terraform("output", "-json", env=env, cwd=config))
        print(f"    VIP {outputs['vip']['value']} on {outputs['load_balancer_ref']['value']}")

        step("terraform plan right after apply: expecting no changes")
        proc = subprocess.run([TERRAFORM, "plan", "-detailed-exitcode", "-no-color", "-input=false"], cwd=config,
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"demo: plan after apply was not empty (rc={proc.returncode}):\n{proc.stdout}")
        print("    No changes.")

        step("terraform destroy")
        run_terraform("destroy", "-auto-approve", "-input=false", env=env, cwd=config)
        print("    Destroy complete.")
    finally:
        step("stopping the emulator")
        os.killpg(emulator.pid, signal.SIGTERM)
        emulator.wait(10)
    print("demo: SUCCESS - guest-cluster applied, verified and destroyed against the emulator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
