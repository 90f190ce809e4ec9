"""Regenerate ``control/gen`` from ``proto/`` (``make proto``; the up-to-date test uses the same function).

protoc emits ``from sdn_emulator.v1 import control_pb2``, which would collide with our own ``sdn_emulator``
package, so the files are flattened into ``gen/`` and that import is made relative. Needs grpcio-tools
(a test extra), imported lazily so the emulator itself never depends on it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PROTO_ROOT = REPO / "proto"
PROTO = "sdn_emulator/v1/control.proto"
GEN = Path(__file__).resolve().parent / "gen"
FILES = ("control_pb2.py", "control_pb2.pyi", "control_pb2_grpc.py")


def generate(out: Path, proto_root: Path = PROTO_ROOT) -> list[Path]:
    """Write the generated modules into ``out``; returns their paths."""
    from grpc_tools import protoc

    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "grpc_tools.protoc",
            f"-I{proto_root}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            str(proto_root / PROTO),
        ]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed for {proto_root / PROTO}")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in FILES:
            text = (Path(tmp) / Path(PROTO).parent / name).read_text()
            text = text.replace("from sdn_emulator.v1 import control_pb2", "from . import control_pb2")
            (out / name).write_text(text)
            written.append(out / name)
        return written


if __name__ == "__main__":
    for path in generate(Path(sys.argv[1]) if len(sys.argv) > 1 else GEN):
        print(path)
