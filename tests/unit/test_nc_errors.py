"""What the NC client's errors say: every diagnostic quotes NC's code, message, innerError, target and request id
([MS-NCNBI] 3.1.5.31), a Failed provisioning its configurationState details, a failed asynchronous operation its
status and error; and the helpers that decide what is re-PUT and what belongs to Azure Arc."""

from __future__ import annotations

import threading

import pytest

from sdn_provider.nc import (
    ArcManaged,
    KeyedLocks,
    NCError,
    OperationFailed,
    ProvisioningFailed,
    is_arc_managed,
    strip_read_only,
)


def test_nc_error_quotes_every_part_nc_sent() -> None:
    error = NCError(
        409,
        "InvalidState",
        "The resource is busy",
        target="SubnetAddress",
        request_id="rid-1",
        method="PUT",
        ref="/loadBalancers/lb1",
        inner_error="lock held by another operation",
    )
    assert str(error) == (
        "Network Controller answered 409 InvalidState: The resource is busy\n"
        "Root cause (innerError): lock held by another operation (target: SubnetAddress) [PUT /loadBalancers/lb1] "
        "(x-ms-request-id: rid-1)"
    )
    assert (error.status, error.code, error.details) == (409, "InvalidState", [])


def test_nc_error_leaves_out_what_nc_did_not_send() -> None:
    assert str(NCError(500, "Unknown", "boom")) == "Network Controller answered 500 Unknown: boom"
    repeated = NCError(400, "Bad", "bad value: detail", inner_error="detail")
    assert str(repeated) == "Network Controller answered 400 Bad: bad value: detail"


def test_provisioning_failed_lists_the_configuration_state_details() -> None:
    resource = {
        "properties": {
            "configurationState": {
                "detailedInfo": [
                    {"code": "VipInUse", "message": "192.168.2.100 is used"},
                    {"message": "no code"},
                    {"code": "OnlyCode"},
                    "not an object",
                ]
            }
        }
    }
    failed = ProvisioningFailed("/loadBalancers/lb1", resource)
    assert failed.details == ["VipInUse: 192.168.2.100 is used", "no code", "OnlyCode"]
    assert str(failed) == (
        "/loadBalancers/lb1 provisioning ended in Failed: VipInUse: 192.168.2.100 is used; no code; OnlyCode"
    )
    assert failed.ref == "/loadBalancers/lb1" and failed.resource is resource


@pytest.mark.parametrize(
    "resource",
    [{}, {"properties": None}, {"properties": {"configurationState": "x"}}, {"properties": {"configurationState": {}}}],
)
def test_provisioning_failed_without_details_never_crashes(resource: dict) -> None:
    failed = ProvisioningFailed("/loadBalancers/lb1", resource)
    assert failed.details == [] and str(failed) == "/loadBalancers/lb1 provisioning ended in Failed"


@pytest.mark.parametrize(
    ("code", "message", "operation", "text"),
    [
        (
            "Conflict",
            "in use",
            "/operationResults/1",
            "Network Controller's DELETE /lb ended Failed: Conflict: in use (operation /operationResults/1)",
        ),
        ("Conflict", "", "", "Network Controller's DELETE /lb ended Failed: Conflict"),
        ("", "in use", "", "Network Controller's DELETE /lb ended Failed: in use"),
        ("", "", "", "Network Controller's DELETE /lb ended Failed"),
    ],
)
def test_operation_failed_says_how_the_operation_ended(code: str, message: str, operation: str, text: str) -> None:
    failed = OperationFailed("DELETE", "/lb", "Failed", code, message, operation)
    assert str(failed) == text
    assert (failed.method, failed.ref, failed.status, failed.code, failed.message) == (
        "DELETE",
        "/lb",
        "Failed",
        code,
        message,
    )


def test_arc_managed_objects_are_recognised_and_refused_with_the_reason() -> None:
    assert is_arc_managed({"resourceMetadata": {"client": " network resource provider "}})
    for doc in ({"resourceMetadata": {"client": "SDN Express"}}, {"resourceMetadata": None}, {}, None, "x"):
        assert not is_arc_managed(doc)
    text = str(ArcManaged("/loadBalancers/lb1"))
    assert text.startswith('/loadBalancers/lb1 is managed by Azure Arc (resourceMetadata.client = "Network Resource')
    assert "manage it from Azure" in text


def test_strip_read_only_drops_only_the_computed_states_at_every_depth() -> None:
    doc = {
        "etag": "e",
        "properties": {
            "provisioningState": "Succeeded",
            "configurationState": {"status": "Success"},
            "items": [{"properties": {"provisioningState": "Failed", "port": 80}}, "plain"],
        },
    }
    assert strip_read_only(doc) == {"etag": "e", "properties": {"items": [{"properties": {"port": 80}}, "plain"]}}


def test_keyed_locks_are_shared_case_insensitively_and_released() -> None:
    locks = KeyedLocks()
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def holder() -> None:
        with locks.hold("/networkInterfaces/NIC1", "/loadBalancers/lb1"):
            inside.set()
            release.wait(5)
            order.append("first")

    thread = threading.Thread(target=holder)
    thread.start()
    assert inside.wait(5)

    def second() -> None:
        with locks.hold("/networkinterfaces/nic1"):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join(0.2)  # a lock that does not hold lets it through at once
    assert order == []  # the same NIC, spelled differently, waits for the first holder
    release.set()
    thread.join(5)
    waiter.join(5)
    assert order == ["first", "second"]


def test_the_client_classes_load_on_first_use_and_other_names_do_not_exist() -> None:
    import sdn_provider.nc as nc
    from sdn_provider.nc import client

    assert (nc.NCClient, nc.NCSettings) == (client.NCClient, client.NCSettings)
    with pytest.raises(AttributeError, match="^NCClients$"):
        _ = nc.NCClients
