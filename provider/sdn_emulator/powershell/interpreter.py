"""Runs the PowerShell subset the shipped scripts use, on the tree-sitter-powershell parse.

Semantics follow the about_* pages of Microsoft Learn named next to each construct. Pipelines run one command
after another on whole lists (not streaming), which no shipped script can tell apart. Commands come from a table
(:class:`Command`): the host supplies the cmdlets (core ones in :mod:`cmdlets`, FailoverClusters from the
emulator's guests); scripts add functions.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from .errors import ErrorRecord, ExitScript, PSError, ReturnFromFunction, command_not_found, thrown
from .parser import WRAPPERS, line_of, parse, text
from .values import (
    Hashtable,
    PSObject,
    PSType,
    Ref,
    ScriptBlock,
    Unsupported,
    collapse,
    enumerate_value,
    to_int,
    to_string,
    truthy,
)


class _Nothing:
    """What ``[void]`` leaves: no output at all (unlike $null, which is one pipeline item)."""


NOTHING = _Nothing()


@dataclass
class Invocation:
    """One call of a cmdlet: bound parameters (lower-case names), pipeline input, and who called."""

    bound: dict[str, Any]
    input: list[Any]
    interpreter: Interpreter
    scope: Scope
    line: int


@dataclass(frozen=True)
class Command:
    """A cmdlet: its name, its .NET class (for error ids), parameters by position, switches, and the code."""

    name: str
    run: Callable[[Invocation], list[Any]]
    parameters: tuple[str, ...] = ()
    positional: tuple[str, ...] = ()
    switches: tuple[str, ...] = ()
    class_name: str = ""


@dataclass
class Function:
    """``function Name([type]$Param, ...) { ... }`` (about_Functions, about_Functions_Advanced_Parameters)."""

    name: str
    parameters: list[tuple[str, str | None]]
    body: Node


@dataclass
class Scope:
    """Dynamic scoping: a child reads its parents' variables and functions, assignments stay local (about_Scopes)."""

    parent: Scope | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return True, scope.variables[name]
            scope = scope.parent
        return False, None

    def function(self, name: str) -> Function | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.functions:
                return scope.functions[name]
            scope = scope.parent
        return None


_CONSTANTS = {"true": True, "false": False, "null": None}
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class Interpreter:
    """One run of one program: its variables, the command table, ``$env:``, and the .NET types Add-Type made."""

    def __init__(self, commands: dict[str, Command], env: dict[str, str], variables: dict[str, Any]):
        self.commands = {name.lower(): command for name, command in commands.items()}
        self.env = {k.lower(): v for k, v in env.items()}
        self.global_scope = Scope(variables={k.lower(): v for k, v in variables.items()})
        #: Type name (lower) -> static methods by lower name, added by Add-Type.
        self.types: dict[str, dict[str, Callable[..., Any]]] = {}
        self._handling: list[PSError] = []

    # ----- entry points -------------------------------------------------------------------------------------
    def run(self, source: str, out: list[Any]) -> list[Any]:
        """Run ``source`` as ``& { source }`` does (a child scope of the global one), its output appended to ``out``
        (which then holds what came before an error or ``exit``). Raises PSError for an uncaught terminating
        error, ExitScript for ``exit``, Unsupported outside the subset."""
        try:
            self.run_block(parse(source), Scope(self.global_scope), out)
        except ReturnFromFunction:
            pass
        return out

    def run_block(self, node: Node, scope: Scope, out: list[Any]) -> None:
        """The statements under ``node`` (a program, statement block or script block), output appended to ``out``."""
        for child in node.named_children:
            if child.type in ("comment", "empty_statement"):
                continue
            if child.type in ("statement_list", "script_block", "script_block_body", "statement_block"):
                self.run_block(child, scope, out)
            else:
                self.statement(child, scope, out)

    def invoke_block(self, block: ScriptBlock, scope: Scope, item: Any) -> list[Any]:
        """A script block given to ForEach-Object/Where-Object: runs in the caller's scope with ``$_`` set to
        ``item`` (about_Automatic_Variables, $_ / $PSItem)."""
        had, previous = scope.lookup("_")
        scope.variables["_"] = item
        out: list[Any] = []
        try:
            self.run_block(block.node, scope, out)
        finally:
            if had:
                scope.variables["_"] = previous
            else:
                scope.variables.pop("_", None)
        return out

    # ----- statements ---------------------------------------------------------------------------------------
    def statement(self, node: Node, scope: Scope, out: list[Any]) -> None:
        kind = node.type
        if kind == "pipeline":
            out.extend(self.pipeline(node, scope))
        elif kind == "if_statement":
            self._if(node, scope, out)
        elif kind == "foreach_statement":
            self._foreach(node, scope, out)
        elif kind == "while_statement":
            condition = node.child_by_field_name("condition") or _named(node, "while_condition")
            body = _named(node, "statement_block")
            while truthy(self.value(condition, scope)):
                self.run_block(body, scope, out)
        elif kind == "try_statement":
            self._try(node, scope, out)
        elif kind == "flow_control_statement":
            self._flow(node, scope, out)
        elif kind == "function_statement":
            self._define(node, scope)
        else:
            raise Unsupported(f"the statement {kind}", line_of(node))

    def _if(self, node: Node, scope: Scope, out: list[Any]) -> None:
        """about_If: the first true condition's block runs, else the else block."""
        children = node.named_children
        if truthy(self.value(children[0], scope)):
            self.run_block(children[1], scope, out)
            return
        for clause in children[2:]:
            if clause.type == "elseif_clauses":
                for elseif in clause.named_children:
                    condition, block = elseif.named_children[-2:]
                    if truthy(self.value(condition, scope)):
                        self.run_block(block, scope, out)
                        return
            elif clause.type == "else_clause":
                self.run_block(_named(clause, "statement_block"), scope, out)

    def _foreach(self, node: Node, scope: Scope, out: list[Any]) -> None:
        """about_Foreach: the loop variable lives in the enclosing scope; $null gives no iteration."""
        variable = _named(node, "variable")
        collection = node.named_children[node.named_children.index(variable) + 1]
        for item in enumerate_value(self.value(collection, scope)):
            self.assign_variable(variable, item, scope)
            self.run_block(_named(node, "statement_block"), scope, out)

    def _try(self, node: Node, scope: Scope, out: list[Any]) -> None:
        """about_Try_Catch_Finally: an untyped catch takes every terminating error, with it in ``$_``; the finally
        block runs whatever happened (also on ``exit``); ``throw`` alone in a catch rethrows."""
        body = _named(node, "statement_block")
        clauses = [c for cs in node.named_children if cs.type == "catch_clauses" for c in cs.named_children]
        final = next((c for c in node.named_children if c.type == "finally_clause"), None)
        for clause in clauses:
            if any(c.type == "catch_type_list" for c in clause.children):
                raise Unsupported("a typed catch", line_of(clause))
        try:
            try:
                self.run_block(body, scope, out)
            except PSError as error:
                if not clauses:
                    raise
                self._handling.append(error)
                scope.variables["_"] = error.record.as_object()
                try:
                    self.run_block(_named(clauses[0], "statement_block"), scope, out)
                finally:
                    self._handling.pop()
        finally:
            if final is not None:
                self.run_block(_named(final, "statement_block"), scope, out)

    def _flow(self, node: Node, scope: Scope, out: list[Any]) -> None:
        keyword = node.children[0].type
        argument = node.named_children[0] if node.named_children else None
        if keyword == "exit":
            raise ExitScript(to_int(self.value(argument, scope), line_of(node)) if argument else 0)
        if keyword == "return":
            if argument is not None:
                out.extend(self.pipeline(argument, scope))
            raise ReturnFromFunction()
        if keyword == "throw":
            if argument is None:
                if not self._handling:
                    raise thrown("ScriptHalted")
                raise self._handling[-1]
            value = self.value(argument, scope)
            raise thrown(to_string(value, line_of(node)))
        raise Unsupported(f"the keyword {keyword}", line_of(node))

    def _define(self, node: Node, scope: Scope) -> None:
        name = text(_named(node, "function_name"))
        parameters: list[tuple[str, str | None]] = []
        declaration = _named(node, "function_parameter_declaration")
        if declaration is not None:
            for parameter in _descendants(declaration, "script_parameter"):
                attributes = _named(parameter, "attribute_list")
                type_name = text(attributes).strip()[1:-1] if attributes is not None else None
                parameters.append((text(_named(parameter, "variable"))[1:].lower(), type_name))
        scope.functions[name.lower()] = Function(name, parameters, _named(node, "script_block"))

    # ----- pipelines and commands ---------------------------------------------------------------------------
    def pipeline(self, node: Node, scope: Scope) -> list[Any]:
        """A pipeline's output items: an expression at its head writes its value (a list item by item); each
        command takes the previous element's output as input (about_Pipelines)."""
        node = _unwrap(node, stop=("pipeline_chain",))
        if node.type == "assignment_expression":
            self._assign(node, scope)
            return []
        if node.type == "if_statement":
            out: list[Any] = []
            self._if(node, scope, out)
            return out
        if node.type == "command":
            return self.command(node, [], scope)
        if node.type != "pipeline_chain":
            value = self.expression(node, scope)
            return [] if value is NOTHING else list(value) if isinstance(value, list) else [value]
        items: list[Any] = []
        for index, element in enumerate(_elements(node)):
            if element.type == "command":
                items = self.command(element, items, scope)
            elif index == 0:
                items = self.pipeline(element, scope)
            else:
                raise Unsupported("an expression after | in a pipeline", line_of(element))
        return items

    def value(self, node: Node, scope: Scope) -> Any:
        """A pipeline or expression as one value: an expression's own value (so ``@(1)`` stays an array), or a
        command pipeline's output collapsed (about_Assignment_Operators)."""
        inner = _unwrap(node, stop=("pipeline_chain",))
        if inner.type == "pipeline_chain" and len(_elements(inner)) == 1:
            inner = _unwrap(_elements(inner)[0])
        if inner.type in ("pipeline_chain", "command", "assignment_expression", "if_statement"):
            return collapse(self.pipeline(inner, scope))
        value = self.expression(inner, scope)
        return None if value is NOTHING else value

    def command(self, node: Node, items: list[Any], scope: Scope) -> list[Any]:
        name_node = _named(node, "command_name")
        if name_node is None:
            raise Unsupported(f"the command {text(node)[:40]!r}", line_of(node))
        name = text(name_node).strip()
        arguments = self._arguments(_named(node, "command_elements"), scope)
        function = scope.function(name.lower())
        if function is not None:
            if items:
                raise Unsupported(f"pipeline input to the function {name}", line_of(node))
            return self.call(function, arguments, scope, line_of(node))
        command = self.commands.get(name.lower())
        if command is None:
            self._raise(command_not_found(name), scope, line_of(node))
        assert command is not None
        try:
            bound = _bind(command, arguments)
            return command.run(Invocation(bound, items, self, scope, line_of(node)))
        except PSError as error:
            self._raise(error, scope, line_of(node))
        raise AssertionError("unreachable")

    def _raise(self, error: PSError, scope: Scope, line: int) -> None:
        """A command's error ends the script only with $ErrorActionPreference = "Stop" (the library sets it);
        non-terminating errors are not modelled (about_Preference_Variables)."""
        preference = to_string(scope.lookup("erroractionpreference")[1]).lower()
        if preference != "stop":
            raise Unsupported(f"a non-terminating error ($ErrorActionPreference is {preference!r}): {error}", line)
        raise error

    def _arguments(self, elements: Node | None, scope: Scope) -> list[tuple[str | None, Any]]:
        """(parameter name or None, value) in order; ``-Name`` alone is (name, NOTHING); ``@h`` splats a
        hashtable into named parameters (about_Splatting)."""
        out: list[tuple[str | None, Any]] = []
        for element in elements.named_children if elements is not None else []:
            if element.type == "command_argument_sep":
                continue
            if element.type == "command_parameter":
                name = text(element)[1:]
                if ":" in name:
                    raise Unsupported("a -Parameter:value argument", line_of(element))
                out.append((name, NOTHING))
            elif _unwrap(element).type == "variable" and text(element).startswith("@"):
                splatted = self._variable(text(element)[1:], scope, line_of(element))
                if not isinstance(splatted, Hashtable):
                    raise Unsupported("splatting anything but a hashtable", line_of(element))
                out.extend((key, value) for key, value in splatted.items())
            elif element.type == "generic_token":
                word = text(element)
                out.append((None, int(word) if word.isdigit() else word))
            else:
                out.append((None, self.value(element, scope)))
        return out

    def call(self, function: Function, arguments: list[tuple[str | None, Any]], scope: Scope, line: int) -> list[Any]:
        """A function call: named arguments bind first, the rest by position; typed parameters convert
        (about_Functions); a new scope under the caller's."""
        local = Scope(scope)
        names = [p for p, _ in function.parameters]
        values: dict[str, Any] = {}
        positional = []
        pending: str | None = None
        for name, value in arguments:
            if pending is not None:
                values[pending] = value
                pending = None
            elif name is not None and value is NOTHING:
                match = [p for p in names if p == name.lower()]
                if not match:
                    raise _binding_error(function.name, f"A parameter cannot be found that matches parameter name "
                                         f"'{name}'.", "NamedParameterNotFound")  # fmt: skip
                pending = match[0]
            elif name is not None:
                values[name.lower()] = value
            else:
                positional.append(value)
        free = [p for p in names if p not in values]
        if len(positional) > len(free):
            raise _binding_error(function.name, "A positional parameter cannot be found that accepts argument "
                                 f"'{to_string(positional[len(free)])}'.", "PositionalParameterNotFound")  # fmt: skip
        values.update(zip(free, positional, strict=False))
        for name, type_name in function.parameters:
            local.variables[name] = self.cast(type_name, values.get(name), line) if type_name else values.get(name)
        out: list[Any] = []
        try:
            self.run_block(function.body, local, out)
        except ReturnFromFunction:
            pass
        return out

    # ----- expressions --------------------------------------------------------------------------------------
    def expression(self, node: Node, scope: Scope) -> Any:
        node = _unwrap(node)
        kind = node.type
        line = line_of(node)
        if kind == "variable":
            return self._variable(text(node)[1:], scope, line)
        if kind == "$_":
            return scope.lookup("_")[1]
        if kind == "decimal_integer_literal":
            return int(text(node))
        if kind == "expandable_string_literal":
            return self._expand(node, scope)
        if kind == "verbatim_string_characters":
            return text(node)[1:-1].replace("''", "'")
        if kind == "verbatim_here_string_characters":
            return re.sub(r"^@'\r?\n|\r?\n'@$", "", text(node))
        if kind in ("parenthesized_expression", "sub_expression"):
            inner = node.named_children
            if kind == "parenthesized_expression":
                return self.value(inner[0], scope)
            out: list[Any] = []
            self.run_block(node, scope, out)
            return collapse(out)
        if kind == "array_expression":
            out = []
            self.run_block(node, scope, out)
            return out
        if kind == "hash_literal_expression":
            return self._hashtable(node, scope)
        if kind == "script_block_expression":
            return ScriptBlock(_named(node, "script_block"), line)
        if kind == "member_access":
            return self._member(node, scope)
        if kind == "element_access":
            target, index = node.named_children[0], node.named_children[1]
            return _index(self.expression(target, scope), self.value(index, scope), line)
        if kind == "invokation_expression":
            return self._invoke(node, scope)
        if kind == "cast_expression":
            type_node, operand = node.named_children
            if text(type_node).lower() == "[ref]":
                raise Unsupported("[ref] outside a method's arguments", line)
            return self.cast(_type_name(type_node), self.expression(operand, scope), line)
        if kind == "type_literal":
            return PSType(_type_name(node))
        if kind == "expression_with_unary_operator":
            operator = node.children[0].type
            if operator in ("-not", "!"):
                return not truthy(self.expression(node.named_children[-1], scope))
            raise Unsupported(f"the unary operator {operator}", line)
        if kind == "logical_expression":
            left, operator, right = node.children
            result = truthy(self.expression(left, scope))
            if operator.type == "-and":
                return result and truthy(self.expression(right, scope))
            if operator.type == "-or":
                return result or truthy(self.expression(right, scope))
            raise Unsupported(f"the operator {operator.type}", line)
        if kind == "comparison_expression":
            left, operator, right = node.children
            return self._compare(self.expression(left, scope), text(operator).lower(), right, scope, line)
        if kind == "array_literal_expression":  # a, b, c (about_Arrays)
            return [self.expression(c, scope) for c in node.named_children]
        raise Unsupported(f"the expression {kind} {text(node)[:40]!r}", line)

    def _variable(self, name: str, scope: Scope, line: int) -> Any:
        """about_Variables, about_Environment_Variables: ``$env:X``; an unset variable is $null."""
        name = name.strip("{}")
        lowered = name.lower()
        if lowered.startswith("env:"):
            return self.env.get(lowered[4:])
        if ":" in lowered:
            raise Unsupported(f"the scoped variable ${name}", line)
        if lowered in _CONSTANTS:
            return _CONSTANTS[lowered]
        if lowered == "psitem":
            lowered = "_"
        return scope.lookup(lowered)[1]

    def _expand(self, node: Node, scope: Scope) -> str:
        """about_Quoting_Rules: ``$var`` and ``$(...)`` expand, backtick escapes, "" is one quote."""
        source = node.text or b""
        start = node.start_byte
        parts: list[str] = []
        position = 1
        for child in node.named_children:
            parts.append(_unescape(source[position : child.start_byte - start].decode("utf-8")))
            if child.type == "variable":
                value = self._variable(text(child)[1:], scope, line_of(child))
            else:
                value = self.expression(child, scope)
            parts.append(to_string(value, line_of(child)))
            position = child.end_byte - start
        parts.append(_unescape(source[position:-1].decode("utf-8")))
        return "".join(parts)

    def _hashtable(self, node: Node, scope: Scope) -> Hashtable:
        table = Hashtable()
        for entry in _descendants(node, "hash_entry"):
            key_node, value_node = [c for c in entry.named_children if c.type != "comment"][:2]
            key = _unwrap(key_node)
            name = text(key) if key.type == "simple_name" else to_string(self.expression(key, scope))
            table.set_ci(name, self.value(value_node, scope))
        return table

    def _member(self, node: Node, scope: Scope) -> Any:
        target_node, name_node = node.named_children[0], node.named_children[-1]
        name = text(name_node)
        if target_node.type == "type_literal":
            raise Unsupported(f"the static member [{_type_name(target_node)}]::{name}", line_of(node))
        return member(self.expression(target_node, scope), name, line_of(node))

    def _invoke(self, node: Node, scope: Scope) -> Any:
        """Method calls: the few .NET methods the scripts use (DateTime.AddSeconds, Add-Type's static methods)."""
        target_node, name_node, arguments_node = node.named_children[:3]
        name = text(name_node).lower()
        listed = _named(arguments_node, "argument_expression_list")
        argument_nodes = [] if listed is None else _elements(listed)
        arguments = [self._argument(a, scope) for a in argument_nodes]
        line = line_of(node)
        if target_node.type == "type_literal":
            methods = self.types.get(_type_name(target_node).lower(), {})
            if name not in methods:
                raise Unsupported(f"the static method [{_type_name(target_node)}]::{text(name_node)}", line)
            result = methods[name](*arguments)
            for argument_node, argument in zip(argument_nodes, arguments, strict=True):
                if isinstance(argument, Ref):  # about_Ref: the out value lands in the variable
                    self.assign_variable(_unwrap(_unwrap(argument_node).named_children[1]), argument.value, scope)
            return result
        target = self.expression(target_node, scope)
        if name == "addseconds" and isinstance(target, datetime.datetime):
            return target + datetime.timedelta(seconds=float(arguments[0]))
        raise Unsupported(f"the method {text(name_node)} on a {type(target).__name__}", line)

    def _argument(self, node: Node, scope: Scope) -> Any:
        inner = _unwrap(node)
        if inner.type == "cast_expression" and text(inner.named_children[0]).lower() == "[ref]":
            return self._ref(inner.named_children[1], scope)
        return self.value(node, scope)

    def _ref(self, operand: Node, scope: Scope) -> Ref:
        """``[ref]$x`` as a method argument (about_Ref); only variables can be passed so."""
        variable = _unwrap(operand)
        if variable.type != "variable":
            raise Unsupported("[ref] of anything but a variable", line_of(operand))
        return Ref(self.expression(variable, scope))

    def _compare(self, left: Any, operator: str, right_node: Node, scope: Scope, line: int) -> Any:
        """about_Comparison_Operators: case-insensitive for strings, the right side converted to the left's type;
        ``-as`` converts or gives $null (about_Type_Operators)."""
        if operator == "-as":
            type_name = _type_name(_unwrap(right_node)) if _unwrap(right_node).type == "type_literal" else None
            if type_name is None or type_name.lower() != "type":
                raise Unsupported(f"-as {text(right_node)}", line)
            known = to_string(left).lower() in self.types or to_string(left).lower() in _BUILTIN_TYPES
            return PSType(to_string(left)) if known else None
        right = self.expression(right_node, scope)
        op = operator.lstrip("-").removeprefix("i")
        if op not in _COMPARISONS or isinstance(left, list):
            raise Unsupported(f"the comparison {operator} on a {type(left).__name__}", line)
        return compare(left, op, right, line)

    def _assign(self, node: Node, scope: Scope) -> None:
        target, operator, value_node = node.children
        if text(operator) != "=":
            raise Unsupported(f"the assignment operator {text(operator)}", line_of(node))
        value = self.value(value_node, scope)
        target = _unwrap(target)
        if target.type == "variable":
            self.assign_variable(target, value, scope)
        elif target.type == "member_access":
            owner = self.expression(target.named_children[0], scope)
            set_member(owner, text(target.named_children[-1]), value, line_of(target))
        elif target.type == "element_access":
            owner = self.expression(target.named_children[0], scope)
            key = self.value(target.named_children[1], scope)
            if not isinstance(owner, Hashtable):
                raise Unsupported("assigning an element of anything but a hashtable", line_of(target))
            owner.set_ci(to_string(key), value)
        else:
            raise Unsupported(f"assigning to {target.type}", line_of(target))

    def assign_variable(self, variable: Node, value: Any, scope: Scope) -> None:
        name = text(variable)[1:].strip("{}").lower()
        if ":" in name or name in _CONSTANTS:
            raise Unsupported(f"assigning ${name}", line_of(variable))
        scope.variables[name] = value

    def cast(self, type_name: str | None, value: Any, line: int) -> Any:
        """about_Type_Conversion for the types the scripts name."""
        name = (type_name or "").lower().removeprefix("system.")
        if name == "string":
            return to_string(value, line)
        if name in ("int", "int32", "uint32"):
            return to_int(value, line)
        if name == "string[]":
            return [to_string(v, line) for v in enumerate_value(value)]
        if name == "ordered":
            if not isinstance(value, Hashtable):
                raise Unsupported("[ordered] on anything but a hashtable literal", line)
            return value
        if name == "void":
            return NOTHING
        raise Unsupported(f"the cast [{type_name}]", line)


_BUILTIN_TYPES = {"string", "int", "system.string", "system.int32"}


def member(target: Any, name: str, line: int) -> Any:
    """Property access: hashtable keys, object properties, ``.PSObject.Properties``, an array's Count, and member
    enumeration over arrays (about_Properties, about_Hash_Tables, about_Member-Access_Enumeration)."""
    lowered = name.lower()
    if target is None:
        return None
    if isinstance(target, list):
        if lowered in ("count", "length"):
            return len(target)
        return collapse([member(item, name, line) for item in target])
    if isinstance(target, Hashtable):
        if target.has_ci(name):
            return target.get_ci(name)
        if lowered == "count":
            return len(target)
        return None
    if isinstance(target, PSObject):
        if lowered == "psobject":
            return PSObject("System.Management.Automation.PSMemberSet", Properties=target.psobject_properties())
        return target.get_ci(name)
    if isinstance(target, str) and lowered == "length":
        return len(target)
    raise Unsupported(f"the property {name} of a {type(target).__name__}", line)


def set_member(target: Any, name: str, value: Any, line: int) -> None:
    if isinstance(target, Hashtable):
        target.set_ci(name, value)
    elif isinstance(target, PSObject) and target.has_ci(name):
        target.set_ci(name, value)
    else:
        raise Unsupported(f"setting the property {name} of a {type(target).__name__}", line)


def compare(left: Any, op: str, right: Any, line: int) -> bool:
    if left is None or right is None:
        order = (left is None) - (right is None)  # $null sorts first
        result = order if left is not right else 0
    elif isinstance(left, str):
        a, b = left.lower(), to_string(right, line).lower()
        result = (a > b) - (a < b)
    elif isinstance(left, bool):
        result = int(left) - int(truthy(right))
    elif isinstance(left, int | float):
        other = right if isinstance(right, int | float) else to_int(right, line)
        result = (left > other) - (left < other)
    elif isinstance(left, datetime.datetime) and isinstance(right, datetime.datetime):
        result = (left > right) - (left < right)
    else:
        raise Unsupported(f"comparing a {type(left).__name__}", line)
    return {"eq": result == 0, "ne": result != 0, "gt": result > 0, "ge": result >= 0, "lt": result < 0,
            "le": result <= 0}[op]  # fmt: skip


def _index(target: Any, key: Any, line: int) -> Any:
    if isinstance(target, Hashtable):
        return target.get_ci(to_string(key, line))
    if isinstance(target, list):
        position = to_int(key, line)
        return target[position] if -len(target) <= position < len(target) else None
    raise Unsupported(f"indexing a {type(target).__name__}", line)


def _bind(command: Command, arguments: list[tuple[str | None, Any]]) -> dict[str, Any]:
    """Named parameters (unique prefixes allowed), switches, then positional ones (about_Parameters)."""
    bound: dict[str, Any] = {}
    positional: list[Any] = []
    names = [p.lower() for p in (*command.parameters, *command.switches)]
    switches = {s.lower() for s in command.switches}
    index = 0
    while index < len(arguments):
        name, value = arguments[index]
        index += 1
        if name is None:
            positional.append(value)
            continue
        lowered = name.lower()
        match = [p for p in names if p == lowered] or [p for p in names if p.startswith(lowered)]
        if len(match) != 1:
            raise _binding_error(command.name, f"A parameter cannot be found that matches parameter name '{name}'.",
                                 "NamedParameterNotFound", command.class_name)  # fmt: skip
        if match[0] in switches:
            bound[match[0]] = True if value is NOTHING else truthy(value)
        elif value is not NOTHING:
            bound[match[0]] = value
        elif index < len(arguments) and arguments[index][0] is None:
            bound[match[0]] = arguments[index][1]
            index += 1
        else:
            raise _binding_error(command.name, f"Missing an argument for parameter '{name}'. Specify a parameter of "
                                 "the type required and try again.", "MissingArgument", command.class_name)  # fmt: skip
    free = [p.lower() for p in command.positional if p.lower() not in bound]
    if len(positional) > len(free):
        raise _binding_error(command.name, "A positional parameter cannot be found that accepts argument "
                             f"'{to_string(positional[len(free)])}'.", "PositionalParameterNotFound",
                             command.class_name)  # fmt: skip
    bound.update(zip(free, positional, strict=False))
    return bound


def _binding_error(command: str, message: str, reason: str, class_name: str = "") -> PSError:
    """A ParameterBindingException as PowerShell reports it (category InvalidArgument)."""
    error_id = f"{reason},{class_name}" if class_name else reason
    return PSError(ErrorRecord(message, "InvalidArgument", error_id, cmdlet=command,
                               exception_type="ParameterBindingException"))  # fmt: skip


def _unescape(chunk: str) -> str:
    out = []
    characters = iter(chunk.replace('""', '"'))
    for character in characters:
        if character == "`":
            following = next(characters, "")
            out.append(_ESCAPES.get(following, following))
        else:
            out.append(character)
    return "".join(out)


# Memoized: a parse tree is cached and never changes, and reading a node's children builds new Python objects each
# time (the cost of most of a command's interpretation before this cache). A key keeps its tree alive.
@functools.lru_cache(maxsize=65536)
def _unwrap(node: Node, stop: tuple[str, ...] = ()) -> Node:
    """Skip the single-child precedence wrappers down to the node that means something."""
    while node.type in WRAPPERS and node.type not in stop:
        named = _elements(node)
        if len(named) != 1 or any(not c.is_named and c.type not in _BRACKETS for c in node.children):
            return node
        node = named[0]
    return node


_BRACKETS = {"{", "}", ";"}


@functools.lru_cache(maxsize=65536)
def _elements(node: Node) -> tuple[Node, ...]:
    """Named children without comments (and without the separators between command arguments)."""
    return tuple(c for c in node.named_children if c.type not in ("comment", "command_argument_sep"))


def _named(node: Node, kind: str) -> Any:
    return next((c for c in node.named_children if c.type == kind), None)


def _descendants(node: Node, kind: str) -> list[Node]:
    found = []
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        if current.type == kind:
            found.append(current)
        else:
            stack.extend(reversed(current.children))
    return found


def _type_name(node: Node) -> str:
    return text(node).strip()[1:-1].strip() if text(node).strip().startswith("[") else text(node).strip()
