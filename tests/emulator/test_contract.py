"""The emulator against real NC answers (tests/contract/fixtures: microsoft/SdnDiagnostics' sanitized GET dumps).

Each dump is PUT back as its body, as Microsoft's own REST wrapper re-PUTs GET results (read-only fields ignored),
and the emulator must answer it shape for shape: the same keys with the same values and NC's spellings. Allowed
differences are listed here, each with its reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.contract import SDNDIAGNOSTICS_ORDER, sdndiagnostics

from .conftest import NcClient

# Values that differ by nature (generated per NC): never compared. The emulator renders etag and instanceId on
# every child ([MS-NCNBI] 2.2.2 common elements) where the logicalNetworks dump's subnets have none.
VOLATILE = frozenset({"etag", "instanceId", "lastUpdatedTime", "id"})
# Keys of the dumps the emulator does not produce: the read-only host reference of a NIC (no /servers here).
NOT_EMULATED = frozenset({"server"})
# Read-only back-references [MS-NCNBI] lists (3.1.5.5.2, 3.1.5.5.3, 3.1.5.5.7), computed from what references
# the resource: the trimmed, sanitized dumps leave some out and are not consistent about others (subnet-0001 lists
# no ipConfigurations although both NICs use it), so their values are checked in the tests below, not against the
# dumps; plus configurationState's detailedInfo.
COMPUTED = frozenset({"loadBalancingRules", "inboundNatRules", "outboundNatRules", "ipConfigurations", "detailedInfo"})


def _assert_same_shape(expected: Any, actual: Any, path: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        missing = set(expected) - set(actual) - NOT_EMULATED
        extra = set(actual) - set(expected) - COMPUTED - VOLATILE
        assert not missing and not extra, f"{path}: missing {sorted(missing)}, extra {sorted(extra)}"
        for key in expected.keys() & actual.keys():
            if key not in VOLATILE | COMPUTED:
                _assert_same_shape(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            _assert_same_shape(want, got, f"{path}[{i}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def _put_all(nc: NcClient, mutate: Any = None) -> None:
    for collection in SDNDIAGNOSTICS_ORDER:
        for resource in sdndiagnostics(collection):
            body = copy.deepcopy(resource)
            if mutate:
                mutate(body)
            response = nc.put(f"/{collection}/{resource['resourceId']}", body)
            assert response.status_code == 201, response.text


@pytest.mark.parametrize("collection", SDNDIAGNOSTICS_ORDER)
def test_dumps_are_accepted_and_answered_shape_for_shape(nc: NcClient, collection: str) -> None:
    _put_all(nc)
    for resource in sdndiagnostics(collection):
        answered = nc.get(f"/{collection}/{resource['resourceId']}").json()
        _assert_same_shape(resource, answered, resource["resourceRef"])


def _shout(value: Any) -> None:
    """Upper-case every enum the dumps carry, as sloppy clients send them."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("protocol", "privateIPAllocationMethod", "publicIPAllocationMethod") and isinstance(item, str):
                value[key] = item.upper()
            else:
                _shout(item)
    elif isinstance(value, list):
        for item in value:
            _shout(item)


def test_any_enum_spelling_is_answered_in_nc_spelling(nc: NcClient) -> None:
    _put_all(nc, _shout)
    lb = sdndiagnostics("loadBalancers")[0]
    answered = nc.get(lb["resourceRef"]).json()
    _assert_same_shape(lb, answered, lb["resourceRef"])
    assert answered["properties"]["outboundNatRules"][0]["properties"]["protocol"] == "All"
    fe = answered["properties"]["frontendIPConfigurations"][0]["properties"]
    assert fe["privateIPAllocationMethod"] == "Dynamic" and fe["privateIPAddress"] == ""


def test_outbound_nat_load_balancer_with_public_frontend(nc: NcClient) -> None:
    """The dump's Arc-owned LB: an outbound NAT rule, a frontend with a public IP on a logical subnet."""
    _put_all(nc)
    lb = nc.get("/loadBalancers/lb-outbound-0001").json()
    assert lb["resourceMetadata"]["client"] == "Network Resource Provider"
    pool = lb["properties"]["backendAddressPools"][0]["properties"]
    assert pool["backendIPConfigurations"] == [
        {"resourceRef": "/networkInterfaces/tenantvm2/ipConfigurations/ipconfig1"}
    ]
    assert pool["outboundNatRules"] == [
        {"resourceRef": "/loadBalancers/lb-outbound-0001/outboundNatRules/outbound-nat-0001"}
    ]
    pip = nc.get("/publicIPAddresses/pip-outbound-0001").json()["properties"]
    assert pip["ipConfiguration"] == {
        "resourceRef": "/loadBalancers/lb-outbound-0001/frontendIPConfigurations/feip-0001"
    }
    in_use = nc.delete("/publicIPAddresses/pip-outbound-0001")
    assert in_use.status_code == 409


def test_get_results_put_back_verbatim_change_nothing(nc: NcClient) -> None:
    """microsoft/SDN's NetworkControllerRESTWrappers.ps1 re-PUTs GET results as they are: nothing may be lost."""
    _put_all(nc)
    for collection in SDNDIAGNOSTICS_ORDER:
        for resource in sdndiagnostics(collection):
            path = f"/{collection}/{resource['resourceId']}"
            before = nc.get(path).json()
            assert nc.put(path, before).status_code == 200
            after = nc.get(path).json()
            assert after["etag"] != before["etag"]
            _assert_same_shape(before, after, path)
