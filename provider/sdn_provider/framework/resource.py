"""What every resource shares: the plan context the servicer hands to `plan()`, and `BaseResource`.

`BaseResource.upgrade()` fills in attributes added since the state's schema version, silently (schemas carry an
explicit version, so upgrade never runs on every plan with the framework's warning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from tf.iface import PlanContext
from tf.schema import Schema
from tf.utils import Diagnostics

from sdn_provider.framework import compat


@dataclass
class SdnPlanContext(PlanContext):
    """PlanContext plus what the stock one lacks: the raw config and dynamic replacement."""

    config: dict = field(default_factory=dict)
    is_create: bool = False
    requires_replace: list[list] = field(default_factory=list)


def _fill_missing(state: Any, attributes: list, block_types: list) -> Any:
    """`state` (raw JSON, as UpgradeResourceState hands it over) with every schema attribute present."""
    if not isinstance(state, dict):
        return state
    for attr in attributes:
        state.setdefault(attr.name, None)
    for block in block_types:
        value = state.setdefault(block.type_name, None)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for item in items:
            _fill_missing(item, block.block.attributes, block.block.block_types)
    return state


class BaseResource:
    """Common resource behaviour: provider handle, plan/validate hooks, an upgrade that fills in new attributes.

    A resource or data source declares its type name (without the `sdn_` prefix) and its schema once, as class
    attributes; `get_name`/`get_schema` are what the `tf` framework calls."""

    type_name: ClassVar[str]
    schema: ClassVar[Schema]

    @classmethod
    def get_name(cls) -> str:
        return cls.type_name

    @classmethod
    def get_schema(cls) -> Schema:
        return cls.schema

    def __init__(self, provider: Any):
        self.provider = provider

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        return planned

    def upgrade(self, ctx: Any, version: int, old: dict) -> dict:
        """Runs when the state's schema version is older than the resource's. Attributes added since are
        null in the old state: Terraform needs every attribute present, so fill them in (bump the schema's
        version whenever an attribute is added). Resources with real migrations override this."""
        return _fill_missing(old, self.schema.attributes, self.schema.block_types)

    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        compat.private("validate_config")(diags, type_name, config, self.schema.attributes, self.schema.block_types)
