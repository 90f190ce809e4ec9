"""``sdn-emulator ctl``: a human-readable client of the gRPC control API.

The address comes from ``--control HOST:PORT`` or the ``control`` key of the ``serve --state-file``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict

from .gen import control_pb2 as pb
from .gen import control_pb2_grpc as pb_grpc
from .status import member_display


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ctl`` on the emulator's top-level parser."""
    ctl = sub.add_parser("ctl", help="query or drive a running emulator over its control API")
    ctl.add_argument("--state-file", type=Path, help="state file written by `serve --state-file`")
    ctl.add_argument("--control", help="control API address HOST:PORT (instead of --state-file)")
    ops = ctl.add_subparsers(dest="op", required=True)
    ops.add_parser("topology", help="VNets, NICs, nodes, cluster IPs and the loopback endpoint of every VIP")
    health = ops.add_parser("health", help="probe health and reason per rule and pool member")
    health.add_argument("load_balancer", nargs="?", default="")
    failover = ops.add_parser("failover", help="move the cluster group to NODE")
    failover.add_argument("node")
    failover.add_argument("--group", default="")
    for name in ("stop-node", "start-node"):
        ops.add_parser(name, help=f"{name.split('-')[0]} a guest node").add_argument("node")
    counters = ops.add_parser("counters", help="NC requests, WinRM commands, probes, mux connections")
    counters.add_argument("--reset", action="store_true", help="zero the NC request counters")
    fault = ops.add_parser("fault", help="inject a fault: KIND key=value ... (see control.proto)")
    fault.add_argument("kind")
    fault.add_argument("params", nargs="*", metavar="key=value")
    return ctl


def _address(args: argparse.Namespace) -> str:
    if args.control:
        return args.control
    if args.state_file is None:
        raise SystemExit("sdn-emulator ctl: give --state-file or --control")
    try:
        return json.loads(args.state_file.read_text())["control"]
    except (OSError, ValueError, KeyError) as error:
        raise SystemExit(f"sdn-emulator ctl: no control address in {args.state_file}: {error}") from None


def _print_guests(state: pb.GuestState | pb.Topology) -> None:
    for n in state.nodes:
        print(f"node {n.name:<10} {n.address:<15} {n.state:<5} cluster={n.cluster or '-'}")
    for c in state.cluster_ips:
        print(
            f"cluster IP {c.address} probe port {c.probe_port}: {c.state} on {c.owner_node} "
            f"({c.cluster} / {c.resource})"
        )


def _print_topology(t: pb.Topology) -> None:
    for v in t.virtual_networks:
        print(f"vnet {v.resource_id} {', '.join(v.address_prefixes)}")
        for s in v.subnets:
            print(f"  subnet {s.resource_id} {s.address_prefix}")
    for nic in t.network_interfaces:
        print(f"nic {nic.resource_id} node={nic.node or '-'}")
        for c in nic.ip_configurations:
            print(f"  {c.private_ip_address} pools: {', '.join(c.backend_address_pools) or '-'}")
    _print_guests(t)
    for e in t.vips:
        print(
            f"vip {e.vip}:{e.frontend_port} -> {e.endpoint}  ({e.load_balancer}/{e.rule}, backend port "
            f"{e.backend_port}, floating IP {'on' if e.enable_floating_ip else 'off'})"
        )
    if not t.vips:
        print("no VIP rules programmed")


def _as_dict(message: Any) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def _print_health(h: pb.ProbeHealth, topology: pb.Topology) -> None:
    """Each member labelled as the status page labels it, so a healthy passive node reads STANDBY, not DOWN."""
    nodes = [_as_dict(n) for n in topology.nodes]
    for r in h.rules:
        print(
            f"{r.load_balancer}/{r.rule} {r.vip}:{r.frontend_port} -> {r.endpoint}  probe {r.probe_protocol} "
            f"{r.probe_port} every {r.interval_in_seconds}s x {r.number_of_probes}  owner {r.owner_node or '-'}"
        )
        for b in r.backends:
            state = member_display(_as_dict(b), _as_dict(r), nodes)["text"]
            print(f"  {b.node or '?':<8} {b.address:<15} {state}: {b.reason}")
            print(f"       delivery: {b.delivery}")
    if not h.rules:
        print("no load-balancing rules programmed")


def _print_counters(c: pb.Counters) -> None:
    print(f"NC requests: {c.nc_total}")
    for r in c.nc_requests:
        print(f"  {r.method:<6} {r.collection:<20} {r.count}")
    print("WinRM commands: " + (", ".join(f"{n}={k}" for n, k in sorted(c.winrm_commands.items())) or "none"))
    print(f"probes sent: {c.probes_sent}")
    for m in c.connections:
        print(f"  {m.load_balancer}/{m.rule} -> {m.node}: delivered {m.delivered}, refused {m.refused}")


def run(args: argparse.Namespace) -> int:
    """Execute one ``ctl`` operation; gRPC errors become a message and exit status 1."""
    with grpc.insecure_channel(_address(args)) as channel:
        stub = pb_grpc.EmulatorControlStub(channel)
        try:
            if args.op == "topology":
                _print_topology(stub.GetTopology(pb.GetTopologyRequest(), timeout=10))
            elif args.op == "health":
                _print_health(
                    stub.GetProbeHealth(pb.GetProbeHealthRequest(load_balancer=args.load_balancer), timeout=10),
                    stub.GetTopology(pb.GetTopologyRequest(), timeout=10),
                )
            elif args.op == "failover":
                _print_guests(
                    stub.MoveClusterGroup(pb.MoveClusterGroupRequest(node=args.node, group=args.group), timeout=10)
                )
            elif args.op in ("stop-node", "start-node"):
                call = stub.StopNode if args.op == "stop-node" else stub.StartNode
                _print_guests(call(pb.NodeRequest(node=args.node), timeout=10))
            elif args.op == "counters":
                _print_counters(stub.GetCounters(pb.GetCountersRequest(reset_nc=args.reset), timeout=10))
            elif args.op == "fault":
                params = dict(p.split("=", 1) for p in args.params if "=" in p)
                print(stub.InjectFault(pb.InjectFaultRequest(kind=args.kind, params=params), timeout=10).result)
        except grpc.RpcError as error:
            print(f"sdn-emulator ctl: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sdn-emulator")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
