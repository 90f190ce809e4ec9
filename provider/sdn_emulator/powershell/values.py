"""PowerShell values as Python objects, and the conversions the language applies to them.

``$null`` is None, strings, integers and booleans are themselves, an array is a list, ``@{}``/``[ordered]@{}``
is a :class:`Hashtable`, a PSCustomObject or a .NET object with properties is a :class:`PSObject`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import ErrorRecord, PSError


class Unsupported(Exception):
    """The script uses PowerShell this interpreter does not model: an emulator limitation, never a Windows error."""

    def __init__(self, what: str, line: int = 0):
        super().__init__(f"unsupported construct at line {line}: {what}" if line else f"unsupported: {what}")
        self.line = line


class CaseInsensitiveDict(dict[str, Any]):
    """Keys compare case-insensitively and keep the spelling of their first assignment, in insertion order.

    about_Hash_Tables: hashtable keys are case-insensitive, and ``[ordered]`` keeps the order entries were added.
    A plain ``@{}`` enumerates in hash order on Windows; keeping insertion order here is an assumption the
    provider never sees (it parses the JSON into a map)."""

    def __init__(self) -> None:
        super().__init__()
        self._spelling: dict[str, str] = {}

    def get_ci(self, key: str) -> Any:
        spelled = self._spelling.get(key.lower())
        return None if spelled is None else self[spelled]

    def has_ci(self, key: str) -> bool:
        return key.lower() in self._spelling

    def set_ci(self, key: str, value: Any) -> None:
        spelled = self._spelling.setdefault(key.lower(), key)
        self[spelled] = value


class Hashtable(CaseInsensitiveDict):
    """``@{}`` or ``[ordered]@{}``; member access reads and writes keys (about_Hash_Tables)."""


class PSObject(CaseInsensitiveDict):
    """A PSCustomObject (ConvertFrom-Json) or a .NET object reduced to the properties scripts read."""

    def __init__(self, type_name: str = "System.Management.Automation.PSCustomObject", **properties: Any):
        super().__init__()
        self.type_name = type_name
        for key, value in properties.items():
            self.set_ci(key, value)

    def psobject_properties(self) -> list[PSObject]:
        """``.PSObject.Properties``: one object with Name and Value per property, in order."""
        return [PSObject("System.Management.Automation.PSNoteProperty", Name=k, Value=v) for k, v in self.items()]


@dataclass
class Ref:
    """``[ref]$x``: a method's out parameter writes through to the variable."""

    value: Any = None


@dataclass(frozen=True)
class PSType:
    """A type literal's value (``[type]``, ``-as [type]``)."""

    name: str


@dataclass
class ScriptBlock:
    """``{ ... }``: the statements to run, and where they came from."""

    node: Any
    line: int = 0
    captured: dict[str, Any] = field(default_factory=dict)


def enumerate_value(value: Any) -> Iterator[Any]:
    """What a pipeline or ``foreach`` enumerates: a list's items, nothing for $null (PowerShell 3+), else the value
    itself; hashtables are not enumerated (about_Foreach, about_Hash_Tables)."""
    if value is None:
        return iter(())
    if isinstance(value, list):
        return iter(value)
    return iter((value,))


def collapse(items: list[Any]) -> Any:
    """Pipeline output as one value: nothing is $null, one item is itself, more are an array (about_Pipelines)."""
    if not items:
        return None
    return items[0] if len(items) == 1 else list(items)


def truthy(value: Any) -> bool:
    """about_Booleans: $null, "", 0 and empty arrays are false; a one-item array is its item's truth."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return truthy(value[0]) if len(value) == 1 else bool(value)
    return True


def to_string(value: Any, line: int = 0) -> str:
    """``[string]`` and string expansion: $null is "", booleans True/False, arrays joined by spaces ($OFS,
    about_Automatic_Variables / about_Preference_Variables)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return " ".join(to_string(v, line) for v in value)
    if isinstance(value, datetime.datetime):
        # Windows formats with the current culture; en-US's general pattern is an assumption.
        return value.strftime("%m/%d/%Y %H:%M:%S").lstrip("0")
    if isinstance(value, PSType):
        return value.name
    raise Unsupported(f"converting a {type(value).__name__} to a string", line)


def to_int(value: Any, line: int = 0) -> int:
    """``[int]``/``[uint32]``: $null is 0, strings parse, fractions round half to even (about_Type_Conversion)."""
    if value is None:
        return 0
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        return round(value)
    if isinstance(value, str):
        try:
            return int(value.strip()) if value.strip().lstrip("+-").isdigit() else round(float(value))
        except ValueError:
            raise PSError(
                ErrorRecord(
                    f'Cannot convert value "{value}" to type "System.Int32". Error: "Input string was not in a '
                    'correct format."',
                    "InvalidArgument",
                    "InvalidCastFromStringToInteger",
                    target=value,
                    exception_type="RuntimeException",
                )
            ) from None
    raise Unsupported(f"[int] of a {type(value).__name__}", line)
