"""The offline bundle from `make dist` installs into a new virtualenv with no package index and no network
(pip --no-index, pip config ignored, proxies pointing at a closed port), and the installed provider runs.
Run by `make dist-test` (about a minute: the install is real), not by `make test`."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.harness import REPO, REQUIRED_PROVIDERS, TERRAFORM
from tools.dist import PYTHONS, version

NAME = f"terraform-provider-sdn-{version()}-offline"
BUNDLE = REPO / "dist" / f"{NAME}.tar.gz"

pytestmark = pytest.mark.skipif(not BUNDLE.exists(), reason=f"no {BUNDLE.name}: run `make dist-test`")

#: No index, no pip config, and any attempt at the network goes to a closed loopback port.
OFFLINE = {
    "PATH": os.environ["PATH"],
    "PIP_CONFIG_FILE": os.devnull,
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
}


def test_wheelhouse_has_binary_wheels_for_every_supported_python():
    with tarfile.open(BUNDLE) as tar:
        names = [Path(n).name for n in tar.getnames()]
    for python in PYTHONS:
        tag = "cp" + python.replace(".", "")
        assert any(n.startswith("grpcio-") and f"-{tag}-{tag}-manylinux" in n for n in names), (python, names)
    assert f"terraform_provider_sdn-{version()}-py3-none-any.whl" in names


def test_bundle_installs_offline_and_the_provider_runs(tmp_path):
    with tarfile.open(BUNDLE) as tar:
        tar.extractall(tmp_path, filter="data")
    prefix, home = tmp_path / "prefix", tmp_path / "home"
    home.mkdir()
    env = {**OFFLINE, "HOME": str(home), "PYTHON": sys.executable}
    proc = subprocess.run(
        ["sh", str(tmp_path / NAME / "install.sh"), str(prefix)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"installed registry.terraform.io/windows-sdn/sdn {version()}" in proc.stdout

    usage = subprocess.run([str(prefix / "venv/bin/terraform-provider-sdn"), "--help"], env=env, capture_output=True)
    assert usage.returncode == 0 and b"usage: terraform-provider-sdn" in usage.stdout

    # The mirror it wrote is what Terraform installs from (no registry: the CLI config excludes direct).
    workdir = tmp_path / "config"
    workdir.mkdir()
    (workdir / "main.tf").write_text(REQUIRED_PROVIDERS)
    tf_env = {**env, "TF_CLI_CONFIG_FILE": str(prefix / "terraform.rc"), "CHECKPOINT_DISABLE": "1"}
    init = subprocess.run([TERRAFORM, "init", "-no-color"], cwd=workdir, env=tf_env, capture_output=True, text=True)
    assert init.returncode == 0, init.stdout + init.stderr
    assert f"windows-sdn/sdn v{version()}" in init.stdout


def test_install_script_refuses_an_old_python(tmp_path):
    with tarfile.open(BUNDLE) as tar:
        tar.extractall(tmp_path, filter="data")
    fake = tmp_path / "python3.9"
    fake.write_text("#!/bin/sh\nexec " + sys.executable + ' -c "import sys; sys.exit(1)"\n')
    fake.chmod(0o755)
    env = {**OFFLINE, "HOME": str(tmp_path), "PYTHON": str(fake)}
    proc = subprocess.run(["sh", str(tmp_path / NAME / "install.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "needs CPython 3.11 or newer" in proc.stderr
