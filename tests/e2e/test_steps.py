"""The step runner itself can fail: a leftover in the emulator fails the seed check, a failing step still gets
the final destroy, and ImportStateVerify notices an attribute that differs."""

from __future__ import annotations

import pytest

from tests.configs import SUBNET, seed_lb
from tests.harness import Emulator, Terraform, provider_block
from tests.steps import Step, nc_seed, run


def test_a_leftover_fails_the_seed_check(tf: Terraform, emulator: Emulator):
    name = "StepsLeftover_VIP"
    config = provider_block(emulator) + seed_lb(name)

    def leave_a_second_load_balancer() -> None:
        live = emulator.get(f"/loadBalancers/{name}")
        copy = {"resourceId": f"{name}2", "properties": {"probes": live["properties"]["probes"]}}
        assert emulator.put(f"/loadBalancers/{name}2", copy).status_code in (200, 201)

    try:
        with pytest.raises(AssertionError, match="not back at its seed"):
            run(tf, [Step(config), Step(config, before=leave_a_second_load_balancer)], seed=nc_seed(emulator))
        assert emulator.get(f"/loadBalancers/{name}") is None  # the final destroy ran
    finally:
        emulator.delete(f"/loadBalancers/{name}2")


def test_a_failing_step_is_named_and_still_destroyed(tf: Terraform, emulator: Emulator):
    name = "StepsFailing_VIP"
    config = provider_block(emulator) + seed_lb(name)
    with pytest.raises(AssertionError, match=r"step 2: .*no 'this text is not in the error'"):
        run(
            tf,
            [
                Step(config),
                Step(
                    provider_block(emulator) + seed_lb(name, interval=1), expect_error="this text is not in the error"
                ),
            ],
            seed=nc_seed(emulator),
        )
    assert emulator.get(f"/loadBalancers/{name}") is None


def test_import_verify_compares_attribute_by_attribute(tf: Terraform, emulator: Emulator):
    name = "StepsImport_VIP"
    config = provider_block(emulator) + seed_lb(name, subnet=SUBNET)
    with pytest.raises(AssertionError, match=r"probe\.0\.protocol.*'TCP', 'Tcp'"):
        run(tf, [Step(config), Step(config, imports={"sdn_load_balancer.lb": name})], seed=nc_seed(emulator))
    assert emulator.get(f"/loadBalancers/{name}") is None
