"""Provider schema and configuration. Clients are built lazily, at the first CRUD call."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from copy import deepcopy
from typing import TYPE_CHECKING, Any

from tf import types
from tf.schema import Attribute, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.errors import NotConfigured
from sdn_provider.framework import STOP_REQUESTED, is_known
from sdn_provider.nc import KeyedLocks
from sdn_provider.validation import check_duration, check_enum, parse_duration

if TYPE_CHECKING:
    from sdn_provider.nc.client import NCClient

SOURCE_ADDRESS = "registry.terraform.io/windows-sdn/sdn"
#: NC REST client authentication modes (NCSettings.auth).
NC_AUTH_MODES = ("none", "certificate", "negotiate", "kerberos")
DEFAULT_OPERATION_TIMEOUT = "30m"

# (attribute, type, env var, description, sensitive)
_SETTINGS: list[tuple[str, types.TfType, str, str, bool]] = [
    (
        "network_controller_uri",
        types.String(),
        "SDN_NETWORK_CONTROLLER_URI",
        "Base URI of the Network Controller REST endpoint, e.g. `https://nc.contoso.com`. The provider appends "
        "`/networking/v1`.",
        False,
    ),
    (
        "auth",
        types.String(),
        "SDN_AUTH",
        "How the provider authenticates to NC's REST API, matching NC's `-ClientAuthentication`: `none` (default; "
        "NC's `None`), `certificate` (an X509 client certificate, NC's `X509`: its thumbprint must be in "
        "`ClientCertificateThumbprint`), `negotiate` (HTTP Negotiate, Kerberos falling back to NTLM as Microsoft's own "
        "clients do, for NC's `Kerberos` mode; the account must be in NC's `ClientSecurityGroup`: with "
        "`username`/`password` the provider logs on with them, without `username` Kerberos uses the ticket cache "
        "(`kinit`), which needs `pip install 'terraform-provider-sdn[kerberos]'`) or `kerberos` (the same without the "
        "NTLM fallback).",
        False,
    ),
    (
        "username",
        types.String(),
        "SDN_USERNAME",
        'Account for `auth = "negotiate"` / `"kerberos"`, as `user@REALM` or `DOMAIN\\user` (a member of NC\'s '
        "ClientSecurityGroup). Unset: the Kerberos ticket cache (`kinit`).",
        False,
    ),
    ("password", types.String(), "SDN_PASSWORD", "Password of `username`.", True),
    (
        "spn_hostname",
        types.String(),
        "SDN_SPN_HOSTNAME",
        "Host name for NC's Kerberos service principal (`HTTP/<spn_hostname>`), when `network_controller_uri` uses "
        "an IP address or an alias: Kerberos needs the REST name NC's certificate and SPN were issued for.",
        False,
    ),
    (
        "ca_cert_file",
        types.String(),
        "SDN_CA_CERT_FILE",
        "PEM bundle of the CA that signed Network Controller's certificate (default: the system trust store). TLS "
        "verification is always on unless `insecure = true`.",
        False,
    ),
    (
        "insecure",
        types.Bool(),
        "SDN_INSECURE",
        "Skip TLS certificate verification of Network Controller. Only for labs; default false. Setting it together "
        "with `ca_cert_file` is refused at plan time (one of the two is a mistake).",
        False,
    ),
    (
        "client_cert_file",
        types.String(),
        "SDN_CLIENT_CERT_FILE",
        'PEM client certificate for `auth = "certificate"`.',
        False,
    ),
    (
        "client_key_file",
        types.String(),
        "SDN_CLIENT_KEY_FILE",
        "PEM private key of the client certificate (when not inside `client_cert_file`).",
        False,
    ),
    (
        "request_timeout",
        types.Number(),
        "SDN_REQUEST_TIMEOUT",
        "Seconds to wait for one HTTP answer from Network Controller (default 30).",
        False,
    ),
    (
        "max_retries",
        types.Number(),
        "SDN_MAX_RETRIES",
        "Retries of one request on connection errors, 429 and 5xx, with exponential backoff (0.2 s doubling, capped "
        "at 5 s) and jitter; `Retry-After` is honoured (default 5).",
        False,
    ),
    (
        "operation_timeout",
        types.String(),
        "SDN_OPERATION_TIMEOUT",
        "Default time a create/update/delete may take, NC provisioning included (default `30m`); "
        "each resource's `timeouts` block overrides it.",
        False,
    ),
    ("winrm_username", types.String(), "SDN_WINRM_USERNAME", "User for remote PowerShell on the cluster nodes.", False),
    ("winrm_password", types.String(), "SDN_WINRM_PASSWORD", "Password of `winrm_username`.", True),
    (
        "winrm_auth",
        types.String(),
        "SDN_WINRM_AUTH",
        "WinRM authentication: `ntlm` (default), `kerberos`, `credssp`, `certificate` or `basic`. On a domain, "
        "creating a cluster and changing its members need `credssp` (or `kerberos` with `winrm_kerberos_delegate`); "
        "plan warns otherwise.",
        False,
    ),
    ("winrm_port", types.Number(), "SDN_WINRM_PORT", "WinRM port (default 5986 over HTTPS, 5985 over HTTP).", False),
    ("winrm_use_https", types.Bool(), "SDN_WINRM_USE_HTTPS", "Use HTTPS for WinRM (default true).", False),
    (
        "winrm_ca_cert_file",
        types.String(),
        "SDN_WINRM_CA_CERT_FILE",
        "PEM file of the CA that signed the nodes' WinRM certificates (default: the system store).",
        False,
    ),
    (
        "winrm_insecure",
        types.Bool(),
        "SDN_WINRM_INSECURE",
        "Skip TLS certificate verification for WinRM. Only for labs; default false.",
        False,
    ),
    (
        "winrm_allow_unencrypted",
        types.Bool(),
        "SDN_WINRM_ALLOW_UNENCRYPTED",
        "Allow `basic` WinRM authentication over plain HTTP (the password in the clear). NTLM, Kerberos and CredSSP "
        "over HTTP are message-encrypted by pypsrp and need neither this nor the node's `AllowUnencrypted`. Default "
        "false.",
        False,
    ),
    (
        "winrm_cert_file",
        types.String(),
        "SDN_WINRM_CERT_FILE",
        'PEM client certificate for `winrm_auth = "certificate"`.',
        False,
    ),
    ("winrm_key_file", types.String(), "SDN_WINRM_KEY_FILE", "PEM key of `winrm_cert_file`.", False),
    (
        "winrm_kerberos_delegate",
        types.Bool(),
        "SDN_WINRM_KERBEROS_DELEGATE",
        'With `winrm_auth = "kerberos"`, request a delegable ticket (pypsrp\'s `negotiate_delegate`) so cluster '
        "writes (New-Cluster, Add-ClusterNode, Remove-ClusterNode, Remove-Cluster) can reach AD and the other nodes. "
        "Default false.",
        False,
    ),
    (
        "winrm_command_timeout",
        types.Number(),
        "SDN_WINRM_COMMAND_TIMEOUT",
        "Seconds one remote PowerShell command may run before it is terminated (WinRS Signal Terminate) and reported "
        "with the node and the command (default 900).",
        False,
    ),
]
_MAP_SETTINGS = [
    (
        "winrm_endpoints",
        "SDN_WINRM_ENDPOINTS",
        "Map of cluster node name to WinRM endpoint URL, for nodes reached through another address or port "
        "(a jump host, or the emulator's `https://127.0.0.1:55986/wsman`); other nodes are reached at "
        "`https://<node>:5986/wsman`. In the environment: `DB1=url,DB2=url`.",
    ),
]


#: How long one GET may answer other reads of the same object (memberships of one NIC in one refresh).
READ_TTL = 1.0


class ReadCache:
    """One GET per object for the concurrent reads of one operation, never stale after our own write.

    Reads of the same ref wait for a GET already in flight instead of sending their own; its answer is
    reused for READ_TTL seconds from when it was sent. `forget(ref)` (called by our writes, after NC
    answered) drops the entry and marks GETs still in flight as too old to keep. Cleared on every
    ConfigureProvider, so a long-lived (reattach) process never carries answers from one command to the next.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights = KeyedLocks()
        self._entries: dict[str, tuple[float, Any]] = {}
        self._writes: dict[str, int] = {}
        self._prefix_writes: dict[str, int] = {}  # forget_prefix's counterpart of _writes

    def get(self, ref: str, fetch: Callable[[], Any], ttl: float = READ_TTL) -> Any:
        key = ref.lower()
        with self._flights.hold(key):
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None and time.monotonic() - hit[0] < ttl:
                    return deepcopy(hit[1])
                writes, sent = self._write_count(key), time.monotonic()
            value = fetch()
            with self._lock:
                if self._write_count(key) == writes:
                    self._entries[key] = (sent, value)
            return deepcopy(value)

    def peek(self, ref: str, ttl: float = READ_TTL) -> Any:
        """The cached answer for `ref` (a copy), or None when there is none or it is too old; never fetches."""
        with self._lock:
            hit = self._entries.get(ref.lower())
            if hit is None or time.monotonic() - hit[0] >= ttl:
                return None
            return deepcopy(hit[1])

    def fresh(self, prefix: str, ttl: float = READ_TTL) -> dict[str, Any]:
        """Copies of the answers cached under keys starting with `prefix` (lower-cased keys), younger than `ttl`;
        never fetches."""
        prefix, now = prefix.lower(), time.monotonic()
        with self._lock:
            return {k: deepcopy(v) for k, (t, v) in self._entries.items() if k.startswith(prefix) and now - t < ttl}

    def forget(self, ref: str) -> None:
        key = ref.lower()
        with self._lock:
            self._entries.pop(key, None)
            self._writes[key] = self._writes.get(key, 0) + 1

    def forget_prefix(self, prefix: str) -> None:
        """`forget` every key starting with `prefix` (a write that may change several cached answers)."""
        prefix = prefix.lower()
        with self._lock:
            for key in [k for k in self._entries if k.startswith(prefix)]:
                del self._entries[key]
            self._prefix_writes[prefix] = self._prefix_writes.get(prefix, 0) + 1

    def _write_count(self, key: str) -> int:
        """Writes that concern `key` so far; a fetch is kept only if none happened while it was in flight."""
        return self._writes.get(key, 0) + sum(n for p, n in self._prefix_writes.items() if key.startswith(p))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class SdnProvider:
    """The `sdn` provider: holds configuration and the shared, lazily built clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.config: dict[str, Any] = {}
        self._nc: NCClient | None = None
        self.nc_locks = KeyedLocks()
        self.reads = ReadCache()
        # VIP -> {load balancer resource_id: probe ports of its rules} of the load balancers this process has
        # planned since ConfigureProvider: the cluster IP cross-check sees a load balancer the same plan creates.
        self.planned_frontends: dict[str, dict[str, frozenset[int]]] = {}

    # -- tf.iface.Provider ----------------------------------------------------------------------
    def get_model_prefix(self) -> str:
        return "sdn_"

    def full_name(self) -> str:
        return SOURCE_ADDRESS

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        attrs = [
            Attribute(name, t, description=f"{desc} Environment: `{env}`.", optional=True, sensitive=sens)
            for name, t, env, desc, sens in _SETTINGS
        ]
        attrs += [
            Attribute(name, types.Map(types.String()), description=f"{desc} Environment: `{env}`.", optional=True)
            for name, env, desc in _MAP_SETTINGS
        ]
        return Schema(version=0, attributes=attrs)

    def validate_config(self, diags: Diagnostics, config: dict) -> None:
        check_enum(diags, config.get("auth"), ["auth"], NC_AUTH_MODES, "auth")
        _check_exclusive(diags, config, "insecure", "ca_cert_file")
        _check_exclusive(diags, config, "winrm_insecure", "winrm_ca_cert_file")
        if is_known(config.get("password")) and config.get("password") and not config.get("username"):
            diags.add_error(
                "password without username",
                'password is only used with username (auth = "negotiate" or "kerberos").',
                path=["password"],
            )
        check_enum(
            diags,
            config.get("winrm_auth"),
            ["winrm_auth"],
            ("ntlm", "kerberos", "credssp", "certificate", "basic"),
            "winrm_auth",
        )
        check_duration(diags, config.get("operation_timeout"), ["operation_timeout"])
        if (
            config.get("auth") == "certificate"
            and config.get("client_cert_file") is None
            and not os.environ.get("SDN_CLIENT_CERT_FILE")
        ):
            diags.add_error(
                "Missing client certificate", 'auth = "certificate" needs client_cert_file.', path=["client_cert_file"]
            )

    def configure_provider(self, diags: Diagnostics, config: dict) -> None:
        merged: dict[str, Any] = {}
        for name, t, env, _, _ in _SETTINGS:
            value = config.get(name)
            if value is None and os.environ.get(env):
                value = _from_env(t, os.environ[env])
            merged[name] = value
        for name, env, _ in _MAP_SETTINGS:
            value = config.get(name)
            if value is None and os.environ.get(env):
                value = dict(item.split("=", 1) for item in os.environ[env].split(",") if "=" in item)
            merged[name] = value
        with self._lock:
            self.config = merged
            self._nc = None  # reattach mode: one process serves many configurations
            self.reads.clear()
            self.planned_frontends = {}
        STOP_REQUESTED.clear()

    def get_data_sources(self) -> list:
        from sdn_provider.data_sources import DATA_SOURCES

        return DATA_SOURCES

    def get_resources(self) -> list:
        from sdn_provider.resources import RESOURCES

        return RESOURCES

    def get_functions(self) -> list:
        return []

    def new_resource(self, klass):
        return klass(self)

    def new_data_source(self, klass):
        return klass(self)

    # -- clients ----------------------------------------------------------------------------------
    def setting(self, name: str, default: Any = None) -> Any:
        value = self.config.get(name)
        if value is Unknown:
            raise NotConfigured(f"provider setting {name} is not known yet; it must be known before this operation")
        return default if value is None else value

    @property
    def nc(self) -> NCClient:
        with self._lock:
            if self._nc is None:
                uri = self.setting("network_controller_uri")
                if not uri:
                    raise NotConfigured(
                        "network_controller_uri is not set: set it in the provider block or SDN_NETWORK_CONTROLLER_URI"
                    )
                from sdn_provider.nc.client import NCClient, NCSettings

                self._nc = NCClient(
                    NCSettings(
                        uri=uri,
                        auth=self.setting("auth", "none"),
                        ca_cert_file=self.setting("ca_cert_file"),
                        insecure=bool(self.setting("insecure", False)),
                        client_cert_file=self.setting("client_cert_file"),
                        client_key_file=self.setting("client_key_file"),
                        username=self.setting("username"),
                        password=self.setting("password"),
                        spn_hostname=self.setting("spn_hostname"),
                        request_timeout=float(self.setting("request_timeout", 30)),
                        max_retries=int(self.setting("max_retries", 5)),
                    ),
                    stop_event=STOP_REQUESTED,
                )
            return self._nc

    def plan_frontends(self, lb_id: str, probe_ports: dict[str, set[int]]) -> None:
        """Record what a planned load balancer will serve: its VIPs and the probe ports of their rules."""
        with self._lock:
            for by_lb in self.planned_frontends.values():
                for planned_id in [k for k in by_lb if k.lower() == lb_id.lower()]:
                    del by_lb[planned_id]
            for vip, ports in probe_ports.items():
                self.planned_frontends.setdefault(vip, {})[lb_id] = frozenset(ports)

    def planned_probe_ports(self, vip: str) -> dict[str, frozenset[int]]:
        """{load balancer resource_id: probe ports} of the load balancers planned with `vip` (a copy)."""
        with self._lock:
            return dict(self.planned_frontends.get(vip, {}))

    def read(self, ref: str) -> dict | None:
        """GET `ref` through the read cache: for reads only, never for the GET before a write (it needs a
        current etag)."""
        return self.reads.get(ref, lambda: self.nc.get(ref))

    def operation_timeout(self, timeouts: dict | None, op: str) -> float:
        """Seconds allowed for `op` (create/read/update/delete): resource block, then provider, then 30m."""
        value = (timeouts or {}).get(op) if isinstance(timeouts, dict) else None
        if not is_known(value):
            value = self.setting("operation_timeout", DEFAULT_OPERATION_TIMEOUT)
        return parse_duration(value)


def _check_exclusive(diags: Diagnostics, config: dict, flag: str, other: str) -> None:
    """`flag = true` next to `other`: one of the two settings is a mistake, and silently preferring one hides it."""
    if config.get(flag) is True and is_known(config.get(other)) and config.get(other):
        diags.add_error(
            f"{flag} conflicts with {other}",
            f"{flag} = true skips the certificate check that {other} configures; set only one of them.",
            path=[flag],
        )


def _from_env(t: types.TfType, raw: str) -> Any:
    if isinstance(t, types.Bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(t, types.Number):
        return float(raw)
    return raw
