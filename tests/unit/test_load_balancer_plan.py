"""`sdn_load_balancer` before anything reaches NC: validate's diagnostics for a whole configuration (each on its
attribute), and the planned state (defaults, refs known at plan time, what stays unknown until apply, the user's
spelling against NC's, the VIPs and probe ports other resources cross-check) (docs/resources/load_balancer.md)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.framework import SdnPlanContext
from sdn_provider.provider import SdnProvider
from sdn_provider.resources.load_balancer import LoadBalancer, planned_probe_ports
from tests.unit.conftest import said

ERROR, WARNING = Diagnostic.ERROR, Diagnostic.WARNING
SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
PUBLIC_IP = "/publicIPAddresses/PublicVIP1"
LB = "/loadBalancers/Tenant_LB"
BLOCK_NAMES = ["frontend_ip_configuration", "backend_address_pool", "probe", "load_balancing_rule"]
BAD_ID = (
    '"{}" is not a valid Network Controller resource id: use 1-80 letters, digits, "_", "-" or ".", '
    "starting with a letter or digit."
)


def config(**change: Any) -> dict:
    """A whole configuration as Terraform sends it: every attribute present, null where the user left it out."""
    base = {
        "resource_id": "Tenant_LB",
        "tags": None,
        "timeouts": None,
        "frontend_ip_configuration": [
            {
                "name": "fe1",
                "private_ip_address": "192.168.2.100",
                "private_ip_allocation_method": None,
                "subnet_ref": SUBNET,
                "public_ip_address_ref": None,
            }
        ],
        "backend_address_pool": [{"name": "pool1"}],
        "probe": [
            {
                "name": "probe1",
                "protocol": None,
                "port": 59999,
                "interval_in_seconds": None,
                "number_of_probes": None,
                "request_path": None,
            }
        ],
        "load_balancing_rule": [
            {
                "name": "rule1",
                "frontend_ip_configuration_names": ["fe1"],
                "backend_address_pool_name": "pool1",
                "probe_name": "probe1",
                "protocol": None,
                "frontend_port": 1433,
                "backend_port": None,
                "idle_timeout_in_minutes": None,
                "enable_floating_ip": None,
                "load_distribution": None,
            }
        ],
    }
    return {**base, **change}


def with_item(block: str, i: int = 0, **change: Any) -> dict:
    """config() with item ``i`` of ``block`` changed."""
    whole = config()
    whole[block][i] = {**whole[block][i], **change}
    return whole


def second(whole: dict, block: str, name: str) -> None:
    """Append a copy of ``block``'s first item named ``name`` (a rule on another port: not an overlap)."""
    item = {**whole[block][0], "name": name}
    if block == "load_balancing_rule":
        item["frontend_port"] += 1
    whole[block].append(item)


def validate(whole: dict) -> list[tuple]:
    diags = Diagnostics()
    LoadBalancer(SdnProvider()).validate(diags, "sdn_load_balancer", whole)
    return said(diags)


def test_a_whole_good_configuration_has_no_diagnostics() -> None:
    assert validate(config()) == []


def test_nc_enum_values_are_accepted_in_any_case() -> None:
    """NC matches its enums case-insensitively (and the state keeps the user's spelling), so validate does too."""
    whole = with_item("load_balancing_rule", protocol="udp", load_distribution="SOURCEIP")
    whole["probe"][0].update(protocol="http", request_path="/health")
    whole["frontend_ip_configuration"][0]["private_ip_allocation_method"] = "static"
    assert validate(whole) == []


def test_names_are_matched_across_blocks_without_regard_to_case() -> None:
    upper = with_item(
        "load_balancing_rule",
        frontend_ip_configuration_names=["FE1"],
        backend_address_pool_name="POOL1",
        probe_name="Probe1",
    )
    assert validate(upper) == []


def test_an_unknown_block_name_does_not_hide_the_others() -> None:
    whole = config()
    whole["probe"].append({**whole["probe"][0], "name": Unknown})
    assert validate(whole) == []


def test_a_bad_resource_id_is_refused_on_resource_id() -> None:
    assert validate(config(resource_id="bad id")) == [
        (ERROR, "Invalid resource_id", BAD_ID.format("bad id"), ["resource_id"])
    ]


def test_a_bad_timeout_is_refused_on_its_operation() -> None:
    ((severity, summary, _, path),) = validate(config(timeouts={"create": "soon"}))
    assert (severity, summary, path) == (ERROR, "Invalid duration", ["timeouts", "create"])


@pytest.mark.parametrize("block", BLOCK_NAMES)
def test_a_bad_child_name_is_refused_on_that_childs_name(block: str) -> None:
    whole = config()
    second(whole, block, "two words")
    assert validate(whole) == [(ERROR, "Invalid name", BAD_ID.format("two words"), [block, (1,), "name"])]


@pytest.mark.parametrize("block", BLOCK_NAMES)
def test_a_name_used_twice_in_a_block_is_refused_on_the_second(block: str) -> None:
    whole = config()
    first = whole[block][0]["name"]
    second(whole, block, first.upper())
    assert validate(whole) == [
        (
            ERROR,
            f"Duplicate {block} name",
            f'{block} name "{first.upper()}" is used more than once (names are case-insensitive).',
            [block, (1,), "name"],
        )
    ]


@pytest.mark.parametrize(
    ("block", "change", "expected"),
    [
        (
            "frontend_ip_configuration",
            {"private_ip_allocation_method": "Auto"},
            (
                "Invalid private_ip_allocation_method",
                'private_ip_allocation_method must be one of Static, Dynamic; got "Auto".',
                "private_ip_allocation_method",
            ),
        ),
        (
            "probe",
            {"interval_in_seconds": 1},
            (
                "Invalid interval_in_seconds",
                "interval_in_seconds must be a whole number from 5 to 2147483647, got 1.",
                "interval_in_seconds",
            ),
        ),
        (
            "probe",
            {"protocol": "Icmp"},
            ("Invalid probe protocol", 'probe protocol must be one of Tcp, Http; got "Icmp".', "protocol"),
        ),
        (
            "load_balancing_rule",
            {"protocol": "Icmp"},
            ("Invalid rule protocol", 'rule protocol must be one of Tcp, Udp, All; got "Icmp".', "protocol"),
        ),
        (
            "load_balancing_rule",
            {"idle_timeout_in_minutes": 31},
            (
                "Invalid idle_timeout_in_minutes",
                "idle_timeout_in_minutes must be a whole number from 4 to 30, got 31.",
                "idle_timeout_in_minutes",
            ),
        ),
    ],
)
def test_each_fields_own_check_points_at_that_field(block: str, change: dict, expected: tuple) -> None:
    summary, detail, attribute = expected
    assert validate(with_item(block, **change)) == [(ERROR, summary, detail, [block, (0,), attribute])]


def test_the_cross_field_checks_run_on_each_block_with_its_path() -> None:
    whole = config()
    whole["frontend_ip_configuration"][0]["subnet_ref"] = None
    whole["probe"][0]["protocol"] = "Http"
    whole["load_balancing_rule"][0]["backend_address_pool_name"] = "nowhere"
    rule = ["load_balancing_rule", (0,)]
    assert validate(whole) == [
        (
            ERROR,
            "Missing subnet_ref",
            "A frontend needs subnet_ref (an internal VIP in a subnet) or public_ip_address_ref (a public IP).",
            ["frontend_ip_configuration", (0,), "subnet_ref"],
        ),
        (
            ERROR,
            "Missing request_path",
            'An HTTP probe needs request_path (e.g. "/health").',
            ["probe", (0,), "request_path"],
        ),
        (
            ERROR,
            "Unknown backend_address_pool",
            'No backend_address_pool block is named "nowhere".',
            [*rule, "backend_address_pool_name"],
        ),
    ]


def test_two_rules_on_one_frontend_and_port_are_refused() -> None:
    whole = config()
    whole["load_balancing_rule"].append({**whole["load_balancing_rule"][0], "name": "rule2"})
    assert validate(whole) == [
        (
            ERROR,
            "Duplicate rule",
            'Rule "rule2" listens on fe1 TCP/1433, already used by rule "rule1".',
            ["load_balancing_rule", (1,), "frontend_port"],
        )
    ]


# -- plan ---------------------------------------------------------------------------------------------------------


def plan(whole: dict, current: dict | None = None, provider: SdnProvider | None = None) -> tuple[dict, list]:
    """The planned state and diagnostics for ``whole``; Terraform proposes the configuration over the prior
    state's computed attributes."""
    ctx = SdnPlanContext(Diagnostics(), "sdn_load_balancer", set(), config=whole, is_create=current is None)
    proposed = copy.deepcopy({**(current or {}), **whole})
    planned = LoadBalancer(provider or SdnProvider()).plan(ctx, current, proposed)
    return planned, said(ctx.diagnostics)


def public_config() -> dict:
    """config() on a public frontend: no VIP to check in a subnet, so the plan needs no NC."""
    return with_item(
        "frontend_ip_configuration", private_ip_address=None, subnet_ref=None, public_ip_address_ref=PUBLIC_IP
    )


def test_a_create_plans_the_defaults_for_what_the_configuration_leaves_out() -> None:
    planned, diags = plan(public_config())
    assert diags == []
    assert planned["frontend_ip_configuration"] == [
        {
            "name": "fe1",
            "private_ip_address": None,
            "private_ip_allocation_method": "Dynamic",
            "subnet_ref": None,
            "public_ip_address_ref": PUBLIC_IP,
        }
    ]
    assert planned["probe"] == [
        {
            "name": "probe1",
            "protocol": "TCP",
            "port": 59999,
            "interval_in_seconds": 15,
            "number_of_probes": 2,
            "request_path": None,
        }
    ]
    assert planned["load_balancing_rule"] == [
        {
            "name": "rule1",
            "frontend_ip_configuration_names": ["fe1"],
            "backend_address_pool_name": "pool1",
            "probe_name": "probe1",
            "protocol": "TCP",
            "frontend_port": 1433,
            "backend_port": 1433,
            "idle_timeout_in_minutes": 4,
            "enable_floating_ip": True,
            "load_distribution": "Default",
        }
    ]


def test_a_create_plans_child_refs_from_names_and_leaves_what_nc_assigns_unknown() -> None:
    planned, _ = plan(public_config())
    assert planned["resource_ref"] == LB
    assert planned["frontend_ip_configuration_refs"] == {"fe1": f"{LB}/frontendIPConfigurations/fe1"}
    assert planned["backend_address_pool_refs"] == {"pool1": f"{LB}/backendAddressPools/pool1"}
    assert planned["probe_refs"] == {"probe1": f"{LB}/probes/probe1"}
    assert (planned["etag"], planned["provisioning_state"], planned["instance_id"]) == (Unknown, Unknown, Unknown)


def test_an_unknown_resource_id_leaves_every_ref_unknown() -> None:
    planned, _ = plan({**public_config(), "resource_id": Unknown})
    refs = ["resource_ref", "frontend_ip_configuration_refs", "backend_address_pool_refs", "probe_refs"]
    assert [planned[k] for k in refs] == [Unknown] * 4


def test_what_the_configuration_sets_is_planned_as_set() -> None:
    whole = with_item("probe", protocol="Http", interval_in_seconds=30, number_of_probes=5, request_path="/health")
    whole["load_balancing_rule"][0].update(
        protocol="Udp",
        backend_port=8080,
        idle_timeout_in_minutes=10,
        enable_floating_ip=False,
        load_distribution="SourceIP",
    )
    whole["frontend_ip_configuration"][0].update(
        private_ip_address=None, subnet_ref=None, public_ip_address_ref=PUBLIC_IP, private_ip_allocation_method="Static"
    )
    planned, _ = plan(whole)
    assert planned["probe"][0] == whole["probe"][0]
    assert planned["load_balancing_rule"][0] == whole["load_balancing_rule"][0]
    assert planned["frontend_ip_configuration"][0]["private_ip_allocation_method"] == "Static"


def test_an_internal_frontend_without_a_vip_plans_a_static_vip_nc_picks() -> None:
    whole = with_item("frontend_ip_configuration", private_ip_address=None)
    planned, diags = plan(whole)
    assert diags == []
    fe = planned["frontend_ip_configuration"][0]
    assert (fe["private_ip_allocation_method"], fe["private_ip_address"]) == ("Static", Unknown)


def prior() -> dict:
    """The state after applying public_config(), as NC spells it."""
    planned, _ = plan(public_config())
    state = copy.deepcopy(planned)
    state.update(etag='W/"e1"', provisioning_state="Succeeded", instance_id="i-1")
    state["probe"][0]["protocol"] = "Tcp"
    state["load_balancing_rule"][0]["protocol"] = "Tcp"
    state["load_balancing_rule"][0]["frontend_ip_configuration_names"] = ["FE1"]
    return state


def test_a_plan_that_differs_only_in_letter_case_keeps_the_prior_spelling_and_etag() -> None:
    planned, _ = plan(public_config(), current=prior())
    assert planned["probe"][0]["protocol"] == "Tcp"
    assert planned["load_balancing_rule"][0]["protocol"] == "Tcp"
    assert planned["load_balancing_rule"][0]["frontend_ip_configuration_names"] == ["FE1"]
    assert (planned["etag"], planned["provisioning_state"]) == ('W/"e1"', "Succeeded")


def test_a_real_change_is_planned_with_a_new_etag_and_the_same_instance() -> None:
    whole = with_item("probe", interval_in_seconds=30)
    whole["frontend_ip_configuration"] = public_config()["frontend_ip_configuration"]
    planned, _ = plan(whole, current=prior())
    assert planned["probe"][0]["interval_in_seconds"] == 30
    assert planned["probe"][0]["protocol"] == "Tcp"  # the spelling is kept beside the change
    assert (planned["etag"], planned["provisioning_state"]) == (Unknown, Unknown)
    assert planned["instance_id"] == "i-1"


def test_spelling_is_kept_only_for_the_same_child_and_the_same_value() -> None:
    state = prior()
    state["probe"][0]["name"] = "other"
    state["load_balancing_rule"][0]["frontend_ip_configuration_names"] = ["FE1", "fe2"]
    planned, _ = plan(public_config(), current=state)
    assert planned["probe"][0]["protocol"] == "TCP"  # no prior probe of that name
    assert planned["load_balancing_rule"][0]["frontend_ip_configuration_names"] == ["fe1"]  # another list


def test_an_item_whose_name_is_not_known_yet_takes_no_prior_spelling() -> None:
    """It is no prior item, not even one whose name is "unknown" (what str() makes of the value)."""
    state = prior()
    state["probe"][0].update(name="unknown", protocol="TCP")
    whole = public_config()
    whole["probe"][0].update(name=Unknown, protocol="Tcp")
    planned, _ = plan(whole, current=state)
    assert planned["probe"][0]["protocol"] == "Tcp"


def test_a_block_not_known_yet_leaves_the_defaults_of_the_blocks_after_it() -> None:
    """A dynamic block over a value known only at apply: the blocks after it are planned as usual."""
    whole = public_config()
    whole["frontend_ip_configuration"] = Unknown
    planned, _ = plan(whole)
    assert planned["frontend_ip_configuration"] is Unknown
    assert planned["load_balancing_rule"][0]["backend_port"] == 1433  # the frontend port, by default


def test_the_plan_records_each_vip_with_the_probe_ports_of_its_rules() -> None:
    provider = SdnProvider()
    whole = with_item("frontend_ip_configuration", private_ip_address=Unknown)
    whole["frontend_ip_configuration"].append(
        {**public_config()["frontend_ip_configuration"][0], "name": "fe2", "private_ip_address": "10.0.0.5"}
    )
    whole["load_balancing_rule"][0]["frontend_ip_configuration_names"] = ["FE2"]
    plan(whole, provider=provider)
    assert provider.planned_probe_ports("10.0.0.5") == {"Tenant_LB": frozenset({59999})}


def ports_of(frontends: list, probes: list, rules: list) -> dict:
    return planned_probe_ports({"frontend_ip_configuration": frontends, "probe": probes, "load_balancing_rule": rules})


def test_planned_probe_ports_match_names_without_case_and_collect_per_vip() -> None:
    frontends = [
        {"name": "FE1", "private_ip_address": "192.168.2.100"},
        {"name": "fe2", "private_ip_address": "192.168.2.101"},
    ]
    probes = [{"name": "P1", "port": 59999}, {"name": "p2", "port": 59998}]
    rules = [
        {"probe_name": "p1", "frontend_ip_configuration_names": ["fe1", "FE2"]},
        {"probe_name": "P2", "frontend_ip_configuration_names": ["Fe1"]},
    ]
    assert ports_of(frontends, probes, rules) == {"192.168.2.100": {59999, 59998}, "192.168.2.101": {59999}}


def test_planned_probe_ports_list_a_vip_without_a_known_probe_with_no_ports() -> None:
    frontends = [{"name": "fe1", "private_ip_address": "192.168.2.100"}]
    rules = [
        {"probe_name": None, "frontend_ip_configuration_names": ["fe1"]},
        {"probe_name": "p1", "frontend_ip_configuration_names": ["fe1"]},
    ]
    assert ports_of(frontends, [{"name": "p1", "port": Unknown}], rules) == {"192.168.2.100": set()}


@pytest.mark.parametrize("vip", [Unknown, None, ""])
def test_planned_probe_ports_skip_a_frontend_without_a_known_vip(vip: Any) -> None:
    frontends = [{"name": "fe1", "private_ip_address": vip}]
    rules = [{"probe_name": "p1", "frontend_ip_configuration_names": ["fe1"]}]
    assert ports_of(frontends, [{"name": "p1", "port": 1}], rules) == {}


def test_planned_probe_ports_of_unknown_blocks_are_empty() -> None:
    assert (
        planned_probe_ports({"frontend_ip_configuration": Unknown, "probe": Unknown, "load_balancing_rule": Unknown})
        == {}
    )
    rules = [{"probe_name": "p1", "frontend_ip_configuration_names": Unknown}]
    assert ports_of([{"name": "fe1", "private_ip_address": "10.0.0.1"}], [{"name": "p1", "port": 1}], rules) == {}
