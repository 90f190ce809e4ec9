"""The FailoverClusters module (and clusapi.dll's GetNodeClusterState) on one simulated node, over :mod:`cluster`.

Each cmdlet takes the parameters its Microsoft Learn page lists that the scripts use, runs without ``-Cluster``
(the local cluster) and outputs objects with the properties the scripts read. A model error becomes the ErrorRecord
the cmdlet would raise: its message, category and error id, and the cmdlet as ``InvocationInfo.MyCommand``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sdn_emulator.powershell import Command, ErrorRecord, Invocation, PSError, PSObject, Ref, Unsupported
from sdn_emulator.powershell.values import Hashtable, to_string

from .cluster import ClusterCmdletError, GuestWorld

#: Cmdlets that reach Active Directory or the other nodes from the node they run on (see GuestWorld.domain).
SECOND_HOP = ("NewClusterCommand", "AddClusterNodeCommand", "RemoveClusterNodeCommand", "RemoveClusterCommand")


def cmdlet_name(class_name: str) -> str:
    """``SetClusterParameterCommand`` -> ``Set-ClusterParameter`` (what $_.InvocationInfo.MyCommand.Name gives)."""
    base = class_name.removesuffix("Command")
    if base == "GetResource":
        return "Get-ClusterResource"
    m = re.match(r"([A-Z][a-z]+)(.*)", base)
    return f"{m.group(1)}-{m.group(2)}" if m else base


def error_record(error: ClusterCmdletError) -> ErrorRecord:
    """The ErrorRecord of a model error; the exception type shows only in an uncaught error's console text, and
    ClusterCmdletException is an assumption."""
    return ErrorRecord(
        error.message,
        error.category,
        error.fully_qualified_error_id,
        cmdlet=cmdlet_name(error.cmdlet) if error.cmdlet else "",
        exception_type="ClusterCmdletException",
    )


def _resource_object(described: dict[str, Any]) -> PSObject:
    return PSObject(
        "Microsoft.FailoverClusters.PowerShell.ClusterResource",
        Name=described["name"],
        State=described["state"],
        OwnerNode=described["owner_node"],
        ResourceType=described["resource_type"],
        OwnerGroup=described["owner_group"],
    )


class FailoverClusters:
    """The module's cmdlets as run on ``node``. ``delegated``: the session passed the user's credentials on
    (CredSSP), so second-hop cmdlets may reach AD and the other nodes. ``injected``: a fault the control API
    queued for this command, raised by the first cluster cmdlet the script calls."""

    def __init__(self, world: GuestWorld, node: str, delegated: bool, injected: ClusterCmdletError | None):
        self.world = world
        self.node = node
        self.delegated = delegated
        self.injected = injected

    def natives(self) -> dict[tuple[str, str], Callable[..., Any]]:
        """DLL exports Add-Type may declare: clusapi GetNodeClusterState(node, out state) (Microsoft Learn:
        0 not installed, 1 not configured, 3 not running, 19 running; returns ERROR_SUCCESS)."""

        def get_node_cluster_state(node: Any, state: Ref) -> int:
            if node is not None:
                raise Unsupported("GetNodeClusterState of another node")
            state.value = self.world.node_cluster_state(self.node)
            return 0

        return {("clusapi.dll", "getnodeclusterstate"): get_node_cluster_state}

    def commands(self) -> dict[str, Command]:
        specs: list[tuple[str, str, Callable[[Invocation], list[Any]], tuple[str, ...], tuple[str, ...],
                          tuple[str, ...]]] = [
            ("Get-Cluster", "GetClusterCommand", self._get_cluster, (), (), ()),
            ("Get-ClusterNode", "GetClusterNodeCommand", self._get_nodes, ("Name",), ("Name",), ()),
            ("Get-ClusterGroup", "GetClusterGroupCommand", self._get_groups, (), (), ()),
            ("Get-ClusterResource", "GetResourceCommand", self._get_resources, ("Name",), ("Name",), ()),
            ("Get-ClusterParameter", "GetClusterParameterCommand", self._get_parameters, ("InputObject",), (), ()),
            ("Get-ClusterResourceDependency", "GetClusterResourceDependencyCommand", self._get_dependency,
             ("Resource",), ("Resource",), ()),
            ("Set-ClusterParameter", "SetClusterParameterCommand", self._set_parameters, ("InputObject", "Multiple"),
             (), ()),
            ("Start-ClusterResource", "StartClusterResourceCommand", self._start, ("Name", "Wait"), ("Name",), ()),
            ("Stop-ClusterResource", "StopClusterResourceCommand", self._stop, ("Name",), ("Name",), ()),
            ("New-Cluster", "NewClusterCommand", self._new_cluster, ("Name", "Node", "StaticAddress",
             "IgnoreNetwork"), ("Name",), ("NoStorage",)),
            ("Add-ClusterNode", "AddClusterNodeCommand", self._add_node, ("Name",), ("Name",), ("NoStorage",)),
            ("Remove-ClusterNode", "RemoveClusterNodeCommand", self._remove_node, ("Name",), ("Name",), ("Force",)),
            ("Remove-Cluster", "RemoveClusterCommand", self._remove_cluster, (), (), ("Force", "CleanupAD")),
        ]  # fmt: skip
        return {
            name: Command(
                name,
                self._guarded(class_name, run),
                parameters,
                positional,
                switches,
                f"Microsoft.FailoverClusters.PowerShell.{class_name}",
            )  # fmt: skip
            for name, class_name, run, parameters, positional, switches in specs
        }

    def _guarded(self, class_name: str, run: Callable[[Invocation], list[Any]]) -> Callable[[Invocation], list[Any]]:
        """The injected fault first, then the second-hop check, then the model; model errors as ErrorRecords."""

        def guarded(invocation: Invocation) -> list[Any]:
            try:
                if self.injected is not None:
                    injected, self.injected = self.injected, None
                    raise injected
                if class_name in SECOND_HOP and self.world.domain and not self.delegated:
                    raise self._second_hop_denied(class_name)
                return run(invocation)
            except ClusterCmdletError as error:
                raise PSError(error_record(error)) from None

        return guarded

    def _second_hop_denied(self, class_name: str) -> ClusterCmdletError:
        """What the cmdlet reports when the node cannot pass the user's identity on: the next machine (a domain
        controller, another node) sees an anonymous logon and denies access. The wording is an assumption (Windows
        wraps E_ACCESSDENIED in cmdlet-specific text); the code is Windows' E_ACCESSDENIED."""
        return ClusterCmdletError(
            class_name,
            f"{cmdlet_name(class_name)} on {self.node} could not reach Active Directory ({self.world.domain}) or the "
            "other nodes with your credentials: Access is denied. (Exception from HRESULT: 0x80070005 "
            "(E_ACCESSDENIED))",
            "PermissionDenied",
            f"UnauthorizedAccess,Microsoft.FailoverClusters.PowerShell.{class_name}",
        )

    # ----- the cmdlets ------------------------------------------------------------------------------------
    def _get_cluster(self, invocation: Invocation) -> list[Any]:
        return [PSObject("Microsoft.FailoverClusters.PowerShell.Cluster", Name=self.world.local_cluster(self.node))]

    def _get_nodes(self, invocation: Invocation) -> list[Any]:
        nodes = self.world.cluster_nodes(self.node)
        wanted = invocation.bound.get("name")
        if wanted is not None:
            nodes = [n for n in nodes if n["name"].lower() == to_string(wanted).lower()]
            if not nodes:
                raise ClusterCmdletError(
                    "GetClusterNodeCommand",
                    f"The cluster node '{to_string(wanted)}' could not be found.\n    The cluster node was not found.",
                    "ObjectNotFound",
                    "ClusterObjectNotFound,Microsoft.FailoverClusters.PowerShell.GetClusterNodeCommand",
                )
        return [PSObject("Microsoft.FailoverClusters.PowerShell.ClusterNode", Name=n["name"], State=n["state"])
                for n in nodes]  # fmt: skip

    def _get_groups(self, invocation: Invocation) -> list[Any]:
        return [
            PSObject(
                "Microsoft.FailoverClusters.PowerShell.ClusterGroup",
                Name=g["name"],
                OwnerNode=g["owner_node"],
                GroupType=g["group_type"],
            )  # fmt: skip
            for g in self.world.cluster_groups(self.node)
        ]

    def _get_resources(self, invocation: Invocation) -> list[Any]:
        name = invocation.bound.get("name")
        if name is not None:
            return [_resource_object(self.world.get_resource(self.node, to_string(name)))]
        return [_resource_object(r) for r in self.world.cluster_resources(self.node)]

    def _resource_name(self, invocation: Invocation, parameter: str) -> str:
        value = invocation.bound.get(parameter)
        if value is None and len(invocation.input) == 1:
            value = invocation.input[0]
        if isinstance(value, PSObject) and value.type_name.endswith("ClusterResource"):
            return to_string(value.get_ci("Name"))
        raise Unsupported(f"-{parameter} other than one ClusterResource object", invocation.line)

    def _get_parameters(self, invocation: Invocation) -> list[Any]:
        """Get-ClusterParameter -InputObject <resource>: one object per private property (Name, Value)."""
        described = self.world.get_resource(self.node, self._resource_name(invocation, "inputobject"))
        return [
            PSObject(
                "Microsoft.FailoverClusters.PowerShell.ClusterParameter",
                ClusterObject=described["name"],
                Name=key,
                Value=value,
            )  # fmt: skip
            for key, value in described["parameters"].items()
        ]

    def _get_dependency(self, invocation: Invocation) -> list[Any]:
        described = self.world.get_resource(self.node, to_string(invocation.bound.get("resource")))
        return [
            PSObject(
                "Microsoft.FailoverClusters.PowerShell.ClusterResourceDependency",
                Resource=described["name"],
                DependencyExpression=described["dependencies"],
            )  # fmt: skip
        ]

    def _set_parameters(self, invocation: Invocation) -> list[Any]:
        """``<resource> | Set-ClusterParameter -Multiple @{...}``: the whole table in one call (Learn)."""
        values = invocation.bound.get("multiple")
        if not isinstance(values, Hashtable):
            raise Unsupported("Set-ClusterParameter other than -Multiple <hashtable>", invocation.line)
        self.world.set_parameters(self.node, self._resource_name(invocation, "inputobject"), dict(values))
        return []

    def _current(self, name: str) -> list[Any]:
        """The resource object a start or stop outputs (read without adding to the cmdlet history)."""
        resources = self.world.cluster_resources(self.node)
        return [_resource_object(r) for r in resources if r["name"].lower() == name.lower()]

    def _start(self, invocation: Invocation) -> list[Any]:
        """Start-ClusterResource -Name [-Wait s]: the model's resources come online at once or fail, so the wait
        never runs out."""
        name = to_string(invocation.bound.get("name"))
        self.world.start_resource(self.node, name)
        return self._current(name)

    def _stop(self, invocation: Invocation) -> list[Any]:
        name = to_string(invocation.bound.get("name"))
        self.world.stop_resource(self.node, name)
        return self._current(name)

    def _new_cluster(self, invocation: Invocation) -> list[Any]:
        bound = invocation.bound
        static = bound.get("staticaddress")
        ignored = [to_string(n) for n in bound.get("ignorenetwork") or []]
        name = to_string(bound.get("name"))
        self.world.new_cluster(self.node, name, to_string(bound.get("node")), to_string(static) or None, ignored)
        return [PSObject("Microsoft.FailoverClusters.PowerShell.Cluster", Name=name)]

    def _add_node(self, invocation: Invocation) -> list[Any]:
        name = to_string(invocation.bound.get("name"))
        self.world.add_cluster_node(self.node, self.world.local_cluster(self.node), name)
        return [n for n in self._get_nodes(invocation)]

    def _remove_node(self, invocation: Invocation) -> list[Any]:
        self._confirmed(invocation)
        cluster = self.world.local_cluster(self.node)
        self.world.remove_cluster_node(self.node, cluster, to_string(invocation.bound.get("name")))
        return []

    def _remove_cluster(self, invocation: Invocation) -> list[Any]:
        self._confirmed(invocation)
        self.world.remove_cluster(self.node, self.world.local_cluster(self.node))
        return []

    @staticmethod
    def _confirmed(invocation: Invocation) -> None:
        """Without -Force these cmdlets ask for confirmation, which a non-interactive session cannot answer."""
        if not invocation.bound.get("force"):
            raise Unsupported("a cmdlet that would prompt for confirmation (no -Force)", invocation.line)
