"""The fault matrix: every fault x operation x resource through real terraform against the emulator.

Each case: apply the starting configuration, arm one fault, run the operation (create / update / delete /
read = refresh), and require that the apply either succeeded despite the fault ("retried") or failed with a
diagnostic naming the cause ("surfaced"). Either way Terraform's state must equal the emulator's inventory
(load balancers, pool memberships, clusters, cluster IP parameters), and once the fault is cleared a
second apply converges to an empty plan. One emulator and one reattached provider serve a whole worker;
every case destroys what it made and checks the emulator is back to the seed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from sdn_emulator.control.client import ControlClient
from sdn_provider.cluster.transport import close_connections
from tests.e2e.test_cluster import cluster_hcl, cluster_provider, ip_hcl, sh
from tests.e2e.test_load_balancer import seed_lb
from tests.faults.conftest import record
from tests.harness import Emulator, Terraform

NICS = ("ClusterNode1_Network-Adapter", "ClusterNode2_Network-Adapter")
SUBNET = "/virtualNetworks/MyNetwork/subnets/Subnet2"
LB = "Fault_VIP"
LB_REF = f"/loadBalancers/{LB}"
POOL = f"{LB_REF}/backendAddressPools/Backend1"
DETAIL = "InjectedDetail-VipProgrammingFailed"
RPC = "The RPC server is unavailable"
# Short limits so faults surface in seconds: the slow fault answers after 3 s, past request_timeout.
LIMITS = 'request_timeout = 1\n  max_retries = 3\n  operation_timeout = "4s"'
OPS = ("create", "update", "delete", "read")


# -- configurations: (before, v1, v2) per resource; "delete" goes v1 -> before, "update" v1 -> v2 ------
def _lb(interval: int = 5) -> str:
    return seed_lb(LB, vip="192.168.2.120", interval=interval, subnet=SUBNET)


def _member(nic: str) -> str:
    return f"""
resource "sdn_backend_pool_member" "m" {{
  network_interface_id     = "{nic}"
  backend_address_pool_ref = sdn_load_balancer.lb.backend_address_pool_refs["Backend1"]
}}
"""


CONFIGS: dict[str, tuple[str, str, str]] = {
    "sdn_load_balancer": ("", _lb(5), _lb(10)),
    "sdn_backend_pool_member": (_lb(), _lb() + _member(NICS[0]), _lb() + _member(NICS[1])),
    "sdn_failover_cluster": ("", cluster_hcl(nodes=("DB1",)), cluster_hcl(nodes=("DB1", "DB2"))),
    "sdn_cluster_ip_address": (cluster_hcl(), cluster_hcl() + ip_hcl(59999), cluster_hcl() + ip_hcl(59998)),
}
NC_RESOURCES = ("sdn_load_balancer", "sdn_backend_pool_member")
CLUSTER_RESOURCES = ("sdn_failover_cluster", "sdn_cluster_ip_address")
NC_TARGET = {
    "sdn_load_balancer": ("loadBalancers", LB_REF),
    "sdn_backend_pool_member": ("networkInterfaces", f"/networkInterfaces/{NICS[0]}"),
}
# The HTTP verb an operation sends to its collection (removing a membership is a PUT of the NIC).
VERB = {("sdn_load_balancer", "delete"): "DELETE"}
SCRIPT = {
    ("sdn_failover_cluster", "create"): "new_cluster",
    ("sdn_failover_cluster", "update"): "add_cluster_node",
    ("sdn_failover_cluster", "delete"): "remove_cluster",
    ("sdn_failover_cluster", "read"): "get_cluster",
    ("sdn_cluster_ip_address", "read"): "get_cluster_resource",
}


def verb(resource: str, op: str) -> str:
    return VERB.get((resource, op)) or ("GET" if op == "read" else "PUT")


@dataclass(frozen=True)
class Fault:
    name: str
    resources: tuple[str, ...]
    ops: tuple[str, ...]
    cause: str  # regex a surfaced diagnostic must match
    arm: Callable[[Emulator, str, str], None]
    no_refresh: bool = False  # run update/delete with -refresh=false (the etag goes stale behind the client)


def _inject(emu: Emulator, kind: str, **params: object) -> None:
    emu.admin("POST", "faults", {"kind": kind, **params})


def _http(status: int, count: int) -> Callable[[Emulator, str, str], None]:
    def arm(emu: Emulator, resource: str, op: str) -> None:
        _inject(
            emu, "fail_next", method=verb(resource, op), collection=NC_TARGET[resource][0], status=status, count=count
        )

    return arm


def _transport(kind: str, **extra: object) -> Callable[[Emulator, str, str], None]:
    def arm(emu: Emulator, resource: str, op: str) -> None:
        _inject(emu, kind, method=verb(resource, op), collection=NC_TARGET[resource][0], **extra)

    return arm


def _by_ref(kind: str, **extra: object) -> Callable[[Emulator, str, str], None]:
    def arm(emu: Emulator, resource: str, op: str) -> None:
        _inject(emu, kind, resourceRef=NC_TARGET[resource][1], **extra)

    return arm


def _stop_node(emu: Emulator, resource: str, op: str) -> None:
    _inject(emu, "stop_node", node="DB1")


def _fail_command(emu: Emulator, resource: str, op: str) -> None:
    _inject(emu, "fail_command", node="*", script=SCRIPT.get((resource, op), "set_cluster_ip_address"))


FAULTS = (
    Fault("http_500", NC_RESOURCES, OPS, r"\b500\b", _http(500, 2)),
    Fault("http_503", NC_RESOURCES, OPS, r"\b503\b", _http(503, 2)),
    Fault("http_429", NC_RESOURCES, OPS, r"\b429\b", _http(429, 2)),
    Fault("http_503_persistent", NC_RESOURCES, OPS, r"503 ServiceUnavailable", _http(503, 50)),
    Fault("dropped_connection", NC_RESOURCES, OPS, r"cannot reach Network Controller", _transport("drop_next")),
    Fault(
        "slow_response",
        NC_RESOURCES,
        OPS,
        r"timed out|cannot reach Network Controller",
        _transport("slow_next", seconds=3),
    ),
    Fault(
        "provisioning_failed",
        NC_RESOURCES,
        ("create", "update", "delete"),
        re.escape(DETAIL),
        _by_ref("provisioning_outcome", detail=DETAIL),
    ),
    Fault(
        "stuck_updating",
        NC_RESOURCES,
        ("create", "update", "delete"),
        r"did not finish provisioning in time|still present when the delete timeout expired|did not finish in time",
        _by_ref("hold_provisioning"),
    ),
    Fault(
        "etag_changed",
        NC_RESOURCES,
        OPS,
        r"changed outside Terraform|PreconditionFailed",
        _by_ref("bump_etag"),
        no_refresh=True,
    ),
    Fault("winrm_node_unreachable", CLUSTER_RESOURCES, OPS, r"cannot reach WinRM endpoint|\bDB1\b", _stop_node),
    Fault("winrm_cmdlet_failure", CLUSTER_RESOURCES, OPS, re.escape(RPC), _fail_command),
)


def applicable(fault: Fault, resource: str, op: str) -> bool:
    if op not in fault.ops:
        return False
    if fault.name == "provisioning_failed" and resource == "sdn_load_balancer":
        return op != "delete"  # deleting has no provisioning outcome; a membership removal is a NIC PUT
    if fault.name == "stuck_updating" or fault.name == "etag_changed":
        return not (resource == "sdn_load_balancer" and op == "create")  # nothing to hold/bump before it exists
    return True


def _case(f: Fault, r: str, op: str):  # noqa: ANN202 (pytest's ParameterSet)
    return pytest.param(f, r, op, id=f"{f.name}-{op}-{r.removeprefix('sdn_')}")


CASES = [
    _case(f, r, op)
    for f in FAULTS
    for r in (*NC_RESOURCES, *CLUSTER_RESOURCES)
    for op in OPS
    if r in f.resources and applicable(f, r, op)
]


# -- state versus inventory -----------------------------------------------------------------------
def state_view(tf: Terraform) -> dict:
    res = tf.resources()
    by_type = {t: [v for a, v in res.items() if a.split(".")[0] == t] for t in CONFIGS}
    return {
        "load_balancers": sorted(v["resource_id"].lower() for v in by_type["sdn_load_balancer"]),
        "members": sorted(
            (v["network_interface_id"].lower(), v["backend_address_pool_ref"].lower())
            for v in by_type["sdn_backend_pool_member"]
        ),
        "clusters": sorted(
            (v["name"].lower(), tuple(sorted(n.upper() for n in v["nodes"]))) for v in by_type["sdn_failover_cluster"]
        ),
        "probe_ports": sorted(int(v["probe_port"]) for v in by_type["sdn_cluster_ip_address"]),
    }


def inventory_view(emu: Emulator, control: ControlClient) -> dict:
    inv = emu.admin("GET", "inventory")
    members = sorted(
        (nic["resourceId"].lower(), pool["resourceRef"].lower())
        for nic in inv["networkInterfaces"]
        for ipc in nic["properties"]["ipConfigurations"]
        for pool in ipc["properties"].get("loadBalancerBackendAddressPools") or []
    )
    guests = control.topology()
    clusters: dict[str, list[str]] = {}
    for node in guests.nodes:
        if node.cluster:
            clusters.setdefault(node.cluster.lower(), []).append(node.name.upper())
    # The seed's cluster IP has no ProbePort; one the provider set shows up as a non-zero probe port.
    ports = sorted(ip.probe_port for ip in guests.cluster_ips if ip.probe_port)
    return {
        "load_balancers": sorted(lb["resourceId"].lower() for lb in inv["loadBalancers"]),
        "members": members,
        "clusters": sorted((name, tuple(sorted(nodes))) for name, nodes in clusters.items()),
        "probe_ports": ports,
    }


def mismatch(tf: Terraform, emu: Emulator, control: ControlClient) -> str:
    state, inventory = state_view(tf), inventory_view(emu, control)
    return "" if state == inventory else f"state {state} != inventory {inventory}"


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def control(emulator: Emulator) -> Iterator[ControlClient]:
    with ControlClient(emulator.info["control"]) as client:
        yield client


def _provider(emu: Emulator) -> str:
    return cluster_provider(emu).replace('provider "sdn" {\n', f'provider "sdn" {{\n  {LIMITS}\n', 1)


EMPTY = {"load_balancers": [], "members": [], "clusters": [], "probe_ports": []}


def force_clean(emu: Emulator) -> None:
    """Out-of-band cleanup after a failed case, so one failure does not cascade into the next cases."""
    for nic in emu.list("networkInterfaces"):
        ipcs = nic["properties"]["ipConfigurations"]
        if any(ipc["properties"].get("loadBalancerBackendAddressPools") for ipc in ipcs):
            for ipc in nic["properties"]["ipConfigurations"]:
                ipc["properties"]["loadBalancerBackendAddressPools"] = []
            emu.put(f"/networkInterfaces/{nic['resourceId']}", nic)
    for lb in emu.list("loadBalancers"):
        emu.delete(f"/loadBalancers/{lb['resourceId']}")
    for node in ("DB1", "DB2"):
        info = sh(emu, node, "get_cluster")
        if info.get("exists"):
            sh(emu, node, "remove_cluster", cluster=info["name"])


@pytest.fixture
def clean(emulator: Emulator, control: ControlClient) -> Iterator[None]:
    """Faults cleared and the emulator at its seed before and after every case."""
    _inject(emulator, "clear_faults")
    _inject(emulator, "start_node", node="DB1")
    yield
    _inject(emulator, "clear_faults")
    _inject(emulator, "start_node", node="DB1")
    if inventory_view(emulator, control) != EMPTY:
        force_clean(emulator)
    close_connections()


def flat(proc) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


@pytest.mark.parametrize(("fault", "resource", "op"), CASES)
def test_fault(
    fault: Fault, resource: str, op: str, tf: Terraform, emulator: Emulator, control: ControlClient, clean: None
) -> None:
    provider = _provider(emulator)
    before, v1, v2 = CONFIGS[resource]
    start, target = {"create": (before, v1), "update": (v1, v2), "delete": (v1, before), "read": (v1, v1)}[op]
    tf.write(provider + start)
    tf.apply()

    fault.arm(emulator, resource, op)
    tf.write(provider + target)
    extra = ("-refresh=false",) if fault.no_refresh and op in ("update", "delete") else ()
    faulted = tf.apply(*extra, check=False)
    output = flat(faulted)
    if faulted.returncode == 0:
        outcome = "retried"
    elif re.search(fault.cause, output):
        outcome = "surfaced"
    else:
        outcome = "unexplained"
    first = mismatch(tf, emulator, control)

    _inject(emulator, "clear_faults")
    _inject(emulator, "start_node", node="DB1")
    second = tf.apply(check=False)
    converged = second.returncode == 0 and tf.plan().returncode == 0
    after = mismatch(tf, emulator, control)
    record({"fault": fault.name, "resource": resource, "op": op, "outcome": outcome, "mismatch": first or after})

    tf.write(provider)
    tf.apply()
    assert inventory_view(emulator, control) == EMPTY, "destroy left something behind"
    assert outcome != "unexplained", f"the diagnostic does not name the cause /{fault.cause}/:\n{output}"
    assert not first, f"after the faulted apply: {first}\n{output}"
    assert converged, f"the apply after clearing the fault did not converge:\n{flat(second)}"
    assert not after, f"after the second apply: {after}"
