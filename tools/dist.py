"""`make dist`: the wheel, the sdist and an offline bundle for air-gapped management hosts, in dist/.

The bundle (dist/terraform-provider-sdn-<version>-offline.tar.gz) holds a wheelhouse with this package and
every runtime dependency for each supported platform, and install.sh, which pip-installs from it with
--no-index into a new virtualenv and runs `terraform-provider-sdn install`. Building it needs the package
index; installing it needs nothing but python3 (with venv) on the target.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist"
#: CPython versions and glibc platforms the wheelhouse covers (grpcio, msgpack, cffi and charset-normalizer
#: ship one binary wheel per Python version; manylinux2014 = glibc 2.17+, so no musl/Alpine).
PYTHONS = ("3.11", "3.12", "3.13")
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")
INSTALL_SH = REPO / "tools" / "offline-install.sh"


def version() -> str:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    return config["metadata"]["version"]


def run(*args: str) -> None:
    print("+ " + " ".join(args), flush=True)
    subprocess.run(args, check=True)


def build_packages() -> Path:
    """Wheel and sdist via PEP 517 (python -m build); returns the wheel."""
    run(sys.executable, "-m", "build", "--outdir", str(DIST), str(REPO))
    (wheel,) = DIST.glob(f"terraform_provider_sdn-{version()}-*.whl")
    return wheel


def fill_wheelhouse(wheel: Path, wheelhouse: Path) -> None:
    """Binary wheels only, for every supported Python and platform (pure-Python ones are shared)."""
    for python in PYTHONS:
        abi = "cp" + python.replace(".", "")
        platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
        run(
            sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", python, "--abi", abi, "--abi", "abi3", "--abi", "none", *platforms,
            "--dest", str(wheelhouse), str(wheel),
        )  # fmt: skip


def main() -> int:
    shutil.rmtree(DIST, ignore_errors=True)
    wheel = build_packages()
    name = f"terraform-provider-sdn-{version()}-offline"
    bundle = DIST / name
    fill_wheelhouse(wheel, bundle / "wheelhouse")
    shutil.copy2(INSTALL_SH, bundle / "install.sh")
    (bundle / "VERSION").write_text(version() + "\n")
    archive = DIST / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(bundle, arcname=name)
    wheels = sorted(p.name for p in (bundle / "wheelhouse").iterdir())
    sdist = f"terraform_provider_sdn-{version()}.tar.gz"
    print(f"dist: {wheel.name}, {sdist} and {archive.name} ({len(wheels)} wheels)")
    print(f"offline install: tar xzf {archive.name} && ./{name}/install.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
