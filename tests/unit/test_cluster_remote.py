"""The glue between provider settings and the WinRM transport: the settings one node gets, which members may
answer for an unreachable node, Windows' "not found", the second-hop warning, and cluster errors as diagnostics."""

from __future__ import annotations

from typing import Any

import pytest
from tf.utils import Diagnostics

from sdn_provider.cluster import remote
from sdn_provider.cluster.transport import ClusterCommandError, ClusterCommandTimeout, WinRMConnectionError
from sdn_provider.errors import NotConfigured
from tests.unit.test_cluster_resources import provider


def test_winrm_settings_come_from_the_provider_settings() -> None:
    p = provider(
        winrm_endpoints={"DB1": "https://127.0.0.1:55986/wsman"},
        winrm_auth="credssp",
        winrm_username="CONTOSO\\admin",
        winrm_password="secret",
        winrm_ca_cert_file="/ca.pem",
        winrm_insecure=False,
        winrm_allow_unencrypted=True,
        winrm_cert_file="/c.pem",
        winrm_key_file="/k.pem",
        winrm_kerberos_delegate=True,
        winrm_command_timeout=120,
    )
    s = remote.winrm_settings(p, "db1")
    assert (s.endpoint, s.auth, s.username, s.password) == (
        "https://127.0.0.1:55986/wsman",
        "credssp",
        "CONTOSO\\admin",
        "secret",
    )
    assert (s.ca_cert_file, s.insecure, s.allow_unencrypted) == ("/ca.pem", False, True)
    assert (s.certificate_pem, s.certificate_key_pem, s.kerberos_delegate, s.command_timeout) == (
        "/c.pem",
        "/k.pem",
        True,
        120,
    )
    d = remote.winrm_settings(provider(), "DB2")
    assert (d.endpoint, d.auth, d.insecure, d.allow_unencrypted, d.kerberos_delegate, d.command_timeout) == (
        "https://DB2:5986/wsman",
        "ntlm",
        False,
        False,
        False,
        900,
    )


def test_winrm_insecure_turns_certificate_validation_off() -> None:
    """winrm_insecure (SDN_WINRM_INSECURE) reaches the transport; unset, validation stays on."""
    assert remote.winrm_settings(provider(winrm_insecure=True), "DB1").insecure is True
    assert remote.winrm_settings(provider(winrm_insecure=None), "DB1").insecure is False


def test_a_node_that_is_no_host_name_and_has_no_endpoint_says_what_to_do() -> None:
    """The whole message: it is the diagnostic's detail, the one place the user learns the two ways out."""
    with pytest.raises(NotConfigured) as caught:
        remote.endpoint_for(provider(winrm_endpoints={"DB1": "https://h:1/wsman"}), "SQL Node 1")
    assert str(caught.value) == (
        'node "SQL Node 1" is not a host name and winrm_endpoints has no entry for it: '
        "add it to winrm_endpoints or use the node's DNS name"
    )


#: What plan's "Cluster change needs credential delegation" warning says after the reason: the same for every auth.
SECOND_HOP_FIX = (
    ", and Windows says New-Cluster, Add-ClusterNode, Remove-ClusterNode and Remove-Cluster cannot be run remotely "
    'without CredSSP. On a domain, set winrm_auth = "credssp" (with Enable-WSManCredSSP -Role Server on the nodes) '
    'or winrm_auth = "kerberos" with winrm_kerberos_delegate = true. A workgroup cluster of local accounts may still '
    "work: see docs/guides/windows-prerequisites.md."
)


@pytest.mark.parametrize(
    ("settings", "auth", "why"),
    [
        ({}, "ntlm", "NTLM cannot delegate credentials"),
        ({"winrm_auth": "kerberos"}, "kerberos", "Kerberos delegates only with winrm_kerberos_delegate = true"),
        (
            {"winrm_auth": "kerberos", "winrm_kerberos_delegate": False},
            "kerberos",
            "Kerberos delegates only with winrm_kerberos_delegate = true",
        ),
        ({"winrm_auth": "basic"}, "basic", "basic authentication maps to a local account, which cannot delegate"),
        (
            {"winrm_auth": "certificate"},
            "certificate",
            "certificate authentication maps to a local account, which cannot delegate",
        ),
        ({"winrm_auth": "other"}, "other", "other cannot delegate"),
    ],
)
def test_auth_that_cannot_make_the_second_hop_is_explained(settings: dict, auth: str, why: str) -> None:
    """The warning is the whole of what a user reads in plan: the reason for their auth, then how to fix it."""
    assert remote.delegation_problem(provider(**settings)) == f'winrm_auth = "{auth}": {why}{SECOND_HOP_FIX}'


@pytest.mark.parametrize(
    "settings", [{"winrm_auth": "credssp"}, {"winrm_auth": "kerberos", "winrm_kerberos_delegate": True}]
)
def test_auth_that_delegates_has_no_problem(settings: dict) -> None:
    assert remote.delegation_problem(provider(**settings)) is None


CLUSTER = {"exists": True, "name": "C", "nodes": [{"name": "DB1"}, {"name": "db2"}, {"name": "DB3"}]}


def test_peers_are_the_members_a_recent_answer_lists_then_the_mapped_endpoints() -> None:
    p = provider(winrm_endpoints={"DB4": "https://h:1/wsman", "db3": "https://h:2/wsman", "DB1": "https://h:3/wsman"})
    assert remote.cluster_peers(p, "DB1") == ["DB4", "db3"]  # nothing cached yet: the endpoints, not DB1 itself
    p.reads.get("winrm:DB2", lambda: CLUSTER, ttl=30)
    p.reads.get("winrm:DB9", lambda: {"exists": True, "nodes": [{"name": "DB8"}]}, ttl=30)  # another cluster
    assert remote.cluster_peers(p, "db1") == ["db2", "DB3", "DB4"]


def test_membership_compares_names_as_windows_does() -> None:
    assert remote.is_member(CLUSTER, "DB2") and remote.is_member(CLUSTER, "db1")
    assert not remote.is_member(CLUSTER, "DB4")
    assert not remote.is_member({**CLUSTER, "exists": False}, "DB1")
    assert not remote.is_member(None, "DB1") and not remote.is_member({"exists": True, "nodes": ["DB1"]}, "DB1")


@pytest.mark.parametrize("name", ["None", "none", ""])
def test_a_node_entry_without_a_name_names_no_node(name: str) -> None:
    """An entry whose name is missing or null is no member and no peer: "None" is a valid host name, and a peer
    made up of it would cost a connection attempt per unreachable node."""
    info = {"exists": True, "nodes": [{}, {"name": None}, {"name": ""}, {"name": "DB2"}]}
    assert not remote.is_member(info, name)
    p = provider()
    p.reads.get("winrm:DB2", lambda: info, ttl=30)
    assert remote.cluster_peers(p, "DB2") == []


@pytest.mark.parametrize(
    ("record", "found"),
    [
        ({"category": "ObjectNotFound"}, False),
        ({"fullyQualifiedErrorId": "ClusterObjectNotFound,Microsoft.FailoverClusters"}, False),
        ({"category": "InvalidOperation", "fullyQualifiedErrorId": "Other"}, True),
    ],
)
def test_windows_not_found_is_recognised(record: dict, found: bool) -> None:
    assert remote.is_not_found(ClusterCommandError("s", record)) is not found
    assert not remote.is_not_found(WinRMConnectionError("ObjectNotFound"))


def reported(exc: BaseException) -> tuple[str, str, Any]:
    diags = Diagnostics()
    remote.report(diags, "Cannot read", exc, "DB1", path=["x"])
    [d] = diags.diagnostics
    return d.summary, d.detail, d.path


def test_cluster_errors_become_one_diagnostic_naming_the_node() -> None:
    assert reported(WinRMConnectionError("refused")) == ("Cannot read", "refused (node DB1)", ["x"])
    assert reported(ClusterCommandTimeout("late"))[1] == "late (node DB1)"
    assert reported(ClusterCommandError("get_cluster", {"cmdlet": "Get-Cluster", "message": "denied"}))[1] == (
        "Get-Cluster on DB1 failed: denied"
    )
    assert reported(ClusterCommandError("get_cluster", {"message": "exit code 1"}))[1] == (
        "get_cluster on DB1 failed: exit code 1"
    )
    assert reported(ValueError("other"))[1] == "other"


@pytest.mark.parametrize("bad", ["DB1", "/name", "DB1/", " /name", "DB1/ "])
def test_import_ids_are_node_slash_name(bad: str) -> None:
    diags = Diagnostics()
    assert remote.split_import_id(diags, bad, "cluster name", "DB1/MyCluster") is None
    assert diags.diagnostics[0].detail == f'"{bad}" is not <node>/<cluster name> (e.g. DB1/MyCluster).'


def test_import_id_keeps_slashes_and_spaces_in_the_name() -> None:
    assert remote.split_import_id(Diagnostics(), "DB1/Cluster IP/Address", "x", "y") == ("DB1", "Cluster IP/Address")
