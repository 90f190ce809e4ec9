"""Contract fixtures: real NC JSON published by Microsoft (see fixtures/SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
#: The SdnDiagnostics dumps in dependency order: what a PUT of each needs exists by then.
SDNDIAGNOSTICS_ORDER = ("logicalNetworks", "publicIPAddresses", "virtualNetworks", "loadBalancers", "networkInterfaces")


def sdndiagnostics(collection: str) -> list[dict[str, Any]]:
    """The resources of one collection as NC answered ``GET /networking/v1/<collection>``."""
    return json.loads((FIXTURES / "sdndiagnostics" / f"{collection}.json").read_text())["value"]
