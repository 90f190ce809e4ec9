"""`sdn_load_balancer` through its whole life against a scripted NC (real HTTP): the requests each operation sends
(paths, bodies, If-Match), the diagnostics a user reads when NC refuses, times out or cannot be reached, and the
state written afterwards (docs/resources/load_balancer.md, Behaviour). The plan and validate are in
test_load_balancer_plan.py."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.provider import SdnProvider
from sdn_provider.resources.load_balancer import LoadBalancer, from_nc, merge, to_nc
from tests.unit.conftest import DROP, Script, said
from tests.unit.test_load_balancer_mapping import LB, imported, live, nc_provider

ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING
SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
RID = "x-ms-request-id: rid"  # the scripted server's request id, quoted in every NC error


@pytest.fixture
def nc(nc_server: tuple[Script, str]) -> Iterator[tuple[Script, SdnProvider, list]]:
    """The scripted NC, a provider configured for it whose polls do not sleep, and the requests' JSON bodies."""
    script, uri = nc_server
    provider = nc_provider(uri)
    client = provider.nc
    client._stop, client._sleep = None, lambda seconds: None  # polls run at once
    bodies: list = []
    send = client.session.request

    def spy(method: str, url: str, data: bytes | None = None, **kw: Any) -> Any:
        bodies.append((method, json.loads(data) if data else None))
        return send(method, url, data=data, **kw)

    client.session.request = spy
    yield script, provider, bodies


def ctx() -> SimpleNamespace:
    return SimpleNamespace(diagnostics=Diagnostics())


def doc(state: str = "Succeeded", tag: str = 'W/"e1"', **props: Any) -> dict:
    """NC's load balancer document in provisioningState `state` with etag `tag`."""
    d = live()
    d["etag"] = tag
    d["properties"]["provisioningState"] = state
    d["properties"].update(props)
    return d


def nc_error(status: int, code: str, message: str, target: str = "") -> tuple[int, dict, dict]:
    return (status, {}, {"error": {"code": code, "message": message, "target": target}})


def planned(**timeouts: str) -> dict:
    """The state Terraform plans for the imported load balancer (what only NC knows unknown)."""
    state = imported()
    state.update(etag=Unknown, instance_id=Unknown, provisioning_state=Unknown, timeouts=timeouts or None)
    return state


def puts(script: Script) -> list[str | None]:
    return [h.get("If-Match") for m, _, h in script.seen if m == "PUT"]


# -- create -----------------------------------------------------------------------------------------------
def test_create_checks_the_id_is_free_then_puts_what_terraform_manages(nc) -> None:
    """GET (404) -> one PUT of to_nc(planned) without If-Match; NC's Succeeded answer is the new state."""
    script, provider, bodies = nc
    script.on("GET", LB, (404, {}, None))
    script.on("PUT", LB, (200, {}, doc()))
    c, plan = ctx(), planned()
    assert LoadBalancer(provider).create(c, plan) == from_nc(doc(), planned())
    assert said(c.diagnostics) == []
    assert script.calls() == [("GET", LB), ("PUT", LB)]
    assert bodies == [("GET", None), ("PUT", to_nc(planned()))] and puts(script) == [None]


def test_create_waits_until_nc_has_provisioned_it(nc) -> None:
    """An Updating answer to the PUT is polled (GET) until Succeeded; the state is the Succeeded document."""
    script, provider, _ = nc
    script.on("GET", LB, (404, {}, None), (200, {}, doc("Updating")), (200, {}, doc(tag='W/"e2"')))
    script.on("PUT", LB, (200, {}, doc("Updating")))
    c = ctx()
    state = LoadBalancer(provider).create(c, planned())
    assert said(c.diagnostics) == [] and state == from_nc(doc(tag='W/"e2"'), planned())
    assert script.calls() == [("GET", LB), ("PUT", LB), ("GET", LB), ("GET", LB)]


FAILED = {"configurationState": {"detailedInfo": [{"code": "VipNotAvailable", "message": "the VIP is in use"}]}}


@pytest.mark.parametrize(("op", "summary"), [("create", "Load balancer create"), ("update", "Load balancer update")])
def test_provisioning_failed_is_reported_with_ncs_details_and_kept_in_state(nc, op: str, summary: str) -> None:
    """Failed: the error quotes configurationState, and the state is NC's Failed object (tainted on create)."""
    script, provider, _ = nc
    failed = doc("Failed", **FAILED)
    script.on("GET", LB, (404, {}, None) if op == "create" else (200, {}, doc()))
    script.on("PUT", LB, (200, {}, failed))
    c, resource = ctx(), LoadBalancer(provider)
    state = resource.create(c, planned()) if op == "create" else resource.update(c, imported(), planned())
    assert said(c.diagnostics) == [
        (
            ERROR,
            f"{summary} failed in Network Controller",
            f"{LB} provisioning ended in Failed: VipNotAvailable: the VIP is in use",
            None,
        )
    ]
    assert state == from_nc(failed, planned()) and state["provisioning_state"] == "Failed"
    assert [m for m, _ in script.calls()] == ["GET", "PUT"]


@pytest.mark.parametrize("op", ["create", "update"])
def test_the_operations_timeout_bounds_the_wait_and_the_state_is_what_nc_has_then(nc, op: str) -> None:
    """timeouts.<op> = "0s": no poll fits, so the error says so at once and the state is NC's object as re-read
    (not the PUT's answer); with the default timeout the next GET (Succeeded) would have ended the wait."""
    script, provider, _ = nc
    later = doc("Updating", tag='W/"e2"')
    first = [(404, {}, None)] if op == "create" else [(200, {}, doc())]
    script.on("GET", LB, *first, (200, {}, later), (200, {}, doc(tag='W/"e3"')))
    script.on("PUT", LB, (200, {}, doc("Updating")))
    c, resource = ctx(), LoadBalancer(provider)
    state = (
        resource.create(c, planned(create="0s"))
        if op == "create"
        else resource.update(c, imported(), planned(update="0s"))
    )
    assert said(c.diagnostics) == [
        (
            ERROR,
            f"Load balancer {op} timed out",
            f"{LB} did not finish provisioning in time (last state: Updating)",
            None,
        )
    ]
    assert state == from_nc(later, planned(**{op: "0s"}))
    assert [m for m, _ in script.calls()] == ["GET", "PUT", "GET"]


def test_a_timeout_when_nc_no_longer_answers_keeps_the_puts_answer(nc) -> None:
    script, provider, _ = nc
    script.on("GET", LB, (404, {}, None))
    script.on("PUT", LB, (200, {}, doc("Updating")))
    c = ctx()
    state = LoadBalancer(provider).create(c, planned(create="0s"))
    assert [d[1] for d in said(c.diagnostics)] == ["Load balancer create timed out"]
    assert state == from_nc(doc("Updating"), planned(create="0s"))


def test_create_refused_by_nc_points_at_the_attribute_and_leaves_nothing(nc) -> None:
    """NC's target becomes the attribute path; nothing was made (the recovery GET is 404), so no state."""
    script, provider, _ = nc
    script.on("GET", LB, (404, {}, None))
    script.on("PUT", LB, nc_error(400, "InvalidPort", "port out of range", "properties.probes[0].properties.port"))
    c = ctx()
    assert LoadBalancer(provider).create(c, planned()) is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot create load balancer",
            "Network Controller answered 400 InvalidPort: port out of range "
            f"(target: properties.probes[0].properties.port) [PUT {LB}] ({RID})",
            ["probe", (0,), "port"],
        )
    ]
    assert script.calls() == [("GET", LB), ("PUT", LB), ("GET", LB)]


def test_create_refused_after_nc_made_something_keeps_what_nc_has(nc) -> None:
    """An error with the object present afterwards (recovery GET) keeps NC's object in state (tainted)."""
    script, provider, _ = nc
    script.on("GET", LB, (404, {}, None), (200, {}, doc("Failed")))
    script.on("PUT", LB, nc_error(400, "Bad", "no", "SubnetAddress"))
    c = ctx()
    assert LoadBalancer(provider).create(c, planned()) == from_nc(doc("Failed"), planned())
    assert [(d[1], d[3]) for d in said(c.diagnostics)] == [("Cannot create load balancer", None)]


def test_a_create_whose_connection_broke_keeps_what_the_recovery_read_found(nc) -> None:
    """The PUT's connection broke but NC has the object: state is NC's object, not the unconfirmed plan."""
    script, provider, _ = nc
    script.on("GET", LB, (404, {}, None), (200, {}, doc()))
    script.on("PUT", LB, (DROP, {}, None))
    c = ctx()
    assert LoadBalancer(provider).create(c, planned()) == from_nc(doc(), planned())
    assert [d[1] for d in said(c.diagnostics)] == ["Cannot create load balancer"]


def test_a_create_that_cannot_reach_nc_before_the_put_keeps_nothing(nc) -> None:
    """Nothing was sent (the existence GET failed): no state, one error."""
    script, provider, _ = nc
    script.on("GET", LB, (DROP, {}, None))
    c = ctx()
    assert LoadBalancer(provider).create(c, planned()) is None
    [(severity, summary, detail, path)] = said(c.diagnostics)
    assert (severity, summary, path) == (ERROR, "Cannot create load balancer", None)
    assert detail.startswith("cannot reach Network Controller at http://127.0.0.1:")
    assert script.calls() == [("GET", LB), ("GET", LB)]


def test_create_without_a_network_controller_says_how_to_set_it() -> None:
    c = ctx()
    assert LoadBalancer(SdnProvider()).create(c, planned()) is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot create load balancer",
            "network_controller_uri is not set: set it in the provider block or SDN_NETWORK_CONTROLLER_URI",
            None,
        )
    ]


def test_create_s_put_gives_up_at_the_deadline_on_a_conflict(nc) -> None:
    """A 409 when the create timeout leaves no room to wait is NC's error at once: one PUT, no retry."""
    script, provider, _ = nc
    script.on("GET", LB, (404, {}, None))
    script.on("PUT", LB, nc_error(409, "Conflict", "busy"))
    c = ctx()
    assert LoadBalancer(provider).create(c, planned(create="0s")) is None
    assert [m for m, _ in script.calls()] == ["GET", "PUT", "GET"]
    assert said(c.diagnostics)[0][2] == f"Network Controller answered 409 Conflict: busy [PUT {LB}] ({RID})"


# -- read / import -------------------------------------------------------------------------------------------
def test_read_that_cannot_reach_nc_quotes_the_error(nc) -> None:
    script, provider, _ = nc
    script.on("GET", LB, nc_error(500, "InternalError", "down"))
    c = ctx()
    assert LoadBalancer(provider).read(c, imported()) == imported()
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot read load balancer",
            f"Network Controller answered 500 InternalError: down [GET {LB}] ({RID})",
            None,
        )
    ]


@pytest.mark.parametrize("bad_id", ["/virtualNetworks/Tenant_LB", "  "])
def test_import_of_a_bad_id_says_what_an_id_looks_like(bad_id: str) -> None:
    c = ctx()
    assert LoadBalancer(SdnProvider()).import_(c, bad_id) is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Invalid import ID",
            f'"{bad_id}" is not a load balancer resource id '
            "(e.g. MyNetwork_InternalVIP or /loadBalancers/MyNetwork_InternalVIP).",
            None,
        )
    ]


def test_import_that_nc_refuses_reports_it(nc) -> None:
    script, provider, _ = nc
    script.on("GET", LB, nc_error(403, "Forbidden", "denied"))
    c = ctx()
    assert LoadBalancer(provider).import_(c, "Tenant_LB") is None
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot import load balancer",
            f"Network Controller answered 403 Forbidden: denied [GET {LB}] ({RID})",
            None,
        )
    ]


# -- update: GET -> merge -> PUT ------------------------------------------------------------------------------
def test_update_puts_the_merge_over_what_nc_has_with_if_match(nc) -> None:
    """The PUT body is the merge over the live document (NAT rules and all), If-Match the etag just read."""
    script, provider, bodies = nc
    script.on("GET", LB, (200, {}, doc()))
    script.on("PUT", LB, (200, {}, doc(tag='W/"e2"')))
    plan = planned()
    plan["probe"][0]["interval_in_seconds"] = 10
    c = ctx()
    state = LoadBalancer(provider).update(c, imported(), copy.deepcopy(plan))
    assert said(c.diagnostics) == [] and state == from_nc(doc(tag='W/"e2"'), plan)
    assert bodies == [("GET", None), ("PUT", merge(doc(), to_nc(plan)))]
    assert puts(script) == ['W/"e1"']


def test_update_after_an_unmanaged_change_puts_with_the_new_etag(nc) -> None:
    """A new etag with nothing Terraform manages changed (someone edited a NAT rule) is no conflict."""
    script, provider, bodies = nc
    changed = doc(tag='W/"e2"')
    changed["properties"]["inboundNatRules"] = []
    script.on("GET", LB, (200, {}, changed))
    script.on("PUT", LB, (200, {}, changed))
    c = ctx()
    assert LoadBalancer(provider).update(c, imported(), planned()) == from_nc(changed, planned())
    assert said(c.diagnostics) == [] and puts(script) == ['W/"e2"']
    assert bodies[1] == ("PUT", merge(changed, to_nc(planned())))


def test_update_with_the_etag_of_the_last_refresh_is_not_checked_for_drift(nc) -> None:
    """NC's etag equal to the state's: what NC has is what Terraform saw, so the PUT goes ahead."""
    script, provider, _ = nc
    script.on("GET", LB, (200, {}, doc()))
    script.on("PUT", LB, (200, {}, doc()))
    current = imported()
    current["probe"][0]["port"] = 60000  # differs from NC, yet the etag says NC did not change
    c = ctx()
    LoadBalancer(provider).update(c, current, planned())
    assert said(c.diagnostics) == [] and puts(script) == ['W/"e1"']


@pytest.mark.parametrize("where", ["probe port", "tags"])
def test_update_refuses_a_change_outside_terraform_with_the_whole_message(nc, where: str) -> None:
    """A child's property or the tags: both are what Terraform manages, so both would be overwritten."""
    script, provider, _ = nc
    changed = doc(tag='W/"e2"')
    if where == "tags":
        changed["tags"] = {"owner": "someone-else-again"}
    else:
        changed["properties"]["probes"][0]["properties"]["port"] = 60000
    script.on("GET", LB, (200, {}, changed))
    c = ctx()
    state = LoadBalancer(provider).update(c, imported(), planned())
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot update load balancer",
            f"Network Controller answered 412 PreconditionFailed: {LB} was changed outside Terraform after the last "
            "refresh; run terraform plan again to see the difference",
            None,
        )
    ]
    assert state == from_nc(changed, imported()) and script.calls() == [("GET", LB), ("GET", LB)]


def test_update_of_an_arc_managed_load_balancer_is_refused(nc) -> None:
    script, provider, _ = nc
    arc = doc()
    arc["resourceMetadata"] = {"client": "Network Resource Provider"}
    script.on("GET", LB, (200, {}, arc))
    c = ctx()
    LoadBalancer(provider).update(c, imported(), planned())
    [(severity, summary, detail, path)] = said(c.diagnostics)
    assert (severity, summary, path) == (ERROR, "Cannot update load balancer", None)
    assert detail.startswith(f'{LB} is managed by Azure Arc (resourceMetadata.client = "Network Resource Provider")')
    assert "PUT" not in [m for m, _ in script.calls()]


def test_update_re_reads_and_merges_again_after_another_writer_s_412(nc) -> None:
    """412, and NC now has a new etag with what Terraform manages unchanged: merge again, PUT with it."""
    script, provider, bodies = nc
    newer = doc(tag='W/"e2"')
    newer["resourceMetadata"]["resourceName"] = "renamed"
    script.on("GET", LB, (200, {}, doc()), (200, {}, newer))
    script.on("PUT", LB, nc_error(412, "PreconditionFailed", "etag"), (200, {}, newer))
    c = ctx()
    assert LoadBalancer(provider).update(c, imported(), planned()) == from_nc(newer, planned())
    assert said(c.diagnostics) == [] and puts(script) == ['W/"e1"', 'W/"e2"']
    assert [b for m, b in bodies if m == "PUT"][1] == merge(newer, to_nc(planned()))


def test_update_gives_up_after_three_412s(nc) -> None:
    """Another writer keeps winning: three PUTs, then NC's 412 is the error."""
    script, provider, _ = nc
    script.on("GET", LB, *[(200, {}, doc(tag=f'W/"e{i}"')) for i in range(1, 6)])
    script.on("PUT", LB, nc_error(412, "PreconditionFailed", "etag"))
    c = ctx()
    assert LoadBalancer(provider).update(c, imported(), planned()) == from_nc(doc(tag='W/"e5"'), imported())
    assert puts(script) == ['W/"e1"', 'W/"e2"', 'W/"e3"']
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot update load balancer",
            f"Network Controller answered 412 PreconditionFailed: etag [PUT {LB}] ({RID})",
            None,
        )
    ]


def test_update_reports_nc_refusing_its_own_etag_in_full(nc) -> None:
    script, provider, _ = nc
    script.on("GET", LB, (200, {}, doc()))
    script.on("PUT", LB, nc_error(412, "PreconditionFailed", "etag"))
    c = ctx()
    LoadBalancer(provider).update(c, imported(), planned())
    assert said(c.diagnostics)[0][2] == (
        "Network Controller answered 412 PreconditionFailed: etag (Network Controller refused If-Match with the "
        f"etag it had just returned) [PUT {LB}] ({RID})"
    )


def test_update_refused_by_nc_points_at_the_attribute_and_keeps_what_nc_has(nc) -> None:
    script, provider, _ = nc
    script.on("GET", LB, (200, {}, doc()), (200, {}, doc("Failed")))
    script.on("PUT", LB, nc_error(400, "Bad", "no", "properties.loadBalancingRules[1].properties.frontendPort"))
    c = ctx()
    assert LoadBalancer(provider).update(c, imported(), planned()) == from_nc(doc("Failed"), imported())
    assert said(c.diagnostics)[0][3] == ["load_balancing_rule", (1,), "frontend_port"]


def test_update_s_put_gives_up_at_the_deadline_on_a_conflict(nc) -> None:
    script, provider, _ = nc
    script.on("GET", LB, (200, {}, doc()))
    script.on("PUT", LB, nc_error(409, "Conflict", "busy"))
    c = ctx()
    LoadBalancer(provider).update(c, imported(), planned(update="0s"))
    assert [m for m, _ in script.calls()] == ["GET", "PUT", "GET"]
    assert [d[1] for d in said(c.diagnostics)] == ["Cannot update load balancer"]


# -- delete -------------------------------------------------------------------------------------------------
def test_delete_refused_while_in_use_says_how_to_fix_it_in_full(nc) -> None:
    script, provider, _ = nc
    script.on("DELETE", LB, nc_error(409, "ResourceInUse", "in use"))
    used = doc()
    used["properties"]["backendAddressPools"].append(
        {
            "resourceId": "Pool2",
            "properties": {"backendIPConfigurations": [{"resourceRef": "/networkInterfaces/n0/ipConfigurations/ip"}]},
        }
    )
    script.on("GET", LB, (200, {}, used))
    c = ctx()
    assert LoadBalancer(provider).delete(c, imported()) == from_nc(used, imported())
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Load balancer is still in use",
            f"Network Controller answered 409 ResourceInUse: in use [DELETE {LB}] ({RID})\n"
            "Network interface ip configurations still in its backend pools: "
            "/networkInterfaces/n0/ipConfigurations/ip, /networkInterfaces/n1/ipConfigurations/ip1. Remove those "
            "memberships (sdn_backend_pool_member) first; in one configuration Terraform orders this for you when "
            "the members reference this load balancer's backend_address_pool_refs.",
            None,
        )
    ]


def test_delete_refused_while_in_use_without_visible_members_points_at_ncs_message(nc) -> None:
    script, provider, _ = nc
    script.on("DELETE", LB, nc_error(409, "ResourceInUse", "in use"))
    unused = doc(backendAddressPools=[])
    script.on("GET", LB, (200, {}, unused))
    c = ctx()
    assert LoadBalancer(provider).delete(c, imported()) == from_nc(unused, imported())
    [(_, summary, detail, _)] = said(c.diagnostics)
    assert summary == "Load balancer is still in use"
    assert "still in its backend pools: see the message above. Remove those memberships" in detail


def test_delete_refused_otherwise_keeps_ncs_object(nc) -> None:
    script, provider, _ = nc
    script.on("DELETE", LB, nc_error(400, "BadRequest", "no"))
    script.on("GET", LB, (200, {}, doc("Failed")))
    c = ctx()
    assert LoadBalancer(provider).delete(c, imported()) == from_nc(doc("Failed"), imported())
    assert said(c.diagnostics) == [
        (
            ERROR,
            "Cannot delete load balancer",
            f"Network Controller answered 400 BadRequest: no [DELETE {LB}] ({RID})",
            None,
        )
    ]


def test_delete_that_outlasts_its_timeout_keeps_ncs_object(nc) -> None:
    """timeouts.delete = "0s": the load balancer still there is an error, and the state is NC's object."""
    script, provider, _ = nc
    script.on("DELETE", LB, (200, {}, None))
    script.on("GET", LB, (200, {}, doc()), (200, {}, doc("Deleting", tag='W/"e2"')), (404, {}, None))
    current = imported()
    current["timeouts"] = {"delete": "0s"}
    c = ctx()
    assert LoadBalancer(provider).delete(c, current) == from_nc(doc("Deleting", tag='W/"e2"'), current)
    assert said(c.diagnostics) == [
        (ERROR, "Cannot delete load balancer", f"{LB} was still present when the delete timeout expired", None)
    ]


def test_delete_that_cannot_reach_nc_keeps_the_state(nc) -> None:
    script, provider, _ = nc
    script.on("DELETE", LB, (DROP, {}, None))
    script.on("GET", LB, (DROP, {}, None))
    c = ctx()
    assert LoadBalancer(provider).delete(c, imported()) == imported()
    [(severity, summary, detail, _)] = said(c.diagnostics)
    assert (severity, summary) == (ERROR, "Cannot delete load balancer")
    assert detail.startswith("cannot reach Network Controller at http://127.0.0.1:") and f"(DELETE {LB})" in detail
