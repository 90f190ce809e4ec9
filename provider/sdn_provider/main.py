"""`terraform-provider-sdn`: the plugin binary Terraform spawns, plus `install` for users."""

from __future__ import annotations

import sys

USAGE = """usage: terraform-provider-sdn [install [--mirror DIR] [--cli-config FILE] | --dev | --help]

Terraform starts this program itself (it speaks the plugin protocol on a socket it prints).
  install   put the provider into a filesystem mirror and write a Terraform CLI config for it
  --dev     serve in reattach mode for debugging: prints a TF_REATTACH_PROVIDERS value to export
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return
    if len(argv) > 1 and argv[1] == "install":
        from sdn_provider.install import main as install_main

        raise SystemExit(install_main(argv[2:]))
    if "--dev" not in argv:
        from sdn_provider.warm import launch

        code = launch(argv)  # a provider forked by the warm-start server ran this spawn, or None: start cold
        if code is not None:
            raise SystemExit(code)
    from sdn_provider.plugin import serve

    serve(argv)


if __name__ == "__main__":
    main()
