"""`sdn-emulator serve` as a child process: start it on free loopback ports, wait for the endpoints it writes
to its state file, stop it. The one launcher behind the tests, the benchmark, the demo and CI scripts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

SDN_EMULATOR = Path(sysconfig.get_path("scripts")) / "sdn-emulator"


class EmulatorStartError(RuntimeError):
    """The emulator exited, or wrote no state file in time; the message names its log."""


@dataclass
class EmulatorProcess:
    """A running `sdn-emulator serve` and what its state file reports (`nc_uri`, `ca_file`, endpoints...)."""

    proc: subprocess.Popen
    info: dict[str, Any]
    workdir: Path

    @classmethod
    def start(cls, *args: str, delay: float = 0.0, workdir: Path | None = None, timeout: float = 30.0) -> Self:
        """Serve with `args` (e.g. "--topology", path) and `delay` s of provisioning; state file, log and TLS
        material go to `workdir` (a new temporary directory by default)."""
        workdir = workdir or Path(tempfile.mkdtemp(prefix="sdn-emu-"))
        workdir.mkdir(parents=True, exist_ok=True)
        state_file, log_path = workdir / "state.json", workdir / "emulator.log"
        state_file.unlink(missing_ok=True)
        log = open(log_path, "w")  # noqa: SIM115 (lives as long as the process)
        proc = subprocess.Popen(
            [
                str(SDN_EMULATOR),
                "serve",
                "--port",
                "0",
                "--provisioning-delay",
                str(delay),
                "--state-file",
                str(state_file),
                "--tls-dir",
                str(workdir / "tls"),
                *args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if state_file.exists() and state_file.stat().st_size:
                try:
                    return cls(proc, json.loads(state_file.read_text()), workdir)
                except ValueError:
                    pass  # caught mid-write
            if proc.poll() is not None:
                said = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                raise EmulatorStartError(
                    f"sdn-emulator exited early with {proc.returncode}; see {log_path}: {' / '.join(said)}"
                )
            time.sleep(0.05)
        cls(proc, {}, workdir).stop(remove_workdir=False)
        raise EmulatorStartError(f"sdn-emulator did not start within {timeout:g} s; see {log_path}")

    def example_variables(self) -> dict[str, str]:
        """`TF_VAR_*` environment for the provider variables every configuration under examples/ declares."""
        return {
            "TF_VAR_network_controller_uri": self.info["nc_uri"],
            "TF_VAR_ca_cert_file": self.info["ca_file"],
            "TF_VAR_winrm_username": self.info["winrm_username"],
            "TF_VAR_winrm_password": self.info["winrm_password"],
            "TF_VAR_winrm_auth": self.info["winrm_auth"],
            "TF_VAR_winrm_endpoints": json.dumps(self.info["winrm_endpoints"]),
        }

    def stop(self, remove_workdir: bool = True) -> None:
        """SIGTERM (the emulator closes its listeners), SIGKILL after 10 s; then delete `workdir` unless told not."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if remove_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
