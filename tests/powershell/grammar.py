"""PowerShell parsed with a real grammar (tree-sitter-powershell), and what in it Windows PowerShell 5.1 lacks.

The grammar follows the PowerShell 7.3 language specification, yet it does not know the null-coalescing,
null-conditional or ternary operators nor ``clean`` blocks: those come out as ERROR nodes, which ``ps7_problems``
recognises by their text; ``&&``/``||`` it does parse (``pipeline_chain_tail``). Windows Server 2016-2022 run
``powershell.exe`` 5.1, where each of these is a parse error or, worse, a silent difference at run time.

Known grammar gaps (valid 5.1 it rejects): a ``switch`` with its clauses on one line, and ``param(...)`` followed by a
statement on the same line. Write those on separate lines.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

# Where Learn says each PowerShell 6+/7 construct came from (PowerShell-Docs, reference/7.4/.../About/):
# about_Operators (?? ??= ?. ?[] and the ternary operator, 7.0), about_Pipeline_Chain_Operators (&& ||, 7),
# about_Functions (clean block, 7.3), about_Pipelines (a line starting with |, 7), about_Special_Characters
# (`u{x}, 6.0), about_Numeric_Literals (y uy s us u ul suffixes 6.2, n 7.0; 0b binary literals are absent from the
# 5.1 page), about_Automatic_Variables ($IsWindows, $IsLinux, $IsMacOS, $IsCoreCLR: 6.0), about_ANSI_Terminals
# ($PSStyle, 7.2), differences-from-windows-powershell.md (the & background operator, 6.0).
PS7_VARIABLES = {"iswindows": "6.0", "islinux": "6.0", "ismacos": "6.0", "iscoreclr": "6.0", "psstyle": "7.2"}
NUMERIC_LITERAL = re.compile(r"(0b[01]+|(\d+|0x[0-9a-f]+)(uy|us|ul|y|s|u|n))(kb|mb|gb|tb|pb)?", re.IGNORECASE)
NUMERIC_SUFFIXES = {"y", "uy", "s", "us", "u", "ul", "n"}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@functools.cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_powershell.language()))


def parse(text: str) -> Node:
    return _parser().parse(text.encode("utf-8")).root_node


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` (included), depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def line_of(node: Node) -> int:
    return node.start_point.row + 1


def ps7_problems(root: Node) -> list[Problem]:
    """PowerShell 6+/7 syntax, then any remaining parse error; each names the construct and the version."""
    source = root.text or b""
    found: list[Problem] = []
    for node in walk(root):
        message = _ps7_construct(node, source)
        if message:
            found.append(Problem(line_of(node), message))
    if root.has_error:
        explained = {p.line for p in found}
        for node in walk(root):
            if (node.type == "ERROR" or node.is_missing) and line_of(node) not in explained:
                snippet = text(node).strip()[:60] or text(node.parent or node).strip()[:60]
                found.append(Problem(line_of(node), f"Windows PowerShell 5.1 cannot parse this: {snippet!r}"))
                break
    return found


def _ps7_construct(node: Node, source: bytes) -> str | None:
    kind = node.type
    if kind == "ERROR" and node.child_count == 0 and "?" in text(node):
        return _question_mark(source[node.start_byte + text(node).index("?") :])
    if kind == "ERROR" and any(c.type == "simple_name" and text(c).strip().lower() == "clean" for c in node.children):
        return "a clean block is PowerShell 7.3+"
    if kind == "ERROR":
        return _error_with_children(node)
    if kind == "pipeline_chain_tail":
        return f"the pipeline chain operator {text(node).strip()} is PowerShell 7+"
    if kind == "command":
        return _command_construct(node)
    if kind in ("expandable_string_literal", "expandable_here_string_literal") and "`u{" in text(node):
        return "the `u{...} Unicode escape is PowerShell 6+"
    if kind == "variable":
        name = text(node).lstrip("$").strip("{}")
        if name.lower() in PS7_VARIABLES:
            return f"${name} does not exist before PowerShell {PS7_VARIABLES[name.lower()]} (it is $null on 5.1)"
    return None


def _question_mark(after: bytes) -> str:
    if after.startswith(b"??="):
        return "the null-coalescing assignment operator ??= is PowerShell 7+"
    if after.startswith(b"??"):
        return "the null-coalescing operator ?? is PowerShell 7+"
    if after.startswith(b"?."):
        return "the null-conditional member access ?. is PowerShell 7.1+"
    if after.startswith(b"?["):
        return "the null-conditional element access ?[] is PowerShell 7.1+"
    return "the ternary operator a ? b : c is PowerShell 7+"


def _error_with_children(node: Node) -> str | None:
    children = node.children
    if children and children[-1].type == "&":
        return "the background operator & at the end of a pipeline is PowerShell 6+"
    for first, second in zip(children, children[1:], strict=False):
        if first.type == "integer_literal" and second.type == "simple_name" and text(second) in NUMERIC_SUFFIXES:
            return f"the numeric literal {text(first)}{text(second)} is PowerShell 6.2+"
    return None


def _command_construct(node: Node) -> str | None:
    name_node = next((c for c in node.children if c.type == "command_name"), None)
    if name_node is None:
        return None
    name = text(name_node)
    if not name and node.next_sibling is not None and node.next_sibling.type == "|":
        return "a line that starts with | continues a pipeline only in PowerShell 7+"
    if NUMERIC_LITERAL.fullmatch(name):
        return f"the numeric literal {name} is PowerShell 6.2+ (5.1 runs it as a command)"
    if name.lower() == "clean" and _first_argument_is_script_block(node):
        return "a clean block is PowerShell 7.3+ (5.1 runs it as a command named clean)"
    return None


def _first_argument_is_script_block(command: Node) -> bool:
    elements = next((c for c in command.children if c.type == "command_elements"), None)
    if elements is None:
        return False
    arguments = [c for c in elements.children if c.type != "command_argument_sep"]
    return bool(arguments) and any(n.type == "script_block_expression" for n in walk(arguments[0]))
