"""`terraform-provider-sdn install` makes a mirror that `terraform providers lock -fs-mirror` accepts, with
the same h1: hash Terraform computes; a locked configuration then inits with no lock-file warning."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from sdn_provider.install import SOURCE, host_platform
from tests.harness import REQUIRED_PROVIDERS, Terraform, install_mirror


def mirror_files(root: Path) -> dict[str, Path]:
    return {p.name: p for p in (root / "mirror" / SOURCE).iterdir()}


def locked_hashes(tf: Terraform) -> list[str]:
    text = (tf.workdir / ".terraform.lock.hcl").read_text()
    return sorted(line.strip().strip('",') for line in text.splitlines() if line.strip().startswith('"h1:'))


def test_mirror_layout_is_one_deterministic_package_for_this_platform(tmp_path):
    first, second = install_mirror(tmp_path / "a").parent, install_mirror(tmp_path / "b").parent
    name = f"terraform-provider-sdn_0.1.0_{host_platform()}.zip"
    assert set(mirror_files(first)) == {name, "index.json", "0.1.0.json"}
    assert mirror_files(first)[name].read_bytes() == mirror_files(second)[name].read_bytes()
    with zipfile.ZipFile(mirror_files(first)[name]) as archive:
        (entry,) = archive.infolist()
    assert entry.filename == "terraform-provider-sdn_v0.1.0"
    assert (entry.external_attr >> 16) & 0o111, "the provider must be executable once unpacked"
    archive_meta = json.loads(mirror_files(first)["0.1.0.json"].read_text())["archives"][host_platform()]
    zip_sha = hashlib.sha256(mirror_files(first)[name].read_bytes()).hexdigest()
    assert archive_meta["url"] == name and f"zh:{zip_sha}" in archive_meta["hashes"]


def test_providers_lock_from_the_mirror_then_init_without_warnings(tmp_path):
    rc = install_mirror(tmp_path)
    tf = Terraform(tmp_path / "config", {"TF_CLI_CONFIG_FILE": str(rc)})
    tf.workdir.mkdir()
    tf.write(REQUIRED_PROVIDERS)
    tf.run("providers", "lock", "-no-color", f"-fs-mirror={tmp_path / 'mirror'}", f"-platform={host_platform()}")
    ours = json.loads(mirror_files(tmp_path)["0.1.0.json"].read_text())["archives"][host_platform()]["hashes"]
    assert locked_hashes(tf) == [h for h in ours if h.startswith("h1:")]  # Terraform's own hash equals ours
    lock_before = (tf.workdir / ".terraform.lock.hcl").read_text()

    init = tf.init()
    assert "Incomplete lock file information" not in init.stdout + init.stderr
    assert (tf.workdir / ".terraform.lock.hcl").read_text() == lock_before


def test_init_refuses_a_package_that_does_not_match_the_lock_file(tmp_path):
    rc = install_mirror(tmp_path)
    tf = Terraform(tmp_path / "config", {"TF_CLI_CONFIG_FILE": str(rc)})
    tf.workdir.mkdir()
    tf.write(REQUIRED_PROVIDERS)
    tf.write(
        f'provider "{SOURCE}" {{\n  version = "0.1.0"\n  hashes = ["h1:{"A" * 43}="]\n}}\n', name=".terraform.lock.hcl"
    )
    proc = tf.run("init", "-no-color", "-input=false", check=False)
    assert proc.returncode == 1
    assert "checksum" in (proc.stdout + proc.stderr).lower()
