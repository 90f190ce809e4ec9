"""Typed NC references: parse -> format round trips, comparison without letter case, malformed refs named by
their expected shape, and the document accessors on NC documents of unexpected shape."""

from __future__ import annotations

import pytest

from sdn_provider.nc import refs
from sdn_provider.nc.refs import (
    BACKEND_POOL,
    IP_CONFIGURATION,
    LOAD_BALANCER,
    PUBLIC_IP_ADDRESS,
    SUBNETS,
    VIRTUAL_SUBNET,
    MalformedRef,
)
from sdn_provider.resources import backend_pool_member, load_balancer

SHAPES = [
    (refs.LOAD_BALANCER, ("lb1",)),
    (refs.BACKEND_POOL, ("lb1", "Backend1")),
    (refs.NETWORK_INTERFACE, ("nic1",)),
    (refs.IP_CONFIGURATION, ("nic1", "ipconfig1")),
    (refs.VIRTUAL_NETWORK, ("MyNetwork",)),
    (refs.VIRTUAL_SUBNET, ("MyNetwork", "Subnet2")),
    (refs.LOGICAL_SUBNET, ("PublicVIP", "PublicVIP1")),
    (refs.PUBLIC_IP_ADDRESS, ("PublicVIP1",)),
]


@pytest.mark.parametrize(("shape", "ids"), SHAPES, ids=[s.what for s, _ in SHAPES])
def test_format_then_parse_round_trips(shape: refs.RefShape, ids: tuple[str, ...]):
    text = shape.format(*ids)
    assert text.startswith("/") and text.count("/") == 2 * len(ids)
    parsed = shape.parse(text, rooted=True)
    assert parsed.ids == ids and str(parsed) == text and parsed.id == ids[-1]
    assert shape.matches(shape.example, rooted=True)


def test_collections_parse_in_any_case_and_format_in_ncs_spelling():
    parsed = BACKEND_POOL.parse("/LOADBALANCERS/lb1/BackendAddressPools/Backend1")
    assert str(parsed) == "/loadBalancers/lb1/backendAddressPools/Backend1"


def test_refs_compare_without_letter_case():
    a = BACKEND_POOL.parse("/loadBalancers/LB1/backendAddressPools/backend1")
    b = BACKEND_POOL.ref("lb1", "Backend1")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != BACKEND_POOL.ref("lb1", "Backend2")
    assert VIRTUAL_SUBNET.ref("n", "s") != refs.LOGICAL_SUBNET.ref("n", "s")
    assert refs.same_ref("/VirtualNetworks/N/Subnets/S", "/virtualNetworks/n/subnets/s")
    assert not refs.same_ref(None, "/virtualNetworks/n")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "/loadBalancers/lb1",
        "/loadBalancers/lb1/probes/p",
        "/loadBalancers//backendAddressPools/p",
        "/loadBalancers/lb1/backendAddressPools/p/extra",
        "/networkInterfaces/lb1/backendAddressPools/p",
        None,
    ],
)
def test_malformed_refs_name_the_expected_shape(text):
    with pytest.raises(MalformedRef) as caught:
        BACKEND_POOL.parse(text)
    assert str(caught.value) == (
        f'"{text}" is not a backend pool resourceRef (/loadBalancers/<lb>/backendAddressPools/<pool>), '
        "e.g. /loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1"
    )
    assert not BACKEND_POOL.matches(text)


def test_rooted_requires_the_leading_slash_other_surrounding_slashes_are_tolerated():
    assert BACKEND_POOL.matches("loadBalancers/lb/backendAddressPools/p")
    assert not BACKEND_POOL.matches("loadBalancers/lb/backendAddressPools/p", rooted=True)
    assert BACKEND_POOL.matches("/loadBalancers/lb/backendAddressPools/p/", rooted=True)


def test_one_of_several_shapes_names_every_shape():
    assert refs.parse_any("/logicalNetworks/l/subnets/s", SUBNETS, "subnet").shape is refs.LOGICAL_SUBNET
    with pytest.raises(MalformedRef, match=r"/virtualNetworks/<vnet>/subnets/<subnet> or /logicalNetworks/"):
        refs.parse_any("/virtualNetworks/v", SUBNETS, "subnet")


def test_format_refuses_a_wrong_number_of_ids():
    with pytest.raises(TypeError, match="takes 2 id"):
        IP_CONFIGURATION.format("nic1")


def test_child_and_top_level_refs():
    assert refs.child_ref("/loadBalancers/lb/", "probes", "p") == "/loadBalancers/lb/probes/p"
    assert refs.top_level("/loadBalancers/lb/probes/p") == "/loadBalancers/lb"
    assert refs.top_level("loadBalancers/lb") == "/loadBalancers/lb"
    assert refs.last_segment("/loadBalancers/lb/probes/p/") == "p" and refs.last_segment(None) is None


DOC = {
    "resourceRef": "/networkInterfaces/nic1",
    "etag": 'W/"7"',
    "properties": {
        "provisioningState": "Succeeded",
        "subnet": {"resourceRef": "/virtualNetworks/v/subnets/s"},
        "loadBalancerBackendAddressPools": [{"resourceRef": "/loadBalancers/lb/backendAddressPools/p"}, {}, "x"],
    },
}


def test_accessors_read_nc_documents():
    assert refs.resource_ref(DOC) == "/networkInterfaces/nic1" and refs.etag(DOC) == 'W/"7"'
    assert refs.provisioning_state(DOC) == "Succeeded"
    assert refs.linked_ref(DOC, "subnet") == "/virtualNetworks/v/subnets/s"
    assert refs.children(DOC, "loadBalancerBackendAddressPools") == [
        {"resourceRef": "/loadBalancers/lb/backendAddressPools/p"},
        {},
    ]
    assert refs.linked_refs(DOC, "loadBalancerBackendAddressPools") == ["/loadBalancers/lb/backendAddressPools/p"]
    assert refs.properties(DOC) is DOC["properties"]  # a writer may edit it in place


@pytest.mark.parametrize("doc", [None, [], "x", {}, {"properties": None}, {"properties": []}, {"etag": 7}])
def test_accessors_answer_empty_on_documents_of_unexpected_shape(doc):
    assert refs.properties(doc) == {} and refs.children(doc, "ipConfigurations") == []
    assert refs.etag(doc) is None and refs.resource_ref(doc) is None and refs.linked_refs(doc, "x") == []
    assert refs.provisioning_state(doc) == "unknown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MyNetwork_InternalVIP", "MyNetwork_InternalVIP"),
        ("  /loadBalancers/MyLB ", "MyLB"),
        ("LOADBALANCERS/MyLB/", "MyLB"),
        ("/loadBalancers/MyLB/probes/p", None),
        ("/networkInterfaces/MyLB", None),
        ("MyLB/", None),
        ("", None),
    ],
)
def test_load_balancer_import_id(text: str, expected: str | None):
    assert load_balancer.parse_import_id(text) == expected


def test_plan_time_ref_checks_quote_the_expected_shape():
    from tf.utils import Diagnostics

    diags = Diagnostics()
    load_balancer._check_frontend(
        diags,
        {"subnet_ref": "/virtualNetworks/v", "public_ip_address_ref": "/publicIPs/x", "private_ip_address": None},
        [],
    )
    details = {d.summary: d.detail for d in diags.diagnostics}
    assert (
        "/virtualNetworks/<vnet>/subnets/<subnet> or /logicalNetworks/<lnet>/subnets/<subnet>"
        in details["Invalid subnet_ref"]
    )
    assert PUBLIC_IP_ADDRESS.pattern in details["Invalid public_ip_address_ref"]
    assert backend_pool_member.is_pool_ref(str(BACKEND_POOL.ref("lb", "p")))
    assert not backend_pool_member.is_pool_ref(str(LOAD_BALANCER.ref("lb")))
