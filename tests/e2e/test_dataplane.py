"""The topology works: after terraform apply of examples/guest-cluster, VIP traffic reaches the active
node and follows a failover; each classic misconfiguration breaks it, and probe health says why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdn_emulator.control.client import ControlClient
from sdn_emulator.control.gen import control_pb2 as pb
from tests.harness import REPO, Emulator, ProviderServer, Terraform
from tests.waiting import wait_until

VIP, PORT = "192.168.2.100", 1433
TIME_SCALE = 0.02  # 5 s x 11 probes -> 1.1 s
SETTLE = 5 * 11 * TIME_SCALE + 1.0  # what marking a backend down takes, plus slack; waits allow 5 s more


@pytest.fixture(scope="module")
def dataplane_emulator() -> Iterator[Emulator]:
    """Domain-joined nodes: the example's default winrm_auth (credssp) must make the cluster through the double hop."""
    emu = Emulator.start("--probe-time-scale", str(TIME_SCALE), "--domain", "contoso.test", delay=0.05)
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def control(dataplane_emulator: Emulator) -> Iterator[ControlClient]:
    with ControlClient(dataplane_emulator.info["control"]) as client:
        yield client


def example(tmp_path: Path, server: ProviderServer, emu: Emulator, patch: dict[str, str] | None = None) -> Terraform:
    """A copy of examples/guest-cluster, optionally with its main.tf lines patched, bound to the emulator."""
    workdir = tmp_path / "guest-cluster"
    shutil.copytree(REPO / "examples" / "guest-cluster", workdir)
    main = workdir / "main.tf"
    text = main.read_text()
    for old, new in (patch or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    main.write_text(text)
    return Terraform(
        workdir,
        {
            "TF_REATTACH_PROVIDERS": server.reattach,
            "TF_CLI_CONFIG_FILE": "/dev/null",
            **emu.example_variables(),
        },
    )


def never_answers(control: ControlClient, attempts: int = 20) -> bool:
    """True when the VIP's rule is programmed and none of `attempts` connections through it is answered."""
    assert control.vip_endpoint(VIP, PORT) is not None, "the VIP rule is not programmed"
    return all(control.connect(VIP, PORT) is None for _ in range(attempts))


def backends(control: ControlClient) -> list[pb.BackendHealth]:
    return [b for r in control.health().rules for b in r.backends]


def healthy_nodes(control: ControlClient) -> set[str]:
    return {b.node for b in backends(control) if b.healthy}


def reasons(control: ControlClient) -> str:
    return "\n".join(f"{b.node}: {b.reason} | {b.delivery}" for r in control.health().rules for b in r.backends)


def test_traffic_reaches_the_active_node_and_follows_failover(tmp_path, provider_server, dataplane_emulator, control):
    tf = example(tmp_path, provider_server, dataplane_emulator)
    tf.apply()
    tf.assert_no_changes()
    assert control.wait_for_answer(VIP, PORT, expect="DB1", timeout=SETTLE + 5) == "DB1"

    control.failover("DB2")
    assert control.wait_for_answer(VIP, PORT, expect="DB2", timeout=SETTLE + 5) == "DB2"
    wait_until(lambda: healthy_nodes(control) == {"DB2"}, SETTLE + 5, "the mux to mark the old owner DB1 down")
    assert {control.connect(VIP, PORT) for _ in range(10)} == {"DB2"}  # every connection goes to DB2
    assert "DB1" in reasons(control) and "does not own an online cluster IP" in reasons(control)
    assert tf.resource_changes() == []  # the owner moving is not drift (only the owner output changes)

    tf.destroy()
    assert control.vip_endpoint(VIP, PORT) is None


@pytest.mark.parametrize(
    ("patch", "expected_reason"),
    [
        (
            {"enable_floating_ip              = true": "enable_floating_ip              = false"},
            "refused, the clustered service listens only",
        ),
        (
            {"probe_port   = sdn_load_balancer.cluster_vip.probe[0].port": "probe_port   = 59998"},
            "has ProbePort 59998, not 59999",
        ),
    ],
    ids=["floating-ip-off", "probe-port-mismatch"],
)
def test_misconfiguration_breaks_traffic_and_health_explains(
    tmp_path, provider_server, dataplane_emulator, control, patch, expected_reason
):
    tf = example(tmp_path, provider_server, dataplane_emulator, patch)
    tf.apply()
    try:
        wait_until(
            lambda: all(b.probes_sent for b in backends(control)) and expected_reason in reasons(control),
            SETTLE + 5,
            f"every backend probed and health saying {expected_reason!r}",
        )
        assert never_answers(control), reasons(control)
        assert expected_reason in reasons(control)
    finally:
        tf.destroy()


def test_cluster_ip_offline_breaks_traffic(tmp_path, provider_server, dataplane_emulator, control):
    tf = example(tmp_path, provider_server, dataplane_emulator)
    tf.apply()
    try:
        assert control.wait_for_answer(VIP, PORT, timeout=SETTLE + 5) is not None
        owner = tf.resources()["sdn_cluster_ip_address.vip"]["owner_node"]
        control.inject("stop_resource", node=owner, resource="Cluster IP Address")
        wait_until(lambda: not healthy_nodes(control), SETTLE + 5, "every backend marked down with the cluster IP off")
        assert never_answers(control), reasons(control)
        assert "offline on every node" in reasons(control)
        assert tf.resources()["sdn_cluster_ip_address.vip"]["state"] == "Online"
        tf.run("refresh", "-no-color", "-input=false")
        assert tf.resources()["sdn_cluster_ip_address.vip"]["state"] == "Offline"  # refresh reports it
        control.inject("start_resource", node=owner, resource="Cluster IP Address")
        assert control.wait_for_answer(VIP, PORT, timeout=SETTLE + 5) is not None
    finally:
        tf.destroy()
