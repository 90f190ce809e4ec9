"""The pieces every resource shares: NC's error target as an attribute path, one diagnostic per client error,
case-insensitive refs that keep the user's spelling, and the `timeouts` block's checks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tf.utils import Diagnostics

from sdn_provider.errors import NotConfigured, ProviderError
from sdn_provider.nc import NCError, NCTimeoutError, ProvisioningFailed
from sdn_provider.nc.refs import last_segment, same_ref
from sdn_provider.resources import RESOURCES
from sdn_provider.resources.common import (
    check_timeouts,
    keep_spelling,
    known_list,
    path_from_target,
    report,
    timeouts_block,
)
from tests.unit.conftest import said

NAMES = {"probes": "probe", "port": "port", "frontendipconfigurations": "frontend_ip_configuration"}


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("properties.probes[0].properties.port", ["probe", (0,), "port"]),
        ("properties.probes[12]", ["probe", (12,)]),
        ("properties.frontendIPConfigurations", ["frontend_ip_configuration"]),
        ("properties.probes[1].properties.unknownField", ["probe", (1,)]),  # the known part is kept
        ("SubnetAddress", None),  # a property name NC uses as a target, not a path
        ("properties", None),
        ("properties.probes[x]", None),  # not NC's shape at all
        ("", None),
    ],
)
def test_nc_target_maps_onto_an_attribute_path(target: str, path: list | None) -> None:
    assert path_from_target(target, NAMES) == path


def diagnostics_of(exc: Exception, roots: frozenset[str] = frozenset({"probe"})) -> list[tuple]:
    diags = Diagnostics()
    report(diags, "Cannot create load balancer", exc, NAMES, roots)
    return said(diags)


def test_report_points_at_the_attribute_only_under_a_known_root() -> None:
    error = NCError(400, "InvalidPort", "port out of range", target="properties.probes[0].properties.port")
    [(severity, summary, detail, path)] = diagnostics_of(error)
    assert (summary, detail, path) == ("Cannot create load balancer", str(error), ["probe", (0,), "port"])
    assert severity == diagnostics_of(NCTimeoutError("late"))[0][0]  # both are errors
    assert diagnostics_of(error, roots=frozenset({"frontend_ip_configuration"}))[0][3] is None
    assert diagnostics_of(NCError(400, "Bad", "bad", target="SubnetAddress"))[0][3] is None


def test_report_says_when_a_failed_provisioning_gave_no_details() -> None:
    bare = ProvisioningFailed("/loadBalancers/lb1", {"properties": {"provisioningState": "Failed"}})
    assert diagnostics_of(bare)[0][2] == (
        "/loadBalancers/lb1 provisioning ended in Failed (Network Controller gave no configurationState details)"
    )
    detailed = ProvisioningFailed(
        "/loadBalancers/lb1", {"properties": {"configurationState": {"detailedInfo": [{"code": "C", "message": "m"}]}}}
    )
    assert diagnostics_of(detailed)[0][2] == "/loadBalancers/lb1 provisioning ended in Failed: C: m"


def test_refs_compare_case_insensitively_and_keep_the_users_spelling() -> None:
    assert same_ref("/VirtualNetworks/VNet1", "/virtualNetworks/vnet1")
    assert not same_ref("/virtualNetworks/a", "/virtualNetworks/b")
    assert not same_ref(None, None) and not same_ref("/x", None)
    assert keep_spelling("/VirtualNetworks/VNet1", "/virtualNetworks/vnet1") == "/VirtualNetworks/VNet1"
    assert keep_spelling("/virtualNetworks/a", "/virtualNetworks/b") == "/virtualNetworks/b"


def test_last_segment_and_known_list() -> None:
    assert last_segment("/loadBalancers/lb1/probes/p1/") == "p1"
    assert last_segment("lb1") == "lb1"
    assert last_segment("") is None and last_segment(None) is None
    assert known_list([1]) == [1] and known_list("x") == [] and known_list(None) == []


def test_timeouts_are_checked_per_operation() -> None:
    diags = Diagnostics()
    check_timeouts(diags, {"timeouts": {"create": "soon", "read": "5m", "update": None, "delete": "1h"}})
    assert [(d.summary, d.path) for d in diags.diagnostics] == [("Invalid duration", ["timeouts", "create"])]
    for config in ({"timeouts": None}, {}):
        clean = Diagnostics()
        check_timeouts(clean, config)
        assert clean.diagnostics == []
    block = timeouts_block()
    assert [a.name for a in block.block.attributes] == ["create", "read", "update", "delete"]
    assert all(a.optional for a in block.block.attributes)


def test_client_errors_include_unconfigured_settings() -> None:
    assert issubclass(NCTimeoutError, ProviderError) and issubclass(NotConfigured, ProviderError)


@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.type_name)
def test_every_resource_validate_runs_the_schema_check_under_its_own_type_name(resource_class: type) -> None:
    """A field the schema does not have is refused by tf's own check, which each validate runs first."""
    resource = resource_class(SimpleNamespace())
    diags = Diagnostics()
    resource.validate(diags, f"sdn_{resource.type_name}", {"bogus": 1})
    assert f"Unknown field sdn_{resource.type_name}.bogus" in [d.summary for d in diags.diagnostics]
