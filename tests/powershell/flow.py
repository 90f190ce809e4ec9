"""What a shipped script does, read from its parse tree (issue 18): the cluster changes it makes, in order, and the
shape of the JSON it writes. No PowerShell runs here; this reads the text the transport sends (library + script).

A change is a FailoverClusters cmdlet that alters the cluster; its target is what the script's variables stand for
(``$ip = Resolve-SdnResource ... "IP Address"`` makes ``$ip.Name`` "IP Address resource", ``$SdnInput.node`` is
"input node"). The output shape follows hashtable literals through variables, library functions, ``@(...)`` and
``ForEach-Object``: a dict of key -> shape, ``[shape]`` for an array, ``ANY`` for a table with computed keys
(``$p[$x.Name] = ...``), ``None`` for a scalar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from tests.powershell.check import MEMBER_KEY
from tests.powershell.grammar import parse, text, walk

CHANGES = {
    "stop-clusterresource",
    "start-clusterresource",
    "set-clusterparameter",
    "new-cluster",
    "add-clusternode",
    "remove-clusternode",
    "remove-cluster",
}
TARGET_PARAMETERS = {"name", "inputobject", "resource"}
RESOLVERS = {"resolve-sdnresource", "get-sdncoreresource"}
# Expression nodes that only wrap one operand (the grammar nests every precedence level).
WRAPPERS = {
    "pipeline",
    "pipeline_chain",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "expression_with_unary_operator",
    "statement_list",
}
INPUT = re.compile(r"\$SdnInput\.(\w+)", re.IGNORECASE)
ANY = "<computed keys>"


@dataclass(frozen=True)
class Step:
    """One cluster change: the cmdlet, what it acts on, whether a ``finally`` runs it, and (not compared) the
    ``try`` with a ``finally`` that guards it, by its position."""

    cmdlet: str
    target: str
    in_finally: bool = False
    guard: int | None = field(default=None, compare=False)


def steps(program: str) -> list[Step]:
    """The cluster changes of ``program`` in source order."""
    root = parse(program)
    found = []
    for node in walk(root):
        if node.type == "command" and _name(node).lower() in CHANGES:
            in_finally = any(a.type == "finally_clause" for a in _ancestors(node))
            found.append(Step(_name(node), _target(node, _scope(node, root)), in_finally, _guard(node)))
    return found


def result_shape(program: str) -> Any:
    """The shape of what the script passes to Write-SdnResult (None when it writes no result)."""
    root = parse(program)
    shapes = [
        _shape(_arguments(node)[0], root, root)
        for node in walk(root)
        if node.type == "command" and _name(node).lower() == "write-sdnresult" and _scope(node, root) == root
    ]
    return _union(shapes)


# -- cluster changes ----------------------------------------------------------------------------------------
def _name(command: Node) -> str:
    return next((text(c) for c in command.children if c.type == "command_name"), "")


def _ancestors(node: Node) -> list[Node]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found


def _scope(node: Node, root: Node) -> Node:
    """The function the node is in, or the script (the root)."""
    return next((a for a in _ancestors(node) if a.type == "function_statement"), root)


def _guard(node: Node) -> int | None:
    """The start of the innermost try statement with a finally whose body or finally holds ``node``."""
    for ancestor in _ancestors(node):
        if ancestor.type == "try_statement" and any(c.type == "finally_clause" for c in ancestor.children):
            return ancestor.start_byte
    return None


def _elements(command: Node) -> list[Node]:
    elements = next((c for c in command.children if c.type == "command_elements"), None)
    return [] if elements is None else [c for c in elements.children if c.type != "command_argument_sep"]


def _arguments(command: Node) -> list[Node]:
    """Positional arguments (not parameter names nor their values)."""
    elements, positional, skip = _elements(command), [], False
    for element in elements:
        if element.type == "command_parameter":
            skip = not text(element).endswith(":") and text(element).lstrip("-").lower() != "force"
            continue
        if not skip:
            positional.append(element)
        skip = False
    return positional


def _target(command: Node, scope: Node) -> str:
    elements = _elements(command)
    for i, element in enumerate(elements):
        if element.type == "command_parameter" and text(element).lstrip("-").lower() in TARGET_PARAMETERS:
            return _meaning(elements[i + 1], scope)
    splat = next((e for e in elements if text(e).startswith("@") and re.fullmatch(r"@\w+", text(e))), None)
    if splat is not None:
        table = _hashtable_entries(_assigned(text(splat)[1:], scope))
        name = table.get("name")
        return _meaning(name, scope) if name is not None else text(splat)
    positional = _arguments(command)
    if positional:
        return _meaning(positional[0], scope)
    chain = command.parent
    first = chain.children[0] if chain is not None else None
    return _meaning(first, scope) if first is not None and first.type != "command" else "local cluster"


def _meaning(node: Node, scope: Node) -> str:
    """What an argument stands for: an input field, a resource found by type, or its text."""
    source = text(node)
    if match := INPUT.search(source):
        return f"input {match[1]}"
    variable = next((n for n in walk(node) if n.type == "variable"), None)
    if variable is not None:
        assigned = _assigned(text(variable).lstrip("$"), scope)
        if assigned is not None:
            return _meaning_of_value(assigned, scope) or source.strip()
    return source.strip().strip("'\"")


def _meaning_of_value(value: Node, scope: Node) -> str | None:
    for node in walk(value):
        if node.type == "command" and _name(node).lower() in RESOLVERS:
            literal = [a for a in _arguments(node) if re.fullmatch(r"(['\"]).*\1", text(a).strip())]
            if literal:
                return f"{text(literal[-1]).strip()[1:-1]} resource"
    match = INPUT.search(text(value))
    return f"input {match[1]}" if match else None


def _assignments(scope: Node) -> list[tuple[str, Node, Node]]:
    """(target text without spaces, the assigned value, the assignment) in ``scope`` (not in nested functions)."""
    found = []
    for node in walk(scope):
        if node.type != "assignment_expression" or _scope(node, scope) != scope:
            continue
        left = next((c for c in node.children if c.type == "left_assignment_expression"), None)
        value = _after_equals(node)
        if left is not None:
            found.append((re.sub(r"\s+", "", text(left)), value, node))
    return found


def _assigned(variable: str, scope: Node) -> Node | None:
    values = [v for target, v, _ in _assignments(scope) if target.lower() == f"${variable.lower()}"]
    return values[-1] if values else None


# -- output shape -------------------------------------------------------------------------------------------
def _core(node: Node) -> Node:
    """Down through the wrappers to the node that decides the value; a pipeline's value is its last command's."""
    while node.type in WRAPPERS:
        meaningful = [c for c in node.children if c.type not in ("|", "comment", "empty_statement")]
        if not meaningful:
            return node
        node = meaningful[-1] if node.type == "pipeline_chain" else meaningful[0]
    return node


def _shape(node: Node | None, scope: Node, root: Node) -> Any:
    if node is None:
        return None
    node = _core(node)
    kind = node.type
    if kind == "hash_literal_expression":
        return {key: _shape(value, scope, root) for key, value in _hashtable_entries(node).items()}
    if kind == "cast_expression":
        cast = next((c for c in node.children if c.type == "type_literal"), None)
        if cast is not None and text(cast).strip("[]").lower() == "ordered":
            return _shape(node.children[-1], scope, root)
        return None
    if kind == "parenthesized_expression":
        return _shape(next(c for c in node.children if c.type == "pipeline"), scope, root)
    if kind == "array_expression":
        inner = next((c for c in node.children if c.type == "statement_list"), None)
        return [_shape(inner, scope, root)] if inner is not None else []
    if kind == "variable":
        return _variable_shape(text(node).lstrip("$"), scope, root)
    if kind == "member_access":
        outer = _shape(node.children[0], scope, root)
        member = text(node.children[-1])
        return outer.get(member) if isinstance(outer, dict) else None
    if kind == "if_statement":
        blocks = [n for n in walk(node) if n.type == "statement_block" and _owning_if(n) == node]
        return _union([_block_output(b, scope, root) for b in blocks])
    if kind == "command":
        return _command_shape(node, root)
    return None


def _owning_if(block: Node) -> Node | None:
    """The if statement a block is a branch of (directly, or through an else or elseif clause)."""
    return next((a for a in _ancestors(block) if a.type == "if_statement"), None)


def _command_shape(command: Node, root: Node) -> Any:
    name = _name(command).lower()
    if name == "foreach-object":
        block = next((n for n in walk(command) if n.type == "script_block"), None)
        return _block_output(block, _scope(command, root), root) if block is not None else None
    function = next(
        (
            n
            for n in walk(root)
            if n.type == "function_statement"
            and next(text(c) for c in n.children if c.type == "function_name").lower() == name
        ),
        None,
    )
    if function is None:
        return None
    body = next(c for c in function.children if c.type == "script_block")
    returns = [
        _shape(n.children[-1], function, root)
        for n in walk(body)
        if n.type == "flow_control_statement" and text(n.children[0]).lower() == "return" and n.child_count > 1
    ]
    return _union([_block_output(body, function, root), *returns])


def _block_output(block: Node, scope: Node, root: Node) -> Any:
    """What the statements of a block write to the output: those that are neither assignments, nor sent to
    Out-Null, nor flow control."""
    statements = next((n for n in walk(block) if n.type == "statement_list"), None)
    outputs = []
    for statement in statements.children if statements is not None else []:
        if statement.type not in ("pipeline", "if_statement"):
            continue
        if any(c.type == "assignment_expression" for c in statement.children):
            continue
        if statement.type == "pipeline" and re.search(r"\|\s*Out-Null\s*$", text(statement), re.IGNORECASE):
            continue
        outputs.append(_shape(statement, scope, root))
    return _union(outputs)


def _variable_shape(variable: str, scope: Node, root: Node) -> Any:
    shapes = []
    for target, value, _ in _assignments(scope):
        if target.lower() == f"${variable.lower()}":
            shapes.append(_shape(value, scope, root))
        elif target.lower().startswith(f"${variable.lower()}.") or target.lower().startswith(f"${variable.lower()}["):
            match = MEMBER_KEY.match(target)
            key = (match["member"] or match["key"]) if match else None
            shapes.append({key: _shape(value, scope, root)} if key else ANY)
    return _union(shapes)


def _hashtable_entries(node: Node | None) -> dict[str, Node]:
    if node is None:
        return {}
    table = next((n for n in walk(node) if n.type == "hash_literal_expression"), None)
    body = next((c for c in table.children if c.type == "hash_literal_body"), None) if table is not None else None
    entries = [] if body is None else [c for c in body.children if c.type == "hash_entry"]
    return {text(e.children[0]).strip("'\"").lower(): _after_equals(e) for e in entries}


def _after_equals(node: Node) -> Node:
    """The value of an assignment or hashtable entry: the child after ``=`` (a trailing ``;`` is not it)."""
    children = node.children
    index = next(i for i, c in enumerate(children) if c.type in ("=", "assignement_operator"))
    return children[index + 1]


def _union(shapes: list[Any]) -> Any:
    """The shape of a value that may be any of ``shapes`` (a $null branch adds nothing)."""
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    if ANY in known:
        return ANY
    tables = [s for s in known if isinstance(s, dict)]
    if tables:
        merged: dict[str, list[Any]] = {}
        for table in tables:
            for key, value in table.items():
                merged.setdefault(key, []).append(value)
        return {key: _union(values) for key, values in merged.items()}
    arrays = [s for s in known if isinstance(s, list)]
    return [_union([item for a in arrays for item in a])] if arrays else None
