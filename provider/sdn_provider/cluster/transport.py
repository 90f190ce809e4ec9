"""Remote PowerShell to failover-cluster nodes over WinRM.

Client library: pypsrp (``WSMan`` + ``WinRS`` + ``Process``). It is maintained, speaks WS-Management
directly, and supports NTLM/Kerberos/CredSSP/certificate/basic auth through pyspnego, including WinRM
message encryption over HTTP, so we do not have to write any of that ourselves.

Each call runs ``powershell.exe -NoProfile -NonInteractive -EncodedCommand <bootstrap>``, where the bootstrap is
a fixed four lines (``sdn_scripts/bootstrap.ps1``) that force UTF-8 output and read two base64 lines from stdin:
the program (the shared ``library.ps1`` followed by one shipped script) and the user's values as JSON. This is the
approach of Ansible's Windows exec wrapper (``bootstrap_wrapper.ps1`` reads its payload from ``$input``): the
command line stays far below cmd.exe's 8,191-character limit however long the scripts grow, and no user value
(a password, a cluster name) is ever on a command line, which Windows logs (events 4688 and 4104). User values
are only ever data (``ConvertFrom-Json``), never parsed as PowerShell. WinRS stdin (``Send``) is part of the
WS-Man shell protocol [MS-WSMV]; PSRP would also avoid the limit but needs a runspace pool per node and the
much larger [MS-PSRP] in the emulator, for nothing these scripts need.

Each command has a deadline (``command_timeout``): past it the transport sends WinRS Signal Terminate and reports
the command by name, instead of polling a hung ``New-Cluster`` forever.

Each cached connection keeps one WinRS shell open, so a command costs Command + Send + Receive + Signal instead of
also creating and deleting a shell.

pypsrp, pyspnego and requests load at the first command, not at import: they cost ~150 ms, and most
provider processes Terraform starts only answer GetProviderSchema.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from sdn_scripts import BOOTSTRAP, program

from sdn_provider.cluster.clixml import decode_clixml
from sdn_provider.cluster.errors import (
    ClusterCommandError,
    ClusterCommandTimeout,
    WinRMAuthError,
    WinRMConnectionError,
    WinRMSettingsError,
)

if TYPE_CHECKING:
    from pypsrp.shell import WinRS
    from pypsrp.wsman import WSMan

T = TypeVar("T")
AUTH_METHODS = ("ntlm", "kerberos", "credssp", "certificate", "basic")
POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoProfile", "-NonInteractive", "-EncodedCommand")
# cmd.exe (which WinRS uses to start the process) rejects command lines longer than this.
MAX_COMMAND_LINE = 8191
TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate"
# The WS-Man fault code (w:InvalidSelectors) WinRM answers for a ShellId it does not know: the shell idled out
# or the node (or its WinRM service) restarted.
SHELL_NOT_FOUND = 2150858843
# Shell deletions in flight at once when the provider exits (Terraform's -parallelism default).
CLOSE_CONCURRENCY = 10
#: How much of a failed command's output its error quotes: the beginning, where PowerShell writes the error; the
#: rest (a script's whole stack of records) would bury it in the diagnostic.
MAX_DETAIL = 2000


@dataclass(frozen=True)
class WinRMSettings:
    """How to reach one node's WinRM listener. HTTPS with certificate validation unless told otherwise."""

    endpoint: str = ""
    host: str = ""
    port: int | None = None
    scheme: str = "https"
    auth: str = "ntlm"
    username: str | None = None
    password: str | None = None
    ca_cert_file: str | None = None
    insecure: bool = False
    allow_unencrypted: bool = False
    certificate_pem: str | None = None
    certificate_key_pem: str | None = None
    operation_timeout: int = 20
    connection_timeout: int = 30
    command_timeout: int = 900
    kerberos_delegate: bool = False

    def __repr__(self) -> str:
        # Keep the password out of logs and tracebacks.
        return f"WinRMSettings(endpoint={self.url!r}, auth={self.auth!r}, username={self.username!r})"

    @property
    def url(self) -> str:
        """The endpoint URL, built from host/port/scheme when ``endpoint`` is not given."""
        if self.endpoint:
            return self.endpoint
        port = self.port or (5986 if self.scheme == "https" else 5985)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{port}/wsman"

    def validate(self) -> None:
        """Reject unusable or unsafe combinations with messages that name the provider attributes."""
        if not self.endpoint and not self.host:
            raise WinRMSettingsError("winrm endpoint is not set: give winrm_endpoint or a node host name")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WinRMSettingsError(f"winrm endpoint {self.url!r} must look like https://host:5986/wsman")
        try:
            _ = parts.port
        except ValueError as exc:
            raise WinRMSettingsError(f"winrm endpoint {self.url!r} has an invalid port") from exc
        if self.auth not in AUTH_METHODS:
            raise WinRMSettingsError(f"winrm_auth {self.auth!r} is not supported: use one of {', '.join(AUTH_METHODS)}")
        https = parts.scheme == "https"
        # NTLM, Kerberos and CredSSP over http are message-encrypted by pypsrp (WinRM's own wrapping), so they need
        # no AllowUnencrypted on the node; basic over http sends everything, password included, in the clear.
        if self.auth == "basic" and not https and not self.allow_unencrypted:
            raise WinRMSettingsError(
                f"winrm endpoint {self.url} uses http with basic authentication, which sends the password in the "
                "clear: use https, or set winrm_allow_unencrypted = true to allow it"
            )
        if self.auth == "certificate":
            if not https:
                raise WinRMSettingsError("certificate authentication requires an https winrm endpoint")
            if not self.certificate_pem or not self.certificate_key_pem:
                raise WinRMSettingsError(
                    "certificate authentication requires winrm_certificate_pem and winrm_certificate_key_pem"
                )
        elif self.auth != "kerberos" and (not self.username or self.password is None):
            raise WinRMSettingsError(f"{self.auth} authentication requires winrm_username and winrm_password")
        if self.insecure and self.ca_cert_file:
            raise WinRMSettingsError("winrm_insecure and winrm_ca_cert_file are mutually exclusive")
        if self.operation_timeout <= 0 or self.connection_timeout <= 0 or self.command_timeout <= 0:
            raise WinRMSettingsError("winrm timeouts must be positive")


@dataclass(frozen=True)
class Command:
    """One WinRS command: a fixed command line and the stdin that carries the program and its input."""

    name: str
    executable: str
    arguments: list[str]
    stdin: bytes


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def build_command(name: str, params: dict[str, Any]) -> Command:
    """The bootstrap on the command line (``-EncodedCommand`` takes base64 of UTF-16LE), everything else on stdin:
    two lines of base64 (alphabet ``A-Za-z0-9+/=``), the program and the JSON of ``params``."""
    source = program(name)
    encoded = base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode("ascii")
    args = [*POWERSHELL_ARGS, encoded]
    if len(" ".join([POWERSHELL, *args])) > MAX_COMMAND_LINE:  # the bootstrap is fixed: a programming error
        raise AssertionError("the PowerShell bootstrap no longer fits a Windows command line")
    payload = json.dumps(params, ensure_ascii=False)
    return Command(name, POWERSHELL, args, f"{_b64(source)}\r\n{_b64(payload)}\r\n".encode("ascii"))


def _settings_key(settings: WinRMSettings) -> tuple[Any, ...]:
    # Hash the password in so a changed password never reuses a session authenticated with the old one.
    return (
        settings.url,
        settings.auth,
        settings.username,
        hash(settings.password),
        settings.ca_cert_file,
        settings.insecure,
        settings.allow_unencrypted,
        settings.certificate_pem,
        settings.certificate_key_pem,
        settings.operation_timeout,
        settings.connection_timeout,
        settings.command_timeout,
        settings.kerberos_delegate,
    )


class _Connection:
    """One WSMan session and the WinRS shell kept open on it.

    Neither pypsrp's session nor a shell can carry two commands at once, so ``lock`` serialises this endpoint's
    commands; ``closed`` tells a thread that waited on the lock that the connection was dropped meanwhile.
    """

    def __init__(self, wsman: WSMan) -> None:
        self.wsman = wsman
        self.lock = threading.Lock()
        self.shell: WinRS | None = None
        self.closed = False

    def run(self, command: Command, settings: WinRMSettings) -> tuple[int, bytes, bytes]:
        """Run one command in the kept shell (opened on first use); the caller holds ``lock``."""
        from pypsrp.exceptions import WSManFaultError
        from pypsrp.shell import CommandState, Process

        try:
            reused = self.shell is not None
            process = Process(self._shell(), command.executable, command.arguments)
            try:
                process.begin_invoke()
            except WSManFaultError as exc:
                if not reused or exc.code != SHELL_NOT_FOUND:
                    raise
                # The node refused the Command because it forgot the shell, so nothing ran: retry once in a new one.
                self.shell = None
                process = Process(self._shell(), command.executable, command.arguments)
                process.begin_invoke()
            process.send(command.stdin, end=True)
            until = time.monotonic() + settings.command_timeout
            while process.state != CommandState.DONE:
                remaining = until - time.monotonic()
                if remaining <= 0:
                    process.signal(TERMINATE)
                    raise ClusterCommandTimeout(
                        f"{command.name} did not finish within {settings.command_timeout} s on {settings.url}; "
                        "it was terminated (WinRS Signal Terminate). A cmdlet may be waiting on Active Directory, "
                        "DNS or another node: check the node's cluster log"
                    )
                # Each Receive waits on the node at most this long, so the deadline is checked at least as often.
                process.poll_invoke(timeout=max(1, min(settings.operation_timeout, int(remaining) + 1)))
            process.signal(TERMINATE)
        except ClusterCommandTimeout:
            raise  # the shell stays referenced, so dropping the connection deletes it (and what still runs in it)
        except BaseException:
            # After any fault the shell's state is unknown; the next command opens a new one.
            self.shell = None
            raise
        return process.rc or 0, process.stdout, process.stderr

    def _shell(self) -> WinRS:
        from pypsrp.shell import WinRS

        if self.shell is None:
            shell = WinRS(self.wsman)
            shell.open()
            self.shell = shell
        return self.shell

    def close(self) -> None:
        """Delete the shell, best effort (the node may be gone; it reaps idle shells itself), then the session."""
        with self.lock:
            self.closed = True
            shell, self.shell = self.shell, None
            if shell is not None:
                with contextlib.suppress(Exception):
                    shell.close()
            self.wsman.close()


class _ConnectionCache:
    """One connection (one HTTP keep-alive session, one authentication, one shell) per endpoint+settings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conns: dict[tuple[Any, ...], _Connection] = {}

    def get(self, settings: WinRMSettings) -> _Connection:
        key = _settings_key(settings)
        with self._lock:
            if key not in self._conns:
                self._conns[key] = _Connection(_new_wsman(settings))
            return self._conns[key]

    def drop(self, settings: WinRMSettings) -> None:
        with self._lock:
            conn = self._conns.pop(_settings_key(settings), None)
        if conn:
            conn.close()

    def clear(self) -> None:
        """Close every connection, concurrently: this runs at provider exit, which Terraform waits for, and a
        50-tenant refresh leaves 50 shells whose serial deletion took ~150 ms."""
        with self._lock:
            conns, self._conns = list(self._conns.values()), {}
        # Plain threads, not an executor: this may run from atexit, where executors refuse new work.
        work: queue.SimpleQueue[_Connection] = queue.SimpleQueue()
        for conn in conns:
            work.put(conn)

        def drain() -> None:
            while True:
                try:
                    work.get_nowait().close()
                except queue.Empty:
                    return

        workers = [threading.Thread(target=drain, daemon=True) for _ in range(min(len(conns), CLOSE_CONCURRENCY))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()


_CACHE = _ConnectionCache()


def close_connections() -> None:
    """Delete the kept shells and close every cached WinRM session (provider exit, tests)."""
    _CACHE.clear()


# Windows keeps an abandoned shell for hours and caps shells per user; deleting ours at exit costs nothing
# when no command ran (the cache is empty and nothing is imported).
atexit.register(close_connections)


@functools.cache
def _memoize_ntlm_hashes() -> None:
    """pyspnego derives the NTLM password hashes on every new connection, in pure Python (its LM-hash DES alone
    is ~3 ms of CPU); they depend on the password only, so derive each once per process. Private names of
    pyspnego, which setup.cfg pins."""
    import spnego._ntlm as ntlm

    ntlm.lmowfv1 = functools.lru_cache(maxsize=8)(ntlm.lmowfv1)
    ntlm.ntowfv1 = functools.lru_cache(maxsize=8)(ntlm.ntowfv1)


def _new_wsman(settings: WinRMSettings) -> WSMan:
    from pypsrp.wsman import WSMan

    if settings.auth == "ntlm":
        _memoize_ntlm_hashes()

    parts = urlsplit(settings.url)
    https = parts.scheme == "https"
    verify: bool | str = False if settings.insecure else (settings.ca_cert_file or True)
    kwargs: dict[str, Any] = {}
    if settings.auth == "certificate":
        kwargs = {"certificate_pem": settings.certificate_pem, "certificate_key_pem": settings.certificate_key_pem}
    elif settings.auth == "kerberos" and settings.kerberos_delegate:
        kwargs = {"negotiate_delegate": True}
    wsman = WSMan(
        parts.hostname or "",
        port=parts.port or (5986 if https else 5985),
        path=parts.path.lstrip("/") or "wsman",
        ssl=https,
        auth=settings.auth,
        username=settings.username,
        password=settings.password,
        cert_validation=verify,
        # basic/certificate cannot wrap messages; validate() already demanded allow_unencrypted for http.
        encryption="never" if settings.auth in ("basic", "certificate") else "auto",
        operation_timeout=settings.operation_timeout,
        connection_timeout=settings.connection_timeout,
        read_timeout=settings.operation_timeout + 10,
        # WinRM goes straight to the node; an HTTP(S)_PROXY meant for NC or the internet must not capture it.
        no_proxy=True,
        **kwargs,
    )
    # pypsrp 0.9.1 reads the environment (CA bundle) when it builds its session, then leaves requests to re-read it
    # (proxies, .netrc) on every message, walking os.environ each time: settle it once here instead.
    transport = wsman.transport
    transport.session = transport._build_session()
    transport.session.trust_env = False
    return wsman


def _on_connection(settings: WinRMSettings, use: Callable[[_Connection], T]) -> T:
    """``use`` the endpoint's cached connection, holding its lock."""
    while True:
        conn = _CACHE.get(settings)
        with conn.lock:
            # A connection dropped by another thread while we waited is replaced by a fresh one from the cache.
            if not conn.closed:
                return use(conn)


def _execute(settings: WinRMSettings, name: str, params: dict[str, Any]) -> tuple[int, bytes, bytes]:
    command = build_command(name, params)
    return _on_connection(settings, lambda conn: conn.run(command, settings))


def run_script(settings: WinRMSettings, name: str, params: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """Run ``scripts/<name>.ps1`` on the node with ``params`` as data; return its JSON result."""
    settings.validate()
    with _translated_errors(settings):
        rc, stdout, stderr = _execute(settings, name, params)
    return _parse_output(name, rc, stdout, stderr)


def connect(settings: WinRMSettings) -> None:
    """Connect, authenticate and open the shell the endpoint's commands will use, running nothing: proves the
    address, TLS, the credentials and the WinRS permission (Windows refuses the shell's Create to a user it does not
    admit) for two messages, where a command costs four more and a PowerShell start on the node. The shell stays
    open for the commands that follow in this process."""
    settings.validate()
    with _translated_errors(settings):
        _on_connection(settings, lambda conn: conn._shell())


@contextlib.contextmanager
def _translated_errors(settings: WinRMSettings) -> Iterator[None]:
    """The libraries' exceptions as ours, with the endpoint named and the password scrubbed; a connection that
    failed (or whose command timed out) is dropped, so the next command starts a fresh one."""
    import requests
    from pypsrp.exceptions import AuthenticationError, WinRMError, WinRMTransportError, WSManFaultError

    try:
        yield
    except ClusterCommandTimeout:
        _CACHE.drop(settings)
        raise
    except _credssp_errors() as exc:
        _CACHE.drop(settings)
        raise WinRMAuthError(
            f"CredSSP authentication to {settings.url} failed for user {settings.username}: check "
            "winrm_username/winrm_password, and that the node accepts CredSSP (Enable-WSManCredSSP -Role Server): "
            f"{_scrub(exc, settings)}"
        ) from exc
    except AuthenticationError as exc:
        _CACHE.drop(settings)
        raise WinRMAuthError(
            f"authentication to {settings.url} failed for user {settings.username}: check winrm_username/winrm_password"
        ) from exc
    except ValueError as exc:
        # pypsrp's Negotiate raises a bare ValueError when the node does not offer the protocol asked for
        # ("Server responded with the auth protocol 'NTLM' which is incompatible with ... 'kerberos'").
        if "auth protocol" not in str(exc):
            raise
        _CACHE.drop(settings)
        raise WinRMAuthError(
            f"authentication to {settings.url} failed: {_scrub(exc, settings)}; winrm_auth = "
            f'"{settings.auth}" is not offered by the node'
        ) from exc
    except requests.exceptions.SSLError as exc:
        _CACHE.drop(settings)
        raise WinRMConnectionError(
            f"TLS handshake with {settings.url} failed (set winrm_ca_cert_file to the CA that signed the "
            f"node's certificate): {_scrub(exc, settings)}"
        ) from exc
    except (requests.exceptions.RequestException, OSError) as exc:
        _CACHE.drop(settings)
        raise WinRMConnectionError(f"cannot reach WinRM endpoint {settings.url}: {_scrub(exc, settings)}") from exc
    except (WSManFaultError, WinRMTransportError, WinRMError) as exc:
        _CACHE.drop(settings)
        raise WinRMConnectionError(f"WinRM request to {settings.url} failed: {_scrub(exc, settings)}") from exc


def _credssp_errors() -> tuple[type[BaseException], ...]:
    """requests-credssp raises its own exceptions, outside pypsrp's (a node that does not offer CredSSP)."""
    from requests_credssp.exceptions import AuthenticationException, NTStatusException

    return AuthenticationException, NTStatusException


def _scrub(exc: BaseException, settings: WinRMSettings) -> str:
    text = str(exc)
    return text.replace(settings.password, "***") if settings.password else text


def _parse_output(name: str, rc: int, stdout: bytes, stderr: bytes) -> dict[str, Any] | list[Any]:
    text = stdout.decode("utf-8", errors="replace").strip()
    try:
        result = json.loads(text) if text else None
    except json.JSONDecodeError:
        result = None
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        raise ClusterCommandError(name, result["error"])
    if rc != 0 or not isinstance(result, dict | list):
        detail = decode_clixml(stderr.decode("utf-8", errors="replace")).strip() or text or "no output"
        raise ClusterCommandError(name, {"message": f"exit code {rc}: {detail[:MAX_DETAIL]}"})
    return result
