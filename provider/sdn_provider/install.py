"""`terraform-provider-sdn install`: put this provider into a filesystem mirror + CLI config.

Terraform finds providers through a registry, a mirror or dev_overrides. A Python provider is not
on the registry, so users install it into a local filesystem mirror and point Terraform (or
OpenTofu) at it with a CLI config file (`TF_CLI_CONFIG_FILE`). The mirror holds one zip for this
host's platform (the launcher inside runs this virtualenv's Python, so it is valid nowhere else),
in the packed layout `terraform providers lock -fs-mirror=DIR` reads, plus the network-mirror JSON
with the package's real `h1:` and `zh:` hashes (so the directory can also be served as a network mirror).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import platform
import sys
import sysconfig
import zipfile
from pathlib import Path

from sdn_provider import __version__

HOST, NAMESPACE, TYPE = "registry.terraform.io", "windows-sdn", "sdn"
SOURCE = f"{HOST}/{NAMESPACE}/{TYPE}"
#: Go's GOOS/GOARCH names for Python's platform.system() / platform.machine().
_GOOS = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows", "FreeBSD": "freebsd"}
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386", "armv7l": "arm"}
#: Zip entries get this timestamp, so the same launcher always gives the same archive (and zh: hash).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def host_platform() -> str:
    """Terraform's name for this machine's platform, e.g. linux_amd64."""
    system, machine = platform.system(), platform.machine()
    return f"{_GOOS.get(system, system.lower())}_{_GOARCH.get(machine.lower(), machine.lower())}"


def write_archive(zip_path: Path, executable: Path, version: str) -> None:
    """The provider package: one executable `terraform-provider-sdn_v<version>`, mode 0755."""
    entry = zipfile.ZipInfo(f"terraform-provider-{TYPE}_v{version}", date_time=_ZIP_EPOCH)
    entry.external_attr = 0o100755 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(entry, executable.read_bytes())


def hash_h1(zip_path: Path) -> str:
    """Terraform's package hash (getproviders.PackageHashV1): Go's dirhash.Hash1 over the zip's files,
    i.e. sha256 of the sorted lines "<sha256 hex of file>  <name>\\n", base64-encoded."""
    with zipfile.ZipFile(zip_path) as archive:
        names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
        summary = "".join(f"{hashlib.sha256(archive.read(name)).hexdigest()}  {name}\n" for name in names)
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def hash_zh(zip_path: Path) -> str:
    """The archive hash (sha256 of the zip file), as registries publish in SHA256SUMS; the lock file records
    it for packages that came from a registry or network mirror."""
    return "zh:" + hashlib.sha256(zip_path.read_bytes()).hexdigest()


def install(mirror_dir: Path, cli_config: Path, executable: Path, version: str = __version__) -> Path:
    """Writes the package and its JSON into the mirror and the CLI config; returns the zip."""
    package_dir = mirror_dir / SOURCE
    package_dir.mkdir(parents=True, exist_ok=True)
    for stale in package_dir.glob(f"terraform-provider-{TYPE}_{version}_*.zip"):
        stale.unlink()  # earlier installs wrote one copy per platform
    target = host_platform()
    zip_path = package_dir / f"terraform-provider-{TYPE}_{version}_{target}.zip"
    write_archive(zip_path, executable, version)

    index_path = package_dir / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    index.setdefault("versions", {})[version] = {}
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    archives = {target: {"url": zip_path.name, "hashes": [hash_h1(zip_path), hash_zh(zip_path)]}}
    (package_dir / f"{version}.json").write_text(json.dumps({"archives": archives}, indent=2) + "\n")

    cli_config.parent.mkdir(parents=True, exist_ok=True)
    cli_config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror_dir.resolve()}"\n'
        f'    include = ["{SOURCE}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{SOURCE}"]\n  }}\n'
        "}\n"
    )
    return zip_path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="terraform-provider-sdn install", description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default="build/mirror", help="filesystem mirror directory (default build/mirror)")
    parser.add_argument(
        "--cli-config", default="build/terraform.rc", help="CLI config to write (default build/terraform.rc)"
    )
    args = parser.parse_args(argv)
    # This interpreter's own launcher, never another virtualenv's from PATH.
    launcher = Path(sysconfig.get_path("scripts")) / "terraform-provider-sdn"
    executable = launcher if launcher.exists() else Path(sys.argv[0]).resolve()
    mirror, rc = Path(args.mirror), Path(args.cli_config)
    zip_path = install(mirror, rc, executable)
    print(f"installed {SOURCE} {__version__} ({host_platform()}, {hash_h1(zip_path)}) into {mirror}")
    print(f"use it with: export TF_CLI_CONFIG_FILE={rc.resolve()}")
    print(
        "lock it in each configuration (no registry needed): terraform providers lock "
        f"-fs-mirror={mirror.resolve()} -platform={host_platform()}"
    )
    return 0
