"""One test per `tf` workaround in sdn_provider.framework (see the framework audit)."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import grpc
import pytest
from tf import types
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from sdn_provider.framework import STOP_REQUESTED, SafeSet, make_servicer_class
from sdn_provider.provider import SdnProvider
from tests.harness import BIN, ProviderServer


@pytest.fixture
def servicer(tf_patched):
    return make_servicer_class()(SdnProvider())


def _lb_config(**over) -> dict:
    config = {
        "resource_id": "lb1",
        "tags": None,
        "resource_ref": None,
        "instance_id": None,
        "etag": None,
        "provisioning_state": None,
        "frontend_ip_configuration_refs": None,
        "backend_address_pool_refs": None,
        "probe_refs": None,
        "timeouts": None,
        "frontend_ip_configuration": [
            {
                "name": "fe",
                "private_ip_address": "192.168.2.100",
                "private_ip_allocation_method": None,
                "subnet_ref": "/virtualNetworks/v/subnets/s",
            }
        ],
        "backend_address_pool": [{"name": "be"}],
        "probe": [
            {
                "name": "p",
                "protocol": None,
                "port": 59999,
                "interval_in_seconds": None,
                "number_of_probes": None,
                "request_path": None,
            }
        ],
        "load_balancing_rule": [
            {
                "name": "r",
                "frontend_ip_configuration_names": ["fe"],
                "backend_address_pool_name": "be",
                "probe_name": "p",
                "protocol": None,
                "frontend_port": 1433,
                "backend_port": None,
                "idle_timeout_in_minutes": None,
                "enable_floating_ip": None,
                "load_distribution": None,
            }
        ],
    }
    config.update(over)
    return config


def test_refined_unknown_values_decode_as_unknown(tf_patched):
    """Terraform sends `sort(keys(var.x))` at validate time as cty's refined unknown (msgpack ext 12)."""
    import msgpack

    wire = pb.DynamicValue(msgpack=msgpack.packb({"nodes": msgpack.ExtType(12, b"\x81\x01\xc2"), "n": 1}))
    assert read_dynamic_value(wire) == {"nodes": Unknown, "n": 1}


def test_nested_blocks_are_lists(servicer):
    schema = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None).resource_schemas["sdn_load_balancer"]
    modes = {b.type_name: b.nesting for b in schema.block.block_types}
    assert modes["probe"] == pb.Schema.NestedBlock.NestingMode.LIST
    assert modes["timeouts"] == pb.Schema.NestedBlock.NestingMode.SINGLE
    frontend = next(b for b in schema.block.block_types if b.type_name == "frontend_ip_configuration")
    assert frontend.min_items == 1


def test_plan_runs_on_create_and_fills_block_defaults(servicer):
    config = _lb_config()
    resp = servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name="sdn_load_balancer",
            prior_state=to_dynamic_value(None),
            proposed_new_state=to_dynamic_value(config),
            config=to_dynamic_value(config),
        ),
        None,
    )
    assert not resp.diagnostics
    planned = read_dynamic_value(resp.planned_state)
    assert planned["probe"][0]["interval_in_seconds"] == 15 and planned["probe"][0]["protocol"] == "TCP"
    rule = planned["load_balancing_rule"][0]
    assert rule["backend_port"] == 1433 and rule["enable_floating_ip"] is True and rule["idle_timeout_in_minutes"] == 4
    assert planned["backend_address_pool_refs"] == {"be": "/loadBalancers/lb1/backendAddressPools/be"}
    assert planned["etag"] is Unknown


def test_plan_exception_becomes_a_diagnostic_not_a_traceback(servicer, monkeypatch):
    from sdn_provider.resources.load_balancer import LoadBalancer

    monkeypatch.setattr(LoadBalancer, "plan", lambda *a: 1 / 0)
    config = _lb_config()
    resp = servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name="sdn_load_balancer",
            prior_state=to_dynamic_value(None),
            proposed_new_state=to_dynamic_value(config),
            config=to_dynamic_value(config),
        ),
        None,
    )
    assert resp.diagnostics[0].summary == "Unexpected error in sdn_load_balancer plan"
    assert "ZeroDivisionError" in resp.diagnostics[0].detail


def test_set_with_unknown_does_not_crash():
    with pytest.raises(TypeError):  # the stock type: why SafeSet exists
        types.Set(types.String()).semantically_equal(Unknown, ["a"])
    assert SafeSet(types.String()).semantically_equal(Unknown, ["a"]) is False
    assert SafeSet(types.String()).semantically_equal(Unknown, Unknown) is True
    assert SafeSet(types.String()).semantically_equal(["b", "a"], ["a", "b"]) is True


def test_every_schema_is_versioned_and_upgrade_is_silent(servicer):
    """An explicit version (None would run upgrade on every plan, with a warning: see the framework audit);
    upgrading a version-0 state is silent and fills in every attribute added since, as Terraform needs."""
    resp = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    # 1: frontend_ip_configuration.public_ip_address_ref; ignore_networks
    expected = {"sdn_load_balancer": 1, "sdn_failover_cluster": 1}
    for name, schema in resp.resource_schemas.items():
        assert schema.version == expected.get(name, 0), name
        old = {"frontend_ip_configuration": [{"name": "fe"}]} if name == "sdn_load_balancer" else {}
        upgraded = servicer.UpgradeResourceState(
            pb.UpgradeResourceState.Request(
                type_name=name, version=0, raw_state=pb.RawState(json=json.dumps(old).encode())
            ),
            None,
        )
        assert not upgraded.diagnostics, name
        if name == "sdn_load_balancer":
            state = read_dynamic_value(upgraded.upgraded_state)
            assert state["frontend_ip_configuration"][0]["public_ip_address_ref"] is None
            assert state["resource_id"] is None and state["probe"] is None


def ignored_signals(pid: int) -> set[int]:
    """The signals ``pid`` ignores (SIG_IGN), from the SigIgn mask in /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as status:
        mask = int(next(line for line in status if line.startswith("SigIgn:")).split()[1], 16)
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}


def test_stop_provider_and_sigint_do_not_kill_the_server():
    server = ProviderServer.start()
    try:
        address = json.loads(server.reattach)["registry.terraform.io/windows-sdn/sdn"]["Addr"]["String"]
        with grpc.insecure_channel(f"unix://{address}") as channel:
            stub = rpc.ProviderStub(channel)
            STOP_REQUESTED.clear()
            stub.StopProvider(pb.StopProvider.Request(), timeout=5)
            # Ignored, not handled: the kernel discards it, so the process cannot die of it later on.
            assert signal.SIGINT in ignored_signals(server.proc.pid)
            os.kill(server.proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends to the process group
            schema = stub.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=5)
            assert "sdn_load_balancer" in schema.resource_schemas
            assert server.proc.poll() is None
    finally:
        server.stop()


def test_unwritable_home_does_not_break_startup(tmp_path):
    proc = subprocess.Popen(
        [str(BIN / "terraform-provider-sdn")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HOME": "/proc/1", "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("1|6|unix|"), proc.stderr.read() if proc.poll() is not None else line
    finally:
        proc.kill()
        proc.wait()
