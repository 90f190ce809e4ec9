"""`sdn_backend_pool_member` against a scripted NC (real HTTP): the NIC GET/PUT each operation sends (path,
If-Match, the whole body), the diagnostics a user reads when NC refuses, times out or cannot be reached, the state
written, and the plan-time checks of the NIC and its ip configuration (docs/resources/backend_pool_member.md)."""

from __future__ import annotations

import copy
import time
from types import SimpleNamespace
from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.framework import SdnPlanContext
from sdn_provider.nc import ArcManaged
from sdn_provider.resources import backend_pool_member as bpm
from sdn_provider.resources.backend_pool_member import BackendPoolMember, parse_import_id
from tests.unit import test_load_balancer_lifecycle as lifecycle
from tests.unit.conftest import DROP, said
from tests.unit.test_backend_pool_member import NIC, OTHER, POOL, ctx, planned
from tests.unit.test_load_balancer_lifecycle import RID, nc_error, puts

nc = lifecycle.nc  # the scripted NC, a provider configured for it whose polls do not sleep, and the request bodies

ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING
MEMBER = f"nic1/ipconfig1|{POOL}"
CANNOT_ADD = "Cannot add the network interface to the pool"


def nic_doc(
    tag: str = 'W/"e1"',
    pools1: tuple[str, ...] = (),
    pools2: tuple[str, ...] = (),
    state: str = "Succeeded",
    read_only: bool = True,
) -> dict:
    """NC's NIC with two ip configurations; `read_only=False` is what a PUT of it must send (no provisioningState,
    no configurationState), everything else untouched."""

    def ipc(name: str, pools: tuple[str, ...]) -> dict:
        props: dict[str, Any] = {
            "privateIPAddress": "10.0.0.5" if name == "ipconfig1" else "10.0.0.6",
            "privateIPAllocationMethod": "Static",
            "loadBalancerBackendAddressPools": [{"resourceRef": p} for p in pools],
        }
        if read_only:
            props["provisioningState"] = "Succeeded"
        return {"resourceRef": f"{NIC}/ipConfigurations/{name}", "resourceId": name, "etag": tag, "properties": props}

    props: dict[str, Any] = {
        "privateMacAddress": "00155D000001",
        "dnsSettings": {"dnsServers": ["192.168.2.4"]},
        "ipConfigurations": [ipc("ipconfig1", pools1), ipc("ipconfig2", pools2)],
    }
    if read_only:
        props["provisioningState"] = state
        props["configurationState"] = {"status": "Success", "detailedInfo": []}
    return {"resourceRef": NIC, "resourceId": "nic1", "etag": tag, "instanceId": "i-1", "properties": props}


def ok(doc: dict) -> tuple[int, dict, dict]:
    return (200, {}, doc)


def put_bodies(bodies: list) -> list:
    return [b for m, b in bodies if m == "PUT"]


def member(**over: Any) -> dict:
    """The state of the membership of ipconfig1 in POOL, as create writes it."""
    return planned(**{"ip_configuration_id": "ipconfig1", "membership_id": MEMBER, **over})


def plan_ctx() -> SdnPlanContext:
    return SdnPlanContext(Diagnostics(), "sdn_backend_pool_member", set(), config={})


# -- create ------------------------------------------------------------------------------------------------
def test_create_puts_the_whole_nic_with_the_ref_added_to_the_first_ip_configuration(nc) -> None:
    """Default ip configuration: one GET (resolves ipconfig1, reused for the write), one PUT with If-Match of it."""
    script, provider, bodies = nc
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"', pools1=(POOL,))))
    c = ctx()
    state = BackendPoolMember(provider).create(c, planned())
    assert said(c.diagnostics) == []
    assert state == member()
    assert script.calls() == [("GET", NIC), ("PUT", NIC)] and puts(script) == ['W/"e1"']
    assert put_bodies(bodies) == [nic_doc(pools1=(POOL,), read_only=False)]


def test_create_of_a_named_ip_configuration_keeps_the_other_memberships(nc) -> None:
    script, provider, bodies = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(OTHER,), pools2=(OTHER,))))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"')))
    c = ctx()
    state = BackendPoolMember(provider).create(c, planned(ip_configuration_id="IPCONFIG2"))
    assert said(c.diagnostics) == []
    assert state == planned(ip_configuration_id="IPCONFIG2", membership_id=f"nic1/IPCONFIG2|{POOL}")
    assert put_bodies(bodies) == [nic_doc(pools1=(OTHER,), pools2=(OTHER, POOL), read_only=False)]


def test_create_on_an_ip_configuration_without_properties_gives_it_the_pool_list(nc) -> None:
    script, provider, bodies = nc
    bare = nic_doc()
    del bare["properties"]["ipConfigurations"][0]["properties"]
    script.on("GET", NIC, ok(bare))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"', pools1=(POOL,))))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) == member()
    expected = nic_doc(read_only=False)
    expected["properties"]["ipConfigurations"][0]["properties"] = {
        "loadBalancerBackendAddressPools": [{"resourceRef": POOL}]
    }
    assert said(c.diagnostics) == [] and put_bodies(bodies) == [expected]


def test_create_waits_for_the_nic_to_be_provisioned(nc) -> None:
    """An Updating answer to the PUT is polled (GET) until Succeeded; a Succeeded one is not polled."""
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()), ok(nic_doc('W/"e2"', pools1=(POOL,), state="Updating")), ok(nic_doc()))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"', pools1=(POOL,), state="Updating")))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) == member()
    assert said(c.diagnostics) == []
    assert script.calls() == [("GET", NIC), ("PUT", NIC), ("GET", NIC), ("GET", NIC)]


def test_create_refuses_to_adopt_an_existing_membership(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL.lower(),))))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Already a member",
            f"{NIC} ip configuration ipconfig1 is already a member of {POOL}. To manage it with Terraform, import "
            f"it: terraform import <address> '{MEMBER}'",
            ["backend_address_pool_ref"],
        )
    ]
    assert script.calls() == [("GET", NIC)]


def test_create_decides_already_a_member_on_a_fresh_read_not_the_plan_s(nc) -> None:
    """The plan's (cached) NIC still shows the ref, NC no longer has it: GET again and PUT with that etag."""
    script, provider, bodies = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL,))), ok(nic_doc('W/"e2"')))
    script.on("PUT", NIC, ok(nic_doc('W/"e3"', pools1=(POOL,))))
    resource = BackendPoolMember(provider)
    plan = resource.plan(plan_ctx(), None, planned())
    c = ctx()
    assert resource.create(c, plan) == member()
    assert said(c.diagnostics) == []
    assert script.calls() == [("GET", NIC), ("GET", NIC), ("PUT", NIC)] and puts(script) == ['W/"e2"']
    assert put_bodies(bodies) == [nic_doc('W/"e2"', pools1=(POOL,), read_only=False)]


def test_create_on_a_nic_that_does_not_exist(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, (404, {}, None))
    for plan in (planned(), member()):
        c = ctx()
        assert BackendPoolMember(provider).create(c, plan) is None
        assert said(c.diagnostics) == [(ERROR, CANNOT_ADD, f"{NIC} does not exist", None)]


def test_create_on_a_nic_without_ip_configurations(nc) -> None:
    script, provider, _ = nc
    empty = nic_doc()
    empty["properties"]["ipConfigurations"] = []
    script.on("GET", NIC, ok(empty))
    c = ctx()
    assert BackendPoolMember(provider).create(c, planned()) is None
    assert said(c.diagnostics) == [(ERROR, CANNOT_ADD, f"{NIC} has no ip configurations", None)]
    c = ctx()
    assert BackendPoolMember(provider).create(c, member(ip_configuration_id="ipconfig3")) is None
    assert said(c.diagnostics) == [
        (ERROR, CANNOT_ADD, f"{NIC} has no ip configuration 'ipconfig3'; available: none.", None)
    ]
    assert "PUT" not in [m for m, _ in script.calls()]


def test_create_on_an_arc_managed_nic_is_refused_without_a_put(nc) -> None:
    script, provider, _ = nc
    arc = nic_doc()
    arc["resourceMetadata"] = {"client": "Network Resource Provider"}
    script.on("GET", NIC, ok(arc))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) is None
    assert said(c.diagnostics) == [(ERROR, CANNOT_ADD, str(ArcManaged(NIC)), None)]
    assert str(ArcManaged(NIC)).startswith(f'{NIC} is managed by Azure Arc (resourceMetadata.client = "Network')
    assert script.calls() == [("GET", NIC)]


def test_create_refused_by_nc_quotes_it_and_stores_nothing(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, nc_error(400, "InvalidRef", "no such pool"))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) is None
    assert said(c.diagnostics) == [
        (ERROR, CANNOT_ADD, f"Network Controller answered 400 InvalidRef: no such pool [PUT {NIC}] ({RID})", None)
    ]


def test_create_s_put_does_not_wait_out_a_conflict_past_the_create_timeout(nc) -> None:
    """timeouts.create bounds the PUT's 409 handling too: with no time left, NC's 409 at once, one PUT."""
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, nc_error(409, "Conflict", "busy"))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member(timeouts={"create": "0s"})) is None
    assert said(c.diagnostics) == [
        (ERROR, CANNOT_ADD, f"Network Controller answered 409 Conflict: busy [PUT {NIC}] ({RID})", None)
    ]
    assert script.calls() == [("GET", NIC), ("PUT", NIC)]


def test_create_whose_nic_ends_failed_keeps_the_membership_tainted(nc) -> None:
    script, provider, _ = nc
    failed = nic_doc('W/"e2"', pools1=(POOL,), state="Failed")
    failed["properties"]["configurationState"] = {"detailedInfo": [{"code": "PortBlocked", "message": "vfp"}]}
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, ok(failed))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) == member()
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Pool membership failed in Network Controller",
            f"{NIC} provisioning ended in Failed: PortBlocked: vfp",
            None,
        )
    ]


def test_create_that_outlasts_its_timeout_keeps_the_membership_tainted(nc) -> None:
    """timeouts.create = "0s": the Updating answer is not polled; the error says so and the state is kept."""
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()), ok(nic_doc('W/"e2"', pools1=(POOL,))))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"', pools1=(POOL,), state="Updating")))
    c = ctx()
    plan = member(timeouts={"create": "0s"})
    assert BackendPoolMember(provider).create(c, plan) == plan
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Pool membership timed out",
            f"{NIC} did not finish provisioning in time (last state: Updating)",
            None,
        )
    ]
    assert script.calls() == [("GET", NIC), ("PUT", NIC)]


def test_create_whose_put_lost_its_connection_keeps_the_membership(nc) -> None:
    """The PUT may have landed: the membership stays in state (tainted); refresh drops it if it did not."""
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, (DROP, {}, None))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) == member()
    [(severity, summary, detail, path)] = said(c.diagnostics)
    assert (severity, summary, path) == (ERROR, CANNOT_ADD, None)
    assert detail.startswith(f"cannot reach Network Controller at {provider.nc.settings.uri} (PUT {NIC}): ")


def test_create_that_cannot_read_the_nic_for_its_default_ip_configuration_keeps_nothing(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, (DROP, {}, None))
    c = ctx()
    assert BackendPoolMember(provider).create(c, planned()) is None
    [(severity, summary, detail, path)] = said(c.diagnostics)
    assert (severity, summary, path) == (ERROR, CANNOT_ADD, None)
    assert detail.startswith(f"cannot reach Network Controller at {provider.nc.settings.uri} (GET {NIC}): ")


# -- the 412 retry ------------------------------------------------------------------------------------------
def test_create_re_reads_and_re_splices_after_another_writer_s_412(nc) -> None:
    script, provider, bodies = nc
    script.on("GET", NIC, ok(nic_doc()), ok(nic_doc('W/"e2"', pools1=(OTHER,))))
    script.on("PUT", NIC, nc_error(412, "PreconditionFailed", "etag"), ok(nic_doc('W/"e3"', pools1=(OTHER, POOL))))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member()) == member()
    assert said(c.diagnostics) == []
    assert script.calls() == [("GET", NIC), ("PUT", NIC), ("GET", NIC), ("PUT", NIC)]
    assert puts(script) == ['W/"e1"', 'W/"e2"']
    assert put_bodies(bodies) == [
        nic_doc(pools1=(POOL,), read_only=False),
        nic_doc('W/"e2"', pools1=(OTHER, POOL), read_only=False),
    ]


def test_nc_refusing_the_etag_it_just_returned_is_an_error_at_once(nc) -> None:
    """412, and a fresh GET returns the same etag: no race, so no retry; the error says what happened."""
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, nc_error(412, "PreconditionFailed", "etag"))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member(timeouts={"create": "0.5s"})) is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            CANNOT_ADD,
            "Network Controller answered 412 PreconditionFailed: etag (Network Controller refused If-Match with the "
            f"etag it had just returned) [PUT {NIC}] ({RID})",
            None,
        )
    ]
    assert script.calls() == [("GET", NIC), ("PUT", NIC), ("GET", NIC)]


def test_a_412_with_no_time_left_is_ncs_error(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    script.on("PUT", NIC, nc_error(412, "PreconditionFailed", "etag"))
    c = ctx()
    assert BackendPoolMember(provider).create(c, member(timeouts={"create": "0s"})) is None
    assert said(c.diagnostics) == [
        (ERROR, CANNOT_ADD, f"Network Controller answered 412 PreconditionFailed: etag [PUT {NIC}] ({RID})", None)
    ]
    assert script.calls() == [("GET", NIC), ("PUT", NIC)]


@pytest.mark.parametrize(("room", "retried"), [(bpm.RETRY_INITIAL, True), (bpm.RETRY_INITIAL / 2, False)])
def test_a_412_is_retried_while_the_wait_still_ends_by_the_deadline(
    nc, monkeypatch, room: float, retried: bool
) -> None:
    """The retry after a 412 waits RETRY_INITIAL first: it happens when that wait ends by the deadline (exactly at
    it included), and NC's 412 is the error when it would end later."""
    script, provider, _ = nc
    now = float(int(time.monotonic()) + 100)
    monkeypatch.setattr(bpm, "time", SimpleNamespace(monotonic=lambda: now))
    monkeypatch.setattr(bpm, "deadline", lambda *_args: now + room)
    monkeypatch.setattr(bpm, "STOP_REQUESTED", SimpleNamespace(is_set=lambda: False, wait=lambda _seconds: None))
    script.on("GET", NIC, ok(nic_doc()), ok(nic_doc('W/"e2"')))
    script.on("PUT", NIC, nc_error(412, "PreconditionFailed", "etag"), ok(nic_doc('W/"e3"', pools1=(POOL,))))
    c = ctx()
    created = BackendPoolMember(provider).create(c, member())
    if retried:
        assert created == member() and said(c.diagnostics) == []
        assert script.calls() == [("GET", NIC), ("PUT", NIC), ("GET", NIC), ("PUT", NIC)]
    else:
        assert created is None
        assert said(c.diagnostics) == [
            (ERROR, CANNOT_ADD, f"Network Controller answered 412 PreconditionFailed: etag [PUT {NIC}] ({RID})", None)
        ]
        assert script.calls() == [("GET", NIC), ("PUT", NIC)]


def test_412_backoff_waits_only_for_concurrent_writers_and_doubles_to_two_seconds(nc, monkeypatch) -> None:
    """A stale cached NIC is re-read at once; each 412 on a fresh read waits delay x jitter(0.5..1.5), the delay
    doubling from 0.05 s up to 2 s."""
    script, provider, _ = nc
    waits: list[float] = []
    monkeypatch.setattr(bpm, "STOP_REQUESTED", SimpleNamespace(is_set=lambda: False, wait=waits.append))
    monkeypatch.setattr(bpm, "random", SimpleNamespace(uniform=lambda lo, hi: lo + (hi - lo) / 4))  # jitter 0.75
    script.on("GET", NIC, *[ok(nic_doc(f'W/"e{i}"')) for i in range(1, 11)])
    script.on("PUT", NIC, *[nc_error(412, "PreconditionFailed", "etag")] * 9, ok(nic_doc('W/"e11"', pools1=(POOL,))))
    resource = BackendPoolMember(provider)
    plan = resource.plan(plan_ctx(), None, planned())  # caches the NIC (etag e1)
    c = ctx()
    assert resource.create(c, plan) == member()
    assert said(c.diagnostics) == []
    assert puts(script) == [f'W/"e{i}"' for i in range(1, 11)]
    assert waits == pytest.approx([0.75 * d for d in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0)])


# -- delete -------------------------------------------------------------------------------------------------
def test_delete_puts_the_nic_without_only_its_ref(nc) -> None:
    script, provider, bodies = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(OTHER, POOL.upper()), pools2=(POOL,))))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"', pools1=(OTHER,), pools2=(POOL,))))
    c = ctx()
    assert BackendPoolMember(provider).delete(c, member()) is None
    assert said(c.diagnostics) == []
    assert script.calls() == [("GET", NIC), ("PUT", NIC)] and puts(script) == ['W/"e1"']
    assert put_bodies(bodies) == [nic_doc(pools1=(OTHER,), pools2=(POOL,), read_only=False)]


@pytest.mark.parametrize(
    "answer", [ok(nic_doc(pools1=(OTHER,), pools2=(POOL,))), (404, {}, None)], ids=["ref gone", "nic gone"]
)
def test_delete_of_a_membership_already_gone_succeeds_without_a_write(nc, answer) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, answer)
    c = ctx()
    assert BackendPoolMember(provider).delete(c, member()) is None
    assert said(c.diagnostics) == [] and script.calls() == [("GET", NIC)]


def test_delete_of_a_missing_ip_configuration_succeeds(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL,))))
    c = ctx()
    assert BackendPoolMember(provider).delete(c, member(ip_configuration_id="ipconfig9")) is None
    assert said(c.diagnostics) == [] and script.calls() == [("GET", NIC)]


def test_delete_checks_a_fresh_read_when_the_cached_nic_lacks_the_ref(nc) -> None:
    """Refresh's (cached) NIC no longer shows the ref, NC has it again: GET, then PUT without it."""
    script, provider, bodies = nc
    script.on("GET", NIC, ok(nic_doc()), ok(nic_doc('W/"e2"', pools1=(POOL,))))
    script.on("PUT", NIC, ok(nic_doc('W/"e3"')))
    resource = BackendPoolMember(provider)
    assert resource.read(ctx(), member()) is None  # caches the NIC without the ref
    c = ctx()
    assert resource.delete(c, member()) is None
    assert said(c.diagnostics) == []
    assert script.calls() == [("GET", NIC), ("GET", NIC), ("PUT", NIC)] and puts(script) == ['W/"e2"']
    assert put_bodies(bodies) == [nic_doc('W/"e2"', read_only=False)]


def test_delete_that_outlasts_its_timeout_warns_and_drops_the_membership(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL,))), ok(nic_doc('W/"e2"')))
    script.on("PUT", NIC, ok(nic_doc('W/"e2"', state="Updating")))
    c = ctx()
    assert BackendPoolMember(provider).delete(c, member(timeouts={"delete": "0s"})) is None
    assert said(c.diagnostics) == [
        (
            WARNING,
            "Membership removed, but the network interface did not finish provisioning",
            f"{NIC} did not finish provisioning in time (last state: Updating)\nThe pool reference is gone from the "
            "network interface; check its configurationState.",
            None,
        )
    ]
    assert script.calls() == [("GET", NIC), ("PUT", NIC)]


def test_delete_whose_nic_ends_failed_warns_and_drops_the_membership(nc) -> None:
    script, provider, _ = nc
    failed = nic_doc('W/"e2"', state="Failed")
    failed["properties"]["configurationState"] = {"detailedInfo": [{"code": "Busy", "message": "host"}]}
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL,))))
    script.on("PUT", NIC, ok(failed))
    c = ctx()
    assert BackendPoolMember(provider).delete(c, member()) is None
    assert said(c.diagnostics) == [
        (
            WARNING,
            "Membership removed, but the network interface did not finish provisioning",
            f"{NIC} provisioning ended in Failed: Busy: host\nThe pool reference is gone from the network interface; "
            "check its configurationState.",
            None,
        )
    ]


def test_delete_refused_by_nc_keeps_the_membership(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL,))))
    script.on("PUT", NIC, nc_error(400, "BadRequest", "no"))
    c = ctx()
    assert BackendPoolMember(provider).delete(c, member()) == member()
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot remove the network interface from the pool",
            f"Network Controller answered 400 BadRequest: no [PUT {NIC}] ({RID})",
            None,
        )
    ]


# -- read, update, import -----------------------------------------------------------------------------------
def test_read_keeps_the_users_spelling_of_the_ip_configuration(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc(pools1=(POOL,))))
    current = planned(ip_configuration_id="IPCONFIG1", membership_id="stale")
    state = BackendPoolMember(provider).read(ctx(), current)
    assert state == planned(ip_configuration_id="IPCONFIG1", membership_id=f"nic1/IPCONFIG1|{POOL}")


def test_read_that_nc_refuses_keeps_the_state_and_quotes_nc(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, nc_error(500, "InternalError", "down"))
    c = ctx()
    assert BackendPoolMember(provider).read(c, member()) == member()
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot read pool membership",
            f"Network Controller answered 500 InternalError: down [GET {NIC}] ({RID})",
            None,
        )
    ]


def test_update_only_recomputes_the_membership_id(nc) -> None:
    script, provider, _ = nc
    plan = planned(ip_configuration_id="IPCONFIG1", membership_id=Unknown, timeouts={"create": "5m"})
    state = BackendPoolMember(provider).update(ctx(), member(), copy.deepcopy(plan))
    assert state == {**plan, "membership_id": f"nic1/IPCONFIG1|{POOL}"}
    assert script.calls() == []


def test_import_writes_the_whole_state(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc(pools2=(POOL,))))
    c = ctx()
    state = BackendPoolMember(provider).import_(c, f"nic1/IPCONFIG2|{POOL}")
    assert said(c.diagnostics) == []
    assert state == {
        "network_interface_id": "nic1",
        "ip_configuration_id": "IPCONFIG2",
        "backend_address_pool_ref": POOL,
        "timeouts": None,
        "membership_id": f"nic1/IPCONFIG2|{POOL}",
    }


def test_import_that_nc_refuses_reports_only_that(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, nc_error(500, "InternalError", "down"))
    c = ctx()
    assert BackendPoolMember(provider).import_(c, MEMBER) is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot read pool membership",
            f"Network Controller answered 500 InternalError: down [GET {NIC}] ({RID})",
            None,
        )
    ]


def test_import_of_a_malformed_id_shows_the_format_and_an_example() -> None:
    c = ctx()
    assert BackendPoolMember(SimpleNamespace()).import_(c, "nic1|pool") is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Invalid import ID",
            '"nic1|pool" is not a pool membership import ID. Expected "<nic resourceId>/<ip configuration '
            'resourceId>|/loadBalancers/<lb>/backendAddressPools/<pool>", e.g. "ClusterNode1_Network-Adapter/'
            'ipconfig1|/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1".',
            None,
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nic1/ipconfig1|loadBalancers/lb/backendAddressPools/Backend1", None),
        (f"XnicX/ipconfigX|{POOL}", ("XnicX", "ipconfigX", POOL)),
    ],
)
def test_import_id_needs_a_rooted_pool_ref_and_keeps_the_ids_as_written(text: str, expected) -> None:
    assert parse_import_id(text) == expected


# -- plan ---------------------------------------------------------------------------------------------------
def test_plan_resolves_the_default_ip_configuration_from_nc(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned(membership_id=Unknown))
    assert said(c.diagnostics) == [] and c.requires_replace == []
    assert result == member()
    assert script.calls() == [("GET", NIC)]


def test_plan_checks_a_named_ip_configuration_exists(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned(ip_configuration_id="IPCONFIG2", membership_id=Unknown))
    assert said(c.diagnostics) == []
    assert result == planned(ip_configuration_id="IPCONFIG2", membership_id=f"nic1/IPCONFIG2|{POOL}")
    assert script.calls() == [("GET", NIC)]


def test_plan_reports_a_missing_ip_configuration_with_the_available_ones(nc) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, ok(nic_doc()))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned(ip_configuration_id="ipconfig3"))
    assert said(c.diagnostics) == [
        (
            ERROR,
            "IP configuration not found",
            f"{NIC} has no ip configuration 'ipconfig3'; available: ipconfig1, ipconfig2.",
            ["ip_configuration_id"],
        )
    ]
    assert result["membership_id"] == f"nic1/ipconfig3|{POOL}"


@pytest.mark.parametrize("ip_configuration_id", [None, "ipconfig1"])
def test_plan_reports_a_missing_nic(nc, ip_configuration_id: str | None) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, (404, {}, None))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned(ip_configuration_id=ip_configuration_id))
    assert said(c.diagnostics) == [
        (ERROR, "Network interface not found", f"{NIC} does not exist.", ["network_interface_id"])
    ]
    assert result["ip_configuration_id"] is (Unknown if ip_configuration_id is None else ip_configuration_id)
    assert script.calls() == [("GET", NIC)]


def test_plan_reports_a_nic_without_ip_configurations(nc) -> None:
    script, provider, _ = nc
    empty = nic_doc()
    empty["properties"]["ipConfigurations"] = []
    script.on("GET", NIC, ok(empty))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned())
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Network interface has no ip configuration",
            f"{NIC} has no ip configurations to put in a pool.",
            ["network_interface_id"],
        )
    ]
    assert result["ip_configuration_id"] is Unknown and result["membership_id"] is Unknown


@pytest.mark.parametrize("ip_configuration_id", [None, "ipconfig1"])
def test_plan_without_nc_leaves_the_checks_to_apply(nc, ip_configuration_id: str | None) -> None:
    script, provider, _ = nc
    script.on("GET", NIC, (DROP, {}, None))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned(ip_configuration_id=ip_configuration_id))
    assert said(c.diagnostics) == []
    assert result["ip_configuration_id"] is (Unknown if ip_configuration_id is None else ip_configuration_id)


def test_plan_with_an_unknown_nic_reads_nothing(nc) -> None:
    script, provider, _ = nc
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, None, planned(network_interface_id=Unknown))
    assert said(c.diagnostics) == [] and script.calls() == []
    assert result["ip_configuration_id"] is Unknown and result["membership_id"] is Unknown


def test_plan_refuses_a_new_membership_on_an_arc_managed_nic(nc) -> None:
    script, provider, _ = nc
    arc = nic_doc()
    arc["resourceMetadata"] = {"client": "network resource provider"}
    script.on("GET", NIC, ok(arc))
    c = plan_ctx()
    plan = planned(ip_configuration_id="ipconfig1", membership_id=Unknown)
    result = BackendPoolMember(provider).plan(c, None, copy.deepcopy(plan))
    assert said(c.diagnostics) == [
        (ERROR, "Network interface managed by Azure Arc", str(ArcManaged(NIC)), ["network_interface_id"])
    ]
    assert result == plan  # returned as planned: no membership id computed


def test_plan_of_an_existing_membership_reads_nothing(nc) -> None:
    """An existing membership is not re-checked at plan time (refresh did that), even on an Arc or missing NIC."""
    script, provider, _ = nc
    arc = nic_doc()
    arc["resourceMetadata"] = {"client": "Network Resource Provider"}
    script.on("GET", NIC, ok(arc))
    c = plan_ctx()
    result = BackendPoolMember(provider).plan(c, member(), member(ip_configuration_id="ipconfig9", membership_id=None))
    assert said(c.diagnostics) == [] and script.calls() == []
    assert c.requires_replace == [["ip_configuration_id"]]
    assert result == member(ip_configuration_id="ipconfig9", membership_id=f"nic1/ipconfig9|{POOL}")
