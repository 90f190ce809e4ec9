"""The fence around `tf`: the pinned version and every private `tf` name this provider touches, in one table.

`tf` is pinned because the adapter reaches into its private helpers (see the framework audit). Every use of
such a helper goes through `PRIVATE_NAMES`: read one with `private(alias)`, replace one with `replace(alias,
value)`. `check()` verifies, at start-up and before anything is patched, that the installed `tf` is the pinned
version and that every name in the table exists and takes the expected parameters, so an upgraded or broken
`tf` stops the provider at its first start with one clear message instead of failing mid-plan.

Why not vendor `tf` (as pip vendors its dependencies): the adapter touches 13 private names, 4 of them replaced at
start-up (plus the public `tf.provider.ProviderServicer` global), in a ~1,100-line library; vendoring would make us
the maintainers of the whole library and its generated protobuf for a surface this small, while the pin plus this
check already turns any drift into a loud start-up error. Vendor once a fix has to change `tf`'s own control flow
(e.g. a proto 6.7+ feature); docs/guides/troubleshooting.md says the same for users.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

#: The `tf` release the private names below were checked against (also pinned in setup.cfg).
PINNED_TF_VERSION = "1.2.0"


class PrivateName:
    """A private `tf` name: where it lives and the parameters it must take, in order. A plain class, not a
    dataclass: building one costs ~1 ms of every start."""

    __slots__ = ("module", "path", "parameters", "qualified")

    def __init__(self, module: str, path: str, parameters: tuple[str, ...]):
        self.module = module
        self.path = path  # "name" or "Class.name"
        self.parameters = parameters
        self.qualified = f"{module}.{path}"


_STATE_CODEC = ("attrs", "blocks", "state", "old")
_SERVICER_LOOKUP = ("self", "type_name")

#: Every private `tf` name the provider reads or replaces, by the alias the adapter uses.
PRIVATE_NAMES: dict[str, PrivateName] = {
    # Read: the servicer's RPC rewrites and the nested blocks decode and encode states as the stock servicer does.
    "decode_state": PrivateName("tf.provider", "_decode_state", ("diags", "attrs", "blocks", "state")),
    "encode_state": PrivateName("tf.provider", "_encode_state", _STATE_CODEC),
    "encode_state_dict": PrivateName("tf.provider", "_encode_state_d", _STATE_CODEC),
    "resource_class": PrivateName("tf.provider", "ProviderServicer._get_res_cls", _SERVICER_LOOKUP),
    "resource_attributes": PrivateName("tf.provider", "ProviderServicer._get_res_attrs", _SERVICER_LOOKUP),
    "resource_blocks": PrivateName("tf.provider", "ProviderServicer._get_res_blocks", _SERVICER_LOOKUP),
    "data_source_class": PrivateName("tf.provider", "ProviderServicer._get_ds_cls", _SERVICER_LOOKUP),
    "attribute_path": PrivateName("tf.utils", "_to_attribute_path", ("path",)),
    "validate_config": PrivateName(
        "tf.iface", "_validate_config", ("diags", "type_name", "config", "attributes", "blocks")
    ),
    # Replaced by patches.patch_tf().
    "msgpack_ext_hook": PrivateName("tf.utils", "_msgpack_ext_hook", ("code", "data")),
    "stop_interceptor": PrivateName(
        "tf.runner", "_ShutdownInterceptor.intercept_service", ("self", "continuation", "handler_call_details")
    ),
    "cert_cache_path": PrivateName("tf.runner", "_get_cert_cache_path", ()),
    "self_signed_cert": PrivateName("tf.runner", "_self_signed_cert", ()),
}

#: Globals that `tf.runner.run_provider` looks up when it runs, so replacing them takes effect.
RUN_PROVIDER_LOOKUPS = ("ProviderServicer", "_ShutdownInterceptor", "_self_signed_cert")

#: The originals of replaced names, by qualified name, so lookups and checks see `tf`'s own definitions.
_originals: dict[str, Any] = {}

_SERVICER = "tf.provider.ProviderServicer"


class IncompatibleTf(RuntimeError):
    """The installed `tf` is not the one the adapter was written against."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        self.advice = f"reinstall it with `pip install tf=={PINNED_TF_VERSION}`"
        super().__init__(
            f"the installed tf framework does not match this provider ({self.advice}):\n  - " + "\n  - ".join(problems)
        )

    def one_line(self) -> str:
        return f"the installed tf framework does not match this provider: {'; '.join(self.problems)}; {self.advice}"


def _owner_and_name(spec: PrivateName) -> tuple[Any, str]:
    """The object holding the name's last segment (`tf`'s originals along the way), and that segment."""
    owner: Any = importlib.import_module(spec.module)
    qualified = spec.module
    *classes, name = spec.path.split(".")
    for class_name in classes:
        qualified += f".{class_name}"
        owner = _originals.get(qualified) or getattr(owner, class_name)
    return owner, name


def private(alias: str) -> Any:
    """`tf`'s own definition of a private name (the original, even after `replace`)."""
    spec = PRIVATE_NAMES[alias]
    if spec.qualified in _originals:
        return _originals[spec.qualified]
    owner, name = _owner_and_name(spec)
    return getattr(owner, name)


def replace(alias: str, value: Any) -> None:
    """Replace a private name in `tf` (idempotent: the first original is kept)."""
    spec = PRIVATE_NAMES[alias]
    owner, name = _owner_and_name(spec)
    _originals.setdefault(spec.qualified, getattr(owner, name))
    setattr(owner, name, value)


def stock_servicer_class() -> type:
    """`tf`'s own servicer class, even after `replace_servicer_class`."""
    import tf.provider

    return _originals.get(_SERVICER, tf.provider.ProviderServicer)


def replace_servicer_class(servicer_class: type) -> None:
    """`run_provider` instantiates `tf.provider.ProviderServicer`; make it ours (a public name, but a global)."""
    import tf.provider

    _originals.setdefault(_SERVICER, tf.provider.ProviderServicer)
    tf.provider.ProviderServicer = servicer_class


def installed_tf_version() -> str | None:
    """The installed `tf` version. A stat of the pinned release's dist-info beside the package when it is there
    (importlib.metadata costs ~25 ms of every start), the package metadata otherwise."""
    import tf

    if (Path(tf.__file__).parent.parent / f"tf-{PINNED_TF_VERSION}.dist-info").is_dir():
        return PINNED_TF_VERSION
    from importlib import metadata

    try:
        return metadata.version("tf")
    except metadata.PackageNotFoundError:
        return None


def _name_problem(alias: str) -> str | None:
    spec = PRIVATE_NAMES[alias]
    try:
        value = private(alias)
    except AttributeError:
        return f"{spec.qualified} is missing"
    except ImportError as exc:
        return f"{spec.module} cannot be imported ({exc})"
    code = getattr(value, "__code__", None)
    if code is None:
        return f"{spec.qualified} is no longer a function"
    parameters = code.co_varnames[: code.co_argcount]
    if parameters != spec.parameters:
        return f"{spec.qualified} takes ({', '.join(parameters)}), expected ({', '.join(spec.parameters)})"
    return None


def problems() -> list[str]:
    """Everything about the installed `tf` that differs from what the adapter expects (empty when all is well)."""
    found = []
    version = installed_tf_version()
    if version != PINNED_TF_VERSION:
        found.append(f"tf {version or '(not installed)'} is installed, this provider needs tf=={PINNED_TF_VERSION}")
    found += [problem for alias in PRIVATE_NAMES if (problem := _name_problem(alias))]
    try:
        from tf.runner import run_provider

        looked_up = set(run_provider.__code__.co_names)
        found += [
            f"tf.runner.run_provider no longer looks up {name} when it runs, so our replacement would be ignored"
            for name in RUN_PROVIDER_LOOKUPS
            if name not in looked_up
        ]
    except ImportError as exc:
        found.append(f"tf.runner.run_provider is missing ({exc})")
    return found


def check() -> None:
    """Raise `IncompatibleTf` naming every mismatch; call before any patch is applied."""
    found = problems()
    if found:
        raise IncompatibleTf(found)
