"""The NC client's contract, pinned exactly: the session it builds (urllib3 Retry settings, pool, TLS client
certificate, Accept header), the requests it sends (method, URL, headers, body, timeout), the messages of every
error a user reads (NC errors, non-NC bodies, unreachable NC, TLS advice, timeouts, failed operations), the 409
and asynchronous-operation flows (which requests, how long it waits between them) and the ref helpers.

Waiting is observed with a fake clock and a recording sleep (``Clock``) and a fixed jitter, so no test sleeps."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import RequestHistory

from sdn_provider.nc import (
    ArcManaged,
    NCClient,
    NCConnectionError,
    NCError,
    NCSettings,
    NCTimeoutError,
    OperationFailed,
    ProvisioningFailed,
    refs,
)
from sdn_provider.nc import client as client_module
from sdn_provider.nc.refs import LOAD_BALANCER, SUBNETS, MalformedRef, Ref
from tests.unit.conftest import DROP
from tests.unit.test_nc_client_protocol import doc, error

LB = "/loadBalancers/lb"
OP = "/operationResults/op1"


def client(uri: str, **kw: Any) -> NCClient:
    return NCClient(NCSettings(uri=uri, poll_initial=0.01, poll_max=0.05, **kw), sleep=lambda s: None)


class Canned(HTTPAdapter):
    """Answers with canned (status, headers, body bytes, reason) in order (the last repeats), or raises an
    exception given instead of an answer; records every request and the keyword arguments requests passed."""

    def __init__(self, *answers: tuple[int, dict[str, str], bytes, str] | BaseException) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[tuple[requests.PreparedRequest, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append((request, kwargs))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        status, headers, body, reason = answer
        resp = requests.Response()
        resp.status_code, resp._content, resp.url, resp.request, resp.reason = (
            status,
            body,
            request.url,
            request,
            reason,
        )
        resp.headers.update(headers)
        return resp


def canned(*answers: tuple[int, dict[str, str], bytes, str] | BaseException, **kw: Any) -> tuple[NCClient, Canned]:
    nc = NCClient(NCSettings(uri="http://nc.invalid", max_retries=0, **kw), sleep=lambda s: None)
    adapter = Canned(*answers)
    nc.session.mount("http://", adapter)
    return nc, adapter


class Clock:
    """client.time replaced: monotonic() is `now`, which only moves when a test (or `step` per sleep) moves it."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 1000.0
        self.step = step
        self.slept: list[float] = []
        self.jitter: list[tuple[float, float]] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += self.step


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """A fake clock in the client module and a jitter fixed at its upper bound, recording its bounds."""
    fake = Clock()

    def uniform(a: float, b: float) -> float:
        fake.jitter.append((a, b))
        return b

    monkeypatch.setattr(client_module, "time", fake)
    monkeypatch.setattr(client_module, "random", SimpleNamespace(uniform=uniform))
    yield fake


def clocked(uri: str, clock: Clock, **kw: Any) -> NCClient:
    settings = {"poll_initial": 0.01, "poll_max": 0.05, **kw}
    return NCClient(NCSettings(uri=uri, **settings), sleep=clock.sleep)


# -- the session --------------------------------------------------------------------------------------------
def test_the_session_retries_as_documented() -> None:
    """Connection errors, 429 and 5xx are retried max_retries times with backoff, Retry-After honoured, for the
    idempotent verbs only; the last answer is returned rather than raised; a keep-alive pool per scheme."""
    nc = NCClient(NCSettings(uri="https://nc.contoso.test", max_retries=3))
    for scheme in ("https://nc.contoso.test/x", "http://nc.contoso.test/x"):
        adapter = nc.session.get_adapter(scheme)
        retry = adapter.max_retries
        assert type(retry) is client_module._NoTlsRetry
        assert (retry.total, retry.connect, retry.read, retry.status) == (3, 3, 3, 3)
        assert (retry.backoff_factor, retry.backoff_max, retry.backoff_jitter) == (0.2, 5.0, 0.2)
        assert tuple(retry.status_forcelist) == (429, 500, 502, 503, 504)
        assert retry.allowed_methods == frozenset({"GET", "PUT", "DELETE"})
        assert (retry.respect_retry_after_header, retry.raise_on_status) == (True, False)
        assert (adapter._pool_connections, adapter._pool_maxsize) == (4, 32)
    assert nc.session.headers["Accept"] == "application/json"


def test_429_without_retry_after_is_retried(nc_server) -> None:
    script, uri = nc_server
    script.on("GET", LB, (429, {}, error("TooManyRequests", "slow down")), (200, {}, doc()))
    assert client(uri).get(LB) == doc()
    assert script.calls() == [("GET", LB)] * 2


def test_mixed_failures_share_one_retry_budget(nc_server) -> None:
    """A dropped connection and a 503 both count against max_retries: the third failure is the last."""
    script, uri = nc_server
    script.on("GET", LB, (DROP, {}, None), (503, {"Retry-After": "0"}, error("Busy", "busy")), (DROP, {}, None),
              (200, {}, doc()))  # fmt: skip
    with pytest.raises(NCConnectionError):
        client(uri, max_retries=2).get(LB)
    assert script.calls() == [("GET", LB)] * 3


def test_a_retried_request_records_what_each_attempt_got(nc_server) -> None:
    """urllib3's retry history (what tells a lost answer from a refusal) names each attempt's URL and status."""
    script, uri = nc_server
    script.on("GET", LB, (503, {}, error("Busy", "busy")), (200, {}, doc()))
    _, _, resp = client(uri).request("GET", LB)
    assert resp.raw.retries.history == (RequestHistory("GET", "/networking/v1" + LB, None, 503, None),)


def test_exhausted_connection_retries_name_the_pool(nc_server) -> None:
    script, uri = nc_server
    script.on("GET", LB, (DROP, {}, None))
    with pytest.raises(NCConnectionError) as caught:
        client(uri, max_retries=1).get(LB)
    exhausted = caught.value.__cause__.args[0]
    assert exhausted.pool.host == "127.0.0.1" and exhausted.url == "/networking/v1" + LB
    assert script.calls() == [("GET", LB)] * 2


@pytest.mark.parametrize(("key", "cert"), [("k.pem", ("c.pem", "k.pem")), (None, "c.pem")])
def test_client_certificate_auth_presents_the_certificate(key: str | None, cert: Any) -> None:
    s = NCSettings(uri="https://nc.contoso.test", auth="certificate", client_cert_file="c.pem", client_key_file=key)
    assert NCClient(s).session.cert == cert
    assert NCClient(NCSettings(uri="https://nc.contoso.test", client_cert_file="c.pem")).session.cert is None


def test_the_base_url_drops_only_trailing_slashes() -> None:
    nc = NCClient(NCSettings(uri="https://ncX/"))
    assert nc.url("/loadBalancers/my lb") == "https://ncX/networking/v1/loadBalancers/my%20lb"


# -- the requests sent --------------------------------------------------------------------------------------
def test_a_put_sends_json_with_its_etag(nc_server) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (200, {}, doc()))
    status, body, resp = client(uri).request("PUT", LB, {"properties": {"a": 1}}, etag='W/"7"')
    assert (status, body) == (200, doc())
    assert resp.request.body == b'{"properties": {"a": 1}}'
    headers = script.seen[0][2]
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    assert headers["Content-Length"] == str(len(b'{"properties": {"a": 1}}'))
    assert (headers["If-Match"], headers["Accept"]) == ('W/"7"', "application/json")


def test_a_get_sends_no_body_and_no_content_type(nc_server) -> None:
    script, uri = nc_server
    script.on("GET", LB, (200, {}, doc()))
    _, _, resp = client(uri).request("GET", LB)
    assert resp.request.body is None
    headers = script.seen[0][2]
    assert "Content-Type" not in headers and "If-Match" not in headers and headers["Accept"] == "application/json"


def test_a_delete_sends_its_etag(nc_server) -> None:
    script, uri = nc_server
    script.on("DELETE", LB, (404, {}, None))
    assert client(uri).delete(LB, time.monotonic() + 10, etag='W/"3"') is False
    assert script.seen[0][2]["If-Match"] == 'W/"3"'


def test_every_request_carries_the_request_timeout() -> None:
    nc, adapter = canned((200, {}, b"{}", "OK"), request_timeout=7.5)
    nc.get(LB)
    assert adapter.sent[0][1]["timeout"] == 7.5


def test_unreachable_nc_names_the_uri_the_request_and_the_root_cause() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"
    with pytest.raises(NCConnectionError) as caught:
        client(uri, max_retries=0).get(LB)
    assert str(caught.value) == f"cannot reach Network Controller at {uri} (GET {LB}): [Errno 111] Connection refused"


def test_the_root_cause_quotes_the_reason_at_the_end_of_the_chain() -> None:
    """The chain is followed through __context__ as well as __cause__; an exception's `reason` is its text."""

    class Root(Exception):
        reason = "the real reason"

    middle = OSError("middle")
    middle.__context__ = Root("not this")
    outer = requests.exceptions.ConnectionError("outer")
    outer.__context__ = middle
    nc, _ = canned(outer)
    with pytest.raises(NCConnectionError) as caught:
        nc.get(LB)
    assert str(caught.value) == f"cannot reach Network Controller at http://nc.invalid (GET {LB}): the real reason"


def test_tls_alert_reason_codes_are_read_as_words() -> None:
    class Alert(Exception):
        reason = "TLSV13_ALERT_CERTIFICATE_REQUIRED"

    failure = requests.exceptions.SSLError("handshake")
    failure.__context__ = Alert()
    nc, _ = canned(failure)
    with pytest.raises(NCConnectionError) as caught:
        nc.get(LB)
    assert str(caught.value) == (
        "TLS handshake with http://nc.invalid failed: Network Controller asks for a client certificate "
        '(TLSV13_ALERT_CERTIFICATE_REQUIRED); set auth = "certificate" with client_cert_file (and client_key_file).'
    )


# -- error mapping ------------------------------------------------------------------------------------------
def test_an_nc_error_is_quoted_with_its_request_id_and_request(nc_server) -> None:
    script, uri = nc_server
    script.on("GET", LB, (400, {"x-ms-request-id": "r-9"}, error("Bad", "bad value")))
    with pytest.raises(NCError) as caught:
        client(uri).get(LB)
    assert str(caught.value) == f"Network Controller answered 400 Bad: bad value [GET {LB}] (x-ms-request-id: r-9)"
    assert (caught.value.request_id, caught.value.ref) == ("r-9", LB)


def test_an_error_without_code_message_or_request_id() -> None:
    nc, _ = canned((400, {}, b'{"error": {"details": "not a list"}}', "Bad Request"))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    e = caught.value
    assert str(e) == f"Network Controller answered 400 Unknown:  [GET {LB}]"
    assert (e.code, e.message, e.request_id, e.details, e.inner_error) == ("Unknown", "", "", [], "")


def test_a_non_json_error_body_is_quoted_as_text() -> None:
    nc, _ = canned((400, {"x-ms-request-id": "r-1"}, b"  proxy says no  ", "Bad Request"))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    assert str(caught.value) == (
        f"Network Controller answered 400 UnexpectedResponse: non-NC error body: proxy says no [GET {LB}] "
        "(x-ms-request-id: r-1)"
    )


def test_a_long_non_nc_error_body_is_cut_at_200_characters() -> None:
    nc, _ = canned((502, {}, b"x" * 199 + b"yz", "Bad Gateway"))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    assert caught.value.message == "non-NC error body: " + "x" * 199 + "y"
    assert caught.value.request_id == ""


def test_an_empty_error_body_quotes_the_reason_phrase_or_says_no_body() -> None:
    nc, _ = canned((502, {}, b"", "Bad Gateway"))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    assert caught.value.message == "non-NC error body: Bad Gateway"
    nc, _ = canned((502, {}, b"", ""))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    assert (
        str(caught.value)
        == f"Network Controller answered 502 UnexpectedResponse: non-NC error body: no body [GET {LB}]"
    )


def test_a_success_whose_body_is_not_json_is_an_error() -> None:
    nc, _ = canned((200, {}, b"<" + b"h" * 130, "OK"))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    assert (caught.value.status, caught.value.code) == (200, "UnexpectedResponse")
    assert str(caught.value) == (
        "Network Controller answered 200 UnexpectedResponse: Network Controller sent a body that is not JSON: "
        + repr("<" + "h" * 119)
    )


@pytest.mark.parametrize(("body", "kind"), [(b"[1, 2]", "list"), (b'"text"', "str"), (b"5", "int")])
def test_a_get_answered_with_something_else_than_an_object_is_an_error(body: bytes, kind: str) -> None:
    nc, _ = canned((200, {}, body, "OK"))
    with pytest.raises(NCError) as caught:
        nc.get(LB)
    e = caught.value
    assert (
        str(e)
        == f"Network Controller answered 200 UnexpectedResponse: expected a JSON object for {LB}, got {kind} [GET {LB}]"
    )
    assert (e.status, e.code, e.method, e.ref) == (200, "UnexpectedResponse", "GET", LB)


def test_a_put_without_a_usable_answer_returns_an_empty_document() -> None:
    nc, _ = canned((200, {}, b"", "OK"))
    assert nc.put(LB, {"properties": {}}) == {}
    nc, _ = canned((201, {}, b"[1]", "Created"))
    assert nc.put(LB, {"properties": {}}) == {}


def test_a_failed_delete_names_the_verb_in_upper_case(nc_server) -> None:
    script, uri = nc_server
    script.on("DELETE", LB, (400, {}, error("Bad", "no")))
    with pytest.raises(NCError) as caught:
        client(uri).delete(LB, time.monotonic() + 10)
    assert str(caught.value) == f"Network Controller answered 400 Bad: no [DELETE {LB}] (x-ms-request-id: rid)"


# -- 409 ----------------------------------------------------------------------------------------------------
def test_a_409_too_close_to_the_deadline_is_raised_at_once(nc_server) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (409, {}, error("Conflict", "busy")), (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")))
    with pytest.raises(NCError):
        client(uri).put(LB, {"properties": {}}, deadline=time.monotonic() + 0.005)
    assert script.calls() == [("PUT", LB)]


def test_a_delete_409_too_close_to_the_deadline_is_raised_at_once(nc_server) -> None:
    script, uri = nc_server
    script.on("DELETE", LB, (409, {}, error("Conflict", "busy")), (404, {}, None))
    script.on("GET", LB, (200, {}, doc("Updating")))
    with pytest.raises(NCError):
        client(uri).delete(LB, time.monotonic() + 0.005)
    assert script.calls() == [("DELETE", LB)]


def test_a_409_without_a_deadline_is_retried_for_five_minutes(nc_server) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (409, {}, error("Conflict", "busy")), (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")))
    assert client(uri).request("PUT", LB, {"properties": {}})[0] == 200
    assert script.calls() == [("PUT", LB), ("GET", LB), ("PUT", LB)]


class Readings:
    """client.time replaced: monotonic() gives `first` once (the call that sets a request's deadline), then `later`."""

    def __init__(self, first: float, later: float) -> None:
        self.readings = [first, later]

    def monotonic(self) -> float:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


@pytest.mark.parametrize(("later", "retried"), [(1299.98, True), (1299.995, False)])
def test_the_five_minutes_of_409_retries_without_a_deadline_are_exact(
    nc_server, monkeypatch: pytest.MonkeyPatch, later: float, retried: bool
) -> None:
    """A request without a deadline retries a busy 409 while the next attempt (after poll_initial) still starts
    within 300 s of the first: 10 ms before the end it does, 5 ms before it does not."""
    script, uri = nc_server
    script.on("PUT", LB, (409, {}, error("Conflict", "busy")), (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")))
    monkeypatch.setattr(client_module, "time", Readings(1000.0, later))
    nc = NCClient(NCSettings(uri=uri, poll_initial=0.01, poll_max=0.05), sleep=lambda _seconds: None)
    if retried:
        assert nc.request("PUT", LB, {"properties": {}})[0] == 200
        assert script.calls() == [("PUT", LB), ("GET", LB), ("PUT", LB)]
    else:
        with pytest.raises(NCError, match="409 Conflict: busy"):
            nc.request("PUT", LB, {"properties": {}})
        assert script.calls() == [("PUT", LB)]


def test_a_409_whose_cause_clears_after_a_busy_spell_still_gets_its_one_settled_retry(nc_server) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (409, {}, error("Conflict", "busy")), (409, {}, error("Conflict", "busy")), (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")), (200, {}, doc("Succeeded")))
    client(uri).put(LB, {"properties": {}}, deadline=time.monotonic() + 10)
    assert script.calls() == [("PUT", LB), ("GET", LB), ("PUT", LB), ("GET", LB), ("PUT", LB)]


def test_a_409_on_a_busy_child_under_a_healthy_parent_is_retried(nc_server) -> None:
    script, uri = nc_server
    probe = LB + "/probes/p"
    script.on("DELETE", probe, (409, {}, error("Conflict", "busy")), (200, {}, None))
    script.on("GET", LB, (200, {}, doc("Succeeded")))
    script.on("GET", probe, (200, {}, doc("Deleting")), (404, {}, None))
    assert client(uri).delete(probe, time.monotonic() + 10) is True
    assert script.calls() == [("DELETE", probe), ("GET", LB), ("GET", probe), ("DELETE", probe), ("GET", probe)]


def test_a_409_on_a_top_level_resource_reads_it_once(nc_server) -> None:
    script, uri = nc_server
    ref = "/loadBalancers/lbX"
    script.on("DELETE", ref, (409, {}, error("ResourceInUse", "referenced")))
    script.on("GET", ref, (200, {}, doc()))
    with pytest.raises(NCError):
        client(uri).delete(ref, time.monotonic() + 10)
    assert script.calls() == [("DELETE", ref), ("GET", ref)]


def test_a_409_under_a_failed_parent_says_why(nc_server) -> None:
    script, uri = nc_server
    probe = LB + "/probes/p"
    script.on("PUT", probe, (409, {"x-ms-request-id": "r"}, error("Conflict", "The parent is not ready.")))
    script.on("GET", LB, (200, {}, doc("Failed")))
    with pytest.raises(NCError) as caught:
        client(uri).put(probe, {"properties": {}}, deadline=time.monotonic() + 10)
    assert str(caught.value) == (
        "Network Controller answered 409 Conflict: The parent is not ready. (/loadBalancers/lb is in "
        "provisioningState Failed: Network Controller refuses changes under it until it is repaired or re-applied) "
        f"[PUT {probe}] (x-ms-request-id: r)"
    )


def test_the_409_retry_waits_grow_by_half_up_to_poll_max(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    busy = (409, {}, error("Conflict", "busy"))
    script.on("PUT", LB, busy, busy, busy, busy, (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")))
    clocked(uri, clock, poll_initial=0.02, poll_max=0.05).put(LB, {"properties": {}}, deadline=clock.now + 10)
    assert clock.slept == pytest.approx([0.02 * 1.1, 0.03 * 1.1, 0.045 * 1.1, 0.05 * 1.1])
    assert clock.jitter == [(0.9, 1.1)] * 4


def test_waits_use_the_stop_event_when_there_is_one(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (409, {}, error("Conflict", "busy")), (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")))
    waited: list[float] = []
    stop = SimpleNamespace(wait=waited.append)
    nc = NCClient(NCSettings(uri=uri, poll_initial=0.02), stop_event=stop, sleep=clock.sleep)  # type: ignore[arg-type]
    nc.put(LB, {"properties": {}}, deadline=clock.now + 10)
    assert waited == pytest.approx([0.022]) and clock.slept == []


def test_a_lost_put_that_landed_reports_200(nc_server) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (DROP, {}, None), (412, {}, error("PreconditionFailed", "etag")))
    script.on("GET", LB, (200, {}, doc(port=80)))
    status, body, _ = client(uri).request("PUT", LB, {"port": 80}, etag='W/"1"')
    assert (status, body) == (200, doc(port=80))


def test_a_lost_put_is_not_ours_when_a_value_changed_type(nc_server) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (DROP, {}, None), (412, {}, error("PreconditionFailed", "etag")))
    script.on("GET", LB, (200, {}, {"port": 80}))
    with pytest.raises(NCError) as caught:
        client(uri).put(LB, {"port": "80"}, etag='W/"1"')
    assert caught.value.status == 412


# -- asynchronous operations and polling --------------------------------------------------------------------
def test_delete_waits_as_long_as_the_202_retry_after_says(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    script.on("DELETE", LB, (202, {"Azure-AsyncOperation": uri + "/networking/v1" + OP, "Retry-After": "0.03"}, None))
    script.on("GET", OP, (202, {"Retry-After": "0.04"}, None), (200, {}, {"status": "Succeeded"}))
    assert clocked(uri, clock).delete(LB, clock.now + 10) is True
    assert clock.slept == pytest.approx([0.033, 0.044])
    assert script.calls() == [("DELETE", LB), ("GET", OP), ("GET", OP)]


@pytest.mark.parametrize(("header", "wait"), [("0.001", 0.01), ("-3", 0.01), ("0.5", 0.05), ("soon", 0.01)])
def test_retry_after_is_kept_within_the_poll_bounds(nc_server, clock: Clock, header: str, wait: float) -> None:
    script, uri = nc_server
    script.on("DELETE", LB, (202, {"Location": uri + "/networking/v1" + OP, "Retry-After": header}, None))
    script.on("GET", OP, (200, {}, {"status": "Succeeded"}))
    clocked(uri, clock).delete(LB, clock.now + 10)
    assert clock.slept == pytest.approx([wait * 1.1])


def test_an_operation_past_the_deadline_is_a_timeout(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    nc = clocked(uri, clock)
    with pytest.raises(NCTimeoutError) as caught:
        nc.wait_for_operation("DELETE", LB, OP, clock.now + 0.005)
    assert str(caught.value) == f"DELETE {LB} did not finish in time (operation {OP} still running)"
    assert script.calls() == []


def test_an_operation_may_poll_right_up_to_the_deadline(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    script.on("GET", OP, (200, {}, {"status": "Succeeded"}))
    assert clocked(uri, clock).wait_for_operation("DELETE", LB, OP, clock.now + 0.01) is True
    assert script.calls() == [("GET", OP)]


def test_a_202_without_status_means_the_operation_still_runs(nc_server) -> None:
    script, uri = nc_server
    script.on("GET", OP, (202, {}, None), (200, {}, {"status": "Succeeded"}))
    assert client(uri).wait_for_operation("DELETE", LB, OP, time.monotonic() + 10) is True
    assert script.calls() == [("GET", OP)] * 2


def test_an_operation_that_answers_409_is_not_treated_as_a_write(nc_server) -> None:
    script, uri = nc_server
    script.on("GET", OP, (409, {}, error("Conflict", "busy")))
    with pytest.raises(NCError) as caught:
        client(uri).wait_for_operation("DELETE", LB, OP, time.monotonic() + 10)
    assert str(caught.value) == f"Network Controller answered 409 Conflict: busy [GET {OP}] (x-ms-request-id: rid)"
    assert script.calls() == [("GET", OP)]


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ({"status": "Failed"}, f"Network Controller's DELETE {LB} ended Failed (operation {OP})"),
        (
            {"status": "Failed", "error": {"message": "m"}},
            f"Network Controller's DELETE {LB} ended Failed: m (operation {OP})",
        ),
        (
            {"status": "cancelled", "error": {"code": "C"}},
            f"Network Controller's DELETE {LB} ended cancelled: C (operation {OP})",
        ),
    ],
)
def test_a_failed_operation_quotes_only_what_nc_sent(nc_server, answer: dict, text: str) -> None:
    script, uri = nc_server
    script.on("GET", OP, (200, {}, answer))
    with pytest.raises(OperationFailed) as caught:
        client(uri).wait_for_operation("DELETE", LB, OP, time.monotonic() + 10)
    assert str(caught.value) == text


def test_a_202_that_is_not_an_operation_header_is_not_followed(nc_server) -> None:
    """Only a 202 names an operation: a 200 with a Location header polls the resource."""
    script, uri = nc_server
    script.on("DELETE", LB, (200, {"Location": uri + "/networking/v1" + OP}, None))
    script.on("GET", LB, (404, {}, None))
    assert client(uri).delete(LB, time.monotonic() + 10) is True
    assert script.calls() == [("DELETE", LB), ("GET", LB)]


@pytest.mark.parametrize(
    ("location", "followed"),
    [
        ("/networking/v1/operationResults/networking/v1", "/operationResults/networking/v1"),
        ("https://other/NETWORKING/V1/X", "/X"),
    ],
)
def test_the_operation_is_the_path_after_the_first_api_prefix(nc_server, location: str, followed: str) -> None:
    script, uri = nc_server
    script.on("DELETE", LB, (202, {"Location": location}, None))
    script.on("GET", followed, (200, {}, {"status": "Succeeded"}))
    assert client(uri).delete(LB, time.monotonic() + 10) is True
    assert script.calls() == [("DELETE", LB), ("GET", followed)]


def test_provisioning_polls_a_tenth_of_the_time_waited(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    script.on("GET", LB, (200, {}, doc("Updating")), (200, {}, doc("Succeeded")))
    clock.step = 1.0
    nc = clocked(uri, clock, poll_initial=0.01, poll_max=5.0)
    nc.wait_for_provisioning(LB, clock.now + 100, first=doc("Updating"))
    assert clock.slept == pytest.approx([0.011, 0.11])


def test_provisioning_that_fails_quotes_the_details(nc_server) -> None:
    script, uri = nc_server
    failed = {"properties": {"provisioningState": "Failed", "configurationState": {"detailedInfo": [{"code": "X1"}]}}}
    script.on("GET", LB, (200, {}, failed))
    with pytest.raises(ProvisioningFailed) as caught:
        client(uri).wait_for_provisioning(LB, time.monotonic() + 10, first=doc("Updating"))
    assert (str(caught.value), caught.value.resource) == (f"{LB} provisioning ended in Failed: X1", failed)
    with pytest.raises(ProvisioningFailed) as caught:
        client(uri).wait_for_deletion(LB, time.monotonic() + 10)
    assert (str(caught.value), caught.value.resource) == (f"{LB} provisioning ended in Failed: X1", failed)


@pytest.mark.parametrize("margin", [0.005, 0.01])
def test_provisioning_and_deletion_deadlines(nc_server, clock: Clock, margin: float) -> None:
    """A poll that would end after the deadline is a timeout; one that ends exactly at it still runs."""
    script, uri = nc_server
    script.on("GET", LB, (200, {}, doc("Updating")), (200, {}, doc("Succeeded")), (200, {}, doc("Deleting")),
              (404, {}, None))  # fmt: skip
    nc = clocked(uri, clock)
    if margin < 0.01:
        with pytest.raises(NCTimeoutError) as caught:
            nc.wait_for_provisioning(LB, clock.now + margin, first=doc("Updating"))
        assert str(caught.value) == f"{LB} did not finish provisioning in time (last state: Updating)"
        with pytest.raises(NCTimeoutError) as caught:
            nc.wait_for_deletion(LB, clock.now + margin)
        assert str(caught.value) == f"{LB} was still present when the delete timeout expired"
    else:
        assert nc.wait_for_provisioning(LB, clock.now + margin, first=doc("Updating")) == doc("Succeeded")
        nc.wait_for_deletion(LB, clock.now + margin)
        assert script.calls() == [("GET", LB)] * 4


# -- errors -------------------------------------------------------------------------------------------------
def test_error_args_are_the_message() -> None:
    e = NCError(404, "NotFound", "gone", method="GET")
    assert str(e) == "Network Controller answered 404 NotFound: gone [GET ]" and e.args == (str(e),)
    assert OperationFailed("DELETE", LB, "Failed").args == (f"Network Controller's DELETE {LB} ended Failed",)


def test_operation_failed_keeps_the_last_characters_of_code_and_message() -> None:
    assert str(OperationFailed("PUT", LB, "Failed", "ErrX")) == f"Network Controller's PUT {LB} ended Failed: ErrX"
    assert str(OperationFailed("PUT", LB, "Failed", "C", "by VM-X")) == (
        f"Network Controller's PUT {LB} ended Failed: C: by VM-X"
    )


def test_provisioning_details_keep_their_last_characters() -> None:
    resource = {"properties": {"configurationState": {"detailedInfo": [{"code": "InUse", "message": "by VM-X"}]}}}
    assert str(ProvisioningFailed(LB, resource)) == f"{LB} provisioning ended in Failed: InUse: by VM-X"


def test_arc_managed_says_where_to_manage_the_object() -> None:
    e = ArcManaged(LB)
    assert e.ref == LB
    assert str(e) == (
        f'{LB} is managed by Azure Arc (resourceMetadata.client = "Network Resource Provider"). SDN enabled by Arc '
        "and on-premises management of the same objects are mutually exclusive: manage it from Azure (Azure "
        "portal, az stack-hci-vm, ARM templates) instead of this provider."
    )


# -- refs ---------------------------------------------------------------------------------------------------
def test_parse_keeps_ids_that_end_in_any_letter() -> None:
    assert LOAD_BALANCER.parse("/loadBalancers/MyLbX/").id == "MyLbX"
    assert refs.child_ref("/loadBalancers/lbX", "probes", "p") == "/loadBalancers/lbX/probes/p"
    assert refs.last_segment("/loadBalancers/lbX/") == "lbX"


def test_ids_compare_by_lower_case() -> None:
    assert LOAD_BALANCER.ref("STRAßE") == LOAD_BALANCER.ref("straße")
    assert LOAD_BALANCER.ref("straße") != LOAD_BALANCER.ref("strasse")  # equal in upper case, not in lower
    assert isinstance(LOAD_BALANCER.ref("a"), Ref)


def test_resource_ref_that_is_not_a_string_is_none() -> None:
    assert refs.resource_ref({"resourceRef": 5}) is None


def test_parse_any_tolerates_a_missing_leading_slash_unless_rooted() -> None:
    assert str(refs.parse_any("virtualNetworks/v/subnets/s", SUBNETS, "subnet")) == "/virtualNetworks/v/subnets/s"
    with pytest.raises(MalformedRef) as caught:
        refs.parse_any("virtualNetworks/v/subnets/s", SUBNETS, "subnet", rooted=True)
    assert str(caught.value) == (
        '"virtualNetworks/v/subnets/s" is not a subnet resourceRef (/virtualNetworks/<vnet>/subnets/<subnet> or '
        "/logicalNetworks/<lnet>/subnets/<subnet>), e.g. /virtualNetworks/MyNetwork/subnets/Subnet2"
    )
    with pytest.raises(MalformedRef) as caught:
        refs.parse_any("/x", (LOAD_BALANCER,), "load balancer")
    assert str(caught.value) == (
        '"/x" is not a load balancer resourceRef (/loadBalancers/<lb>), e.g. /loadBalancers/MyNetwork_InternalVIP'
    )


def test_a_409_whose_first_wait_would_end_exactly_at_the_deadline_is_raised(nc_server, clock: Clock) -> None:
    script, uri = nc_server
    script.on("PUT", LB, (409, {}, error("Conflict", "busy")), (200, {}, doc()))
    script.on("GET", LB, (200, {}, doc("Updating")))
    with pytest.raises(NCError):
        clocked(uri, clock).put(LB, {"properties": {}}, deadline=clock.now + 0.01)
    assert script.calls() == [("PUT", LB)]
