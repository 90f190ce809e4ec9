"""`make test`: the unit and emulator tests once, then the end-to-end suites (tests/e2e, tests/faults) once
per Terraform/OpenTofu version (see terraform_cli.matrix), and a last line naming the versions covered.

Extra arguments go to every pytest run (e.g. `-x`, `-k name`). Exits non-zero if any run failed, after
running them all, so one version's failure does not hide another's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from terraform_cli import TerraformBinary, matrix

ONCE = ["tests/unit", "tests/emulator"]
PER_BINARY = ["tests/e2e", "tests/faults"]


def pytest(paths: list[str], extra: list[str], terraform: TerraformBinary | None = None) -> bool:
    env = {**os.environ, **({"TERRAFORM": terraform.path} if terraform else {})}
    what = f"{' '.join(paths)} with {terraform}" if terraform else " ".join(paths)
    print(f"==> pytest {what}", flush=True)
    started = time.monotonic()
    ok = subprocess.run([sys.executable, "-m", "pytest", *extra, *paths], env=env).returncode == 0
    print(f"==> {'passed' if ok else 'FAILED'}: {what} ({time.monotonic() - started:.0f} s)", flush=True)
    return ok


def main(extra: list[str]) -> int:
    binaries = matrix()
    print("terraform matrix: " + ", ".join(map(str, binaries)), flush=True)
    results = {"unit+emulator": pytest(ONCE, extra)}
    for binary in binaries:
        results[binary.label] = pytest(PER_BINARY, extra, binary)
    covered = ", ".join(f"{name} {'passed' if ok else 'FAILED'}" for name, ok in results.items())
    print(f"terraform versions covered: {', '.join(b.label for b in binaries)} ({covered})")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
