"""Bad input through the provider's own gRPC servicer (validate + plan on create): addresses, ports, names
with quotes, unicode, empty strings, huge lists. Always diagnostics, never an exception and never the
framework's catch-all "Unexpected error" (which would mean a traceback was hidden). The provider is left
unconfigured, so nothing talks to a network."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tf import types
from tf.gen import tfplugin_pb2 as pb
from tf.utils import to_dynamic_value

from sdn_provider.framework import make_servicer_class, patch_tf
from sdn_provider.provider import SdnProvider

patch_tf()  # as in the plugin process (a module-level servicer: hypothesis tests take no function fixtures)
SERVICER = make_servicer_class()(SdnProvider())
RESOURCES = {"sdn_" + cls.get_name(): cls for cls in SdnProvider().get_resources()}

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "'",
        '"',
        "x'; Remove-Cluster -Force; '",
        "$(calc)",
        "`n",
        "\\\\",
        "192.168.2.100",
        "999.1.1.1",
        "192.168.2.0/24",
        "::1",
        "255.255.255.255",
        "/virtualNetworks/MyNetwork/subnets/Subnet2",
        "DB1",
        "Ω≈ç√",
        "\u202e",
        "a" * 300,
    ]
)
TEXT = NASTY_TEXT | st.text(max_size=40)
NUMBER = st.sampled_from([0, -1, 1, 65535, 65536, 2**31, 2**63, -(2**63)]) | st.integers(-(10**6), 10**6)


def value_for(t: types.TfType) -> st.SearchStrategy[Any]:
    if isinstance(t, types.Bool):
        return st.booleans()
    if isinstance(t, types.Number):
        return NUMBER
    if isinstance(t, (types.List, types.Set)):
        inner = value_for(getattr(t, "element_type", None) or types.String())
        huge = st.lists(inner, min_size=200, max_size=400, unique=isinstance(t, types.Set))
        return st.lists(inner, max_size=3) | huge
    if isinstance(t, types.Map):
        return st.dictionaries(TEXT, value_for(getattr(t, "element_type", None) or types.String()), max_size=3)
    return TEXT


def block_config(attributes: list, blocks: list) -> st.SearchStrategy[dict]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for a in attributes:
        settable = a.required or a.optional
        fields[a.name] = (st.none() | value_for(a.type)) if settable else st.none()
    for b in blocks:
        inner = block_config(b.block.attributes, getattr(b.block, "block_types", []) or [])
        many = st.lists(inner, max_size=3) | st.lists(inner, min_size=60, max_size=80)
        fields[b.type_name] = st.one_of(st.none(), inner) if b.type_name == "timeouts" else many
    return st.fixed_dictionaries(fields)


def schema_config(name: str) -> st.SearchStrategy[dict]:
    schema = RESOURCES[name].get_schema()
    return block_config(schema.attributes, schema.block_types)


def unexpected(diagnostics) -> list[str]:  # noqa: ANN001 (protobuf repeated field)
    return [f"{d.summary}: {d.detail}" for d in diagnostics if d.summary.startswith("Unexpected error")]


def check(name: str, config: dict) -> None:
    validated = SERVICER.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=name, config=to_dynamic_value(config)), None
    )
    assert not unexpected(validated.diagnostics)
    planned = SERVICER.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=name,
            prior_state=to_dynamic_value(None),
            proposed_new_state=to_dynamic_value(config),
            config=to_dynamic_value(config),
        ),
        None,
    )
    assert not unexpected(planned.diagnostics)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(config=schema_config("sdn_load_balancer"))
def test_load_balancer_bad_input(config: dict) -> None:
    check("sdn_load_balancer", config)


@SETTINGS
@given(config=schema_config("sdn_backend_pool_member"))
def test_backend_pool_member_bad_input(config: dict) -> None:
    check("sdn_backend_pool_member", config)


@SETTINGS
@given(config=schema_config("sdn_failover_cluster"))
def test_failover_cluster_bad_input(config: dict) -> None:
    check("sdn_failover_cluster", config)


@SETTINGS
@given(config=schema_config("sdn_cluster_ip_address"))
def test_cluster_ip_address_bad_input(config: dict) -> None:
    check("sdn_cluster_ip_address", config)
