"""The tree-sitter-powershell parse of a script, and which of its node kinds the interpreter runs.

The grammar follows the PowerShell language specification; each node kind below is handled by
:mod:`interpreter`. Anything else is refused up front, so a script that strays outside the modelled subset fails
loudly with its line instead of running differently from Windows.
"""

from __future__ import annotations

import functools

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from .values import Unsupported

#: Nodes that only wrap one child in the grammar's precedence chain (or group tokens), passed through.
WRAPPERS = frozenset(
    {
        "program", "statement_list", "pipeline", "pipeline_chain", "logical_expression", "bitwise_expression",
        "comparison_expression", "additive_expression", "multiplicative_expression", "format_expression",
        "range_expression", "array_literal_expression", "unary_expression", "left_assignment_expression",
        "string_literal", "integer_literal", "argument_expression", "key_expression", "while_condition",
        "script_block", "script_block_body", "expression_with_unary_operator", "statement_block",
        "logical_argument_expression", "bitwise_argument_expression", "comparison_argument_expression",
        "additive_argument_expression", "multiplicative_argument_expression", "format_argument_expression",
        "range_argument_expression",
    }
)  # fmt: skip
#: Every other node kind the interpreter understands (tokens included).
SUPPORTED = WRAPPERS | frozenset(
    {
        " ", '""', "comment", "empty_statement", "variable", "$_", "assignment_expression", "assignement_operator",
        "=", "command", "command_name",
        "command_elements", "command_argument_sep", "command_parameter", "generic_token", "|", "if_statement", "if",
        "(", ")", "else_clause", "else", "elseif_clauses", "elseif_clause", "elseif", "foreach_statement", "foreach",
        "in", "while_statement", "while", "try_statement", "try", "catch_clauses", "catch_clause", "catch",
        "finally_clause", "finally", "flow_control_statement", "exit", "return", "throw", "function_statement",
        "function", "function_name", "function_parameter_declaration", "parameter_list", "script_parameter",
        "attribute_list", "attribute", "type_literal", "type_spec", "type_name", "type_identifier",
        "array_type_name", "[", "]", "{", "}", ",", ";", ".", "::", "member_access", "member_name", "simple_name",
        "element_access", "invokation_expression", "argument_list", "argument_expression_list", "cast_expression",
        "parenthesized_expression", "sub_expression", "$(", "array_expression", "@(", "hash_literal_expression",
        "@{", "hash_literal_body", "hash_entry", "script_block_expression", "expandable_string_literal",
        "verbatim_string_characters", "verbatim_here_string_characters", "decimal_integer_literal",
        "comparison_operator", "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-ieq", "-ine", "-as", "-and", "-or",
        "-not", "!",
    }
)  # fmt: skip


@functools.cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_powershell.language()))


def line_of(node: Node) -> int:
    return node.start_point.row + 1


def text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


@functools.lru_cache(maxsize=64)
def parse(source: str) -> Node:
    """The checked parse of ``source`` (cached: the emulator runs the same few programs over and over)."""
    root = _parser().parse(source.encode("utf-8")).root_node
    problems = unsupported_nodes(root)
    if problems:
        raise problems[0]
    return root


def unsupported_nodes(root: Node) -> list[Unsupported]:
    """Each parse error or node kind outside :data:`SUPPORTED`, in source order."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            found.append(Unsupported(f"a parse error near {text(node)[:60]!r}", line_of(node)))
        elif node.type not in SUPPORTED:
            found.append(Unsupported(f"{node.type} {text(node)[:60]!r}", line_of(node)))
        stack.extend(reversed(node.children))
    return sorted(found, key=lambda u: u.line)
