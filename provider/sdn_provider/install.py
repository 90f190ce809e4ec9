"""`terraform-provider-sdn install`: put this provider into a filesystem mirror + CLI config.

Terraform finds providers through a registry, a mirror or dev_overrides. A Python provider is not
on the registry, so users install it into a local filesystem mirror and point Terraform (or
OpenTofu) at it with a CLI config file (`TF_CLI_CONFIG_FILE`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from sdn_provider import __version__

HOST, NAMESPACE, TYPE = "registry.terraform.io", "windows-sdn", "sdn"


def install(mirror_dir: Path, cli_config: Path, executable: Path) -> None:
    from tf.runner import install_provider

    install_provider(HOST, NAMESPACE, TYPE, __version__, mirror_dir, executable)
    cli_config.parent.mkdir(parents=True, exist_ok=True)
    cli_config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror_dir.resolve()}"\n'
        f'    include = ["{HOST}/{NAMESPACE}/{TYPE}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{HOST}/{NAMESPACE}/{TYPE}"]\n  }}\n'
        "}\n"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="terraform-provider-sdn install", description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default="build/mirror", help="filesystem mirror directory (default build/mirror)")
    parser.add_argument(
        "--cli-config", default="build/terraform.rc", help="CLI config to write (default build/terraform.rc)"
    )
    args = parser.parse_args(argv)
    executable = shutil.which("terraform-provider-sdn") or str(Path(sys.argv[0]).resolve())
    mirror, rc = Path(args.mirror), Path(args.cli_config)
    install(mirror, rc, Path(executable))
    print(f"installed {HOST}/{NAMESPACE}/{TYPE} {__version__} into {mirror}")
    print(f"use it with: export TF_CLI_CONFIG_FILE={rc.resolve()}")
    return 0
