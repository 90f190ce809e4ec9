"""A small Python client of the control API, for the demo, tests and users' own CI scripts."""

from __future__ import annotations

import socket
import time

import grpc

from .gen import control_pb2 as pb
from .gen import control_pb2_grpc as pb_grpc


class ControlClient:
    """Wraps the gRPC stub with the few questions a user asks: where is the VIP, who answers, fail over."""

    def __init__(self, address: str, timeout: float = 10.0):
        self.channel = grpc.insecure_channel(address)
        self.stub = pb_grpc.EmulatorControlStub(self.channel)
        self.timeout = timeout

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def topology(self) -> pb.Topology:
        return self.stub.GetTopology(pb.GetTopologyRequest(), timeout=self.timeout)

    def health(self, load_balancer: str = "") -> pb.ProbeHealth:
        return self.stub.GetProbeHealth(pb.GetProbeHealthRequest(load_balancer=load_balancer), timeout=self.timeout)

    def counters(self, reset_nc: bool = False) -> pb.Counters:
        return self.stub.GetCounters(pb.GetCountersRequest(reset_nc=reset_nc), timeout=self.timeout)

    def failover(self, node: str) -> pb.GuestState:
        return self.stub.MoveClusterGroup(pb.MoveClusterGroupRequest(node=node), timeout=self.timeout)

    def stop_node(self, node: str) -> pb.GuestState:
        return self.stub.StopNode(pb.NodeRequest(node=node), timeout=self.timeout)

    def start_node(self, node: str) -> pb.GuestState:
        return self.stub.StartNode(pb.NodeRequest(node=node), timeout=self.timeout)

    def inject(self, kind: str, **params: str) -> str:
        return self.stub.InjectFault(pb.InjectFaultRequest(kind=kind, params=params), timeout=self.timeout).result

    def vip_endpoint(self, vip: str, port: int) -> tuple[str, int] | None:
        """The loopback (host, port) standing for VIP:port, or None when no rule is programmed."""
        for v in self.topology().vips:
            if v.vip == vip and v.frontend_port == port:
                return v.host, v.port
        return None

    def connect(self, vip: str, port: int, timeout: float = 2.0) -> str | None:
        """One connection through the VIP: the answering node's name, or None when nothing answers."""
        endpoint = self.vip_endpoint(vip, port)
        if endpoint is None:
            return None
        try:
            with socket.create_connection(endpoint, timeout=timeout) as conn:
                data = conn.recv(256)
        except OSError:
            return None
        return data.decode(errors="replace").strip() or None

    def wait_for_answer(
        self, vip: str, port: int, expect: str | None = None, timeout: float = 30.0, every: float = 0.1
    ) -> str | None:
        """Connect until a node answers (the expected one, if given) or the timeout passes."""
        end = time.monotonic() + timeout
        answer = None
        while time.monotonic() < end:
            answer = self.connect(vip, port)
            if answer is not None and (expect is None or answer == expect):
                return answer
            time.sleep(every)
        return answer
