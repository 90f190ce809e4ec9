"""Issue 13 item 7 through the real terraform binary: apply examples/guest-cluster, restart the emulator on its
--data-dir, and the plan is empty, traffic still reaches the owner node, and destroy leaves nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from sdn_emulator.control.client import ControlClient
from tests.harness import REPO, Emulator, ProviderServer, Terraform
from tests.waiting import wait_until

VIP, PORT = "192.168.2.100", 1433
TIME_SCALE = 0.02


def _start(workdir: Path) -> Emulator:
    return Emulator.start(
        "--data-dir", str(workdir / "data"), "--probe-time-scale", str(TIME_SCALE), delay=0.05, workdir=workdir
    )


def _answer(emu: Emulator) -> str | None:
    with ControlClient(emu.info["control"]) as control:
        return wait_until(lambda: control.connect(VIP, PORT), 30, "a node answering through the VIP")


def test_plan_is_empty_after_an_emulator_restart(tmp_path: Path, provider_server: ProviderServer) -> None:
    config = tmp_path / "guest-cluster"
    shutil.copytree(REPO / "examples" / "guest-cluster", config)
    emu_dir = tmp_path / "emulator"
    emu = _start(emu_dir)
    try:
        tf = Terraform(
            config,
            {
                "TF_REATTACH_PROVIDERS": provider_server.reattach,
                "TF_CLI_CONFIG_FILE": "/dev/null",
                **emu.example_variables(),
            },
        )
        tf.apply()
        owner = _answer(emu)
        inventory = emu.list("loadBalancers")
    finally:
        emu.stop(remove_workdir=False)

    emu = _start(emu_dir)  # the same options: same endpoints, so the same TF_VAR_* still apply
    try:
        tf.assert_no_changes()
        assert emu.list("loadBalancers") == inventory
        assert _answer(emu) == owner
        tf.destroy()
        assert emu.list("loadBalancers") == []
    finally:
        emu.stop()
