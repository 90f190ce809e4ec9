"""`pynull`: the Go null provider's twin on our own Python stack (tf 1.2.0, sdn_provider.framework, grpcio).

Same shape as bench/null_twin (`pynull_data_source` with inputs/outputs, `pynull_resource` with triggers) and,
like null, no I/O at all. Its time over the Go null provider is what any provider on this stack pays (plugin
spawns, gRPC and msgpack in Python) before it does any work; ours over it is what our work costs.
bench/run.py installs it as registry.terraform.io/bench/pynull.
"""

from __future__ import annotations

import uuid
from typing import Any

from tf import types
from tf.schema import Attribute, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.framework import BaseResource

SOURCE_ADDRESS = "registry.terraform.io/bench/pynull"


class NullResource(BaseResource):
    type_name = "resource"
    schema = Schema(
        version=0,
        attributes=[
            Attribute("id", types.String(), computed=True),
            Attribute("triggers", types.Map(types.String()), optional=True),
        ],
    )

    def plan(self, ctx: Any, current: dict | None, planned: dict) -> dict:
        return {**planned, "id": Unknown} if current is None else planned

    def create(self, ctx: Any, planned: dict) -> dict:
        return {**planned, "id": str(uuid.uuid4().int >> 64)}

    def read(self, ctx: Any, current: dict) -> dict:
        return current

    def update(self, ctx: Any, current: dict, planned: dict) -> dict:
        return planned

    def delete(self, ctx: Any, current: dict) -> None:
        return None


class NullDataSource(BaseResource):
    type_name = "data_source"
    schema = Schema(
        version=0,
        attributes=[
            Attribute("id", types.String(), computed=True),
            Attribute("inputs", types.Map(types.String()), optional=True),
            Attribute("outputs", types.Map(types.String()), computed=True),
        ],
    )

    def read(self, ctx: Any, config: dict) -> dict:
        return {**config, "id": "static", "outputs": dict(config.get("inputs") or {})}


class PyNullProvider:
    def get_model_prefix(self) -> str:
        return "pynull_"

    def full_name(self) -> str:
        return SOURCE_ADDRESS

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return Schema(version=0, attributes=[])

    def validate_config(self, diags: Diagnostics, config: dict) -> None:
        return None

    def configure_provider(self, diags: Diagnostics, config: dict) -> None:
        return None

    def get_data_sources(self) -> list:
        return [NullDataSource]

    def get_resources(self) -> list:
        return [NullResource]

    def get_functions(self) -> list:
        return []

    def new_resource(self, klass: type) -> Any:
        return klass(self)

    def new_data_source(self, klass: type) -> Any:
        return klass(self)


def main() -> None:
    from tf.runner import run_provider

    from sdn_provider.framework import install_runtime_patches

    install_runtime_patches()
    run_provider(PyNullProvider())
