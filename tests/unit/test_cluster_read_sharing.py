"""A refresh's get_cluster answer is shared with the cluster IP address read on the same node, and any
cluster-changing command drops it: a mock transport counts commands (no WinRM here; the e2e tests count
the real ones)."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from sdn_provider import provider as provider_module
from sdn_provider.cluster import remote
from sdn_provider.provider import ReadCache, SdnProvider
from sdn_provider.resources.cluster_ip_address import _shared_ip_resource

IP = {"name": "Cluster IP Address", "state": "Online", "owner_node": "DB1", "parameters": {"ProbePort": 59999}}


class FakeProvider:
    def __init__(self) -> None:
        self.reads = ReadCache()


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    ran: list[tuple[str, str]] = []

    def fake_run_script(settings: Any, script: str, params: dict) -> dict:
        ran.append((settings.endpoint, script))
        return {"exists": True, "name": "MyCluster", "ip_resource": dict(IP)}

    monkeypatch.setattr(remote, "run_script", fake_run_script)
    monkeypatch.setattr(remote, "winrm_settings", lambda provider, node: type("S", (), {"endpoint": node})())
    return ran


def test_cluster_read_is_shared_per_node_until_a_write(commands: list[tuple[str, str]]) -> None:
    provider = FakeProvider()
    assert remote.recent_cluster(provider, "DB1") is None
    remote.read_cluster(provider, "DB1")
    remote.read_cluster(provider, "db1")  # node names compare case-insensitively
    assert remote.recent_cluster(provider, "DB1")["ip_resource"] == IP
    assert remote.recent_cluster(provider, "DB2") is None
    assert commands == [("DB1", "get_cluster")]
    remote.run(provider, "DB1", "get_cluster_resource", {"resource_name": "Cluster IP Address"})
    assert remote.recent_cluster(provider, "DB1") is not None  # reads do not invalidate
    remote.run(provider, "DB2", "set_cluster_ip_address", {})
    assert remote.recent_cluster(provider, "DB1") is None  # a write through any node does


@pytest.mark.parametrize(("key", "kept"), [("winrm:db1", False), ("/networkInterfaces/nic1", True)])
def test_a_write_during_a_read_keeps_only_that_prefix_out_of_the_cache(key: str, kept: bool) -> None:
    cache = ReadCache()
    started, release = threading.Event(), threading.Event()

    def slow_fetch() -> dict:
        started.set()
        release.wait(5)
        return {"exists": True}

    reader = threading.Thread(target=cache.get, args=(key, slow_fetch))
    reader.start()
    started.wait(5)
    cache.forget_prefix("winrm:")
    release.set()
    reader.join(5)
    assert (cache.peek(key) is not None) is kept


@pytest.mark.parametrize(
    ("cluster", "name", "shared"),
    [
        ({"exists": True, "ip_resource": IP}, "Cluster IP Address", True),
        ({"exists": True, "ip_resource": IP}, "cluster ip address", True),
        ({"exists": True, "ip_resource": IP}, "SQL IP Address", False),  # another resource: its own command
        ({"exists": True, "ip_resource": None}, "Cluster IP Address", False),
        ({"exists": False}, "Cluster IP Address", False),
        (None, "Cluster IP Address", False),
    ],
)
def test_only_the_same_ip_resource_is_shared(cluster: Any, name: str, shared: bool) -> None:
    assert (_shared_ip_resource(cluster, name) is not None) is shared


class Clock:
    """The read cache's time.monotonic, moved only by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(provider_module, "time", SimpleNamespace(monotonic=lambda: self.now))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


#: Later than NC's READ_TTL, within CLUSTER_READ_TTL: the cluster IP address read queued behind -parallelism.
LATER_IN_THE_REFRESH = 10.0


def test_a_cluster_answer_outlives_nc_reads_until_the_cluster_read_ttl(
    commands: list[tuple[str, str]], clock: Clock
) -> None:
    """A refresh's get_cluster answer stands in for reads seconds later in the same refresh, then expires."""
    assert provider_module.READ_TTL < LATER_IN_THE_REFRESH < remote.CLUSTER_READ_TTL
    provider = FakeProvider()
    remote.read_cluster(provider, "DB1")
    clock.now += LATER_IN_THE_REFRESH
    assert remote.recent_cluster(provider, "DB1") is not None
    remote.read_cluster(provider, "DB1")
    assert commands == [("DB1", "get_cluster")]
    clock.now += remote.CLUSTER_READ_TTL
    assert remote.recent_cluster(provider, "DB1") is None
    remote.read_cluster(provider, "DB1")
    assert commands == [("DB1", "get_cluster")] * 2


def test_peers_come_from_a_cluster_answer_until_the_cluster_read_ttl(clock: Clock) -> None:
    """An unreachable node's peers are the members a get_cluster answer of this refresh listed, for as long as
    that answer may stand in for a read."""
    provider = SdnProvider()  # no winrm_endpoints: peers only from the answer
    cluster = {"exists": True, "nodes": [{"name": "DB1"}, {"name": "DB2"}]}
    provider.reads.get("winrm:DB2", lambda: cluster, ttl=remote.CLUSTER_READ_TTL)
    clock.now += LATER_IN_THE_REFRESH
    assert remote.cluster_peers(provider, "DB1") == ["DB2"]
    clock.now += remote.CLUSTER_READ_TTL
    assert remote.cluster_peers(provider, "DB1") == []
