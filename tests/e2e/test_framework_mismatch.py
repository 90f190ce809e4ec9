"""A `tf` that lacks a private name the adapter touches stops the provider at its first start, and Terraform's
error names what is wrong (the plugin prints it where the handshake line would be)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.harness import REQUIRED_PROVIDERS, Terraform

# The provider process on a tf whose runner lost a private helper (as a tf upgrade could do). It runs the process
# itself (`plugin.serve`), not the launcher: a tf broken inside this one process is invisible to a warm-start server
# (an installed upgrade changes the server's key; tests/e2e/test_warm_start.py).
BROKEN_TF_PLUGIN = f"""#!/bin/sh
exec {sys.executable} -c "import sys, tf.runner; del tf.runner._get_cert_cache_path; \\
from sdn_provider.plugin import serve; serve(sys.argv)" "$@"
"""


def test_terraform_shows_why_the_provider_refused_to_start(tmp_path: Path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    plugin = plugins / "terraform-provider-sdn"
    plugin.write_text(BROKEN_TF_PLUGIN)
    plugin.chmod(0o755)
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text(
        f'provider_installation {{\n  dev_overrides {{ "windows-sdn/sdn" = "{plugins}" }}\n  direct {{}}\n}}\n'
    )
    tf = Terraform(tmp_path, {"TF_CLI_CONFIG_FILE": str(cli_config)})
    tf.write(REQUIRED_PROVIDERS + 'data "sdn_virtual_network" "x" {\n  resource_id = "v"\n}\n')
    proc = tf.plan()
    assert proc.returncode == 1
    output = " ".join((proc.stdout + proc.stderr).split())  # Terraform wraps long lines
    assert "terraform-provider-sdn: the installed tf framework does not match this provider" in output, output
    assert "tf.runner._get_cert_cache_path is missing" in output and "pip install tf==1.2.0" in output
