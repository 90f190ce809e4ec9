"""One test per `tf` workaround in sdn_provider.framework (see the framework audit)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import grpc
import pytest
import tf.provider
import tf.runner
import tf.utils
from tf import types
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from sdn_provider.framework import STOP_REQUESTED, SafeSet, compat, make_servicer_class, patch_tf
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
            stub.StopProvider(pb.StopProvider.Request(), timeout=30)
            # Ignored, not handled: the kernel discards it, so the process cannot die of it later on.
            assert signal.SIGINT in ignored_signals(server.proc.pid)
            os.kill(server.proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends to the process group
            schema = stub.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=30)
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


def test_the_installed_tf_is_what_the_adapter_expects():
    assert compat.problems() == []


def test_a_missing_private_name_fails_loudly(monkeypatch):
    monkeypatch.delattr(tf.provider, "_decode_state")
    with pytest.raises(compat.IncompatibleTf, match=r"tf\.provider\._decode_state is missing") as failure:
        compat.check()
    assert "pip install tf==1.2.0" in str(failure.value)


def test_a_changed_signature_fails_loudly(monkeypatch):
    monkeypatch.setattr(tf.utils, "_to_attribute_path", lambda steps, strict: None)
    with pytest.raises(compat.IncompatibleTf, match=r"_to_attribute_path takes \(steps, strict\), expected \(path\)"):
        compat.check()


def test_a_wrong_version_fails_loudly(monkeypatch):
    """The installed 1.2.0 against another pin: the message names both."""
    monkeypatch.setattr(compat, "PINNED_TF_VERSION", "1.3.0")
    with pytest.raises(compat.IncompatibleTf, match=r"tf 1\.2\.0 is installed, this provider needs tf==1\.3\.0"):
        compat.check()


def test_a_runner_that_no_longer_looks_up_what_we_replace_fails(monkeypatch):
    monkeypatch.setattr(tf.runner, "run_provider", lambda provider, argv=None: None)
    assert "tf.runner.run_provider no longer looks up ProviderServicer when it runs" in "\n".join(compat.problems())


def test_the_pin_is_the_one_in_setup_cfg():
    setup_cfg = (Path(__file__).resolve().parents[2] / "setup.cfg").read_text()
    assert f"tf=={compat.PINNED_TF_VERSION}" in setup_cfg


def test_a_mismatch_stops_the_plugin_at_start_with_the_reason():
    script = "import tf.runner; del tf.runner._get_cert_cache_path; from sdn_provider.plugin import serve; serve(['x'])"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    # One line where the handshake would be: Terraform quotes it in "Unrecognized remote plugin message: ..."
    assert proc.stdout.startswith("terraform-provider-sdn: the installed tf framework does not match this provider:")
    assert proc.stdout.count("\n") == 1 and "tf.runner._get_cert_cache_path is missing" in proc.stdout
    assert "tf.runner._get_cert_cache_path is missing" in proc.stderr and "pip install tf==1.2.0" in proc.stderr


def test_importing_the_framework_patches_nothing():
    """A fresh interpreter: every attribute of every loaded tf module (and the classes we patch), and the SIGINT
    handler, are the same objects before and after importing the provider and building the servicer class."""
    script = textwrap.dedent(
        """
        import signal, sys
        import tf.provider, tf.runner, tf.utils, tf.iface, tf.schema

        def snapshot():
            namespaces = {name: vars(module) for name, module in sys.modules.items() if name.startswith("tf.")}
            namespaces["ShutdownInterceptor"] = vars(tf.runner._ShutdownInterceptor)
            namespaces["ProviderServicer"] = vars(tf.provider.ProviderServicer)
            values = {(ns, key): value for ns, attrs in namespaces.items() for key, value in dict(attrs).items()}
            return values, signal.getsignal(signal.SIGINT)

        (before, handler) = snapshot()
        import sdn_provider.framework, sdn_provider.provider
        sdn_provider.framework.make_servicer_class()(sdn_provider.provider.SdnProvider())
        (after, handler_after) = snapshot()
        changed = sorted(str(key) for key, value in before.items() if after.get(key) is not value)
        print(changed, handler_after is handler)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[] True", proc.stderr


def test_patching_is_idempotent(tf_patched):
    servicer_class = tf.provider.ProviderServicer
    patch_tf()
    assert tf.provider.ProviderServicer is servicer_class
    assert [c.__name__ for c in servicer_class.__mro__].count("SdnServicer") == 1
    assert compat.stock_servicer_class().__module__ == "tf.provider"
    assert compat.private("self_signed_cert").__module__ == "tf.runner"  # wrapped once, around the original


def test_private_tf_names_are_touched_only_through_compat():
    """Each private name in compat.PRIVATE_NAMES appears nowhere else, and nothing imports another one."""
    root = Path(__file__).resolve().parents[2]
    sources = {path: path.read_text() for folder in ("provider", "bench") for path in (root / folder).rglob("*.py")}
    private = {part for spec in compat.PRIVATE_NAMES.values() for part in spec.path.split(".") if part[0] == "_"}
    pattern = re.compile(rf"\b({'|'.join(map(re.escape, private))})\b|from tf[.\w]* import [^\n]*\b_[a-z]")
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path, text in sources.items()
        if path.name != "compat.py"
        for match in pattern.finditer(text)
    ]
    assert offenders == []
