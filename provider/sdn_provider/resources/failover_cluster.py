"""`sdn_failover_cluster`: a Windows failover cluster without storage (the seed's Example 2, steps 2 and 6).

The first node runs `New-Cluster -NoStorage`; every other node is joined with `Add-ClusterNode` run on a
member, so only member nodes need a WinRM endpoint and the joining node is named to Windows as data.
Each create/update/delete step is one WinRM command; read is one command while the first node answers.
"""

from __future__ import annotations

import ipaddress
import re
import time
from typing import Any

from tf import types
from tf.schema import Attribute, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.cluster import ClusterCommandError, WinRMConnectionError, WinRMSettingsError
from sdn_provider.cluster.remote import (
    delegation_problem,
    reach,
    read_cluster,
    report,
    run,
    split_import_id,
)
from sdn_provider.errors import NotConfigured, ProviderError
from sdn_provider.framework import BaseResource, SdnPlanContext, is_known
from sdn_provider.resources.common import check_timeouts, deadline, known_list, timeouts_block
from sdn_provider.validation import check_ipv4

_CLUSTER_NAME = re.compile(r"^(?!\d+$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,13}[A-Za-z0-9])?$")
_COMPUTED = ("cluster_ip_address", "cluster_ip_state", "cluster_ip_owner_node", "node_states")

SCHEMA = Schema(
    # 1: ignore_networks (version-0 states upgrade through BaseResource.upgrade, which fills it in as null).
    version=1,
    description="A Windows Server failover cluster made with `New-Cluster -NoStorage` on the first node, the "
    "other nodes joined with `Add-ClusterNode`. Import ID: `<node>/<cluster name>` (a member node to reach "
    "over WinRM, then the cluster name), e.g. `DB1/MyCluster`.",
    attributes=[
        Attribute(
            "name",
            types.String(),
            description="Cluster name: it becomes the cluster's computer object and DNS name, so 1-15 letters, "
            "digits or hyphens, starting and ending with a letter or digit, not all digits (Microsoft Learn, "
            '"Computer Names"; checked at plan time). Changing it creates a new cluster.',
            required=True,
            requires_replace=True,
        ),
        Attribute(
            "nodes",
            types.List(types.String()),
            description="Node names, reached over WinRM at `winrm_endpoints[node]` or `https://<node>:5986/wsman`. "
            "The first node creates the cluster; the others join it. Adding a node joins it in place, removing one "
            "evicts it (`Remove-ClusterNode`) in place; only members need a WinRM endpoint the provider can reach. "
            "Names are case-insensitive and duplicates are refused at plan time; reordering or respelling them "
            "changes nothing on the cluster.",
            required=True,
        ),
        Attribute(
            "static_address",
            types.String(),
            description="Static IPv4 address given to `New-Cluster` (default: DHCP). Create-time only and not "
            "refreshed afterwards, because `sdn_cluster_ip_address` legitimately changes the cluster address; "
            "changing it creates a new cluster. An imported cluster records none, so setting it after an import "
            "is an in-place change that runs nothing.",
            optional=True,
            computed=True,
        ),
        Attribute(
            "ignore_networks",
            types.List(types.String()),
            description="Networks (CIDR, e.g. `10.0.2.0/24`) that `New-Cluster -IgnoreNetwork` leaves out. Windows "
            "includes networks with DHCP; any other network needs `static_address` or must be listed here (tenant "
            "VMs are usually addressed statically). Validated at plan time. Create-time only; changing it creates a "
            "new cluster.",
            optional=True,
            requires_replace=True,
        ),
        Attribute(
            "cluster_ip_address",
            types.String(),
            description='Current `Address` of the core group\'s IP Address resource ("Cluster IP Address" on '
            "English Windows; found by resource type, so localized or renamed names work).",
            computed=True,
        ),
        Attribute(
            "cluster_ip_state",
            types.String(),
            description="State of that IP Address resource (`Online`, `Offline`, `Failed`).",
            computed=True,
        ),
        Attribute(
            "cluster_ip_owner_node",
            types.String(),
            description="Node that owns the core cluster group (where the cluster IP is online).",
            computed=True,
        ),
        Attribute(
            "node_states",
            types.Map(types.String()),
            description="Map of member node name to its state (`Up`, `Down`, `Paused`).",
            computed=True,
        ),
    ],
    block_types=[timeouts_block()],
)


def _is_network(text: str) -> bool:
    try:
        ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def _same(a: Any, b: Any) -> bool:
    """Windows compares computer and cluster names case-insensitively."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _index(names: list[str], name: str) -> int | None:
    return next((i for i, n in enumerate(names) if _same(n, name)), None)


def from_cluster(info: dict, prior: dict) -> dict:
    """get_cluster's JSON -> state; keeps the user's node order and spelling for nodes still in the cluster."""
    members = [str(n.get("name")) for n in info.get("nodes") or []]
    prior_nodes = [n for n in known_list(prior.get("nodes")) if is_known(n)]
    kept = [n for n in prior_nodes if _index(members, n) is not None]
    nodes = kept + [m for m in members if _index(kept, m) is None]
    states = {}
    for n in info.get("nodes") or []:
        i = _index(nodes, str(n.get("name")))
        states[nodes[i] if i is not None else str(n.get("name"))] = str(n.get("state"))
    ip = info.get("ip_resource") or {}
    ip_params = ip.get("parameters") or {}
    name = prior.get("name")
    return {
        "name": name if _same(name, info.get("name")) else info.get("name"),
        "nodes": nodes,
        # Recorded once, when create planned it unknown (DHCP); never refreshed: sdn_cluster_ip_address
        # legitimately changes the cluster's address, and reading it back made every later plan report
        # "changed outside of Terraform" (issue 13, item 8).
        "static_address": info.get("static_address")
        if prior.get("static_address") is Unknown
        else prior.get("static_address"),
        "cluster_ip_address": ip_params.get("Address") or None,
        "cluster_ip_state": ip.get("state") or None,
        "cluster_ip_owner_node": ip.get("owner_node") or None,
        "node_states": states,
        "ignore_networks": prior.get("ignore_networks"),
        "timeouts": prior.get("timeouts"),
    }


class FailoverCluster(BaseResource):
    type_name = "failover_cluster"
    schema = SCHEMA

    # -- plan ---------------------------------------------------------------------------------------
    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        check_timeouts(diags, config)
        check_ipv4(diags, config.get("static_address"), ["static_address"])
        for i, network in enumerate(known_list(config.get("ignore_networks"))):
            if is_known(network) and not _is_network(network):
                diags.add_error(
                    "Invalid network",
                    f'"{network}" is not an IPv4 network in CIDR form (e.g. 10.0.2.0/24).',
                    path=["ignore_networks", (i,)],
                )
        name = config.get("name")
        if is_known(name) and not _CLUSTER_NAME.match(name):
            # The cluster name becomes a computer object and a DNS host label: Microsoft Learn, "Computer Names"
            # (NetBIOS: up to 15 letters, digits, hyphens; DNS labels: no periods); not all digits.
            diags.add_error(
                "Invalid cluster name",
                f'"{name}" is not a valid cluster name: use 1-15 letters, digits or hyphens, starting and ending with '
                "a letter or digit, not all digits (it becomes the cluster's computer object and DNS name).",
                path=["name"],
            )
        nodes = config.get("nodes")
        if not is_known(nodes):
            return
        if not nodes:
            diags.add_error(
                "No nodes", "nodes needs at least one node: the first one creates the cluster.", path=["nodes"]
            )
        seen: list[str] = []
        for i, node in enumerate(nodes):
            if not is_known(node):
                continue
            if not node.strip():
                diags.add_error("Invalid node name", "Node names must not be empty.", path=["nodes", (i,)])
            elif _index(seen, node) is not None:
                diags.add_error(
                    "Duplicate node",
                    f'"{node}" is listed more than once (names are case-insensitive).',
                    path=["nodes", (i,)],
                )
            seen.append(node)

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        nodes = planned.get("nodes")
        membership_changes = (
            current is None
            or not is_known(nodes)
            or [n.lower() if is_known(n) else n for n in nodes] != [n.lower() for n in current.get("nodes") or []]
        )
        if membership_changes:
            for key in _COMPUTED:
                planned[key] = Unknown
            self._check_nodes_reachable(ctx.diagnostics, nodes, current)
            problem = delegation_problem(self.provider)
            if problem:
                ctx.diagnostics.add_warning(
                    "Cluster change needs credential delegation", problem, path=["nodes"] if current else None
                )
        # Replace only when the recorded create-time address changes (not when an import recorded none).
        before, after = (current or {}).get("static_address"), planned.get("static_address")
        if current is not None and before is not None and after != before:
            ctx.requires_replace.append(["static_address"])
        return planned

    def _check_nodes_reachable(self, diags: Diagnostics, nodes: Any, current: dict | None) -> None:
        """Plan-time: every node this change will reach accepts a WinRM connection (address, TLS, credentials, a
        shell), so a wrong password, an unknown CA or an unreachable node fails the plan before the load balancer
        and memberships of the same plan are created. No command runs: what the node says is the apply's
        business, and a PowerShell start per node would make every plan wait on Windows."""
        before = [str(n).lower() for n in (current or {}).get("nodes") or []]
        for i, node in enumerate(known_list(nodes)):
            if not is_known(node) or str(node).lower() in before:
                continue
            try:
                reach(self.provider, node)
            except NotConfigured:
                return  # provider settings unknown until apply: nothing to check yet
            except (WinRMConnectionError, WinRMSettingsError) as exc:
                report(diags, f"Cannot reach cluster node {node}", exc, node, path=["nodes", (i,)])

    # -- CRUD -----------------------------------------------------------------------------------------
    def create(self, ctx: Any, planned: dict) -> dict | None:
        diags = ctx.diagnostics
        name, nodes = planned["name"], planned["nodes"]
        first = nodes[0]
        until = deadline(self.provider, planned, "create")
        static = planned.get("static_address") if is_known(planned.get("static_address")) else None
        ignored = [n for n in known_list(planned.get("ignore_networks")) if is_known(n)]
        params = {"name": name, "node": first, "static_address": static, "ignore_networks": ignored}
        try:
            info = run(self.provider, first, "new_cluster", params)
        except ClusterCommandError as exc:
            self._explain_new_cluster_failure(diags, first, name, exc)
            return None
        except ProviderError as exc:
            report(diags, "Cannot create failover cluster", exc, first, path=["nodes", (0,)])
            return None
        state = from_cluster(info, {**planned, "static_address": Unknown})  # record what New-Cluster got
        for i, node in enumerate(nodes[1:], start=1):
            if time.monotonic() > until:
                diags.add_error(
                    "Failover cluster create timed out",
                    f"Cluster {name} exists but {node} and later nodes were not joined in time.",
                )
                return state
            try:
                state = from_cluster(
                    run(self.provider, first, "add_cluster_node", {"cluster": name, "node": node}), state
                )
            except ProviderError as exc:
                # The cluster exists: keep it in state (Terraform marks it tainted) rather than losing it.
                report(diags, f"Cannot add node {node} to cluster {name}", exc, first, path=["nodes", (i,)])
                return state
        return state

    def _explain_new_cluster_failure(self, diags: Diagnostics, node: str, name: str, exc: ClusterCommandError) -> None:
        """New-Cluster refused: say clearly when it is because the node already belongs to a cluster."""
        try:
            info = run(self.provider, node, "get_cluster", {})
        except ProviderError:
            info = {}
        if info.get("exists"):
            existing = info.get("name")
            hint = (
                f"To manage it with Terraform, import it: terraform import <address> {node}/{existing}"
                if _same(existing, name)
                else "Evict it from that cluster first, or list other nodes."
            )
            diags.add_error(
                "Node already in a cluster",
                f"{node} is already a member of cluster {existing}; Terraform does not adopt existing clusters. "
                f"{hint}\n(New-Cluster said: {exc.message})",
                path=["nodes", (0,)],
            )
        elif "IgnoreNetwork" in exc.message:
            report(diags, "Cannot create failover cluster", exc, node, path=["static_address"])
            diags.diagnostics[
                -1
            ].detail += "\nSet static_address to an address on that network, or list the network in ignore_networks."
        else:
            report(diags, "Cannot create failover cluster", exc, node, path=["name"])

    def read(self, ctx: Any, current: dict) -> dict | None:
        """Ask the nodes in order; the cluster is gone only when every node answers that it is not a member."""
        name = current["name"]
        unreachable: list[tuple[str, Exception]] = []
        for node in current.get("nodes") or []:
            try:
                info = read_cluster(self.provider, node)
            except ProviderError as exc:
                unreachable.append((node, exc))
                continue
            if info.get("exists") and _same(info.get("name"), name):
                return from_cluster(info, current)
        if not unreachable:
            return None
        node, exc = unreachable[0]
        report(ctx.diagnostics, f"Cannot read failover cluster {name}", exc, node)
        return current

    def update(self, ctx: Any, current: dict, planned: dict) -> dict | None:
        diags = ctx.diagnostics
        name = planned["name"]
        old, new = current["nodes"], planned["nodes"]
        to_add = [n for n in new if _index(old, n) is None]
        to_remove = [n for n in old if _index(new, n) is None]
        staying = [n for n in new if _index(old, n) is not None]
        until = deadline(self.provider, planned, "update")
        state = {
            **current,
            "nodes": [*old],
            "timeouts": planned.get("timeouts"),
            "static_address": planned.get("static_address"),
        }
        steps = [("add_cluster_node", n, staying[0] if staying else old[0]) for n in to_add]
        # After the joins every planned node is a member, so an eviction always runs on a node that stays.
        steps += [("remove_cluster_node", n, new[0]) for n in to_remove]
        for script, node, via in steps:
            if time.monotonic() > until:
                diags.add_error("Failover cluster update timed out", f"{script} for {node} was not run in time.")
                return state
            try:
                state = from_cluster(
                    run(self.provider, via, script, {"cluster": name, "node": node}), {**state, "nodes": [*new]}
                )
            except ProviderError as exc:
                verb = "add" if script == "add_cluster_node" else "evict"
                report(
                    diags,
                    f"Cannot {verb} node {node} in cluster {name}",
                    exc,
                    via,
                    path=["nodes", (_index(new, node),)] if verb == "add" else ["nodes"],
                )
                return state
        if not steps:  # only the order or spelling of names changed: nothing to do on the cluster
            state = {**state, "nodes": [*new]}
            state["node_states"] = {
                new[i]: s for n, s in (current.get("node_states") or {}).items() if (i := _index(new, n)) is not None
            }
        return state

    def delete(self, ctx: Any, current: dict) -> None:
        name = current["name"]
        failures: list[tuple[str, Exception]] = []
        for node in current.get("nodes") or []:
            try:
                run(self.provider, node, "remove_cluster", {"cluster": name})
                return None
            except ClusterCommandError as exc:
                report(ctx.diagnostics, f"Cannot remove failover cluster {name}", exc, node)
                return None
            except ProviderError as exc:
                failures.append((node, exc))  # that node is unreachable: try the next member
        for node, exc in failures[:1]:
            report(ctx.diagnostics, f"Cannot remove failover cluster {name}", exc, node)
        return None

    def import_(self, ctx: Any, id: str) -> dict | None:
        parsed = split_import_id(ctx.diagnostics, id, "cluster name", "DB1/MyCluster")
        if parsed is None:
            return None
        node, name = parsed
        try:
            info = run(self.provider, node, "get_cluster", {})
        except ProviderError as exc:
            report(ctx.diagnostics, f"Cannot import failover cluster {name}", exc, node)
            return None
        if not info.get("exists") or not _same(info.get("name"), name):
            where = f"is a member of cluster {info.get('name')}" if info.get("exists") else "is not in a cluster"
            ctx.diagnostics.add_error("Failover cluster not found", f"{node} {where}, not of {name}.")
            return None
        state = from_cluster(info, {"name": name, "nodes": [], "timeouts": None})
        state["static_address"] = None  # the create-time argument is not recoverable from the cluster
        return state
