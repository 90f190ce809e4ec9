"""Thin patches over the `tf` 1.2.0 framework (pinned: these touch its private helpers).

Each piece works around a gap or bug listed in shared/reference/tf-framework-audit.md:

* `ListNestedBlock` / `SingleNestedBlock`: the framework only ships set-nested blocks.
* `Object`: a cty object type (the framework has none), used by data sources.
* `SafeSet`: `types.Set` crashes the plan when the whole set is Unknown.
* `SdnServicer`: runs `Resource.plan()` on create too, hands it the raw config and a way to
  request replacement, turns unexpected exceptions into diagnostics (no tracebacks for users), and
  advertises its server capabilities in GetProviderSchema, where Terraform reads them.
* `BaseResource`: a silent `upgrade()` that fills in attributes added since the state's schema version
  (schemas carry an explicit version, so upgrade never runs on every plan with a warning).
* `install_runtime_patches()`: Ctrl-C and StopProvider never kill in-flight calls, an
  unwritable HOME does not crash the start-up, and a cached TLS certificate is loaded without
  importing `cryptography` (~50 ms of every one of the 3-5 starts per Terraform command).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import tempfile
import threading
import time
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tf import types
from tf.gen import tfplugin_pb2 as pb
from tf.iface import PlanContext
from tf.schema import Block, NestedBlock, NestMode
from tf.types import Unknown
from tf.utils import Diagnostics

log = logging.getLogger("sdn")

#: Set when Terraform asks the provider to stop; long waits poll it and give up early.
STOP_REQUESTED = threading.Event()


class ListNestedBlock(NestedBlock):
    """An ordered, repeatable nested block (`NESTING_LIST`), with optional min/max items."""

    # The framework's NestMode has no List member; map the mode we pass to the LIST wire value.
    _mode_map = {NestMode.Set: pb.Schema.NestedBlock.NestingMode.LIST}

    def __init__(self, type_name: str, block: Block, min_items: int | None = None, max_items: int | None = None):
        super().__init__(type_name, NestMode.Set, block, min_items=min_items, max_items=max_items)

    def encode(self, value: Any) -> Any:
        from tf.provider import _encode_state_d

        if value is None or value is Unknown:
            return value
        return [_encode_state_d(self._amap(), self._bmap(), v, None) for v in value]

    def decode(self, value: Any) -> Any:
        from tf.provider import _decode_state

        if value is None or value is Unknown:
            return value
        return [_decode_state(Diagnostics(), self._amap(), self._bmap(), v)[1] for v in value]

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return a_decoded == b_decoded


class SingleNestedBlock(NestedBlock):
    """A block that appears at most once (`NESTING_SINGLE`), e.g. `timeouts {}`."""

    def __init__(self, type_name: str, block: Block):
        super().__init__(type_name, NestMode.Single, block)

    def encode(self, value: Any) -> Any:
        from tf.provider import _encode_state_d

        if value is None or value is Unknown:
            return value
        return _encode_state_d(self._amap(), self._bmap(), value, None)

    def decode(self, value: Any) -> Any:
        from tf.provider import _decode_state

        if value is None or value is Unknown:
            return value
        return _decode_state(Diagnostics(), self._amap(), self._bmap(), value)[1]

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return a_decoded == b_decoded


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


@dataclass
class SdnPlanContext(PlanContext):
    """PlanContext plus what the stock one lacks: the raw config and dynamic replacement."""

    config: dict = field(default_factory=dict)
    is_create: bool = False
    requires_replace: list[list] = field(default_factory=list)


def is_known(value: Any) -> bool:
    """True when a value is neither null nor Unknown (usable for plan-time checks)."""
    return value is not None and value is not Unknown


def _unexpected(diags: Diagnostics, what: str, exc: BaseException) -> None:
    log.exception("unexpected error in %s", what)
    diags.add_error(f"Unexpected error in {what}", f"{type(exc).__name__}: {exc}")


#: What this provider can do beyond the base protocol (tfplugin6 ServerCapabilities).
SERVER_CAPABILITIES = pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)


def make_servicer_class():
    """Build the patched servicer lazily: importing grpc costs ~100 ms we do not want at import."""
    import grpc
    from tf import provider as tfp
    from tf import utils

    utils._msgpack_ext_hook = _ext_hook  # every request is decoded through it
    from tf.iface import CreateContext, DeleteContext, ReadContext, UpdateContext
    from tf.utils import _to_attribute_path, read_dynamic_value

    class SdnServicer(tfp.ProviderServicer):
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
            attrs = self._get_res_attrs(type_name)
            blocks = self._get_res_blocks(type_name)
            _, prior = tfp._decode_state(diags, attrs, blocks, request.prior_state)
            proposed_enc, proposed = tfp._decode_state(diags, attrs, blocks, request.proposed_new_state)
            if diags.has_errors():
                return pb.PlanResourceChange.Response(diagnostics=diags.to_pb())
            if proposed is None:  # destroy: plan the null state, as Terraform does for providers without plan_destroy
                log.debug("planned the destroy of a %s", type_name)
                return pb.PlanResourceChange.Response(
                    planned_state=request.proposed_new_state, planned_private=request.prior_private
                )
            config = read_dynamic_value(request.config) or {}
            inst = self.app.new_resource(self._get_res_cls(type_name))
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
                _to_attribute_path([k])
                for k in changed
                if prior is not None and attrs.get(k, None) and attrs[k].requires_replace
            ]
            replace += [_to_attribute_path(p) for p in ctx.requires_replace]
            return pb.PlanResourceChange.Response(
                planned_state=tfp._encode_state(attrs, blocks, result, proposed_enc),
                requires_replace=replace,
                diagnostics=diags.to_pb(),
            )

        def ApplyResourceChange(self, request, context):  # noqa: N802
            diags = Diagnostics()
            type_name = request.type_name
            attrs = self._get_res_attrs(type_name)
            blocks = self._get_res_blocks(type_name)
            _, prior = tfp._decode_state(diags, attrs, blocks, request.prior_state)
            planned_enc, planned = tfp._decode_state(diags, attrs, blocks, request.planned_state)
            if diags.has_errors():
                return pb.ApplyResourceChange.Response(diagnostics=diags.to_pb())
            inst = self.app.new_resource(self._get_res_cls(type_name))
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
                new_state=tfp._encode_state(attrs, blocks, new_state, old=planned_enc),
                diagnostics=diags.to_pb(),
            )

        def ReadResource(self, request, context):  # noqa: N802
            diags = Diagnostics()
            type_name = request.type_name
            attrs = self._get_res_attrs(type_name)
            blocks = self._get_res_blocks(type_name)
            current_enc, current = tfp._decode_state(diags, attrs, blocks, request.current_state)
            if diags.has_errors() or current is None:
                return pb.ReadResource.Response(diagnostics=diags.to_pb())
            inst = self.app.new_resource(self._get_res_cls(type_name))
            try:
                new_state = inst.read(ReadContext(diags, type_name), current)
            except Exception as exc:
                _unexpected(diags, f"{type_name} read", exc)
                new_state = current
            return pb.ReadResource.Response(
                new_state=tfp._encode_state(attrs, blocks, new_state, current_enc), diagnostics=diags.to_pb()
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
            klass = self._get_ds_cls(request.type_name)
            inst = self.app.new_data_source(klass)
            try:
                state = inst.read(tfp.ReadDataContext(diags, request.type_name), config)
            except Exception as exc:
                _unexpected(diags, f"{request.type_name} read", exc)
                state = None
            if state is None:
                return pb.ReadDataSource.Response(diagnostics=diags.to_pb())
            schema = klass.get_schema()
            encoded = tfp._encode_state_d(
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


def _equal(attrs: dict, blocks: dict, key: str, a: Any, b: Any) -> bool:
    if key in attrs:
        return attrs[key].type.semantically_equal(a, b)
    if key in blocks:
        return blocks[key].semantically_equal(a, b)
    return a == b


def _soft_stop_intercept(self, continuation, handler_call_details):
    """StopProvider only raises a flag: in-flight creates finish and their state is saved."""
    if handler_call_details.method in ("/tfplugin6.Provider/StopProvider",):
        STOP_REQUESTED.set()
    return continuation(handler_call_details)


def _writable_cert_cache_path() -> Path:
    """The stock cache lives under HOME and crashes start-up when HOME is not writable."""
    for base in (Path.home() / ".cache", Path(tempfile.gettempdir()) / f"sdn-provider-{os.getuid()}"):
        try:
            directory = base / "tf-python-provider"
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = directory / ".write-test"
            probe.touch()
            probe.unlink()
            return directory / "ssl_cert.json"
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="sdn-provider-")) / "ssl_cert.json"


#: cty's msgpack extensions for unknown values: 0 plain, 12 "unknown with refinements" (e.g. not null).
_UNKNOWN_EXTENSIONS = (0, 12)


def _ext_hook(code: int, data: bytes) -> Any:
    """The stock hook only knows extension 0 with payload b"\\x00" and hands anything else over as an
    ExtType tuple, which resource code then iterates as if it were a list (yielding ints)."""
    from msgpack.ext import ExtType

    return Unknown if code in _UNKNOWN_EXTENSIONS else ExtType(code, data)


#: Our own record of the cached certificate's expiry, beside the framework's fields in the same file.
_NOT_AFTER = "sdn_not_after"


def _make_fast_self_signed_cert(original: Any, cache_path: Any) -> Any:
    """Wrap `tf.runner._self_signed_cert`: the stock one parses the cached certificate with `cryptography` on
    every start just to read its expiry; we store the expiry next to it once and then only read JSON."""

    def fast_self_signed_cert() -> tuple[bytes, Any]:
        import grpc

        path = cache_path()
        try:
            cached = json.loads(path.read_text())
            if float(cached[_NOT_AFTER]) > time.time() + 3600:
                return base64.b64decode(cached["cert_chain"]), grpc.ssl_server_credentials(
                    [(cached["key_pem"].encode(), cached["cert_pem"].encode())], require_client_auth=False
                )
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache, no expiry recorded yet, or unreadable: let the framework load or make one
        chain, credentials = original()
        _record_expiry(path, chain)
        return chain, credentials

    return fast_self_signed_cert


def _record_expiry(path: Path, chain: bytes) -> None:
    from cryptography import x509

    try:
        cached = json.loads(path.read_text())
        if base64.b64decode(cached["cert_chain"]) != chain:
            return  # another process replaced the file meanwhile
        cached[_NOT_AFTER] = x509.load_der_x509_certificate(chain).not_valid_after_utc.timestamp()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w") as f:
            json.dump(cached, f)
        os.replace(tmp, path)  # atomic: concurrent starts read the old or the new file, never half of one
    except (OSError, ValueError, KeyError, TypeError):
        pass  # caching is an optimisation only


def install_runtime_patches() -> None:
    """Apply the process-level workarounds; call once before `run_provider`."""
    from tf import provider as tfp
    from tf import runner

    # Terraform forwards Ctrl-C to the whole process group; a provider must not die mid-create.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runner._ShutdownInterceptor.intercept_service = _soft_stop_intercept
    runner._get_cert_cache_path = _writable_cert_cache_path
    runner._self_signed_cert = _make_fast_self_signed_cert(runner._self_signed_cert, _writable_cert_cache_path)
    tfp.ProviderServicer = make_servicer_class()


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
    """Common resource behaviour: provider handle, plan/validate hooks, an upgrade that fills in new attributes."""

    def __init__(self, provider: Any):
        self.provider = provider

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        return planned

    def upgrade(self, ctx: Any, version: int, old: dict) -> dict:
        """Runs when the state's schema version is older than the resource's. Attributes added since are
        null in the old state: Terraform needs every attribute present, so fill them in (bump the schema's
        version whenever an attribute is added). Resources with real migrations override this."""
        schema = self.get_schema()  # type: ignore[attr-defined]
        return _fill_missing(old, schema.attributes, schema.block_types)

    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        from tf.iface import _validate_config

        schema = self.get_schema()  # type: ignore[attr-defined]
        _validate_config(diags, type_name, config, schema.attributes, schema.block_types)
