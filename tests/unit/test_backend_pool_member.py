"""sdn_backend_pool_member against a fake NC: the 412 retry path, import ID parsing, plan replacement."""

from __future__ import annotations

import copy
import time
from types import SimpleNamespace

import pytest
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.framework import SdnPlanContext
from sdn_provider.nc import KeyedLocks, NCError
from sdn_provider.provider import ReadCache
from sdn_provider.resources.backend_pool_member import BackendPoolMember, parse_import_id
from tests.unit.conftest import said

NIC = "/networkInterfaces/nic1"
POOL = "/loadBalancers/lb/backendAddressPools/Backend1"
OTHER = "/loadBalancers/lb/backendAddressPools/Backend2"


class FakeNC:
    """A NIC store that honours If-Match and lets a test slip in a concurrent write before our PUT."""

    def __init__(self) -> None:
        self.version = 1
        self.nic = {
            "resourceRef": NIC,
            "resourceId": "nic1",
            "etag": 'W/"1"',
            "properties": {
                "provisioningState": "Succeeded",
                "privateMacAddress": "00155D000001",
                "dnsSettings": {"dnsServers": ["192.168.2.4"]},
                "ipConfigurations": [
                    {"resourceId": "ipconfig1", "properties": {"loadBalancerBackendAddressPools": []}},
                    {"resourceId": "ipconfig2", "properties": {"loadBalancerBackendAddressPools": []}},
                ],
            },
        }
        self.pools = {POOL.lower(), OTHER.lower()}
        self.before_put: list = []  # callables run just before the next PUTs (a concurrent writer)
        self.puts: list[tuple[str | None, int]] = []

    def get(self, ref: str) -> dict | None:
        if ref.lower() == NIC.lower():
            return copy.deepcopy(self.nic)
        return {"resourceRef": ref} if ref.lower() in self.pools else None

    def put(self, ref: str, body: dict, etag: str | None = None, deadline: float | None = None) -> dict:
        if self.before_put:
            self.before_put.pop(0)(self)
        if etag != self.nic["etag"]:
            self.puts.append((etag, 412))
            raise NCError(412, "PreconditionFailed", "etag mismatch", method="PUT", ref=ref)
        self.puts.append((etag, 200))
        self.write(body)
        return copy.deepcopy(self.nic)

    def write(self, body: dict) -> None:
        self.version += 1
        self.nic = {**copy.deepcopy(body), "etag": f'W/"{self.version}"'}
        self.nic["properties"]["provisioningState"] = "Succeeded"

    def wait_for_provisioning(self, ref: str, deadline: float, first: dict | None = None) -> dict:
        return first

    def pools_of(self, ipc: int) -> list[str]:
        props = self.nic["properties"]["ipConfigurations"][ipc]["properties"]
        return [p["resourceRef"] for p in props["loadBalancerBackendAddressPools"]]


def concurrent_add(pool: str, ipc: int = 0):
    """Another process adds `pool` to the NIC (a new etag) between our GET and our PUT."""

    def write(nc: FakeNC) -> None:
        body = copy.deepcopy(nc.nic)
        body["properties"]["ipConfigurations"][ipc]["properties"]["loadBalancerBackendAddressPools"].append(
            {"resourceRef": pool}
        )
        nc.write(body)

    return write


@pytest.fixture
def nc() -> FakeNC:
    return FakeNC()


@pytest.fixture
def resource(nc: FakeNC) -> BackendPoolMember:
    reads = ReadCache()
    provider = SimpleNamespace(
        nc=nc,
        nc_locks=KeyedLocks(),
        cache={},
        reads=reads,
        read=lambda ref: reads.get(ref, lambda: nc.get(ref)),
        operation_timeout=lambda timeouts, op: 5.0,
    )
    return BackendPoolMember(provider)


def ctx() -> SimpleNamespace:
    return SimpleNamespace(diagnostics=Diagnostics())


def text_of(c: SimpleNamespace) -> str:
    return " ".join(f"{d.summary} {d.detail}" for d in c.diagnostics.diagnostics)


def planned(**over) -> dict:
    return {
        "network_interface_id": "nic1",
        "ip_configuration_id": None,
        "backend_address_pool_ref": POOL,
        "membership_id": None,
        "timeouts": None,
        **over,
    }


def test_create_retries_on_412_and_keeps_the_concurrent_write(nc: FakeNC, resource: BackendPoolMember):
    nc.before_put = [concurrent_add(OTHER), concurrent_add("/loadBalancers/lb/backendAddressPools/B3", ipc=1)]
    c = ctx()
    state = resource.create(c, planned())
    assert not c.diagnostics.has_errors(), c.diagnostics
    assert [status for _, status in nc.puts] == [412, 412, 200]
    assert nc.puts[-1][0] == 'W/"3"'  # the retry used the etag of a fresh read
    assert nc.pools_of(0) == [OTHER, POOL] and nc.pools_of(1) == ["/loadBalancers/lb/backendAddressPools/B3"]
    assert nc.nic["properties"]["dnsSettings"] == {"dnsServers": ["192.168.2.4"]}
    assert state["ip_configuration_id"] == "ipconfig1"
    assert state["membership_id"] == f"nic1/ipconfig1|{POOL}"


def test_delete_retries_on_412_and_removes_only_its_ref(nc: FakeNC, resource: BackendPoolMember):
    state = resource.create(ctx(), planned(backend_address_pool_ref=POOL.upper()))
    nc.before_put = [concurrent_add(OTHER)]
    c = ctx()
    assert resource.delete(c, state) is None and not c.diagnostics.has_errors()
    assert nc.pools_of(0) == [OTHER]
    assert [status for _, status in nc.puts][-2:] == [412, 200]
    # Already gone: success, and no write at all.
    writes = len(nc.puts)
    assert resource.delete(ctx(), state) is None and len(nc.puts) == writes


def test_412_until_the_deadline_is_an_error_and_nothing_is_stored(nc: FakeNC, resource: BackendPoolMember):
    resource.provider.operation_timeout = lambda timeouts, op: 0.3
    nc.before_put = [concurrent_add(f"/loadBalancers/lb/backendAddressPools/X{i}") for i in range(1000)]
    c = ctx()
    started = time.monotonic()
    assert resource.create(c, planned()) is None
    assert time.monotonic() - started < 2
    assert c.diagnostics.has_errors() and "412" in text_of(c)
    assert POOL not in nc.pools_of(0)


def test_create_refuses_an_existing_membership_with_the_import_command(nc: FakeNC, resource: BackendPoolMember):
    resource.create(ctx(), planned(ip_configuration_id="ipconfig2"))
    c = ctx()
    assert resource.create(c, planned(ip_configuration_id="IPCONFIG2")) is None
    text = text_of(c)
    assert text.endswith(
        f"{NIC} ip configuration IPCONFIG2 is already a member of {POOL}. To manage it with Terraform, import it: "
        f"terraform import <address> 'nic1/IPCONFIG2|{POOL}'"
    )
    assert nc.pools_of(1) == [POOL]


def test_missing_ip_configuration_names_the_available_ones(nc: FakeNC, resource: BackendPoolMember):
    c = ctx()
    assert resource.create(c, planned(ip_configuration_id="nope")) is None
    assert text_of(c).endswith(f"{NIC} has no ip configuration 'nope'; available: ipconfig1, ipconfig2.")
    nc.nic["properties"]["ipConfigurations"] = []
    del nc.nic["resourceRef"]
    c = ctx()
    assert resource.create(c, planned(ip_configuration_id="nope")) is None
    assert text_of(c).endswith("the network interface has no ip configuration 'nope'; available: none.")


def test_read_returns_none_when_the_ref_is_gone(nc: FakeNC, resource: BackendPoolMember):
    state = resource.create(ctx(), planned(backend_address_pool_ref=POOL.lower()))
    assert resource.read(ctx(), state) == state  # user's spelling kept
    # The pool itself is not read: NC refuses (409) to delete a pool that a NIC still references.
    nc.nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = []
    resource.provider.reads.clear()  # the next operation (ConfigureProvider clears the read cache)
    assert resource.read(ctx(), state) is None


def test_reads_of_one_nic_share_one_get_and_never_outlive_our_write(nc: FakeNC, resource: BackendPoolMember):
    gets = []
    real_get = nc.get
    nc.get = lambda ref: gets.append(ref) or real_get(ref)
    first = resource.create(ctx(), planned())
    assert resource.read(ctx(), first) == first
    assert resource.read(ctx(), first) == first
    second = resource.create(ctx(), planned(backend_address_pool_ref=OTHER))  # our write: the cached NIC is dropped
    assert resource.read(ctx(), second) == second
    assert resource.read(ctx(), first) == first
    # The first create's ip configuration lookup, then one GET for the reads after each write; each PUT starts
    # from the cached NIC (its etag still current), and the repeated reads are hits.
    assert len(gets) == 3


def test_a_stale_cached_nic_costs_one_412_never_an_update(nc: FakeNC, resource: BackendPoolMember):
    state = resource.create(ctx(), planned())
    resource.read(ctx(), state)  # caches the NIC
    concurrent_add(OTHER)(nc)  # another tool writes the NIC after our read: the cached etag is stale
    c = ctx()
    resource.delete(c, state)
    assert not c.diagnostics.has_errors()
    assert [status for _, status in nc.puts][-2:] == [412, 200]
    assert nc.pools_of(0) == [OTHER]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"nic1/ipconfig1|{POOL}", ("nic1", "ipconfig1", POOL)),
        (f"/networkInterfaces/nic1/ipConfigurations/ipconfig1|{POOL}", ("nic1", "ipconfig1", POOL)),
        (f"nic1|{POOL}", None),
        (f"/nic1/ipconfig1/|{POOL}", ("nic1", "ipconfig1", POOL)),
        (f"x/nic1/ipConfigurations/ipconfig1|{POOL}", None),
        (f"/networkInterfaces/nic1/other/ipconfig1|{POOL}", None),
        (f"nic1|x/ipconfig1|{POOL}", None),
        ("nic1/ipconfig1", None),
        ("nic1/ipconfig1|/loadBalancers/lb/probes/p", None),
        ("nic1/ipconfig1|Backend1", None),
    ],
)
def test_import_id_format(text: str, expected):
    assert parse_import_id(text) == expected


def test_plan_replaces_only_on_a_real_change(resource: BackendPoolMember):
    current = planned(ip_configuration_id="ipconfig1", membership_id=f"nic1/ipconfig1|{POOL}")
    spelling = SdnPlanContext(Diagnostics(), "sdn_backend_pool_member", set(), config={})
    resource.plan(spelling, current, planned(ip_configuration_id="ipconfig1", backend_address_pool_ref=POOL.lower()))
    assert spelling.requires_replace == []
    moved = SdnPlanContext(Diagnostics(), "sdn_backend_pool_member", set(), config={})
    result = resource.plan(moved, current, planned(ip_configuration_id="ipconfig1", backend_address_pool_ref=OTHER))
    assert moved.requires_replace == [["backend_address_pool_ref"]]
    assert result["membership_id"] == f"nic1/ipconfig1|{OTHER}"


def test_import_reads_an_existing_membership(nc: FakeNC, resource: BackendPoolMember):
    nc.nic["properties"]["ipConfigurations"][1]["properties"]["loadBalancerBackendAddressPools"] = [
        {"resourceRef": POOL}
    ]
    c = ctx()
    state = resource.import_(c, f"/networkInterfaces/nic1/ipConfigurations/ipconfig2|{POOL}")
    assert text_of(c) == ""
    assert (state["network_interface_id"], state["ip_configuration_id"], state["backend_address_pool_ref"]) == (
        "nic1",
        "ipconfig2",
        POOL,
    )
    assert state["membership_id"] == f"nic1/ipconfig2|{POOL}"


def test_import_of_something_that_is_not_a_member_says_what_was_looked_for(nc: FakeNC, resource: BackendPoolMember):
    c = ctx()
    assert resource.import_(c, f"nic1/ipconfig1|{POOL}") is None
    [d] = c.diagnostics.diagnostics
    assert (d.summary, d.detail) == (
        "Pool membership not found",
        f"{NIC} ip configuration ipconfig1 is not a member of {POOL} (or the network interface, ip configuration "
        "or pool does not exist).",
    )


def test_import_of_a_malformed_id_shows_the_format(resource: BackendPoolMember):
    c = ctx()
    assert resource.import_(c, "nic1|pool") is None
    [d] = c.diagnostics.diagnostics
    assert d.summary == "Invalid import ID" and d.detail.startswith('"nic1|pool" is not a pool membership import ID.')


def _validate(config: dict) -> list[tuple]:
    diags = Diagnostics()
    BackendPoolMember(SimpleNamespace()).validate(diags, "sdn_backend_pool_member", config)  # validate reads no NC
    return said(diags)


GOOD = {"network_interface_id": "nic1", "ip_configuration_id": "ipconfig1", "backend_address_pool_ref": POOL}


@pytest.mark.parametrize("change", [{}, {"ip_configuration_id": None}, {"backend_address_pool_ref": POOL.upper()}])
def test_validate_accepts_a_good_membership(change: dict) -> None:
    assert _validate({**GOOD, **change}) == []


@pytest.mark.parametrize("attribute", ["network_interface_id", "ip_configuration_id"])
def test_validate_refuses_an_id_nc_cannot_hold_on_its_attribute(attribute: str) -> None:
    ((severity, summary, detail, path),) = _validate({**GOOD, attribute: "nic 1/x"})
    assert (severity, summary, path) == (Diagnostic.ERROR, f"Invalid {attribute}", [attribute])
    assert detail.startswith('"nic 1/x" is not a valid Network Controller resource id')


@pytest.mark.parametrize("pool", ["/loadBalancers/lb", "loadBalancers/lb/backendAddressPools/Backend1", NIC])
def test_validate_refuses_a_pool_ref_that_is_not_a_pool_and_shows_where_one_comes_from(pool: str) -> None:
    ((severity, summary, detail, path),) = _validate({**GOOD, "backend_address_pool_ref": pool})
    assert (severity, summary, path) == (
        Diagnostic.ERROR,
        "Invalid backend_address_pool_ref",
        ["backend_address_pool_ref"],
    )
    assert pool in detail
    assert detail.endswith('; use e.g. sdn_load_balancer.lb.backend_address_pool_refs["Backend1"].')


def test_validate_checks_the_timeouts_too() -> None:
    ((_, summary, _, path),) = _validate({**GOOD, "timeouts": {"create": "soon"}})
    assert (summary, path) == ("Invalid duration", ["timeouts", "create"])
