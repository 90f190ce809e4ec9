"""Acceptance tests as a list of steps, in the spirit of terraform-plugin-testing's `resource.Test` / `TestStep`.

A step is one configuration and what Terraform must do with it:
- plan it (`actions`: the action each resource address gets; `plan_shows`: text of the plan), then apply that
  very plan (unless `plan_only`); `expect_error` instead matches the failure of the plan or the apply;
- `checks` on state attributes and on the emulator after it, then an empty plan (plugin-testing's default);
- `imports`: import each address into an empty state and verify attribute by attribute against the state of
  the previous step (ImportStateVerify, with `import_ignore`); the imported state must plan clean;
- `destroy`: destroy (`targets` to destroy only some), then the checks; `refresh`: `apply -refresh-only`.
`before` runs first: an out-of-band change (PreConfig). `run` ALWAYS destroys at the end, then checks that the
emulator is back where the test found it (its `seed` snapshot): no leftover load balancer, membership or
cluster change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness import Emulator, Terraform

#: What a step's plan does to one resource, in `terraform show -json`'s words.
ACTIONS = {
    "create": ["create"],
    "update": ["update"],
    "replace": ["delete", "create"],
    "delete": ["delete"],
    "no-op": ["no-op"],
}


@dataclass
class State:
    """What a check sees: the state's resources (address -> attributes) and outputs (name -> value)."""

    resources: dict[str, dict]
    outputs: dict[str, Any]


Check = Callable[[State], None]


def attr(address: str, path: str, expected: Any) -> Check:
    """The attribute at `path` (`a.0.b`, as Terraform flattens it; `a` for a whole value) equals `expected`."""

    def check(state: State) -> None:
        assert address in state.resources, f"{address} is not in state: {sorted(state.resources)}"
        actual = _at(state.resources[address], path)
        assert actual == expected, f"{address}.{path} = {actual!r}, expected {expected!r}"

    return check


def output(name: str, expected: Any) -> Check:
    def check(state: State) -> None:
        actual = state.outputs.get(name, {}).get("value")
        assert actual == expected, f"output {name} = {actual!r}, expected {expected!r}"

    return check


def absent(address: str) -> Check:
    def check(state: State) -> None:
        assert address not in state.resources, f"{address} is still in state"

    return check


def holds(what: str, actual: Callable[[], Any], expected: Any) -> Check:
    """`actual()` (read at check time, e.g. from the emulator) equals `expected`; `what` names it on failure."""

    def check(state: State) -> None:
        value = actual()
        assert value == expected, f"{what}: {value!r}, expected {expected!r}"

    return check


def true(what: str, predicate: Callable[[State], bool]) -> Check:
    """Any other condition on the state or the world, named by `what`."""

    def check(state: State) -> None:
        assert predicate(state), what

    return check


@dataclass
class Step:
    config: str = ""
    before: Callable[[], Any] | None = None
    actions: dict[str, str] = field(default_factory=dict)
    plan_shows: tuple[str, ...] = ()
    plan_hides: tuple[str, ...] = ()
    plan_only: bool = False
    expect_error: str | None = None
    targets: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    expect_empty_plan: bool = True
    imports: dict[str, str] = field(default_factory=dict)
    import_config: str | None = None
    import_ignore: tuple[str, ...] = ()
    destroy: bool = False
    refresh: bool = False


def flat(proc) -> str:
    """Terraform wraps diagnostics at 80 columns (warnings on stdout): compare with whitespace collapsed."""
    return " ".join((proc.stdout + proc.stderr).split())


def run(tf: Terraform, steps: list[Step], seed: Callable[[], Any]) -> None:
    """Every step in order; then, whatever happened, destroy (with the configuration of the last step that
    passed: a step's may be one Terraform refuses); then the world is back at `seed()` as taken before the first
    step."""
    before = seed()
    passed = ""
    try:
        for number, step in enumerate(steps, 1):
            try:
                clean = _run_step(tf, step, tf.workdir / f"import-{number}")
            except AssertionError as exc:
                raise AssertionError(f"step {number}: {exc}") from exc
            passed = step.config if clean and step.config else passed
    finally:
        if passed:
            tf.write(passed)
        destroyed = tf.destroy(check=False)
    assert destroyed.returncode == 0, f"final destroy failed:\n{destroyed.stdout}\n{destroyed.stderr}"
    after = seed()
    assert after == before, f"the emulator is not back at its seed:\nbefore: {before}\nafter:  {after}"


def _run_step(tf: Terraform, step: Step, import_dir: Path) -> bool:
    """False when the step ended in the error it expected (its configuration may be one Terraform refuses)."""
    if step.before is not None:
        step.before()
    if step.config:
        tf.write(step.config)
    if step.imports:
        clean = _import_and_verify(tf, step, import_dir)
    elif step.refresh:
        tf.run("apply", "-refresh-only", "-auto-approve", "-no-color", "-input=false")
        clean = True
    elif step.destroy:
        proc = tf.destroy(*(f"-target={t}" for t in step.targets), check=False)
        clean = not _expected_failure(step, proc)
        assert not clean or proc.returncode == 0, f"destroy failed:\n{proc.stdout}\n{proc.stderr}"
    else:
        clean = _plan_and_apply(tf, step)
    if step.checks:  # after an expected error too: what it left behind is part of the behaviour
        state = _state(tf)
        for check in step.checks:
            check(state)
    return clean


def _plan_and_apply(tf: Terraform, step: Step) -> bool:
    """False when the step ended in its expected error."""
    targets = [f"-target={t}" for t in step.targets]
    plan = tf.run("plan", "-out=tfplan", "-detailed-exitcode", "-no-color", "-input=false", *targets, check=False)
    if _expected_failure(step, plan):
        return False
    assert plan.returncode in (0, 2), f"plan failed:\n{plan.stdout}\n{plan.stderr}"
    _check_plan(tf, step, plan)
    if step.plan_only:
        assert step.expect_error is None, f"expected an error matching {step.expect_error!r}; the plan succeeded"
        return True
    applied = tf.run("apply", "-no-color", "-input=false", "tfplan", check=False)
    if _expected_failure(step, applied):
        return False
    assert applied.returncode == 0, f"apply failed:\n{applied.stdout}\n{applied.stderr}"
    assert step.expect_error is None, f"expected an error matching {step.expect_error!r}; the apply succeeded"
    if step.expect_empty_plan:
        tf.assert_no_changes()
    return True


def _expected_failure(step: Step, proc) -> bool:
    if proc.returncode != 1:
        return False
    assert step.expect_error is not None, f"terraform failed:\n{proc.stdout}\n{proc.stderr}"
    assert re.search(step.expect_error, flat(proc)), f"no {step.expect_error!r} in:\n{flat(proc)}"
    return True


def _check_plan(tf: Terraform, step: Step, plan) -> None:
    text = plan.stdout
    if step.actions:
        changes = any(action != "no-op" for action in step.actions.values())
        assert plan.returncode == (2 if changes else 0), f"plan (exit code {plan.returncode}):\n{text}"
    for shown in step.plan_shows:
        assert shown in text, f"plan does not show {shown!r}:\n{text}"
    for hidden in step.plan_hides:
        assert hidden not in text, f"plan shows {hidden!r}:\n{text}"
    if step.actions:
        changes = json.loads(tf.run("show", "-json", "-no-color", "tfplan").stdout).get("resource_changes", [])
        actual = {c["address"]: c["change"]["actions"] for c in changes}
        for address, action in step.actions.items():
            assert actual.get(address) == ACTIONS[action], f"{address}: planned {actual.get(address)}, not {action}"


def _import_and_verify(tf: Terraform, step: Step, workdir: Path) -> bool:
    """ImportStateVerify: each address imported into an empty state matches the current state attribute by
    attribute (except `import_ignore`), and the imported state plans clean against its configuration."""
    expected = tf.resources()
    workdir.mkdir()
    other = Terraform(
        workdir, {k: v for k, v in tf.env.items() if k in ("TF_REATTACH_PROVIDERS", "TF_CLI_CONFIG_FILE")}
    )
    other.write(step.import_config or step.config)
    for address, import_id in step.imports.items():
        proc = other.import_(address, import_id, check=False)
        if _expected_failure(step, proc):
            return False
        assert proc.returncode == 0, f"import {address} {import_id!r} failed:\n{proc.stdout}\n{proc.stderr}"
    imported = other.resources()
    for address in step.imports:
        want, got = dict(_flatten(expected[address])), dict(_flatten(imported[address]))
        differ = {
            key: (want.get(key), got.get(key))
            for key in want.keys() | got.keys()
            if want.get(key) != got.get(key) and not _ignored(key, step.import_ignore)
        }
        assert not differ, f"{address} imported differs (state, imported): {differ}"
    other.assert_no_changes()
    return True


def _ignored(key: str, ignore: tuple[str, ...]) -> bool:
    """An ignore entry matches the key itself and everything under it (`timeouts` covers `timeouts.create`)."""
    return any(key == i or key.startswith(i + ".") for i in ignore)


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Terraform's flatmap view of attributes: `block.0.name`, `tags.key`; empty lists and maps as themselves."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from _flatten(item, f"{prefix}.{i}")
    else:
        yield prefix, value


def _at(values: dict, path: str) -> Any:
    value: Any = values
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def _state(tf: Terraform) -> State:
    shown = tf.state()
    return State(tf.resources(shown), shown.get("values", {}).get("outputs", {}))


# -- seeds: what the emulator must hold again after the final destroy ----------------------------------------
def nc_seed(emulator: Emulator) -> Callable[[], dict]:
    """Load balancers by id, and every NIC minus what each write renews (memberships are on the NIC)."""
    from tests.observe import comparable

    def snapshot() -> dict:
        return {
            "loadBalancers": sorted(lb["resourceId"] for lb in emulator.list("loadBalancers")),
            "networkInterfaces": {n["resourceId"]: comparable(n) for n in emulator.list("networkInterfaces")},
        }

    return snapshot


def cluster_seed(emulator: Emulator, nodes: tuple[str, ...]) -> Callable[[], dict]:
    """NC's snapshot plus each node's cluster, read through the provider's scripts (no cluster, or the one with
    its core resources' parameters: a changed Cluster IP Address would show)."""
    from tests.observe import ip_params, sh

    nc = nc_seed(emulator)

    def snapshot() -> dict:
        clusters = {}
        for node in nodes:
            cluster = sh(emulator, node, "get_cluster")
            clusters[node] = (
                {
                    "name": cluster["name"],
                    "nodes": [n["name"] for n in cluster["nodes"]],
                    "ip": ip_params(emulator, node),
                }
                if cluster.get("exists")
                else None
            )
        return {**nc(), "clusters": clusters}

    return snapshot
