"""A static check of the shipped PowerShell (issue 14): every script the provider sends, parsed with a real
PowerShell grammar exactly as the transport sends it, must be Windows PowerShell 5.1 and call FailoverClusters
cmdlets only with parameters and parameter sets Microsoft Learn documents. The second half proves the checker
catches each kind of mistake, by feeding it small bad snippets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import sdn_scripts

from sdn_provider.cluster import transport
from tests.powershell.check import check_script
from tests.powershell.cmdlets import CMDLETS, FAILOVERCLUSTERS, FAILOVERCLUSTERS_MODULE

# Where the shipped PowerShell lives: beside the transport, or in the neutral data package that may take it over
# (found through the imported packages, so a copy of the source, as mutation testing makes, checks its own files).
SCRIPT_DIRS = (Path(transport.__file__).parent / "scripts", Path(sdn_scripts.__file__).parent)
SHIPPED = sorted(p for d in SCRIPT_DIRS for p in d.glob("*.ps1"))
# The scripts the provider runs by name say so on their first line; the others (a shared library, a bootstrap)
# travel with them.
SCRIPTS = sorted(p.stem for p in SHIPPED if p.read_text(encoding="utf-8").startswith("# sdn-script:"))
# Any values: they travel as data (base64 JSON), so they never change the PowerShell that is parsed.
PARAMS = {
    "name": "SQLCLUSTER",
    "node": "DB1",
    "resource_name": "Cluster IP Address",
    "parameters": {"ProbePort": 59999},
}


def sent_texts(name: str) -> list[str]:
    """The PowerShell the transport sends to run ``name``, as it goes on the wire: the -EncodedCommand argument
    decoded, and any base64 line on stdin that decodes to something other than the JSON input."""
    command = transport.build_command(name, PARAMS)
    # build_command gives (executable, arguments) with nothing on stdin, or a Command that also carries stdin.
    arguments = command.arguments if hasattr(command, "arguments") else command[1]
    texts = [base64.b64decode(arguments[arguments.index("-EncodedCommand") + 1]).decode("utf-16-le")]
    for line in getattr(command, "stdin", b"").split():
        decoded = base64.b64decode(line).decode("utf-8")
        try:
            json.loads(decoded)
        except ValueError:
            texts.append(decoded)
    return texts


def test_the_scripts_are_found() -> None:
    assert {"get_cluster", "new_cluster", "set_cluster_ip_address"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_shipped_script_is_windows_powershell_with_documented_cmdlets(name: str) -> None:
    for sent in sent_texts(name):
        problems = [str(p) for p in check_script(sent)]
        assert not problems, f"{name} as sent:\n" + "\n".join(problems)


def test_every_shipped_file_is_in_what_is_checked() -> None:
    checked = "\n".join(text for name in SCRIPTS for text in sent_texts(name))
    assert [p.name for p in SHIPPED if p.read_text(encoding="utf-8") not in checked] == []


def test_the_table_cites_learn_and_knows_the_module() -> None:
    for cmdlet in CMDLETS.values():
        assert cmdlet.url.startswith("https://learn.microsoft.com/powershell/module/"), cmdlet.name
        assert cmdlet.parameter_sets and all(cmdlet.parameter_sets.values()), cmdlet.name
        assert cmdlet.module != FAILOVERCLUSTERS or cmdlet.name in FAILOVERCLUSTERS_MODULE, cmdlet.name


# (snippet, a fragment of the problem it must raise)
BAD_SNIPPETS = [
    # FailoverClusters calls
    ("Get-ClusterResource -Nmae 'Cluster IP Address'", "has no parameter -Nmae (did you mean -Name?)"),
    ("Start-ClusterResource -Name ip -Wiat 60", "has no parameter -Wiat"),
    ("Get-ClusterResource -Name ip | Set-ClusterParameter -Multiple @{ a = 1 } -Name a", "no common parameter set"),
    ("Set-ClusterParameter -Multiple @{} -Value 1", "-Multiple only in Multiple Parameter"),
    ("Get-ClusterIPAddress -Name ip", "not a cmdlet of the FailoverClusters module"),
    ("Add-ClusterDisk -InputObject $d", "missing from tests/powershell/cmdlets.py"),
    ("New-Cluster -Name c -ManagementPointNetworkType Singleton", "only on Windows Server 2019 and later"),
    ("Remove-Cluster -Forc", "write -Force in full"),
    ("Get-ClusterNode -Name a -Name b", "given more than once"),
    ("$a = @{ Name = 'c'; NoStrage = $true }\nNew-Cluster @a", "has no parameter -NoStrage"),
    ("$a = @{ Name = 'c' }\n$a.Nodes = 'DB1'\nNew-Cluster @a", "has no parameter -Nodes"),
    ("$a = Get-Thing\nNew-Cluster @a", "not a hashtable this script builds literally"),
    ("Microsoft.PowerShell.Core\\Get-Cluster", "in module FailoverClusters"),
    ("function Get-Sdn([string]$Name) { 1 }\nGet-Sdn -Nme x", "has no parameter -Nme"),
    ("& $command -Name x", "computed command name"),
    ("& 'Get-ClusterResource' -Nme x", "has no parameter -Nme"),
    ("gci | % { $_ }", "neither a function of this script nor a Windows PowerShell 5.1 cmdlet"),
    # Windows PowerShell 5.1 parameters only
    ("1..3 | ForEach-Object -Parallel { $_ }", "ForEach-Object has no parameter -Parallel in Windows PowerShell 5.1"),
    ("$j | ConvertFrom-Json -AsHashtable", "has no parameter -AsHashtable"),
    ("Out-Null -ProgressAction SilentlyContinue", "-ProgressAction is PowerShell 7.4+"),
    # PowerShell 6+/7 syntax
    ("$a = $b ?? 'x'", "null-coalescing operator ??"),
    ("$a ??= 'x'", "null-coalescing assignment operator ??="),
    ("$n = $c?.Name", "null-conditional member access ?."),
    ("$n = ${c}?[0]", "null-conditional element access ?[]"),
    ("$s = $on ? 'Online' : 'Offline'", "ternary operator"),
    ("Get-Cluster && Out-Null", "pipeline chain operator &&"),
    ("Get-Cluster || Out-Null", "pipeline chain operator ||"),
    ("function F {\n  process { 1 }\n  clean { 2 }\n}", "clean block is PowerShell 7.3+"),
    ("function F {\n  clean { 2 }\n}", "clean block is PowerShell 7.3+"),
    ("Get-Cluster\n  | Out-Null", "a line that starts with |"),
    ("Get-Cluster &", "background operator &"),
    ('$s = "`u{2195}"', "Unicode escape is PowerShell 6+"),
    ("$m = 0b1010", "numeric literal 0b1010"),
    ("$b = 255uy", "numeric literal 255uy"),
    ("$big = 2n + 1", "numeric literal 2n"),
    ("if ($IsWindows) { 1 }", "$IsWindows does not exist before PowerShell 6.0"),
    ("$PSStyle.Reset", "$PSStyle does not exist before PowerShell 7.2"),
    ("if ($x {", "cannot parse this"),
    ("Add-ClusterNode -Name DB2 -Cluster SqlCluster", "Add-ClusterNode -Cluster reaches the cluster by name"),
]


@pytest.mark.parametrize(("snippet", "expected"), BAD_SNIPPETS, ids=[s for s, _ in BAD_SNIPPETS])
def test_the_checker_catches(snippet: str, expected: str) -> None:
    problems = [str(p) for p in check_script(snippet)]
    assert any(expected in p for p in problems), problems


GOOD_SNIPPETS = [
    "Get-ClusterResource -Name 'Cluster IP Address' | Set-ClusterParameter -Multiple @{ ProbePort = 59999 }",
    "Get-ClusterResource -Name ip | Set-ClusterParameter -Name ProbePort -Value 59999 -ErrorAction Stop",
    "$a = [ordered]@{ Name = 'c'; NoStorage = $true }\n$a['StaticAddress'] = '192.168.2.100'\nNew-Cluster @a",
    "FailoverClusters\\Get-ClusterNode -InputObject (Get-Cluster) -ea 0 | Where-Object State -eq 'Up'",
    "get-clusternode -name db1 -ERRORACTION silentlycontinue",
    "$x = 1..3 | ForEach-Object -Process { $_ * 2 }\nif (-not $?) { exit 1 }",
    "function Get-Sdn {\n  [CmdletBinding()]\n  param([string]$Name)\n  $Name\n}\nGet-Sdn -Name a -Verbose",
    '$s = "a ? b : c $($x.Name) ?? d"  # operators inside strings and comments ?? ?. are text',
    "Get-Date | Where-Object { $_ } | Select-Object -First 1 | Out-Null",
    "& ([ScriptBlock]::Create('Get-Date'))\n& { Get-Date }\n. Get-Date",
]


@pytest.mark.parametrize("snippet", GOOD_SNIPPETS)
def test_valid_windows_powershell_passes(snippet: str) -> None:
    assert [str(p) for p in check_script(snippet)] == []
