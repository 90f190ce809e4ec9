"""A static check of the shipped PowerShell, as it is sent: every program parses with a real PowerShell grammar
(tree-sitter-powershell), uses no PowerShell 7-only syntax (Windows Server 2016-2022 ship Windows PowerShell 5.1),
and calls every FailoverClusters cmdlet with parameters of one of its parameter sets, from Microsoft Learn."""

from __future__ import annotations

import pytest
import tree_sitter_powershell
from sdn_scripts import BOOTSTRAP, program
from tree_sitter import Language, Node, Parser

SCRIPTS = [
    "get_cluster",
    "new_cluster",
    "add_cluster_node",
    "remove_cluster_node",
    "remove_cluster",
    "get_cluster_resource",
    "set_cluster_ip_address",
]
COMMON = {
    "Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable", "OutBuffer",
    "OutVariable", "PipelineVariable", "Verbose", "WarningAction", "WarningVariable",
}  # fmt: skip
# cmdlet -> its parameter sets (without the common parameters), each entry from the cmdlet's Learn page,
# https://learn.microsoft.com/powershell/module/failoverclusters/<cmdlet>.
PARAMETER_SETS: dict[str, list[set[str]]] = {
    # Learn get-cluster: [-Name] [-Domain] [-InputObject]
    "Get-Cluster": [{"Name", "Domain", "InputObject"}],
    # Learn get-clusternode: [[-Name]] [-InputObject] [-Cluster]
    "Get-ClusterNode": [{"Name", "InputObject", "Cluster"}],
    # Learn get-clustergroup: [[-Name]] [-VMId] [-InputObject] [-Cluster]
    "Get-ClusterGroup": [{"Name", "VMId", "InputObject", "Cluster"}],
    # Learn get-clusterresource: [[-Name]] [-VMId] [-InputObject] [-Cluster]
    "Get-ClusterResource": [{"Name", "VMId", "InputObject", "Cluster"}],
    # Learn get-clusterparameter: [[-Name]] [-InputObject] [-Cluster]
    "Get-ClusterParameter": [{"Name", "InputObject", "Cluster"}],
    # Learn get-clusterresourcedependency: [[-Resource]] [-InputObject] [-Cluster]
    "Get-ClusterResourceDependency": [{"Resource", "InputObject", "Cluster"}],
    # Learn set-clusterparameter: sets NoMultiple, Single Parameter ([-Name] [-Value]), Multiple Parameter
    "Set-ClusterParameter": [
        {"InputObject", "Create", "Delete", "Cluster"},
        {"Name", "Value", "InputObject", "Create", "Delete", "Cluster"},
        {"Multiple", "InputObject", "Create", "Delete", "Cluster"},
    ],
    # Learn start-clusterresource: [[-Name]] [-IgnoreLocked] [-ChooseBestNode] [-Wait] [-InputObject] [-Cluster]
    "Start-ClusterResource": [{"Name", "IgnoreLocked", "ChooseBestNode", "Wait", "InputObject", "Cluster"}],
    # Learn stop-clusterresource: [[-Name]] [-IgnoreLocked] [-Wait] [-InputObject] [-Cluster]
    "Stop-ClusterResource": [{"Name", "IgnoreLocked", "Wait", "InputObject", "Cluster"}],
    # Learn new-cluster: [-Name] [-Node] [-StaticAddress] [-IgnoreNetwork] [-NoStorage] [-S2D]
    # [-AdministrativeAccessPoint] [-ManagementPointNetworkType] [-Force]
    "New-Cluster": [
        {
            "Name",
            "Node",
            "StaticAddress",
            "IgnoreNetwork",
            "NoStorage",
            "S2D",
            "AdministrativeAccessPoint",
            "ManagementPointNetworkType",
            "Force",
        }
    ],  # fmt: skip
    # Learn add-clusternode: [[-Name]] [-NoStorage] [-InputObject] [-Cluster]
    "Add-ClusterNode": [{"Name", "NoStorage", "InputObject", "Cluster"}],
    # Learn remove-clusternode: [[-Name]] [-Force] [-CleanupDisks] [-IgnoreStorageConnectivityLoss] [-Wait]
    # [-InputObject] [-Cluster]
    "Remove-ClusterNode": [
        {"Name", "Force", "CleanupDisks", "IgnoreStorageConnectivityLoss", "Wait", "InputObject", "Cluster"}
    ],
    # Learn remove-cluster: [-Force] [-CleanupAD] [-InputObject] [-Cluster]
    "Remove-Cluster": [{"Force", "CleanupAD", "InputObject", "Cluster"}],
}
_PARSER = Parser(Language(tree_sitter_powershell.language()))


def _walk(node: Node):
    yield node
    for child in node.children:
        yield from _walk(child)


def problems(source: str) -> list[str]:
    """Everything wrong with one program; empty when it passes."""
    root = _PARSER.parse(source.encode("utf-8")).root_node
    found = []
    for node in _walk(root):
        line = node.start_point[0] + 1
        if node.type == "ERROR" or node.is_missing:
            # The grammar is PowerShell 5.1's: ?? ??= ?. and the ternary ? : (PowerShell 7) fail to parse.
            found.append(f"line {line}: does not parse: {node.text.decode()[:60]!r}")
        elif node.type == "pipeline_chain_tail":  # && and || between pipelines: PowerShell 7 only
            found.append(f"line {line}: pipeline chain operator (PowerShell 7 only)")
        elif node.type == "command":
            found += _check_command(node, line)
    return found


def _check_command(node: Node, line: int) -> list[str]:
    name_node = node.child_by_field_name("command_name")
    name = name_node.text.decode() if name_node is not None else ""
    elements = node.child_by_field_name("command_elements")
    params = {
        e.text.decode().lstrip("-").rstrip(":")
        for e in (elements.children if elements is not None else [])
        if e.type == "command_parameter"
    }
    if name.lower() == "foreach-object" and "Parallel" in params:
        return [f"line {line}: ForEach-Object -Parallel (PowerShell 7 only)"]
    sets = PARAMETER_SETS.get(name)
    if sets is None:
        unknown = "-Cluster" in name and name.split("-", 1)[0] in (
            "Get",
            "Set",
            "New",
            "Add",
            "Remove",
            "Start",
            "Stop",
        )
        return [f"line {line}: {name} is not in the FailoverClusters table"] if unknown else []
    used = params - COMMON
    if "Cluster" in used:
        return [f"line {line}: {name} -Cluster reaches the cluster by name through DNS; use the local cluster"]
    if not any(used <= allowed for allowed in sets):
        return [f"line {line}: {name} has no parameter set with {', '.join(sorted(used))}"]
    return []


@pytest.mark.parametrize("name", SCRIPTS)
def test_shipped_program_passes_the_static_check(name: str) -> None:
    assert problems(program(name)) == []


def test_bootstrap_passes_the_static_check() -> None:
    assert problems(BOOTSTRAP) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("-NoStorage", "-NoStorrage"), "Add-ClusterNode has no parameter set with Name, NoStorrage"),
        (("Add-ClusterNode -Name $node", "Add-ClusterNode -Cluster $c -Name $node"), "-Cluster reaches the cluster"),
        (("$wait = if", "$wait = $SdnInput.wait_seconds ?? 120\n    $w = if"), "does not parse"),
        (("| Out-Null\n    $until", "| Out-Null && $x\n    $until"), "pipeline chain operator"),
    ],
)
def test_the_check_catches_planted_mistakes(edit: tuple[str, str], message: str) -> None:
    source = program("add_cluster_node")
    assert edit[0] in source
    assert any(message in p for p in problems(source.replace(*edit, 1))), problems(source.replace(*edit, 1))


def test_the_check_catches_a_wrong_parameter_set() -> None:
    source = program("set_cluster_ip_address").replace("-Multiple $values", "-Multiple $values -Name Address")
    assert any("Set-ClusterParameter has no parameter set with Multiple, Name" in p for p in problems(source))
