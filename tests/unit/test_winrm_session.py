"""The WinRM session a node gets: the pypsrp WSMan built from the winrm_* settings (auth, TLS, timeouts, port,
path, encryption), the kept WinRS shell and its commands' deadline, the settings' validation messages, the
command built for a script, the output parsed into a result, and the settings/second-hop glue of remote.py."""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

import pytest
from sdn_scripts import BOOTSTRAP, program

from sdn_provider.cluster import transport
from sdn_provider.cluster.errors import ClusterCommandTimeout, WinRMSettingsError
from sdn_provider.cluster.transport import WinRMSettings, build_command

# --- _new_wsman: the keyword arguments pypsrp's WSMan gets --------------------------------------------------------


class FakeSession:
    def __init__(self) -> None:
        self.trust_env = True


class FakeHTTPTransport:
    def __init__(self) -> None:
        self.session: Any = None
        self.built: list[FakeSession] = []

    def _build_session(self) -> FakeSession:
        session = FakeSession()
        self.built.append(session)
        return session


class RecordingWSMan:
    """Stands in for pypsrp.wsman.WSMan: records how it was built."""

    made: list[RecordingWSMan] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.transport = FakeHTTPTransport()
        RecordingWSMan.made.append(self)


@pytest.fixture
def wsman_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Patch pypsrp's WSMan with the recorder; the list returned records each NTLM-hash memoisation call."""
    import pypsrp.wsman

    RecordingWSMan.made = []
    monkeypatch.setattr(pypsrp.wsman, "WSMan", RecordingWSMan)
    memoized: list[str] = []
    monkeypatch.setattr(transport, "_memoize_ntlm_hashes", lambda: memoized.append("ntlm"))
    return memoized


def built(settings: WinRMSettings) -> RecordingWSMan:
    wsman = transport._new_wsman(settings)
    assert isinstance(wsman, RecordingWSMan)
    return wsman


def expected(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "port": 5986,
        "path": "wsman",
        "ssl": True,
        "auth": "ntlm",
        "username": "CONTOSO\\admin",
        "password": "secret",
        "cert_validation": True,
        "encryption": "auto",
        "operation_timeout": 20,
        "connection_timeout": 30,
        "read_timeout": 30,
        "no_proxy": True,
    }
    return {**base, **over}


def test_default_ntlm_session_is_https_verified_and_message_encrypted(wsman_built: list[str]) -> None:
    """The default: https on 5986, /wsman, certificate validated, no proxy, read timeout 10 s past the operation
    timeout; NTLM hashes are memoised for the process."""
    wsman = built(WinRMSettings(host="db1.contoso.test", username="CONTOSO\\admin", password="secret"))
    assert wsman.args == ("db1.contoso.test",)
    assert wsman.kwargs == expected()
    assert wsman_built == ["ntlm"]
    # The environment is read once: the session built now is the one kept, and it never re-reads os.environ.
    assert len(wsman.transport.built) == 1
    assert wsman.transport.session is wsman.transport.built[0]
    assert wsman.transport.session.trust_env is False


@pytest.mark.parametrize(
    ("endpoint", "host", "port", "path", "ssl"),
    [
        ("http://db1.contoso.test/wsman", "db1.contoso.test", 5985, "wsman", False),
        ("https://db1.contoso.test/wsman", "db1.contoso.test", 5986, "wsman", True),
        ("https://10.0.0.5:55986/custom/wsman", "10.0.0.5", 55986, "custom/wsman", True),
        ("https://10.0.0.5:55986/XWinRM", "10.0.0.5", 55986, "XWinRM", True),  # a URLPrefix: only "/" goes
        ("http://10.0.0.5:8080", "10.0.0.5", 8080, "wsman", False),
        ("https://10.0.0.5:8443/", "10.0.0.5", 8443, "wsman", True),
        ("https://[fd00::5]:5986/wsman", "fd00::5", 5986, "wsman", True),
        ("https://:5986/wsman", "", 5986, "wsman", True),
    ],
)
def test_endpoint_url_becomes_host_port_path_and_tls(
    wsman_built: list[str], endpoint: str, host: str, port: int, path: str, ssl: bool
) -> None:
    """winrm_endpoints URLs: port defaults by scheme, the path keeps its segments, an empty path is /wsman."""
    wsman = built(WinRMSettings(endpoint=endpoint, username="CONTOSO\\admin", password="secret"))
    assert wsman.args == (host,)
    assert wsman.kwargs == expected(port=port, path=path, ssl=ssl)


def test_http_host_settings_use_port_5985(wsman_built: list[str]) -> None:
    wsman = built(WinRMSettings(host="db1", scheme="http", username="CONTOSO\\admin", password="secret"))
    assert wsman.kwargs == expected(port=5985, ssl=False)


@pytest.mark.parametrize(
    ("over", "verify"),
    [
        ({"insecure": True}, False),
        ({"ca_cert_file": "/etc/sdn/ca.pem"}, "/etc/sdn/ca.pem"),
        ({"insecure": True, "ca_cert_file": "/etc/sdn/ca.pem"}, False),
        ({"ca_cert_file": ""}, True),
    ],
)
def test_certificate_validation_follows_insecure_and_ca_cert_file(
    wsman_built: list[str], over: dict[str, Any], verify: bool | str
) -> None:
    """winrm_insecure turns validation off; winrm_ca_cert_file validates against that CA bundle."""
    wsman = built(WinRMSettings(host="db1", username="CONTOSO\\admin", password="secret", **over))
    assert wsman.kwargs == expected(cert_validation=verify)


def test_timeouts_are_passed_and_read_timeout_outlasts_the_operation(wsman_built: list[str]) -> None:
    settings = WinRMSettings(
        host="db1", username="CONTOSO\\admin", password="secret", operation_timeout=7, connection_timeout=9
    )
    assert built(settings).kwargs == expected(operation_timeout=7, connection_timeout=9, read_timeout=17)


def test_certificate_auth_passes_the_pem_files_and_never_encrypts(wsman_built: list[str]) -> None:
    """pypsrp takes the client certificate and key as PEM paths; certificate auth cannot wrap messages."""
    settings = WinRMSettings(
        host="db1", auth="certificate", certificate_pem="/c.pem", certificate_key_pem="/k.pem", kerberos_delegate=True
    )
    wsman = built(settings)
    assert wsman.kwargs == expected(
        auth="certificate",
        username=None,
        password=None,
        encryption="never",
        certificate_pem="/c.pem",
        certificate_key_pem="/k.pem",
    )
    assert wsman_built == []


def test_basic_auth_never_encrypts(wsman_built: list[str]) -> None:
    settings = WinRMSettings(
        endpoint="http://db1:5985/wsman", auth="basic", username="admin", password="p", allow_unencrypted=True
    )
    wsman = built(settings)
    assert wsman.kwargs == expected(auth="basic", username="admin", password="p", encryption="never", port=5985,
                                    ssl=False)  # fmt: skip
    assert wsman_built == []


@pytest.mark.parametrize(
    ("auth", "delegate", "extra"),
    [
        ("kerberos", True, {"negotiate_delegate": True}),
        ("kerberos", False, {}),
        ("credssp", True, {}),
        ("ntlm", True, {}),
    ],
)
def test_kerberos_delegation_only_when_asked_for_kerberos(
    wsman_built: list[str], auth: str, delegate: bool, extra: dict[str, Any]
) -> None:
    """winrm_kerberos_delegate asks Kerberos for a forwardable ticket; other auth methods ignore it."""
    settings = WinRMSettings(
        host="db1", auth=auth, username="CONTOSO\\admin", password="secret", kerberos_delegate=delegate
    )
    assert built(settings).kwargs == expected(auth=auth, **extra)
    assert wsman_built == (["ntlm"] if auth == "ntlm" else [])


# --- _Connection: the kept WinRS shell and each command's deadline -----------------------------------------------

TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate"


class FakeNode:
    """A node's WinRM service as pypsrp's WinRS/Process see it: a log of what was sent, a clock, scripted faults."""

    def __init__(self, *, steps: list[float] | None = None, rc: int | None = 0) -> None:
        self.log: list[tuple[Any, ...]] = []
        self.shells = 0
        self.now = 1000.0
        self.steps = list(steps if steps is not None else [1.0])  # seconds each Receive takes; DONE after the last
        self.rc = rc
        self.faults: list[BaseException] = []  # raised by the next Command (begin_invoke) calls, in order
        self.poll_faults: list[BaseException] = []
        self.close_fault: BaseException | None = None
        self.wsman_closed = 0

    def close(self) -> None:  # the WSMan session
        self.wsman_closed += 1


class FakeShell:
    def __init__(self, node: FakeNode) -> None:
        node.shells += 1
        self.node, self.id = node, node.shells

    def open(self) -> None:
        self.node.log.append(("open", self.id))

    def close(self) -> None:
        self.node.log.append(("delete", self.id))
        if self.node.close_fault:
            raise self.node.close_fault


class FakeProcess:
    def __init__(self, shell: FakeShell, executable: str, arguments: list[str] | None = None) -> None:
        from pypsrp.shell import CommandState

        self.node, self.shell_id = shell.node, shell.id
        self.node.log.append(("process", shell.id, executable, arguments))
        self.state = CommandState.RUNNING
        self.rc: int | None = None
        self.stdout = b""
        self.stderr = b""

    def begin_invoke(self) -> None:
        self.node.log.append(("command", self.shell_id))
        if self.node.faults:
            raise self.node.faults.pop(0)

    def send(self, data: bytes, end: bool = False) -> None:
        self.node.log.append(("send", data, end))

    def poll_invoke(self, timeout: int | None = None) -> None:
        from pypsrp.shell import CommandState

        self.node.log.append(("receive", timeout))
        if self.node.poll_faults:
            raise self.node.poll_faults.pop(0)
        self.node.now += self.node.steps.pop(0)
        if not self.node.steps:
            self.state = CommandState.DONE
            self.rc, self.stdout, self.stderr = self.node.rc, b'{"exists": false}', b"warn"

    def signal(self, code: str) -> None:
        self.node.log.append(("signal", code))


@pytest.fixture
def node(monkeypatch: pytest.MonkeyPatch) -> FakeNode:
    import pypsrp.shell

    fake = FakeNode()
    monkeypatch.setattr(pypsrp.shell, "WinRS", FakeShell)
    monkeypatch.setattr(pypsrp.shell, "Process", FakeProcess)
    monkeypatch.setattr(transport, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


COMMAND = transport.Command("get_cluster", "powershell.exe", ["-NoProfile", "-EncodedCommand", "QQA="], b"AA\r\nBB\r\n")
NODE = WinRMSettings(endpoint="https://db1.contoso.test:5986/wsman", username="u", password="p")


def one_command(shell: int, *receives: int) -> list[tuple[Any, ...]]:
    """What one command that finishes normally sends in shell ``shell``."""
    return [
        ("process", shell, "powershell.exe", ["-NoProfile", "-EncodedCommand", "QQA="]),
        ("command", shell),
        ("send", b"AA\r\nBB\r\n", True),
        *[("receive", t) for t in receives],
        ("signal", TERMINATE),
    ]


def fault(code: int) -> BaseException:
    from pypsrp.exceptions import WSManFaultError

    return WSManFaultError(code, "db1", "reason", None, None, None)


def test_commands_share_one_shell_and_end_with_terminate(node: FakeNode) -> None:
    """The shell opens on the first command and is kept; stdin carries the payload and ends the input stream."""
    conn = transport._Connection(node)  # type: ignore[arg-type]
    assert conn.run(COMMAND, NODE) == (0, b'{"exists": false}', b"warn")
    node.steps = [1.0]
    node.rc = 3
    assert conn.run(COMMAND, NODE) == (3, b'{"exists": false}', b"warn")
    assert node.log == [("open", 1), *one_command(1, 20), *one_command(1, 20)]


def test_no_exit_code_reads_as_zero(node: FakeNode) -> None:
    node.rc = None
    assert transport._Connection(node).run(COMMAND, NODE)[0] == 0  # type: ignore[arg-type]


def test_a_shell_the_node_forgot_is_replaced_and_the_command_sent_again(node: FakeNode) -> None:
    """WinRM's "unknown ShellId" fault on a kept shell means nothing ran: retry once in a new shell."""
    conn = transport._Connection(node)  # type: ignore[arg-type]
    conn.run(COMMAND, NODE)
    node.steps, node.faults = [1.0], [fault(transport.SHELL_NOT_FOUND)]
    assert conn.run(COMMAND, NODE) == (0, b'{"exists": false}', b"warn")
    args = ["-NoProfile", "-EncodedCommand", "QQA="]
    assert node.log[len(one_command(1, 20)) + 1 :] == [
        ("process", 1, "powershell.exe", args),
        ("command", 1),
        ("open", 2),
        *one_command(2, 20),
    ]


def test_shell_not_found_on_a_new_shell_is_not_retried(node: FakeNode) -> None:
    from pypsrp.exceptions import WSManFaultError

    conn = transport._Connection(node)  # type: ignore[arg-type]
    node.faults = [fault(transport.SHELL_NOT_FOUND)]
    with pytest.raises(WSManFaultError):
        conn.run(COMMAND, NODE)
    assert node.log == [("open", 1), one_command(1)[0], ("command", 1)]
    assert conn.shell is None


def test_other_faults_are_not_retried_and_drop_the_shell(node: FakeNode) -> None:
    """After any other fault the shell's state is unknown: the next command opens a new one."""
    from pypsrp.exceptions import WSManFaultError

    conn = transport._Connection(node)  # type: ignore[arg-type]
    conn.run(COMMAND, NODE)
    node.steps, node.faults = [1.0], [fault(2150858770)]
    with pytest.raises(WSManFaultError):
        conn.run(COMMAND, NODE)
    assert conn.shell is None
    node.steps, node.log = [1.0], []
    conn.run(COMMAND, NODE)
    assert node.log == [("open", 2), *one_command(2, 20)]


def test_a_failed_receive_drops_the_shell(node: FakeNode) -> None:
    conn = transport._Connection(node)  # type: ignore[arg-type]
    node.poll_faults = [OSError("reset")]
    with pytest.raises(OSError, match="reset"):
        conn.run(COMMAND, NODE)
    assert conn.shell is None
    node.log = []
    conn.run(COMMAND, NODE)
    assert node.log == [("open", 2), *one_command(2, 20)]


def test_receive_waits_never_outlast_the_deadline_and_a_late_command_is_terminated(node: FakeNode) -> None:
    """Each Receive waits at most operation_timeout and at most the time left (rounded up, at least 1 s); at the
    deadline the command is terminated and reported by name; the shell stays for the connection's close."""
    settings = WinRMSettings(
        endpoint="https://db1.contoso.test:5986/wsman", username="u", password="p", command_timeout=60
    )
    node.steps = [25, 25, 9, 0.5, 0.5, 5]
    conn = transport._Connection(node)  # type: ignore[arg-type]
    with pytest.raises(ClusterCommandTimeout) as caught:
        conn.run(COMMAND, settings)
    assert str(caught.value) == (
        "get_cluster did not finish within 60 s on https://db1.contoso.test:5986/wsman; it was terminated (WinRS "
        "Signal Terminate). A cmdlet may be waiting on Active Directory, DNS or another node: check the node's "
        "cluster log"
    )
    assert node.log == [("open", 1), *one_command(1, 20, 20, 11, 2, 1)]
    assert conn.shell is not None
    conn.close()
    assert node.log[-1] == ("delete", 1) and node.wsman_closed == 1 and conn.closed is True


def test_close_deletes_the_shell_best_effort_then_the_session(node: FakeNode) -> None:
    conn = transport._Connection(node)  # type: ignore[arg-type]
    conn.close()
    assert node.log == [] and node.wsman_closed == 1 and conn.closed is True
    conn = transport._Connection(node)  # type: ignore[arg-type]
    conn.run(COMMAND, NODE)
    node.close_fault = OSError("node gone")
    conn.close()
    assert node.log[-1] == ("delete", 1) and node.wsman_closed == 2
    assert conn.shell is None and conn.closed is True


# --- WinRMSettings.validate: the messages name the provider attributes ----------------------------------------------

HTTPS = "https://db1.contoso.test:5986/wsman"
CREDS = {"username": "u", "password": "p"}
CERT = {"auth": "certificate", "certificate_pem": "/c.pem", "certificate_key_pem": "/k.pem"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (CREDS, "winrm endpoint is not set: give winrm_endpoint or a node host name"),
        (
            {"endpoint": "https://db1:99999/wsman", **CREDS},
            "winrm endpoint 'https://db1:99999/wsman' has an invalid port",
        ),
        (
            {"endpoint": HTTPS, "auth": "digest", **CREDS},
            "winrm_auth 'digest' is not supported: use one of ntlm, kerberos, credssp, certificate, basic",
        ),
        (
            {**CERT, "endpoint": "http://db1:5985/wsman", "allow_unencrypted": True},
            "certificate authentication requires an https winrm endpoint",
        ),
        (
            {**CERT, "endpoint": HTTPS, "certificate_key_pem": None},
            "certificate authentication requires winrm_certificate_pem and winrm_certificate_key_pem",
        ),
        (
            {**CERT, "endpoint": HTTPS, "certificate_pem": ""},
            "certificate authentication requires winrm_certificate_pem and winrm_certificate_key_pem",
        ),
        ({"endpoint": HTTPS, "auth": "credssp", "password": "p"}, "credssp authentication requires winrm_username "
         "and winrm_password"),
        (
            {"endpoint": HTTPS, "ca_cert_file": "/ca.pem", "insecure": True, **CREDS},
            "winrm_insecure and winrm_ca_cert_file are mutually exclusive",
        ),
        ({"endpoint": HTTPS, "operation_timeout": 0, **CREDS}, "winrm timeouts must be positive"),
        ({"endpoint": HTTPS, "connection_timeout": 0, **CREDS}, "winrm timeouts must be positive"),
        ({"endpoint": HTTPS, "command_timeout": 0, **CREDS}, "winrm timeouts must be positive"),
    ],
)  # fmt: skip
def test_unusable_settings_are_rejected_with_exact_messages(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(WinRMSettingsError) as caught:
        WinRMSettings(**kwargs).validate()
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "kwargs",
    [
        {**CERT, "endpoint": HTTPS},
        {"endpoint": HTTPS, "auth": "kerberos"},  # Kerberos may use the ticket cache: no username needed
        {"endpoint": HTTPS, "insecure": True, **CREDS},
        {"endpoint": HTTPS, "ca_cert_file": "/ca.pem", **CREDS},
        {"endpoint": HTTPS, "password": "", "username": "u"},  # an empty password is still a password
        {"endpoint": HTTPS, "operation_timeout": 1, "connection_timeout": 1, "command_timeout": 1, **CREDS},
    ],
)
def test_usable_settings_pass(kwargs: dict[str, Any]) -> None:
    WinRMSettings(**kwargs).validate()


# --- build_command ------------------------------------------------------------------------------------------------


def test_command_carries_its_script_name_and_non_ascii_input_as_utf8() -> None:
    """Non-ASCII values (a French cluster network name) travel as UTF-8 JSON, not \\u escapes."""
    command = build_command("get_cluster", {"network": "Réseau"})
    assert command.name == "get_cluster"
    assert command.arguments == [
        "-NoProfile",
        "-NonInteractive",
        "-EncodedCommand",
        base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode(),
    ]
    expected_stdin = (
        base64.b64encode(program("get_cluster").encode())
        + b"\r\n"
        + base64.b64encode('{"network": "Réseau"}'.encode())
        + b"\r\n"
    )
    assert command.stdin == expected_stdin


# --- _ConnectionCache: one session per endpoint and settings ------------------------------------------------------


def closable(monkeypatch: pytest.MonkeyPatch) -> list[RecordingWSMan]:
    """Patch WSMan with a recorder whose close() is counted; returns the list of sessions closed."""
    import pypsrp.wsman

    closed: list[RecordingWSMan] = []

    class Session(RecordingWSMan):
        def close(self) -> None:
            closed.append(self)

    monkeypatch.setattr(pypsrp.wsman, "WSMan", Session)
    return closed


def test_a_changed_password_or_endpoint_never_reuses_a_session(monkeypatch: pytest.MonkeyPatch) -> None:
    closable(monkeypatch)
    cache = transport._ConnectionCache()
    first = cache.get(NODE)
    assert cache.get(WinRMSettings(endpoint=NODE.endpoint, username="u", password="p")) is first
    assert cache.get(WinRMSettings(endpoint=NODE.endpoint, username="u", password="new")) is not first
    assert cache.get(WinRMSettings(endpoint="https://db2:5986/wsman", username="u", password="p")) is not first


def test_drop_closes_that_session_only_and_the_next_command_gets_a_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = closable(monkeypatch)
    cache = transport._ConnectionCache()
    other = WinRMSettings(endpoint="https://db2:5986/wsman", username="u", password="p")
    first, second = cache.get(NODE), cache.get(other)
    cache.drop(NODE)
    assert closed == [first.wsman] and first.closed is True and second.closed is False
    cache.drop(NODE)  # nothing cached for it any more: a no-op
    assert closed == [first.wsman]
    assert cache.get(NODE) is not first and cache.get(other) is second


def test_clear_closes_every_session(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = closable(monkeypatch)
    cache = transport._ConnectionCache()
    conns = [
        cache.get(WinRMSettings(endpoint=f"https://db{i}:5986/wsman", username="u", password="p")) for i in range(3)
    ]
    cache.clear()
    assert sorted(map(id, closed)) == sorted(id(c.wsman) for c in conns)
    assert all(c.closed for c in conns)
    assert cache.get(WinRMSettings(endpoint="https://db0:5986/wsman", username="u", password="p")) not in conns
    cache.clear()
    cache.clear()  # an empty cache closes nothing
    assert len(closed) == 4


def test_execute_runs_in_the_cached_connection(monkeypatch: pytest.MonkeyPatch, node: FakeNode) -> None:
    """A command runs in the endpoint's cached connection; one dropped meanwhile is replaced."""
    monkeypatch.setattr(transport, "_new_wsman", lambda settings: node)
    cache = transport._ConnectionCache()
    monkeypatch.setattr(transport, "_CACHE", cache)
    rc, stdout, _ = transport._execute(NODE, "get_cluster", {})
    assert (rc, stdout) == (0, b'{"exists": false}')
    sent = [entry for entry in node.log if entry[0] == "send"]
    assert sent == [("send", build_command("get_cluster", {}).stdin, True)]
    conn = cache.get(NODE)
    cache.drop(NODE)  # the shell is deleted with the connection; the next command opens a new one
    node.steps, node.log = [1.0], []
    transport._execute(NODE, "get_cluster", {})
    assert cache.get(NODE) is not conn
    assert [e for e in node.log if e[0] in ("open", "command")] == [("open", 2), ("command", 2)]


@pytest.fixture
def cached_node(monkeypatch: pytest.MonkeyPatch, node: FakeNode) -> transport._ConnectionCache:
    """run_script against the fake node, through a connection cache of its own."""
    monkeypatch.setattr(transport, "_new_wsman", lambda settings: node)
    cache = transport._ConnectionCache()
    monkeypatch.setattr(transport, "_CACHE", cache)
    return cache


def test_run_script_sends_the_script_with_the_values_given(
    node: FakeNode, cached_node: transport._ConnectionCache
) -> None:
    """The user's values are the command's input (base64 JSON on stdin), and the node's JSON is the result."""
    params = {"resource_name": "Cluster IP Address"}
    assert transport.run_script(NODE, "get_cluster_resource", params) == {"exists": False}
    assert [e for e in node.log if e[0] == "send"] == [
        ("send", build_command("get_cluster_resource", params).stdin, True)
    ]


def test_a_timed_out_command_drops_its_connection(node: FakeNode, cached_node: transport._ConnectionCache) -> None:
    """A command past its deadline may still be running in the shell: the connection is closed, which deletes the
    shell with what runs in it, and the next command gets a new one."""
    late = WinRMSettings(endpoint=NODE.endpoint, username="u", password="p", command_timeout=60)
    conn = cached_node.get(late)
    node.steps = [61.0, 1.0]  # still running after the first Receive, past the deadline
    with pytest.raises(ClusterCommandTimeout):
        transport.run_script(late, "get_cluster", {})
    assert conn.closed is True and ("delete", 1) in node.log and node.wsman_closed == 1
    assert cached_node.get(late) is not conn
