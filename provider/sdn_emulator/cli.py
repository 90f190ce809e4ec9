"""``sdn-emulator`` console script: ``serve`` (default), ``topology --tenants N`` and ``ctl`` (control API)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .app import Emulator, EmulatorOptions, is_loopback
from .control import ctl
from .persistence import DataDirError
from .tls import TlsMaterialError
from .topology import Topology, TopologyError, generate_multi_tenant


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sdn-emulator", description="Windows Server SDN emulator (NC REST API).")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the emulator (default)")
    serve.add_argument("--host", default="127.0.0.1", help="listen address (loopback unless --allow-remote)")
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    serve.add_argument(
        "--port",
        type=int,
        default=8480,
        help="NC REST port (0: the --data-dir's last port, else a free one)",
    )
    serve.add_argument("--provisioning-delay", type=float, default=1.0, help="seconds in Updating/Deleting")
    serve.add_argument("--topology", type=Path, help="topology JSON file (default: the seed's)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    serve.add_argument("--tls-dir", type=Path, help="where to keep the CA/server/client certificates")
    serve.add_argument(
        "--nc-auth",
        choices=("none", "x509", "negotiate"),
        default="none",
        help="NC client authentication: none, x509 (client certificate, implies --tls) or negotiate "
        "(HTTP Negotiate with the topology's credentials, published in --state-file)",
    )
    serve.add_argument("--client-cert-auth", action="store_true", help="same as --nc-auth x509")
    serve.add_argument(
        "--domain",
        help="join the guest nodes to this AD domain: cluster writes need CredSSP (enabled on the nodes' WinRM)",
    )
    serve.add_argument("--state-file", type=Path, help="write endpoints as JSON here once ready")
    serve.add_argument(
        "--data-dir",
        type=Path,
        help="keep the NC objects, guest clusters, ports and TLS material here; a restart resumes from it",
    )
    serve.add_argument(
        "--winrm-port",
        action="append",
        default=[],
        metavar="NODE=PORT",
        type=_node_port,
        help="pin a guest node's WinRM port (repeatable; default: the data directory's last port, else a free one)",
    )
    serve.add_argument("--control-port", type=int, default=0, help="gRPC control API port (0: as for --winrm-port)")
    serve.add_argument("--status-port", type=int, default=0, help="status page port (0: as for --winrm-port)")
    serve.add_argument(
        "--probe-time-scale",
        type=float,
        default=1.0,
        help="multiply SLB probe intervals (e.g. 0.1 for fast failover in tests)",
    )
    serve.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING"),
        help="stderr log level; INFO logs every NC request with its status and x-ms-request-id",
    )
    topo = sub.add_parser("topology", help="print a generated topology file")
    topo.add_argument("--tenants", type=int, required=True, help="number of tenants (1-250)")
    topo.add_argument(
        "--arc-nic",
        action="store_true",
        help='add a NIC owned by Azure Arc (resourceMetadata.client "Network Resource Provider") to tenant 1',
    )
    ctl.add_parser(sub)
    return parser


def _node_port(text: str) -> tuple[str, int]:
    node, sep, port = text.partition("=")
    if not sep or not node or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected NODE=PORT (e.g. DB1=5986), got {text!r}")
    return node, int(port)


def _write_state(path: Path, state: dict[str, object]) -> None:
    """Atomic write: readers polling for the file never see half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, path)


def _serve(args: argparse.Namespace) -> int:
    if not is_loopback(args.host) and not args.allow_remote:
        print(f"sdn-emulator: refusing non-loopback --host {args.host} without --allow-remote", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    topology = Topology.load(args.topology) if args.topology else None
    x509 = args.client_cert_auth or args.nc_auth == "x509"
    if x509 and args.nc_auth == "negotiate":
        print("sdn-emulator: --client-cert-auth and --nc-auth negotiate exclude each other", file=sys.stderr)
        return 2
    options = EmulatorOptions(
        host=args.host,
        port=args.port,
        provisioning_delay=args.provisioning_delay,
        topology=topology,
        tls=args.tls or x509,
        tls_dir=args.tls_dir,
        client_cert_auth=x509,
        negotiate_auth=args.nc_auth == "negotiate",
        allow_remote=args.allow_remote,
        probe_time_scale=args.probe_time_scale,
        data_dir=args.data_dir,
        winrm_ports=dict(args.winrm_port),
        control_port=args.control_port,
        status_port=args.status_port,
        domain=args.domain,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        emulator = Emulator(options).start()
    except (DataDirError, TopologyError, TlsMaterialError) as error:
        print(f"sdn-emulator: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a pinned or remembered port is taken
        print(f"sdn-emulator: cannot listen: {error}", file=sys.stderr)
        return 2
    try:
        for line in emulator.describe():
            print(line, flush=True)
        if args.state_file:
            _write_state(args.state_file, {**emulator.endpoints(), "pid": os.getpid()})
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        if args.state_file:
            args.state_file.unlink(missing_ok=True)
    print("sdn-emulator stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv.insert(0, "serve")
    args = _parser().parse_args(argv)
    if args.command == "ctl":
        return ctl.run(args)
    if args.command == "topology":
        try:
            print(json.dumps(generate_multi_tenant(args.tenants, args.arc_nic), indent=2))
        except ValueError as error:
            print(f"sdn-emulator: {error}", file=sys.stderr)
            return 2
        return 0
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
