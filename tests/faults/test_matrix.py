"""The fault matrix: declared faults through real terraform against the emulator, each with its expected outcome.

Each case applies its starting configuration, arms one fault, runs one command (apply, plan or destroy) and
requires three things: the fault fired (proved from what the emulator saw: the recorded request that hit it, a
resource left Failed/Updating, a node that was down while the other node served, a diagnostic quoting the
injected message); the outcome is the declared one ("succeeded": exit status 0 and no error, the fault retried
or tolerated; or "surfaced": an error diagnostic, on stderr, matching the named cause); and Terraform's state
equals the emulator BY VALUE (VIP, mask, probe port and interval, rule fields, floating IP, memberships, cluster
nodes, every cluster IP parameter). Then the fault is cleared, a second apply must converge to an empty plan
with state still equal to the emulator, and the case destroys what it made. One emulator and one reattached
provider serve the whole file; every case leaves the emulator at its seed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from sdn_emulator.control.client import ControlClient
from sdn_emulator.model.errors import INJECTED_CODES
from sdn_provider.cluster.transport import close_connections
from tests.configs import NICS, SUBNET, cluster_hcl, cluster_provider, ip_hcl, seed_lb
from tests.faults.conftest import record
from tests.harness import Emulator, Terraform
from tests.observe import sh

LB = "Fault_VIP"
LB_REF = f"/loadBalancers/{LB}"
NIC_REF = f"/networkInterfaces/{NICS[0]}"
DETAIL = "InjectedDetail-VipProgrammingFailed"
# Short limits so faults surface in seconds: a slow answer comes after 3 s, past request_timeout.
RETRIES = 3
LIMITS = f'request_timeout = 1\n  max_retries = {RETRIES}\n  operation_timeout = "4s"'
SUCCEEDED, SURFACED = "succeeded", "surfaced"
PERSISTENT = 50  # more failures than any retry budget


# -- configurations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LbValues:
    vip: str
    probe_port: int
    interval: int
    frontend_port: int
    backend_port: int
    idle_timeout: int
    floating_ip: bool


V1 = LbValues("192.168.2.120", 59999, 5, 1433, 1433, 4, True)
# Every managed value differs, so a mapping that swaps or drops a field shows up as a mismatch.
V2 = LbValues("192.168.2.121", 59998, 10, 1434, 1435, 5, False)


def lb_hcl(v: LbValues = V1) -> str:
    return seed_lb(
        LB,
        vip=v.vip,
        probe_port=v.probe_port,
        interval=v.interval,
        subnet=SUBNET,
        frontend_port=v.frontend_port,
        backend_port=v.backend_port,
        idle_timeout=v.idle_timeout,
        floating_ip=v.floating_ip,
    )


def member_hcl(nic: str) -> str:
    return f"""
resource "sdn_backend_pool_member" "m" {{
  network_interface_id     = "{nic}"
  backend_address_pool_ref = sdn_load_balancer.lb.backend_address_pool_refs["Backend1"]
}}
"""


def data_hcl(kind: str) -> str:
    ids = {"sdn_virtual_network": "MyNetwork", "sdn_network_interface": NICS[0], "sdn_load_balancer": LB}
    return f'\ndata "{kind}" "d" {{\n  resource_id = "{ids[kind]}"\n}}\n'


#: family -> (before, v1, v2): "create" goes before -> v1, "update" v1 -> v2, "delete" v1 -> before.
CONFIGS: dict[str, tuple[str, str, str]] = {
    "lb": ("", lb_hcl(V1), lb_hcl(V2)),
    "member": (lb_hcl(), lb_hcl() + member_hcl(NICS[0]), lb_hcl() + member_hcl(NICS[1])),
    "cluster": ("", cluster_hcl(nodes=("DB1",)), cluster_hcl(nodes=("DB1", "DB2"))),
    "cluster2": ("", cluster_hcl(nodes=("DB1", "DB2")), ""),  # a member to fall back on
    "ip": (cluster_hcl(), cluster_hcl() + ip_hcl(59999), cluster_hcl() + ip_hcl(59998)),
    # plan-time reads: the cluster IP's probe-port cross-check reads the load balancers
    "ip_vs_lb": (cluster_hcl() + lb_hcl(), cluster_hcl() + lb_hcl() + ip_hcl(59999), ""),
    "vnet_data": ("", data_hcl("sdn_virtual_network"), ""),
    "nic_data": ("", data_hcl("sdn_network_interface"), ""),
    "lb_data": (lb_hcl(), lb_hcl() + data_hcl("sdn_load_balancer"), ""),
}
#: op -> (start config index, target config index, terraform command)
OPS = {
    "create": (0, 1, "apply"),
    "update": (1, 2, "apply"),
    "delete": (1, 0, "apply"),
    "refresh": (1, 1, "apply"),
    "plan": (0, 1, "plan"),
    "plan-refresh": (1, 1, "plan"),
    "read": (0, 1, "apply"),  # a data source
    "destroy": (1, 1, "destroy"),
}


# -- what the emulator saw --------------------------------------------------------------------------
@dataclass
class World:
    emu: Emulator
    control: ControlClient


@dataclass
class Observed:
    """The faulted command and what the emulator saw meanwhile (taken before the fault is cleared)."""

    proc: Any
    requests: list[dict]
    commands_before: dict[str, int]
    commands_after: dict[str, int]
    nodes_down: set[str]
    resources: dict[str, dict | None] = field(default_factory=dict)

    @property
    def errors(self) -> str:
        """Terraform's error diagnostics only (stderr), whitespace collapsed: never the plan text on stdout."""
        return " ".join(self.proc.stderr.split())

    def ran(self, node: str) -> int:
        return self.commands_after.get(node, 0) - self.commands_before.get(node, 0)


Arm = Callable[[World], None]
Proof = Callable[[Observed], str]  # "" when the fault demonstrably fired, else why not


def _inject(emu: Emulator, kind: str, **params: object) -> None:
    emu.admin("POST", "faults", {"kind": kind, **params})


def nc_fault(kind: str, method: str, collection: str, count: int = 1, **extra: object) -> Arm:
    return lambda w: _inject(w.emu, kind, method=method, collection=collection, count=count, **extra)


def by_ref(kind: str, ref: str, **extra: object) -> Arm:
    return lambda w: _inject(w.emu, kind, resourceRef=ref, **extra)


def guest_fault(kind: str, **params: object) -> Arm:
    return lambda w: _inject(w.emu, kind, **params)


def _collection(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[2].lower() if len(parts) > 2 else ""


def hits(kind: str, method: str, collection: str, at_least: int = 1, status: int | None = None) -> Proof:
    """Recorded NC requests that hit the fault (the emulator names the fault kind in each record)."""

    def proof(seen: Observed) -> str:
        hit = [
            r
            for r in seen.requests
            if r["fault"] == kind and r["method"] == method and _collection(r["path"]) == collection.lower()
        ]
        if len(hit) < at_least:
            return f"{len(hit)} {method} {collection} request(s) hit {kind}, expected >= {at_least}"
        if status is not None and any(r["status"] != status for r in hit):
            return f"{kind} hit requests answered {[r['status'] for r in hit]}, expected {status}"
        return ""

    return proof


def left(ref: str, *states: str) -> Proof:
    """The resource was left in one of ``states`` by the faulted command (a held or failed provisioning)."""

    def proof(seen: Observed) -> str:
        doc = seen.resources.get(ref)
        state = doc["properties"]["provisioningState"] if doc else "absent"
        return "" if state in states else f"{ref} is {state}, expected one of {states}"

    return proof


def said(token: str) -> Proof:
    """The injected message (unique to the case) came back: only the fault could have produced it."""
    return lambda seen: "" if token in seen.errors else f"{token!r} is not in the diagnostics"


def served_by_other(down: str, other: str) -> Proof:
    """``down`` was off for the whole command and ``other`` ran the commands instead."""

    def proof(seen: Observed) -> str:
        if down not in seen.nodes_down:
            return f"{down} was up"
        if seen.ran(down) or not seen.ran(other):
            return f"commands run: {down}={seen.ran(down)} {other}={seen.ran(other)}"
        return ""

    return proof


def down_and_named(node: str) -> Proof:
    def proof(seen: Observed) -> str:
        if node not in seen.nodes_down:
            return f"{node} was up"
        named = re.search(rf"cannot reach WinRM endpoint .*\(node {node}\)", seen.errors)
        return "" if named else f"{node} is not named unreachable"

    return proof


# -- the cases --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    family: str
    op: str
    arm: Arm
    expect: str
    proof: Proof
    cause: str = ""  # regex an error diagnostic must match when the outcome is "surfaced"
    watch: tuple[str, ...] = ()  # NC resources whose provisioningState the proof reads

    @property
    def id(self) -> str:
        return f"{self.name}-{self.op}-{self.family}"


def status_case(family: str, op: str, method: str, collection: str, status: int, persistent: bool = False) -> Case:
    """An NC status answer: twice (retried, then succeeds), or on every attempt (surfaces after the retries)."""
    count = PERSISTENT if persistent else 2
    return Case(
        f"http_{status}{'_persistent' if persistent else ''}",
        family,
        op,
        nc_fault("fail_next", method, collection, count, status=status),
        SURFACED if persistent else SUCCEEDED,
        hits("fail_next", method, collection, RETRIES + 1 if persistent else 2),
        cause=rf"Network Controller answered {status} {INJECTED_CODES[status]}",
    )


def transport_case(kind: str, family: str, op: str, method: str, collection: str, **extra: object) -> Case:
    """A transport fault once: the request is retried (a landed write recognised) and the command succeeds."""
    name = {"drop_next": "dropped", "drop_after_next": "answer_lost", "slow_next": "timed_out"}[kind]
    return Case(
        name, family, op, nc_fault(kind, method, collection, **extra), SUCCEEDED, hits(kind, method, collection)
    )


def race_case(family: str, op: str) -> Case:
    """Another client's write lands just before our NIC/LB PUT: a genuine 412 (only if we sent If-Match), re-read,
    retried."""
    collection = "loadBalancers" if family == "lb" else "networkInterfaces"
    return Case(
        "concurrent_write",
        family,
        op,
        nc_fault("concurrent_write_next", "PUT", collection),
        SUCCEEDED,
        hits("concurrent_write_next", "PUT", collection, status=412),
    )


def command_case(family: str, op: str, script: str, node: str = "*") -> Case:
    token = f"InjectedRpcFailure-{family}-{op}"
    return Case(
        "cmdlet_failure",
        family,
        op,
        guest_fault("fail_command", node=node, script=script, message=f"{token}: The RPC server is unavailable"),
        SURFACED,
        said(token),
        cause=re.escape(token),
    )


def node_down(family: str, op: str, expect: str) -> Case:
    """DB1 powered off: served by the other member where there is one, else an error naming DB1."""
    proof = served_by_other("DB1", "DB2") if expect == SUCCEEDED else down_and_named("DB1")
    cause = r"cannot reach WinRM endpoint .*\(node DB1\)"
    return Case("node_down", family, op, guest_fault("stop_node", node="DB1"), expect, proof, cause)


STUCK = r"did not finish provisioning in time|did not finish in time"


def provisioning_failed(family: str, op: str, ref: str) -> Case:
    """NC accepts the write, then provisioning of ``ref`` ends Failed with DETAIL: surfaced, and NC shows Failed."""
    return Case(
        "provisioning_failed",
        family,
        op,
        by_ref("provisioning_outcome", ref, detail=DETAIL),
        SURFACED,
        left(ref, "Failed"),
        re.escape(DETAIL),
        (ref,),
    )


def stuck(family: str, op: str, ref: str, state: str) -> Case:
    """NC keeps ``ref`` Updating or Deleting past the operation's timeout: surfaced, and NC still shows it so."""
    name = "stuck_deleting" if state == "Deleting" else "stuck_updating"
    return Case(name, family, op, by_ref("hold_provisioning", ref), SURFACED, left(ref, state), STUCK, (ref,))


CASES_LIST = [
    # NC answers 5xx/429 a few times: retried, the command succeeds
    status_case("lb", "create", "PUT", "loadBalancers", 503),
    status_case("lb", "update", "PUT", "loadBalancers", 429),
    status_case("lb", "delete", "DELETE", "loadBalancers", 500),
    status_case("lb", "refresh", "GET", "loadBalancers", 503),
    status_case("member", "create", "PUT", "networkInterfaces", 503),
    status_case("member", "delete", "PUT", "networkInterfaces", 500),
    status_case("member", "refresh", "GET", "networkInterfaces", 429),
    status_case("member", "update", "GET", "networkInterfaces", 502),
    # ... or on every attempt: surfaced with NC's status once the retries are spent
    status_case("lb", "create", "PUT", "loadBalancers", 503, persistent=True),
    status_case("lb", "delete", "DELETE", "loadBalancers", 500, persistent=True),
    status_case("lb", "refresh", "GET", "loadBalancers", 503, persistent=True),
    status_case("member", "update", "PUT", "networkInterfaces", 503, persistent=True),
    status_case("member", "refresh", "GET", "networkInterfaces", 500, persistent=True),
    # a connection closed before the answer; a write processed whose answer was lost; an answer past the timeout
    transport_case("drop_next", "lb", "create", "PUT", "loadBalancers"),
    transport_case("drop_next", "lb", "refresh", "GET", "loadBalancers"),
    transport_case("drop_next", "member", "delete", "PUT", "networkInterfaces"),
    transport_case("drop_after_next", "lb", "create", "PUT", "loadBalancers"),
    transport_case("drop_after_next", "lb", "update", "PUT", "loadBalancers"),
    transport_case("drop_after_next", "lb", "delete", "DELETE", "loadBalancers"),
    transport_case("drop_after_next", "member", "create", "PUT", "networkInterfaces"),
    transport_case("drop_after_next", "member", "delete", "PUT", "networkInterfaces"),
    transport_case("slow_next", "lb", "create", "PUT", "loadBalancers", seconds=3),
    transport_case("slow_next", "lb", "refresh", "GET", "loadBalancers", seconds=3),
    transport_case("slow_next", "member", "update", "PUT", "networkInterfaces", seconds=3),
    transport_case("slow_next", "lb", "delete", "DELETE", "loadBalancers", seconds=3),
    Case(
        "dropped_persistent",
        "member",
        "create",
        nc_fault("drop_next", "PUT", "networkInterfaces", PERSISTENT),
        SURFACED,
        hits("drop_next", "PUT", "networkInterfaces", RETRIES + 1),
        cause=r"cannot reach Network Controller",
    ),
    Case(
        "timed_out_persistent",
        "lb",
        "refresh",
        nc_fault("slow_next", "GET", "loadBalancers", PERSISTENT, seconds=1.5),
        SURFACED,
        hits("slow_next", "GET", "loadBalancers", RETRIES + 1),
        cause=r"cannot reach Network Controller .*timed out",
    ),
    # another writer between our GET and PUT: a real 412, re-read and retried
    race_case("lb", "update"),
    race_case("member", "create"),
    race_case("member", "delete"),
    Case(
        "concurrent_write_persistent",
        "member",
        "update",
        nc_fault("concurrent_write_next", "PUT", "networkInterfaces", PERSISTENT),
        SURFACED,
        hits("concurrent_write_next", "PUT", "networkInterfaces", 2, status=412),
        cause=r"Network Controller answered 412 PreconditionFailed",
    ),
    # NC accepts the write, then provisioning fails or never finishes
    provisioning_failed("lb", "create", LB_REF),
    provisioning_failed("lb", "update", LB_REF),
    provisioning_failed("member", "create", NIC_REF),
    stuck("lb", "update", LB_REF, "Updating"),
    stuck("member", "create", NIC_REF, "Updating"),
    stuck("lb", "delete", LB_REF, "Deleting"),
    Case(
        "delete_failed",
        "lb",
        "delete",
        by_ref("fail_delete", LB_REF, code="InternalError", message="InjectedDeleteFailure"),
        SURFACED,
        left(LB_REF, "Failed"),
        cause=r"InjectedDeleteFailure",
        watch=(LB_REF,),
    ),
    # plan-time reads: the VIP-in-subnet check, the NIC's default ip configuration, the probe-port cross-check
    status_case("lb", "plan", "GET", "virtualNetworks", 503),
    Case(
        "http_503_persistent",
        "lb",
        "plan",
        nc_fault("fail_next", "GET", "virtualNetworks", PERSISTENT, status=503),
        SUCCEEDED,  # advice only: the plan goes on, apply reports NC's own error
        hits("fail_next", "GET", "virtualNetworks", RETRIES + 1),
    ),
    transport_case("drop_next", "member", "plan", "GET", "networkInterfaces"),
    status_case("member", "plan-refresh", "GET", "networkInterfaces", 503, persistent=True),
    transport_case("slow_next", "ip_vs_lb", "plan", "GET", "loadBalancers", seconds=3),
    # data sources
    status_case("vnet_data", "read", "GET", "virtualNetworks", 503),
    status_case("vnet_data", "read", "GET", "virtualNetworks", 503, persistent=True),
    transport_case("drop_after_next", "nic_data", "read", "GET", "networkInterfaces"),
    status_case("lb_data", "read", "GET", "loadBalancers", 500, persistent=True),
    # the failover cluster and its IP over WinRM: a cmdlet fails on the node
    command_case("cluster", "create", "new_cluster"),
    command_case("cluster", "update", "add_cluster_node"),
    command_case("cluster", "delete", "remove_cluster"),
    command_case("ip", "create", "set_cluster_ip_address"),
    command_case("ip", "update", "set_cluster_ip_address"),
    command_case("ip", "delete", "set_cluster_ip_address"),
    command_case("cluster", "refresh", "get_cluster"),
    Case(
        "cmdlet_failure_first_member",
        "cluster2",
        "refresh",
        guest_fault("fail_command", node="DB1", script="get_cluster"),
        SUCCEEDED,  # the next member answers
        lambda seen: (
            "" if seen.ran("DB1") and seen.ran("DB2") else f"commands run: DB1={seen.ran('DB1')} DB2={seen.ran('DB2')}"
        ),
    ),
    # a node powered off during plan, apply and destroy
    node_down("cluster2", "plan-refresh", SUCCEEDED),
    node_down("ip", "plan-refresh", SUCCEEDED),  # read through DB2, with a warning (issue 13, item 2)
    node_down("cluster", "update", SURFACED),
    node_down("ip", "update", SURFACED),
    node_down("ip", "destroy", SURFACED),
    node_down("cluster2", "destroy", SUCCEEDED),
]
CASES = [pytest.param(c, id=c.id) for c in CASES_LIST]


# -- state versus the emulator, by value -------------------------------------------------------------
def _lower(value: Any) -> str:
    return str(value or "").lower()


def _last(ref: Any) -> str:
    return _lower(ref).rsplit("/", 1)[-1]


def lb_from_state(v: dict) -> tuple:
    return (
        _lower(v["resource_id"]),
        tuple(
            sorted(
                (_lower(f["name"]), f["private_ip_address"], _lower(f["subnet_ref"]))
                for f in v["frontend_ip_configuration"]
            )
        ),
        tuple(sorted(_lower(p["name"]) for p in v["backend_address_pool"])),
        tuple(
            sorted(
                (_lower(p["name"]), _lower(p["protocol"]), p["port"], p["interval_in_seconds"], p["number_of_probes"])
                for p in v["probe"]
            )
        ),
        tuple(
            sorted(
                (
                    _lower(r["name"]),
                    _lower(r["protocol"]),
                    r["frontend_port"],
                    r["backend_port"],
                    r["idle_timeout_in_minutes"],
                    bool(r["enable_floating_ip"]),
                    _lower(r["probe_name"]),
                    _lower(r["backend_address_pool_name"]),
                    tuple(sorted(_lower(n) for n in r["frontend_ip_configuration_names"])),
                )
                for r in v["load_balancing_rule"]
            )
        ),
    )


def lb_from_nc(lb: dict) -> tuple:
    p = lb["properties"]
    return (
        _lower(lb["resourceId"]),
        tuple(
            sorted(
                (
                    _lower(f["resourceId"]),
                    f["properties"].get("privateIPAddress"),
                    _lower((f["properties"].get("subnet") or {}).get("resourceRef")),
                )
                for f in p.get("frontendIPConfigurations", [])
            )
        ),
        tuple(sorted(_lower(b["resourceId"]) for b in p.get("backendAddressPools", []))),
        tuple(
            sorted(
                (
                    _lower(x["resourceId"]),
                    _lower(x["properties"]["protocol"]),
                    x["properties"]["port"],
                    x["properties"]["intervalInSeconds"],
                    x["properties"]["numberOfProbes"],
                )
                for x in p.get("probes", [])
            )
        ),
        tuple(
            sorted(
                (
                    _lower(r["resourceId"]),
                    _lower(r["properties"]["protocol"]),
                    r["properties"]["frontendPort"],
                    r["properties"]["backendPort"],
                    r["properties"].get("idleTimeoutInMinutes"),
                    bool(r["properties"].get("enableFloatingIP")),
                    _last((r["properties"].get("probe") or {}).get("resourceRef")),
                    _last((r["properties"].get("backendAddressPool") or {}).get("resourceRef")),
                    tuple(sorted(_last(f["resourceRef"]) for f in r["properties"].get("frontendIPConfigurations", []))),
                )
                for r in p.get("loadBalancingRules", [])
            )
        ),
    )


IP_FIELDS = {
    "address": "Address",
    "probe_port": "ProbePort",
    "subnet_mask": "SubnetMask",
    "network": "Network",
    "enable_dhcp": "EnableDhcp",
}


def _ip_value(name: str, value: Any) -> Any:
    if name == "enable_dhcp":
        return bool(int(value)) if isinstance(value, (int, str)) and str(value).isdigit() else bool(value)
    if name == "probe_port":
        return int(value or 0)
    return str(value or "")


def _state_resources(tf: Terraform) -> list[dict]:
    """Every managed resource in state (root module and children), with its ``tainted`` mark."""
    found: list[dict] = []

    def walk(module: dict) -> None:
        found.extend(r for r in module.get("resources", []) if r.get("mode") == "managed")
        for child in module.get("child_modules", []):
            walk(child)

    walk(tf.state().get("values", {}).get("root_module", {}))
    return found


def _member(v: dict) -> tuple:
    return (_lower(v["network_interface_id"]), _lower(v["ip_configuration_id"]), _lower(v["backend_address_pool_ref"]))


VIEWS: dict[str, tuple[str, Callable[[dict], Any]]] = {
    "load_balancers": ("sdn_load_balancer", lb_from_state),
    "members": ("sdn_backend_pool_member", _member),
    "clusters": ("sdn_failover_cluster", lambda v: (_lower(v["name"]), tuple(sorted(n.upper() for n in v["nodes"])))),
    "cluster_ip": ("sdn_cluster_ip_address", lambda v: {name: _ip_value(name, v[name]) for name in IP_FIELDS}),
}


def state_view(tf: Terraform) -> tuple[dict, dict]:
    """(the state's objects shaped like inventory_view, the tainted ones among them)."""
    resources = _state_resources(tf)
    view, tainted = {}, {}
    for key, (kind, shape) in VIEWS.items():
        mine = [r for r in resources if r["type"] == kind]
        view[key] = sorted((shape(r["values"]) for r in mine), key=repr)
        tainted[key] = [shape(r["values"]) for r in mine if r.get("tainted")]
    return view, tainted


def inventory_view(world: World, managed_ip: bool) -> dict:
    """The emulator's objects, shaped like state_view. The cluster IP's parameters are read through a node that is
    up; when state manages none, the emulator's must be the seed's (no ProbePort): destroy restored them."""
    inv = world.emu.admin("GET", "inventory")
    members = sorted(
        (_lower(nic["resourceId"]), _lower(ipc["resourceId"]), _lower(pool["resourceRef"]))
        for nic in inv["networkInterfaces"]
        for ipc in nic["properties"]["ipConfigurations"]
        for pool in ipc["properties"].get("loadBalancerBackendAddressPools") or []
    )
    guests = world.control.topology()
    clusters: dict[str, list[str]] = {}
    for node in guests.nodes:
        if node.cluster:
            clusters.setdefault(node.cluster.lower(), []).append(node.name.upper())
    cluster_ip = []
    up = [n.name for n in guests.nodes if n.state == "Up" and n.cluster]
    if up:
        params = sh(world.emu, up[-1], "get_cluster_resource", resource_name="Cluster IP Address")["parameters"]
        values = {name: _ip_value(name, params.get(key)) for name, key in IP_FIELDS.items()}
        if managed_ip or values["probe_port"]:
            cluster_ip.append(values)
    return {
        "load_balancers": sorted((lb_from_nc(lb) for lb in inv["loadBalancers"]), key=repr),
        "members": sorted(members, key=repr),
        "clusters": sorted(((name, tuple(sorted(nodes))) for name, nodes in clusters.items()), key=repr),
        "cluster_ip": cluster_ip,
    }


def mismatch(tf: Terraform, world: World) -> str:
    """State versus the emulator. A tainted object NC does not have is an unconfirmed write (the connection broke
    after the request went out): kept on purpose so nothing is orphaned, and settled by the next refresh."""
    state, tainted = state_view(tf)
    inventory = inventory_view(world, bool(state["cluster_ip"]))
    for key, entries in tainted.items():
        state[key] = [e for e in state[key] if e not in entries or e in inventory[key]]
    return "" if state == inventory else f"state {state} != emulator {inventory}"


EMPTY = {"load_balancers": [], "members": [], "clusters": [], "cluster_ip": []}


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(emulator: Emulator) -> Iterator[World]:
    with ControlClient(emulator.info["control"]) as client:
        yield World(emulator, client)


def _provider(emu: Emulator) -> str:
    return cluster_provider(emu).replace('provider "sdn" {\n', f'provider "sdn" {{\n  {LIMITS}\n', 1)


def force_clean(emu: Emulator) -> None:
    """Out-of-band cleanup after a failed case, so one failure does not cascade into the next cases."""
    for nic in emu.list("networkInterfaces"):
        ipcs = nic["properties"]["ipConfigurations"]
        if any(ipc["properties"].get("loadBalancerBackendAddressPools") for ipc in ipcs):
            for ipc in ipcs:
                ipc["properties"]["loadBalancerBackendAddressPools"] = []
            emu.put(f"/networkInterfaces/{nic['resourceId']}", nic)
    for lb in emu.list("loadBalancers"):
        emu.delete(f"/loadBalancers/{lb['resourceId']}")
    for node in ("DB1", "DB2"):
        info = sh(emu, node, "get_cluster")
        if info.get("exists"):
            sh(emu, node, "remove_cluster", cluster=info["name"])


def _clear(emu: Emulator) -> None:
    _inject(emu, "clear_faults")
    _inject(emu, "start_node", node="DB1")


@pytest.fixture
def clean(world: World) -> Iterator[None]:
    """Faults cleared and the emulator at its seed before and after every case."""
    _clear(world.emu)
    yield
    _clear(world.emu)
    if inventory_view(world, False) != EMPTY:
        force_clean(world.emu)
    close_connections()


def run_command(tf: Terraform, command: str) -> Any:
    if command == "plan":
        return tf.plan()
    if command == "destroy":
        return tf.destroy(check=False)
    return tf.apply(check=False)


def outcome(case: Case, proc: Any, errors: str) -> str:
    ok = proc.returncode in ((0, 2) if OPS[case.op][2] == "plan" else (0,))
    if ok and "Error:" not in errors:
        return SUCCEEDED
    blocks = [b for b in re.split(r"(?:^| )(?=Error: )", errors) if b.startswith("Error: ")]
    if not ok and case.cause and any(re.search(case.cause, b) for b in blocks):
        return SURFACED
    return "unexplained"


def observe(case: Case, tf: Terraform, world: World) -> Observed:
    before = dict(world.control.counters().winrm_commands)
    world.emu.admin("POST", "requests/reset")
    case.arm(world)
    proc = run_command(tf, OPS[case.op][2])
    down = {n.name for n in world.control.topology().nodes if n.state != "Up"}
    seen = Observed(
        proc,
        world.emu.admin("GET", "requests")["requests"],
        before,
        dict(world.control.counters().winrm_commands),
        down,
    )
    seen.resources = {ref: world.emu.get(ref) for ref in case.watch}
    return seen


@pytest.mark.parametrize("case", CASES)
def test_fault(case: Case, tf: Terraform, world: World, clean: None) -> None:
    provider = _provider(world.emu)
    configs = CONFIGS[case.family]
    start, target, _ = OPS[case.op]
    if configs[start]:
        tf.write(provider + configs[start])
        tf.apply()

    tf.write(provider + configs[target])
    seen = observe(case, tf, world)
    not_fired = case.proof(seen)
    got = outcome(case, seen.proc, seen.errors)
    first = mismatch(tf, world)

    _clear(world.emu)
    second = tf.apply(check=False)
    converged = second.returncode == 0 and tf.plan().returncode == 0
    after = mismatch(tf, world)
    record(
        {"case": case.id, "fired": not not_fired, "outcome": got, "expected": case.expect, "mismatch": first or after}
    )

    tf.write(provider)
    tf.apply()
    output = f"{seen.proc.stdout}\n{seen.proc.stderr}"
    assert not not_fired, f"the fault did not fire as declared: {not_fired}\n{output}"
    assert got == case.expect, f"expected {case.expect} (/{case.cause}/), got {got}:\n{output}"
    assert not first, f"after the faulted command: {first}\n{output}"
    assert converged, f"the apply after clearing the fault did not converge:\n{second.stdout}\n{second.stderr}"
    assert not after, f"after the second apply: {after}"
    assert inventory_view(world, False) == EMPTY, "destroy left something behind"
