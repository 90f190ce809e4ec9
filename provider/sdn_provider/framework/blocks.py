"""Blocks and types the `tf` framework lacks or gets wrong (see the framework audit).

* `ListNestedBlock` / `SingleNestedBlock`: the framework only ships set-nested blocks.
* `Object`: a cty object type (the framework has none), used by data sources.
* `SafeSet`: `types.Set` crashes the plan when the whole set is Unknown.
"""

from __future__ import annotations

import json
from typing import Any

from tf import types
from tf.gen import tfplugin_pb2 as pb
from tf.schema import Attribute, Block, NestedBlock, NestMode
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.framework import compat


def is_known(value: Any) -> bool:
    """True when a value is neither null nor Unknown (usable for plan-time checks)."""
    return value is not None and value is not Unknown


class _TypedNestedBlock(NestedBlock):
    """A nested block whose items are encoded and decoded attribute by attribute, like a resource's state."""

    def _attributes(self) -> dict[str, Attribute]:
        return {a.name: a for a in self.block.attributes}

    def _blocks(self) -> dict[str, NestedBlock]:
        return {b.type_name: b for b in self.block.block_types}

    def _encode_item(self, item: dict) -> Any:
        return compat.private("encode_state_dict")(self._attributes(), self._blocks(), item, None)

    def _decode_item(self, item: dict) -> Any:
        return compat.private("decode_state")(Diagnostics(), self._attributes(), self._blocks(), item)[1]

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return a_decoded == b_decoded


class ListNestedBlock(_TypedNestedBlock):
    """An ordered, repeatable nested block (`NESTING_LIST`), with optional min/max items."""

    def __init__(self, type_name: str, block: Block, min_items: int | None = None, max_items: int | None = None):
        super().__init__(type_name, NestMode.Set, block, min_items=min_items, max_items=max_items)

    def to_pb(self) -> pb.Schema.NestedBlock:
        message = super().to_pb()
        message.nesting = pb.Schema.NestedBlock.NestingMode.LIST  # the framework's NestMode has no List member
        return message

    def encode(self, value: Any) -> Any:
        return value if value is None or value is Unknown else [self._encode_item(v) for v in value]

    def decode(self, value: Any) -> Any:
        return value if value is None or value is Unknown else [self._decode_item(v) for v in value]


class SingleNestedBlock(_TypedNestedBlock):
    """A block that appears at most once (`NESTING_SINGLE`), e.g. `timeouts {}`."""

    def __init__(self, type_name: str, block: Block):
        super().__init__(type_name, NestMode.Single, block)

    def encode(self, value: Any) -> Any:
        return value if value is None or value is Unknown else self._encode_item(value)

    def decode(self, value: Any) -> Any:
        return value if value is None or value is Unknown else self._decode_item(value)


class Object(types.TfType):
    """A cty object with fixed attribute types (values are plain dicts)."""

    def __init__(self, attribute_types: dict[str, types.TfType]):
        self.attribute_types = attribute_types

    def encode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        return {k: t.encode(value.get(k)) for k, t in self.attribute_types.items()}

    def decode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        return {k: t.decode(value.get(k)) for k, t in self.attribute_types.items()}

    def tf_type(self) -> bytes:
        inner = {k: json.loads(t.tf_type()) for k, t in self.attribute_types.items()}
        return json.dumps(["object", inner], separators=(",", ":")).encode()


class SafeSet(types.Set):
    """`types.Set` that does not crash when either side is wholly Unknown."""

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        if a_decoded is Unknown or b_decoded is Unknown:
            return a_decoded is b_decoded
        return super().semantically_equal(a_decoded, b_decoded)
