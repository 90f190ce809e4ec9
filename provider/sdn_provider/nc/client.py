"""The one Network Controller REST client: every HTTP behaviour of the provider lives here.

Pipeline (azure-core style, composed once per provider process):
  session (keep-alive pool) -> auth (none | client certificate | Negotiate: Kerberos, falling back to NTLM)
  -> TLS verification (on by default; custom CA; explicit `insecure`)
  -> retries with exponential backoff + jitter on connection errors, 429 and 5xx (urllib3 Retry,
     honours Retry-After; PUT and DELETE are idempotent in NC so they are retried too)
  -> 409 decided by provisioningState, never by error code ([MS-NCNBI] 1.3.3.3 names the states, not the
     codes): retried while the resource or its parent is Updating/Deleting, refused at once under a Failed parent
  -> error mapping (NC's code, message, innerError, target and x-ms-request-id quoted in every error)
  -> asynchronous operations followed through `Azure-AsyncOperation`/`Location` -> `/operationResults/{id}`
     ([MS-NCNBI] 1.3.2.1), honouring Retry-After, failing with NC's error when the operation ends Failed
  -> provisioningState polling (every 0.2 s, then a tenth of the time waited, cap 5 s) bounded by a deadline.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sdn_provider.nc.errors import (
    NCConnectionError,
    NCError,
    NCTimeoutError,
    OperationFailed,
    ProvisioningFailed,
)
from sdn_provider.nc.refs import provisioning_state, top_level

log = logging.getLogger("sdn.nc")

API_PREFIX = "/networking/v1"
#: provisioningState values of an operation still running ([MS-NCNBI] 1.3.2.4).
BUSY_STATES = frozenset({"updating", "deleting"})
#: Terminal statuses of an operationResults document other than Succeeded ([MS-NCNBI] 3.1.5.13).
FAILED_OPERATIONS = frozenset({"failed", "canceled", "cancelled"})


@dataclass(frozen=True)
class NCSettings:
    uri: str
    auth: str = "none"  # none | certificate | negotiate | kerberos (Negotiate restricted to Kerberos)
    ca_cert_file: str | None = None
    insecure: bool = False
    client_cert_file: str | None = None
    client_key_file: str | None = None
    username: str | None = None
    password: str | None = None
    spn_hostname: str | None = None
    request_timeout: float = 30.0
    max_retries: int = 5
    poll_initial: float = 0.2
    poll_max: float = 5.0


class NCClient:
    """Thread-safe client: one keep-alive session per provider process, shared by all resources."""

    def __init__(
        self,
        settings: NCSettings,
        stop_event: threading.Event | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.base = settings.uri.rstrip("/") + API_PREFIX
        self._stop = stop_event
        self._sleep = sleep
        self.session = self._build_session(settings)

    @staticmethod
    def _build_session(s: NCSettings) -> requests.Session:
        session = requests.Session()
        retry = _NoTlsRetry(
            total=s.max_retries,
            connect=s.max_retries,
            read=s.max_retries,
            status=s.max_retries,
            backoff_factor=0.2,
            backoff_max=5.0,
            backoff_jitter=0.2,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "PUT", "DELETE"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=32)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update({"Accept": "application/json"})
        # Read the environment (HTTPS_PROXY/NO_PROXY, REQUESTS_CA_BUNDLE) once for NC's one base URL, then stop
        # requests from re-reading it: with trust_env it walks os.environ several times per request, which
        # was a quarter of the provider's CPU in a large refresh. An explicit ca_cert_file or insecure wins.
        env = session.merge_environment_settings(s.uri, {}, None, None, None)
        session.trust_env = False
        session.proxies = env["proxies"]
        session.verify = False if s.insecure else (s.ca_cert_file or env["verify"])
        if s.auth == "certificate":
            session.cert = (s.client_cert_file, s.client_key_file) if s.client_key_file else s.client_cert_file
        elif s.auth in ("negotiate", "kerberos"):
            session.auth = _negotiate_auth(s)
        return session

    # -- raw verbs ------------------------------------------------------------------------------
    def url(self, ref: str) -> str:
        return self.base + quote(ref, safe="/")

    def request(
        self, method: str, ref: str, body: Any = None, etag: str | None = None, deadline: float | None = None
    ) -> tuple[int, Any, requests.Response | None]:
        """One NC call; returns (status, parsed body, response). Raises NCError for >= 400 except 404."""
        headers = {}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json; charset=UTF-8"
            data = json.dumps(body).encode()
        if etag:
            headers["If-Match"] = etag
        deadline = deadline or time.monotonic() + 300
        delay = self.settings.poll_initial
        settled_retry = method == "PUT"  # see below: one retry of a PUT whose conflict has already cleared
        while True:
            resp = self._send(method, self.url(ref), data, headers, ref)
            log.debug(
                "%s %s -> %s (x-ms-request-id: %s)",
                method,
                ref,
                resp.status_code,
                resp.headers.get("x-ms-request-id", ""),
            )
            if resp.status_code == 404:
                return 404, None, resp
            if resp.status_code < 400:
                return resp.status_code, _json_or_none(resp), resp
            error = self._error(resp, method, ref)
            if error.status == 412 and method == "PUT" and body is not None and _answer_lost(resp):
                landed = self._landed(ref, body)
                if landed is not None:
                    return 200, landed, resp
            retry = error.status == 409 and method != "GET" and time.monotonic() + delay < deadline
            verdict = self._conflict(ref, error) if retry else "refused"
            if verdict == "busy" or (verdict == "settled" and settled_retry):
                # "settled": nothing is busy any more when we look, but the PUT was refused while something
                # was; the busy window may just have closed, so try once more (a DELETE of a resource still
                # referenced is refused while everything is Succeeded: not retried).
                settled_retry = settled_retry and verdict != "settled"
                self._wait(delay)
                delay = min(delay * 1.5, self.settings.poll_max)
                continue
            raise error

    def _send(self, method: str, url: str, data: bytes | None, headers: dict, ref: str) -> requests.Response:
        try:
            return self.session.request(method, url, data=data, headers=headers, timeout=self.settings.request_timeout)
        except requests.exceptions.SSLError as exc:
            raise NCConnectionError(_tls_advice(exc, self.settings)) from exc
        except requests.exceptions.RequestException as exc:
            raise NCConnectionError(
                f"cannot reach Network Controller at {self.settings.uri} ({method} {ref}): {_root_cause(exc)}"
            ) from exc

    def _conflict(self, ref: str, error: NCError) -> str:
        """What a 409 means, from provisioningState ([MS-NCNBI] 1.3.3.3 refuses a write while the resource's
        parent is Updating, Deleting or Failed, and a DELETE of something still referenced; the error codes are
        not specified): "busy" when the resource or its top-level parent is Updating/Deleting (retry), "failed"
        under a Failed parent (refused until someone repairs it; the reason is added to the error), "settled"
        when everything is terminal now, "refused" when it cannot be read."""
        for target in _ancestry(ref):
            try:
                doc = self.get(target)
            except NCError:
                return "refused"
            state = provisioning_state(doc).lower() if doc is not None else "missing"
            if state in BUSY_STATES:
                log.info("%s: 409 while %s is %s; retrying", ref, target, provisioning_state(doc))
                return "busy"
            if state == "failed" and target != ref:
                error.message += (
                    f" ({target} is in provisioningState Failed: Network Controller refuses changes under it until "
                    "it is repaired or re-applied)"
                )
                return "failed"
        return "settled"

    def _landed(self, ref: str, body: Any) -> dict | None:
        """After a retried PUT (the first answer was lost: timeout or dropped connection) NC refused the
        retry with 412 because the first attempt had already applied and renewed the etag. If NC now holds
        exactly what we sent, that PUT is ours: report success instead of a false "changed outside"."""
        live = self.get(ref)
        if live is not None and _contains(body, live):
            log.info("PUT %s: the answer was lost but the write landed (412 on the retry); continuing", ref)
            return live
        return None

    @staticmethod
    def _error(resp: requests.Response, method: str, ref: str) -> NCError:
        request_id = resp.headers.get("x-ms-request-id", "")
        body = _json_or_none(resp)
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            text = resp.text[:200].strip() or resp.reason or "no body"
            return NCError(
                resp.status_code,
                "UnexpectedResponse",
                f"non-NC error body: {text}",
                request_id=request_id,
                method=method,
                ref=ref,
            )
        details = err.get("details") if isinstance(err.get("details"), list) else []
        inner = err.get("innerError")
        return NCError(
            resp.status_code,
            str(err.get("code") or "Unknown"),
            str(err.get("message") or ""),
            str(err.get("target") or ""),
            request_id,
            details,
            method,
            ref,
            inner if isinstance(inner, str) else json.dumps(inner) if inner else "",
        )

    def get(self, ref: str) -> dict | None:
        _, body, _ = self.request("GET", ref)
        if body is not None and not isinstance(body, dict):
            raise NCError(
                200,
                "UnexpectedResponse",
                f"expected a JSON object for {ref}, got {type(body).__name__}",
                method="GET",
                ref=ref,
            )
        return body

    def put(self, ref: str, body: dict, etag: str | None = None, deadline: float | None = None) -> dict:
        _, result, _ = self.request("PUT", ref, body, etag, deadline)
        return result if isinstance(result, dict) else {}  # no usable answer: polling GETs the resource

    def delete(self, ref: str, deadline: float, etag: str | None = None) -> bool:
        """DELETE and wait until NC has finished it; False when the resource was already gone.

        NC answers 202 with `Azure-AsyncOperation`/`Location` ([MS-NCNBI] 1.3.2.1): the operation is followed
        until it ends, and a Failed one raises OperationFailed with NC's error at once (waiting for a 404 would
        hang until the deadline). Without those headers the resource is polled until it is gone."""
        status, _, resp = self.request("DELETE", ref, etag=etag, deadline=deadline)
        if status == 404:
            return False
        operation = _operation_ref(resp)
        if operation is None or not self.wait_for_operation("DELETE", ref, operation, deadline, _retry_after(resp)):
            self.wait_for_deletion(ref, deadline)
        return True

    # -- polling --------------------------------------------------------------------------------
    def wait_for_operation(
        self, method: str, ref: str, operation: str, deadline: float, retry_after: float | None = None
    ) -> bool:
        """Poll `/operationResults/{id}` until it ends: 202 or status InProgress means running ([MS-NCNBI]
        1.3.2.1), Succeeded returns True, Failed/Canceled raise OperationFailed carrying NC's error (3.1.5.13).
        An operation NC no longer knows (404) returns False: the caller checks the resource itself."""
        started = time.monotonic()
        while True:
            delay = self._poll_delay(started, retry_after)
            if time.monotonic() + delay > deadline:
                raise NCTimeoutError(f"{method} {ref} did not finish in time (operation {operation} still running)")
            self._wait(delay)
            status, doc, resp = self.request("GET", operation, deadline=deadline)
            if status == 404:
                return False
            retry_after = _retry_after(resp)
            result = str(_key(doc, "status") or "").lower()
            if status == 202 or result in ("inprogress", "running", "accepted"):
                continue  # a 200 without a status is "the same response a synchronous call would give": done
            if result in FAILED_OPERATIONS:
                err = _key(doc, "error")
                raise OperationFailed(
                    method,
                    ref,
                    str(_key(doc, "status")),
                    str(_key(err, "code") or ""),
                    str(_key(err, "message") or ""),
                    operation,
                )
            return True

    def wait_for_provisioning(self, ref: str, deadline: float, first: dict | None = None) -> dict:
        """Poll until Succeeded (returned) or Failed (ProvisioningFailed); NCTimeoutError at the deadline."""
        started = time.monotonic()
        resource = first
        while True:
            if resource is not None:
                state = provisioning_state(resource)
                if state == "Succeeded":
                    return resource
                if state == "Failed":
                    raise ProvisioningFailed(ref, resource)
            delay = self._poll_delay(started)
            if time.monotonic() + delay > deadline:
                raise NCTimeoutError(
                    f"{ref} did not finish provisioning in time (last state: {provisioning_state(resource)})"
                )
            self._wait(delay)
            resource = self.get(ref)
            if resource is None:
                raise NCError(404, "NotFound", f"{ref} disappeared while it was provisioning", method="GET", ref=ref)

    def wait_for_deletion(self, ref: str, deadline: float) -> None:
        started = time.monotonic()
        while (resource := self.get(ref)) is not None:
            if provisioning_state(resource) == "Failed":
                raise ProvisioningFailed(ref, resource)
            delay = self._poll_delay(started)
            if time.monotonic() + delay > deadline:
                raise NCTimeoutError(f"{ref} was still present when the delete timeout expired")
            self._wait(delay)

    def _poll_delay(self, started: float, retry_after: float | None = None) -> float:
        """A tenth of the time waited so far, within [poll_initial, poll_max]: quick for NC's usual seconds,
        and never more than ~10% late (x1.5 backoff could overshoot the finish by up to half the wait).
        NC's Retry-After hint, when it sent one, is followed, but never beyond poll_max: NC's own clients
        default to 60 s ([MS-NCNBI] 1.3.2.1), which would make a 2-second delete take a minute."""
        if retry_after is not None:
            return min(max(retry_after, self.settings.poll_initial), self.settings.poll_max)
        waited = time.monotonic() - started
        return min(max(self.settings.poll_initial, 0.1 * waited), self.settings.poll_max)

    def _wait(self, seconds: float) -> None:
        seconds *= random.uniform(0.9, 1.1)
        if self._stop is not None:
            self._stop.wait(seconds)  # returns early on StopProvider; the next check still runs
        else:
            self._sleep(seconds)


class _NoTlsRetry(Retry):
    """urllib3's Retry, except that a TLS failure (unknown CA, expired or misnamed certificate, a refused client
    certificate) is not retried: the same handshake fails the same way, and five retries only add ~9 s."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[override]
        if isinstance(error, urllib3.exceptions.SSLError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _tls_advice(exc: BaseException, s: NCSettings) -> str:
    """The real cause of a TLS failure, and the setting that fixes it."""
    cause = _root_cause(exc)
    # OpenSSL names the alert either in words or by its reason code (TLSV13_ALERT_CERTIFICATE_REQUIRED).
    text = cause.lower().replace("_", " ")
    verification = f"TLS verification of {s.uri} failed: "
    if "expired" in text:
        return verification + f"Network Controller's certificate has expired ({cause}); renew NC's REST certificate."
    if "mismatch" in text or "doesn't match" in text or "not valid for" in text:
        return verification + (
            f"the certificate is not issued for {urlsplit(s.uri).hostname!r} ({cause}); use the REST name (or IP) "
            "that NC's certificate names in network_controller_uri."
        )
    # Over TLS 1.3 a server that wants a client certificate fails the handshake after the client has verified
    # it, and the client often sees only the closed connection ("EOF occurred in violation of protocol").
    closed = "eof occurred in violation of protocol" in text or "unexpected eof" in text
    if closed or "certificate required" in text or "handshake failure" in text or "bad certificate" in text:
        if s.auth != "certificate":
            return (
                f"TLS handshake with {s.uri} failed: Network Controller asks for a client certificate ({cause}); set "
                'auth = "certificate" with client_cert_file (and client_key_file).'
            )
        return (
            f"TLS handshake with {s.uri} failed: Network Controller refused the client certificate ({cause}); "
            "client_cert_file must be one of NC's ClientCertificateThumbprint certificates."
        )
    return verification + (
        f"the certificate is not trusted ({cause}). Set ca_cert_file to the CA that signed Network Controller's "
        "certificate (or insecure = true to skip verification, not recommended)."
    )


def _negotiate_auth(s: NCSettings) -> Any:
    """HTTP Negotiate through pyspnego (pypsrp's requests auth): Kerberos, falling back to NTLM, as Microsoft's
    NC clients do (`Invoke-WebRequest -Credential` or the logged-on user). Without a username, Kerberos uses the
    default ticket cache. The SPN is HTTP/<host>; Kerberos needs NC's REST FQDN, so `spn_hostname` overrides the
    URI's host when that is an IP address."""
    from pypsrp.negotiate import HTTPNegotiateAuth

    return HTTPNegotiateAuth(
        username=s.username or None,
        password=s.password if s.username else None,
        auth_provider="kerberos" if s.auth == "kerberos" else "negotiate",
        service="HTTP",
        hostname_override=s.spn_hostname or None,
        send_cbt=True,
    )


def _ancestry(ref: str) -> list[str]:
    """The resource's top-level parent first, then the resource itself when it is a child."""
    top = top_level(ref)
    return [top] if top == "/" + ref.strip("/") else [top, ref]


def _operation_ref(resp: requests.Response | None) -> str | None:
    """The NC path of the operation to follow, from `Azure-AsyncOperation` (preferred) or `Location`. Only the
    path is kept: polling goes to the configured endpoint with its credentials, never to another host."""
    if resp is None or resp.status_code != 202:
        return None
    for header in ("Azure-AsyncOperation", "Location"):
        path = urlsplit(resp.headers.get(header) or "").path
        if API_PREFIX.lower() in path.lower():
            tail = path[path.lower().index(API_PREFIX.lower()) + len(API_PREFIX) :]
            if tail.strip("/"):
                return tail
    return None


def _key(doc: Any, name: str) -> Any:
    """`doc[name]` with the key matched case-insensitively ([MS-NCNBI] 3.1.5.13's table writes `Status`, its
    JSON examples `status`); None when `doc` is not an object or has no such key."""
    if not isinstance(doc, dict):
        return None
    return next((v for k, v in doc.items() if isinstance(k, str) and k.lower() == name), None)


def _retry_after(resp: requests.Response | None) -> float | None:
    """Retry-After in seconds (NC sends delta-seconds); None when absent or not a number."""
    value = resp.headers.get("Retry-After") if resp is not None else None
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


#: Fields NC renews on every write (or computes); they never tell whether a write landed.
_VOLATILE = frozenset({"etag", "provisioningState", "configurationState", "instanceId"})


def _answer_lost(resp: requests.Response) -> bool:
    """True when urllib3 retried this request after a connection or read error (the answer was lost)."""
    retries = getattr(resp.raw, "retries", None)
    return any(h.error is not None for h in getattr(retries, "history", ()) or ())


def _contains(sent: Any, live: Any) -> bool:
    """Does NC's `live` document hold everything in `sent` (volatile fields ignored, strings compared
    case-insensitively as NC does for ids and refs)?"""
    if isinstance(sent, dict):
        return isinstance(live, dict) and all(
            k in _VOLATILE or (k in live and _contains(v, live[k])) for k, v in sent.items()
        )
    if isinstance(sent, list):
        return isinstance(live, list) and len(sent) == len(live) and all(map(_contains, sent, live))
    if isinstance(sent, str) and isinstance(live, str):
        return sent.lower() == live.lower()
    return sent == live


def _json_or_none(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        if resp.status_code < 400:
            raise NCError(
                resp.status_code,
                "UnexpectedResponse",
                f"Network Controller sent a body that is not JSON: {resp.text[:120]!r}",
            ) from None
        return None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    detail = getattr(exc, "verify_message", None) or getattr(exc, "reason", None)
    return str(detail or exc)
