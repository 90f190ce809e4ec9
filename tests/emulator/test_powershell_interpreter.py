"""The emulator runs the shipped PowerShell itself: a script edit changes what the emulator does.

The interpreter (sdn_emulator/powershell) executes the received text on the tree-sitter-powershell parse; these
tests pin the language subset it models, and kill script mutants through the executor that WinRS commands reach.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sdn_scripts

from sdn_emulator.guests.cluster import GuestWorld
from sdn_emulator.guests.executor import execute
from sdn_emulator.powershell import ExitScript, Interpreter, PSError, Unsupported
from sdn_emulator.powershell.cmdlets import core_commands, from_json
from sdn_emulator.powershell.parser import _parser, unsupported_nodes
from sdn_provider.cluster.clixml import decode_clixml
from sdn_provider.cluster.transport import build_command

SHIPPED = sorted(Path(sdn_scripts.__file__).parent.glob("*.ps1"))
RESTART_NAME = "        Start-ClusterResource -Name $nameRes.Name -Wait $wait | Out-Null\n"


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.stem != "bootstrap"], ids=lambda p: p.stem)
def test_every_shipped_script_is_inside_the_modelled_subset(path: Path) -> None:
    """The bootstrap is the fixed command line, checked byte-for-byte and modelled by the executor; every other
    file must parse into node kinds the interpreter runs."""
    root = _parser().parse(path.read_bytes()).root_node
    assert [str(u) for u in unsupported_nodes(root)] == []


@pytest.fixture(name="world")
def world_fixture() -> GuestWorld:
    world = GuestWorld()
    world.add_node("DB1", "192.168.2.11", "192.168.2.0/24")
    world.add_node("DB2", "192.168.2.12", "192.168.2.0/24")
    world.new_cluster("DB1", "MyCluster", "DB1", "192.168.2.100")
    return world


def _run(world: GuestWorld, name: str, params: dict, node: str = "DB1") -> tuple[int, bytes, bytes]:
    command = build_command(name, params)
    return execute(world, node, command.executable, command.arguments, command.stdin, threading.Event())


@pytest.fixture(name="edit_script")
def edit_script_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str, str], None]]:
    """Edit a shipped file as a developer would: provider and emulator both read the edited text."""
    original = sdn_scripts.script_text
    edits: dict[str, tuple[str, str]] = {}

    def edited(name: str) -> str:
        text = original(name)
        if name in edits:
            old, new = edits[name]
            assert old in text, f"{old!r} is not in {name}.ps1"
            text = text.replace(old, new)
        return text

    def edit(name: str, old: str, new: str) -> None:
        edits[name] = (old, new)

    monkeypatch.setattr(sdn_scripts, "script_text", edited)
    yield edit


def _states(world: GuestWorld) -> dict[str, str]:
    (cluster,) = world.snapshot()["clusters"]
    return {r["name"]: r["state"] for r in cluster["resources"]}


def test_set_cluster_ip_address_restarts_the_cluster_name(world: GuestWorld) -> None:
    rc, out, err = _run(world, "set_cluster_ip_address", {"parameters": {"ProbePort": 59999}})
    assert (rc, err) == (0, b"")
    assert json.loads(out)["resource"]["parameters"]["ProbePort"] == 59999
    assert _states(world) == {"Cluster IP Address": "Online", "Cluster Name": "Online"}


def test_mutant_that_never_restarts_the_cluster_name_leaves_it_offline(world: GuestWorld, edit_script) -> None:
    edit_script("set_cluster_ip_address", RESTART_NAME, "")
    rc, out, _ = _run(world, "set_cluster_ip_address", {"parameters": {"ProbePort": 59999}})
    assert rc == 0 and json.loads(out)["resource"]["state"] == "Online"
    assert _states(world) == {"Cluster IP Address": "Online", "Cluster Name": "Offline"}


def test_mutant_that_skips_the_offline_cycle_keeps_the_old_probe_port(world: GuestWorld, edit_script) -> None:
    """Parameters only take effect when the IP comes online again (the model, as Windows)."""
    rc, _, _ = _run(world, "set_cluster_ip_address", {"parameters": {"ProbePort": 59999}})
    assert rc == 0 and world.probe_answerers() == [("DB1", "192.168.2.100", 59999)]
    edit_script("set_cluster_ip_address", "    Stop-ClusterResource -Name $ip.Name | Out-Null\n", "")
    rc, out, _ = _run(world, "set_cluster_ip_address", {"parameters": {"ProbePort": 60000}})
    assert rc == 0 and json.loads(out)["resource"]["parameters"]["ProbePort"] == 60000
    assert world.probe_answerers() == [("DB1", "192.168.2.100", 59999)]


def test_edited_output_field_reaches_the_output(world: GuestWorld, edit_script) -> None:
    edit_script("library", "name_resource = $nameRes", "renamed_field = $nameRes")
    rc, out, _ = _run(world, "get_cluster", {})
    document = json.loads(out)
    assert rc == 0 and document["renamed_field"] == "Cluster Name" and "name_resource" not in document


def test_error_in_a_cmdlet_reaches_the_scripts_catch(world: GuestWorld) -> None:
    rc, out, err = _run(world, "get_cluster_resource", {"resource_name": "No Such Resource"})
    assert (rc, err) == (1, b"")
    assert json.loads(out) == {
        "error": {
            "message": "An error occurred opening resource 'No Such Resource'.\n"
            "    The cluster resource could not be found.",
            "category": "ObjectNotFound",
            "cmdlet": "Get-ClusterResource",
            "fullyQualifiedErrorId": "ClusterObjectNotFound,Microsoft.FailoverClusters.PowerShell.GetResourceCommand",
        }
    }


def test_error_outside_any_try_is_clixml_on_stderr(world: GuestWorld) -> None:
    world.set_node("DB1", clustering_tools=False)
    rc, out, err = _run(world, "get_cluster", {})
    assert (rc, out) == (1, b"")
    assert decode_clixml(err.decode()).startswith(
        "Import-Module : The specified module 'FailoverClusters' was not loaded because no valid module file"
    )


def test_construct_outside_the_subset_fails_loudly(world: GuestWorld, edit_script) -> None:
    edit_script("get_cluster", "Write-SdnResult (Get-SdnCluster)", "$x = 1 + 2; Write-SdnResult (Get-SdnCluster)")
    rc, out, err = _run(world, "get_cluster", {})
    assert (rc, out) == (1, b"")
    assert "sdn-emulator cannot run this PowerShell: unsupported construct at line" in decode_clixml(err.decode())


# ----- the language subset, one construct at a time -------------------------------------------------------------
def _interpret(source: str, **variables) -> tuple[list, int]:
    interpreter = Interpreter(core_commands({}, set()), {"COMPUTERNAME": "DB1"}, variables)
    out: list = []
    try:
        interpreter.run('$ErrorActionPreference = "Stop"\n' + source, out)
    except ExitScript as ended:
        return out, ended.code
    return out, 0


def test_strings_expand_variables_subexpressions_and_escapes() -> None:
    out, _ = _interpret('$n = "x"; "a $n $($n.Length) `"q`" ""d"" $env:COMPUTERNAME"; \'$n\'')
    assert out == ['a x 1 "q" "d" DB1', "$n"]


def test_hashtables_are_case_insensitive_and_keep_order() -> None:
    out, _ = _interpret(
        '$h = [ordered]@{ B = 1; a = 2 }; $h["b"] = 3; $h.C = 4; $h | ConvertTo-Json -Compress; $h.A; $h.count'
    )
    assert out == ['{"B":3,"a":2,"C":4}', 2, 3]


def test_comparisons_are_case_insensitive_and_convert_the_right_side() -> None:
    out, _ = _interpret('"ABC" -eq "abc"; 5 -eq "5"; "b" -gt "A"; $null -eq $x; -not @(); @(1).Count -ne 1')
    assert out == [True, True, True, True, True, False]


def test_try_catch_finally_order_and_the_error_record() -> None:
    out, code = _interpret(
        'try { "a"; throw "boom"; "never" } catch { $_.Exception.Message; "$($_.CategoryInfo.Category)";'
        ' $_.FullyQualifiedErrorId; $_.InvocationInfo.MyCommand.Name -eq $null } finally { "f" }; exit 3'
    )
    assert (out, code) == (["a", "boom", "OperationStopped", "boom", True, "f"], 3)


def test_exit_inside_try_still_runs_finally_and_skips_the_rest() -> None:
    out, code = _interpret('try { exit 2 } catch { "caught" } finally { "cleanup" }; "after"')
    assert (out, code) == (["cleanup"], 2)


def test_bare_throw_in_catch_rethrows_and_unknown_commands_are_catchable() -> None:
    with pytest.raises(PSError) as raised:
        _interpret("try { Get-Nothing } catch { throw }")
    assert raised.value.record.fully_qualified_error_id == "CommandNotFoundException"
    assert "The term 'Get-Nothing' is not recognized" in raised.value.record.message


def test_functions_bind_typed_parameters_and_return_their_output() -> None:
    out, _ = _interpret(
        "function F([string]$A, $B) { if (-not $A) { return 'empty' } elseif ($B) { \"$A+$B\" } else { $A } }\n"
        "F $null; F 'x' 'y'; F -B 1 -A 'z'; $r = F 'w'; $r"
    )
    assert out == ["empty", "x+y", "z+1", "w"]


def test_pipelines_foreach_where_select_and_out_null() -> None:
    out, _ = _interpret(
        '@(1, 2, 3) | Where-Object { $_ -gt 1 } | ForEach-Object { "n$_" } | Select-Object -First 1\n'
        "foreach ($i in $null) { 'never' }; foreach ($i in @(4, 5)) { $i }; 'gone' | Out-Null"
    )
    assert out == ["n2", 4, 5]


def test_input_objects_enumerate_their_properties_and_casts_convert() -> None:
    out, _ = _interpret(
        "foreach ($p in $In.parameters.PSObject.Properties) { \"$($p.Name)=$($p.Value)\" }; [int]'42'; [string]$null",
        In=from_json('{"parameters": {"ProbePort": 59999, "Address": "10.0.0.1"}}'),
    )
    assert out == ["ProbePort=59999", "Address=10.0.0.1", 42, ""]


def test_non_terminating_errors_are_refused_not_guessed() -> None:
    interpreter = Interpreter(core_commands({}, set()), {}, {})
    with pytest.raises(Unsupported, match="non-terminating"):
        interpreter.run("Get-Nothing", [])


@pytest.mark.parametrize("source", ["$x = 1 + 2", "$x += 1", "switch (1) {\n1 { 'a' }\n}", "[datetime]'2020-01-01'"])
def test_constructs_outside_the_subset_name_their_line(source: str) -> None:
    with pytest.raises(Unsupported, match="unsupported construct at line 2"):
        _interpret(source)
