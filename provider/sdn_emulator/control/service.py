"""gRPC control service (``sdn_emulator.v1.EmulatorControl``) over the model, the guest world and the data plane.

The views are plain dicts shaped like the proto messages (field names match), so the status page's JSON and
the gRPC answers come from the same code; ``ParseDict`` turns them into messages.
"""

from __future__ import annotations

from concurrent import futures
from typing import Any

import grpc
from google.protobuf.json_format import ParseDict

from ..dataplane import DataPlane
from ..guests.cluster import ClusterCmdletError, GuestWorld
from ..model import NC_FAULT_KINDS, NcError, NetworkController, apply_nc_fault
from ..topology import Topology
from .gen import control_pb2 as pb
from .gen import control_pb2_grpc as pb_grpc


class Views:
    """Read-only JSON-able views shared by the gRPC service and the status page."""

    def __init__(
        self, controller: NetworkController, world: GuestWorld, dataplane: DataPlane, topology: Topology | None
    ) -> None:
        self.controller = controller
        self.world = world
        self.dataplane = dataplane
        self.topology = topology

    def guest_state(self) -> dict[str, Any]:
        snap = self.world.snapshot()
        member_of = {n: c["name"] for c in snap["clusters"] for n in c["nodes"]}
        nodes = [
            {
                "name": n["name"],
                "address": n["address"],
                "state": n["state"],
                "cluster": member_of.get(n["name"], ""),
                "winrm_commands": n["commands"],
            }
            for n in snap["nodes"]
        ]
        ips = []
        # Effective parameters (as the resource last came online) are what the node serves; snapshot() has
        # only the set ones, so read the public cluster objects.
        for c in list(self.world.clusters.values()):
            for r in list(c.resources.values()):
                if r.resource_type == "IP Address":
                    ips.append(
                        {
                            "cluster": c.name,
                            "resource": r.name,
                            "state": r.state,
                            "owner_node": c.groups[r.group],
                            "address": str(r.effective.get("Address", r.parameters.get("Address", ""))),
                            "probe_port": int(r.effective.get("ProbePort", 0) or 0),
                        }
                    )
        return {"nodes": nodes, "cluster_ips": ips}

    def topology_view(self) -> dict[str, Any]:
        node_of = {n.network_interface.lower(): n.name for n in (self.topology.nodes if self.topology else [])}
        vnets = [
            {
                "resource_id": v["resourceId"],
                "address_prefixes": v["properties"].get("addressSpace", {}).get("addressPrefixes", []),
                "subnets": [
                    {
                        "resource_id": s["resourceId"],
                        "resource_ref": s["resourceRef"],
                        "address_prefix": s["properties"].get("addressPrefix", ""),
                    }
                    for s in v["properties"].get("subnets", [])
                ],
            }
            for v in self.controller.list("virtualNetworks")
        ]
        nics = [
            {
                "resource_id": n["resourceId"],
                "node": node_of.get(n["resourceId"].lower(), ""),
                "ip_configurations": [_ipconfig(c) for c in n["properties"].get("ipConfigurations", [])],
            }
            for n in self.controller.list("networkInterfaces")
        ]
        return {
            "virtual_networks": vnets,
            "network_interfaces": nics,
            **self.guest_state(),
            "vips": self.dataplane.endpoints(),
        }

    def health(self, load_balancer: str = "") -> dict[str, Any]:
        rules = [
            r
            for r in self.dataplane.health()
            if not load_balancer or r["load_balancer"].lower() == load_balancer.lower()
        ]
        return {"rules": rules, "time_scale": self.dataplane.time_scale}

    def counters(self, reset_nc: bool = False) -> dict[str, Any]:
        counts = self.controller.request_counts()
        if reset_nc:
            self.controller.reset_request_counts()
        return {
            "nc_requests": [{"method": m, "collection": c, "count": n} for (m, c), n in sorted(counts.items())],
            "nc_total": sum(counts.values()),
            "winrm_commands": self.world.command_counts(),
            "probes_sent": self.dataplane.probes_sent,
            "connections": self.dataplane.connection_counts(),
        }


def _ipconfig(c: dict[str, Any]) -> dict[str, Any]:
    props = c["properties"]
    return {
        "resource_ref": c["resourceRef"],
        "private_ip_address": props.get("privateIPAddress", ""),
        "subnet": (props.get("subnet") or {}).get("resourceRef", ""),
        "backend_address_pools": [p["resourceRef"] for p in props.get("loadBalancerBackendAddressPools", [])],
    }


GUEST_FAULT_KINDS = (
    "stop_node",
    "start_node",
    "move_group",
    "stop_resource",
    "start_resource",
    "fail_command",
    "hang_command",
    "rename_resource",
    "set_node",
)
# set_node: what a guest can be made to look like (a French node, a network without DHCP, ClusSvc stopped, no RSAT).
_NODE_FIELDS = {"locale": str, "dhcp": lambda v: v.lower() == "true", "cluster_service": str}
_NODE_FIELDS["clustering_tools"] = _NODE_FIELDS["credssp_server"] = _NODE_FIELDS["dhcp"]


def apply_fault(views: Views, kind: str, p: dict[str, Any]) -> str:
    """Apply one fault (NC model kinds, then guest kinds); KeyError/ValueError mean bad parameters.
    The REST admin endpoint ``POST /_emulator/faults`` calls this too, so both accept the same kinds."""
    world = views.world
    p = {k: str(v) for k, v in p.items()}
    result = apply_nc_fault(views.controller, kind, p)
    if kind == "clear_faults":
        world.clear_command_faults()
    if result is not None:
        return result
    if kind in ("stop_node", "start_node"):
        (world.stop_node if kind == "stop_node" else world.start_node)(p["node"])
    elif kind == "move_group":
        world.move_group(p["node"], p.get("group") or None, p.get("cluster") or None)
    elif kind in ("stop_resource", "start_resource"):
        (world.stop_resource if kind == "stop_resource" else world.start_resource)(p["node"], p["resource"])
    elif kind == "fail_command":
        world.fail_next_command(p["node"], p.get("script", "*"), p.get("message", ""), p.get("cmdlet", ""))
        return "armed"
    elif kind == "hang_command":
        world.hang_next_command(p["node"], p.get("script", "*"))
        return "armed"
    elif kind == "rename_resource":
        world.rename_resource(p["node"], p["resource"], p["name"])
    elif kind == "set_node":
        world.set_node(p["node"], **{k: _NODE_FIELDS[k](v) for k, v in p.items() if k != "node"})
    else:
        raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(NC_FAULT_KINDS + GUEST_FAULT_KINDS)}")
    views.dataplane.sync()
    return "done"


class _Servicer(pb_grpc.EmulatorControlServicer):
    def __init__(self, views: Views) -> None:
        self.views = views

    def _guarded(self, context: grpc.ServicerContext, action: Any) -> Any:
        """Map model and cmdlet errors to gRPC status codes with their messages."""
        try:
            return action()
        except NcError as error:
            code = grpc.StatusCode.NOT_FOUND if error.status == 404 else grpc.StatusCode.FAILED_PRECONDITION
            context.abort(code, error.message)
        except ClusterCmdletError as error:
            not_found = error.category == "ObjectNotFound"
            context.abort(
                grpc.StatusCode.NOT_FOUND if not_found else grpc.StatusCode.FAILED_PRECONDITION, error.message
            )
        except KeyError as error:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown node or missing parameter: {error.args[0]}")
        except ValueError as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))

    def _guest(self, context: grpc.ServicerContext, action: Any) -> pb.GuestState:
        def run() -> pb.GuestState:
            action()
            self.views.dataplane.sync()
            return ParseDict(self.views.guest_state(), pb.GuestState())

        return self._guarded(context, run)

    def GetTopology(self, request: pb.GetTopologyRequest, context: grpc.ServicerContext) -> pb.Topology:
        return ParseDict(self.views.topology_view(), pb.Topology())

    def GetProbeHealth(self, request: pb.GetProbeHealthRequest, context: grpc.ServicerContext) -> pb.ProbeHealth:
        return ParseDict(self.views.health(request.load_balancer), pb.ProbeHealth())

    def MoveClusterGroup(self, request: pb.MoveClusterGroupRequest, context: grpc.ServicerContext) -> pb.GuestState:
        world = self.views.world
        return self._guest(
            context, lambda: world.move_group(request.node, request.group or None, request.cluster or None)
        )

    def StopNode(self, request: pb.NodeRequest, context: grpc.ServicerContext) -> pb.GuestState:
        return self._guest(context, lambda: self.views.world.stop_node(request.node))

    def StartNode(self, request: pb.NodeRequest, context: grpc.ServicerContext) -> pb.GuestState:
        return self._guest(context, lambda: self.views.world.start_node(request.node))

    def InjectFault(self, request: pb.InjectFaultRequest, context: grpc.ServicerContext) -> pb.InjectFaultResponse:
        return self._guarded(
            context, lambda: pb.InjectFaultResponse(result=apply_fault(self.views, request.kind, dict(request.params)))
        )

    def GetCounters(self, request: pb.GetCountersRequest, context: grpc.ServicerContext) -> pb.Counters:
        return ParseDict(self.views.counters(request.reset_nc), pb.Counters())


class ControlServer:
    """Emulator component: the gRPC control API on a loopback port (``address`` is ``host:port``)."""

    name = "control"

    def __init__(self, views: Views, host: str = "127.0.0.1", port: int = 0) -> None:
        self.views = views
        # Without SO_REUSEPORT off, a second emulator pinned to the same port would share it silently.
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="control"), options=[("grpc.so_reuseport", 0)]
        )
        pb_grpc.add_EmulatorControlServicer_to_server(_Servicer(views), self._server)
        try:  # grpcio raises RuntimeError (older ones returned 0) when the port is taken
            self.port = self._server.add_insecure_port(f"{host}:{port}")
        except RuntimeError:
            self.port = 0
        if not self.port:
            raise OSError(f"cannot bind the control API on {host}:{port}: address already in use")
        self.address = f"{host}:{self.port}"
        self._started = False

    def start(self) -> None:
        self._server.start()
        self._started = True

    def stop(self) -> None:
        if self._started:
            self._server.stop(grace=0.5).wait(2)
            self._started = False

    def describe(self) -> str:
        return f"control (gRPC)  {self.address} (sdn_emulator.v1.EmulatorControl)"
