"""The shipped scripts do what their documentation says (issue 18, item 3), read on the parse tree of the text the
transport sends: set_cluster_ip_address takes the "Cluster Name" resource offline, then the IP, sets the parameters,
and starts the IP and then the name in a ``finally`` (docs/resources/cluster_ip_address.md); each cluster script
makes exactly its one change; and every script's JSON carries each field the provider reads from it. No PowerShell
runs here, so each check is also shown to fail on a copy of the script with the mistake planted."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sdn_scripts import program
from tf.utils import Diagnostics

from sdn_provider.cluster import remote
from sdn_provider.data_sources.cluster_resource import ClusterResourceData
from sdn_provider.resources.cluster_ip_address import ClusterIPAddress
from sdn_provider.resources.failover_cluster import FailoverCluster
from tests.powershell.flow import ANY, Step, result_shape, steps
from tests.unit.test_cluster_resources import cluster_config, ip_config, provider
from tests.unit.test_powershell_static import SCRIPTS

NAME, IP = "Network Name resource", "IP Address resource"
SEQUENCES = {
    "set_cluster_ip_address": [
        Step("Stop-ClusterResource", NAME),
        Step("Stop-ClusterResource", IP),
        Step("Set-ClusterParameter", IP),
        Step("Start-ClusterResource", IP, in_finally=True),
        Step("Start-ClusterResource", NAME, in_finally=True),
    ],
    "new_cluster": [Step("New-Cluster", "input name")],
    "add_cluster_node": [Step("Add-ClusterNode", "input node")],
    "remove_cluster_node": [Step("Remove-ClusterNode", "input node")],
    "remove_cluster": [Step("Remove-Cluster", "local cluster")],
    "get_cluster": [],
    "get_cluster_resource": [],
}
START_IP = "        Start-ClusterResource -Name $ip.Name -Wait $wait | Out-Null\n"
START_NAME = "        Start-ClusterResource -Name $nameRes.Name -Wait $wait | Out-Null\n"
# (the mistake, the shipped text, what replaces it)
PLANTED = [
    ("never restarts Cluster Name", START_NAME, ""),
    ("restarts only when setting fails", "} finally {", "} catch {"),
    ("starts the name before the IP", START_IP + START_NAME, START_NAME + START_IP),
    ("leaves the IP online while setting", "    Stop-ClusterResource -Name $ip.Name | Out-Null\n", ""),
    ("keeps the name online", "Stop-ClusterResource -Name $nameRes.Name", "Stop-ClusterResource -Name $ip.Name"),
    ("restarts outside the finally", "    } finally {\n", "    } finally {\n    }\n    & {\n"),
]


def sequence_problems(text: str, name: str) -> list[str]:
    found = steps(text)
    problems = [] if found == SEQUENCES[name] else [f"{name} changes {found}, documented {SEQUENCES[name]}"]
    guards = {s.guard for s in found if s.cmdlet in ("Set-ClusterParameter", "Start-ClusterResource")}
    if name == "set_cluster_ip_address" and (len(guards) != 1 or None in guards):
        problems.append("the starts are not the finally of the try around Set-ClusterParameter")
    return problems


def test_every_script_has_its_documented_sequence() -> None:
    assert sorted(SEQUENCES) == SCRIPTS


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_script_makes_its_documented_changes_in_order(name: str) -> None:
    assert sequence_problems(program(name), name) == []


@pytest.mark.parametrize(("mistake", "shipped", "planted"), PLANTED, ids=[m for m, _, _ in PLANTED])
def test_the_sequence_check_catches(mistake: str, shipped: str, planted: str) -> None:
    text = program("set_cluster_ip_address")
    assert shipped in text
    assert sequence_problems(text.replace(shipped, planted, 1), "set_cluster_ip_address"), mistake


# -- the fields the provider reads ---------------------------------------------------------------------------
PARAMETERS = {
    "Address": "192.168.2.100",
    "ProbePort": 59999,
    "SubnetMask": "255.255.255.255",
    "Network": "Cluster Network 1",
    "EnableDhcp": 0,
    "ProbeFailureThreshold": 3,
}
RESOURCE = {
    "name": "Cluster IP Address",
    "state": "Online",
    "owner_node": "DB1",
    "resource_type": "IP Address",
    "owner_group": "Cluster Group",
    "dependencies": "",
    "parameters": PARAMETERS,
}
CLUSTER = {
    "exists": True,
    "name": "MyCluster",
    "nodes": [{"name": "DB1", "state": "Up"}, {"name": "DB2", "state": "Up"}, {"name": "DB3", "state": "Up"}],
    "static_address": "192.168.2.50",
    "ip_resource": RESOURCE,
    "name_resource": "Cluster Name",
}
# Values a cluster gives; a script's answer keeps only the keys its parse tree shows it writes.
ANSWERS = {
    "get_cluster": CLUSTER,
    "new_cluster": CLUSTER,
    "add_cluster_node": CLUSTER,
    "remove_cluster_node": CLUSTER,
    "remove_cluster": {"removed": True},
    "get_cluster_resource": RESOURCE,
    "set_cluster_ip_address": {"previous": PARAMETERS, "resource": RESOURCE, "name_resource": "Cluster Name"},
}


class Written(dict):
    """A script's answer as the provider receives it; a read of a key the script does not write is recorded."""

    def __init__(self, items: dict, path: str, missing: list[str], computed_keys: bool = False):
        super().__init__(items)
        self.path, self.missing, self.computed_keys = path, missing, computed_keys

    def _read(self, key: Any) -> None:
        if key not in self and not self.computed_keys:
            self.missing.append(f"{self.path}.{key}")

    def get(self, key: Any, default: Any = None) -> Any:
        self._read(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._read(key)
        return super().__getitem__(key)


def as_written(value: Any, shape: Any, path: str, missing: list[str]) -> Any:
    if shape == ANY and isinstance(value, dict):
        return Written(value, path, missing, computed_keys=True)
    if isinstance(shape, dict) and isinstance(value, dict):
        kept = {k: as_written(v, shape[k.lower()], f"{path}.{k}", missing) for k, v in value.items() if k in shape}
        return Written(kept, path, missing)
    if isinstance(shape, list) and isinstance(value, list):
        return [as_written(item, shape[0] if shape else None, f"{path}[]", missing) for item in value]
    return value


def ctx() -> SimpleNamespace:
    return SimpleNamespace(diagnostics=Diagnostics())


# Every way the provider runs a script and reads its answer.
DRIVES: list[tuple[str, Callable[[Any, SimpleNamespace], Any]]] = [
    ("cluster create", lambda p, c: FailoverCluster(p).create(c, cluster_config(nodes=["DB1", "DB2"]))),
    ("cluster read", lambda p, c: FailoverCluster(p).read(c, cluster_config())),
    (
        "cluster update",
        lambda p, c: FailoverCluster(p).update(c, cluster_config(), cluster_config(nodes=["DB1", "DB3"])),
    ),
    ("cluster delete", lambda p, c: FailoverCluster(p).delete(c, cluster_config())),
    ("cluster import", lambda p, c: FailoverCluster(p).import_(c, "DB1/MyCluster")),
    ("ip create", lambda p, c: ClusterIPAddress(p).create(c, ip_config(name_resource="Cluster Name"))),
    ("ip read", lambda p, c: ClusterIPAddress(p).read(c, ip_config(resource_name="Cluster IP Address"))),
    ("ip update", lambda p, c: ClusterIPAddress(p).update(c, ip_config(probe_port=59998), ip_config())),
    (
        "ip delete",
        lambda p, c: ClusterIPAddress(p).delete(c, ip_config(previous_parameters={"Address": "192.168.2.50"})),
    ),
    ("ip import", lambda p, c: ClusterIPAddress(p).import_(c, "DB1/Cluster IP Address")),
    ("resource data source", lambda p, c: ClusterResourceData(p).read(c, {"cluster_node": "DB1", "name": "x"})),
]


def unwritten_reads(monkeypatch: pytest.MonkeyPatch, texts: dict[str, str]) -> tuple[list[str], set[str]]:
    """Run every drive with each script answering as its text writes; the fields read but not written, and the
    scripts that ran."""
    missing: list[str] = []
    ran: set[str] = set()
    shapes = {name: result_shape(text) for name, text in texts.items()}

    def answer(settings: Any, script: str, params: dict) -> Any:
        ran.add(script)
        return as_written(ANSWERS[script], shapes[script], script, missing)

    monkeypatch.setattr(remote, "run_script", answer)
    for what, drive in DRIVES:
        context = ctx()
        drive(provider(), context)
        assert not context.diagnostics.has_errors(), (what, context.diagnostics.diagnostics)
    return missing, ran


def test_every_script_writes_every_field_the_provider_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    missing, ran = unwritten_reads(monkeypatch, {name: program(name) for name in SCRIPTS})
    assert missing == []
    assert ran == set(SCRIPTS)


def test_the_field_check_catches_a_field_the_script_stopped_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = '; owner_node = "$($Resource.OwnerNode)"'  # in the library's Get-SdnResource
    texts = {name: program(name) for name in SCRIPTS}
    assert shipped in texts["get_cluster_resource"]
    planted = {name: text.replace(shipped, "") for name, text in texts.items()}
    missing, _ = unwritten_reads(monkeypatch, planted)
    assert "get_cluster_resource.owner_node" in missing and "set_cluster_ip_address.resource.owner_node" in missing
