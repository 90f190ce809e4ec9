"""Pieces every resource shares: the `timeouts` block, deadlines and NC error reporting."""

from __future__ import annotations

import re
import time
from typing import Any

from tf import types
from tf.schema import Attribute, Block
from tf.utils import Diagnostics

from sdn_provider.framework import SingleNestedBlock, is_known
from sdn_provider.nc import NCError, ProvisioningFailed
from sdn_provider.nc.refs import same_ref
from sdn_provider.validation import check_duration

TIMEOUT_OPS = ("create", "read", "update", "delete")


def timeouts_block() -> SingleNestedBlock:
    return SingleNestedBlock(
        "timeouts",
        Block(
            attributes=[
                Attribute(
                    op,
                    types.String(),
                    optional=True,
                    description=f"How long {op} may take, e.g. `30m` (default: the provider's `operation_timeout`).",
                )
                for op in TIMEOUT_OPS
            ],
            description="Per-operation time limits.",
        ),
    )


def check_timeouts(diags: Diagnostics, config: dict) -> None:
    block = config.get("timeouts")
    if isinstance(block, dict):
        for op in TIMEOUT_OPS:
            check_duration(diags, block.get(op), ["timeouts", op])


def deadline(provider: Any, state: dict, op: str) -> float:
    return time.monotonic() + provider.operation_timeout(state.get("timeouts"), op)


def keep_spelling(prior: Any, current: Any) -> Any:
    """Keep the user's spelling of a ref when NC returns the same ref in canonical casing."""
    return prior if same_ref(prior, current) else current


_TARGET_STEP = re.compile(r"([A-Za-z]+)(?:\[(\d+)\])?")


def path_from_target(target: str, names: dict[str, str]) -> list | None:
    """Map NC's error target (`properties.probes[0].properties.port`) onto a Terraform attribute path."""
    path: list = []
    for step in target.split("."):
        match = _TARGET_STEP.fullmatch(step)
        if not match:
            return None
        key, index = match.groups()
        if key == "properties":
            continue
        mapped = names.get(key.lower())
        if mapped is None:
            return path or None
        path.append(mapped)
        if index is not None:
            path.append((int(index),))
    return path or None


def report(
    diags: Diagnostics,
    summary: str,
    exc: Exception,
    names: dict[str, str] | None = None,
    roots: frozenset[str] = frozenset(),
) -> None:
    """Turn a client exception into one diagnostic; NC's target becomes the attribute path when it maps onto one
    starting at a top-level attribute or block in `roots` (NC's targets are property names such as
    "SubnetAddress", so this is a hint, never relied on: the message always carries NC's text)."""
    path = None
    if isinstance(exc, NCError) and exc.target and names:
        path = path_from_target(exc.target, names)
        if path and path[0] not in roots:
            path = None
    detail = str(exc)
    if isinstance(exc, ProvisioningFailed) and not exc.details:
        detail += " (Network Controller gave no configurationState details)"
    diags.add_error(summary, detail, path=path)


def known_list(value: Any) -> list:
    return value if is_known(value) and isinstance(value, list) else []
