"""The emulator's guest nodes, driven only through the provider's run_script over real pypsrp/HTTPS."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypsrp.exceptions import WSManFaultError
from pypsrp.shell import WinRS

from sdn_provider.cluster.errors import ClusterCommandError, WinRMAuthError, WinRMConnectionError
from sdn_provider.cluster.transport import SHELL_NOT_FOUND, close_connections, connect, run_script

from .guests_fixtures import PASSWORD, Guests, guest_tls_fixture, guests_fixture  # noqa: F401

INJECTION = "x'; Remove-Cluster -Force; '"
SEED = {
    "Address": "192.168.2.100",
    "ProbePort": 59999,
    "SubnetMask": "255.255.255.255",
    "Network": "Cluster Network 1",
    "EnableDhcp": 0,
}


def _build(g: Guests) -> None:
    db1 = g.settings("DB1")
    created = run_script(db1, "new_cluster", {"name": "MyCluster", "node": "DB1", "static_address": None})
    assert created["exists"] and created["name"] == "MyCluster"
    assert created["ip_resource"]["parameters"]["EnableDhcp"] == 1
    joined = run_script(db1, "add_cluster_node", {"cluster": "MyCluster", "node": "DB2"})
    assert [n["name"] for n in joined["nodes"]] == ["DB1", "DB2"]
    run_script(db1, "set_cluster_ip_address", {"resource_name": "Cluster IP Address", "parameters": SEED})


def test_seed_example_makes_db1_answer_probes(guests: Guests) -> None:
    db1 = guests.settings("DB1")
    assert run_script(db1, "get_cluster", {}) == {"exists": False}
    _build(guests)
    ip = run_script(db1, "get_cluster_resource", {"resource_name": "Cluster IP Address"})
    name = run_script(db1, "get_cluster_resource", {"resource_name": "Cluster Name"})
    assert ip["state"] == name["state"] == "Online"
    assert ip["owner_node"] == "DB1" and ip["resource_type"] == "IP Address"
    assert name["dependencies"] == "[Cluster IP Address]"
    assert {k: ip["parameters"][k] for k in SEED} == SEED
    assert guests.world.probe_answerers() == [("DB1", "192.168.2.100", 59999)]
    assert guests.world.cluster_ip_online("192.168.2.100") == "DB1"
    assert guests.world.command_counts()["DB1"] == 6


def test_change_probe_port_returns_previous_values(guests: Guests) -> None:
    _build(guests)
    out = run_script(
        guests.settings("DB1"),
        "set_cluster_ip_address",
        {"resource_name": "Cluster IP Address", "parameters": {**SEED, "ProbePort": 60000}},
    )
    assert out["previous"]["ProbePort"] == 59999
    assert out["resource"]["parameters"]["ProbePort"] == 60000
    assert guests.world.probe_answerers() == [("DB1", "192.168.2.100", 60000)]


def test_unknown_network_is_windows_error(guests: Guests) -> None:
    _build(guests)
    with pytest.raises(ClusterCommandError) as exc:
        run_script(
            guests.settings("DB1"),
            "set_cluster_ip_address",
            {"resource_name": "Cluster IP Address", "parameters": {**SEED, "Network": "Cluster Network 9"}},
        )
    assert "The cluster network was not found" in str(exc.value)
    assert exc.value.cmdlet == "Set-ClusterParameter"


def test_address_outside_network_needs_host_mask(guests: Guests) -> None:
    _build(guests)
    bad = {**SEED, "Address": "10.0.0.5", "SubnetMask": "255.255.255.0"}
    with pytest.raises(ClusterCommandError, match="does not match cluster network"):
        run_script(
            guests.settings("DB1"), "set_cluster_ip_address", {"resource_name": "Cluster IP Address", "parameters": bad}
        )


def test_wrong_password_is_auth_error(guests: Guests) -> None:
    with pytest.raises(WinRMAuthError) as exc:
        run_script(guests.settings("DB1", password="wrong-one"), "get_cluster", {})
    assert "check winrm_username/winrm_password" in str(exc.value)
    assert "wrong-one" not in str(exc.value) and PASSWORD not in str(exc.value)


def test_basic_auth_over_https(guests: Guests) -> None:
    assert run_script(guests.settings("DB2", auth="basic"), "get_cluster", {}) == {"exists": False}


def test_untrusted_certificate_is_rejected(guests: Guests) -> None:
    with pytest.raises(WinRMConnectionError, match="TLS"):
        run_script(guests.settings("DB1", ca_cert_file=None), "get_cluster", {})


def test_stopped_node_refuses_and_group_fails_over(guests: Guests) -> None:
    _build(guests)
    guests.world.stop_node("DB1")
    with pytest.raises(WinRMConnectionError):
        run_script(guests.settings("DB1"), "get_cluster", {})
    assert guests.world.probe_answerers() == [("DB2", "192.168.2.100", 59999)]
    ip = run_script(guests.settings("DB2"), "get_cluster_resource", {"resource_name": "Cluster IP Address"})
    assert ip["owner_node"] == "DB2" and ip["state"] == "Online"
    guests.world.start_node("DB1")
    assert run_script(guests.settings("DB1"), "get_cluster", {})["exists"]


@pytest.fixture(name="shell_opens")
def shell_opens_fixture(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every WinRS shell the provider opens (Create requests), in order."""
    opens: list[str] = []
    real_open = WinRS.open

    def counting_open(self: WinRS, *args, **kwargs):
        opens.append(self.wsman.transport.endpoint)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(WinRS, "open", counting_open)
    return opens


def test_commands_reuse_one_shell_across_node_restarts(guests: Guests, shell_opens: list[str]) -> None:
    db1, endpoint = guests.settings("DB1"), guests.servers.endpoints["DB1"]
    for _ in range(5):
        assert run_script(db1, "get_cluster", {}) == {"exists": False}
    assert len(shell_opens) == 1 and len(endpoint.shells) == 1

    # Restarted between commands: the node forgot the shell and refuses the Command, which never ran, so the
    # provider opens a new shell and runs it exactly once.
    guests.world.stop_node("DB1")
    guests.world.start_node("DB1")
    assert run_script(db1, "get_cluster", {}) == {"exists": False}
    assert len(shell_opens) == 2 and guests.world.command_counts()["DB1"] == 6

    # Down during a command: a connection error; the next command after the restart gets a new shell.
    guests.world.stop_node("DB1")
    with pytest.raises(WinRMConnectionError):
        run_script(db1, "get_cluster", {})
    guests.world.start_node("DB1")
    assert run_script(db1, "get_cluster", {}) == {"exists": False}
    assert len(shell_opens) == 3 and guests.world.command_counts()["DB1"] == 7

    close_connections()  # deletes the shell on the node
    assert endpoint.shells == {}


def test_parallel_commands_share_the_shell(guests: Guests, shell_opens: list[str]) -> None:
    db1 = guests.settings("DB1")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: run_script(db1, "get_cluster", {}), range(40)))
    assert results == [{"exists": False}] * 40
    assert len(shell_opens) == 1 and guests.world.command_counts()["DB1"] == 40


def test_fault_after_command_started_is_not_retried(
    guests: Guests, shell_opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db1 = guests.settings("DB1")
    run_script(db1, "get_cluster", {})
    real_receive = WinRS.receive

    def forgotten(self: WinRS, *args, **kwargs):
        monkeypatch.setattr(WinRS, "receive", real_receive)
        raise WSManFaultError(SHELL_NOT_FOUND, "DB1", "the shell was not found on the server", None, None, None)

    monkeypatch.setattr(WinRS, "receive", forgotten)
    with pytest.raises(WinRMConnectionError, match="shell was not found"):
        run_script(db1, "get_cluster", {})
    assert guests.world.command_counts()["DB1"] == 2  # ran once; the provider cannot know it did not finish
    assert run_script(db1, "get_cluster", {}) == {"exists": False}
    assert len(shell_opens) == 2


def test_move_group_moves_answerer(guests: Guests) -> None:
    _build(guests)
    guests.world.move_group("DB2")
    assert guests.world.probe_answerers() == [("DB2", "192.168.2.100", 59999)]
    guests.world.move_group("DB1")
    assert guests.world.cluster_ip_online("192.168.2.100") == "DB1"


def test_evict_node_and_remove_cluster(guests: Guests) -> None:
    _build(guests)
    guests.world.move_group("DB2")
    db1 = guests.settings("DB1")
    out = run_script(db1, "remove_cluster_node", {"cluster": "MyCluster", "node": "DB2"})
    assert [n["name"] for n in out["nodes"]] == ["DB1"]
    assert guests.world.probe_answerers() == [("DB1", "192.168.2.100", 59999)]
    assert run_script(guests.settings("DB2"), "get_cluster", {}) == {"exists": False}
    assert run_script(db1, "remove_cluster", {"cluster": "MyCluster"}) == {"removed": True}
    assert run_script(db1, "get_cluster", {}) == {"exists": False}
    assert guests.world.probe_answerers() == []


def test_unknown_node_and_resource(guests: Guests) -> None:
    _build(guests)
    db1 = guests.settings("DB1")
    with pytest.raises(ClusterCommandError, match="DB9"):
        run_script(db1, "add_cluster_node", {"cluster": "MyCluster", "node": "DB9"})
    with pytest.raises(ClusterCommandError, match="An error occurred opening resource 'Nope'"):
        run_script(db1, "get_cluster_resource", {"resource_name": "Nope"})


@pytest.mark.parametrize("field", ["cluster", "resource_name", "network", "new_cluster_name", "node"])
def test_injection_arrives_literally(guests: Guests, field: str) -> None:
    _build(guests)
    db1 = guests.settings("DB1")
    if field == "cluster":
        # Refused by the library's check that the local cluster is the expected one, before any cmdlet.
        name, params = "add_cluster_node", {"cluster": INJECTION, "node": "DB2"}
    elif field == "node":
        name, params = "remove_cluster_node", {"cluster": "MyCluster", "node": INJECTION}
    elif field == "resource_name":
        name, params = "get_cluster_resource", {"resource_name": INJECTION}
    elif field == "network":
        name, params = (
            "set_cluster_ip_address",
            {"resource_name": "Cluster IP Address", "parameters": {**SEED, "Network": INJECTION}},
        )
    else:
        guests.world.remove_cluster_node("DB1", "MyCluster", "DB2")
        name, params = "new_cluster", {"name": INJECTION, "node": "DB2", "static_address": None}
    with pytest.raises(ClusterCommandError) as exc:
        run_script(db1, name, params)
    assert INJECTION in str(exc.value)
    assert run_script(db1, "get_cluster", {})["name"] == "MyCluster"
    assert not any(cmd == "Remove-Cluster" for _, cmd, _ in guests.world.history)
    if field != "cluster":
        assert any(INJECTION in args.values() for _, _, args in guests.world.history)


def test_executor_runs_only_shipped_scripts(guests: Guests) -> None:
    import threading

    from sdn_emulator.guests.executor import execute
    from sdn_provider.cluster.clixml import decode_clixml
    from sdn_provider.cluster.transport import build_command

    never = threading.Event()
    command = build_command("get_cluster", {})
    assert execute(guests.world, "DB1", command.executable, command.arguments, command.stdin, never)[0] == 0
    program, _, rest = command.stdin.partition(b"\r\n")
    tampered = base64.b64encode(base64.b64decode(program) + b"\nRemove-Cluster -Force\n") + b"\r\n" + rest
    rc, out, err = execute(guests.world, "DB1", command.executable, command.arguments, tampered, never)
    assert rc == 1 and out == b"" and "is not recognized as the name of a cmdlet" in decode_clixml(err.decode())
    other = base64.b64encode("Remove-Cluster -Force".encode("utf-16-le")).decode()
    rc, _, err = execute(guests.world, "DB1", command.executable, [*command.arguments[:3], other], command.stdin, never)
    assert rc == 1 and "The term 'Remove-Cluster' is not recognized" in decode_clixml(err.decode())
    rc, _, err = execute(guests.world, "DB1", "cmd.exe", ["/c", "whoami"], b"", never)
    assert rc == 1 and "The term 'cmd.exe' is not recognized" in decode_clixml(err.decode())


def test_plain_http_basic_only_when_allowed() -> None:
    from sdn_emulator.guests.cluster import GuestWorld
    from sdn_emulator.guests.wsman import start_guest_servers, stop_guest_servers
    from sdn_provider.cluster.transport import WinRMSettings, close_connections

    world = GuestWorld()
    world.add_node("DB1", "192.168.2.11", "192.168.2.0/24")
    servers = start_guest_servers(world, ["DB1"], credentials=("admin", "pw"), allow_http_basic=True)
    try:
        s = WinRMSettings(
            endpoint=servers["DB1"], auth="basic", username="admin", password="pw", allow_unencrypted=True
        )
        assert run_script(s, "get_cluster", {}) == {"exists": False}
        with pytest.raises(WinRMAuthError):
            run_script(
                WinRMSettings(
                    endpoint=servers["DB1"], auth="basic", username="admin", password="nope", allow_unencrypted=True
                ),
                "get_cluster",
                {},
            )
    finally:
        close_connections()
        stop_guest_servers(servers)


def test_emulator_never_imports_the_provider() -> None:
    """The contract between emulator and provider is the wire; shared script text lives in sdn_scripts."""
    import subprocess
    import sys

    code = (
        "import pkgutil, sys, sdn_emulator\n"
        "for m in pkgutil.walk_packages(sdn_emulator.__path__, 'sdn_emulator.'):\n"
        "    __import__(m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sdn_provider'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def _domain(g: Guests) -> None:
    """Nodes joined to a domain, with CredSSP enabled on their WinRM service (Enable-WSManCredSSP -Role Server)."""
    g.world.domain = "contoso.test"
    for node in ("DB1", "DB2"):
        g.world.set_node(node, credssp_server=True)


def test_second_hop_needs_credssp_on_a_domain(guests: Guests) -> None:
    _domain(guests)
    ntlm, credssp = guests.settings("DB1"), guests.settings("DB1", auth="credssp")
    with pytest.raises(ClusterCommandError, match=r"New-Cluster: .*Access is denied.*E_ACCESSDENIED"):
        run_script(ntlm, "new_cluster", {"name": "MyCluster", "node": "DB1"})
    assert not guests.world.clusters
    run_script(credssp, "new_cluster", {"name": "MyCluster", "node": "DB1"})
    for script, params in (
        ("add_cluster_node", {"cluster": "MyCluster", "node": "DB2"}),
        ("remove_cluster", {"cluster": "MyCluster"}),
    ):
        with pytest.raises(ClusterCommandError, match="Access is denied"):
            run_script(ntlm, script, params)
    # Reads and the IP parameters stay on the node: NTLM is enough for them.
    assert run_script(ntlm, "get_cluster", {})["nodes"] == [{"name": "DB1", "state": "Up"}]
    run_script(ntlm, "set_cluster_ip_address", {"parameters": SEED})
    joined = run_script(credssp, "add_cluster_node", {"cluster": "MyCluster", "node": "DB2"})
    assert [n["name"] for n in joined["nodes"]] == ["DB1", "DB2"]
    run_script(credssp, "remove_cluster", {"cluster": "MyCluster"})
    assert not guests.world.clusters


def test_credssp_is_refused_where_disabled_or_with_a_wrong_password(guests: Guests) -> None:
    with pytest.raises(WinRMConnectionError):  # the node offers NTLM and Basic only
        run_script(guests.settings("DB1", auth="credssp"), "get_cluster", {})
    close_connections()
    _domain(guests)
    with pytest.raises(WinRMConnectionError):
        run_script(guests.settings("DB1", auth="credssp", password="wrong"), "get_cluster", {})
    close_connections()
    assert run_script(guests.settings("DB1", auth="credssp"), "get_cluster", {}) == {"exists": False}


def test_connect_opens_the_shell_commands_then_use_and_runs_nothing(guests: Guests, shell_opens: list[str]) -> None:
    """The plan-time check: one shell on the node and no command; the next command runs in that shell."""
    db1, endpoint = guests.settings("DB1"), guests.servers.endpoints["DB1"]
    connect(db1)
    assert len(shell_opens) == 1 and len(endpoint.shells) == 1
    assert guests.world.command_counts().get("DB1", 0) == 0
    assert run_script(db1, "get_cluster", {}) == {"exists": False}
    assert len(shell_opens) == 1 and guests.world.command_counts()["DB1"] == 1
    close_connections()
    assert endpoint.shells == {}


def test_connect_fails_as_a_command_would(guests: Guests) -> None:
    """Wrong password, unknown CA, a stopped node: the errors run_script gives, raised before any command."""
    with pytest.raises(WinRMAuthError) as exc:
        connect(guests.settings("DB1", password="wrong-one"))
    assert "check winrm_username/winrm_password" in str(exc.value) and "wrong-one" not in str(exc.value)
    with pytest.raises(WinRMConnectionError, match="TLS handshake with .* failed"):
        connect(guests.settings("DB1", ca_cert_file=None))
    guests.world.stop_node("DB2")
    with pytest.raises(WinRMConnectionError, match="cannot reach WinRM endpoint|WinRM request to"):
        connect(guests.settings("DB2"))
    assert guests.world.command_counts().get("DB1", 0) == 0 and guests.world.command_counts().get("DB2", 0) == 0
