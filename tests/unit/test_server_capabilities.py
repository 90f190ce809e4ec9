"""Server capabilities where Terraform reads them (GetProviderSchema), and destroy plans, which Terraform
sends to the provider once it advertises plan_destroy (hashicorp/terraform internal/plugin6/grpc_provider.go)."""

from __future__ import annotations

import pytest
from tf.gen import tfplugin_pb2 as pb
from tf.utils import read_dynamic_value, to_dynamic_value

from sdn_provider.framework import make_servicer_class
from sdn_provider.framework.compat import stock_servicer_class
from sdn_provider.provider import SdnProvider
from tests.unit.test_framework import _lb_config


@pytest.fixture
def servicer(tf_patched):
    return make_servicer_class()(SdnProvider())


def destroy_plan_request() -> pb.PlanResourceChange.Request:
    prior = _lb_config(resource_ref="/loadBalancers/lb1", etag='W/"1"', provisioning_state="Succeeded")
    return pb.PlanResourceChange.Request(
        type_name="sdn_load_balancer",
        prior_state=to_dynamic_value(prior),
        proposed_new_state=to_dynamic_value(None),
        config=to_dynamic_value(None),
        prior_private=b"kept",
    )


def test_get_provider_schema_advertises_plan_destroy_and_optional_schema(servicer):
    capabilities = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None).server_capabilities
    assert capabilities.plan_destroy and capabilities.get_provider_schema_optional
    metadata = servicer.GetMetadata(pb.GetMetadata.Request(), None).server_capabilities
    assert metadata == capabilities


def test_destroy_plan_is_the_null_state_with_the_private_data_kept(servicer):
    response = servicer.PlanResourceChange(destroy_plan_request(), None)
    assert not response.diagnostics
    assert read_dynamic_value(response.planned_state) is None
    assert response.planned_private == b"kept"
    assert not response.requires_replace


def test_the_stock_servicer_fails_destroy_plans():
    """Why the capability needs the servicer's own destroy path: the stock one answers with an error."""
    response = stock_servicer_class()(SdnProvider()).PlanResourceChange(destroy_plan_request(), None)
    assert response.diagnostics[0].summary == "DELETE should never be sent to PlanResourceChange"
