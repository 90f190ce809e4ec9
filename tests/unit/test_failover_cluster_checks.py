"""sdn_failover_cluster's plan-time checks: each bad input gets exactly the diagnostic a user reads (severity,
summary, detail, attribute path); a good configuration gets none."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tf.types import Unknown
from tf.utils import Diagnostic, Diagnostics

from sdn_provider.resources.failover_cluster import FailoverCluster
from tests.unit.conftest import said

ERROR = Diagnostic.ERROR
GOOD = {"name": "MyCluster", "nodes": ["DB1", "DB2"], "static_address": "192.168.2.100", "ignore_networks": None}
NAME_DETAIL = (
    "is not a valid cluster name: use 1-15 letters, digits or hyphens, starting and ending with a letter or digit, "
    "not all digits (it becomes the cluster's computer object and DNS name)."
)


def validate(change: dict) -> list[tuple]:
    diags = Diagnostics()
    FailoverCluster(SimpleNamespace()).validate(diags, "sdn_failover_cluster", {**GOOD, **change})
    return said(diags)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"name": "A"},
        {"name": "db-cluster-0001"},  # 15 characters
        {"name": "9lives"},
        {"nodes": Unknown},
        {"nodes": ["DB1", Unknown]},
        {"ignore_networks": ["10.0.2.0/24", "10.0.3.1/24", Unknown]},
        {"static_address": None},
    ],
)
def test_a_good_configuration_has_no_diagnostics(change: dict) -> None:
    assert validate(change) == []


@pytest.mark.parametrize("name", ["db-cluster-00001", "-db", "db-", "1234", "my.cluster", "my_cluster", ""])
def test_a_name_windows_cannot_give_a_computer_object_is_refused(name: str) -> None:
    assert validate({"name": name}) == [(ERROR, "Invalid cluster name", f'"{name}" {NAME_DETAIL}', ["name"])]


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([], [(ERROR, "No nodes", "nodes needs at least one node: the first one creates the cluster.", ["nodes"])]),
        (["DB1", " "], [(ERROR, "Invalid node name", "Node names must not be empty.", ["nodes", (1,)])]),
        (
            [Unknown, "DB1", "db1"],  # an unknown node is skipped, not the end of the check
            [
                (
                    ERROR,
                    "Duplicate node",
                    '"db1" is listed more than once (names are case-insensitive).',
                    ["nodes", (2,)],
                )
            ],
        ),
        (
            ["DB1", "DB2", "db1"],
            [
                (
                    ERROR,
                    "Duplicate node",
                    '"db1" is listed more than once (names are case-insensitive).',
                    ["nodes", (2,)],
                )
            ],
        ),
    ],
)
def test_node_list_checks(nodes: list, expected: list) -> None:
    assert validate({"nodes": nodes}) == expected


def test_an_ignored_network_that_is_not_cidr_is_refused_at_its_index() -> None:
    assert validate({"ignore_networks": ["10.0.2.0/24", "10.0.3"]}) == [
        (
            ERROR,
            "Invalid network",
            '"10.0.3" is not an IPv4 network in CIDR form (e.g. 10.0.2.0/24).',
            ["ignore_networks", (1,)],
        )
    ]


def test_the_static_address_and_timeouts_are_checked_too() -> None:
    found = validate({"static_address": "192.168.2", "timeouts": {"create": "soon"}})
    assert [(d[1], d[3]) for d in found] == [
        ("Invalid duration", ["timeouts", "create"]),
        ("Invalid IPv4 address", ["static_address"]),
    ]
