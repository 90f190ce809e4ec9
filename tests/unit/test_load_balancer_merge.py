"""`merge`, the body of an update's PUT, compared whole: [MS-NCNBI] 3.1.5.5's PUT replaces the object, so every key
NC returned goes back except what NC computes (refs, etags, instance IDs, provisioning state), and the lifecycle
tests, which compare PUT bodies with `merge` itself, cannot tell a wrong merge from a right one."""

from __future__ import annotations

from typing import Any

import pytest

from sdn_provider.resources.load_balancer import merge

LB = "/loadBalancers/LB1"
NAT = [{"resourceId": "In1", "properties": {"protocol": "Tcp", "frontendPort": 3389}}]


def nc_probe(**props: Any) -> dict:
    """Probe1 as NC returns it: its computed envelope, a field of a newer NC, and the given properties."""
    return {
        "resourceRef": f"{LB}/probes/Probe1",
        "resourceId": "Probe1",
        "etag": 'W/"7"',
        "instanceId": "i-2",
        "resourceMetadata": {"note": "kept"},
        "properties": {"provisioningState": "Succeeded", "futureProbeField": 7, **props},
    }


def live() -> dict:
    return {
        "resourceRef": LB,
        "resourceId": "LB1",
        "etag": 'W/"7"',
        "instanceId": "i-1",
        "tags": {"owner": "someone-else"},
        "resourceMetadata": {"client": "SDN Express"},
        "properties": {
            "provisioningState": "Succeeded",
            "probes": [nc_probe(protocol="Tcp", port=59999)],
            "inboundNatRules": NAT,
        },
    }


def desired(*probes: dict, tags: dict | None = None) -> dict:
    """A document in `to_nc`'s shape: every managed collection, only what Terraform manages."""
    collections = {"frontendIPConfigurations": [], "backendAddressPools": [], "probes": list(probes)}
    body: dict[str, Any] = {"resourceId": "LB1", "properties": {**collections, "loadBalancingRules": []}}
    return {**body, "tags": tags} if tags else body


HTTP_PROBE = {"resourceId": "Probe1", "properties": {"protocol": "Http", "port": 8080}}


def test_the_put_is_ncs_document_less_what_nc_computes_with_terraforms_children_and_tags() -> None:
    body = merge(live(), desired(HTTP_PROBE, tags={"owner": "terraform"}))
    assert body == {
        "resourceId": "LB1",
        "tags": {"owner": "terraform"},
        "resourceMetadata": {"client": "SDN Express"},
        "properties": {
            "probes": [
                {
                    "resourceMetadata": {"note": "kept"},
                    "resourceId": "Probe1",
                    "properties": {"futureProbeField": 7, "protocol": "Http", "port": 8080},
                }
            ],
            "inboundNatRules": NAT,
            "frontendIPConfigurations": [],
            "backendAddressPools": [],
            "loadBalancingRules": [],
        },
    }


def test_a_document_without_tags_or_properties_gets_terraforms_children() -> None:
    """NC may return neither: nothing is kept, and a child Terraform adds goes as planned."""
    bare = {key: value for key, value in live().items() if key not in ("tags", "properties")}
    assert merge(bare, desired(HTTP_PROBE)) == {
        "resourceId": "LB1",
        "resourceMetadata": {"client": "SDN Express"},
        "properties": desired(HTTP_PROBE)["properties"],
    }


@pytest.mark.parametrize("name", ["None", "XXXX"])
def test_a_child_nc_returns_without_a_name_lends_nothing_to_a_planned_one(name: str) -> None:
    """Whatever the planned child is called ("None" is what str() makes of a missing name)."""
    nameless = {key: value for key, value in nc_probe(protocol="Tcp").items() if key != "resourceId"}
    document = {**live(), "properties": {"probes": [nameless]}}
    planned = {"resourceId": name, "properties": {"protocol": "Http", "port": 8080}}
    assert merge(document, desired(planned))["properties"]["probes"] == [planned]


def test_what_a_rule_no_longer_names_or_sets_is_dropped_and_the_rest_of_ncs_rule_kept() -> None:
    """A rule whose probe, backend pool and idle timeout the configuration dropped goes without them (a kept link
    would leave the old probe in charge); what the provider does not model stays."""
    rule = {"resourceId": "Rule1", "properties": {"protocol": "Tcp", "frontendPort": 1433, "futureRuleField": 1}}
    rule["properties"] |= {
        "idleTimeoutInMinutes": 10,
        "frontendIPConfigurations": [{"resourceRef": f"{LB}/frontendIPConfigurations/FE1"}],
        "backendAddressPool": {"resourceRef": f"{LB}/backendAddressPools/Pool1"},
        "probe": {"resourceRef": f"{LB}/probes/Probe1"},
    }
    document = {**live(), "properties": {"loadBalancingRules": [rule]}}
    planned_rule = {
        "resourceId": "Rule1",
        "properties": {
            "protocol": "Tcp",
            "frontendPort": 1433,
            "frontendIPConfigurations": [{"resourceRef": f"{LB}/frontendIPConfigurations/FE1"}],
        },
    }
    plan = desired()
    plan["properties"]["loadBalancingRules"] = [planned_rule]
    [sent] = merge(document, plan)["properties"]["loadBalancingRules"]
    assert sent == {"resourceId": "Rule1", "properties": {"futureRuleField": 1, **planned_rule["properties"]}}
