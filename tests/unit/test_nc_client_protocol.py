"""The NC client's protocol behaviour over real HTTP, against a scripted loopback server that answers what a
test tells it to (each answer is one NC behaviour from [MS-NCNBI]): retries on 5xx/429, the 202 +
operationResults flow of DELETE and its Failed end, 409 decided by provisioningState, innerError in errors,
and Negotiate auth settings. Every request the client sends is recorded, so each test counts them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sdn_provider.nc import NCClient, NCError, NCSettings, NCTimeoutError, OperationFailed, ProvisioningFailed
from tests.unit.conftest import DROP


def client(uri: str, **kw: Any) -> NCClient:
    return NCClient(NCSettings(uri=uri, poll_initial=0.01, poll_max=0.05, **kw))


def doc(state: str = "Succeeded", **extra: Any) -> dict:
    return {"resourceId": "lb", "etag": 'W/"1"', "properties": {"provisioningState": state}, **extra}


def error(code: str, message: str, inner: str = "") -> dict:
    return {"error": {"code": code, "message": message, "target": "", "innerError": inner, "details": []}}


def test_5xx_is_retried_until_it_succeeds(nc_server):
    script, uri = nc_server
    script.on("GET", "/loadBalancers/lb", (503, {}, error("ServiceUnavailable", "busy")),
              (503, {}, error("ServiceUnavailable", "busy")), (200, {}, doc()))  # fmt: skip
    assert client(uri).get("/loadBalancers/lb")["resourceId"] == "lb"
    assert script.calls() == [("GET", "/loadBalancers/lb")] * 3


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_every_retried_status_is_retried_for_every_verb(nc_server, method, status):
    script, uri = nc_server
    script.on(method, "/loadBalancers/lb", (status, {"Retry-After": "0"}, error("Busy", "busy")), (200, {}, doc()))
    status_code, body, _ = client(uri).request(
        method, "/loadBalancers/lb", {"properties": {}} if method == "PUT" else None
    )
    assert (status_code, body["resourceId"]) == (200, "lb")
    assert script.calls() == [(method, "/loadBalancers/lb")] * 2


@pytest.mark.parametrize("status", [400, 403, 501])
def test_other_errors_are_not_retried(nc_server, status):
    script, uri = nc_server
    script.on("GET", "/loadBalancers/lb", (status, {}, error("No", "refused")), (200, {}, doc()))
    with pytest.raises(NCError) as raised:
        client(uri).get("/loadBalancers/lb")
    assert (raised.value.status, raised.value.code) == (status, "No")
    assert script.calls() == [("GET", "/loadBalancers/lb")]


def test_retries_stop_at_max_retries(nc_server):
    script, uri = nc_server
    script.on("GET", "/loadBalancers/lb", (503, {"Retry-After": "0"}, error("ServiceUnavailable", "busy")))
    with pytest.raises(NCError) as raised:
        client(uri, max_retries=2).get("/loadBalancers/lb")
    assert raised.value.status == 503 and script.calls() == [("GET", "/loadBalancers/lb")] * 3


def test_429_with_retry_after_is_retried(nc_server):
    script, uri = nc_server
    script.on("PUT", "/loadBalancers/lb", (429, {"Retry-After": "0"}, error("TooManyRequests", "slow down")),
              (200, {}, doc("Updating")))  # fmt: skip
    assert client(uri).put("/loadBalancers/lb", {"properties": {}})["properties"]["provisioningState"] == "Updating"
    assert script.calls() == [("PUT", "/loadBalancers/lb")] * 2


def test_delete_follows_the_async_operation_to_success(nc_server):
    script, uri = nc_server
    # Location names another host: only its path is followed, on the configured endpoint.
    op = "https://nc-node2.contoso.test/networking/v1/operationResults/op1"
    script.on("DELETE", "/loadBalancers/lb", (202, {"Azure-AsyncOperation": op, "Location": op}, None))
    script.on("GET", "/operationResults/op1", (202, {"Retry-After": "0"}, {"status": "InProgress"}),
              (200, {}, {"operationId": "op1", "status": "Succeeded"}))  # fmt: skip
    assert client(uri).delete("/loadBalancers/lb", time.monotonic() + 10) is True
    assert script.calls() == [
        ("DELETE", "/loadBalancers/lb"),
        ("GET", "/operationResults/op1"),
        ("GET", "/operationResults/op1"),
    ]


def test_a_failed_delete_surfaces_nc_error_at_once(nc_server):
    script, uri = nc_server
    op = uri + "/networking/v1/operationResults/op2"
    script.on("DELETE", "/loadBalancers/lb", (202, {"Location": op}, None))
    # The spec's table spells the keys `Status`/`Error`: matched without letter case.
    failed = {"Status": "Failed", "Error": {"Code": "InternalError", "Message": "SLB manager could not remove VIP"}}
    script.on("GET", "/operationResults/op2", (200, {}, failed))
    with pytest.raises(OperationFailed) as caught:
        client(uri).delete("/loadBalancers/lb", time.monotonic() + 600)
    assert caught.value.code == "InternalError"
    assert "SLB manager could not remove VIP" in str(caught.value) and "ended Failed" in str(caught.value)
    assert script.calls() == [("DELETE", "/loadBalancers/lb"), ("GET", "/operationResults/op2")]


def test_delete_without_an_operation_polls_until_404(nc_server):
    script, uri = nc_server
    script.on("DELETE", "/loadBalancers/lb", (200, {}, doc("Deleting")))
    script.on("GET", "/loadBalancers/lb", (200, {}, doc("Deleting")), (404, {}, error("NotFound", "gone")))
    assert client(uri).delete("/loadBalancers/lb", time.monotonic() + 10) is True
    assert script.calls() == [
        ("DELETE", "/loadBalancers/lb"),
        ("GET", "/loadBalancers/lb"),
        ("GET", "/loadBalancers/lb"),
    ]


def test_409_while_the_resource_is_updating_is_retried(nc_server):
    script, uri = nc_server
    script.on("PUT", "/networkInterfaces/nic", (409, {}, error("Conflict", "busy")), (200, {}, doc("Updating")))
    script.on("GET", "/networkInterfaces/nic", (200, {}, doc("Updating")))
    client(uri).put("/networkInterfaces/nic", {"properties": {}}, deadline=time.monotonic() + 10)
    assert script.calls() == [
        ("PUT", "/networkInterfaces/nic"),
        ("GET", "/networkInterfaces/nic"),
        ("PUT", "/networkInterfaces/nic"),
    ]


def test_409_under_a_failed_parent_fails_at_once(nc_server):
    script, uri = nc_server
    script.on("PUT", "/loadBalancers/lb/probes/p", (409, {}, error("Conflict", "The parent is not ready.")))
    script.on("GET", "/loadBalancers/lb", (200, {}, doc("Failed")))
    script.on("GET", "/loadBalancers/lb/probes/p", (200, {}, doc("Succeeded")))
    with pytest.raises(NCError) as caught:
        client(uri).put("/loadBalancers/lb/probes/p", {"properties": {}}, deadline=time.monotonic() + 600)
    assert "/loadBalancers/lb is in provisioningState Failed" in str(caught.value)
    assert script.calls() == [("PUT", "/loadBalancers/lb/probes/p"), ("GET", "/loadBalancers/lb")]


def test_409_for_a_resource_in_use_is_not_retried(nc_server):
    script, uri = nc_server
    script.on("DELETE", "/loadBalancers/lb", (409, {}, error("ResourceInUse", "still referenced")))
    script.on("GET", "/loadBalancers/lb", (200, {}, doc("Succeeded")))
    with pytest.raises(NCError) as caught:
        client(uri).delete("/loadBalancers/lb", time.monotonic() + 600)
    assert caught.value.status == 409
    assert script.calls() == [("DELETE", "/loadBalancers/lb"), ("GET", "/loadBalancers/lb")]


def test_inner_error_is_part_of_the_message(nc_server):
    script, uri = nc_server
    script.on("PUT", "/virtualNetworks/v", (400, {}, error("InvalidParameterValue", "bad prefix", "Prefix overlaps")))
    with pytest.raises(NCError) as caught:
        client(uri).put("/virtualNetworks/v", {"properties": {}})
    assert caught.value.inner_error == "Prefix overlaps" and "Root cause (innerError): Prefix overlaps" in str(
        caught.value
    )


def test_negotiate_auth_asks_for_the_http_service_of_the_rest_name():
    nc = NCClient(
        NCSettings(
            uri="https://10.0.0.5",
            auth="negotiate",
            username="CONTOSO\\tf",
            password="pw",
            spn_hostname="nc.contoso.test",
        )  # fmt: skip
    )
    auth = nc.session.auth
    assert (auth.username, auth.password, auth.service, auth.hostname_override, auth.auth_provider) == (
        "CONTOSO\\tf",
        "pw",
        "HTTP",
        "nc.contoso.test",
        "negotiate",
    )
    assert auth.send_cbt is True  # channel binding: NC's Extended Protection for Authentication
    ticket = NCClient(NCSettings(uri="https://nc.contoso.test", auth="kerberos", password="stray")).session.auth
    assert (ticket.username, ticket.password, ticket.auth_provider) == (None, None, "kerberos")


def test_409_whose_cause_cleared_is_retried_once(nc_server):
    """The NIC was Updating when NC refused the PUT and Succeeded by the time the client looked: one more PUT."""
    script, uri = nc_server
    script.on("PUT", "/networkInterfaces/nic", (409, {}, error("Conflict", "busy")), (200, {}, doc("Updating")))
    script.on("GET", "/networkInterfaces/nic", (200, {}, doc("Succeeded")))
    client(uri).put("/networkInterfaces/nic", {"properties": {}}, deadline=time.monotonic() + 10)
    assert script.calls() == [
        ("PUT", "/networkInterfaces/nic"),
        ("GET", "/networkInterfaces/nic"),
        ("PUT", "/networkInterfaces/nic"),
    ]


def test_409_that_persists_while_nothing_is_busy_is_raised(nc_server):
    script, uri = nc_server
    script.on("PUT", "/loadBalancers/lb", (409, {}, error("ResourceInUse", "a removed pool is still referenced")))
    script.on("GET", "/loadBalancers/lb", (200, {}, doc("Succeeded")))
    with pytest.raises(NCError, match="still referenced"):
        client(uri).put("/loadBalancers/lb", {"properties": {}}, deadline=time.monotonic() + 600)
    assert [m for m, _ in script.calls()] == ["PUT", "GET", "PUT", "GET"]


@pytest.mark.parametrize("running", ["InProgress", "running", "Accepted"])
def test_an_operation_is_followed_while_it_runs_then_its_end_decides(nc_server, running):
    script, uri = nc_server
    op = uri + "/networking/v1/operationResults/op3"
    script.on("DELETE", "/loadBalancers/lb", (202, {"Location": op}, None))
    script.on("GET", "/operationResults/op3", (200, {}, {"status": running}),
              (200, {}, {"status": "Canceled", "error": {"code": "Stopped", "message": "by admin"}}))  # fmt: skip
    with pytest.raises(OperationFailed) as caught:
        client(uri).delete("/loadBalancers/lb", time.monotonic() + 10)
    assert str(caught.value) == (
        "Network Controller's DELETE /loadBalancers/lb ended Canceled: Stopped: by admin "
        "(operation /operationResults/op3)"
    )
    assert [p for _, p in script.calls()].count("/operationResults/op3") == 2


def test_an_operation_nc_forgot_is_checked_on_the_resource(nc_server):
    script, uri = nc_server
    op = uri + "/networking/v1/operationResults/op4"
    script.on("DELETE", "/loadBalancers/lb", (202, {"Azure-AsyncOperation": op, "Retry-After": "bogus"}, None))
    script.on("GET", "/operationResults/op4", (404, {}, None))
    script.on("GET", "/loadBalancers/lb", (404, {}, None))
    assert client(uri).delete("/loadBalancers/lb", time.monotonic() + 10) is True
    assert [p for _, p in script.calls()] == ["/loadBalancers/lb", "/operationResults/op4", "/loadBalancers/lb"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Location": "https://elsewhere.test/other/path"}, {"Azure-AsyncOperation": "/networking/v1/"}],
)
def test_a_202_without_a_usable_operation_polls_the_resource(nc_server, headers):
    script, uri = nc_server
    script.on("DELETE", "/loadBalancers/lb", (202, headers, None))
    script.on("GET", "/loadBalancers/lb", (404, {}, None))
    assert client(uri).delete("/loadBalancers/lb", time.monotonic() + 10) is True
    assert script.calls() == [("DELETE", "/loadBalancers/lb"), ("GET", "/loadBalancers/lb")]


def test_a_delete_of_what_is_gone_says_so(nc_server):
    script, uri = nc_server
    script.on("DELETE", "/loadBalancers/lb", (404, {}, None))
    assert client(uri).delete("/loadBalancers/lb", time.monotonic() + 10) is False


def test_a_resource_that_fails_while_it_is_deleted_raises(nc_server):
    script, uri = nc_server
    script.on("DELETE", "/loadBalancers/lb", (200, {}, None))
    script.on("GET", "/loadBalancers/lb", (200, {}, doc("Failed")))
    with pytest.raises(ProvisioningFailed, match="/loadBalancers/lb provisioning ended in Failed"):
        client(uri).delete("/loadBalancers/lb", time.monotonic() + 10)


def test_an_error_answer_that_is_not_ncs_is_quoted(nc_server):
    script, uri = nc_server
    script.on("GET", "/loadBalancers/lb", (400, {"Content-Type": "text/plain"}, "proxy says no"))
    with pytest.raises(NCError) as caught:
        client(uri).get("/loadBalancers/lb")
    assert (caught.value.code, caught.value.message) == ("UnexpectedResponse", 'non-NC error body: "proxy says no"')
    assert caught.value.request_id == "rid" and (caught.value.method, caught.value.ref) == ("GET", "/loadBalancers/lb")


def test_nc_error_fields_are_all_read(nc_server):
    script, uri = nc_server
    body = {"error": {"code": "Bad", "message": "m", "target": "t", "details": [{"code": "x"}], "innerError": {"a": 1}}}
    script.on("GET", "/loadBalancers/lb", (400, {}, body))
    with pytest.raises(NCError) as caught:
        client(uri).get("/loadBalancers/lb")
    e = caught.value
    assert (e.status, e.code, e.message, e.target, e.details, e.inner_error) == (
        400, "Bad", "m", "t", [{"code": "x"}], '{"a": 1}'
    )  # fmt: skip


def test_a_put_whose_answer_was_lost_but_landed_is_a_success(nc_server):
    """The first PUT's answer is lost (connection dropped), the retry gets 412 because the first one already
    renewed the etag: NC holding what was sent (ids in any letter case, computed fields aside) is our write."""
    script, uri = nc_server
    sent = {"resourceId": "lb", "properties": {"frontendIPConfigurations": [{"resourceRef": "/a/B"}], "port": 80}}
    landed = {
        "resourceId": "LB",
        "etag": 'W/"2"',
        "properties": {"provisioningState": "Succeeded", "frontendIPConfigurations": [{"resourceRef": "/A/b"}],
                       "port": 80, "extra": 1},
    }  # fmt: skip
    script.on("PUT", "/loadBalancers/lb", (DROP, {}, None), (412, {}, error("PreconditionFailed", "etag")))
    script.on("GET", "/loadBalancers/lb", (200, {}, landed))
    assert client(uri).put("/loadBalancers/lb", sent, etag='W/"1"') == landed
    assert script.calls() == [("PUT", "/loadBalancers/lb")] * 2 + [("GET", "/loadBalancers/lb")]


@pytest.mark.parametrize(
    "live",
    [
        {"resourceId": "lb", "properties": {"frontendIPConfigurations": [{"resourceRef": "/a/B"}], "port": 81}},
        {"resourceId": "lb", "properties": {"frontendIPConfigurations": [], "port": 80}},
        {"resourceId": "lb", "properties": {"port": 80}},
    ],
)
def test_a_lost_put_that_did_not_land_is_reported_as_changed(nc_server, live):
    script, uri = nc_server
    sent = {"resourceId": "lb", "properties": {"frontendIPConfigurations": [{"resourceRef": "/a/B"}], "port": 80}}
    script.on("PUT", "/loadBalancers/lb", (DROP, {}, None), (412, {}, error("PreconditionFailed", "etag")))
    script.on("GET", "/loadBalancers/lb", (200, {}, live))
    with pytest.raises(NCError) as caught:
        client(uri).put("/loadBalancers/lb", sent, etag='W/"1"')
    assert caught.value.status == 412


def test_a_412_without_a_lost_answer_is_not_checked(nc_server):
    script, uri = nc_server
    script.on("PUT", "/loadBalancers/lb", (412, {}, error("PreconditionFailed", "etag")))
    with pytest.raises(NCError):
        client(uri).put("/loadBalancers/lb", {"properties": {}}, etag='W/"1"')
    assert script.calls() == [("PUT", "/loadBalancers/lb")]


LB = "/loadBalancers/lb"


def test_provisioning_is_polled_until_succeeded_and_the_last_answer_returned(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, doc("Updating")), (200, {}, doc("Updating")), (200, {}, doc("Succeeded", tag=1)))
    done = client(uri).wait_for_provisioning(LB, time.monotonic() + 5, first=doc("Updating"))
    assert done["tag"] == 1
    assert script.calls() == [("GET", LB)] * 3


def test_a_first_answer_that_already_succeeded_needs_no_request(nc_server):
    script, uri = nc_server
    assert client(uri).wait_for_provisioning(LB, time.monotonic() + 5, first=doc()) == doc()
    assert script.calls() == []


def test_provisioning_that_fails_raises_with_the_resource(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, doc("Failed")))
    with pytest.raises(ProvisioningFailed) as failed:
        client(uri).wait_for_provisioning(LB, time.monotonic() + 5)
    assert failed.value.ref == LB and script.calls() == [("GET", LB)]


def test_provisioning_past_the_deadline_names_the_last_state(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, doc("Updating")))
    with pytest.raises(NCTimeoutError) as timed_out:
        client(uri).wait_for_provisioning(LB, time.monotonic() + 0.2)
    assert str(timed_out.value) == f"{LB} did not finish provisioning in time (last state: Updating)"
    assert len(script.calls()) >= 2


def test_a_resource_that_disappears_while_provisioning_is_a_404(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (404, {}, error("NotFound", "gone")))
    with pytest.raises(NCError) as gone:
        client(uri).wait_for_provisioning(LB, time.monotonic() + 5, first=doc("Updating"))
    assert (gone.value.status, gone.value.code, gone.value.method, gone.value.ref) == (404, "NotFound", "GET", LB)
    assert f"{LB} disappeared while it was provisioning" in str(gone.value)
