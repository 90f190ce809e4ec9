"""The provider process itself: what a cold start runs, and what a warm-start fork runs (sdn_provider.warm)."""

from __future__ import annotations

import os
import sys


def _configure_logging() -> None:
    """Terraform collects plugin stderr into its own log (TF_LOG); never print secrets there."""
    import logging

    level = os.environ.get("TF_LOG_PROVIDER") or os.environ.get("TF_LOG") or "WARN"
    level = {"TRACE": "DEBUG", "JSON": "DEBUG"}.get(level.upper(), level.upper())
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level, logging.WARNING),
        format="[%(levelname)s] %(name)s: %(message)s",
    )


def serve(argv: list[str]) -> None:
    """Be the provider: serve the plugin protocol until Terraform stops us (cold start, or a warm fork)."""
    _configure_logging()
    from tf.runner import run_provider

    from sdn_provider.framework import install_runtime_patches
    from sdn_provider.framework.compat import IncompatibleTf
    from sdn_provider.provider import SdnProvider

    try:
        install_runtime_patches()
    except IncompatibleTf as exc:  # at the first start, not mid-plan
        # Terraform takes the first stdout line for the handshake and quotes an unrecognized one in its error
        # ("Unrecognized remote plugin message: ..."); stderr only reaches its log.
        print(f"terraform-provider-sdn: {exc.one_line()}", flush=True)
        raise SystemExit(f"terraform-provider-sdn: {exc}") from None
    run_provider(SdnProvider(), argv)
    # Terraform waits for the plugin to exit: delete the kept WinRM shells now, while threads can still start
    # (atexit does it too, as a fallback).
    from sdn_provider.cluster.transport import close_connections

    close_connections()
