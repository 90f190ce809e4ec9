"""Plan-time value checks shared by resources; each adds a diagnostic pointing at the attribute."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from tf.utils import Diagnostics

from sdn_provider.framework import is_known

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")


def parse_duration(text: str) -> float:
    """Terraform-style duration ("30m", "1h30m", "45s") in seconds."""
    match = _DURATION.match(text.strip()) if text else None
    if not match or not any(match.groups()):
        raise ValueError(f'"{text}" is not a duration such as "30s", "10m" or "1h30m"')
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


def check_duration(diags: Diagnostics, value: Any, path: list) -> None:
    if is_known(value):
        try:
            parse_duration(value)
        except ValueError as exc:
            diags.add_error("Invalid duration", str(exc), path=path)


def check_ipv4(diags: Diagnostics, value: Any, path: list, what: str = "an IPv4 address") -> bool:
    if not is_known(value):
        return True
    try:
        ipaddress.IPv4Address(value)
        return True
    except ValueError:
        diags.add_error(
            "Invalid IPv4 address", f'"{value}" is not {what} (dotted quad, e.g. 192.168.2.100).', path=path
        )
        return False


def check_mask(diags: Diagnostics, value: Any, path: list) -> None:
    if not is_known(value):
        return
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{value}")
    except ValueError:
        diags.add_error(
            "Invalid subnet mask", f'"{value}" is not a contiguous IPv4 mask such as 255.255.255.255.', path=path
        )


def check_range(diags: Diagnostics, value: Any, path: list, low: int, high: int, what: str) -> None:
    if not is_known(value):
        return
    if not isinstance(value, int | float) or int(value) != value or not low <= value <= high:
        diags.add_error(
            f"Invalid {what}", f"{what} must be a whole number from {low} to {high}, got {value}.", path=path
        )


def check_port(diags: Diagnostics, value: Any, path: list, what: str = "port") -> None:
    check_range(diags, value, path, 1, 65535, what)


def check_enum(
    diags: Diagnostics, value: Any, path: list, allowed: tuple[str, ...], what: str, ignore_case: bool = False
) -> None:
    """`ignore_case` for NC's enums: NC matches them case-insensitively and answers in its own spelling."""
    if not is_known(value):
        return
    if (value.lower() not in {a.lower() for a in allowed}) if ignore_case else value not in allowed:
        diags.add_error(f"Invalid {what}", f'{what} must be one of {", ".join(allowed)}; got "{value}".', path=path)


def check_name(diags: Diagnostics, value: Any, path: list, what: str = "name") -> None:
    """NC resource ids go into URLs: letters, digits, '_', '-', '.', 1-80 characters (documented assumption)."""
    if is_known(value) and not _NAME.match(value):
        diags.add_error(
            f"Invalid {what}",
            f'"{value}" is not a valid Network Controller resource id: use 1-80 letters, digits, "_", "-" or ".", '
            "starting with a letter or digit.",
            path=path,
        )


def check_unique(diags: Diagnostics, items: list, key: str, path_root: str, what: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items or []):
        value = item.get(key)
        if not is_known(value):
            continue
        if value.lower() in seen:
            diags.add_error(
                f"Duplicate {what}",
                f'{what} "{value}" is used more than once (names are case-insensitive).',
                path=[path_root, (i,), key],
            )
        seen.add(value.lower())
