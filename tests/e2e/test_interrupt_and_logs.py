"""Ctrl-C in the middle of an apply, and secrets in TF_LOG=trace, on the path users run (spawned plugin)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.harness import REQUIRED_PROVIDERS, TERRAFORM, Emulator, Terraform


def lbs(count: int, prefix: str) -> str:
    return "".join(
        f"""
resource "sdn_load_balancer" "lb{i}" {{
  resource_id = "{prefix}{i}"
  frontend_ip_configuration {{
    name               = "fe"
    private_ip_address = "192.168.2.{120 + i}"
    subnet_ref         = "/virtualNetworks/MyNetwork/subnets/Subnet2"
  }}
}}
"""
        for i in range(count)
    )


def test_ctrl_c_mid_apply_leaves_state_matching_the_emulator(tmp_path, cli_config):
    emulator = Emulator.start(delay=3.0)  # creates stay in flight long enough to interrupt them
    try:
        tf = Terraform(tmp_path, {"TF_CLI_CONFIG_FILE": str(cli_config), "SDN_NETWORK_CONTROLLER_URI": emulator.uri})
        tf.write(REQUIRED_PROVIDERS + 'provider "sdn" {}\n' + lbs(3, "Interrupted"))
        tf.init()
        # A terminal's Ctrl-C reaches the whole process group: terraform and the plugins it spawned.
        proc = subprocess.Popen(
            [TERRAFORM, "apply", "-auto-approve", "-no-color", "-input=false"],
            cwd=tmp_path,
            env=tf.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        end = time.monotonic() + 30
        while time.monotonic() < end and len(emulator.list("loadBalancers")) < 3:
            time.sleep(0.05)
        assert len(emulator.list("loadBalancers")) == 3, "the creates never started"
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=120)
        assert "Interrupt received" in output, output
        in_state = {v["resource_id"] for v in tf.resources().values()}
        in_emulator = {lb["resourceId"] for lb in emulator.list("loadBalancers")}
        assert in_state == in_emulator == {"Interrupted0", "Interrupted1", "Interrupted2"}, output
        assert "Plugin did not respond" not in output
        tf.apply()  # converges
        assert tf.resource_changes() == []
        tf.destroy()
        assert emulator.list("loadBalancers") == []
    finally:
        emulator.stop()


def test_trace_logs_state_and_errors_never_contain_the_winrm_password(tmp_path, cli_config, emulator: Emulator):
    info = emulator.info
    password = info["winrm_password"]
    log = tmp_path / "trace.log"
    tf = Terraform(
        tmp_path,
        {
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_LOG": "trace",
            "TF_LOG_PATH": str(log),
            "SDN_WINRM_PASSWORD": password,
        },
    )
    tf.write(
        REQUIRED_PROVIDERS
        + f"""
provider "sdn" {{
  network_controller_uri = "{info["nc_uri"]}"
  winrm_username         = "{info["winrm_username"]}"
  winrm_ca_cert_file     = "{info["ca_file"]}"
  winrm_endpoints        = {json.dumps(info["winrm_endpoints"])}
}}

data "sdn_cluster_resource" "probe" {{
  cluster_node = "DB1"
  name         = "Cluster IP Address"
}}
"""
    )
    tf.init()
    failed = tf.apply(check=False)  # DB1 is in no cluster here: an error that goes through the WinRM stack
    assert failed.returncode == 1
    assert "Cannot read cluster resource Cluster IP Address" in " ".join(failed.stderr.split()), failed.stderr
    output = failed.stdout + failed.stderr
    assert log.exists() and log.stat().st_size > 0
    assert "sdn" in log.read_text()
    for text, where in (
        (log.read_text(), "TF_LOG=trace log"),
        (output, "terraform output"),
        ((tmp_path / "terraform.tfstate").read_text() if (tmp_path / "terraform.tfstate").exists() else "", "state"),
    ):
        assert password not in text, f"the WinRM password leaked into the {where}"
