"""The load balancer's mapping to and from NC documents: GET -> merge -> PUT keeps what the provider does not
manage ([MS-NCNBI] 3.1.5.5: PUT replaces the whole object), and NC's own enum spelling never leaks into a
user's state. The live document is shaped like microsoft/SdnDiagnostics' sanitized NC dumps."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.framework import SdnPlanContext
from sdn_provider.provider import SdnProvider
from sdn_provider.resources.load_balancer import LoadBalancer, from_nc, merge, to_nc
from tests.unit.conftest import DROP

LB = "/loadBalancers/Tenant_LB"


def live() -> dict:
    ref = LB
    return {
        "resourceRef": ref,
        "resourceId": "Tenant_LB",
        "etag": 'W/"e1"',
        "instanceId": "i-1",
        "tags": {"owner": "someone-else"},
        "resourceMetadata": {"client": "SDN Express", "resourceName": "tenant"},
        "properties": {
            "provisioningState": "Succeeded",
            "futureTopLevel": {"kept": True},
            "frontendIPConfigurations": [
                {
                    "resourceId": "Internal",
                    "resourceRef": f"{ref}/frontendIPConfigurations/Internal",
                    "etag": 'W/"e1"',
                    "properties": {
                        "provisioningState": "Succeeded",
                        "privateIPAddress": "192.168.2.100",
                        "privateIPAllocationMethod": "Static",
                        "subnet": {"resourceRef": "/virtualNetworks/MyNetwork/subnets/Subnet2"},
                        "loadBalancingRules": [{"resourceRef": f"{ref}/loadBalancingRules/Rule1"}],
                    },
                },
                {
                    "resourceId": "Public",
                    "properties": {
                        "privateIPAddress": "",
                        "privateIPAllocationMethod": "Dynamic",
                        "publicIPAddress": {"resourceRef": "/publicIPAddresses/PublicVIP1"},
                        "outboundNatRules": [{"resourceRef": f"{ref}/outboundNatRules/Out1"}],
                    },
                },
            ],
            "backendAddressPools": [
                {
                    "resourceId": "Pool1",
                    "properties": {
                        "backendIPConfigurations": [{"resourceRef": "/networkInterfaces/n1/ipConfigurations/ip1"}],
                        "outboundNatRules": [{"resourceRef": f"{ref}/outboundNatRules/Out1"}],
                    },
                }
            ],
            "probes": [
                {
                    "resourceId": "Probe1",
                    "properties": {
                        "protocol": "Tcp",
                        "port": 59999,
                        "intervalInSeconds": 5,
                        "numberOfProbes": 11,
                        "futureProbeField": 7,
                    },
                }
            ],
            "loadBalancingRules": [
                {
                    "resourceId": "Rule1",
                    "properties": {
                        "protocol": "Tcp",
                        "frontendPort": 1433,
                        "backendPort": 1433,
                        "idleTimeoutInMinutes": 4,
                        "enableFloatingIP": True,
                        "loadDistribution": "Default",
                        "frontendIPConfigurations": [{"resourceRef": f"{ref}/frontendIPConfigurations/Internal"}],
                        "backendAddressPool": {"resourceRef": f"{ref}/backendAddressPools/Pool1"},
                        "probe": {"resourceRef": f"{ref}/probes/Probe1"},
                    },
                },
                {"resourceId": "Rule2", "properties": {"protocol": "Udp", "frontendPort": 53}},
            ],
            "outboundNatRules": [
                {
                    "resourceId": "Out1",
                    "properties": {
                        "protocol": "All",
                        "frontendIPConfigurations": [{"resourceRef": f"{ref}/frontendIPConfigurations/Public"}],
                        "backendAddressPool": {"resourceRef": f"{ref}/backendAddressPools/Pool1"},
                    },
                }
            ],
            "inboundNatRules": [{"resourceId": "In1", "properties": {"protocol": "Tcp", "frontendPort": 3389}}],
        },
    }


def imported() -> dict:
    return from_nc(live(), {"timeouts": None})


def test_import_reads_nc_spelling_and_both_frontend_kinds():
    state = imported()
    internal, public = state["frontend_ip_configuration"]
    assert internal["subnet_ref"] == "/virtualNetworks/MyNetwork/subnets/Subnet2"
    assert internal["public_ip_address_ref"] is None
    assert (public["public_ip_address_ref"], public["private_ip_address"], public["subnet_ref"]) == (
        "/publicIPAddresses/PublicVIP1",
        None,
        None,
    )
    assert state["probe"][0]["protocol"] == "Tcp" and state["load_balancing_rule"][1]["protocol"] == "Udp"


def test_merge_changes_what_is_managed_and_keeps_everything_else():
    state = imported()
    state["probe"][0]["interval_in_seconds"] = 10
    state["load_balancing_rule"] = state["load_balancing_rule"][:1]  # the user removed Rule2
    state["tags"] = None
    body = merge(live(), to_nc(state))
    props = body["properties"]
    assert props["probes"][0]["properties"]["intervalInSeconds"] == 10
    assert props["probes"][0]["properties"]["futureProbeField"] == 7
    assert [r["resourceId"] for r in props["loadBalancingRules"]] == ["Rule1"]
    assert props["outboundNatRules"] == live()["properties"]["outboundNatRules"]
    assert props["inboundNatRules"] == live()["properties"]["inboundNatRules"]
    assert props["futureTopLevel"] == {"kept": True}
    assert body["resourceMetadata"] == live()["resourceMetadata"] and "tags" not in body
    pool = props["backendAddressPools"][0]["properties"]
    assert (
        pool["backendIPConfigurations"]
        == live()["properties"]["backendAddressPools"][0]["properties"]["backendIPConfigurations"]
    )
    public = props["frontendIPConfigurations"][1]["properties"]
    assert public["publicIPAddress"] == {"resourceRef": "/publicIPAddresses/PublicVIP1"}
    assert "privateIPAddress" not in public  # NC's "" is not sent back as an address
    assert "provisioningState" not in str(body) and "etag" not in body


def test_merge_of_an_unchanged_state_sends_back_what_nc_has():
    """Re-PUTting an unchanged import changes nothing but NC's computed fields (and the managed tags)."""
    expected = copy.deepcopy(live())
    for key in ("resourceRef", "etag", "instanceId"):
        expected.pop(key)
    body = merge(live(), to_nc(imported()))
    for collection in ("outboundNatRules", "inboundNatRules", "probes", "backendAddressPools"):
        assert body["properties"][collection] == expected["properties"][collection], collection
    rule = body["properties"]["loadBalancingRules"][0]["properties"]
    assert rule == expected["properties"]["loadBalancingRules"][0]["properties"]


def test_user_spelling_is_kept_for_enums_names_and_refs():
    prior = imported()
    prior["probe"][0]["protocol"] = "TCP"
    prior["probe"][0]["name"] = "probe1"
    prior["load_balancing_rule"][0]["probe_name"] = "PROBE1"
    prior["load_balancing_rule"][0]["protocol"] = "tcp"
    prior["frontend_ip_configuration"][0]["subnet_ref"] = "/VirtualNetworks/MyNetwork/Subnets/Subnet2"
    state = from_nc(live(), prior)
    assert state["probe"][0]["protocol"] == "TCP" and state["probe"][0]["name"] == "probe1"
    assert state["load_balancing_rule"][0]["probe_name"] == "PROBE1"
    assert state["load_balancing_rule"][0]["protocol"] == "tcp"
    assert state["frontend_ip_configuration"][0]["subnet_ref"] == "/VirtualNetworks/MyNetwork/Subnets/Subnet2"
    prior["probe"][0]["protocol"] = "HTTP"  # a real difference shows NC's value (drift)
    assert from_nc(live(), prior)["probe"][0]["protocol"] == "Tcp"


def test_a_rules_frontend_names_keep_the_users_spelling_one_by_one():
    """NC answers its own spelling of each frontend a rule listens on; the state keeps the user's for those the
    user named, and NC's for one NC lists beyond them."""
    prior = imported()
    prior["load_balancing_rule"][0]["frontend_ip_configuration_names"] = ["INTERNAL"]
    document = live()
    rule = document["properties"]["loadBalancingRules"][0]["properties"]
    rule["frontendIPConfigurations"].append({"resourceRef": f"{LB}/frontendIPConfigurations/Public"})
    names = from_nc(document, prior)["load_balancing_rule"][0]["frontend_ip_configuration_names"]
    assert names == ["INTERNAL", "Public"]


def test_a_create_whose_answer_is_lost_stays_in_state_tainted(nc_server):
    """NC took the PUT but neither its answer nor a recovery read came back: the load balancer is returned with
    the error (Terraform keeps it, tainted), with what only NC knows left null, instead of being orphaned."""
    script, uri = nc_server
    script.on("GET", "/loadBalancers/Tenant_LB", (404, {}, None), (DROP, {}, None))
    script.on("PUT", "/loadBalancers/Tenant_LB", (DROP, {}, None))
    provider = SdnProvider()
    provider.configure_provider(Diagnostics(), {"network_controller_uri": uri, "max_retries": 0})
    planned = imported()
    planned.update(etag=Unknown, instance_id=Unknown, provisioning_state=Unknown)
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    state = LoadBalancer(provider).create(ctx, planned)
    assert ctx.diagnostics.has_errors() and "cannot reach Network Controller" in ctx.diagnostics.diagnostics[0].detail
    assert state is not None and state["resource_id"] == "Tenant_LB" and state["etag"] is None
    assert state["probe"] == imported()["probe"]
    assert [m for m, _ in script.calls()] == ["GET", "PUT", "GET"]


def nc_provider(uri: str) -> SdnProvider:
    provider = SdnProvider()
    provider.configure_provider(Diagnostics(), {"network_controller_uri": uri, "max_retries": 0})
    return provider


def diagnostics(ctx: SimpleNamespace) -> list[tuple[str, str, list | None]]:
    return [(d.summary, d.detail, d.path) for d in ctx.diagnostics.diagnostics]


def test_a_delete_refused_while_in_use_names_the_members_and_keeps_the_state(nc_server):
    script, uri = nc_server
    script.on("DELETE", LB, (409, {}, {"error": {"code": "ResourceInUse", "message": "in use"}}))
    script.on("GET", LB, (200, {}, live()))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    state = LoadBalancer(nc_provider(uri)).delete(ctx, imported())
    [(summary, detail, _)] = diagnostics(ctx)
    assert summary == "Load balancer is still in use"
    assert "ip configurations still in its backend pools: /networkInterfaces/n1/ipConfigurations/ip1." in detail
    assert detail.startswith("Network Controller answered 409 ResourceInUse: in use")
    assert state == imported()


def test_a_delete_that_fails_otherwise_reports_nc_and_keeps_what_nc_has(nc_server):
    script, uri = nc_server
    script.on("DELETE", LB, (400, {}, {"error": {"code": "BadRequest", "message": "no"}}))
    script.on("GET", LB, (404, {}, None))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(nc_provider(uri)).delete(ctx, imported()) is None  # gone after all: nothing to keep
    assert [(s, d.split(" [")[0]) for s, d, _ in diagnostics(ctx)] == [
        ("Cannot delete load balancer", "Network Controller answered 400 BadRequest: no")
    ]


def test_a_delete_waits_until_the_load_balancer_is_gone(nc_server):
    script, uri = nc_server
    script.on("DELETE", LB, (200, {}, None))
    script.on("GET", LB, (200, {}, live()), (404, {}, None))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(nc_provider(uri)).delete(ctx, imported()) is None
    assert diagnostics(ctx) == [] and script.calls() == [("DELETE", LB), ("GET", LB), ("GET", LB)]


@pytest.mark.parametrize("bad_id", ["", "/virtualNetworks/Tenant_LB", "a/b"])
def test_import_refuses_ids_that_are_not_load_balancers(bad_id):
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(SdnProvider()).import_(ctx, bad_id) is None
    assert [s for s, _, _ in diagnostics(ctx)] == ["Invalid import ID"]


@pytest.mark.parametrize("import_id", ["Tenant_LB", "/loadBalancers/Tenant_LB", "loadBalancers/Tenant_LB"])
def test_import_reads_the_load_balancer(nc_server, import_id):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, live()))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(nc_provider(uri)).import_(ctx, import_id) == imported()
    assert diagnostics(ctx) == []


def test_import_of_a_missing_or_arc_managed_load_balancer_fails(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (404, {}, None))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(nc_provider(uri)).import_(ctx, "Tenant_LB") is None
    assert diagnostics(ctx) == [("Load balancer not found", f"{LB} does not exist.", None)]
    arc = live()
    arc["resourceMetadata"] = {"client": "Network Resource Provider"}
    script.on("GET", LB, (200, {}, arc))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(nc_provider(uri)).import_(ctx, "Tenant_LB") is None
    [(summary, detail, _)] = diagnostics(ctx)
    assert summary == "Cannot import load balancer" and detail.startswith(f"{LB} is managed by Azure Arc")


def test_create_refuses_a_load_balancer_that_already_exists(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, live()))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    assert LoadBalancer(nc_provider(uri)).create(ctx, imported()) is None
    [(summary, detail, path)] = diagnostics(ctx)
    assert (summary, path) == ("Load balancer already exists", ["resource_id"])
    assert detail.endswith("terraform import <address> Tenant_LB")
    assert [m for m, _ in script.calls()] == ["GET"]


def test_update_puts_the_merge_with_the_etag_just_read(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, live()))
    script.on("PUT", LB, (200, {}, live()))
    planned = imported()
    planned["probe"][0]["interval_in_seconds"] = 10
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    state = LoadBalancer(nc_provider(uri)).update(ctx, imported(), planned)
    assert diagnostics(ctx) == [] and state == imported()  # what NC answered
    put = [headers for method, _, headers in script.seen if method == "PUT"]
    assert [h.get("If-Match") for h in put] == ['W/"e1"']


def test_update_refuses_when_what_terraform_manages_changed_outside(nc_server):
    script, uri = nc_server
    changed = live()
    changed["etag"] = 'W/"e2"'
    changed["properties"]["probes"][0]["properties"]["port"] = 60000
    script.on("GET", LB, (200, {}, changed))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    state = LoadBalancer(nc_provider(uri)).update(ctx, imported(), imported())
    [(summary, detail, _)] = diagnostics(ctx)
    assert summary == "Cannot update load balancer"
    assert "was changed outside Terraform after the last refresh" in detail
    assert state["probe"][0]["port"] == 60000  # state follows NC
    assert "PUT" not in [m for m, _ in script.calls()]


def test_update_reports_nc_refusing_the_etag_it_just_returned(nc_server):
    script, uri = nc_server
    script.on("GET", LB, (200, {}, live()))
    script.on("PUT", LB, (412, {}, {"error": {"code": "PreconditionFailed", "message": "etag"}}))
    ctx = SimpleNamespace(diagnostics=Diagnostics())
    LoadBalancer(nc_provider(uri)).update(ctx, imported(), imported())
    [(summary, detail, _)] = diagnostics(ctx)
    assert summary == "Cannot update load balancer"
    assert "(Network Controller refused If-Match with the etag it had just returned)" in detail
    assert [m for m, _ in script.calls()].count("PUT") == 1


SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"


def plan_vip(uri: str, address: str, current: dict | None = None) -> list[tuple[str, str, list | None]]:
    """Plan a load balancer whose internal frontend has ``address``; the diagnostics of the VIP checks."""
    planned = imported()
    planned["frontend_ip_configuration"] = planned["frontend_ip_configuration"][:1]
    planned["frontend_ip_configuration"][0]["private_ip_address"] = address
    ctx = SdnPlanContext(
        Diagnostics(), "sdn_load_balancer", set(), config=copy.deepcopy(planned), is_create=not current
    )
    LoadBalancer(nc_provider(uri)).plan(ctx, current, planned)
    return [(d.summary, d.detail, d.path) for d in ctx.diagnostics.diagnostics]


def nic(address: str) -> dict:
    return {
        "resourceId": "node1",
        "properties": {
            "ipConfigurations": [
                {
                    "resourceId": "ipconfig1",
                    "resourceRef": "/networkInterfaces/node1/ipConfigurations/ipconfig1",
                    "properties": {"privateIPAddress": address, "subnet": {"resourceRef": SUBNET.upper()}},
                }
            ]
        },
    }


@pytest.mark.parametrize(
    ("address", "summary", "detail"),
    [
        ("192.168.3.100", "VIP outside its subnet", f"192.168.3.100 is not inside {SUBNET} (192.168.2.0/24); pick"),
        (
            "192.168.2.0",
            "VIP is not a host address",
            f"192.168.2.0 is the network address of {SUBNET} (192.168.2.0/24)",
        ),
        ("192.168.2.255", "VIP is not a host address", "192.168.2.255 is the broadcast address of"),
        ("192.168.2.11", "VIP is a node's own address", "192.168.2.11 is the address of /networkInterfaces/node1/"),
    ],
)
def test_plan_refuses_a_vip_that_cannot_be_one(nc_server, address, summary, detail):
    script, uri = nc_server
    script.on("GET", SUBNET, (200, {}, {"properties": {"addressPrefix": "192.168.2.0/24"}}))
    script.on("GET", "/networkInterfaces", (200, {}, {"value": [nic("192.168.2.11")]}))
    [(found, text, path)] = plan_vip(uri, address)
    assert (found, path) == (summary, ["frontend_ip_configuration", (0,), "private_ip_address"])
    assert text.startswith(detail)


def test_a_node_address_without_a_ref_is_named_by_its_nic_and_ip_configuration(nc_server):
    script, uri = nc_server
    script.on("GET", SUBNET, (200, {}, {"properties": {"addressPrefix": "192.168.2.0/24"}}))
    unlinked = nic("192.168.2.11")
    del unlinked["properties"]["ipConfigurations"][0]["resourceRef"]
    script.on("GET", "/networkInterfaces", (200, {}, {"value": [unlinked]}))
    [(_, detail, _)] = plan_vip(uri, "192.168.2.11")
    assert detail == (
        f"192.168.2.11 is the address of node1/ipconfig1 in {SUBNET}. The VIP must be an unused address of the subnet "
        "(the SLB answers for it; the nodes keep their own addresses)."
    )


def test_an_ip_configuration_without_a_subnet_owns_no_vip(nc_server):
    """A NIC address NC has not placed in a subnet yet is in no subnet's way."""
    script, uri = nc_server
    script.on("GET", SUBNET, (200, {}, {"properties": {"addressPrefix": "192.168.2.0/24"}}))
    placeless = nic("192.168.2.100")
    del placeless["properties"]["ipConfigurations"][0]["properties"]["subnet"]
    script.on("GET", "/networkInterfaces", (200, {}, {"value": [placeless]}))
    assert plan_vip(uri, "192.168.2.100") == []


def test_plan_accepts_an_unused_host_address_and_does_not_recheck_an_accepted_one(nc_server):
    script, uri = nc_server
    script.on("GET", SUBNET, (200, {}, {"properties": {"addressPrefix": "192.168.2.0/24"}}))
    script.on("GET", "/networkInterfaces", (200, {}, {"value": [nic("192.168.2.11")]}))
    assert plan_vip(uri, "192.168.2.100") == []
    assert [p for _, p in script.calls()] == [SUBNET, "/networkInterfaces"]
    script.seen.clear()
    assert plan_vip(uri, "192.168.2.100", current=imported()) == []  # NC accepted it already
    assert script.calls() == []


def test_plan_reports_a_subnet_nc_does_not_have(nc_server):
    _, uri = nc_server  # every GET answers 404
    [(summary, detail, path)] = plan_vip(uri, "192.168.2.100")
    assert (summary, path) == ("Subnet not found", ["frontend_ip_configuration", (0,), "subnet_ref"])
    assert detail == f"{SUBNET} does not exist in Network Controller."


def test_read_follows_nc_drops_what_is_gone_and_keeps_state_when_nc_cannot_answer(nc_server):
    script, uri = nc_server
    changed = live()
    changed["properties"]["probes"][0]["properties"]["intervalInSeconds"] = 30
    script.on("GET", LB, (200, {}, changed), (404, {}, None), (400, {}, {"error": {"code": "Bad", "message": "x"}}))
    resource, ctx = LoadBalancer(nc_provider(uri)), SimpleNamespace(diagnostics=Diagnostics())
    assert resource.read(ctx, imported())["probe"][0]["interval_in_seconds"] == 30
    assert resource.read(ctx, imported()) is None
    assert diagnostics(ctx) == []
    assert resource.read(ctx, imported()) == imported()
    assert [s for s, _, _ in diagnostics(ctx)] == ["Cannot read load balancer"]


def test_optional_attributes_nc_fills_in_are_computed_and_no_others():
    """Terraform takes what NC answers for an attribute it did not plan only if the schema says it is computed;
    one NC never fills in (a ref the user gives or leaves out) must not be, or a removed value would linger."""
    blocks = {b.type_name: b.block for b in LoadBalancer.schema.block_types if b.type_name != "timeouts"}
    flags = {a.name: (a.required, a.optional, a.computed) for a in blocks["frontend_ip_configuration"].attributes}
    assert flags == {
        "name": (True, False, False),
        "private_ip_address": (False, True, True),
        "private_ip_allocation_method": (False, True, True),
        "subnet_ref": (False, True, False),
        "public_ip_address_ref": (False, True, False),
    }
