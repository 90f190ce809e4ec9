"""`SdnServicer`: the stock gRPC servicer with the RPCs the provider needs done differently.

It runs `Resource.plan()` on create too, hands it the raw config and a way to request replacement, turns
unexpected exceptions into diagnostics (no tracebacks for users), encodes data sources by their schema's types,
and advertises its server capabilities in GetProviderSchema, where Terraform reads them.
"""

from __future__ import annotations

import functools
import logging
from copy import deepcopy
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.utils import Diagnostics

from sdn_provider.framework import compat
from sdn_provider.framework.resource import SdnPlanContext

log = logging.getLogger("sdn")

#: What this provider can do beyond the base protocol (tfplugin6 ServerCapabilities).
SERVER_CAPABILITIES = pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)


def _unexpected(diags: Diagnostics, what: str, exc: BaseException) -> None:
    log.exception("unexpected error in %s", what)
    diags.add_error(f"Unexpected error in {what}", f"{type(exc).__name__}: {exc}")


def _equal(attrs: dict, blocks: dict, key: str, a: Any, b: Any) -> bool:
    if key in attrs:
        return attrs[key].type.semantically_equal(a, b)
    if key in blocks:
        return blocks[key].semantically_equal(a, b)
    return a == b


@functools.cache
def make_servicer_class():
    """Build the servicer class lazily (importing grpc costs ~100 ms we do not want at import); patches nothing."""
    import grpc
    from tf import provider as tfp
    from tf.iface import CreateContext, DeleteContext, ReadContext, UpdateContext
    from tf.utils import read_dynamic_value

    decode_state = compat.private("decode_state")
    encode_state = compat.private("encode_state")
    attribute_path = compat.private("attribute_path")

    class SdnServicer(compat.stock_servicer_class()):  # type: ignore[misc]
        def _decode_states(self, diags: Diagnostics, type_name: str, *values: Any) -> tuple[dict, dict, list]:
            """The resource's attributes and nested blocks by name, and each value as (encoded, decoded)."""
            attrs = compat.private("resource_attributes")(self, type_name)
            blocks = compat.private("resource_blocks")(self, type_name)
            return attrs, blocks, [decode_state(diags, attrs, blocks, value) for value in values]

        def _new_resource(self, type_name: str) -> Any:
            return self.app.new_resource(compat.private("resource_class")(self, type_name))

        def GetProviderSchema(self, request, context):  # noqa: N802 (gRPC name)
            """The stock servicer reports its capabilities only in GetMetadata, which Terraform calls only
            in place of this RPC; Terraform reads them from this response (hashicorp/terraform
            internal/plugin6/grpc_provider.go). With get_provider_schema_optional, Terraform >= 1.6 reuses
            the schema it got from the first provider start of a command instead of asking every start;
            with plan_destroy it sends destroy plans (a null proposed state) here instead of planning them
            itself."""
            response = super().GetProviderSchema(request, context)
            response.server_capabilities.CopyFrom(SERVER_CAPABILITIES)
            log.debug("served GetProviderSchema")
            return response

        def GetMetadata(self, request, context):  # noqa: N802
            return pb.GetMetadata.Response(server_capabilities=SERVER_CAPABILITIES)

        def PlanResourceChange(self, request, context: grpc.ServicerContext):  # noqa: N802 (gRPC name)
            type_name = request.type_name
            diags = Diagnostics()
            attrs, blocks, ((_, prior), (proposed_enc, proposed)) = self._decode_states(
                diags, type_name, request.prior_state, request.proposed_new_state
            )
            if diags.has_errors():
                return pb.PlanResourceChange.Response(diagnostics=diags.to_pb())
            if proposed is None:  # destroy: plan the null state, as Terraform does for providers without plan_destroy
                log.debug("planned the destroy of a %s", type_name)
                return pb.PlanResourceChange.Response(
                    planned_state=request.proposed_new_state, planned_private=request.prior_private
                )
            config = read_dynamic_value(request.config) or {}
            inst = self._new_resource(type_name)
            planned = deepcopy(proposed)
            if prior is None:
                for name, attr in attrs.items():
                    if planned.get(name) is None and attr.computed:
                        planned[name] = attr.default
                changed = set(planned)
            else:
                changed = {k for k in planned if k in prior and not _equal(attrs, blocks, k, prior[k], planned[k])}
            ctx = SdnPlanContext(diags, type_name, changed_fields=changed, config=config, is_create=prior is None)
            try:
                result = inst.plan(ctx, deepcopy(prior), planned)
            except Exception as exc:  # never a traceback for the user
                _unexpected(diags, f"{type_name} plan", exc)
                return pb.PlanResourceChange.Response(diagnostics=diags.to_pb())
            replace = [
                attribute_path([k])
                for k in changed
                if prior is not None and attrs.get(k, None) and attrs[k].requires_replace
            ]
            replace += [attribute_path(p) for p in ctx.requires_replace]
            return pb.PlanResourceChange.Response(
                planned_state=encode_state(attrs, blocks, result, proposed_enc),
                requires_replace=replace,
                diagnostics=diags.to_pb(),
            )

        def ApplyResourceChange(self, request, context):  # noqa: N802
            diags = Diagnostics()
            type_name = request.type_name
            attrs, blocks, ((_, prior), (planned_enc, planned)) = self._decode_states(
                diags, type_name, request.prior_state, request.planned_state
            )
            if diags.has_errors():
                return pb.ApplyResourceChange.Response(diagnostics=diags.to_pb())
            inst = self._new_resource(type_name)
            try:
                if prior is None:
                    new_state = inst.create(CreateContext(diags, type_name), planned)
                elif planned is None:
                    new_state = inst.delete(DeleteContext(diags, type_name), prior)
                else:
                    new_state = inst.update(UpdateContext(diags, type_name), prior, planned)
            except Exception as exc:
                _unexpected(diags, f"{type_name} apply", exc)
                # Keep what we had: an update that blew up leaves the prior object in state.
                new_state = prior
            return pb.ApplyResourceChange.Response(
                new_state=encode_state(attrs, blocks, new_state, old=planned_enc),
                diagnostics=diags.to_pb(),
            )

        def ReadResource(self, request, context):  # noqa: N802
            diags = Diagnostics()
            type_name = request.type_name
            attrs, blocks, ((current_enc, current),) = self._decode_states(diags, type_name, request.current_state)
            if diags.has_errors() or current is None:
                return pb.ReadResource.Response(diagnostics=diags.to_pb())
            inst = self._new_resource(type_name)
            try:
                new_state = inst.read(ReadContext(diags, type_name), current)
            except Exception as exc:
                _unexpected(diags, f"{type_name} read", exc)
                new_state = current
            return pb.ReadResource.Response(
                new_state=encode_state(attrs, blocks, new_state, current_enc), diagnostics=diags.to_pb()
            )

        def ImportResourceState(self, request, context):  # noqa: N802
            try:
                return super().ImportResourceState(request, context)
            except Exception as exc:
                diags = Diagnostics()
                _unexpected(diags, f"{request.type_name} import", exc)
                return pb.ImportResourceState.Response(diagnostics=diags.to_pb())

        def ReadDataSource(self, request, context):  # noqa: N802
            """Encode the result by the schema's types (the stock servicer does not)."""
            diags = Diagnostics()
            config = read_dynamic_value(request.config)
            klass = compat.private("data_source_class")(self, request.type_name)
            inst = self.app.new_data_source(klass)
            try:
                state = inst.read(tfp.ReadDataContext(diags, request.type_name), config)
            except Exception as exc:
                _unexpected(diags, f"{request.type_name} read", exc)
                state = None
            if state is None:
                return pb.ReadDataSource.Response(diagnostics=diags.to_pb())
            schema = klass.get_schema()
            encoded = compat.private("encode_state_dict")(
                {a.name: a for a in schema.attributes}, {b.type_name: b for b in schema.block_types}, state, None
            )
            return pb.ReadDataSource.Response(diagnostics=diags.to_pb(), state=tfp.to_dynamic_value(encoded))

        def ConfigureProvider(self, request, context):  # noqa: N802
            try:
                return super().ConfigureProvider(request, context)
            except Exception as exc:
                diags = Diagnostics()
                _unexpected(diags, "provider configuration", exc)
                return pb.ConfigureProvider.Response(diagnostics=diags.to_pb())

    return SdnServicer
