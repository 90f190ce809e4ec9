"""Check a PowerShell script as Windows PowerShell 5.1 on Windows Server 2016-2022 would run it.

Every command must be a function of the script or a cmdlet of ``cmdlets.CMDLETS``; every named parameter (and
every key of a splatted hashtable, resolved from the script's own assignments) must be one of that cmdlet's
parameters, written in full (PowerShell accepts unambiguous prefixes; a script should not rely on them), and all of
a call's parameters must fit one parameter set. Positional arguments and pipeline input are not bound: the check
is about names and sets, not about mandatory parameters.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from tree_sitter import Node

from tests.powershell.cmdlets import (
    CMDLETS,
    COMMON_PARAMETERS,
    FAILOVERCLUSTERS,
    FAILOVERCLUSTERS_MODULE,
    PS7_COMMON_PARAMETERS,
    Cmdlet,
)
from tests.powershell.grammar import Problem, line_of, parse, ps7_problems, text, walk

COMMON = {name.lower() for name in COMMON_PARAMETERS} | {alias.lower() for alias in COMMON_PARAMETERS.values()}
CLUSTER_NOUN = re.compile(r"^[a-z]+-cluster", re.IGNORECASE)
# The grammar reads a pipeline that starts with a number or range (``1..3 | ...``) as a command; PowerShell does not.
EXPRESSION_AS_COMMAND = re.compile(r"\d[\d.]*")
SPLAT = re.compile(r"@\w+")
MEMBER_KEY = re.compile(r"^\$(?P<var>\w+)(\.(?P<member>\w+)|\[\s*(['\"])(?P<key>\w+)\4\s*\])$")


@dataclass
class Call:
    """One command invocation: its name, named parameters (with their lines) and splatted variables."""

    name: str
    line: int
    parameters: list[tuple[str, int]] = field(default_factory=list)
    splats: list[str] = field(default_factory=list)


@dataclass
class Function:
    parameters: set[str]
    advanced: bool


def check_script(source: str) -> list[Problem]:
    """Every problem in ``source``; an empty list means it passes."""
    root = parse(source)
    problems = ps7_problems(root)
    functions = _functions(root)
    hashtables = _hashtable_keys(root)
    for call in _calls(root, problems):
        if call.name.lower() in functions:
            problems += _check_function_call(call, functions[call.name.lower()], hashtables)
        else:
            problems += _check_cmdlet_call(call, hashtables)
    return sorted(problems, key=lambda p: p.line)


def _calls(root: Node, problems: list[Problem]) -> list[Call]:
    calls = []
    for node in walk(root):
        if node.type != "command":
            continue
        name = _command_name(node)
        if name is None:
            problems.append(Problem(line_of(node), f"{text(node)[:40]!r}: a computed command name cannot be checked"))
            continue
        if not name or EXPRESSION_AS_COMMAND.fullmatch(name):
            continue
        call = Call(name, line_of(node))
        for element in next((c.children for c in node.children if c.type == "command_elements"), []):
            if element.type == "command_parameter":
                call.parameters.append((text(element).lstrip("-").rstrip(":"), line_of(element)))
            elif element.type == "array_literal_expression" and SPLAT.fullmatch(text(element)):
                call.splats.append(text(element)[1:])
        calls.append(call)
    return calls


def _command_name(command: Node) -> str | None:
    """The name a command invokes; "" when it invokes a script-block value (``& { }``, ``& ([ScriptBlock]::
    Create(...))``: the code is not a named command, and what it runs is checked where it is written or sent);
    None when the name is computed (``& $name``)."""
    for child in command.children:
        if child.type == "command_name":
            return text(child)
        if child.type == "command_name_expr":
            target = child.children[0]
            if target.type in ("script_block_expression", "parenthesized_expression"):
                return ""
            if target.type == "string_literal" and not any(n.type == "sub_expression" for n in walk(target)):
                return text(target).strip("'\"")
            if target.type == "path_command_name" and all(n.type != "variable" for n in walk(target)):
                return text(target)
            return None
    return ""


def _functions(root: Node) -> dict[str, Function]:
    functions = {}
    for node in walk(root):
        if node.type != "function_statement":
            continue
        name = next(text(c) for c in node.children if c.type == "function_name")
        declared = [
            c
            for c in node.children
            if c.type == "function_parameter_declaration"
            or (c.type == "script_block" and c.children and c.children[0].type == "param_block")
        ]
        parameters = {
            text(v).lstrip("$").lower()
            for d in declared
            for p in walk(d)
            if p.type == "script_parameter"
            for v in p.children
            if v.type == "variable"
        }
        advanced = any(re.search(r"\[(CmdletBinding|Parameter)\b", text(d), re.IGNORECASE) for d in declared)
        functions[name.lower()] = Function(parameters, advanced)
    return functions


def _hashtable_keys(root: Node) -> dict[str, set[str] | None]:
    """Variable -> the keys the script gives it (``$a = @{...}``, ``$a.K = ``, ``$a['K'] = ``); None when some
    assignment cannot be read statically (the variable then cannot be splatted in a checked script)."""
    keys: dict[str, set[str] | None] = {}
    for node in walk(root):
        if node.type != "assignment_expression":
            continue
        left = next((c for c in node.children if c.type == "left_assignment_expression"), None)
        right = next((c for c in node.children if c.type == "pipeline"), None)
        if left is None:
            continue
        target = re.sub(r"\s+", "", text(left))
        if re.fullmatch(r"\$\w+", target):
            var = target[1:].lower()
            literal = _hashtable_literal(right)
            keys[var] = None if literal is None else set(literal)
        elif (match := MEMBER_KEY.match(target)) and (current := keys.get(match["var"].lower())) is not None:
            current.add(match["member"] or match["key"])
    return keys


def _hashtable_literal(right: Node | None) -> list[str] | None:
    if right is None or not re.match(r"(\[ordered\]\s*)?@\{", text(right), re.IGNORECASE):
        return None
    table = next(n for n in walk(right) if n.type == "hash_literal_expression")
    body = next((c for c in table.children if c.type == "hash_literal_body"), None)
    entries = [] if body is None else [c for c in body.children if c.type == "hash_entry"]
    return [text(e.children[0]).strip("'\"") for e in entries]


def _splatted(call: Call, hashtables: dict[str, set[str] | None]) -> tuple[list[tuple[str, int]], list[Problem]]:
    names: list[tuple[str, int]] = []
    problems = []
    for var in call.splats:
        keys = hashtables.get(var.lower())
        if keys is None:
            problems.append(Problem(call.line, f"{call.name}: @{var} is not a hashtable this script builds literally"))
        else:
            names += [(key, call.line) for key in sorted(keys)]
    return names, problems


def _check_function_call(call: Call, function: Function, hashtables: dict[str, set[str] | None]) -> list[Problem]:
    splatted, problems = _splatted(call, hashtables)
    for name, line in call.parameters + splatted:
        if name.lower() not in function.parameters and not (function.advanced and name.lower() in COMMON):
            problems.append(Problem(line, f"{call.name} (a function of this script) has no parameter -{name}"))
    return problems


def _check_cmdlet_call(call: Call, hashtables: dict[str, set[str] | None]) -> list[Problem]:
    module, _, bare = call.name.rpartition("\\")
    cmdlet = CMDLETS.get(bare.lower())
    if cmdlet is None:
        return [Problem(call.line, _unknown_command(bare))]
    if module and module.lower() != cmdlet.module.lower():
        return [Problem(call.line, f"{bare} is in module {cmdlet.module}, not {module}")]
    splatted, problems = _splatted(call, hashtables)
    bound: dict[str, int] = {}
    for name, line in call.parameters + splatted:
        canonical, problem = _resolve_parameter(cmdlet, name)
        if problem:
            problems.append(Problem(line, problem))
        elif canonical in bound:
            problems.append(Problem(line, f"{cmdlet.name}: -{canonical} is given more than once"))
        elif canonical:
            bound[canonical] = line
    if "Cluster" in bound and cmdlet.module == "FailoverClusters":
        # The cluster name resolves to the cluster IP, which the procedure points at the SLB VIP: RPC to it from a
        # node that does not own it goes to the SLB (issue 14, fact 2). Scripts act on the local cluster.
        problems.append(Problem(bound["Cluster"], f"{cmdlet.name} -Cluster reaches the cluster by name through DNS"))
    if bound and not any(set(bound) <= members for members in cmdlet.parameter_sets.values()):
        problems.append(Problem(call.line, _no_common_set(cmdlet, set(bound))))
    return problems


def _unknown_command(name: str) -> str:
    if name in FAILOVERCLUSTERS_MODULE:
        return f"{name} is a FailoverClusters cmdlet missing from tests/powershell/cmdlets.py: add it from Learn"
    if CLUSTER_NOUN.match(name):
        return f"{name} is not a cmdlet of the FailoverClusters module (Windows Server 2016-2022, per Learn)"
    return (
        f"{name} is neither a function of this script nor a Windows PowerShell 5.1 cmdlet listed in "
        "tests/powershell/cmdlets.py (aliases such as % or ? are not allowed)"
    )


def _resolve_parameter(cmdlet: Cmdlet, written: str) -> tuple[str | None, str | None]:
    """(canonical name, None), (None, None) for a common parameter, or (None, why it is wrong)."""
    lowered = written.lower()
    by_name = {p.lower(): p for p in cmdlet.parameters}
    if lowered in by_name:
        return by_name[lowered], None
    aliases = {a.lower(): p for a, p in cmdlet.aliases.items()}
    if lowered in aliases:
        return aliases[lowered], None
    if lowered in COMMON:
        return None, None
    if written in PS7_COMMON_PARAMETERS:
        return None, f"{cmdlet.name}: the common parameter -{written} is PowerShell {PS7_COMMON_PARAMETERS[written]}+"
    newer = {p.lower(): (p, v) for p, v in cmdlet.newer.items()}
    if lowered in newer:
        full, version = newer[lowered]
        return None, f"{cmdlet.name}: -{full} exists only on Windows Server {version} and later ({cmdlet.url})"
    prefixed = [p for p in sorted(cmdlet.parameters) if p.lower().startswith(lowered)]
    if len(prefixed) == 1:
        return None, f"{cmdlet.name}: write -{prefixed[0]} in full, not -{written}"
    return None, f"{cmdlet.name} has no parameter -{written}{_suggestion(cmdlet, written)} ({cmdlet.url})"


def _suggestion(cmdlet: Cmdlet, written: str) -> str:
    close = difflib.get_close_matches(written.lower(), [p.lower() for p in cmdlet.parameters], n=1)
    if not close:
        return " in Windows PowerShell 5.1" if cmdlet.module != FAILOVERCLUSTERS else ""
    return f" (did you mean -{next(p for p in cmdlet.parameters if p.lower() == close[0])}?)"


def _no_common_set(cmdlet: Cmdlet, bound: set[str]) -> str:
    where = "; ".join(
        f"-{p} only in {', '.join(sorted(s for s, m in cmdlet.parameter_sets.items() if p in m))}"
        for p in sorted(bound)
        if any(p not in m for m in cmdlet.parameter_sets.values())
    )
    return f"{cmdlet.name}: -{', -'.join(sorted(bound))} are in no common parameter set ({where}; {cmdlet.url})"
