"""The checked-in gRPC code under control/gen matches proto/ (run `make proto` after editing the .proto)."""

from __future__ import annotations

from pathlib import Path

from sdn_emulator.control import protogen


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    for fresh in protogen.generate(tmp_path):
        checked_in = protogen.GEN / fresh.name
        assert checked_in.exists(), f"{checked_in} missing: run `make proto`"
        assert checked_in.read_text() == fresh.read_text(), f"{checked_in.name} is stale: run `make proto`"
