"""The NC client facing malformed answers (non-JSON, HTML error pages, empty bodies, wrong types, missing
fields): always an NC client error with a readable message, never a crash. A fake requests adapter stands
in for the network (nothing leaves the process)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from sdn_provider.nc import NCClient, NCClientError, NCError, NCSettings


class FakeAdapter(HTTPAdapter):
    """Answers every request with one canned (status, content-type, body)."""

    def __init__(self, status: int, ctype: str, body: bytes) -> None:
        super().__init__()
        self.answer = (status, ctype, body)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        status, ctype, body = self.answer
        resp = requests.Response()
        resp.status_code, resp._content, resp.url, resp.request = status, body, request.url, request
        resp.headers["Content-Type"] = ctype
        resp.headers["x-ms-request-id"] = "req-1"
        resp.reason = "Whatever"
        return resp


def client(status: int, ctype: str, body: bytes) -> NCClient:
    nc = NCClient(
        NCSettings(uri="http://nc.invalid", max_retries=0, poll_initial=0.001, poll_max=0.001), sleep=lambda s: None
    )
    nc.session.mount("http://", FakeAdapter(status, ctype, body))
    return nc


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# NC-shaped documents with wrong types where fields are expected.
NC_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "properties": JSONISH
        | st.fixed_dictionaries(
            {},
            optional={
                "provisioningState": JSONISH | st.sampled_from(["Succeeded", "Failed", "Updating"]),
                "configurationState": JSONISH | st.fixed_dictionaries({"detailedInfo": JSONISH}),
            },
        ),
        "error": JSONISH
        | st.fixed_dictionaries(
            {},
            optional={
                "code": JSONISH,
                "message": JSONISH,
                "target": JSONISH,
                "details": JSONISH,
                "innerError": JSONISH,
            },
        ),
        "etag": JSONISH,
    },
)
BODIES = (
    st.sampled_from([b"", b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"{", b"null", b"\xff\xfe"])
    | st.binary(max_size=64)
    | (JSONISH | NC_SHAPED).map(lambda v: json.dumps(v).encode())
)
STATUSES = st.sampled_from([200, 201, 202, 204, 400, 401, 403, 404, 409, 412, 429, 500, 502, 503])
CTYPES = st.sampled_from(["application/json", "text/html", "text/plain", ""])


def exercise(nc: NCClient) -> None:
    for call in (
        lambda: nc.get("/loadBalancers/x"),
        lambda: nc.put("/loadBalancers/x", {"properties": {}}),
        lambda: nc.delete("/loadBalancers/x", time.monotonic() + 0.05),
        lambda: nc.wait_for_operation("DELETE", "/loadBalancers/x", "/operationResults/1", time.monotonic() + 0.05),
        lambda: nc.wait_for_provisioning("/loadBalancers/x", time.monotonic() + 0.05),
        lambda: nc.wait_for_deletion("/loadBalancers/x", time.monotonic() + 0.05),
    ):
        try:
            call()
        except NCClientError as exc:
            assert str(exc).strip(), "an NC client error must say what went wrong"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=STATUSES, ctype=CTYPES, body=BODIES)
def test_malformed_answers_raise_client_errors_only(status: int, ctype: str, body: bytes) -> None:
    exercise(client(status, ctype, body))


def test_html_error_page_is_quoted() -> None:
    nc = client(502, "text/html", b"<html><title>502 Bad Gateway</title></html>")
    try:
        nc.get("/loadBalancers/x")
    except NCError as exc:
        assert exc.status == 502 and "Bad Gateway" in str(exc) and "req-1" in str(exc)
    else:
        raise AssertionError("a 502 HTML page must be an NCError")


def test_success_with_non_json_body_is_an_error() -> None:
    nc = client(200, "text/plain", b"OK")
    try:
        nc.get("/loadBalancers/x")
    except NCError as exc:
        assert "not JSON" in str(exc)
    else:
        raise AssertionError("a 200 without JSON must be an NCError")
