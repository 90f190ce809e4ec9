"""Session fixtures shared by the e2e tests: one emulator and one reattached provider per worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Emulator, ProviderServer, Terraform


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emu = Emulator.start(delay=0.05)
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def provider_server() -> Iterator[ProviderServer]:
    server = ProviderServer.start()
    yield server
    server.stop()


@pytest.fixture
def tf(tmp_path: Path, provider_server: ProviderServer) -> Terraform:
    """Terraform in a fresh directory, talking to the session's reattached provider (no init needed)."""
    return Terraform(tmp_path, {"TF_REATTACH_PROVIDERS": provider_server.reattach, "TF_CLI_CONFIG_FILE": "/dev/null"})
