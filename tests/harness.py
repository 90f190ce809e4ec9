"""Shared test harness: a real emulator process, a long-lived provider in reattach (dev) mode,
and a small driver for the real `terraform` binary ($TERRAFORM, e.g. OpenTofu; default the bundled 1.0.3)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sysconfig
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sdn_emulator.process import EmulatorProcess
from tools.terraform_cli import selected

BIN = Path(sysconfig.get_path("scripts"))
#: The binary every test of this run drives; `make test` runs the e2e suites once per version it finds.
TERRAFORM_BINARY = selected()
TERRAFORM = TERRAFORM_BINARY.path
REPO = Path(__file__).resolve().parent.parent


def requires(feature: str) -> pytest.MarkDecorator:
    """Skip a test of a newer Terraform feature, with the reason, where this run's binary lacks it."""
    return pytest.mark.skipif(not TERRAFORM_BINARY.supports(feature), reason=TERRAFORM_BINARY.requirement(feature))


class Emulator(EmulatorProcess):
    """A running `sdn-emulator` process, with helpers to call its NC REST and admin APIs."""

    @property
    def uri(self) -> str:
        return self.info["nc_uri"]

    def session(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override verify
        if self.info.get("ca_file"):
            s.verify = self.info["ca_file"]
        if self.info.get("client_cert"):
            s.cert = (self.info["client_cert"], self.info["client_key"])
        return s

    def get(self, ref: str) -> Any:
        r = self.session().get(self.uri + "/networking/v1" + ref, timeout=10)
        return None if r.status_code == 404 else r.json()

    def put(self, ref: str, body: dict) -> requests.Response:
        return self.session().put(self.uri + "/networking/v1" + ref, json=body, timeout=10)

    def delete(self, ref: str) -> requests.Response:
        return self.session().delete(self.uri + "/networking/v1" + ref, timeout=10)

    def list(self, collection: str) -> list:
        return self.get("/" + collection).get("value", [])

    def admin(self, method: str, path: str, body: dict | None = None) -> Any:
        r = self.session().request(method, self.uri + "/_emulator/" + path, json=body, timeout=10)
        r.raise_for_status()
        return r.json() if r.content else None


@dataclass
class ProviderServer:
    """`terraform-provider-sdn --dev`: one process serving every terraform command of a test worker."""

    proc: subprocess.Popen
    reattach: str

    @classmethod
    def start(cls, env: dict | None = None, log_path: Path | None = None) -> ProviderServer:
        # Plugin stderr (tracebacks, TF_LOG lines) goes to a file: the first place to look when a test fails.
        log_path = log_path or Path(tempfile.gettempdir()) / f"sdn-provider-{os.getpid()}.log"
        log = open(log_path, "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [str(BIN / "terraform-provider-sdn"), "--dev"],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,
        )
        end = time.monotonic() + 30
        while time.monotonic() < end:
            line = proc.stdout.readline()
            match = re.search(r"TF_REATTACH_PROVIDERS='(.+)'", line)
            if match:
                return cls(proc, match.group(1))
            if not line and proc.poll() is not None:
                break
        proc.kill()
        raise RuntimeError("provider did not print its reattach line")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)


class TerraformError(AssertionError):
    pass


class Terraform:
    """Runs the real terraform binary in one working directory."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0", **env}

    def write(self, hcl: str, name: str = "main.tf") -> None:
        (self.workdir / name).write_text(textwrap.dedent(hcl))

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [TERRAFORM, *args], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise TerraformError(
                f"terraform {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def init(self) -> subprocess.CompletedProcess:
        return self.run("init", "-no-color", "-input=false")

    def apply(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("apply", "-auto-approve", "-no-color", "-input=false", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("destroy", "-auto-approve", "-no-color", "-input=false", *extra, check=check)

    def plan(self, *extra: str) -> subprocess.CompletedProcess:
        """`plan -detailed-exitcode`: returncode 0 = no changes, 2 = changes, 1 = error."""
        return self.run("plan", "-detailed-exitcode", "-no-color", "-input=false", *extra, check=False)

    def assert_no_changes(self) -> None:
        proc = self.plan()
        assert proc.returncode == 0, f"expected an empty plan, got rc={proc.returncode}:\n{proc.stdout}\n{proc.stderr}"

    def resource_changes(self) -> list[tuple[str, list[str]]]:
        """(address, actions) of every resource the plan would change; outputs and reads are ignored."""
        self.run("plan", "-out=tfplan", "-no-color", "-input=false")
        plan = json.loads(self.run("show", "-json", "-no-color", "tfplan").stdout)
        return [
            (c["address"], c["change"]["actions"])
            for c in plan.get("resource_changes", [])
            if c["change"]["actions"] not in (["no-op"], ["read"])
        ]

    def import_(self, address: str, resource_id: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("import", "-no-color", "-input=false", address, resource_id, check=check)

    def state(self) -> dict:
        out = self.run("show", "-json", "-no-color").stdout
        return json.loads(out)

    def resources(self, shown: dict | None = None) -> dict[str, dict]:
        """Address -> attribute values of every resource in state (root module and children); `shown` is a
        `state()` already read."""
        found: dict[str, dict] = {}

        def walk(module: dict) -> None:
            for r in module.get("resources", []):
                found[r["address"]] = r["values"]
            for child in module.get("child_modules", []):
                walk(child)

        walk((shown or self.state()).get("values", {}).get("root_module", {}))
        return found


REQUIRED_PROVIDERS = 'terraform {\n  required_providers {\n    sdn = { source = "windows-sdn/sdn" }\n  }\n}\n'


def install_mirror(root: Path) -> Path:
    """`terraform-provider-sdn install` into `root` (the users' path); returns the CLI config file."""
    subprocess.run(
        [
            str(BIN / "terraform-provider-sdn"),
            "install",
            "--mirror",
            str(root / "mirror"),
            "--cli-config",
            str(root / "terraform.rc"),
        ],
        check=True,
        capture_output=True,
    )
    return root / "terraform.rc"


def provider_block(emulator: Emulator, extra: str = "") -> str:
    """HCL for the provider pointed at an emulator (TLS material included when it has some)."""
    lines = [f'network_controller_uri = "{emulator.uri}"']
    if emulator.info.get("ca_file") and emulator.uri.startswith("https"):
        lines.append(f'ca_cert_file = "{emulator.info["ca_file"]}"')
    body = "\n  ".join(lines + ([extra] if extra else []))
    return REQUIRED_PROVIDERS + f'\nprovider "sdn" {{\n  {body}\n}}\n'
