"""Glue between provider settings and the WinRM transport, and cluster errors -> diagnostics.

Resources only say "run script X on node N"; which URL, credentials and TLS material that means lives
here, so every cluster resource reaches a node the same way.
"""

from __future__ import annotations

import re
from typing import Any

from tf.utils import Diagnostics

from sdn_provider.cluster.errors import ClusterCommandError, ClusterCommandTimeout, WinRMConnectionError
from sdn_provider.cluster.transport import WinRMSettings, connect, run_script
from sdn_provider.errors import NotConfigured

# A DNS host name or IPv4 literal: what may go into https://<node>:5986/wsman when no endpoint is mapped.
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)*$"
)


def endpoint_for(provider: Any, node: str) -> str:
    """`winrm_endpoints[node]` (node names compare case-insensitively), else the node's default listener."""
    endpoints = provider.setting("winrm_endpoints") or {}
    for name, url in endpoints.items():
        if name.lower() == node.lower():
            return url
    if not _HOST.match(node):
        raise NotConfigured(
            f'node "{node}" is not a host name and winrm_endpoints has no entry for it: '
            "add it to winrm_endpoints or use the node's DNS name"
        )
    https = provider.setting("winrm_use_https", True)
    port = int(provider.setting("winrm_port") or (5986 if https else 5985))
    return f"{'https' if https else 'http'}://{node}:{port}/wsman"


def winrm_settings(provider: Any, node: str) -> WinRMSettings:
    """The transport settings for one node, from the provider's winrm_* settings (env fallbacks applied)."""
    return WinRMSettings(
        endpoint=endpoint_for(provider, node),
        auth=provider.setting("winrm_auth", "ntlm"),
        username=provider.setting("winrm_username"),
        password=provider.setting("winrm_password"),
        ca_cert_file=provider.setting("winrm_ca_cert_file"),
        insecure=bool(provider.setting("winrm_insecure", False)),
        allow_unencrypted=bool(provider.setting("winrm_allow_unencrypted", False)),
        # pypsrp takes the client certificate and key as PEM file paths.
        certificate_pem=provider.setting("winrm_cert_file"),
        certificate_key_pem=provider.setting("winrm_key_file"),
        kerberos_delegate=bool(provider.setting("winrm_kerberos_delegate", False)),
        command_timeout=int(provider.setting("winrm_command_timeout") or 900),
    )


#: Cluster writes that reach AD and the other nodes from the node they run on: Microsoft Learn, on New-Cluster,
#: Add-ClusterNode, Remove-ClusterNode and Remove-Cluster, "This cmdlet cannot be run remotely without Credential
#: Security Service Provider (CredSSP) authentication on the server computer" (the double hop).
SECOND_HOP_SCRIPTS = frozenset({"new_cluster", "add_cluster_node", "remove_cluster_node", "remove_cluster"})


def delegation_problem(provider: Any) -> str | None:
    """Why the configured WinRM auth cannot make the second hop those cmdlets need, or None when it can."""
    auth = provider.setting("winrm_auth", "ntlm")
    if auth == "credssp" or (auth == "kerberos" and provider.setting("winrm_kerberos_delegate", False)):
        return None
    why = {
        "ntlm": "NTLM cannot delegate credentials",
        "kerberos": "Kerberos delegates only with winrm_kerberos_delegate = true",
        "basic": "basic authentication maps to a local account, which cannot delegate",
        "certificate": "certificate authentication maps to a local account, which cannot delegate",
    }.get(auth, f"{auth} cannot delegate")
    return (
        f'winrm_auth = "{auth}": {why}, and Windows says New-Cluster, Add-ClusterNode, Remove-ClusterNode and '
        'Remove-Cluster cannot be run remotely without CredSSP. On a domain, set winrm_auth = "credssp" (with '
        'Enable-WSManCredSSP -Role Server on the nodes) or winrm_auth = "kerberos" with winrm_kerberos_delegate '
        "= true. A workgroup cluster of local accounts may still work: see docs/guides/windows-prerequisites.md."
    )


#: Scripts that only read the cluster; any other script may change it, so it drops the cached cluster reads.
READ_ONLY_SCRIPTS = frozenset({"get_cluster", "get_cluster_resource"})
_CLUSTER_READS = "winrm:"
#: How long a refresh's get_cluster answer may stand in for the cluster IP address read on the same node. Longer
#: than NC's READ_TTL: in a large refresh the IP is read seconds after its cluster (Terraform queues it behind
#: -parallelism), and an answer from earlier in the same refresh is as good as reading then. Any cluster write by
#: this provider drops it at once.
CLUSTER_READ_TTL = 30.0


def run(provider: Any, node: str, script: str, params: dict[str, Any]) -> Any:
    """Run one shipped script on `node` (one WinRM command)."""
    try:
        return run_script(winrm_settings(provider, node), script, params)
    finally:
        if script not in READ_ONLY_SCRIPTS:
            provider.reads.forget_prefix(_CLUSTER_READS)  # even a failed command may have changed something


def reach(provider: Any, node: str) -> None:
    """Connect and authenticate to `node` and open the shell its commands will use, running no command (a plan-time
    check: see transport.connect)."""
    connect(winrm_settings(provider, node))


def read_cluster(provider: Any, node: str) -> Any:
    """`get_cluster` on `node` for a refresh, kept in the provider's read cache so that the cluster IP address
    read on the same node can reuse the answer instead of sending its own command."""
    return provider.reads.get(
        f"{_CLUSTER_READS}{node}", lambda: run(provider, node, "get_cluster", {}), ttl=CLUSTER_READ_TTL
    )


def recent_cluster(provider: Any, node: str) -> Any:
    """The `get_cluster` answer `read_cluster` got from `node` within CLUSTER_READ_TTL, or None; never runs a
    command."""
    return provider.reads.peek(f"{_CLUSTER_READS}{node}", ttl=CLUSTER_READ_TTL)


#: A node that cannot be reached (down, or its command hangs): another member may answer for it.
UNREACHABLE = (WinRMConnectionError, ClusterCommandTimeout)


def cluster_peers(provider: Any, node: str) -> list[str]:
    """Nodes that may answer for `node`'s cluster when `node` is unreachable: first the other members listed by
    a recent `get_cluster` answer (sdn_failover_cluster's refresh) that lists `node`, then the other nodes the
    provider has a WinRM endpoint for. Callers check membership before trusting an answer."""
    cached = provider.reads.fresh(_CLUSTER_READS, ttl=CLUSTER_READ_TTL).values()
    members = [name for info in cached if is_member(info, node) for name in _node_names(info)]
    candidates = [*members, *(provider.setting("winrm_endpoints") or {})]
    peers: dict[str, str] = {}  # lower-cased name -> the first spelling seen
    for candidate in candidates:
        if candidate and candidate.lower() != node.lower():
            peers.setdefault(candidate.lower(), candidate)
    return list(peers.values())


def is_member(info: Any, node: str) -> bool:
    """Does a `get_cluster` answer list `node` among its cluster's nodes (names compared as Windows does)?"""
    return node.lower() in (name.lower() for name in _node_names(info))


def _node_names(info: Any) -> list[str]:
    """The node names a `get_cluster` answer lists, none when it found no cluster. An entry without a name (or a
    null one) names no node: not "None", which is a host name."""
    nodes = info.get("nodes") if isinstance(info, dict) and info.get("exists") else None
    return [str(n["name"]) for n in nodes or [] if isinstance(n, dict) and n.get("name")]


def is_not_found(exc: BaseException) -> bool:
    """Windows' "object not found" error record (a missing resource, node or cluster object)."""
    return isinstance(exc, ClusterCommandError) and (
        exc.category == "ObjectNotFound" or exc.fully_qualified_error_id.startswith("ClusterObjectNotFound")
    )


def report(diags: Diagnostics, summary: str, exc: BaseException, node: str, path: list | None = None) -> None:
    """One diagnostic per failure; quotes the cmdlet's own message (the transport never includes passwords)."""
    if isinstance(exc, WinRMConnectionError | ClusterCommandTimeout):  # includes WinRMAuthError
        detail = f"{exc} (node {node})"
    elif isinstance(exc, ClusterCommandError):
        where = f"{exc.cmdlet} on {node}" if exc.cmdlet else f"{exc.script} on {node}"
        detail = f"{where} failed: {exc.message}"
    else:
        detail = str(exc)
    diags.add_error(summary, detail, path=path)


def split_import_id(diags: Diagnostics, id: str, what: str, example: str) -> tuple[str, str] | None:
    """`<node>/<name>` import IDs (the name may contain spaces); a diagnostic and None when malformed."""
    node, sep, name = id.partition("/")
    if not sep or not node.strip() or not name.strip():
        diags.add_error("Invalid import ID", f'"{id}" is not <node>/<{what}> (e.g. {example}).')
        return None
    return node, name
